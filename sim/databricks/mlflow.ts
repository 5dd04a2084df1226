// MLflow experiments (/api/2.0/mlflow/experiments/*), per the Databricks REST reference: create
// (a workspace experiment's name is an absolute workspace path whose folder must exist; a name in
// use, even by a deleted experiment, is RESOURCE_ALREADY_EXISTS; artifact_location defaults to
// dbfs:/databricks/mlflow-tracking/<id>), get, get-by-name, search (GET or POST; max_results
// default 1000, at most 3000; view_type ACTIVE_ONLY by default; filters on name and tags),
// update (rename), delete / restore, set-experiment-tag and delete-experiment-tag. Runs, metrics
// and artifacts are not simulated: azdr backs up experiments' metadata only.
import type { SimRequest, SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, err, num, ok, paginate, str } from "./util.js";

export interface ExperimentRecord {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number;
  last_update_time: number;
  tags: Map<string, string>;
}

export class MlflowState {
  readonly experiments = new Map<string, ExperimentRecord>();
  private nextId: number;

  constructor(private readonly state: WorkspaceState) {
    // Experiment ids are large decimal numbers; per workspace, so two workspaces rarely agree.
    this.nextId = 100_000_000_000 + (state.workspaceId % 1_000_000) * 1000;
  }

  create(spec: Json): ExperimentRecord {
    const name = str(spec.name, "name", true);
    if (!name.startsWith("/"))
      throw err.invalid(`Experiment name must be an absolute path in the workspace (got '${name}')`);
    const parent = name.slice(0, name.lastIndexOf("/")) || "/";
    const folder = this.state.tree.get(parent);
    if (!folder || (folder.object_type !== "DIRECTORY" && folder.object_type !== "REPO"))
      throw err.notFound(`Parent directory ${parent} does not exist.`);
    for (const e of this.experiments.values())
      if (e.name === name) throw err.exists(`Experiment(name=${name}) already exists.`);
    const id = String(this.nextId++);
    const now = this.state.clock();
    const record: ExperimentRecord = {
      experiment_id: id,
      name,
      artifact_location:
        str(spec.artifact_location, "artifact_location") ?? `dbfs:/databricks/mlflow-tracking/${id}`,
      lifecycle_stage: "active",
      creation_time: now,
      last_update_time: now,
      tags: new Map(),
    };
    for (const tag of (spec.tags as Json[] | undefined) ?? [])
      record.tags.set(str(tag.key, "tags.key", true), typeof tag.value === "string" ? tag.value : "");
    this.experiments.set(id, record);
    return record;
  }

  get(id: unknown): ExperimentRecord {
    const experimentId = str(id, "experiment_id", true);
    const e = this.experiments.get(experimentId);
    if (!e) throw err.notFound(`No Experiment with id=${experimentId} exists`);
    return e;
  }
}

export function renderExperiment(e: ExperimentRecord): Json {
  return {
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    creation_time: e.creation_time,
    last_update_time: e.last_update_time,
    ...(e.tags.size ? { tags: [...e.tags].map(([key, value]) => ({ key, value })) } : {}),
  };
}

/** The filters the simulator understands: name = / LIKE, and tags.<key> = '<value>'. */
function filterFor(filter: string | undefined): (e: ExperimentRecord) => boolean {
  if (!filter) return () => true;
  const m = /^\s*(name|tags\.`?([\w.-]+)`?)\s*(=|!=|LIKE|ILIKE)\s*'(.*)'\s*$/i.exec(filter);
  if (!m)
    throw err.invalid(`Invalid filter '${filter}': the simulator supports name and tags.<key> comparisons`);
  const [, field, tagKey, op, value] = m;
  const get = (e: ExperimentRecord) => (field!.toLowerCase() === "name" ? e.name : e.tags.get(tagKey!));
  const operator = op!.toUpperCase();
  if (operator === "=") return (e) => get(e) === value;
  if (operator === "!=") return (e) => get(e) !== value;
  const pattern = new RegExp(
    `^${value!
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/%/g, ".*")
      .replace(/_/g, ".")}$`,
    operator === "ILIKE" ? "i" : "",
  );
  return (e) => pattern.test(get(e) ?? "");
}

export function registerMlflowRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/mlflow/experiments";
  const mlflow = state.mlflow;
  const search = (params: (key: string) => unknown) => {
    const max = num(params("max_results"), "max_results") ?? 1000;
    if (max < 1 || max > 3000) throw err.invalid("max_results must be between 1 and 3000");
    const view = str(params("view_type"), "view_type") ?? "ACTIVE_ONLY";
    if (!["ACTIVE_ONLY", "DELETED_ONLY", "ALL"].includes(view))
      throw err.invalid(`Invalid view_type ${view}`);
    const match = filterFor(str(params("filter"), "filter"));
    const all = [...mlflow.experiments.values()]
      .filter((e) => view === "ALL" || (view === "ACTIVE_ONLY") === (e.lifecycle_stage === "active"))
      .filter(match)
      .sort(
        (a, b) => b.last_update_time - a.last_update_time || (a.experiment_id < b.experiment_id ? -1 : 1),
      );
    const page = paginate(all, str(params("page_token"), "page_token"), { pageSize: max });
    const out: Json = {};
    if (page.items.length) out.experiments = page.items.map(renderExperiment);
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return ok(out);
  };
  service.route("GET", `${base}/search`, (req: SimRequest) => search((k) => req.query.get(k) ?? undefined));
  service.route("POST", `${base}/search`, (req) => {
    const b = body(req);
    return search((k) => b[k]);
  });
  service.route("GET", `${base}/get`, (req) =>
    ok({ experiment: renderExperiment(mlflow.get(req.query.get("experiment_id"))) }),
  );
  service.route("GET", `${base}/get-by-name`, (req) => {
    const name = str(req.query.get("experiment_name"), "experiment_name", true);
    const e = [...mlflow.experiments.values()].find((x) => x.name === name);
    if (!e) throw err.notFound(`Could not find experiment with name ${name}`);
    return ok({ experiment: renderExperiment(e) });
  });
  service.route("POST", `${base}/create`, (req) =>
    ok({ experiment_id: mlflow.create(body(req)).experiment_id }),
  );
  service.route("POST", `${base}/update`, (req) => {
    const b = body(req);
    const e = mlflow.get(b.experiment_id);
    const name = str(b.new_name, "new_name");
    if (name !== undefined && name !== e.name) {
      for (const other of mlflow.experiments.values())
        if (other.name === name) throw err.exists(`Experiment(name=${name}) already exists.`);
      e.name = name;
      e.last_update_time = state.clock();
    }
    return ok({});
  });
  service.route("POST", `${base}/delete`, (req) => {
    const e = mlflow.get(body(req).experiment_id);
    e.lifecycle_stage = "deleted";
    e.last_update_time = state.clock();
    return ok({});
  });
  service.route("POST", `${base}/restore`, (req) => {
    const e = mlflow.get(body(req).experiment_id);
    e.lifecycle_stage = "active";
    e.last_update_time = state.clock();
    return ok({});
  });
  service.route("POST", `${base}/set-experiment-tag`, (req) => {
    const b = body(req);
    const e = mlflow.get(b.experiment_id);
    e.tags.set(str(b.key, "key", true), typeof b.value === "string" ? b.value : "");
    e.last_update_time = state.clock();
    return ok({});
  });
  service.route("POST", `${base}/delete-experiment-tag`, (req) => {
    const b = body(req);
    const e = mlflow.get(b.experiment_id);
    e.tags.delete(str(b.key, "key", true));
    return ok({});
  });
}
