// Permissions API: GET/PUT/PATCH /api/2.0/permissions/{type}/{id} for jobs, clusters,
// cluster-policies, instance-pools, notebooks, directories, workspace files ("files"), repos,
// SQL warehouses, pipelines, MLflow experiments and AI/BI dashboards. The response carries the
// direct ACL plus the inherited "admins" CAN_MANAGE entry, as the real service does.
import type { SimService } from "../core/server.js";
import type { AccessControlEntry, WorkspaceState } from "./state.js";
import { body, err, ok } from "./util.js";

const OBJECT_TYPES: Record<string, string> = {
  jobs: "job",
  clusters: "cluster",
  "cluster-policies": "cluster-policy",
  "instance-pools": "instance-pool",
  notebooks: "notebook",
  directories: "directory",
  files: "file",
  repos: "repo",
  warehouses: "warehouses",
  pipelines: "pipelines",
  experiments: "mlflowExperiment",
  dashboards: "dashboard",
};

const LEVELS: Record<string, string[]> = {
  jobs: ["CAN_VIEW", "CAN_MANAGE_RUN", "IS_OWNER", "CAN_MANAGE"],
  clusters: ["CAN_ATTACH_TO", "CAN_RESTART", "CAN_MANAGE"],
  "cluster-policies": ["CAN_USE"],
  "instance-pools": ["CAN_ATTACH_TO", "CAN_MANAGE"],
  notebooks: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
  directories: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
  files: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
  repos: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
  warehouses: ["CAN_VIEW", "CAN_MONITOR", "CAN_USE", "IS_OWNER", "CAN_MANAGE"],
  pipelines: ["CAN_VIEW", "CAN_RUN", "CAN_MANAGE", "IS_OWNER"],
  experiments: ["CAN_READ", "CAN_EDIT", "CAN_MANAGE"],
  dashboards: ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"],
};

function principalOf(e: AccessControlEntry): string {
  return e.user_name ?? e.group_name ?? e.service_principal_name ?? "";
}

export function objectExists(state: WorkspaceState, type: string, id: string): boolean {
  switch (type) {
    case "jobs":
      return state.jobs.has(Number(id));
    case "clusters":
      return state.clusters.has(id);
    case "cluster-policies":
      return state.policies.has(id);
    case "instance-pools":
      return state.pools.has(id);
    case "notebooks":
      return state.tree.byId.get(Number(id))?.object_type === "NOTEBOOK";
    case "directories":
      return state.tree.byId.get(Number(id))?.object_type === "DIRECTORY";
    case "files":
      return state.tree.byId.get(Number(id))?.object_type === "FILE";
    case "repos":
      return state.repos.has(Number(id));
    case "warehouses":
      return state.sqlWarehouses.records.has(id);
    case "pipelines":
      return state.pipelines.records.has(id);
    case "experiments":
      return state.mlflow.experiments.has(id);
    case "dashboards": {
      // A dashboard is a workspace object: gone with it.
      const dashboard = state.lakeview.dashboards.get(id);
      return dashboard !== undefined && state.tree.byId.has(dashboard.objectId);
    }
    default:
      return false;
  }
}

function validate(type: string, acl: unknown): AccessControlEntry[] {
  if (!Array.isArray(acl)) throw err.invalid("access_control_list must be an array");
  return (acl as AccessControlEntry[]).map((e) => {
    const set = [e.user_name, e.group_name, e.service_principal_name].filter((x) => x !== undefined);
    if (set.length !== 1)
      throw err.invalid("Exactly one of user_name, group_name or service_principal_name is required");
    if (!LEVELS[type]?.includes(e.permission_level))
      throw err.invalid(
        `Permission ${e.permission_level} is not a valid permission level for ${OBJECT_TYPES[type]}`,
      );
    const out: AccessControlEntry = { permission_level: e.permission_level };
    if (e.user_name) out.user_name = e.user_name;
    if (e.group_name) out.group_name = e.group_name;
    if (e.service_principal_name) out.service_principal_name = e.service_principal_name;
    return out;
  });
}

export function registerPermissionRoutes(service: SimService, state: WorkspaceState): void {
  const render = (type: string, id: string) => {
    const direct = state.permissions.get(`${type}/${id}`) ?? [];
    const acl = direct.map((e) => {
      const { permission_level, ...who } = e;
      return { ...who, all_permissions: [{ permission_level, inherited: false }] };
    });
    acl.push({
      group_name: "admins",
      all_permissions: [
        { permission_level: "CAN_MANAGE", inherited: true, inherited_from_object: [`/${type}/`] },
      ],
    } as never);
    return { object_id: `/${type}/${id}`, object_type: OBJECT_TYPES[type], access_control_list: acl };
  };
  const check = (type: string, id: string) => {
    if (!OBJECT_TYPES[type]) throw err.notFound(`Unsupported object type ${type}`, "ENDPOINT_NOT_FOUND");
    if (!objectExists(state, type, id)) {
      // Gone with its object (a dashboard deleted through the Workspace API, say): never served again.
      state.permissions.delete(`${type}/${id}`);
      throw err.notFound(`${OBJECT_TYPES[type]} ${id} does not exist.`);
    }
  };
  service.route("GET", "/api/2.0/permissions/:type/:id/permissionLevels", (req) => {
    const { type = "", id = "" } = req.params;
    check(type, id);
    return ok({ permission_levels: (LEVELS[type] ?? []).map((permission_level) => ({ permission_level })) });
  });
  service.route("GET", "/api/2.0/permissions/:type/:id", (req) => {
    const { type = "", id = "" } = req.params;
    check(type, id);
    return ok(render(type, id));
  });
  service.route("PUT", "/api/2.0/permissions/:type/:id", (req) => {
    const { type = "", id = "" } = req.params;
    check(type, id);
    state.permissions.set(`${type}/${id}`, validate(type, body(req).access_control_list ?? []));
    return ok(render(type, id));
  });
  service.route("PATCH", "/api/2.0/permissions/:type/:id", (req) => {
    const { type = "", id = "" } = req.params;
    check(type, id);
    const current = [...(state.permissions.get(`${type}/${id}`) ?? [])];
    for (const e of validate(type, body(req).access_control_list ?? [])) {
      const i = current.findIndex((c) => principalOf(c) === principalOf(e));
      if (i >= 0) current[i] = e;
      else current.push(e);
    }
    state.permissions.set(`${type}/${id}`, current);
    return ok(render(type, id));
  });
}
