// MLflow experiments: /api/2.0/mlflow/experiments/* — metadata (name, artifact location, tags).
// Runs and artifacts are data, outside this client.
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions, type ListOptions, type Open } from "./common.js";

export interface ExperimentTag {
  key: string;
  value: string;
}

export type Experiment = Open<{
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  tags?: ExperimentTag[];
}>;

const BASE = "/api/2.0/mlflow/experiments";

export class MlflowClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "other");
  }

  /** Active experiments. */
  list(options: ListOptions = {}): AsyncIterableIterator<Experiment> {
    return this.http.paginate(
      `${BASE}/search`,
      "experiments",
      { max_results: options.pageSize ?? 1000 },
      options,
    );
  }

  async get(id: string, options: CallOptions = {}): Promise<Experiment> {
    return (await this.http.get<{ experiment: Experiment }>(`${BASE}/get`, { experiment_id: id }, options))
      .experiment;
  }

  /** ALREADY_EXISTS when the name is taken (by a deleted experiment too). */
  async create(
    request: { name: string; artifact_location?: string; tags?: ExperimentTag[] },
    options: CallOptions = {},
  ): Promise<string> {
    return (await this.http.post<{ experiment_id: string }>(`${BASE}/create`, request, options))
      .experiment_id;
  }

  async setTag(id: string, tag: ExperimentTag, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      `${BASE}/set-experiment-tag`,
      { experiment_id: id, ...tag },
      { ...options, idempotent: true },
    );
  }
}
