// SQL warehouses (/api/2.0/sql/warehouses) and the Statement Execution API
// (/api/2.0/sql/statements): run a statement and wait for it, failures as AzdrError with the
// statement's SQLSTATE.
import { AzdrError, type AzdrErrorCode } from "../../errors.js";
import type { DatabricksClient } from "../databricks.js";
import { sleep } from "../rate-limit.js";
import { Transport, segment, type CallOptions, type Json, type Open } from "./common.js";

export type WarehouseInfo = Open<{
  id: string;
  name?: string;
  /** STARTING, RUNNING, STOPPING, STOPPED, DELETING, DELETED. */
  state?: string;
  cluster_size?: string;
  warehouse_type?: string;
}>;

/** What a warehouse is created or edited with (the reference's CreateWarehouseRequest). */
export interface WarehouseSpec {
  name: string;
  cluster_size: string;
  min_num_clusters?: number;
  max_num_clusters?: number;
  auto_stop_mins?: number;
  enable_photon?: boolean;
  enable_serverless_compute?: boolean;
  warehouse_type?: string;
  spot_instance_policy?: string;
  channel?: Json;
  tags?: { custom_tags?: { key: string; value: string }[] };
}

/** A warehouse's configuration fields; the rest (state, jdbc_url, health, creator…) the service sets. */
export const WAREHOUSE_SPEC_FIELDS = [
  "name",
  "cluster_size",
  "min_num_clusters",
  "max_num_clusters",
  "auto_stop_mins",
  "enable_photon",
  "enable_serverless_compute",
  "warehouse_type",
  "spot_instance_policy",
  "channel",
  "tags",
] as const;

/** The configuration of a listed or read warehouse, as create and edit take it. */
export function warehouseSpec(warehouse: WarehouseInfo): WarehouseSpec {
  const spec: Json = {};
  for (const field of WAREHOUSE_SPEC_FIELDS)
    if (warehouse[field] !== undefined) spec[field] = warehouse[field];
  return spec as unknown as WarehouseSpec;
}

export class WarehousesClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "sql");
  }

  /** The API returns every warehouse in one answer. */
  async *list(options: CallOptions = {}): AsyncIterableIterator<WarehouseInfo> {
    const response = await this.http.get<{ warehouses?: WarehouseInfo[] }>(
      "/api/2.0/sql/warehouses",
      {},
      options,
    );
    yield* response.warehouses ?? [];
  }

  get(id: string, options: CallOptions = {}): Promise<WarehouseInfo> {
    return this.http.get(`/api/2.0/sql/warehouses/${segment(id)}`, {}, options);
  }

  /** The service starts a new warehouse (stop it after, to leave it stopped). ALREADY_EXISTS: name taken. */
  async create(spec: WarehouseSpec, options: CallOptions = {}): Promise<string> {
    return (await this.http.post<{ id: string }>("/api/2.0/sql/warehouses", spec, options)).id;
  }

  async edit(id: string, spec: WarehouseSpec, options: CallOptions = {}): Promise<void> {
    await this.http.post(`/api/2.0/sql/warehouses/${segment(id)}/edit`, spec, {
      ...options,
      idempotent: true,
    });
  }

  async stop(id: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(`/api/2.0/sql/warehouses/${segment(id)}/stop`, {}, { ...options, idempotent: true });
  }

  async delete(id: string, options: CallOptions = {}): Promise<void> {
    await this.http.send("DELETE", `/api/2.0/sql/warehouses/${segment(id)}`, undefined, options);
  }
}

export type StatementState = "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELED" | "CLOSED";

export type StatementStatus = Open<{
  state: StatementState;
  error?: Open<{ error_code?: string; message?: string }>;
  /** Only when FAILED. */
  sql_state?: string;
}>;

export type StatementResponse = Open<{
  statement_id: string;
  status: StatementStatus;
  manifest?: Json;
  /** With format JSON_ARRAY and disposition INLINE: rows of the first chunk as string arrays. */
  result?: Open<{ data_array?: (string | null)[][]; chunk_index?: number; row_count?: number }>;
}>;

export interface ExecuteRequest {
  warehouseId: string;
  statement: string;
  catalog?: string;
  schema?: string;
  parameters?: { name: string; value: string | null; type?: string }[];
  /** How long the submit call itself waits: "0s" (answer at once) or "5s".."50s". Default "30s". */
  waitTimeout?: string;
}

/** A statement that ended FAILED, CANCELED or CLOSED, or did not end in time. */
export class SqlStatementError extends AzdrError {
  constructor(
    code: AzdrErrorCode,
    message: string,
    readonly statementId: string,
    readonly state: StatementState | "TIMED_OUT",
    /** The statement's SQLSTATE (e.g. 42P01 table or view not found), when it failed with one. */
    readonly sqlState: string | undefined,
  ) {
    super(code, message);
  }
}

const TERMINAL: ReadonlySet<StatementState> = new Set(["SUCCEEDED", "FAILED", "CANCELED", "CLOSED"]);

/** SQLSTATEs callers branch on (Databricks' SQLSTATE reference, class 42 and 0A). */
export function codeForSqlState(sqlState: string | undefined): AzdrErrorCode {
  switch (sqlState) {
    case "42P01": // TABLE_OR_VIEW_NOT_FOUND
    case "42704": // SCHEMA_NOT_FOUND, CATALOG_NOT_FOUND
    case "42883": // ROUTINE_NOT_FOUND
      return "NOT_FOUND";
    case "42P06": // SCHEMA_ALREADY_EXISTS
    case "42P07": // TABLE_OR_VIEW_ALREADY_EXISTS
    case "42723": // ROUTINE_ALREADY_EXISTS
      return "ALREADY_EXISTS";
    case "42501": // INSUFFICIENT_PERMISSIONS
      return "FORBIDDEN";
    case "0A000": // feature not supported
      return "UNSUPPORTED";
    default:
      return "INVALID_INPUT";
  }
}

export class SqlStatementsClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "sql");
  }

  /** Submit a statement (JSON_ARRAY, INLINE). The answer may still be PENDING or RUNNING. */
  execute(request: ExecuteRequest, options: CallOptions = {}): Promise<StatementResponse> {
    return this.http.post(
      "/api/2.0/sql/statements",
      {
        warehouse_id: request.warehouseId,
        statement: request.statement,
        ...(request.catalog !== undefined ? { catalog: request.catalog } : {}),
        ...(request.schema !== undefined ? { schema: request.schema } : {}),
        ...(request.parameters ? { parameters: request.parameters } : {}),
        wait_timeout: request.waitTimeout ?? "30s",
        on_wait_timeout: "CONTINUE",
        format: "JSON_ARRAY",
        disposition: "INLINE",
      },
      options,
    );
  }

  get(statementId: string, options: CallOptions = {}): Promise<StatementResponse> {
    return this.http.get(`/api/2.0/sql/statements/${segment(statementId)}`, {}, options);
  }

  async cancel(statementId: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      `/api/2.0/sql/statements/${segment(statementId)}/cancel`,
      {},
      { ...options, idempotent: true },
    );
  }

  /**
   * Execute and poll until the statement ends. Resolves with the SUCCEEDED response; throws
   * SqlStatementError (code from the SQLSTATE) when it fails, is canceled, or is still running
   * after maxPolls (then it is canceled).
   */
  async run(
    request: ExecuteRequest,
    options: CallOptions & { pollIntervalMs?: number; maxPolls?: number } = {},
  ): Promise<StatementResponse> {
    const interval = options.pollIntervalMs ?? 1000;
    const maxPolls = options.maxPolls ?? 300;
    let response = await this.execute(request, options);
    for (let poll = 0; !TERMINAL.has(response.status.state); poll++) {
      if (poll >= maxPolls) {
        await this.cancel(response.statement_id, options).catch(() => undefined);
        throw new SqlStatementError(
          "UNAVAILABLE",
          `statement ${response.statement_id} still ${response.status.state} after ${maxPolls} polls; canceled`,
          response.statement_id,
          "TIMED_OUT",
          undefined,
        );
      }
      await sleep(interval, options.abortSignal);
      response = await this.get(response.statement_id, options);
    }
    return succeeded(response);
  }
}

/** The response when it SUCCEEDED; a SqlStatementError otherwise. */
export function succeeded(response: StatementResponse): StatementResponse {
  const { state, sql_state: sqlState, error } = response.status;
  if (state === "SUCCEEDED") return response;
  const message = error?.message ?? "no message";
  throw new SqlStatementError(
    state === "FAILED" ? codeForSqlState(sqlState) : "INTERNAL",
    `statement ${response.statement_id} ${state}${sqlState ? ` (SQLSTATE ${sqlState})` : ""}: ${message}`,
    response.statement_id,
    state,
    sqlState,
  );
}
