// Cluster libraries: /api/2.0/libraries. An unknown cluster (400 "Cluster … does not exist") is
// NOT_FOUND, as in the clusters client.
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions, type Json, type Open } from "./common.js";

/** One library: exactly one of jar, egg, whl, pypi, maven, cran or requirements. */
export type Library = Json;

export type LibraryStatus = Open<{ library: Library; status: string; is_library_for_all_clusters?: boolean }>;

export type ClusterLibraries = Open<{ cluster_id: string; library_statuses?: LibraryStatus[] }>;

const BASE = "/api/2.0/libraries";

export class LibrariesClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "compute", [[/Cluster \S+ does not exist/, "NOT_FOUND"]]);
  }

  /** Every cluster that has libraries, with their statuses (one answer). */
  async *listAll(options: CallOptions = {}): AsyncIterableIterator<ClusterLibraries> {
    const response = await this.http.get<{ statuses?: ClusterLibraries[] }>(
      `${BASE}/all-cluster-statuses`,
      {},
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

  /** Installing a library that is already there changes nothing: safe to re-send. */
  async install(clusterId: string, libraries: Library[], options: CallOptions = {}): Promise<void> {
    await this.http.post(
      `${BASE}/install`,
      { cluster_id: clusterId, libraries },
      { ...options, idempotent: true },
    );
  }
}
