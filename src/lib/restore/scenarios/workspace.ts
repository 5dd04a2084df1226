// Runbook 7.3, Databricks workspace recovery: folders, notebooks and files, cluster policies,
// pools, clusters (created terminated), jobs (created paused, references remapped), secret scopes
// and ACLs (no values: backups never hold them), repos, global init scripts and permissions.
// Steps 7.3.1/7.3.2 (redeploy the workspace, assign the metastore) are infrastructure: preflight
// checks them and says what to run.
// Nothing of azdr's is written into the customer's objects: which job or cluster a restore created
// for which source id is kept in the backup store (workspace/ledger.ts), so re-runs stay idempotent.
import { databricksApis } from "../../clients/databricks/index.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
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
import { emptyIdMaps, type IdMaps } from "../engine/remap.js";
import type { WorkspaceRequest as RestoreRequest } from "../catalog.js";
import { mapLimit } from "../../concurrency.js";
import { some } from "../../kinds/compare.js";
import {
  workspaceRestore,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "../../kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceKind, workspaceSteps } from "../../kinds/workspace/index.js";
import { objectsSummary } from "../../kinds/workspace/workspace-object.js";

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
    if (handler.learn) await handler.learn(r, entriesOf(handler, r.manifests));
}

// ---- plan ---------------------------------------------------------------------------------------

async function plan(ctx: SourceContext, request: RestoreRequest, manifests: Manifests) {
  const r = workspaceRestore({ ctx, request, manifests, phase: "plan", ids: emptyIdMaps(request.remap) });
  const items: PlanItem[] = [];
  const notes: string[] = [];
  const destructive: string[] = [];
  const config = manifests[CONFIG];

  if (!config) {
    notes.push(
      "No workspace-config snapshot: jobs, policies, pools, clusters, scopes, repos and permissions are not restored. Run `azdr backup workspace` (config) first.",
    );
  }
  // Old → new ids of what the target already holds: handlers (permissions above all) plan on them.
  await learnFromHandlers(r);
  for (const handler of WORKSPACE_KINDS) {
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
      if (!handler) return ok("failed", `no handler restores objects of kind ${item.kind}`);
      const applied = await handler.apply(r, item);
      return ok(applied.status, applied.detail);
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
  await learnFromHandlers(r);
  const plan = await readPlan(ctx, run.planId);
  const planned = (step: string, kind: string) =>
    plan.items.filter((i) => i.step === step && actionable(i) && i.kind === kind);
  // One or more checks per kind, in registry order.
  const checks: ValidationCheck[] = [];
  for (const handler of WORKSPACE_KINDS)
    checks.push(...(await handler.validate(r, planned(handler.step.name, handler.kind))));
  return checks;
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
