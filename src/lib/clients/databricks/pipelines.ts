// Lakeflow declarative pipelines: /api/2.0/pipelines. A name used by another pipeline (400
// RESOURCE_CONFLICT "… is already used by another pipeline") is ALREADY_EXISTS.
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type ListOptions, type Open } from "./common.js";

/** A pipeline's settings (the reference's PipelineSpec), as create and edit take them. */
export type PipelineSpec = Open<{
  name: string;
  id?: string;
  catalog?: string;
  schema?: string;
  target?: string;
  storage?: string;
  configuration?: Record<string, string>;
  libraries?: Open<{ notebook?: { path: string }; file?: { path: string } }>[];
  clusters?: Open<{ label?: string }>[];
  continuous?: boolean;
  development?: boolean;
}>;

export type PipelineStateInfo = Open<{ pipeline_id: string; name?: string; state?: string }>;

export type Pipeline = Open<{ pipeline_id: string; spec: PipelineSpec; state?: string; name?: string }>;

const BASE = "/api/2.0/pipelines";

export class PipelinesClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "other", [[/already used by another pipeline/i, "ALREADY_EXISTS"]]);
  }

  list(options: ListOptions = {}): AsyncIterableIterator<PipelineStateInfo> {
    return this.http.paginate(BASE, "statuses", { max_results: options.pageSize ?? 100 }, options);
  }

  get(id: string, options: CallOptions = {}): Promise<Pipeline> {
    return this.http.get(`${BASE}/${segment(id)}`, {}, options);
  }

  /** Creates the pipeline; no update is started. ALREADY_EXISTS when the name is taken. */
  async create(spec: PipelineSpec, options: CallOptions = {}): Promise<string> {
    const { id: _serverSet, ...settings } = spec;
    return (await this.http.post<{ pipeline_id: string }>(BASE, settings, options)).pipeline_id;
  }

  /** Replaces the whole spec. */
  async edit(id: string, spec: PipelineSpec, options: CallOptions = {}): Promise<void> {
    await this.http.send("PUT", `${BASE}/${segment(id)}`, { ...spec, id }, options);
  }
}
