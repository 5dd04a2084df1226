// Typed client for SQL warehouses (/api/2.0/sql/warehouses). Errors are the transport's AzdrErrors
// (NOT_FOUND, ALREADY_EXISTS for a name in use, INVALID_INPUT for a refused field).
import type { DatabricksClient } from "../databricks.js";

export interface CallOptions {
  abortSignal?: AbortSignal;
}

export interface WarehouseTag {
  key: string;
  value: string;
}

/** The settings a warehouse is created or edited with (the reference's CreateWarehouseRequest). */
export interface WarehouseSpec {
  name: string;
  cluster_size: string;
  min_num_clusters?: number;
  max_num_clusters?: number;
  auto_stop_mins?: number;
  enable_photon?: boolean;
  enable_serverless_compute?: boolean;
  warehouse_type?: "PRO" | "CLASSIC" | "TYPE_UNSPECIFIED";
  spot_instance_policy?: string;
  channel?: { name?: string; dbsql_version?: string };
  tags?: { custom_tags?: WarehouseTag[] };
}

export interface Warehouse extends WarehouseSpec {
  id: string;
  state?: "STARTING" | "RUNNING" | "STOPPING" | "STOPPED" | "DELETING" | "DELETED";
  creator_name?: string;
  num_clusters?: number;
  jdbc_url?: string;
}

/** Fields of a warehouse that are its configuration; the rest is state the service sets. */
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
] as const satisfies readonly (keyof WarehouseSpec)[];

export function warehouseSpec(warehouse: Warehouse | WarehouseSpec): WarehouseSpec {
  const spec: Record<string, unknown> = {};
  for (const field of WAREHOUSE_SPEC_FIELDS)
    if (warehouse[field] !== undefined) spec[field] = warehouse[field];
  return spec as unknown as WarehouseSpec;
}

const BASE = "/api/2.0/sql/warehouses";

export class WarehousesClient {
  constructor(private readonly http: DatabricksClient) {}

  /** Every warehouse the caller can manage (the API answers them in one page). */
  async *listWarehouses(options: CallOptions = {}): AsyncIterableIterator<Warehouse> {
    const response = await this.http.get<{ warehouses?: Warehouse[] }>(BASE, undefined, options);
    yield* response.warehouses ?? [];
  }

  getWarehouse(id: string, options: CallOptions = {}): Promise<Warehouse> {
    return this.http.get<Warehouse>(`${BASE}/${encodeURIComponent(id)}`, undefined, options);
  }

  /** Creates the warehouse; the service starts it (see stopWarehouse). Not re-sent on a lost answer. */
  async createWarehouse(spec: WarehouseSpec, options: CallOptions = {}): Promise<string> {
    const created = await this.http.post<{ id: string }>(BASE, spec, options);
    return created.id;
  }

  async editWarehouse(id: string, spec: WarehouseSpec, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/${encodeURIComponent(id)}/edit`, spec, { ...options, idempotent: true });
  }

  async stopWarehouse(id: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/${encodeURIComponent(id)}/stop`, {}, { ...options, idempotent: true });
  }

  async deleteWarehouse(id: string, options: CallOptions = {}): Promise<void> {
    await this.http.request("DELETE", `${BASE}/${encodeURIComponent(id)}`, options);
  }
}
