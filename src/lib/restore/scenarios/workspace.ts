// Runbook 7.3, Databricks workspace recovery: folders, notebooks and files, cluster policies,
// pools, clusters (created terminated), jobs (created paused, references remapped), secret scopes
// and ACLs (no values: backups never hold them), repos, global init scripts and permissions.
// Steps 7.3.1/7.3.2 (redeploy the workspace, assign the metastore) are infrastructure: preflight
// checks them and says what to run.
// Nothing of azdr's is written into the customer's objects: which job or cluster a restore created
// for which source id is kept in the backup store (workspace/ledger.ts), so re-runs stay idempotent.
import type { DatabricksClient } from "../../clients/databricks.js";
import { databricksApis } from "../../clients/databricks/index.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";
import type { ManifestEntry } from "../../store/manifest.js";
import type { SourceContext } from "../../sources/context.js";
import { readPlan } from "../engine/engine.js";
import type {
  ItemResult,
  Manifests,
  PlanStep,
  RestoreScenario,
  RunState as EngineRunState,
  ValidationCheck,
} from "../engine/steps.js";
import { actionable, selected, type PlanItem, type PreflightCheck } from "../engine/plan.js";
import { emptyIdMaps, remapPrincipal, type IdMaps } from "../engine/remap.js";
import type { WorkspaceRequest as RestoreRequest } from "../catalog.js";
import { mapLimit } from "../../concurrency.js";
import { checkSet, some } from "../../kinds/compare.js";
import {
  aclDiff,
  describeList,
  directEntries,
  sameAcl,
  toPutBody,
  type AclEntry,
} from "../../kinds/workspace/acl.js";
import {
  workspaceRestore,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "../../kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceKind, workspaceSteps } from "../../kinds/workspace/index.js";
import { isLegacy } from "../../kinds/workspace/legacy.js";
import { objectsSummary, targetTree } from "../../kinds/workspace/workspace-object.js";

type Json = Record<string, unknown>;
/** This scenario's id maps (jobs, clusters, policies, pools), namespaced under "workspace" in a run. */
type RunState = EngineRunState<IdMaps>;

/** The config manifest (keyed domain/component): without it only workspace objects are restored. */
const CONFIG = "databricks/workspace-config";

const STEPS: PlanStep[] = workspaceSteps();

function workspaceOf(ctx: SourceContext, id: string) {
  const ws = ctx.config.databricks.workspaces.find((w) => w.id === id);
  if (!ws) throw new AzdrError("INVALID_INPUT", `workspace "${id}" is not in databricks.workspaces`);
  return ws;
}

/** The entries of a handler's kind in its manifest (all of them: include/exclude is the caller's). */
function entriesOf(handler: WorkspaceKind, manifests: Manifests): ManifestEntry[] {
  return (manifests[handler.component]?.entries ?? []).filter((e) => e.kind === handler.kind);
}

/** Every handler's learn(): old → new ids of what the target already holds. */
async function learnFromHandlers(r: WorkspaceRestore): Promise<void> {
  for (const handler of WORKSPACE_KINDS)
    if (!isLegacy(handler) && handler.learn) await handler.learn(r, entriesOf(handler, r.manifests));
}

// ---- plan ---------------------------------------------------------------------------------------

/** Where a permissions entry points: its object type and source id (permissions/<type>/<id>.json). */
function permissionOf(entry: { key: string }): { objectType: string; sourceId: string } {
  const [, objectType = "", file = ""] = entry.key.split("/");
  return { objectType, sourceId: decodeURIComponent(file.replace(/\.json$/, "")) };
}

const WORKSPACE_OBJECT_TYPES: Record<string, string> = {
  notebooks: "NOTEBOOK",
  directories: "DIRECTORY",
  files: "FILE",
};

/** The target id an ACL goes on, or undefined when the object is not (yet) in the target. */
async function permissionTarget(
  objectType: string,
  sourceId: string,
  label: string,
  ids: IdMaps,
  objectIdAt: (path: string, type: string) => Promise<number | undefined>,
): Promise<string | undefined> {
  switch (objectType) {
    case "jobs":
      return ids.jobs[sourceId];
    case "clusters":
      return ids.clusters[sourceId];
    case "cluster-policies":
      return ids.policies[sourceId];
    case "instance-pools":
      return ids.pools[sourceId];
    default: {
      const type = WORKSPACE_OBJECT_TYPES[objectType];
      if (!type) return undefined;
      const id = await objectIdAt(label, type);
      return id === undefined ? undefined : String(id);
    }
  }
}

async function currentAcl(client: DatabricksClient, objectType: string, id: string): Promise<AclEntry[]> {
  return directEntries(await client.get<Json>(`/api/2.0/permissions/${objectType}/${id}`));
}

async function plan(ctx: SourceContext, request: RestoreRequest, manifests: Manifests) {
  const r = workspaceRestore({ ctx, request, manifests, phase: "plan", ids: emptyIdMaps(request.remap) });
  const client = r.client;
  const target = { paths: await targetTree(r) };
  const items: PlanItem[] = [];
  const notes: string[] = [];
  const destructive: string[] = [];
  const config = manifests[CONFIG];

  if (!config) {
    notes.push(
      "No workspace-config snapshot: jobs, policies, pools, clusters, scopes, repos and permissions are not restored. Run `azdr backup workspace` (config) first.",
    );
  }
  // Old → new ids of what already exists, for permissions of existing objects.
  const ids = r.ids;
  await learnFromHandlers(r);
  const permissionEntries = (config?.entries ?? []).filter(
    (e) => e.kind === "permissions" && selected(e.path, request.include, request.exclude),
  );

  // Permissions: a PUT replaces the object's whole direct ACL. Where the object already exists, the
  // plan reads its ACL and says what the PUT takes away and adds.
  const objectIdAt = async (path: string, type: string) => {
    const found = target.paths.get(path);
    return found && found.type === type ? found.objectId : undefined;
  };
  const permissionItems = await mapLimit(
    permissionEntries,
    8,
    async (entry): Promise<{ item: PlanItem; destructive?: string }> => {
      const { objectType, sourceId } = permissionOf({ key: entry.path });
      const label = typeof entry.meta?.["label"] === "string" ? entry.meta["label"] : entry.path;
      const base = {
        step: "permissions",
        key: entry.path,
        kind: entry.kind,
        target: label,
        sha256: entry.sha256,
      };
      const targetId = await permissionTarget(objectType, sourceId, label, ids, objectIdAt);
      if (!targetId)
        return {
          item: {
            ...base,
            action: "update" as const,
            reason:
              "object created by this restore: its direct ACL is set to the backup's (principals remapped)",
          },
        };
      const wanted = directEntries(await ctx.store.getJson<Json>(entry.sha256), (p) =>
        remapPrincipal(p, request.remap),
      );
      const current = await currentAcl(client, objectType, targetId);
      const { lost, gained } = aclDiff(current, wanted);
      if (lost.length === 0 && gained.length === 0)
        return {
          item: { ...base, action: "skip" as const, reason: "direct ACL already equal to the backup's" },
        };
      const change = `before: ${describeList(current)}; after: ${describeList(wanted)}`;
      return {
        item: {
          ...base,
          action: "update" as const,
          reason: lost.length
            ? `REPLACES the existing direct ACL: loses ${describeList(lost)}; gains ${describeList(gained)} (${change})`
            : `adds ${describeList(gained)} to the existing direct ACL (${change})`,
          // What the approver saw: execution refuses to take away anything else.
          meta: { aclBefore: current },
        },
        ...(lost.length
          ? {
              destructive: `ACL of ${label} (${objectType} ${targetId}) REPLACED: loses ${describeList(lost)}; gains ${describeList(gained)}. Before: ${describeList(current)}. After: ${describeList(wanted)}.`,
            }
          : {}),
      };
    },
  );
  for (const { item, destructive: line } of permissionItems) {
    items.push(item);
    if (line) destructive.push(line);
  }
  for (const handler of WORKSPACE_KINDS) {
    if (isLegacy(handler)) continue;
    const entries = entriesOf(handler, manifests).filter((e) =>
      selected(e.path, request.include, request.exclude),
    );
    const planned = await handler.plan(r, entries);
    items.push(...planned.items);
    destructive.push(...(planned.destructive ?? []));
    notes.push(...(planned.notes ?? []));
  }

  // Notebooks and files together: what existing=update overwrites, the bodies the remap rules reach.
  const objects = objectsSummary(items);
  destructive.unshift(...objects.destructive);
  notes.unshift(...objects.notes);
  // Only existing=update replaces configuration; other updates (stopping a cluster an earlier attempt
  // left running, a pristine family policy's overrides) change nothing a person made.
  const replaced = items.filter(
    (i) =>
      i.action === "update" &&
      !["objects", "permissions", "cluster-policies"].includes(i.step) &&
      !i.reason.startsWith("created by an earlier attempt"),
  );
  if (request.existing === "update" && replaced.length > 0)
    destructive.push(
      `${replaced.length} existing configuration object(s) in the target will be replaced by the backup's settings: ${some(replaced.map((i) => `${i.kind} "${i.target ?? i.key}"`))}.`,
    );
  const replacedPolicies = items.filter(
    (i) =>
      i.step === "cluster-policies" &&
      i.action === "update" &&
      i.reason.includes("exists in the target and existing=update"),
  );
  if (replacedPolicies.length > 0 && request.existing === "update")
    destructive.push(
      `${replacedPolicies.length} cluster polic(y/ies) in the target will be replaced by the backup's: ${some(replacedPolicies.map((i) => `"${i.target}"`))}.`,
    );
  return { items, destructive, notes };
}

async function preflight(ctx: SourceContext, request: RestoreRequest): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const ws = workspaceOf(ctx, request.target);
  const api = databricksApis(ctx.databricks(request.target));
  try {
    await api.workspace.getStatus("/");
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
    const assignment = await api.unityCatalog.currentMetastoreAssignment();
    checks.push({
      name: "metastore assigned",
      ok: true,
      blocking: false,
      detail: `metastore ${assignment.metastore_id}`,
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

/** Direct (non-inherited) ACL entries, principals remapped, in the PUT shape. */
export function directAcl(acl: Json, request: RestoreRequest): Json[] {
  return toPutBody(directEntries(acl, (p) => remapPrincipal(p, request.remap)));
}

async function objectIdAtPath(
  client: DatabricksClient,
  path: string,
  type: string,
): Promise<number | undefined> {
  try {
    const status = await client.get<Json>("/api/2.0/workspace/get-status", { path });
    return status["object_type"] === type ? Number(status["object_id"]) : undefined;
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return undefined;
    throw error;
  }
}

async function execute(
  ctx: SourceContext,
  request: RestoreRequest,
  step: string,
  items: PlanItem[],
  run: RunState,
  manifests: Manifests,
): Promise<ItemResult[]> {
  const r = workspaceRestore({
    ctx,
    request,
    manifests,
    phase: "execute",
    ids: run.ids,
    learned: run.learned,
    planId: run.planId,
  });
  const client = r.client;
  // Objects that already existed (skipped, or created by an earlier attempt) still map old → new ids.
  if (WORKSPACE_KINDS.some((k) => k.step.name === step && k.needsIds)) await learnFromHandlers(r);

  const one = async (item: PlanItem): Promise<ItemResult> => {
    const ok = (status: ItemResult["status"], detail?: string): ItemResult => ({
      step,
      key: item.key,
      status,
      ...(detail ? { detail } : {}),
    });
    try {
      const handler = workspaceKind(item.kind);
      if (handler && !isLegacy(handler)) {
        const applied = await handler.apply(r, item);
        return ok(applied.status, applied.detail);
      }
      switch (step) {
        case "permissions": {
          const acl = await ctx.store.getJson<Json>(item.sha256!);
          const { objectType, sourceId } = permissionOf(item);
          const targetId = await permissionTarget(objectType, sourceId, item.target!, run.ids, (path, type) =>
            objectIdAtPath(client, path, type),
          );
          if (!targetId) return ok("skipped", `${objectType} ${sourceId} was not restored`);
          const wanted = directEntries(acl, (p) => remapPrincipal(p, request.remap));
          const current = await currentAcl(client, objectType, targetId);
          if (sameAcl(current, wanted)) return ok("skipped", "direct ACL already equal to the backup's");
          // The approved plan showed what this PUT takes away; access granted since then is not
          // revoked behind the approver's back.
          const seen = item.meta?.["aclBefore"] as AclEntry[] | undefined;
          const unseen = aclDiff(seen ?? [], aclDiff(current, wanted).lost).gained;
          if (seen && unseen.length)
            return ok(
              "failed",
              `the direct ACL changed since the plan was approved: replacing it now would also remove ${describeList(unseen)}; left as it is (now: ${describeList(current)}). Re-run the restore to plan it again.`,
            );
          // The ACL being replaced goes to the run record first: what an undo needs.
          await ctx.store.blobs.put(
            REPORTS_CONTAINER,
            runRecordPath(run.planId, `prior/permissions/${objectType}/${encodeURIComponent(targetId)}.json`),
            JSON.stringify({
              objectType,
              objectId: targetId,
              label: item.target,
              readAt: new Date().toISOString(),
              access_control_list: toPutBody(current),
            }),
            "application/json",
          );
          await client.request("PUT", `/api/2.0/permissions/${objectType}/${targetId}`, {
            body: { access_control_list: toPutBody(wanted) },
          });
          const { lost } = aclDiff(current, wanted);
          return ok("updated", lost.length ? `replaced; removed ${describeList(lost)}` : undefined);
        }
        default:
          return ok("failed", `unknown step ${step}`);
      }
    } catch (error) {
      if (isAzdrError(error) && error.retryable) throw error;
      return ok("failed", errorMessage(error));
    }
  };

  // Steps ordered serially or by dependency run one at a time in plan order (a job may trigger one
  // created just before); parallel steps run concurrently.
  const ordering = STEPS.find((s) => s.name === step);
  const concurrency =
    ordering?.kind === "items" && ordering.ordering !== "parallel"
      ? 1
      : Math.max(1, ctx.config.limits.maxConcurrentRequests);
  return mapLimit(items, concurrency, one);
}

// ---- validation ---------------------------------------------------------------------------------

async function validate(
  ctx: SourceContext,
  request: RestoreRequest,
  manifests: Manifests,
  run: RunState,
): Promise<ValidationCheck[]> {
  const r = workspaceRestore({
    ctx,
    request,
    manifests,
    phase: "validate",
    ids: run.ids,
    planId: run.planId,
  });
  const client = r.client;
  const target = { paths: await targetTree(r) };
  await learnFromHandlers(r);
  const plan = await readPlan(ctx, run.planId);
  const planned = (step: string, kind?: string) =>
    plan.items.filter((i) => i.step === step && actionable(i) && (!kind || i.kind === kind));
  const checks: ValidationCheck[] = [];

  checks.push(
    await checkSet("permissions restored (direct ACL sets)", planned("permissions"), async (item) => {
      const { objectType, sourceId } = permissionOf(item);
      const id = await permissionTarget(objectType, sourceId, item.target!, run.ids, async (path, type) => {
        const found = target.paths.get(path);
        return found?.type === type ? found.objectId : undefined;
      });
      if (!id) return `${objectType} ${sourceId} is not in the target`;
      const wanted = directEntries(await ctx.store.getJson<Json>(item.sha256!), (p) =>
        remapPrincipal(p, request.remap),
      );
      let current: AclEntry[];
      try {
        current = await currentAcl(client, objectType, id);
      } catch (error) {
        if (isAzdrError(error, "NOT_FOUND")) return `${objectType} ${id} is not in the target`;
        throw error;
      }
      const { lost, gained } = aclDiff(current, wanted);
      if (!lost.length && !gained.length) return undefined;
      return `${objectType} ${id}: ${gained.length ? `lacks ${describeList(gained)}` : ""}${gained.length && lost.length ? "; " : ""}${lost.length ? `also has ${describeList(lost)}` : ""}`;
    }),
  );
  // Checks in registry order: each kind still handled here made exactly one check above, in order.
  const legacyChecks = [...checks];
  const ordered: ValidationCheck[] = [];
  for (const handler of WORKSPACE_KINDS) {
    if (isLegacy(handler)) ordered.push(legacyChecks.shift()!);
    else ordered.push(...(await handler.validate(r, planned(handler.step.name, handler.kind))));
  }
  return ordered;
}

export const workspaceScenario: RestoreScenario<RestoreRequest, IdMaps> = {
  name: "workspace",
  steps: STEPS,
  seedIds: (request) => emptyIdMaps(request.remap),
  preflight,
  plan,
  execute,
  validate,
};
