// Repos (Git folders) API: /api/2.0/repos.
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type Open } from "./common.js";

export type Repo = Open<{
  id: number;
  path?: string;
  url?: string;
  provider?: string;
  branch?: string;
  head_commit_id?: string;
  sparse_checkout?: { patterns?: string[] };
}>;

export interface CreateRepoRequest {
  url: string;
  provider: string;
  path?: string;
  sparse_checkout?: { patterns?: string[] };
}

/** Check out a branch or a tag (one of them). */
export interface UpdateRepoRequest {
  branch?: string;
  tag?: string;
  sparse_checkout?: { patterns?: string[] };
}

export class ReposClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "repos");
  }

  list(options: CallOptions & { pathPrefix?: string } = {}): AsyncIterableIterator<Repo> {
    return this.http.paginate(
      "/api/2.0/repos",
      "repos",
      options.pathPrefix !== undefined ? { path_prefix: options.pathPrefix } : {},
      options,
    );
  }

  get(repoId: number, options: CallOptions = {}): Promise<Repo> {
    return this.http.get(`/api/2.0/repos/${segment(repoId)}`, {}, options);
  }

  /** ALREADY_EXISTS when the path is taken. */
  create(request: CreateRepoRequest, options: CallOptions = {}): Promise<Repo> {
    return this.http.post("/api/2.0/repos", request, options);
  }

  async update(repoId: number, request: UpdateRepoRequest, options: CallOptions = {}): Promise<void> {
    await this.http.send("PATCH", `/api/2.0/repos/${segment(repoId)}`, request, options);
  }

  async delete(repoId: number, options: CallOptions = {}): Promise<void> {
    await this.http.send("DELETE", `/api/2.0/repos/${segment(repoId)}`, undefined, options);
  }
}
