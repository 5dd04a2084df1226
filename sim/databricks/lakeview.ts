// AI/BI (Lakeview) dashboards API (/api/2.0/lakeview/dashboards), per the Databricks REST
// reference: create a draft, get, update (PATCH), trash (DELETE), list (paged, trashed ones only
// with show_trashed, DASHBOARD_VIEW_BASIC without the serialized body), publish / get published /
// unpublish. A dashboard is also a DASHBOARD object in the workspace tree at
// <parent_path>/<display_name>.lvdash.json whose export is the serialized dashboard, so the
// Workspace API (list, get-status, export, delete) sees it as the reference says.
import type { SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, bool, err, hex, num, ok, paginate, prng, str } from "./util.js";

export interface DashboardRecord {
  dashboard_id: string;
  /** The tree object holding the serialized dashboard (its path follows renames). */
  objectId: number;
  warehouse_id?: string;
  create_time: number;
  update_time: number;
  revision: number;
  lifecycle_state: "ACTIVE" | "TRASHED";
  published?: { warehouse_id?: string; embed_credentials: boolean; revision_create_time: number };
}

const EMPTY_DASHBOARD = JSON.stringify({ pages: [{ name: "page1", displayName: "New Page" }] });
const SUFFIX = ".lvdash.json";

export class LakeviewState {
  readonly dashboards = new Map<string, DashboardRecord>();
  private readonly rand: () => number;

  constructor(
    private readonly state: WorkspaceState,
    seed: number,
  ) {
    this.rand = prng(seed ^ 0x1a7e);
  }

  /** Create a draft dashboard (API and seed). */
  create(spec: Json): DashboardRecord {
    const displayName = str(spec.display_name, "display_name", true);
    if (displayName.includes("/")) throw err.invalid("display_name must not contain '/'");
    const parent = str(spec.parent_path, "parent_path") ?? `/Users/${this.state.userName}`;
    const serialized = parseSerialized(spec.serialized_dashboard);
    const parentObj = this.state.tree.get(parent);
    if (!parentObj) throw err.notFound(`Path (${parent}) doesn't exist.`);
    const path = `${parent === "/" ? "" : parent}/${displayName}${SUFFIX}`;
    if (this.state.tree.get(path)) throw err.exists(`Path (${path}) already exists.`);
    const obj = this.state.tree.put({ path, object_type: "DASHBOARD", content: Buffer.from(serialized) });
    let id: string;
    do id = hex(this.rand, 32);
    while (this.dashboards.has(id));
    obj.resource_id = id;
    const now = this.state.clock();
    const record: DashboardRecord = {
      dashboard_id: id,
      objectId: obj.object_id,
      create_time: now,
      update_time: now,
      revision: 1,
      lifecycle_state: "ACTIVE",
    };
    const warehouse = str(spec.warehouse_id, "warehouse_id");
    if (warehouse) record.warehouse_id = warehouse;
    this.dashboards.set(id, record);
    return record;
  }

  /** The dashboard, or 404 when it does not exist or its workspace object was deleted. */
  get(id: string | undefined): DashboardRecord {
    const record = id ? this.dashboards.get(id) : undefined;
    if (!record || !this.state.tree.byId.get(record.objectId)) {
      if (record) this.dashboards.delete(record.dashboard_id);
      throw err.notFound(`Unable to find dashboard [${String(id)}]`);
    }
    return record;
  }

  publish(id: string, options: { warehouse_id?: string; embed_credentials?: boolean }): Json {
    const record = this.get(id);
    if (record.lifecycle_state === "TRASHED") throw err.invalid(`Dashboard ${id} is in the trash`);
    const warehouse = options.warehouse_id ?? record.warehouse_id;
    if (!warehouse)
      throw err.invalid("A warehouse_id is required to publish: set one on the draft or in the request");
    if (!this.state.sqlWarehouses.records.has(warehouse))
      throw err.notFound(`SQL warehouse ${warehouse} does not exist.`);
    record.published = {
      embed_credentials: options.embed_credentials ?? true,
      revision_create_time: this.state.clock(),
      ...(options.warehouse_id ? { warehouse_id: options.warehouse_id } : {}),
    };
    return this.renderPublished(record);
  }

  render(record: DashboardRecord, view: "full" | "basic" = "full"): Json {
    const obj = this.state.tree.byId.get(record.objectId)!;
    const path = obj.path;
    const out: Json = {
      dashboard_id: record.dashboard_id,
      display_name: path.slice(path.lastIndexOf("/") + 1, -SUFFIX.length),
      path,
      create_time: new Date(record.create_time).toISOString(),
      update_time: new Date(record.update_time).toISOString(),
      lifecycle_state: record.lifecycle_state,
      etag: String(record.revision),
    };
    if (record.warehouse_id) out.warehouse_id = record.warehouse_id;
    if (view === "full") {
      out.parent_path = path.slice(0, path.lastIndexOf("/")) || "/";
      out.serialized_dashboard = (obj.content ?? Buffer.alloc(0)).toString("utf8");
    }
    return out;
  }

  renderPublished(record: DashboardRecord): Json {
    const p = record.published!;
    const draft = this.render(record, "basic");
    return {
      display_name: draft.display_name,
      embed_credentials: p.embed_credentials,
      revision_create_time: new Date(p.revision_create_time).toISOString(),
      ...((p.warehouse_id ?? record.warehouse_id)
        ? { warehouse_id: p.warehouse_id ?? record.warehouse_id }
        : {}),
    };
  }
}

function parseSerialized(value: unknown): string {
  if (value === undefined || value === null || value === "") return EMPTY_DASHBOARD;
  if (typeof value !== "string")
    throw err.invalid("serialized_dashboard must be a JSON document as a string");
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
  } catch {
    throw err.invalid("serialized_dashboard is not a valid dashboard JSON document");
  }
  return value;
}

export function registerLakeviewRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/lakeview/dashboards";
  const lakeview = state.lakeview;
  service.route("POST", base, (req) => ok(lakeview.render(lakeview.create(body(req)))));
  service.route("GET", base, (req) => {
    const showTrashed = bool(req.query.get("show_trashed"));
    const pageSize = num(req.query.get("page_size"), "page_size") ?? 100;
    if (pageSize < 1 || pageSize > 1000) throw err.invalid("page_size must be between 1 and 1000");
    const all = [...lakeview.dashboards.values()]
      .filter((d) => state.tree.byId.get(d.objectId))
      .filter((d) => showTrashed || d.lifecycle_state === "ACTIVE")
      .sort((a, b) => (a.dashboard_id < b.dashboard_id ? -1 : 1));
    const page = paginate(all, req.query.get("page_token"), { pageSize });
    const out: Json = {};
    if (page.items.length) out.dashboards = page.items.map((d) => lakeview.render(d, "basic"));
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return ok(out);
  });
  service.route("GET", `${base}/:id`, (req) => ok(lakeview.render(lakeview.get(req.params.id))));
  service.route("PATCH", `${base}/:id`, (req) => {
    const record = lakeview.get(req.params.id);
    const b = body(req);
    const etag = str(b.etag, "etag");
    if (etag !== undefined && etag !== String(record.revision))
      throw err.invalid(`The dashboard was modified since etag ${etag} was read`, "ABORTED");
    const obj = state.tree.byId.get(record.objectId)!;
    if (b.serialized_dashboard !== undefined)
      state.tree.put(
        { ...obj, content: Buffer.from(parseSerialized(b.serialized_dashboard)) },
        { overwrite: true },
      );
    const name = str(b.display_name, "display_name");
    if (name !== undefined) {
      const current = state.tree.byId.get(record.objectId)!;
      const parent = current.path.slice(0, current.path.lastIndexOf("/"));
      const path = `${parent}/${name}${SUFFIX}`;
      if (path !== current.path) {
        if (state.tree.get(path)) throw err.exists(`Path (${path}) already exists.`);
        state.tree.delete(current.path, false);
        state.tree.put({ ...current, path });
      }
    }
    const warehouse = str(b.warehouse_id, "warehouse_id");
    if (warehouse !== undefined) record.warehouse_id = warehouse;
    record.revision++;
    record.update_time = state.clock();
    return ok(lakeview.render(record));
  });
  service.route("DELETE", `${base}/:id`, (req) => {
    const record = lakeview.get(req.params.id);
    record.lifecycle_state = "TRASHED";
    return ok({});
  });
  service.route("POST", `${base}/:id/published`, (req) => {
    const b = body(req);
    const warehouse = str(b.warehouse_id, "warehouse_id");
    return ok(
      lakeview.publish(req.params.id ?? "", {
        ...(warehouse ? { warehouse_id: warehouse } : {}),
        ...(b.embed_credentials !== undefined ? { embed_credentials: bool(b.embed_credentials) } : {}),
      }),
    );
  });
  service.route("GET", `${base}/:id/published`, (req) => {
    const record = lakeview.get(req.params.id);
    if (!record.published) throw err.notFound(`Dashboard ${record.dashboard_id} is not published`);
    return ok(lakeview.renderPublished(record));
  });
  service.route("DELETE", `${base}/:id/published`, (req) => {
    const record = lakeview.get(req.params.id);
    if (!record.published) throw err.notFound(`Dashboard ${record.dashboard_id} is not published`);
    delete record.published;
    return ok({});
  });
}
