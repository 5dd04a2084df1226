// What every Unity Catalog handler gets: the restore context (target workspace and its typed
// clients, the request, the backup index, the definitions read once, the plan's shared state), and
// the small helpers the handlers share (item keys, failures that end a batch, SQL on a warehouse).
import { databricksApis, httpStatusOf, SqlStatementError } from "../../clients/databricks/index.js";
import type { DatabricksApis } from "../../clients/databricks/index.js";
import { mapLimit } from "../../concurrency.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import type { UnityCatalogRequest } from "../../restore/catalog.js";
import { selected, type PlanItem } from "../../restore/engine/plan.js";
import type { ItemResult, ItemsStep, ValidationCheck } from "../../restore/engine/steps.js";
import type { SourceContext } from "../../sources/context.js";
import type { SecurableType } from "./paths.js";
import type { KindCoverage } from "../types.js";
import type { UcKindBackup } from "./backup.js";
import type { Json, UcBackup, UcObject } from "./model.js";
import { findWarehouse, targetMetastoreConfig, type Inventory, type TargetAssignment } from "./target.js";

export interface UcTarget {
  apis: DatabricksApis;
  workspace: string;
  workspaceUrl: string;
  configuredMetastoreId?: string;
}

/** What the plan's handlers share, in registry order: securables first, then grants, owners, bindings. */
export interface UcPlanState {
  assignment: TargetAssignment;
  /** Whether the target metastore can be read yet (it is assigned). */
  readable: boolean;
  inventory: Inventory;
  /** Securable keys that will exist after the object steps (existing or to be created). */
  willExist: Set<string>;
  /** Keys of securables that existed before the restore. */
  preexisting: Set<string>;
  /** Keys of securables dropped and re-created: their grants and owner are re-applied after. */
  replaced: Set<string>;
  destructive: string[];
  notes: string[];
  /** Views that read something the restore cannot create (view → what it reads). */
  blocked: Map<string, string>;
  /** Lower-case full names of every securable in the backup. */
  backedUp: Set<string>;
}

/** The restore context every Unity Catalog handler receives (plan, apply and validate alike). */
export interface UcRestore {
  ctx: SourceContext;
  request: UnityCatalogRequest;
  target: UcTarget;
  backup: UcBackup;
  /** The run's plan id (apply and validate). */
  planId: string;
  /** Definitions of the backup's securables by sha256, read once. */
  definition(sha256: string): Promise<Json>;
  /** Set while planning. */
  plan?: UcPlanState;
  /** Set while validating: the target's securables and the approved plan's items. */
  validation?: { inventory: Inventory; assignment: TargetAssignment; approved: PlanItem[] };
  /** The SQL warehouse statements run on (found on first use; null: none). */
  warehouse?: string | null;
}

/**
 * A Unity Catalog kind handler: one per securable (and for grants, owners, bindings and the
 * metastore assignment). The shape of KindHandler (src/lib/kinds/types.ts) with one addition:
 * `entries` are the backup's objects of the kind (UcObject: type, full name, definition sha256),
 * because a table's entry becomes a table or a view only once its definition is read.
 */
export interface UcKind {
  /**
   * The kind (unique): securables' as their manifest entries record it, but for entries of kind
   * "table", which are external_table, managed_table or view by their definition.
   */
  kind: string;
  /** Securables: the restore kind that routes plan items to this handler (external_table, view…). */
  restoreKind?: string;
  label: string;
  domain: "unity-catalog";
  component: "unity-catalog/metadata";
  step: ItemsStep;
  coverage: KindCoverage;
  /** The manifest entry path of the object with this full name, and back. */
  entryPath(fullName: string): string;
  idOf(path: string): string;
  /** Listing and reading for the backup (src/lib/kinds/unity-catalog/backup.ts). */
  backup?: UcKindBackup;
  plan(r: UcRestore, objects: UcObject[]): Promise<PlanItem[]>;
  apply(r: UcRestore, item: PlanItem): Promise<Pick<ItemResult, "status" | "detail">>;
  validate(r: UcRestore, planned: PlanItem[]): Promise<ValidationCheck[]>;
}

export function ucTarget(ctx: SourceContext, request: UnityCatalogRequest): UcTarget {
  const metastore = targetMetastoreConfig(ctx.config, request.target);
  const workspace = ctx.config.databricks.workspaces.find((w) => w.id === metastore.workspace);
  if (!workspace)
    throw new AzdrError(
      "INVALID_CONFIG",
      `metastore "${metastore.id}" names unknown workspace "${metastore.workspace}"`,
    );
  return {
    apis: databricksApis(ctx.databricks(metastore.workspace)),
    workspace: metastore.workspace,
    workspaceUrl: workspace.url,
    ...(metastore.metastoreId ? { configuredMetastoreId: metastore.metastoreId } : {}),
  };
}

export function ucRestore(
  ctx: SourceContext,
  request: UnityCatalogRequest,
  backup: UcBackup,
  planId: string,
): UcRestore {
  const read = new Map<string, Promise<Json>>();
  return {
    ctx,
    request,
    target: ucTarget(ctx, request),
    backup,
    planId,
    definition(sha256) {
      let found = read.get(sha256);
      if (!found) read.set(sha256, (found = ctx.store.getJson<Json>(sha256)));
      return found;
    },
  };
}

/** Read the definitions of many objects, a few at a time (they are then cached). */
export async function readDefinitions(r: UcRestore, objects: UcObject[]): Promise<void> {
  await mapLimit(objects, 16, async (o) => {
    await r.definition(o.sha256);
  });
}

export function planState(r: UcRestore): UcPlanState {
  if (!r.plan) throw new Error("Unity Catalog plan state read outside planning");
  return r.plan;
}

export function objectKey(type: SecurableType, fullName: string): string {
  return `${type}/${fullName}`;
}

export function parseKey(key: string): { type: SecurableType; fullName: string } {
  const slash = key.indexOf("/");
  return { type: key.slice(0, slash) as SecurableType, fullName: key.slice(slash + 1) };
}

export function isSelected(request: UnityCatalogRequest, fullName: string): boolean {
  return selected(fullName, request.include, request.exclude);
}

/**
 * Errors that end the batch (the activity retries it, or the run fails): throttling the client
 * could not ride out, outages, authentication. A 500 is the service failing on this one object:
 * it is not re-sent (a POST may have run) and becomes the object's failure; the re-run's
 * check-then-write finds out what happened.
 */
export function mustThrow(error: unknown): boolean {
  if (!isAzdrError(error)) return false;
  if (error.code === "UNAUTHORIZED" || error.code === "THROTTLED") return true;
  if (error.code === "UNAVAILABLE") return httpStatusOf(error) !== 500;
  return false;
}

export function failedResult(step: string, key: string, error: unknown): ItemResult {
  if (mustThrow(error)) throw error;
  return { step, key, status: "failed", detail: errorMessage(error) };
}

/** At most ten names, then how many more. */
export function some(names: string[]): string {
  return `${names.slice(0, 10).join(" | ")}${names.length > 10 ? ` and ${names.length - 10} more` : ""}`;
}

/**
 * Run one statement on a SQL warehouse of the target and wait for it. A failed statement becomes
 * an AzdrError naming `what`, coded from its SQLSTATE (ALREADY_EXISTS, NOT_FOUND…).
 */
export async function runSql(r: UcRestore, statement: string, what: string): Promise<void> {
  if (r.warehouse === undefined) r.warehouse = (await findWarehouse(r.target.apis)) ?? null;
  if (!r.warehouse)
    throw new AzdrError(
      "PRECONDITION_FAILED",
      `no SQL warehouse in workspace "${r.target.workspace}" to run ${what} on`,
    );
  try {
    await r.target.apis.sql.run({ warehouseId: r.warehouse, statement });
  } catch (error) {
    if (!(error instanceof SqlStatementError)) throw error;
    // A statement still running after the wait is this object's failure (the re-run checks what
    // it did), not an outage that should end the batch.
    const code = error.state === "TIMED_OUT" ? "INTERNAL" : error.code;
    throw new AzdrError(code, `${what}: ${error.message}`, { cause: error });
  }
}
