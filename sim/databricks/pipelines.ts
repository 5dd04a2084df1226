// Lakeflow Declarative Pipelines (DLT) API (/api/2.0/pipelines), per the Databricks REST
// reference: create (refused when the name is already used unless allow_duplicate_names; dry_run
// validates only), get, edit (PUT, the whole spec), delete, list (max_results default 25, at most
// 100, `name LIKE '…'` and `notebook='…'` filters, order_by id or name), and starting an update
// (recorded, so tests can assert a restore never starts one). Rules from the reference: `schema`
// and `target` are mutually exclusive; a Unity Catalog pipeline (catalog set) has no `storage`.
import type { SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, bool, clone, err, num, ok, paginate, prng, str, uuid } from "./util.js";

export interface PipelineRecord {
  pipeline_id: string;
  spec: Json;
  state: "IDLE" | "RUNNING";
  creator_user_name: string;
  last_modified: number;
  updates: { update_id: string; state: string; creation_time: string }[];
}

/** Request fields that steer the call and are not part of the pipeline's spec. */
const REQUEST_ONLY = ["allow_duplicate_names", "dry_run", "expected_last_modified", "pipeline_id"];

export class PipelineState {
  readonly records = new Map<string, PipelineRecord>();
  private readonly rand: () => number;

  constructor(
    private readonly owner: { clock: () => number; userName: string },
    seed: number,
  ) {
    this.rand = prng(seed ^ 0xd17);
  }

  validate(request: Json, self?: string): Json {
    const name = str(request.name, "name", true);
    if (!bool(request.allow_duplicate_names))
      for (const p of this.records.values())
        if (p.pipeline_id !== self && p.spec.name === name)
          throw err.invalid(
            `The pipeline name '${name}' is already used by another pipeline. This check can be skipped by setting \`allow_duplicate_names = true\` in the request.`,
            "RESOURCE_CONFLICT",
          );
    if (request.schema !== undefined && request.target !== undefined)
      throw err.invalid("Only one of schema and target can be specified");
    if (request.catalog !== undefined && request.storage !== undefined)
      throw err.invalid("storage cannot be set on a Unity Catalog pipeline (catalog is set)");
    for (const lib of (request.libraries as Json[] | undefined) ?? []) {
      const kinds = ["notebook", "file", "jar", "maven", "whl", "glob"].filter((k) => lib[k] !== undefined);
      if (kinds.length !== 1)
        throw err.invalid("Each library must set exactly one of notebook, file, glob, jar, maven, whl");
    }
    const spec = clone(request);
    for (const key of REQUEST_ONLY) delete spec[key];
    return spec;
  }

  create(request: Json): PipelineRecord {
    const spec = this.validate(request);
    let id: string;
    do id = uuid(this.rand);
    while (this.records.has(id));
    const record: PipelineRecord = {
      pipeline_id: id,
      spec: { ...spec, id },
      state: "IDLE",
      creator_user_name: this.owner.userName,
      last_modified: this.owner.clock(),
      updates: [],
    };
    this.records.set(id, record);
    return record;
  }

  newUpdateId(): string {
    return uuid(this.rand);
  }

  get(id: string | undefined): PipelineRecord {
    const p = id ? this.records.get(id) : undefined;
    if (!p) throw err.notFound(`The specified pipeline ${String(id)} was not found.`);
    return p;
  }
}

function stateInfo(p: PipelineRecord): Json {
  return {
    pipeline_id: p.pipeline_id,
    name: p.spec.name,
    state: p.state,
    creator_user_name: p.creator_user_name,
    run_as_user_name: p.creator_user_name,
    health: "HEALTHY",
    ...(p.updates.length ? { latest_updates: p.updates.slice(-5).reverse() } : {}),
  };
}

export function registerPipelineRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/pipelines";
  const pipelines = state.pipelines;
  service.route("POST", base, (req) => {
    const b = body(req);
    if (bool(b.dry_run)) return ok({ effective_settings: pipelines.validate(b) });
    const p = pipelines.create(b);
    return ok({ pipeline_id: p.pipeline_id, effective_settings: clone(p.spec) });
  });
  service.route("GET", base, (req) => {
    const max = num(req.query.get("max_results"), "max_results") ?? 25;
    if (max < 1 || max > 100) throw err.invalid("max_results must be between 1 and 100");
    const filter = req.query.get("filter");
    let match: (p: PipelineRecord) => boolean = () => true;
    if (filter) {
      const like = /^\s*name\s+LIKE\s+'(.*)'\s*$/i.exec(filter);
      const notebook = /^\s*notebook\s*=\s*'(.*)'\s*$/i.exec(filter);
      if (like) {
        const pattern = new RegExp(
          `^${like[1]!
            .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
            .replace(/%/g, ".*")
            .replace(/_/g, ".")}$`,
        );
        match = (p) => pattern.test(String(p.spec.name));
      } else if (notebook) {
        match = (p) =>
          ((p.spec.libraries as Json[] | undefined) ?? []).some(
            (l) => (l.notebook as Json | undefined)?.path === notebook[1],
          );
      } else throw err.invalid(`Unsupported filter: ${filter}`);
    }
    const orderBy = req.query.getAll("order_by")[0] ?? "id asc";
    const [field, direction] = orderBy.trim().split(/\s+/);
    if (field !== "id" && field !== "name") throw err.invalid(`Unsupported order_by: ${orderBy}`);
    const key = (p: PipelineRecord) => (field === "id" ? p.pipeline_id : String(p.spec.name));
    const all = [...pipelines.records.values()]
      .filter(match)
      .sort(
        (a, b) =>
          (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (direction?.toLowerCase() === "desc" ? -1 : 1),
      );
    const page = paginate(all, req.query.get("page_token"), { pageSize: max });
    const out: Json = {};
    if (page.items.length) out.statuses = page.items.map(stateInfo);
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return ok(out);
  });
  service.route("GET", `${base}/:id`, (req) => {
    const p = pipelines.get(req.params.id);
    return ok({
      ...stateInfo(p),
      spec: clone(p.spec),
      last_modified: p.last_modified,
    });
  });
  service.route("PUT", `${base}/:id`, (req) => {
    const p = pipelines.get(req.params.id);
    const b = body(req);
    const expected = num(b.expected_last_modified, "expected_last_modified");
    if (expected !== undefined && expected !== p.last_modified)
      throw err.invalid("The pipeline was modified since expected_last_modified", "ABORTED");
    p.spec = { ...pipelines.validate(b, p.pipeline_id), id: p.pipeline_id };
    p.last_modified = state.clock();
    return ok({});
  });
  service.route("DELETE", `${base}/:id`, (req) => {
    const p = pipelines.get(req.params.id);
    pipelines.records.delete(p.pipeline_id);
    state.permissions.delete(`pipelines/${p.pipeline_id}`);
    return ok({});
  });
  service.route("POST", `${base}/:id/updates`, (req) => {
    const p = pipelines.get(req.params.id);
    const update = {
      update_id: pipelines.newUpdateId(),
      state: "QUEUED",
      creation_time: new Date(state.clock()).toISOString(),
    };
    p.updates.push(update);
    p.state = "RUNNING";
    return ok({ update_id: update.update_id });
  });
}
