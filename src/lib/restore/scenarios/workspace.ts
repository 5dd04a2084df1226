// Runbook 7.3, Databricks workspace recovery: folders, notebooks and files, cluster policies,
// pools, clusters (created terminated), jobs (created paused, references remapped), secret scopes
// and ACLs (no values: backups never hold them), repos, global init scripts and permissions.
// Steps 7.3.1/7.3.2 (redeploy the workspace, assign the metastore) are infrastructure: preflight
// checks them and says what to run.
import type { DatabricksClient } from "../../clients/databricks.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import type { ManifestEntry } from "../../store/manifest.js";
import type { SourceContext } from "../../sources/context.js";
import { importObject, listTree, mkdirs } from "../../sources/databricks-workspace.js";
import type {
  ItemResult,
  Manifests,
  PlanStep,
  RestoreScenario,
  RunState as EngineRunState,
  ValidationCheck,
} from "../engine/steps.js";
import { selected, type PlanItem, type PreflightCheck } from "../engine/plan.js";
import { emptyIdMaps, remapDeep, remapPrincipal, remapStorage, type IdMaps } from "../engine/remap.js";
import type { WorkspaceRequest as RestoreRequest } from "../catalog.js";
import { collect, mapLimit } from "../../concurrency.js";

type Json = Record<string, unknown>;
/** This scenario's id maps (jobs, clusters, policies, pools), namespaced under "workspace" in a run. */
type RunState = EngineRunState<IdMaps>;

/** The manifests this scenario restores from (keyed domain/component). */
const OBJECTS = "databricks/workspace-objects";
const CONFIG = "databricks/workspace-config";

/** Tag that links a restored job or cluster to its source id: how a re-run finds what an earlier attempt created. */
export const SOURCE_JOB_TAG = "azdr_source_job_id";
export const SOURCE_CLUSTER_TAG = "azdr_source_cluster_id";

const STEPS: PlanStep[] = [
  {
    kind: "items",
    ordering: "parallel",
    name: "directories",
    title: "Folders",
    why: "Parents first: an import into a missing folder fails.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "objects",
    title: "Notebooks and files",
    why: "Jobs and permissions refer to them by path.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "cluster-policies",
    title: "Cluster policies",
    why: "Pools, clusters and jobs refer to policies.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "instance-pools",
    title: "Instance pools",
    why: "Clusters and job clusters draw from pools.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "clusters",
    title: "Clusters (created terminated)",
    why: "Jobs refer to clusters by id; nobody pays for idle compute.",
  },
  {
    kind: "items",
    ordering: "dependency",
    name: "jobs",
    title: "Jobs (created paused)",
    why: "Need clusters, policies, pools and the jobs they trigger; paused so nothing runs before you check.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "secret-scopes",
    title: "Secret scopes and ACLs",
    why: "Notebooks read secrets at run time; values are not in backups.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "repos",
    title: "Git folders",
    why: "Re-cloned from their remotes.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "global-init-scripts",
    title: "Global init scripts",
    why: "Apply to clusters started after the restore.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "permissions",
    title: "Permissions",
    why: "Last: ACLs refer to the new ids of everything above.",
  },
];

const CONFIG_STEP_BY_KIND: Record<string, string> = {
  "cluster-policy": "cluster-policies",
  "instance-pool": "instance-pools",
  cluster: "clusters",
  job: "jobs",
  "secret-scope": "secret-scopes",
  repo: "repos",
  "global-init-script": "global-init-scripts",
  permissions: "permissions",
};

function workspaceOf(ctx: SourceContext, id: string) {
  const ws = ctx.config.databricks.workspaces.find((w) => w.id === id);
  if (!ws) throw new AzdrError("INVALID_INPUT", `workspace "${id}" is not in databricks.workspaces`);
  return ws;
}

/** What already exists in the target, read once per plan or batch. */
interface TargetState {
  paths: Set<string>;
  jobsByTag: Map<string, number>;
  jobNames: Map<string, number>;
  policiesByName: Map<string, string>;
  poolsByName: Map<string, string>;
  clustersByTag: Map<string, string>;
  clusterNames: Map<string, string>;
  /** Cluster id → state (RUNNING, TERMINATED…). */
  clusterStates: Map<string, string>;
  scopes: Set<string>;
  repoPaths: Set<string>;
  initScripts: Map<string, string>;
}

async function readTarget(client: DatabricksClient, options: { tree: boolean }): Promise<TargetState> {
  const state: TargetState = {
    paths: new Set(),
    jobsByTag: new Map(),
    jobNames: new Map(),
    policiesByName: new Map(),
    poolsByName: new Map(),
    clustersByTag: new Map(),
    clusterNames: new Map(),
    clusterStates: new Map(),
    scopes: new Set(),
    repoPaths: new Set(),
    initScripts: new Map(),
  };
  if (options.tree) {
    const { objects } = await listTree(client, "/");
    for (const o of objects) if (o.path) state.paths.add(o.path);
  }
  for (const job of await collect(client.paginate<Json>("/api/2.2/jobs/list", "jobs", { limit: 100 }))) {
    const settings = (job["settings"] ?? {}) as Json;
    const tags = (settings["tags"] ?? {}) as Record<string, string>;
    const id = Number(job["job_id"]);
    if (tags[SOURCE_JOB_TAG]) state.jobsByTag.set(tags[SOURCE_JOB_TAG], id);
    if (typeof settings["name"] === "string") state.jobNames.set(settings["name"], id);
  }
  for (const p of ((await client.get<Json>("/api/2.0/policies/clusters/list"))["policies"] as
    Json[] | undefined) ?? []) {
    state.policiesByName.set(String(p["name"]), String(p["policy_id"]));
  }
  for (const p of ((await client.get<Json>("/api/2.0/instance-pools/list"))["instance_pools"] as
    Json[] | undefined) ?? []) {
    state.poolsByName.set(String(p["instance_pool_name"]), String(p["instance_pool_id"]));
  }
  for (const c of await collect(
    client.paginate<Json>("/api/2.1/clusters/list", "clusters", { page_size: 100 }),
  )) {
    const tags = (c["custom_tags"] ?? {}) as Record<string, string>;
    if (tags[SOURCE_CLUSTER_TAG]) state.clustersByTag.set(tags[SOURCE_CLUSTER_TAG], String(c["cluster_id"]));
    state.clusterNames.set(String(c["cluster_name"]), String(c["cluster_id"]));
    state.clusterStates.set(String(c["cluster_id"]), typeof c["state"] === "string" ? c["state"] : "");
  }
  for (const s of ((await client.get<Json>("/api/2.0/secrets/scopes/list"))["scopes"] as
    Json[] | undefined) ?? []) {
    state.scopes.add(String(s["name"]));
  }
  for (const r of await collect(client.paginate<Json>("/api/2.0/repos", "repos")))
    state.repoPaths.add(String(r["path"]));
  for (const s of ((await client.get<Json>("/api/2.0/global-init-scripts"))["scripts"] as
    Json[] | undefined) ?? []) {
    state.initScripts.set(String(s["name"]), String(s["script_id"]));
  }
  return state;
}

function existingAction(
  exists: boolean,
  request: RestoreRequest,
  what: string,
): Pick<PlanItem, "action" | "reason"> {
  if (!exists) return { action: "create", reason: `not in the target` };
  return request.existing === "update"
    ? { action: "update", reason: `${what} exists in the target and existing=update` }
    : { action: "skip", reason: `${what} already exists in the target (existing=skip)` };
}

/** Order jobs so that a job is created after the jobs its run_job_task tasks trigger. */
function jobOrder(jobs: { sourceId: string; refs: string[] }[]): string[] {
  const byId = new Map(jobs.map((j) => [j.sourceId, j]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: string[] = [];
  const visit = (id: string) => {
    if (done.has(id) || visiting.has(id) || !byId.has(id)) return;
    visiting.add(id);
    for (const ref of byId.get(id)!.refs) visit(ref);
    visiting.delete(id);
    done.add(id);
    out.push(id);
  };
  for (const job of jobs) visit(job.sourceId);
  return out;
}

function runJobRefs(settings: Json): string[] {
  return (
    ((settings["tasks"] as Json[] | undefined) ?? [])
      .map((t) => (t["run_job_task"] as Json | undefined)?.["job_id"])
      .filter((id) => id !== undefined) as (number | string)[]
  ).map(String);
}

async function plan(ctx: SourceContext, request: RestoreRequest, manifests: Manifests) {
  const client = ctx.databricks(request.target);
  const target = await readTarget(client, { tree: true });
  const items: PlanItem[] = [];
  const notes: string[] = [];
  const objects = manifests[OBJECTS];
  const config = manifests[CONFIG];
  let overwrites = 0;

  for (const entry of objects?.entries ?? []) {
    if (!selected(entry.path, request.include, request.exclude)) continue;
    if (entry.kind === "DIRECTORY") {
      if (entry.path === "/") continue;
      items.push({
        step: "directories",
        key: entry.path,
        kind: "DIRECTORY",
        target: entry.path,
        ...(target.paths.has(entry.path)
          ? { action: "skip", reason: "folder exists" }
          : { action: "create", reason: "not in the target" }),
      });
      continue;
    }
    const decision = existingAction(
      target.paths.has(entry.path),
      request,
      entry.kind === "NOTEBOOK" ? "notebook" : "file",
    );
    if (decision.action === "update") overwrites++;
    const language = entry.meta?.["language"];
    items.push({
      step: "objects",
      key: entry.path,
      kind: entry.kind,
      target: entry.path,
      sha256: entry.sha256,
      ...(typeof language === "string" ? { meta: { language } } : {}),
      ...decision,
    });
  }
  for (const skipped of objects?.skipped ?? []) {
    if (!selected(skipped.path, request.include, request.exclude)) continue;
    // Git folders come back from their remotes in the repos step (workspace-config snapshot).
    if (skipped.kind === "REPO" && config) continue;
    items.push({
      step: "objects",
      key: skipped.path,
      kind: skipped.kind,
      action: "unsupported",
      reason: `not in the backup: ${skipped.reason}`,
    });
  }

  if (!config) {
    notes.push(
      "No workspace-config snapshot: jobs, policies, pools, clusters, scopes, repos and permissions are not restored. Run `azdr backup workspace` (config) first.",
    );
  }
  const entries = (config?.entries ?? []).filter((e) => selected(e.path, request.include, request.exclude));
  const jobs: { entry: ManifestEntry; sourceId: string; refs: string[]; name: string }[] = [];
  for (const entry of entries) {
    const step = CONFIG_STEP_BY_KIND[entry.kind];
    if (!step) continue;
    const body = await ctx.store.getJson<Json>(entry.sha256);
    const item = (name: string, exists: boolean, what: string, sourceId?: string): PlanItem => ({
      step,
      key: entry.path,
      kind: entry.kind,
      target: name,
      sha256: entry.sha256,
      ...(sourceId ? { sourceId } : {}),
      ...existingAction(exists, request, what),
    });
    switch (entry.kind) {
      case "cluster-policy": {
        const name = String(body["name"]);
        items.push(
          item(name, target.policiesByName.has(name), `policy "${name}"`, String(body["policy_id"])),
        );
        break;
      }
      case "instance-pool": {
        const name = String(body["instance_pool_name"]);
        items.push(
          item(name, target.poolsByName.has(name), `pool "${name}"`, String(body["instance_pool_id"])),
        );
        break;
      }
      case "cluster": {
        const id = String(body["cluster_id"]);
        const name = String(body["cluster_name"]);
        const ours = target.clustersByTag.get(id);
        // Created by an earlier attempt that stopped before terminating it: stop it now.
        const leftRunning = ours !== undefined && target.clusterStates.get(ours) !== "TERMINATED";
        items.push(
          leftRunning
            ? {
                ...item(name, true, `cluster "${name}"`, id),
                action: "update",
                reason: "created by an earlier attempt and left running: it will be terminated",
              }
            : item(name, ours !== undefined || target.clusterNames.has(name), `cluster "${name}"`, id),
        );
        break;
      }
      case "job": {
        const settings = (body["settings"] ?? {}) as Json;
        jobs.push({
          entry,
          sourceId: String(body["job_id"]),
          refs: runJobRefs(settings),
          name: String(settings["name"]),
        });
        break;
      }
      case "secret-scope": {
        const name = String(body["name"]);
        items.push(item(name, target.scopes.has(name), `scope "${name}"`));
        const keys = (body["keys"] as Json[] | undefined) ?? [];
        if (body["backend_type"] !== "AZURE_KEYVAULT" && keys.length > 0) {
          notes.push(
            `Secret scope "${name}" is Databricks-backed: its ${keys.length} secret value(s) (${keys.map((k) => String(k["key"])).join(", ")}) must be re-entered; backups never hold values.`,
          );
        }
        break;
      }
      case "repo": {
        const path = String(body["path"]);
        items.push({
          step,
          key: entry.path,
          kind: entry.kind,
          target: path,
          sha256: entry.sha256,
          ...(target.repoPaths.has(path)
            ? { action: "skip" as const, reason: "Git folder exists" }
            : { action: "create" as const, reason: "not in the target" }),
        });
        break;
      }
      case "global-init-script": {
        const name = String(body["name"]);
        items.push(item(name, target.initScripts.has(name), `init script "${name}"`));
        break;
      }
      case "permissions": {
        items.push({
          step,
          key: entry.path,
          kind: entry.kind,
          target: typeof entry.meta?.["label"] === "string" ? entry.meta["label"] : entry.path,
          sha256: entry.sha256,
          action: "update",
          reason: "direct ACL set to the backup's (principals remapped)",
        });
        break;
      }
    }
  }
  // Jobs in dependency order: a job triggering another is created after it.
  const jobById = new Map(jobs.map((j) => [j.sourceId, j]));
  for (const id of jobOrder(jobs)) {
    const job = jobById.get(id)!;
    const exists = target.jobsByTag.has(id) || target.jobNames.has(job.name);
    items.push({
      step: "jobs",
      key: job.entry.path,
      kind: "job",
      target: job.name,
      sha256: job.entry.sha256,
      sourceId: id,
      ...existingAction(exists, request, `job "${job.name}"`),
    });
  }
  const destructive: string[] = [];
  if (overwrites > 0)
    destructive.push(
      `${overwrites} notebook(s)/file(s) in the target will be OVERWRITTEN (existing=update).`,
    );
  const updates = items.filter(
    (i) => i.action === "update" && i.step !== "objects" && i.step !== "permissions",
  ).length;
  // Only existing=update replaces objects; other updates (stopping a cluster an earlier attempt left
  // running) change nothing a person made.
  if (request.existing === "update" && updates > 0)
    destructive.push(
      `${updates} existing configuration object(s) in the target will be replaced by the backup's settings.`,
    );
  return { items, destructive, notes };
}

async function preflight(ctx: SourceContext, request: RestoreRequest): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const ws = workspaceOf(ctx, request.target);
  const client = ctx.databricks(request.target);
  try {
    await client.get("/api/2.0/workspace/get-status", { path: "/" }, { idempotent: true });
    checks.push({ name: "target workspace reachable", ok: true, blocking: true, detail: ws.url });
  } catch (error) {
    checks.push({
      name: "target workspace reachable",
      ok: false,
      blocking: true,
      detail: `${ws.url}: ${errorMessage(error)}`,
      fix: "runbook 7.3 step 1: redeploy the workspace from Bicep (az deployment group create -g rg-{env}-{project}-databricks --template-file infra/main.bicep), then update databricks.workspaces[].url",
    });
    return checks;
  }
  try {
    const assignment = await client.get<Json>("/api/2.1/unity-catalog/current-metastore-assignment");
    checks.push({
      name: "metastore assigned",
      ok: true,
      blocking: false,
      detail: `metastore ${String(assignment["metastore_id"])}`,
    });
  } catch (error) {
    if (!isAzdrError(error, "NOT_FOUND")) throw error;
    checks.push({
      name: "metastore assigned",
      ok: false,
      blocking: false,
      detail: "the target workspace has no Unity Catalog metastore",
      fix: "runbook 7.3 step 2: assign the metastore (or run the unity-catalog restore, which assigns it); jobs that read UC tables fail until then",
    });
  }
  return checks;
}

// ---- execution ----------------------------------------------------------------------------------

function principalOf(entry: Json): Json {
  for (const key of ["user_name", "group_name", "service_principal_name"])
    if (entry[key]) return { [key]: entry[key] };
  return {};
}

/** Direct (non-inherited) ACL entries, principals remapped, in the PUT shape. */
export function directAcl(acl: Json, request: RestoreRequest): Json[] {
  const out: Json[] = [];
  for (const entry of (acl["access_control_list"] as Json[] | undefined) ?? []) {
    const principal = principalOf(entry);
    const key = Object.keys(principal)[0];
    if (!key) continue;
    const name = remapPrincipal(String(principal[key]), request.remap);
    for (const permission of (entry["all_permissions"] as Json[] | undefined) ?? []) {
      if (permission["inherited"]) continue;
      out.push({ [key]: name, permission_level: permission["permission_level"] });
    }
    if (entry["permission_level"]) out.push({ [key]: name, permission_level: entry["permission_level"] });
  }
  return out;
}

const POOL_SPEC = [
  "instance_pool_name",
  "node_type_id",
  "min_idle_instances",
  "max_capacity",
  "idle_instance_autotermination_minutes",
  "azure_attributes",
  "custom_tags",
  "preloaded_spark_versions",
  "enable_elastic_disk",
  "disk_spec",
  "preloaded_docker_images",
];
const POLICY_SPEC = [
  "name",
  "definition",
  "description",
  "max_clusters_per_user",
  "policy_family_id",
  "policy_family_definition_overrides",
  "libraries",
];

function pick(body: Json, keys: string[]): Json {
  const out: Json = {};
  for (const key of keys) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

function remapCompute(spec: Json, run: RunState): Json {
  const out = { ...spec };
  const policy = out["policy_id"];
  if (typeof policy === "string" && run.ids.policies[policy]) out["policy_id"] = run.ids.policies[policy];
  for (const key of ["instance_pool_id", "driver_instance_pool_id"]) {
    const pool = out[key];
    if (typeof pool === "string" && run.ids.pools[pool]) out[key] = run.ids.pools[pool];
  }
  return out;
}

export function remapJobSettings(
  settings: Json,
  request: RestoreRequest,
  run: RunState,
  sourceJobId: string,
): Json {
  const rewritten = remapDeep(settings, (s) => remapStorage(s, request.remap));
  const tasks = ((rewritten["tasks"] as Json[] | undefined) ?? []).map((task) => {
    const out: Json = { ...task };
    const cluster = out["existing_cluster_id"];
    if (typeof cluster === "string" && run.ids.clusters[cluster])
      out["existing_cluster_id"] = run.ids.clusters[cluster];
    if (out["new_cluster"]) out["new_cluster"] = remapCompute(out["new_cluster"] as Json, run);
    const runJob = out["run_job_task"] as Json | undefined;
    const triggered = runJob?.["job_id"] as number | string | undefined;
    if (runJob && triggered !== undefined) {
      const mapped = run.ids.jobs[String(triggered)];
      if (!mapped)
        throw new AzdrError(
          "PRECONDITION_FAILED",
          `task ${String(out["task_key"])} triggers job ${String(triggered)}, which was not restored`,
        );
      out["run_job_task"] = { ...runJob, job_id: Number(mapped) };
    }
    return out;
  });
  const jobClusters = ((rewritten["job_clusters"] as Json[] | undefined) ?? []).map((jc) => ({
    ...jc,
    new_cluster: remapCompute((jc["new_cluster"] ?? {}) as Json, run),
  }));
  const out: Json = { ...rewritten, tasks, ...(jobClusters.length ? { job_clusters: jobClusters } : {}) };
  out["tags"] = { ...((rewritten["tags"] ?? {}) as Json), [SOURCE_JOB_TAG]: sourceJobId };
  if (request.jobsPaused) {
    for (const key of ["schedule", "trigger", "continuous"]) {
      const value = out[key] as Json | undefined;
      if (value) out[key] = { ...value, pause_status: "PAUSED" };
    }
  }
  if (out["access_control_list"]) delete out["access_control_list"];
  return out;
}

async function execute(
  ctx: SourceContext,
  request: RestoreRequest,
  step: string,
  items: PlanItem[],
  run: RunState,
  manifests: Manifests,
): Promise<ItemResult[]> {
  const client = ctx.databricks(request.target);
  const learn = (kind: keyof RunState["ids"], from: string, to: string) => {
    run.ids[kind][from] = to;
    (run.learned[kind] ??= {})[from] = to;
  };
  const needsTarget = [
    "cluster-policies",
    "instance-pools",
    "clusters",
    "jobs",
    "secret-scopes",
    "global-init-scripts",
    "permissions",
  ].includes(step);
  const target = needsTarget ? await readTarget(client, { tree: false }) : undefined;
  // Objects that already existed (skipped, or created by an earlier attempt) still map old → new ids.
  if (target && ["clusters", "jobs", "permissions"].includes(step))
    await learnExisting(ctx, manifests, target, run);

  const one = async (item: PlanItem): Promise<ItemResult> => {
    const ok = (status: ItemResult["status"], detail?: string): ItemResult => ({
      step,
      key: item.key,
      status,
      ...(detail ? { detail } : {}),
    });
    try {
      switch (step) {
        case "directories":
          await mkdirs(client, item.target!);
          return ok("created");
        case "objects": {
          const body = await ctx.store.getObject(item.sha256!);
          const entry = {
            path: item.key,
            kind: item.kind,
            sha256: item.sha256!,
            size: body.length,
            ...(item.meta ? { meta: item.meta } : {}),
          };
          const outcome = await importObject(client, entry, body, item.target!, item.action === "update");
          return outcome === "exists"
            ? ok("skipped", "already exists (created by an earlier attempt?)")
            : ok(item.action === "update" ? "updated" : "created");
        }
        case "cluster-policies": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const existing = target!.policiesByName.get(item.target!);
          if (existing) {
            if (item.action === "update")
              await client.post(
                "/api/2.0/policies/clusters/edit",
                { ...pick(body, POLICY_SPEC), policy_id: existing },
                { idempotent: true },
              );
            learn("policies", item.sourceId!, existing);
            return ok(item.action === "update" ? "updated" : "skipped");
          }
          const created = await client.post<Json>(
            "/api/2.0/policies/clusters/create",
            pick(body, POLICY_SPEC),
          );
          learn("policies", item.sourceId!, String(created["policy_id"]));
          return ok("created");
        }
        case "instance-pools": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const existing = target!.poolsByName.get(item.target!);
          if (existing) {
            if (item.action === "update")
              await client.post(
                "/api/2.0/instance-pools/edit",
                { ...pick(body, POOL_SPEC), instance_pool_id: existing },
                { idempotent: true },
              );
            learn("pools", item.sourceId!, existing);
            return ok(item.action === "update" ? "updated" : "skipped");
          }
          const created = await client.post<Json>("/api/2.0/instance-pools/create", pick(body, POOL_SPEC));
          learn("pools", item.sourceId!, String(created["instance_pool_id"]));
          return ok("created");
        }
        case "clusters": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const spec = remapCompute(
            remapDeep(body, (s) => remapStorage(s, request.remap)),
            run,
          );
          delete spec["cluster_id"];
          delete spec["cluster_source"];
          spec["custom_tags"] = {
            ...((spec["custom_tags"] ?? {}) as Json),
            [SOURCE_CLUSTER_TAG]: item.sourceId,
          };
          const existing =
            target!.clustersByTag.get(item.sourceId!) ?? target!.clusterNames.get(item.target!);
          if (existing) {
            if (request.existing === "update")
              await client.post(
                "/api/2.1/clusters/edit",
                { ...spec, cluster_id: existing },
                { idempotent: true },
              );
            learn("clusters", item.sourceId!, existing);
            // Ours and still running (an earlier attempt stopped between create and terminate).
            if (
              target!.clustersByTag.get(item.sourceId!) === existing &&
              target!.clusterStates.get(existing) !== "TERMINATED"
            ) {
              await client.post("/api/2.1/clusters/delete", { cluster_id: existing }, { idempotent: true });
            }
            return ok(item.action === "update" ? "updated" : "skipped");
          }
          const created = await client.post<Json>("/api/2.1/clusters/create", spec);
          const id = String(created["cluster_id"]);
          learn("clusters", item.sourceId!, id);
          // Created terminated: a restore must not start paying for compute.
          await client.post("/api/2.1/clusters/delete", { cluster_id: id }, { idempotent: true });
          return ok("created", `new id ${id}, terminated`);
        }
        case "jobs": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const settings = remapJobSettings((body["settings"] ?? {}) as Json, request, run, item.sourceId!);
          const existing = target!.jobsByTag.get(item.sourceId!) ?? target!.jobNames.get(item.target!);
          if (existing !== undefined) {
            if (item.action === "update" || target!.jobsByTag.has(item.sourceId!)) {
              await client.post(
                "/api/2.2/jobs/reset",
                { job_id: existing, new_settings: settings },
                { idempotent: true },
              );
            }
            learn("jobs", item.sourceId!, String(existing));
            return ok(item.action === "update" ? "updated" : "skipped", `job ${existing}`);
          }
          // jobs/create has no idempotency token: the tag lookup above is what stops duplicates on re-runs.
          const created = await client.post<Json>("/api/2.2/jobs/create", settings);
          learn("jobs", item.sourceId!, String(created["job_id"]));
          target!.jobsByTag.set(item.sourceId!, Number(created["job_id"]));
          return ok("created", `new id ${String(created["job_id"])}`);
        }
        case "secret-scopes": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const name = String(body["name"]);
          if (!target!.scopes.has(name)) {
            const create: Json = { scope: name };
            if (body["backend_type"] === "AZURE_KEYVAULT") {
              const kv = (body["keyvault_metadata"] ?? {}) as Json;
              create["scope_backend_type"] = "AZURE_KEYVAULT";
              create["backend_azure_keyvault"] = { resource_id: kv["resource_id"], dns_name: kv["dns_name"] };
            }
            try {
              await client.post("/api/2.0/secrets/scopes/create", create);
            } catch (error) {
              if (!isAzdrError(error, "ALREADY_EXISTS")) throw error;
            }
          }
          for (const acl of (body["acls"] as Json[] | undefined) ?? []) {
            await client.post(
              "/api/2.0/secrets/acls/put",
              {
                scope: name,
                principal: remapPrincipal(String(acl["principal"]), request.remap),
                permission: acl["permission"],
              },
              { idempotent: true },
            );
          }
          return ok(
            target!.scopes.has(name) ? "updated" : "created",
            body["backend_type"] === "AZURE_KEYVAULT"
              ? "Key Vault-backed: re-pointed"
              : "Databricks-backed: values must be re-entered",
          );
        }
        case "repos": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const created = await client.post<Json>("/api/2.0/repos", {
            url: body["url"],
            provider: body["provider"],
            path: body["path"],
          });
          if (body["branch"])
            await client.request("PATCH", `/api/2.0/repos/${String(created["id"])}`, {
              body: { branch: body["branch"] },
            });
          return ok("created");
        }
        case "global-init-scripts": {
          const body = await ctx.store.getJson<Json>(item.sha256!);
          const spec = pick(body, ["name", "script", "enabled", "position"]);
          const existing = target!.initScripts.get(item.target!);
          if (existing) {
            await client.request("PATCH", `/api/2.0/global-init-scripts/${existing}`, { body: spec });
            return ok("updated");
          }
          await client.post("/api/2.0/global-init-scripts", spec);
          return ok("created");
        }
        case "permissions": {
          const acl = await ctx.store.getJson<Json>(item.sha256!);
          const [, objectType, file] = item.key.split("/");
          const sourceId = (file ?? "").replace(/\.json$/, "");
          const targetId = await permissionTarget(client, objectType!, sourceId, item.target!, run);
          if (!targetId) return ok("skipped", `${objectType} ${sourceId} was not restored`);
          await client.request("PUT", `/api/2.0/permissions/${objectType}/${targetId}`, {
            body: { access_control_list: directAcl(acl, request) },
          });
          return ok("updated");
        }
        default:
          return ok("failed", `unknown step ${step}`);
      }
    } catch (error) {
      if (isAzdrError(error) && error.retryable) throw error;
      return ok("failed", errorMessage(error));
    }
  };

  // Jobs run one at a time in plan order (a job may trigger one created just before); the rest in parallel.
  const concurrency = step === "jobs" ? 1 : Math.max(1, ctx.config.limits.maxConcurrentRequests);
  return mapLimit(items, concurrency, one);
}

/** Fill id maps from what the target already holds: tags for jobs and clusters, names for policies and pools. */
async function learnExisting(
  ctx: SourceContext,
  manifests: Manifests,
  target: TargetState,
  run: RunState,
): Promise<void> {
  for (const [source, id] of target.jobsByTag) run.ids.jobs[source] ??= String(id);
  for (const [source, id] of target.clustersByTag) run.ids.clusters[source] ??= id;
  for (const entry of manifests[CONFIG]?.entries ?? []) {
    if (entry.kind !== "cluster-policy" && entry.kind !== "instance-pool") continue;
    const body = await ctx.store.getJson<Json>(entry.sha256);
    if (entry.kind === "cluster-policy") {
      const id = target.policiesByName.get(String(body["name"]));
      if (id) run.ids.policies[String(body["policy_id"])] ??= id;
    } else {
      const id = target.poolsByName.get(String(body["instance_pool_name"]));
      if (id) run.ids.pools[String(body["instance_pool_id"])] ??= id;
    }
  }
}

async function permissionTarget(
  client: DatabricksClient,
  objectType: string,
  sourceId: string,
  label: string,
  run: RunState,
): Promise<string | undefined> {
  switch (objectType) {
    case "jobs":
      return run.ids.jobs[sourceId];
    case "clusters":
      return run.ids.clusters[sourceId];
    case "cluster-policies":
      return run.ids.policies[sourceId];
    case "instance-pools":
      return run.ids.pools[sourceId];
    case "notebooks":
    case "directories": {
      try {
        const status = await client.get<Json>("/api/2.0/workspace/get-status", { path: label });
        return String(status["object_id"]);
      } catch (error) {
        if (isAzdrError(error, "NOT_FOUND")) return undefined;
        throw error;
      }
    }
    default:
      return undefined;
  }
}

async function validate(
  ctx: SourceContext,
  request: RestoreRequest,
  manifests: Manifests,
): Promise<ValidationCheck[]> {
  const client = ctx.databricks(request.target);
  const target = await readTarget(client, { tree: true });
  const checks: ValidationCheck[] = [];
  const objects = (manifests[OBJECTS]?.entries ?? []).filter(
    (e) => e.path !== "/" && selected(e.path, request.include, request.exclude),
  );
  for (const kind of ["DIRECTORY", "NOTEBOOK", "FILE"]) {
    const expected = objects.filter((e) => e.kind === kind);
    const missing = expected.filter((e) => !target.paths.has(e.path));
    checks.push({
      name: `${{ DIRECTORY: "folders", NOTEBOOK: "notebooks", FILE: "files" }[kind]} present`,
      ok: missing.length === 0,
      expected: expected.length,
      actual: expected.length - missing.length,
      ...(missing.length
        ? {
            detail: `missing e.g. ${missing
              .slice(0, 3)
              .map((m) => m.path)
              .join(", ")}`,
          }
        : {}),
    });
  }
  const config = (manifests[CONFIG]?.entries ?? []).filter((e) =>
    selected(e.path, request.include, request.exclude),
  );
  const count = (kind: string) => config.filter((e) => e.kind === kind).length;
  const jobsExpected = count("job");
  const jobsFound = config
    .filter((e) => e.kind === "job")
    .filter((e) => target.jobsByTag.has(e.path.replace(/^jobs\/|\.json$/g, ""))).length;
  checks.push({
    name: "jobs present (by source tag)",
    ok: jobsFound === jobsExpected,
    expected: jobsExpected,
    actual: jobsFound,
  });
  checks.push({
    name: "cluster policies present",
    ok: target.policiesByName.size >= count("cluster-policy"),
    expected: count("cluster-policy"),
    actual: target.policiesByName.size,
  });
  checks.push({
    name: "instance pools present",
    ok: target.poolsByName.size >= count("instance-pool"),
    expected: count("instance-pool"),
    actual: target.poolsByName.size,
  });
  checks.push({
    name: "secret scopes present",
    ok: target.scopes.size >= count("secret-scope"),
    expected: count("secret-scope"),
    actual: target.scopes.size,
  });
  return checks;
}

export const workspaceScenario: RestoreScenario<RestoreRequest, IdMaps> = {
  name: "workspace",
  steps: STEPS,
  seedIds: (request) => emptyIdMaps(request.remap),
  preflight,
  plan,
  execute,
  validate: (ctx, request, manifests) => validate(ctx, request, manifests),
};
