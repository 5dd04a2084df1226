// Runbook 7.4, Unity Catalog recovery: re-create a metastore's securables from a metadata backup in
// a target metastore (normally the DR region's), in dependency order, with storage and principal
// remapping, then make grants, owners, isolation and workspace bindings equal to the backup's.
// Orchestration only: each securable (and grants, owners, bindings, the metastore assignment) is a
// kind handler in src/lib/kinds/unity-catalog/, which plans, applies and validates it. Check-then-
// write throughout, so a re-run after a crash or a per-object failure creates nothing twice.
import { AzdrError, errorMessage } from "../../errors.js";
import type { SourceContext } from "../../sources/context.js";
import type {
  ItemResult,
  Manifests,
  PlanStep,
  RestoreScenario,
  RunState,
  ValidationCheck,
} from "../engine/steps.js";
import type { PlanItem, PreflightCheck } from "../engine/plan.js";
import type { UnityCatalogRequest as RestoreRequest } from "../catalog.js";
import { mapLimit } from "../../concurrency.js";
import { readPlan } from "../engine/engine.js";
import {
  failedResult,
  isSelected,
  readDefinitions,
  some,
  ucRestore,
  ucTarget,
  type UcKind,
  type UcRestore,
} from "../../kinds/unity-catalog/context.js";
import { SECURABLE_KINDS, UNITY_CATALOG_KINDS } from "../../kinds/unity-catalog/index.js";
import { grants } from "../../kinds/unity-catalog/grants.js";
import { owners } from "../../kinds/unity-catalog/owners.js";
import { workspaceBindings } from "../../kinds/unity-catalog/workspace-bindings.js";
import { metastoreAssignment } from "../../kinds/unity-catalog/metastore-assignment.js";
import { isNonDelta, recreatesManaged } from "../../kinds/unity-catalog/table.js";
import { blockedByMissingTables } from "../../kinds/unity-catalog/view.js";
import {
  readBackup,
  restoreKindOf,
  type Json,
  type UcBackup,
  type UcObject,
} from "../../kinds/unity-catalog/model.js";
import {
  findWarehouse,
  metastoreExists,
  readAssignment,
  readInventory,
  type Inventory,
} from "../../kinds/unity-catalog/target.js";

const COMPONENT = "metadata";
/** The manifest this scenario restores from (manifests are keyed domain/component). */
const INPUT = `unity-catalog/${COMPONENT}`;

/** The handlers' steps, in restore order (the external and managed table handlers share "tables"). */
export const UC_STEPS: PlanStep[] = [
  ...new Map(UNITY_CATALOG_KINDS.map((k) => [k.step.name, k.step])).values(),
];

type Request = RestoreRequest;

function backupOf(manifests: Manifests): UcBackup {
  const manifest = manifests[INPUT];
  if (!manifest) throw new AzdrError("NOT_FOUND", "no Unity Catalog metadata snapshot was loaded");
  return readBackup(manifest);
}

/** The selected securables by the handler that restores each (a table entry is a table or a view). */
async function bySecurableKind(r: UcRestore, objects: UcObject[]): Promise<Map<UcKind, UcObject[]>> {
  await readDefinitions(r, objects);
  const out = new Map<UcKind, UcObject[]>(SECURABLE_KINDS.map((k) => [k, []]));
  for (const o of objects) {
    const kind = restoreKindOf(o.type, await r.definition(o.sha256));
    const handler = SECURABLE_KINDS.find((k) => k.spec.kind === kind);
    if (handler) out.get(handler)!.push(o);
  }
  return out;
}

/** Grants and bindings entries of the backup, as objects their handlers plan. */
function entriesOf(map: UcBackup["grants"] | UcBackup["bindings"]): UcObject[] {
  return [...map.values()].map((e) => ({ type: e.type, fullName: e.fullName, path: "", sha256: e.sha256 }));
}

// ---- preflight ------------------------------------------------------------------------------------------

async function preflight(
  ctx: SourceContext,
  request: Request,
  manifests: Manifests,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const t = ucTarget(ctx, request);
  const backup = backupOf(manifests);
  const assignment = await readAssignment(t.apis, t.workspaceUrl);
  const runbook =
    'runbook 7.4 step 3: recreate the metastore with Terraform/Bicep (`terraform apply -var="metastore_name=metastore-{env}-{project}-restored"`)';
  if (assignment.metastoreId) {
    const mismatch = t.configuredMetastoreId && t.configuredMetastoreId !== assignment.metastoreId;
    checks.push({
      name: "target metastore assignment",
      ok: !mismatch,
      blocking: Boolean(mismatch),
      detail: mismatch
        ? `workspace "${t.workspace}" is assigned metastore ${assignment.metastoreId}, but the config says ${t.configuredMetastoreId}`
        : `workspace "${t.workspace}" is assigned metastore ${assignment.metastoreId}${assignment.metastoreId === backup.metastoreId ? " (the backed-up metastore itself: an in-place restore)" : ""}`,
      ...(mismatch
        ? {
            fix: `fix unityCatalog.metastores[${request.target}].metastoreId, or re-assign the workspace (runbook 7.4 step 8)`,
          }
        : {}),
    });
  } else if (!t.configuredMetastoreId) {
    checks.push({
      name: "target metastore assignment",
      ok: false,
      blocking: true,
      detail: `workspace "${t.workspace}" has no Unity Catalog metastore assigned, and the config names none to assign`,
      fix: `if the metastore is gone, ${runbook}; then set unityCatalog.metastores[${request.target}].metastoreId so azdr assigns it, or assign it yourself (\`databricks metastores assign <workspace-id> <metastore-id> main\`, runbook 7.4 step 8)`,
    });
  } else if (!(await metastoreExists(t.apis, t.configuredMetastoreId))) {
    checks.push({
      name: "target metastore",
      ok: false,
      blocking: true,
      detail: `metastore ${t.configuredMetastoreId} (unityCatalog.metastores[${request.target}].metastoreId) does not exist`,
      fix: `${runbook}, then put its id in unityCatalog.metastores[${request.target}].metastoreId`,
    });
  } else if (!assignment.workspaceId) {
    checks.push({
      name: "target metastore assignment",
      ok: false,
      blocking: true,
      detail: `workspace "${t.workspace}" has no metastore assigned and its id cannot be read from its URL ${t.workspaceUrl}`,
      fix: `assign it: \`databricks metastores assign <workspace-id> ${t.configuredMetastoreId} main\` (runbook 7.4 step 8), then retry`,
    });
  } else {
    checks.push({
      name: "target metastore assignment",
      ok: true,
      blocking: false,
      detail: `workspace ${assignment.workspaceId} has no metastore yet: the first step assigns ${t.configuredMetastoreId}`,
    });
  }
  // What the REST API cannot create goes through SQL: views, non-Delta external tables and, when
  // asked, managed tables re-created empty.
  const r = ucRestore(ctx, request, backup, "");
  const tables = backup.objects.filter((o) => o.type === "table" && isSelected(request, o.fullName));
  await readDefinitions(r, tables);
  let bySql = 0;
  for (const o of tables) {
    const def = await r.definition(o.sha256);
    const kind = restoreKindOf("table", def);
    if (
      kind === "view" ||
      (kind === "external_table" && isNonDelta(def)) ||
      (kind === "managed_table" && recreatesManaged(request))
    )
      bySql++;
  }
  if (bySql > 0) {
    // A listing that fails is said as such, not read as "no warehouse".
    let listingError: string | undefined;
    const warehouse = await findWarehouse(t.apis).catch((error: unknown) => {
      listingError = errorMessage(error);
      return undefined;
    });
    checks.push({
      name: "SQL warehouse for views and SQL-created tables",
      ok: warehouse !== undefined,
      blocking: false,
      detail: warehouse
        ? `${bySql} view(s) and table(s) will be created with SQL on warehouse ${warehouse}`
        : listingError
          ? `${bySql} view(s) and table(s) need a SQL warehouse in workspace "${t.workspace}", and listing its warehouses failed: ${listingError}`
          : `${bySql} view(s) and table(s) need a SQL warehouse in workspace "${t.workspace}" and there is none`,
      ...(warehouse ? {} : { fix: "create a SQL warehouse in the target workspace before approving" }),
    });
  }
  return checks;
}

// ---- plan -----------------------------------------------------------------------------------------------

async function plan(ctx: SourceContext, request: Request, manifests: Manifests) {
  const backup = backupOf(manifests);
  const r = ucRestore(ctx, request, backup, "");
  const assignment = await readAssignment(r.target.apis, r.target.workspaceUrl);
  const readable = assignment.metastoreId !== undefined;
  const objects = backup.objects.filter((o) => isSelected(request, o.fullName));
  const inventory: Inventory = readable
    ? await readInventory(r.target.apis, objects)
    : new Map<string, Json>();
  await readDefinitions(r, objects);
  r.plan = {
    assignment,
    readable,
    inventory,
    willExist: new Set(),
    preexisting: new Set(),
    replaced: new Set(),
    destructive: [],
    notes: [],
    blocked: await blockedByMissingTables(r, objects, inventory),
    backedUp: new Set(backup.objects.map((o) => o.fullName.toLowerCase())),
  };
  const p = r.plan;

  // Every handler in restore order: securables first (what will exist), then grants and owners of
  // what will exist, then isolation and bindings.
  const items: PlanItem[] = [...(await metastoreAssignment.plan(r, []))];
  for (const [handler, selected] of await bySecurableKind(r, objects))
    items.push(...(await handler.plan(r, selected)));
  items.push(
    ...(await grants.plan(
      r,
      entriesOf(backup.grants).filter((g) => g.type === "metastore" || isSelected(request, g.fullName)),
    )),
  );
  items.push(...(await owners.plan(r, objects)));
  items.push(
    ...(await workspaceBindings.plan(
      r,
      entriesOf(backup.bindings).filter((b) => isSelected(request, b.fullName)),
    )),
  );

  const recreated = items.filter((i) => i.kind === "managed_table" && i.action === "create").length;
  if (recreated)
    p.notes.unshift(
      `${recreated} MANAGED table(s) are re-created EMPTY (managedTables=recreate-empty): restore their data with the data-recovery scenario (runbook 7.6: Delta DEEP CLONE from a replica, or a storage-level restore of the managed location).`,
    );
  const conflicts = items.filter((i) => i.action === "conflict");
  if (conflicts.length)
    p.notes.push(
      ...conflicts.map((i) => `Not restored (conflict): ${i.kind} ${i.target ?? i.key}: ${i.reason}`),
    );
  const notes = [...new Set(p.notes)];
  const managed = items.filter((i) => i.kind === "managed_table" && i.action === "unsupported").length;
  const blockedViewCount = items.filter((i) => i.kind === "view" && i.action === "unsupported").length;
  if (blockedViewCount)
    notes.unshift(
      `${blockedViewCount} view(s) read MANAGED tables that are not restored and are listed as unsupported: they are created by re-running this restore once that data is back.`,
    );
  if (managed)
    notes.unshift(
      `${managed} MANAGED table(s) are listed as unsupported: their data must be restored with Delta DEEP CLONE or a storage-level restore (runbook 7.6); re-run this restore afterwards for their grants and owners.`,
    );
  const connectors = objects.filter((o) => o.type === "storage_credential" || o.type === "credential").length;
  if (connectors && request.remap.accessConnectors.length === 0)
    notes.push(
      "Storage and service credentials keep their access connector ids: make sure those connectors exist and can reach the target storage and services.",
    );
  return { items, destructive: p.destructive, notes };
}

// ---- execute --------------------------------------------------------------------------------------------

async function execute(
  ctx: SourceContext,
  request: Request,
  step: string,
  items: PlanItem[],
  run: RunState,
  manifests: Manifests,
): Promise<ItemResult[]> {
  const r = ucRestore(ctx, request, backupOf(manifests), run.planId);
  const handlerOf = (item: PlanItem): UcKind | undefined =>
    UNITY_CATALOG_KINDS.find((k) => k.step.name === step && (!k.restoreKind || k.restoreKind === item.kind));
  const one = async (item: PlanItem): Promise<ItemResult> => {
    try {
      const handler = handlerOf(item);
      if (!handler)
        throw new AzdrError("INVALID_INPUT", `no Unity Catalog handler for ${item.kind} in step ${step}`);
      return { step: item.step, key: item.key, ...(await handler.apply(r, item)) };
    } catch (error) {
      return failedResult(step, item.key, error);
    }
  };
  if (step !== "views") return mapLimit(items, Math.min(8, ctx.config.limits.maxConcurrentRequests), one);
  // Views can select from views: create them one by one, retrying those whose source was missing
  // while others still succeed.
  let pending = items;
  const results = new Map<string, ItemResult>();
  for (let pass = 0; pending.length > 0 && pass < 10; pass++) {
    const retry: PlanItem[] = [];
    for (const item of pending) {
      const result = await one(item);
      results.set(item.key, result);
      if (result.status === "failed" && /NOT_FOUND/.test(result.detail ?? "")) retry.push(item);
    }
    if (retry.length === pending.length) break;
    pending = retry;
  }
  return items.map((i) => results.get(i.key)!);
}

// ---- validate -------------------------------------------------------------------------------------------

/**
 * What the approved plan meant to be true afterwards, checked against the target as sets, kind by
 * kind (each handler compares its objects field by field). What the plan left out (unsupported,
 * conflict, or kept by existing=skip) is listed, never counted as missing.
 */
async function validate(
  ctx: SourceContext,
  request: Request,
  manifests: Manifests,
  run: RunState,
): Promise<ValidationCheck[]> {
  const backup = backupOf(manifests);
  const r = ucRestore(ctx, request, backup, run.planId);
  const approved = await readPlan(ctx, run.planId);
  const objects = backup.objects.filter((o) => isSelected(request, o.fullName));
  const assignment = await readAssignment(r.target.apis, r.target.workspaceUrl);
  r.validation = { inventory: new Map(), assignment, approved: approved.items };
  const checks = await metastoreAssignment.validate(r, []);
  if (!assignment.metastoreId) return checks;
  r.validation.inventory = await readInventory(r.target.apis, objects);
  const plannedFor = (handler: UcKind) =>
    approved.items.filter(
      (i) => i.step === handler.step.name && (!handler.restoreKind || i.kind === handler.restoreKind),
    );
  for (const handler of SECURABLE_KINDS) checks.push(...(await handler.validate(r, plannedFor(handler))));
  const leftOut = approved.items
    .filter((i) => SECURABLE_KINDS.some((k) => k.step.name === i.step))
    .filter((i) => i.action === "unsupported" || i.action === "conflict")
    .map((i) => `${i.kind} ${i.target ?? i.key} (${i.action})`);
  if (leftOut.length)
    checks.push({
      name: "left out by the approved plan (see the follow-ups)",
      ok: true,
      expected: leftOut.length,
      actual: leftOut.length,
      detail: some(leftOut),
    });
  for (const handler of [grants, owners, workspaceBindings])
    checks.push(...(await handler.validate(r, plannedFor(handler))));
  return checks;
}

export const unityCatalogScenario: RestoreScenario<RestoreRequest> = {
  name: "unity-catalog",
  steps: UC_STEPS,
  preflight,
  plan,
  execute,
  validate,
};
