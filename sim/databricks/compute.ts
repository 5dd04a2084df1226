// Clusters (2.0 and 2.1), cluster policies, instance pools and global init scripts.
import type { SimService } from "../core/server.js";
import { validateClusterRefs } from "./jobs.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, clone, err, num, ok, paginate, str } from "./util.js";

const CLUSTER_STATES = [
  "PENDING",
  "RUNNING",
  "RESTARTING",
  "RESIZING",
  "TERMINATING",
  "TERMINATED",
  "ERROR",
  "UNKNOWN",
];

function getCluster(state: WorkspaceState, id: unknown): Json {
  const clusterId = str(id, "cluster_id", true);
  const cluster = state.clusters.get(clusterId);
  if (!cluster) throw err.invalid(`Cluster ${clusterId} does not exist`);
  return cluster;
}

/** Create a cluster directly in state (API and seed). Clusters start RUNNING unless told otherwise. */
export function createCluster(state: WorkspaceState, spec: Json, clusterState = "RUNNING"): Json {
  if (!CLUSTER_STATES.includes(clusterState)) throw err.invalid(`Invalid cluster state ${clusterState}`);
  str(spec.spark_version, "spark_version", true);
  validateClusterRefs(state, spec);
  const cluster_id = state.newClusterId();
  const now = state.clock();
  const cluster: Json = {
    autotermination_minutes: 120,
    ...clone(spec),
    cluster_id,
    creator_user_name: state.userName,
    state: clusterState,
    state_message: "",
    start_time: now,
    cluster_source: spec.cluster_source ?? "API",
    default_tags: {
      Vendor: "Databricks",
      Creator: state.userName,
      ClusterName: spec.cluster_name ?? "",
      ClusterId: cluster_id,
    },
  };
  if (clusterState === "TERMINATED") cluster.terminated_time = now;
  state.clusters.set(cluster_id, cluster);
  return cluster;
}

/**
 * Policy families Databricks manages (GET /api/2.0/policy-families). A policy made from a family
 * inherits its definition; policy_family_definition_overrides customise it.
 */
export const POLICY_FAMILIES: Record<string, { name: string; description: string; definition: Json }> = {
  "personal-vm": {
    name: "Personal Compute",
    description: "Single-node, single-user compute for one person.",
    definition: {
      "spark_conf.spark.databricks.cluster.profile": { type: "fixed", value: "singleNode", hidden: true },
      num_workers: { type: "fixed", value: 0, hidden: true },
      data_security_mode: { type: "fixed", value: "SINGLE_USER" },
    },
  },
  "shared-compute": {
    name: "Shared Compute",
    description: "Multi-node compute shared by several users, with user isolation.",
    definition: { data_security_mode: { type: "fixed", value: "USER_ISOLATION" } },
  },
  "power-user": {
    name: "Power User Compute",
    description: "Multi-node, single-user compute for power users.",
    definition: { data_security_mode: { type: "fixed", value: "SINGLE_USER" } },
  },
  "job-cluster": {
    name: "Job Compute",
    description: "Compute for jobs.",
    definition: { cluster_type: { type: "fixed", value: "job" } },
  },
};

function parseDefinition(text: unknown, field: string): Json {
  if (text === undefined || text === null || text === "") return {};
  if (typeof text !== "string") throw err.invalid(`${field} must be a JSON document passed as a string`);
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    return parsed as Json;
  } catch {
    throw err.invalid(`${field} is not valid JSON`);
  }
}

/**
 * A policy body as the API accepts it: policy_family_id "cannot be used with definition" (the
 * cluster-policies create/edit reference); the effective definition of a family policy is the
 * family's with the overrides on top.
 */
function policyBody(spec: Json): Json {
  const familyId = str(spec.policy_family_id, "policy_family_id");
  const out = clone(spec);
  if (familyId === undefined) {
    if (spec.policy_family_definition_overrides !== undefined)
      throw err.invalid("policy_family_definition_overrides requires policy_family_id");
    parseDefinition(spec.definition, "definition");
    return out;
  }
  if (spec.definition !== undefined)
    throw err.invalid(
      "policy_family_id cannot be used with definition: use policy_family_definition_overrides to customise the family's definition",
    );
  const family = POLICY_FAMILIES[familyId];
  if (!family) throw err.invalid(`Policy family ${familyId} does not exist`);
  const overrides = parseDefinition(
    spec.policy_family_definition_overrides,
    "policy_family_definition_overrides",
  );
  out.definition = JSON.stringify({ ...family.definition, ...overrides });
  return out;
}

export function createPolicy(state: WorkspaceState, spec: Json, options: { isDefault?: boolean } = {}): Json {
  const name = str(spec.name, "name", true);
  for (const p of state.policies.values())
    if (p.name === name) throw err.invalid(`Cluster policy with name '${name}' already exists.`);
  const policy: Json = {
    ...policyBody(spec),
    policy_id: state.newPolicyId(),
    created_at_timestamp: state.clock(),
    creator_user_name: state.userName,
    is_default: options.isDefault === true,
  };
  state.policies.set(policy.policy_id as string, policy);
  return policy;
}

/** The family policies every new workspace starts with ("Personal Compute"…), without overrides. */
export function createDefaultPolicies(state: WorkspaceState, families = ["personal-vm"]): Json[] {
  return families.map((id) =>
    createPolicy(state, { name: POLICY_FAMILIES[id]!.name, policy_family_id: id }, { isDefault: true }),
  );
}

export function createPool(state: WorkspaceState, spec: Json): Json {
  str(spec.instance_pool_name, "instance_pool_name", true);
  str(spec.node_type_id, "node_type_id", true);
  const id = state.newPoolId();
  const pool: Json = {
    min_idle_instances: 0,
    idle_instance_autotermination_minutes: 60,
    ...clone(spec),
    instance_pool_id: id,
    state: "ACTIVE",
    default_tags: {
      Vendor: "Databricks",
      DatabricksInstancePoolCreatorId: "1",
      DatabricksInstancePoolId: id,
    },
    stats: { used_count: 0, idle_count: 0, pending_used_count: 0, pending_idle_count: 0 },
  };
  state.pools.set(id, pool);
  return pool;
}

export function registerComputeRoutes(service: SimService, state: WorkspaceState, listPageSize = 100): void {
  for (const version of ["2.0", "2.1"]) {
    const base = `/api/${version}/clusters`;
    service.route("GET", `${base}/list`, (req) => {
      const states = req.query.getAll("filter_by.cluster_states");
      const sources = req.query.getAll("filter_by.cluster_sources");
      const policy = req.query.get("filter_by.policy_id");
      const all = [...state.clusters.values()].filter(
        (c) =>
          (states.length === 0 || states.includes(c.state as string)) &&
          (sources.length === 0 || sources.includes(c.cluster_source as string)) &&
          (!policy || c.policy_id === policy),
      );
      const pageSize = num(req.query.get("page_size"), "page_size");
      if (!pageSize && !req.query.get("page_token")) return ok(all.length ? { clusters: all } : {});
      const page = paginate(all, req.query.get("page_token"), { pageSize: pageSize ?? listPageSize });
      const out: Json = {};
      if (page.items.length) out.clusters = page.items;
      if (page.nextPageToken) out.next_page_token = page.nextPageToken;
      return ok(out);
    });
    service.route("GET", `${base}/get`, (req) => ok(getCluster(state, req.query.get("cluster_id"))));
    service.route("POST", `${base}/create`, (req) =>
      ok({ cluster_id: createCluster(state, body(req)).cluster_id }),
    );
    service.route("POST", `${base}/edit`, (req) => {
      const b = body(req);
      const cluster = getCluster(state, b.cluster_id);
      str(b.spark_version, "spark_version", true);
      validateClusterRefs(state, b);
      const keep = [
        "cluster_id",
        "creator_user_name",
        "state",
        "state_message",
        "start_time",
        "cluster_source",
        "default_tags",
        "terminated_time",
      ];
      for (const k of Object.keys(cluster)) if (!keep.includes(k)) delete cluster[k];
      Object.assign(cluster, clone(b));
      return ok({});
    });
    service.route("POST", `${base}/start`, (req) => {
      const cluster = getCluster(state, body(req).cluster_id);
      cluster.state = "RUNNING";
      delete cluster.terminated_time;
      return ok({});
    });
    service.route("POST", `${base}/delete`, (req) => {
      const cluster = getCluster(state, body(req).cluster_id);
      cluster.state = "TERMINATED";
      cluster.terminated_time = state.clock();
      return ok({});
    });
    service.route("POST", `${base}/permanent-delete`, (req) => {
      const cluster = getCluster(state, body(req).cluster_id);
      state.clusters.delete(cluster.cluster_id as string);
      state.permissions.delete(`clusters/${String(cluster.cluster_id)}`);
      return ok({});
    });
  }

  const policies = "/api/2.0/policies/clusters";
  const getPolicy = (id: unknown): Json => {
    const policyId = str(id, "policy_id", true);
    const p = state.policies.get(policyId);
    if (!p) throw err.notFound(`Cluster policy ${policyId} does not exist`);
    return p;
  };
  service.route("GET", `${policies}/list`, () => {
    const all = [...state.policies.values()];
    return ok({ policies: all, total_count: all.length });
  });
  service.route("GET", `${policies}/get`, (req) => ok(getPolicy(req.query.get("policy_id"))));
  service.route("POST", `${policies}/create`, (req) =>
    ok({ policy_id: createPolicy(state, body(req)).policy_id }),
  );
  service.route("POST", `${policies}/edit`, (req) => {
    const b = body(req);
    const p = getPolicy(b.policy_id);
    const name = str(b.name, "name", true);
    for (const other of state.policies.values())
      if (other !== p && other.name === name)
        throw err.invalid(`Cluster policy with name '${name}' already exists.`);
    const { policy_id: _id, ...spec } = b;
    const next = policyBody(spec);
    // "Default policies cannot be deleted, and their policy families cannot be changed."
    if (p.is_default === true && next.policy_family_id !== p.policy_family_id)
      throw err.invalid(`The policy family of the default policy '${String(p.name)}' cannot be changed`);
    const keep = {
      policy_id: p.policy_id,
      created_at_timestamp: p.created_at_timestamp,
      creator_user_name: p.creator_user_name,
      is_default: p.is_default,
    };
    for (const k of Object.keys(p)) delete p[k];
    Object.assign(p, next, keep);
    return ok({});
  });
  service.route("POST", `${policies}/delete`, (req) => {
    const p = getPolicy(body(req).policy_id);
    if (p.is_default === true) throw err.invalid(`The default policy '${String(p.name)}' cannot be deleted`);
    state.policies.delete(p.policy_id as string);
    state.permissions.delete(`cluster-policies/${String(p.policy_id)}`);
    return ok({});
  });

  service.route("GET", "/api/2.0/policy-families", () =>
    ok({
      policy_families: Object.entries(POLICY_FAMILIES).map(([id, f]) => ({
        policy_family_id: id,
        name: f.name,
        description: f.description,
        definition: JSON.stringify(f.definition),
      })),
    }),
  );

  const pools = "/api/2.0/instance-pools";
  const getPool = (id: unknown): Json => {
    const poolId = str(id, "instance_pool_id", true);
    const p = state.pools.get(poolId);
    if (!p) throw err.notFound(`Instance pool ${poolId} does not exist`);
    return p;
  };
  service.route("GET", `${pools}/list`, () => {
    const all = [...state.pools.values()];
    return ok(all.length ? { instance_pools: all } : {});
  });
  service.route("GET", `${pools}/get`, (req) => ok(getPool(req.query.get("instance_pool_id"))));
  service.route("POST", `${pools}/create`, (req) =>
    ok({ instance_pool_id: createPool(state, body(req)).instance_pool_id }),
  );
  service.route("POST", `${pools}/edit`, (req) => {
    const b = body(req);
    const p = getPool(b.instance_pool_id);
    if (b.node_type_id !== undefined && b.node_type_id !== p.node_type_id)
      throw err.invalid("node_type_id cannot be changed on an existing instance pool");
    Object.assign(p, clone(b));
    return ok({});
  });
  service.route("POST", `${pools}/delete`, (req) => {
    const p = getPool(body(req).instance_pool_id);
    state.pools.delete(p.instance_pool_id as string);
    state.permissions.delete(`instance-pools/${String(p.instance_pool_id)}`);
    return ok({});
  });

  const scripts = "/api/2.0/global-init-scripts";
  const getScript = (id: string): Json => {
    const s = state.initScripts.get(id);
    if (!s) throw err.notFound(`The global init script with id ${id} does not exist.`);
    return s;
  };
  service.route("GET", scripts, () => {
    const all = [...state.initScripts.values()]
      .sort((a, b) => (a.position as number) - (b.position as number))
      .map(({ script: _s, ...rest }) => rest);
    return ok(all.length ? { scripts: all } : {});
  });
  service.route("GET", `${scripts}/:id`, (req) => ok(getScript(req.params.id ?? "")));
  service.route("POST", scripts, (req) => ok({ script_id: createInitScript(state, body(req)).script_id }));
  service.route("PATCH", `${scripts}/:id`, (req) => {
    const s = getScript(req.params.id ?? "");
    const b = body(req);
    for (const k of ["name", "script", "enabled", "position"]) if (b[k] !== undefined) s[k] = b[k];
    s.updated_at = state.clock();
    s.updated_by = state.userName;
    return ok({});
  });
  service.route("DELETE", `${scripts}/:id`, (req) => {
    state.initScripts.delete(getScript(req.params.id ?? "").script_id as string);
    return ok({});
  });
}

export function createInitScript(state: WorkspaceState, spec: Json): Json {
  const name = str(spec.name, "name", true);
  const script = str(spec.script, "script", true);
  const now = state.clock();
  const s: Json = {
    script_id: state.newInitScriptId(),
    name,
    script,
    enabled: spec.enabled === true,
    position: typeof spec.position === "number" ? spec.position : state.initScripts.size,
    created_at: now,
    created_by: state.userName,
    updated_at: now,
    updated_by: state.userName,
  };
  state.initScripts.set(s.script_id as string, s);
  return s;
}
