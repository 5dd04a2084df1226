// SQL Warehouses API (/api/2.0/sql/warehouses), per the Databricks REST reference: create (the
// warehouse starts, as the real one does), get, edit, delete, start, stop and list. Field rules
// from the reference: cluster_size one of the nine sizes, auto_stop_mins 0 or >= 10,
// 1 <= min_num_clusters <= max_num_clusters <= 30, fewer than 45 custom tags, serverless only on
// PRO, names unique in the workspace and under 100 characters. Every workspace starts with a
// "Serverless Starter Warehouse", as new Azure Databricks premium workspaces do.
import type { SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, bool, clone, err, hex, num, ok, prng, str } from "./util.js";

export const CLUSTER_SIZES = [
  "2X-Small",
  "X-Small",
  "Small",
  "Medium",
  "Large",
  "X-Large",
  "2X-Large",
  "3X-Large",
  "4X-Large",
];

const EDITABLE = [
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
  "creator_name",
] as const;

export const STARTER_WAREHOUSE_NAME = "Serverless Starter Warehouse";

export class WarehouseState {
  readonly records = new Map<string, Json>();
  private readonly rand: () => number;

  constructor(
    private readonly owner: { clock: () => number; userName: string; workspaceId: number },
    seed: number,
  ) {
    // Own PRNG: warehouse ids never shift the ids the rest of the workspace generates.
    this.rand = prng(seed ^ 0x5a1e);
  }

  newId(): string {
    let id: string;
    do id = hex(this.rand, 16);
    while (this.records.has(id));
    return id;
  }

  /** Create a warehouse (API and seed); it starts RUNNING unless told otherwise. */
  create(spec: Json, options: { id?: string; state?: "RUNNING" | "STOPPED" } = {}): Json {
    const settings = validateSpec(spec);
    const name = settings.name as string;
    for (const w of this.records.values())
      if (w.name === name) throw err.exists(`SQL warehouse with name '${name}' already exists.`);
    const id = options.id ?? this.newId();
    const warehouse: Json = {
      id,
      min_num_clusters: 1,
      max_num_clusters: 1,
      auto_stop_mins: 120,
      enable_photon: false,
      enable_serverless_compute: false,
      warehouse_type: "CLASSIC",
      spot_instance_policy: "COST_OPTIMIZED",
      ...settings,
      creator_name: settings.creator_name ?? this.owner.userName,
      state: options.state ?? "RUNNING",
      num_clusters: options.state === "STOPPED" ? 0 : 1,
      num_active_sessions: 0,
      jdbc_url: `jdbc:spark://adb-${this.owner.workspaceId}.azuredatabricks.net:443/default;transportMode=http;ssl=1;AuthMech=3;httpPath=/sql/1.0/warehouses/${id};`,
      odbc_params: {
        hostname: `adb-${this.owner.workspaceId}.azuredatabricks.net`,
        path: `/sql/1.0/warehouses/${id}`,
        protocol: "https",
        port: 443,
      },
      health: { status: "HEALTHY" },
    };
    if (warehouse.max_num_clusters === undefined || (warehouse.max_num_clusters as number) < 1)
      warehouse.max_num_clusters = warehouse.min_num_clusters;
    this.records.set(id, warehouse);
    return warehouse;
  }

  get(id: string | undefined): Json {
    const w = id ? this.records.get(id) : undefined;
    if (!w) throw err.notFound(`SQL warehouse ${String(id)} does not exist.`);
    return w;
  }
}

function validateSpec(spec: Json): Json {
  const name = str(spec.name, "name", true);
  if (name.length >= 100) throw err.invalid("name must be less than 100 characters");
  const size = str(spec.cluster_size, "cluster_size", true);
  if (!CLUSTER_SIZES.includes(size))
    throw err.invalid(`cluster_size ${size} is not one of ${CLUSTER_SIZES.join(", ")}`);
  const autoStop = num(spec.auto_stop_mins, "auto_stop_mins");
  if (autoStop !== undefined && autoStop !== 0 && autoStop < 10)
    throw err.invalid("auto_stop_mins must be 0 (no autostop) or at least 10");
  const min = num(spec.min_num_clusters, "min_num_clusters") ?? 1;
  const max = num(spec.max_num_clusters, "max_num_clusters") ?? min;
  if (min < 1) throw err.invalid("min_num_clusters must be greater than 0");
  if (max < min || max > 30) throw err.invalid("max_num_clusters must be >= min_num_clusters and <= 30");
  const type = str(spec.warehouse_type, "warehouse_type");
  if (type !== undefined && !["PRO", "CLASSIC", "TYPE_UNSPECIFIED"].includes(type))
    throw err.invalid(`warehouse_type ${type} is not PRO or CLASSIC`);
  if (bool(spec.enable_serverless_compute) && type !== "PRO")
    throw err.invalid("Serverless compute requires warehouse_type PRO");
  const tags = (spec.tags as { custom_tags?: unknown[] } | undefined)?.custom_tags;
  if (tags !== undefined && (!Array.isArray(tags) || tags.length >= 45))
    throw err.invalid("tags.custom_tags must be a list of fewer than 45 tags");
  const out: Json = {};
  for (const key of EDITABLE) if (spec[key] !== undefined) out[key] = clone(spec[key]);
  out.min_num_clusters = min;
  out.max_num_clusters = max;
  return out;
}

export function registerWarehouseRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/sql/warehouses";
  const warehouses = state.sqlWarehouses;
  service.route("POST", base, (req) => ok({ id: warehouses.create(body(req)).id }));
  service.route("GET", base, () => {
    const all = [...warehouses.records.values()].map(clone);
    return ok(all.length ? { warehouses: all } : {});
  });
  service.route("GET", `${base}/:id`, (req) => ok(clone(warehouses.get(req.params.id))));
  service.route("POST", `${base}/:id/edit`, (req) => {
    const w = warehouses.get(req.params.id);
    const b = body(req);
    const next = validateSpec({ ...pick(w), ...b });
    for (const other of warehouses.records.values())
      if (other !== w && other.name === next.name)
        throw err.exists(`SQL warehouse with name '${String(next.name)}' already exists.`);
    Object.assign(w, next);
    return ok({});
  });
  service.route("DELETE", `${base}/:id`, (req) => {
    const w = warehouses.get(req.params.id);
    warehouses.records.delete(w.id as string);
    state.permissions.delete(`warehouses/${String(w.id)}`);
    return ok({});
  });
  service.route("POST", `${base}/:id/start`, (req) => {
    const w = warehouses.get(req.params.id);
    w.state = "RUNNING";
    w.num_clusters = w.min_num_clusters;
    return ok({});
  });
  service.route("POST", `${base}/:id/stop`, (req) => {
    const w = warehouses.get(req.params.id);
    w.state = "STOPPED";
    w.num_clusters = 0;
    return ok({});
  });
}

function pick(w: Json): Json {
  const out: Json = {};
  for (const key of EDITABLE) if (w[key] !== undefined) out[key] = w[key];
  return out;
}
