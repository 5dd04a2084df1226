// Typed client for Lakeflow declarative pipelines (/api/2.0/pipelines). A name already used by
// another pipeline (400 RESOURCE_CONFLICT) is mapped to ALREADY_EXISTS.
import { AzdrError } from "../../errors.js";
import { DatabricksError, type DatabricksClient } from "../databricks.js";
import type { CallOptions } from "./warehouses.js";

/** A pipeline's settings (the reference's PipelineSpec), as create and edit take them. */
export interface PipelineSpec {
  name: string;
  id?: string;
  catalog?: string;
  schema?: string;
  target?: string;
  storage?: string;
  configuration?: Record<string, string>;
  libraries?: Record<string, unknown>[];
  clusters?: Record<string, unknown>[];
  continuous?: boolean;
  development?: boolean;
  photon?: boolean;
  serverless?: boolean;
  edition?: string;
  channel?: string;
  notifications?: Record<string, unknown>[];
  tags?: Record<string, string>;
  [field: string]: unknown;
}

export interface PipelineStateInfo {
  pipeline_id: string;
  name?: string;
  state?: string;
  creator_user_name?: string;
}

export interface Pipeline extends PipelineStateInfo {
  spec: PipelineSpec;
  last_modified?: number;
}

const BASE = "/api/2.0/pipelines";

function mapConflict(error: unknown): unknown {
  if (error instanceof DatabricksError && error.errorCode === "RESOURCE_CONFLICT")
    return new AzdrError("ALREADY_EXISTS", error.message, { cause: error });
  return error;
}

export class PipelinesClient {
  constructor(private readonly http: DatabricksClient) {}

  listPipelines(options: CallOptions = {}): AsyncIterableIterator<PipelineStateInfo> {
    return this.http.paginate<PipelineStateInfo>(BASE, "statuses", { max_results: 100 }, options);
  }

  getPipeline(id: string, options: CallOptions = {}): Promise<Pipeline> {
    return this.http.get<Pipeline>(`${BASE}/${encodeURIComponent(id)}`, undefined, options);
  }

  /** Creates the pipeline without starting an update. ALREADY_EXISTS when the name is taken. */
  async createPipeline(spec: PipelineSpec, options: CallOptions = {}): Promise<string> {
    const { id: _id, ...body } = spec;
    try {
      return (await this.http.post<{ pipeline_id: string }>(BASE, body, options)).pipeline_id;
    } catch (error) {
      throw mapConflict(error);
    }
  }

  async editPipeline(id: string, spec: PipelineSpec, options: CallOptions = {}): Promise<void> {
    try {
      await this.http.request("PUT", `${BASE}/${encodeURIComponent(id)}`, {
        ...options,
        body: { ...spec, id },
      });
    } catch (error) {
      throw mapConflict(error);
    }
  }
}
