// Runbook 7.4, Unity Catalog recovery: re-create a metastore's securables from a metadata backup in
// a target metastore (normally the DR region's), in dependency order, with storage and principal
// remapping, then make grants and owners equal to the backup's. Check-then-write throughout, so a
// re-run after a crash or a per-object failure creates nothing twice.
import type { DatabricksClient } from "../../clients/databricks.js";
import { DatabricksError } from "../../clients/databricks.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import type { SourceContext } from "../../sources/context.js";
import type { SecurableType } from "../../sources/unity-catalog-source.js";
import type {
  ItemResult,
  Manifests,
  PlanStep,
  RestoreScenario,
  RunState,
  ValidationCheck,
} from "../engine/steps.js";
import { selected, type PlanItem, type PreflightCheck } from "../engine/plan.js";
import { remapPrincipal } from "../engine/remap.js";
import type { UnityCatalogRequest as RestoreRequest } from "../catalog.js";
import {
  API,
  blockedViews,
  viewDependencies,
  UC,
  describeDifference,
  describeGrants,
  desiredBody,
  differences,
  beforeAfter,
  alterTableSql,
  createTableSql,
  getObject,
  grantChanges,
  grantSet,
  grantSetsEqual,
  type GrantSet,
  isAlreadyExists,
  noDifference,
  sqlString,
  objectPath,
  readBackup,
  readGrants,
  restoreKindOf,
  securableKey,
  text,
  type Json,
  type RestoreKind,
  type UcBackup,
  type UcObject,
} from "./unity-catalog/model.js";
import {
  findWarehouse,
  metastoreExists,
  quoteName,
  readAssignment,
  readInventory,
  runStatement,
  targetMetastoreConfig,
  workspaceIdFromUrl,
  type Inventory,
  type TargetAssignment,
} from "./unity-catalog/target.js";
import { mapLimit } from "../../concurrency.js";
import { readPlan } from "../engine/engine.js";
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";

const COMPONENT = "metadata";
/** The manifest this scenario restores from (manifests are keyed domain/component). */
const INPUT = `unity-catalog/${COMPONENT}`;

export const UC_STEPS: PlanStep[] = [
  {
    kind: "items",
    ordering: "serial",
    name: "metastore-assignment",
    title: "Metastore assignment",
    why: "Every Unity Catalog call goes through the target workspace, which must have the target metastore assigned first.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "storage-credentials",
    title: "Storage credentials",
    why: "External locations name a storage credential, so credentials come first.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "external-locations",
    title: "External locations",
    why: "Catalog storage roots, external tables and external volumes must fall under an external location.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "connections",
    title: "Connections",
    why: "Foreign catalogs name a connection.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "catalogs",
    title: "Catalogs",
    why: "Schemas live in catalogs.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "schemas",
    title: "Schemas",
    why: "Tables, views, volumes and functions live in schemas.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "tables",
    title: "Tables",
    why: "External tables are re-registered at their locations before the views that read them.",
  },
  {
    kind: "items",
    ordering: "dependency",
    name: "views",
    title: "Views",
    why: "Views resolve the tables (and views) they select from when created.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "volumes",
    title: "Volumes",
    why: "Leaf securables in schemas; no dependants.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "functions",
    title: "Functions",
    why: "Leaf securables in schemas; no dependants.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "grants",
    title: "Grants",
    why: "Privileges attach to securables, so every securable must exist first.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "owners",
    title: "Owners",
    why: "Handing ownership away first could take away the restoring identity's right to create and grant.",
  },
  {
    kind: "items",
    ordering: "parallel",
    name: "workspace-bindings",
    title: "Isolation and workspace bindings (catalogs, storage credentials, external locations)",
    why: "Last: an ISOLATED catalog, credential or location answers only to its bound workspaces, so isolating it earlier could lock the restore out of what it still has to create.",
  },
];

const STEP_OF: Record<RestoreKind, string> = {
  storage_credential: "storage-credentials",
  external_location: "external-locations",
  connection: "connections",
  catalog: "catalogs",
  schema: "schemas",
  external_table: "tables",
  managed_table: "tables",
  view: "views",
  volume: "volumes",
  function: "functions",
};

type Request = RestoreRequest;

// ---- helpers --------------------------------------------------------------------------------------------

interface Target {
  client: DatabricksClient;
  workspace: string;
  workspaceUrl: string;
  configuredMetastoreId?: string;
}

function target(ctx: SourceContext, request: Request): Target {
  const metastore = targetMetastoreConfig(ctx.config, request.target);
  const workspace = ctx.config.databricks.workspaces.find((w) => w.id === metastore.workspace);
  if (!workspace)
    throw new AzdrError(
      "INVALID_CONFIG",
      `metastore "${metastore.id}" names unknown workspace "${metastore.workspace}"`,
    );
  return {
    client: ctx.databricks(metastore.workspace),
    workspace: metastore.workspace,
    workspaceUrl: workspace.url,
    ...(metastore.metastoreId ? { configuredMetastoreId: metastore.metastoreId } : {}),
  };
}

function backupOf(manifests: Manifests): UcBackup {
  const manifest = manifests[INPUT];
  if (!manifest) throw new AzdrError("NOT_FOUND", "no Unity Catalog metadata snapshot was loaded");
  return readBackup(manifest);
}

function objectKey(type: SecurableType, fullName: string): string {
  return `${type}/${fullName}`;
}

function parseKey(key: string): { type: SecurableType; fullName: string } {
  const slash = key.indexOf("/");
  return { type: key.slice(0, slash) as SecurableType, fullName: key.slice(slash + 1) };
}

/**
 * Errors that end the batch (the activity retries it, or the run fails): throttling the client
 * could not ride out, outages, authentication. A 500 is the service failing on this one object:
 * it is not re-sent (a POST may have run) and becomes the object's failure; the re-run's
 * check-then-write finds out what happened.
 */
function mustThrow(error: unknown): boolean {
  if (!isAzdrError(error)) return false;
  if (error.code === "UNAUTHORIZED" || error.code === "THROTTLED") return true;
  if (error.code === "UNAVAILABLE") return !(error instanceof DatabricksError && error.status === 500);
  return false;
}

function failed(step: string, key: string, error: unknown): ItemResult {
  if (mustThrow(error)) throw error;
  return { step, key, status: "failed", detail: errorMessage(error) };
}

async function definitions(ctx: SourceContext, objects: UcObject[]): Promise<Map<string, Json>> {
  const out = new Map<string, Json>();
  await mapLimit(objects, 16, async (o) => {
    out.set(o.sha256, await ctx.store.getJson<Json>(o.sha256));
  });
  return out;
}

function isSelected(request: Request, fullName: string): boolean {
  return selected(fullName, request.include, request.exclude);
}

/** The target metastore id the grants and assignment step use. */
function targetMetastoreId(assignment: TargetAssignment, t: Target): string | undefined {
  return assignment.metastoreId ?? t.configuredMetastoreId;
}

// ---- preflight ------------------------------------------------------------------------------------------

async function preflight(
  ctx: SourceContext,
  request: Request,
  manifests: Manifests,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const t = target(ctx, request);
  const backup = backupOf(manifests);
  const assignment = await readAssignment(t.client, t.workspaceUrl);
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
  } else if (!(await metastoreExists(t.client, t.configuredMetastoreId))) {
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
  const defs = await definitions(
    ctx,
    backup.objects.filter((o) => o.type === "table" && isSelected(request, o.fullName)),
  );
  // What the REST API cannot create goes through SQL: views, non-Delta external tables and, when
  // asked, managed tables re-created empty.
  const bySql = [...defs.values()].filter((d) => {
    const kind = restoreKindOf("table", d)!;
    return kind === "view" || isNonDelta(kind, d) || (kind === "managed_table" && recreatesManaged(request));
  }).length;
  if (bySql > 0) {
    const warehouse = await findWarehouse(t.client).catch(() => undefined);
    checks.push({
      name: "SQL warehouse for views and SQL-created tables",
      ok: warehouse !== undefined,
      blocking: false,
      detail: warehouse
        ? `${bySql} view(s) and table(s) will be created with SQL on warehouse ${warehouse}`
        : `${bySql} view(s) and table(s) need a SQL warehouse in workspace "${t.workspace}" and there is none`,
      ...(warehouse ? {} : { fix: "create a SQL warehouse in the target workspace before approving" }),
    });
  }
  return checks;
}

// ---- plan -----------------------------------------------------------------------------------------------

interface PlanContext {
  request: Request;
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

function recreatesManaged(request: Request): boolean {
  return request.managedTables === "recreate-empty";
}

/** An external table the Tables API will not register (CSV, Parquet, JSON…): created with SQL. */
function isNonDelta(kind: RestoreKind, def: Json): boolean {
  return kind === "external_table" && text(def["data_source_format"], "DELTA").toUpperCase() !== "DELTA";
}

/**
 * Views blocked by tables that will not exist in the target: MANAGED ones not there already,
 * unless the operator asked for their definitions to be re-created empty, and tables of a
 * backed-up catalog that are not in the backup at all (the backup could not read inside an
 * ISOLATED catalog) nor in the target.
 */
function viewsBlocked(
  objects: UcObject[],
  defs: Map<string, Json>,
  inventory: Inventory,
  request: Request,
  backup: UcBackup,
): Map<string, string> {
  const missing = new Set<string>();
  const views = new Map<string, Json>();
  const backedUp = new Set(backup.objects.map((o) => o.fullName.toLowerCase()));
  const catalogs = new Set(
    backup.objects.filter((o) => o.type === "catalog").map((o) => o.fullName.toLowerCase()),
  );
  for (const o of objects) {
    if (o.type !== "table") continue;
    const def = defs.get(o.sha256)!;
    if (restoreKindOf(o.type, def) !== "view") continue;
    for (const dep of viewDependencies(def))
      if (
        catalogs.has(dep.split(".")[0]!) &&
        !backedUp.has(dep) &&
        !inventory.has(securableKey("table", dep))
      )
        missing.add(dep);
  }
  for (const o of objects) {
    if (o.type !== "table") continue;
    const def = defs.get(o.sha256)!;
    const kind = restoreKindOf(o.type, def);
    const name = o.fullName.toLowerCase();
    if (kind === "view") views.set(name, def);
    else if (
      kind === "managed_table" &&
      !recreatesManaged(request) &&
      !inventory.has(securableKey("table", name))
    )
      missing.add(name);
  }
  return blockedViews(views, missing);
}

function planObject(p: PlanContext, o: UcObject, def: Json): PlanItem {
  const kind = restoreKindOf(o.type, def)!;
  const step = STEP_OF[kind];
  const key = objectKey(o.type, o.fullName);
  const base = { step, key, kind, target: o.fullName, sha256: o.sha256 };
  const skey = securableKey(o.type, o.fullName);
  const existing = p.inventory.get(skey);
  if (existing) p.preexisting.add(skey);
  const keep = (reason: string): PlanItem => {
    if (existing) p.willExist.add(skey);
    return { ...base, action: existing ? "skip" : "unsupported", reason };
  };

  const blockedBy = kind === "view" ? p.blocked.get(o.fullName.toLowerCase()) : undefined;
  if (blockedBy && !existing) {
    return keep(
      p.backedUp.has(blockedBy)
        ? `reads ${blockedBy}, which is not restored (MANAGED: restore its data first, runbook 7.6, or ask for managedTables=recreate-empty); re-run this restore afterwards to create the view`
        : `reads ${blockedBy}, which is neither in the backup (see the snapshot's skipped entries) nor in the target; create it, then re-run this restore to create the view`,
    );
  }
  if (kind === "managed_table" && !existing && !recreatesManaged(p.request)) {
    return keep(
      `MANAGED table: its data lives in managed storage (${text(def["storage_location"], "?")}). Restore the data with Delta DEEP CLONE from a replica or a storage-level restore of the managed location (runbook 7.6), then re-run this restore for its grants and owner; or re-run with managedTables=recreate-empty to re-create its definition empty now`,
    );
  }
  if (kind === "storage_credential" && !def["azure_managed_identity"]) {
    return keep(
      existing
        ? "exists in the target"
        : "not a managed-identity credential: its secret is not (and never is) in the backup; re-create it with its secret, or move it to an access connector",
    );
  }
  const desired = desiredBody(kind, def, p.request.remap);
  if (kind === "connection")
    p.notes.push(`Connection ${o.fullName}: re-enter its credentials (backups hold no secrets).`);
  if (kind === "volume" && def["volume_type"] !== "EXTERNAL")
    p.notes.push(
      `Volume ${o.fullName} is MANAGED: it is re-created empty; copy its files back (runbook 7.6).`,
    );

  if (!existing) {
    if (kind === "external_location") {
      const url = String(desired["url"]).replace(/\/+$/, "");
      for (const [k, other] of p.inventory) {
        if (!k.startsWith("external_location/")) continue;
        const otherUrl = text(other["url"], "").replace(/\/+$/, "");
        if (otherUrl && (url.startsWith(otherUrl) || otherUrl.startsWith(url)))
          return {
            ...base,
            action: "conflict",
            reason: `URL ${url} overlaps existing external location "${String(other["name"])}" (${otherUrl}); remap it (abfssRoots / storageAccounts) or remove the other one`,
          };
      }
    }
    p.willExist.add(skey);
    const format = text(desired["data_source_format"], "DELTA");
    const reason = !p.readable
      ? "create (target metastore not readable until it is assigned; existence is checked again when executing)"
      : kind === "connection"
        ? "create without credentials: re-enter them afterwards (backups hold no secrets)"
        : kind === "view"
          ? "create with CREATE VIEW on a SQL warehouse"
          : kind === "managed_table"
            ? `re-create its definition EMPTY with CREATE TABLE … USING ${format} on a SQL warehouse (managedTables=recreate-empty); its data comes from the data-recovery scenario (runbook 7.6)`
            : isNonDelta(kind, def)
              ? `create with CREATE TABLE … USING ${format} LOCATION '${String(desired["storage_location"])}' on a SQL warehouse (the Tables API registers only Delta tables)`
              : kind === "external_table"
                ? `re-register at ${String(desired["storage_location"])}`
                : "create";
    return { ...base, action: "create", reason };
  }
  p.willExist.add(skey);
  const d = differences(kind, desired, existing);
  if (noDifference(d)) return { ...base, action: "skip", reason: "exists and matches the backup" };
  if (p.request.existing === "skip")
    return { ...base, action: "skip", reason: `exists and ${describeDifference(d)}; existing=skip keeps it` };
  // Dropping a managed table deletes its data: never part of a metadata restore.
  if ((d.replace.length || d.fixed.length) && existing["table_type"] === "MANAGED")
    return {
      ...base,
      action: "conflict",
      reason: `exists as a MANAGED table and ${describeDifference(d)}; changing that means dropping it, which deletes its data, so azdr never does it: align it by hand (ALTER TABLE) or restore its data first (runbook 7.6)`,
    };
  if (d.fixed.length)
    return {
      ...base,
      action: "conflict",
      reason: `exists and ${describeDifference(d)}; drop it in the target (or change the remap rules) to restore the backup's`,
    };
  const how = (fields: string[]) =>
    o.type === "table"
      ? "with SQL (COMMENT ON / ALTER TABLE … SET TBLPROPERTIES)"
      : `(PATCH ${fields.join(", ")})`;
  if (d.replace.length) {
    p.replaced.add(skey);
    p.destructive.push(
      `${o.fullName} (${kind}) is dropped and re-created to change ${beforeAfter(kind, desired, existing, [...d.replace, ...d.mutable])}${kind === "external_table" ? " (metadata only: the data at its location is untouched)" : ""}; its current definition and grants are saved to the run record first, and its grants and owner re-applied after`,
    );
  } else {
    p.destructive.push(
      `${o.fullName} (${kind}) is updated in place ${how(d.mutable)}: ${beforeAfter(kind, desired, existing, d.mutable)}`,
    );
  }
  return { ...base, action: "update", reason: `exists and ${describeDifference(d)}` };
}

// ---- workspace bindings ---------------------------------------------------------------------------------

interface Binding {
  workspace_id: number;
  binding_type: string;
}

const READ_WRITE = "BINDING_TYPE_READ_WRITE";

function bindingList(value: unknown): Binding[] {
  return (Array.isArray(value) ? (value as Json[]) : [])
    .map((b) => ({
      workspace_id: Number(b["workspace_id"]),
      binding_type:
        typeof b["binding_type"] === "string" && b["binding_type"] !== "BINDING_TYPE_UNSPECIFIED"
          ? b["binding_type"]
          : READ_WRITE,
    }))
    .filter((b) => Number.isInteger(b.workspace_id))
    .sort((a, b) => a.workspace_id - b.workspace_id);
}

function describeBindings(bindings: Binding[]): string {
  return bindings.length
    ? bindings.map((b) => `${b.workspace_id} (${b.binding_type.replace("BINDING_TYPE_", "")})`).join(", ")
    : "none";
}

function sameBindings(a: Binding[], b: Binding[]): boolean {
  return describeBindings(a) === describeBindings(b);
}

/** Securable types that take workspace bindings, how each spells "isolated", and its label. */
const BINDABLE: Partial<Record<SecurableType, { isolated: string; open: string; label: string }>> = {
  catalog: { isolated: "ISOLATED", open: "OPEN", label: "Catalog" },
  external_location: {
    isolated: "ISOLATION_MODE_ISOLATED",
    open: "ISOLATION_MODE_OPEN",
    label: "External location",
  },
  storage_credential: {
    isolated: "ISOLATION_MODE_ISOLATED",
    open: "ISOLATION_MODE_OPEN",
    label: "Storage credential",
  },
};

function bindable(type: SecurableType): { isolated: string; open: string; label: string } {
  const found = BINDABLE[type];
  if (!found) throw new AzdrError("INVALID_INPUT", `${type} securables take no workspace bindings`);
  return found;
}

async function readBindings(client: DatabricksClient, type: SecurableType, name: string): Promise<Binding[]> {
  const all: Json[] = [];
  for await (const b of client.paginate<Json>(
    `${UC}/bindings/${type}/${encodeURIComponent(name)}`,
    "bindings",
    {
      max_results: 0,
    },
  ))
    all.push(b);
  return bindingList(all);
}

/**
 * Backed-up workspace id → target workspace id: the request's remap.workspaceIds rules, and the
 * backed-up metastore's own workspace (from the backup's assignment record, else its configured
 * URL) → the workspace the restore runs through.
 */
async function workspaceIdMap(
  ctx: SourceContext,
  request: Request,
  backup: UcBackup,
  targetWorkspaceId: string | undefined,
): Promise<{ map: Map<number, number>; source?: string }> {
  const map = new Map<number, number>();
  let source: string | undefined;
  if (backup.assignmentSha)
    source = text((await ctx.store.getJson<Json>(backup.assignmentSha))["workspace_id"]) || undefined;
  if (!source) {
    const metastore = ctx.config.unityCatalog.metastores.find((m) => m.id === request.source);
    const url = ctx.config.databricks.workspaces.find((w) => w.id === metastore?.workspace)?.url;
    source = url ? workspaceIdFromUrl(url) : undefined;
  }
  if (source && targetWorkspaceId) map.set(Number(source), Number(targetWorkspaceId));
  for (const rule of request.remap.workspaceIds) map.set(Number(rule.from), Number(rule.to));
  return { map, ...(source ? { source } : {}) };
}

async function planBindings(
  ctx: SourceContext,
  request: Request,
  backup: UcBackup,
  p: PlanContext,
  targetWorkspaceId: string | undefined,
): Promise<PlanItem[]> {
  const entries = [...backup.bindings.values()].filter(
    (b) => BINDABLE[b.type] !== undefined && isSelected(request, b.fullName),
  );
  if (entries.length === 0) return [];
  const { map, source } = await workspaceIdMap(ctx, request, backup, targetWorkspaceId);
  const t = target(ctx, request);
  const items: PlanItem[] = [];
  for (const entry of entries) {
    const { isolated, open, label } = bindable(entry.type);
    const skey = securableKey(entry.type, entry.fullName);
    const base = {
      step: "workspace-bindings",
      key: objectKey(entry.type, entry.fullName),
      kind: "workspace-bindings",
      target: entry.fullName,
      sha256: entry.sha256,
    };
    if (!p.willExist.has(skey)) {
      items.push({ ...base, action: "skip", reason: `its ${entry.type} is not restored (see its step)` });
      continue;
    }
    const backedUp = bindingList((await ctx.store.getJson<Json>(entry.sha256))["bindings"]);
    const remapped: string[] = [];
    const dropped: number[] = [];
    const wanted = new Map<number, Binding>();
    for (const b of backedUp) {
      const to = map.get(b.workspace_id);
      if (to === undefined) {
        dropped.push(b.workspace_id);
        continue;
      }
      if (to !== b.workspace_id) remapped.push(`${b.workspace_id} → ${to}`);
      wanted.set(to, { workspace_id: to, binding_type: b.binding_type });
    }
    // The workspace azdr restores through stays bound: without it, validation and every re-run of
    // this restore would be locked out of the catalog. Said in the plan when the backup did not bind it.
    const restoring = targetWorkspaceId ? Number(targetWorkspaceId) : undefined;
    if (restoring !== undefined && !wanted.has(restoring)) {
      wanted.set(restoring, { workspace_id: restoring, binding_type: READ_WRITE });
      p.notes.push(
        `${label} ${entry.fullName}: the workspace azdr restores through (${restoring}) stays bound (read-write) so the restore can validate and re-run, though the backup did not bind its counterpart; unbind it by hand if it must not reach the ${label.toLowerCase()}.`,
      );
    }
    const desired = [...wanted.values()].sort((a, b) => a.workspace_id - b.workspace_id);
    const how = [
      `${isolated}, bound to ${describeBindings(desired)}`,
      remapped.length ? `workspace ids remapped ${remapped.join(", ")}` : "",
      dropped.length
        ? `not bound: ${dropped.join(", ")} (no DR counterpart${source ? ` — only the backed-up workspace ${source} maps by default` : ""}; add remap.workspaceIds rules or bind them by hand)`
        : "",
    ]
      .filter(Boolean)
      .join("; ");
    if (dropped.length)
      p.notes.push(
        `${label} ${entry.fullName}: workspace(s) ${dropped.join(", ")} were bound in the backup and have no mapping to the target; bind their DR counterparts by hand (or add remap.workspaceIds rules) after the restore.`,
      );
    const item = { ...base, meta: { bindings: desired } };
    if (!p.preexisting.has(skey)) {
      items.push({ ...item, action: "create", reason: `make it ${how}` });
      continue;
    }
    const existing = p.inventory.get(skey) ?? {};
    const mode = text(existing["isolation_mode"], open);
    const current = mode === isolated ? await readBindings(t.client, entry.type, entry.fullName) : [];
    if (mode === isolated && sameBindings(current, desired)) {
      items.push({ ...item, action: "skip", reason: `already ${how}` });
      continue;
    }
    if (request.existing === "skip") {
      items.push({
        ...item,
        action: "skip",
        reason: `exists ${mode}${mode === isolated ? ` bound to ${describeBindings(current)}` : ""}; existing=skip keeps it (backup: ${how})`,
      });
      continue;
    }
    p.destructive.push(
      `${entry.type} ${entry.fullName}: isolation ${mode} → ${isolated}; bindings ${describeBindings(current)} → ${describeBindings(desired)} (workspaces not listed lose access)`,
    );
    items.push({ ...item, action: "update", reason: `make it ${how}` });
  }
  return items;
}

async function plan(ctx: SourceContext, request: Request, manifests: Manifests) {
  const t = target(ctx, request);
  const backup = backupOf(manifests);
  const assignment = await readAssignment(t.client, t.workspaceUrl);
  const readable = assignment.metastoreId !== undefined;
  const objects = backup.objects.filter((o) => isSelected(request, o.fullName));
  const inventory = readable ? await readInventory(t.client, objects) : new Map<string, Json>();
  const defs = await definitions(ctx, objects);
  const p: PlanContext = {
    request,
    readable,
    inventory,
    willExist: new Set(),
    preexisting: new Set(),
    replaced: new Set(),
    destructive: [],
    notes: [],
    blocked: viewsBlocked(objects, defs, inventory, request, backup),
    backedUp: new Set(backup.objects.map((o) => o.fullName.toLowerCase())),
  };
  const items: PlanItem[] = [];
  const metastoreId = targetMetastoreId(assignment, t);

  // Metastore assignment.
  if (assignment.metastoreId) {
    items.push({
      step: "metastore-assignment",
      key: `metastore/${assignment.metastoreId}`,
      kind: "metastore-assignment",
      action: "skip",
      reason: `workspace "${t.workspace}" is already assigned metastore ${assignment.metastoreId}`,
      target: assignment.metastoreId,
    });
  } else if (metastoreId) {
    items.push({
      step: "metastore-assignment",
      key: `metastore/${metastoreId}`,
      kind: "metastore-assignment",
      action: "create",
      reason: `assign metastore ${metastoreId} to workspace ${assignment.workspaceId ?? "?"} ("${t.workspace}")`,
      target: metastoreId,
      ...(backup.assignmentSha ? { sha256: backup.assignmentSha } : {}),
      ...(assignment.workspaceId ? { sourceId: assignment.workspaceId } : {}),
    });
  }

  // Securables, in step order.
  const order = new Map(UC_STEPS.map((s, i) => [s.name, i]));
  const planned = objects.map((o) => planObject(p, o, defs.get(o.sha256)!));
  planned.sort((a, b) => (order.get(a.step) ?? 0) - (order.get(b.step) ?? 0));
  items.push(...planned);

  // Grants: one item per securable with grants in the backup.
  const grantEntries = [...backup.grants.values()].filter(
    (g) => g.type === "metastore" || isSelected(request, g.fullName),
  );
  const grantItems = await mapLimitPlan(grantEntries, async (g): Promise<PlanItem | undefined> => {
    const isMetastore = g.type === "metastore";
    const targetName = isMetastore ? metastoreId : g.fullName;
    const body = await ctx.store.getJson<{
      privilege_assignments?: { principal?: string; privileges?: unknown[] }[];
    }>(g.sha256);
    const desired = grantSet(body.privilege_assignments, request.remap);
    const base = { step: "grants", key: objectKey(g.type, g.fullName), kind: "grants", sha256: g.sha256 };
    if (!targetName) return { ...base, action: "skip", reason: "no target metastore id known" };
    const skey = securableKey(g.type, g.fullName);
    const exists = isMetastore ? readable : p.preexisting.has(skey);
    if (!isMetastore && !p.willExist.has(skey))
      return desired.size
        ? {
            ...base,
            target: targetName,
            action: "skip",
            reason: "its securable is not restored (see its step)",
          }
        : undefined;
    const removeExtras = request.existing === "update" && !isMetastore;
    if (!exists) {
      if (desired.size === 0) return undefined;
      return { ...base, target: targetName, action: "create", reason: `grant ${describeGrants(desired)}` };
    }
    const current = await readGrants(t.client, g.type, targetName);
    const changes = grantChanges(desired, current, removeExtras);
    // A dropped and re-created table loses its grants: grant the backup's again afterwards.
    if (changes.length === 0 && p.replaced.has(skey))
      return desired.size
        ? {
            ...base,
            target: targetName,
            action: "update",
            reason: `re-grant after re-creating it: ${describeGrants(desired)}`,
          }
        : undefined;
    if (changes.length === 0)
      return {
        ...base,
        target: targetName,
        action: "skip",
        reason: grantSetsEqual(desired, current)
          ? "grants already equal the backup's"
          : isMetastore
            ? "the backup's metastore grants are present (metastore grants are only ever added)"
            : "the backup's grants are present; existing=skip keeps the extra ones",
      };
    const adds = changes.reduce((n, c) => n + (c.add?.length ?? 0), 0);
    const removes = changes.reduce((n, c) => n + (c.remove?.length ?? 0), 0);
    if (removes)
      p.destructive.push(
        `${g.type} ${targetName}: revoke ${removes} privilege(s) not in the backup (${changes
          .filter((c) => c.remove)
          .map((c) => `${c.principal} -${c.remove!.join(",")}`)
          .join("; ")}): grants {${describeGrants(current)}} → {${describeGrants(desired)}}`,
      );
    return {
      ...base,
      target: targetName,
      action: "update",
      reason: `add ${adds} privilege(s)${removes ? `, revoke ${removes}` : ""}: ${changes
        .map(
          (c) =>
            `${c.principal}${c.add ? ` +${c.add.join(",")}` : ""}${c.remove ? ` -${c.remove.join(",")}` : ""}`,
        )
        .join("; ")}`,
    };
  });
  items.push(...grantItems.filter((i): i is PlanItem => i !== undefined));

  // Owners.
  for (const o of objects) {
    const def = defs.get(o.sha256)!;
    const owner = typeof def["owner"] === "string" ? def["owner"] : o.owner;
    if (!owner) continue;
    const skey = securableKey(o.type, o.fullName);
    const base = {
      step: "owners",
      key: objectKey(o.type, o.fullName),
      kind: "owner",
      target: o.fullName,
      sha256: o.sha256,
    };
    const wanted = remapPrincipal(owner, request.remap);
    if (!p.willExist.has(skey)) {
      items.push({ ...base, action: "skip", reason: "its securable is not restored (see its step)" });
      continue;
    }
    const existing = inventory.get(skey);
    if (p.replaced.has(skey)) {
      items.push({ ...base, action: "update", reason: `owner → ${wanted} again after re-creating it` });
      continue;
    }
    if (existing && existing["owner"] === wanted) {
      items.push({ ...base, action: "skip", reason: `owner is already ${wanted}` });
      continue;
    }
    if (existing && request.existing === "skip") {
      items.push({
        ...base,
        action: "skip",
        reason: `exists; existing=skip keeps its owner ${String(existing["owner"])} (backup: ${wanted})`,
      });
      continue;
    }
    if (existing)
      p.destructive.push(`${o.type} ${o.fullName}: owner ${String(existing["owner"])} → ${wanted}`);
    items.push({
      ...base,
      action: "update",
      reason: `owner → ${wanted}${wanted !== owner ? ` (remapped from ${owner})` : ""}`,
    });
  }

  // Isolation and workspace bindings of ISOLATED catalogs, workspace ids remapped to the target's.
  items.push(...(await planBindings(ctx, request, backup, p, assignment.workspaceId)));

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
  const connectors = objects.filter((o) => o.type === "storage_credential").length;
  if (connectors && request.remap.accessConnectors.length === 0)
    notes.push(
      "Storage credentials keep their access connector ids: make sure those connectors exist and can reach the target storage.",
    );
  return { items, destructive: p.destructive, notes };
}

async function mapLimitPlan<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  return mapLimit(items, 8, fn);
}

// ---- execute --------------------------------------------------------------------------------------------

interface ExecContext {
  ctx: SourceContext;
  request: Request;
  t: Target;
  planId: string;
  warehouse?: string | null;
}

/** Run one statement on a SQL warehouse of the target; SQL errors become AzdrErrors naming `what`. */
async function sql(e: ExecContext, statement: string, what: string): Promise<void> {
  if (e.warehouse === undefined) e.warehouse = (await findWarehouse(e.t.client)) ?? null;
  if (!e.warehouse)
    throw new AzdrError(
      "PRECONDITION_FAILED",
      `no SQL warehouse in workspace "${e.t.workspace}" to run ${what} on`,
    );
  const outcome = await runStatement(e.t.client, e.warehouse, statement);
  if (!outcome.ok) {
    if (/ALREADY_EXISTS/.test(outcome.message ?? ""))
      throw new AzdrError("ALREADY_EXISTS", outcome.message ?? "already exists");
    throw new AzdrError(
      /NOT_FOUND|DOES_NOT_EXIST/.test(outcome.message ?? "") ? "NOT_FOUND" : "INVALID_INPUT",
      `${what}: ${outcome.message ?? "failed"}`,
    );
  }
}

async function createObject(
  e: ExecContext,
  kind: RestoreKind,
  fullName: string,
  desired: Json,
): Promise<void> {
  const { client } = e.t;
  if (kind === "view") {
    await sqlView(e, fullName, desired, false);
    return;
  }
  // The Tables API registers external Delta tables only: other formats, and managed tables
  // re-created empty, go through CREATE TABLE.
  if (kind === "managed_table" || isNonDelta(kind, desired)) {
    await sql(e, createTableSql(desired, kind === "managed_table"), `CREATE TABLE ${fullName}`);
    return;
  }
  const api = API[kind === "external_table" ? "table" : kind];
  await client.post(`${UC}/${api}`, desired);
}

async function sqlView(e: ExecContext, fullName: string, desired: Json, replace: boolean): Promise<void> {
  const comment =
    typeof desired["comment"] === "string" && desired["comment"]
      ? ` COMMENT ${sqlString(desired["comment"])}`
      : "";
  await sql(
    e,
    `CREATE ${replace ? "OR REPLACE " : ""}VIEW ${quoteName(fullName)}${comment} AS ${text(desired["view_definition"], "")}`,
    `CREATE VIEW ${fullName}`,
  );
}

async function updateObject(
  e: ExecContext,
  kind: RestoreKind,
  type: SecurableType,
  fullName: string,
  desired: Json,
  fields: string[],
): Promise<void> {
  // The Tables API changes a table's owner only: comment and properties change with SQL.
  if (type === "table") {
    for (const statement of alterTableSql(fullName, desired, fields))
      await sql(e, statement, `${statement.split(" ").slice(0, 2).join(" ")} ${fullName}`);
    return;
  }
  const body: Json = {};
  for (const f of fields) body[f] = desired[f];
  await e.t.client.request("PATCH", objectPath(type, fullName), { body });
}

/** Where the definition and grants of an object replaced by this run are kept (to roll back by hand). */
function priorPath(planId: string, type: SecurableType, fullName: string): string {
  return runRecordPath(planId, `prior/${type}/${encodeURIComponent(fullName)}.json`);
}

async function replaceObject(
  e: ExecContext,
  kind: RestoreKind,
  type: SecurableType,
  fullName: string,
  desired: Json,
  existing: Json,
) {
  if (kind === "view") return sqlView(e, fullName, desired, true);
  // Before dropping anything: what it was, and who could use it, into the run record.
  const grants = await e.t.client.get<Json>(`${UC}/permissions/${type}/${encodeURIComponent(fullName)}`);
  await e.ctx.store.blobs.put(
    REPORTS_CONTAINER,
    priorPath(e.planId, type, fullName),
    JSON.stringify(
      {
        securable_type: type,
        full_name: fullName,
        definition: existing,
        privilege_assignments: grants["privilege_assignments"] ?? [],
      },
      null,
      2,
    ),
    "application/json",
  );
  await e.t.client.request("DELETE", objectPath(type, fullName));
  await createObject(e, kind, fullName, desired);
}

async function executeObject(e: ExecContext, item: PlanItem): Promise<ItemResult> {
  const { type, fullName } = parseKey(item.key);
  const def = await e.ctx.store.getJson<Json>(item.sha256!);
  const kind = restoreKindOf(type, def)!;
  const desired = desiredBody(kind, def, e.request.remap);
  const result = (status: ItemResult["status"], detail?: string): ItemResult => ({
    step: item.step,
    key: item.key,
    status,
    ...(detail ? { detail } : {}),
  });
  let existing = await getObject(e.t.client, type, fullName);
  if (!existing) {
    try {
      await createObject(e, kind, fullName, desired);
      return result(
        "created",
        kind === "managed_table" ? "re-created EMPTY: restore its data (runbook 7.6)" : undefined,
      );
    } catch (error) {
      if (kind === "connection" && !isAlreadyExists(error) && !mustThrow(error))
        return result(
          "failed",
          `${errorMessage(error)}: create it with its credentials (options ${Object.keys(desired["options"] ?? {}).join(", ") || "none"} plus the secret ones the backup never holds), then re-run for its grants and owner`,
        );
      if (!isAlreadyExists(error)) throw error;
      existing = await getObject(e.t.client, type, fullName);
      if (!existing) throw error;
    }
  }
  // It exists. A "create" item found it absent when planning: an earlier attempt of this restore
  // (or its parent's creation, like a catalog's default schema) made it, so bring it to the
  // backup's definition. An "update" item was approved to change it.
  const d = differences(kind, desired, existing);
  if (noDifference(d)) return result("skipped", "already exists and matches the backup");
  if (item.action === "create" && e.request.existing === "skip" && (d.replace.length || d.fixed.length))
    return result("skipped", `appeared after planning and ${describeDifference(d)}; existing=skip keeps it`);
  if (d.fixed.length)
    return result("failed", `exists and ${describeDifference(d)}; drop it in the target and re-run`);
  if (d.replace.length) {
    // Only a replace the approver saw in the plan: anything else changed since planning.
    if (item.action !== "update" || !item.reason.includes("needs re-creating"))
      return result(
        "failed",
        `changed since planning: now ${describeDifference(d)}; plan again to review re-creating it`,
      );
    if (existing["table_type"] === "MANAGED")
      return result(
        "failed",
        `exists as a MANAGED table and ${describeDifference(d)}; azdr never drops a managed table`,
      );
    await replaceObject(e, kind, type, fullName, desired, existing);
    return result(
      "updated",
      `re-created (${d.replace.join(", ")}); its prior definition and grants are in ${priorPath(e.planId, type, fullName)}`,
    );
  }
  await updateObject(e, kind, type, fullName, desired, d.mutable);
  return result("updated", `updated ${d.mutable.join(", ")}${type === "table" ? " with SQL" : ""}`);
}

async function executeAssignment(e: ExecContext, item: PlanItem): Promise<ItemResult> {
  const base = { step: item.step, key: item.key };
  const metastoreId = item.target!;
  const assignment = await readAssignment(e.t.client, e.t.workspaceUrl);
  if (assignment.metastoreId === metastoreId)
    return { ...base, status: "skipped", detail: "already assigned" };
  if (assignment.metastoreId)
    return {
      ...base,
      status: "failed",
      detail: `workspace is assigned metastore ${assignment.metastoreId}, not ${metastoreId}; re-assign it (runbook 7.4 step 8)`,
    };
  const workspaceId = item.sourceId ?? assignment.workspaceId;
  if (!workspaceId)
    return {
      ...base,
      status: "failed",
      detail: "the workspace id is unknown; assign the metastore yourself",
    };
  const backupAssignment = item.sha256 ? await e.ctx.store.getJson<Json>(item.sha256) : {};
  await e.t.client.request("PUT", `${UC}/workspaces/${workspaceId}/metastore`, {
    body: {
      metastore_id: metastoreId,
      default_catalog_name: text(backupAssignment["default_catalog_name"], "main"),
    },
  });
  return {
    ...base,
    status: "created",
    detail: `assigned metastore ${metastoreId} to workspace ${workspaceId}`,
  };
}

async function executeGrants(e: ExecContext, item: PlanItem): Promise<ItemResult> {
  const { type } = parseKey(item.key);
  const targetName = item.target!;
  const body = await e.ctx.store.getJson<{
    privilege_assignments?: { principal?: string; privileges?: unknown[] }[];
  }>(item.sha256!);
  const desired = grantSet(body.privilege_assignments, e.request.remap);
  const current = await readGrants(e.t.client, type, targetName);
  const removeExtras = e.request.existing === "update" && type !== "metastore";
  const changes = grantChanges(desired, current, removeExtras);
  if (changes.length === 0)
    return { step: item.step, key: item.key, status: "skipped", detail: "grants already as in the backup" };
  await e.t.client.request("PATCH", `${UC}/permissions/${type}/${encodeURIComponent(targetName)}`, {
    body: { changes },
  });
  return {
    step: item.step,
    key: item.key,
    status: item.action === "create" ? "created" : "updated",
    detail: changes
      .map(
        (c) =>
          `${c.principal}${c.add ? ` +${c.add.join(",")}` : ""}${c.remove ? ` -${c.remove.join(",")}` : ""}`,
      )
      .join("; "),
  };
}

async function executeOwner(e: ExecContext, item: PlanItem): Promise<ItemResult> {
  const { type, fullName } = parseKey(item.key);
  const def = await e.ctx.store.getJson<Json>(item.sha256!);
  const owner = remapPrincipal(String(def["owner"]), e.request.remap);
  const existing = await getObject(e.t.client, type, fullName);
  if (!existing)
    return {
      step: item.step,
      key: item.key,
      status: "failed",
      detail: `${type} ${fullName} does not exist in the target`,
    };
  if (existing["owner"] === owner)
    return { step: item.step, key: item.key, status: "skipped", detail: `owner is already ${owner}` };
  await e.t.client.request("PATCH", objectPath(type, fullName), { body: { owner } });
  return {
    step: item.step,
    key: item.key,
    status: "updated",
    detail: `owner ${String(existing["owner"])} → ${owner}`,
  };
}

async function executeBindings(e: ExecContext, item: PlanItem): Promise<ItemResult> {
  const base = { step: item.step, key: item.key };
  const { type } = parseKey(item.key);
  const { isolated, open } = bindable(type);
  const name = item.target!;
  const desired = bindingList(item.meta?.["bindings"]);
  const existing = await getObject(e.t.client, type, name);
  if (!existing) return { ...base, status: "failed", detail: `${type} ${name} does not exist in the target` };
  const done: string[] = [];
  if (existing["isolation_mode"] !== isolated) {
    await e.t.client.request("PATCH", objectPath(type, name), {
      body: { isolation_mode: isolated },
    });
    done.push(`isolation ${text(existing["isolation_mode"], open)} → ${isolated}`);
  }
  const current = await readBindings(e.t.client, type, name);
  const wanted = new Map(desired.map((b) => [b.workspace_id, b.binding_type]));
  const add = desired.filter(
    (b) => !current.some((c) => c.workspace_id === b.workspace_id && c.binding_type === b.binding_type),
  );
  const remove = current.filter((c) => !wanted.has(c.workspace_id));
  if (add.length || remove.length) {
    await e.t.client.request("PATCH", `${UC}/bindings/${type}/${encodeURIComponent(name)}`, {
      body: { ...(add.length ? { add } : {}), ...(remove.length ? { remove } : {}) },
    });
    done.push(`bindings ${describeBindings(current)} → ${describeBindings(desired)}`);
  }
  if (done.length === 0)
    return {
      ...base,
      status: "skipped",
      detail: `already ${isolated}, bound to ${describeBindings(desired)}`,
    };
  return { ...base, status: item.action === "create" ? "created" : "updated", detail: done.join("; ") };
}

async function execute(
  ctx: SourceContext,
  request: Request,
  step: string,
  items: PlanItem[],
  run: RunState,
  _manifests: Manifests,
): Promise<ItemResult[]> {
  const e: ExecContext = { ctx, request, t: target(ctx, request), planId: run.planId };
  const one = async (item: PlanItem): Promise<ItemResult> => {
    try {
      if (step === "metastore-assignment") return await executeAssignment(e, item);
      if (step === "grants") return await executeGrants(e, item);
      if (step === "owners") return await executeOwner(e, item);
      if (step === "workspace-bindings") return await executeBindings(e, item);
      return await executeObject(e, item);
    } catch (error) {
      return failed(step, item.key, error);
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
      const r = await one(item);
      results.set(item.key, r);
      if (r.status === "failed" && /NOT_FOUND/.test(r.detail ?? "")) retry.push(item);
    }
    if (retry.length === pending.length) break;
    pending = retry;
  }
  return items.map((i) => results.get(i.key)!);
}

// ---- validate -------------------------------------------------------------------------------------------

const KIND_LABEL: Record<RestoreKind, string> = {
  storage_credential: "storage credentials",
  external_location: "external locations",
  connection: "connections",
  catalog: "catalogs",
  schema: "schemas",
  external_table: "external tables",
  managed_table: "managed tables (re-created empty)",
  view: "views",
  volume: "volumes",
  function: "functions",
};

const OBJECT_STEPS = new Set(Object.values(STEP_OF));

/** At most ten names, then how many more. */
function some(names: string[]): string {
  return `${names.slice(0, 10).join(" | ")}${names.length > 10 ? ` and ${names.length - 10} more` : ""}`;
}

/**
 * What the approved plan meant to be true afterwards, checked against the target as sets: the
 * objects it created, updated or found in place are present and equal to the backup's (fields
 * compared per kind), grants, owners, isolation and bindings are as planned. What the plan left
 * out (unsupported, conflict, or kept by existing=skip) is listed, never counted as missing.
 */
async function validate(
  ctx: SourceContext,
  request: Request,
  manifests: Manifests,
  run: RunState,
): Promise<ValidationCheck[]> {
  const t = target(ctx, request);
  const backup = backupOf(manifests);
  const approved = await readPlan(ctx, run.planId);
  const objects = backup.objects.filter((o) => isSelected(request, o.fullName));
  const assignment = await readAssignment(t.client, t.workspaceUrl);
  const checks: ValidationCheck[] = [];
  checks.push({
    name: "metastore assigned",
    ok: assignment.metastoreId !== undefined,
    expected: t.configuredMetastoreId ?? "a metastore",
    actual: assignment.metastoreId ?? "none",
  });
  if (!assignment.metastoreId) return checks;
  const inventory = await readInventory(t.client, objects);
  const defs = await definitions(ctx, objects);
  const planned = (step: (s: string) => boolean) =>
    new Map(approved.items.filter((i) => step(i.step)).map((i) => [i.key, i]));
  const objectItems = planned((s) => OBJECT_STEPS.has(s));

  // Presence per kind, of what the plan meant to exist.
  const byKind = new Map<RestoreKind, { expected: string[]; missing: string[] }>();
  const leftOut: string[] = [];
  const compared: string[] = [];
  const differing: string[] = [];
  for (const o of objects) {
    const item = objectItems.get(objectKey(o.type, o.fullName));
    if (item && (item.action === "unsupported" || item.action === "conflict")) {
      leftOut.push(`${item.kind} ${o.fullName} (${item.action})`);
      continue;
    }
    const def = defs.get(o.sha256)!;
    const kind = restoreKindOf(o.type, def)!;
    let entry = byKind.get(kind);
    if (!entry) byKind.set(kind, (entry = { expected: [], missing: [] }));
    entry.expected.push(o.fullName);
    const existing = inventory.get(securableKey(o.type, o.fullName));
    if (!existing) {
      entry.missing.push(o.fullName);
      continue;
    }
    // Kept as it was by existing=skip: not the backup's, by approval.
    if (item?.action === "skip" && item.reason.includes("existing=skip")) continue;
    const d = differences(kind, desiredBody(kind, def, request.remap), existing);
    compared.push(o.fullName);
    const fields = [...d.mutable, ...d.replace, ...d.fixed];
    if (fields.length)
      differing.push(
        `${kind} ${o.fullName}: ${beforeAfter(kind, desiredBody(kind, def, request.remap), existing, fields)} (found → expected)`,
      );
  }
  const kindOrder = Object.keys(KIND_LABEL);
  const kinds = [...byKind].sort(([a], [b]) => kindOrder.indexOf(a) - kindOrder.indexOf(b));
  for (const [kind, { expected, missing }] of kinds) {
    checks.push({
      name: `${KIND_LABEL[kind]} present`,
      ok: missing.length === 0,
      expected: expected.length,
      actual: expected.length - missing.length,
      ...(missing.length ? { detail: `missing: ${some(missing)}` } : {}),
    });
  }
  checks.push({
    name: "definitions equal the backup's (comments, properties, locations, columns…)",
    ok: differing.length === 0,
    expected: compared.length,
    actual: compared.length - differing.length,
    ...(differing.length ? { detail: some(differing.sort()) } : {}),
  });
  if (leftOut.length)
    checks.push({
      name: "left out by the approved plan (see the follow-ups)",
      ok: true,
      expected: leftOut.length,
      actual: leftOut.length,
      detail: some(leftOut),
    });

  // Grants, as sets, after principal remapping: equal where the plan made them so, the backup's
  // present where it kept extras (existing=skip, metastore grants).
  // (A securable found missing above is not counted again here.)
  const grantItems = [...planned((s) => s === "grants").values()].filter((i) => {
    const { type, fullName } = parseKey(i.key);
    if (type !== "metastore" && !inventory.has(securableKey(type, fullName))) return false;
    return i.action !== "skip" || !/not restored|no target metastore/.test(i.reason);
  });
  const mismatches: string[] = [];
  await mapLimit(grantItems, 8, async (item) => {
    const { type } = parseKey(item.key);
    const body = await ctx.store.getJson<{
      privilege_assignments?: { principal?: string; privileges?: unknown[] }[];
    }>(item.sha256!);
    const desired = grantSet(body.privilege_assignments, request.remap);
    const name = type === "metastore" ? assignment.metastoreId! : item.target!;
    const exact =
      type !== "metastore" &&
      (item.action === "create" || request.existing === "update" || /already equal/.test(item.reason));
    let current: GrantSet;
    try {
      current = await readGrants(t.client, type, name);
    } catch (error) {
      if (mustThrow(error)) throw error;
      mismatches.push(`${type} ${name}: ${errorMessage(error)}`);
      return;
    }
    const ok = exact ? grantSetsEqual(desired, current) : grantChanges(desired, current, false).length === 0;
    if (!ok)
      mismatches.push(
        `${type} ${name}: grants expected ${exact ? "" : "at least "}{${describeGrants(desired)}}, found {${describeGrants(current)}}`,
      );
  });
  checks.push({
    name: "grants equal the backup's",
    ok: mismatches.length === 0,
    expected: grantItems.length,
    actual: grantItems.length - mismatches.length,
    ...(mismatches.length ? { detail: some(mismatches.sort()) } : {}),
  });

  // Owners, after principal remapping, where the plan set or found them.
  const ownerItems = [...planned((s) => s === "owners").values()].filter((i) => {
    const { type, fullName } = parseKey(i.key);
    if (!inventory.has(securableKey(type, fullName))) return false;
    return i.action === "update" || (i.action === "skip" && i.reason.startsWith("owner is already"));
  });
  const owners: string[] = [];
  for (const item of ownerItems) {
    const { type, fullName } = parseKey(item.key);
    const existing = inventory.get(securableKey(type, fullName));
    const owner = defs.get(item.sha256!)?.["owner"];
    if (typeof owner !== "string") continue;
    const wanted = remapPrincipal(owner, request.remap);
    if (existing?.["owner"] !== wanted)
      owners.push(`${type} ${fullName}: owner expected ${wanted}, found ${String(existing?.["owner"])}`);
  }
  checks.push({
    name: "owners equal the backup's",
    ok: owners.length === 0,
    expected: ownerItems.length,
    actual: ownerItems.length - owners.length,
    ...(owners.length ? { detail: some(owners) } : {}),
  });

  // Isolation and workspace bindings of the catalogs, storage credentials and external locations
  // the plan isolated (or found isolated).
  const bindingItems = [...planned((s) => s === "workspace-bindings").values()].filter(
    (i) => i.action !== "skip" || i.reason.startsWith("already"),
  );
  if (bindingItems.length) {
    const wrong: string[] = [];
    for (const item of bindingItems) {
      const { type } = parseKey(item.key);
      const { isolated, open } = bindable(type);
      const name = item.target!;
      const desired = bindingList(item.meta?.["bindings"]);
      const existing = inventory.get(securableKey(type, name));
      const mode = text(existing?.["isolation_mode"], existing ? open : "missing");
      if (mode !== isolated) {
        wrong.push(`${type} ${name}: isolation_mode expected ${isolated}, found ${mode}`);
        continue;
      }
      const current = await readBindings(t.client, type, name);
      if (!sameBindings(current, desired))
        wrong.push(
          `${type} ${name}: bindings expected ${describeBindings(desired)}, found ${describeBindings(current)}`,
        );
    }
    checks.push({
      name: "isolation and workspace bindings as planned",
      ok: wrong.length === 0,
      expected: bindingItems.length,
      actual: bindingItems.length - wrong.length,
      ...(wrong.length ? { detail: some(wrong) } : {}),
    });
  }
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
