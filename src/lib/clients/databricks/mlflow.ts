// Typed client for MLflow experiments (/api/2.0/mlflow/experiments/*): metadata only (name,
// artifact location, tags). Runs and artifacts are data, outside this client.
import type { DatabricksClient } from "../databricks.js";
import type { CallOptions } from "./warehouses.js";

export interface ExperimentTag {
  key: string;
  value: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: "active" | "deleted";
  creation_time?: number;
  last_update_time?: number;
  tags?: ExperimentTag[];
}

const BASE = "/api/2.0/mlflow/experiments";

export class MlflowClient {
  constructor(private readonly http: DatabricksClient) {}

  /** Active experiments. */
  listExperiments(options: CallOptions = {}): AsyncIterableIterator<Experiment> {
    return this.http.paginate<Experiment>(
      `${BASE}/search`,
      "experiments",
      { max_results: 1000 },
      {
        ...options,
        family: "other",
      },
    );
  }

  async getExperiment(id: string, options: CallOptions = {}): Promise<Experiment> {
    return (await this.http.get<{ experiment: Experiment }>(`${BASE}/get`, { experiment_id: id }, options))
      .experiment;
  }

  async createExperiment(
    request: { name: string; artifact_location?: string; tags?: ExperimentTag[] },
    options: CallOptions = {},
  ): Promise<string> {
    return (await this.http.post<{ experiment_id: string }>(`${BASE}/create`, request, options))
      .experiment_id;
  }

  async setExperimentTag(id: string, tag: ExperimentTag, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      `${BASE}/set-experiment-tag`,
      { experiment_id: id, ...tag },
      { ...options, idempotent: true },
    );
  }
}
