// Typed client for cluster libraries (/api/2.0/libraries).
import type { DatabricksClient } from "../databricks.js";
import type { CallOptions } from "./warehouses.js";

/** One library: exactly one of jar, egg, whl, pypi, maven, cran or requirements. */
export type Library = Record<string, unknown>;

export interface LibraryStatus {
  library: Library;
  status: string;
  is_library_for_all_clusters?: boolean;
  messages?: string[];
}

export interface ClusterLibraries {
  cluster_id: string;
  library_statuses?: LibraryStatus[];
}

const BASE = "/api/2.0/libraries";

export class LibrariesClient {
  constructor(private readonly http: DatabricksClient) {}

  /** Every cluster that has libraries, with their statuses. */
  async *listClusterLibraries(options: CallOptions = {}): AsyncIterableIterator<ClusterLibraries> {
    const response = await this.http.get<{ statuses?: ClusterLibraries[] }>(
      `${BASE}/all-cluster-statuses`,
      undefined,
      options,
    );
    yield* response.statuses ?? [];
  }

  async clusterStatus(clusterId: string, options: CallOptions = {}): Promise<LibraryStatus[]> {
    const response = await this.http.get<ClusterLibraries>(
      `${BASE}/cluster-status`,
      { cluster_id: clusterId },
      options,
    );
    return response.library_statuses ?? [];
  }

  /** Installing a library already there changes nothing: safe to re-send. */
  async install(clusterId: string, libraries: Library[], options: CallOptions = {}): Promise<void> {
    await this.http.post(
      `${BASE}/install`,
      { cluster_id: clusterId, libraries },
      { ...options, idempotent: true },
    );
  }
}
