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
  UC,
  describeDifference,
  describeGrants,
  desiredBody,
  differences,
  getObject,
  grantChanges,
  grantSet,
  grantSetsEqual,
  isAlreadyExists,
  noDifference,
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
  type Inventory,
  type TargetAssignment,
} from "./unity-catalog/target.js";
import { mapLimit } from "../../concurrency.js";

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
    why: "Last: handing ownership away first could take away the restoring identity's right to create and grant.",
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
  const views = [...defs.values()].filter((d) => restoreKindOf("table", d) === "view").length;
  if (views > 0) {
    const warehouse = await findWarehouse(t.client).catch(() => undefined);
    checks.push({
      name: "SQL warehouse for views",
      ok: warehouse !== undefined,
      blocking: false,
      detail: warehouse
        ? `${views} view(s) will be created with CREATE VIEW on warehouse ${warehouse}`
        : `${views} view(s) need a SQL warehouse in workspace "${t.workspace}" and there is none`,
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
  destructive: string[];
  notes: string[];
  /** Views that read something the restore cannot create (view → what it reads). */
  blocked: Map<string, string>;
}

/** Views blocked by tables that will not exist in the target (MANAGED ones not there already). */
function viewsBlocked(
  objects: UcObject[],
  defs: Map<string, Json>,
  inventory: Inventory,
): Map<string, string> {
  const missing = new Set<string>();
  const views = new Map<string, Json>();
  for (const o of objects) {
    if (o.type !== "table") continue;
    const def = defs.get(o.sha256)!;
    const kind = restoreKindOf(o.type, def);
    const name = o.fullName.toLowerCase();
    if (kind === "view") views.set(name, def);
    else if (kind === "managed_table" && !inventory.has(securableKey("table", name))) missing.add(name);
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
      `reads ${blockedBy}, which is not restored (MANAGED: restore its data first, runbook 7.6); re-run this restore afterwards to create the view`,
    );
  }
  if (kind === "managed_table") {
    return keep(
      existing
        ? "exists in the target (MANAGED: its data is restored separately, runbook 7.6)"
        : `MANAGED table: its data lives in managed storage (${text(def["storage_location"], "?")}). Restore the data with Delta DEEP CLONE from a replica or a storage-level restore of the managed location (runbook 7.6), then re-run this restore for its grants and owner`,
    );
  }
  if (kind === "external_table" && text(def["data_source_format"], "DELTA") !== "DELTA") {
    return keep(
      existing
        ? "exists in the target"
        : `EXTERNAL ${String(def["data_source_format"])} table: the Tables API registers only Delta tables; run CREATE TABLE ${o.fullName} USING ${String(def["data_source_format"])} LOCATION '<location>' on a warehouse`,
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
    const reason = !p.readable
      ? "create (target metastore not readable until it is assigned; existence is checked again when executing)"
      : kind === "connection"
        ? "create without credentials: re-enter them afterwards (backups hold no secrets)"
        : kind === "view"
          ? "create with CREATE VIEW on a SQL warehouse"
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
  if (d.replace.length)
    p.destructive.push(
      `${o.fullName} (${kind}) is dropped and re-created to change ${d.replace.join(", ")}${kind === "external_table" ? " (metadata only: the data at its location is untouched)" : ""}`,
    );
  return { ...base, action: "update", reason: `exists and ${describeDifference(d)}` };
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
    destructive: [],
    notes: [],
    blocked: viewsBlocked(objects, defs, inventory),
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
      p.destructive.push(`${g.type} ${targetName}: revoke ${removes} privilege(s) not in the backup`);
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
    items.push({
      ...base,
      action: "update",
      reason: `owner → ${wanted}${wanted !== owner ? ` (remapped from ${owner})` : ""}`,
    });
  }

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
  warehouse?: string | null;
}

async function createObject(
  e: ExecContext,
  kind: RestoreKind,
  fullName: string,
  desired: Json,
): Promise<void> {
  const { client } = e.t;
  if (kind === "view") {
    await sqlView(e, fullName, text(desired["view_definition"], ""), false);
    return;
  }
  const api =
    API[
      kind === "external_table"
        ? "table"
        : (kind as Exclude<RestoreKind, "external_table" | "managed_table" | "view">)
    ];
  await client.post(`${UC}/${api}`, desired);
}

async function sqlView(
  e: ExecContext,
  fullName: string,
  definition: string,
  replace: boolean,
): Promise<void> {
  if (e.warehouse === undefined) e.warehouse = (await findWarehouse(e.t.client)) ?? null;
  if (!e.warehouse)
    throw new AzdrError(
      "PRECONDITION_FAILED",
      `no SQL warehouse in workspace "${e.t.workspace}" to create views on`,
    );
  const outcome = await runStatement(
    e.t.client,
    e.warehouse,
    `CREATE ${replace ? "OR REPLACE " : ""}VIEW ${quoteName(fullName)} AS ${definition}`,
  );
  if (!outcome.ok) {
    if (/TABLE_OR_VIEW_ALREADY_EXISTS/.test(outcome.message ?? ""))
      throw new AzdrError("ALREADY_EXISTS", outcome.message ?? "already exists");
    throw new AzdrError(
      /NOT_FOUND/.test(outcome.message ?? "") ? "NOT_FOUND" : "INVALID_INPUT",
      `CREATE VIEW ${fullName}: ${outcome.message ?? "failed"}`,
    );
  }
}

async function updateObject(
  e: ExecContext,
  kind: RestoreKind,
  type: SecurableType,
  fullName: string,
  desired: Json,
  fields: string[],
): Promise<void> {
  const body: Json = {};
  for (const f of fields) body[f] = desired[f];
  await e.t.client.request("PATCH", objectPath(type, fullName), { body });
}

async function replaceObject(
  e: ExecContext,
  kind: RestoreKind,
  type: SecurableType,
  fullName: string,
  desired: Json,
) {
  if (kind === "view") return sqlView(e, fullName, text(desired["view_definition"], ""), true);
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
      return result("created");
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
    await replaceObject(e, kind, type, fullName, desired);
    return result("updated", `re-created (${d.replace.join(", ")})`);
  }
  await updateObject(e, kind, type, fullName, desired, d.mutable);
  return result("updated", `updated ${d.mutable.join(", ")}`);
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

async function execute(
  ctx: SourceContext,
  request: Request,
  step: string,
  items: PlanItem[],
  _run: RunState,
  _manifests: Manifests,
): Promise<ItemResult[]> {
  const e: ExecContext = { ctx, request, t: target(ctx, request) };
  const one = async (item: PlanItem): Promise<ItemResult> => {
    try {
      if (step === "metastore-assignment") return await executeAssignment(e, item);
      if (step === "grants") return await executeGrants(e, item);
      if (step === "owners") return await executeOwner(e, item);
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

const KIND_LABEL: Record<RestoreKind | "blocked_view", string> = {
  storage_credential: "storage credentials",
  external_location: "external locations",
  connection: "connections",
  catalog: "catalogs",
  schema: "schemas",
  external_table: "external tables",
  managed_table: "managed tables (data restore needed)",
  blocked_view: "views over managed tables (data restore needed)",
  view: "views",
  volume: "volumes",
  function: "functions",
};

async function validate(
  ctx: SourceContext,
  request: Request,
  manifests: Manifests,
  _run: RunState,
): Promise<ValidationCheck[]> {
  const t = target(ctx, request);
  const backup = backupOf(manifests);
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

  // Presence per kind.
  const byKind = new Map<RestoreKind | "blocked_view", { expected: string[]; missing: string[] }>();
  const blocked = viewsBlocked(objects, defs, inventory);
  for (const o of objects) {
    const def = defs.get(o.sha256)!;
    const restoreKind = restoreKindOf(o.type, def)!;
    const kind =
      restoreKind === "view" && blocked.has(o.fullName.toLowerCase()) ? "blocked_view" : restoreKind;
    let entry = byKind.get(kind);
    if (!entry) byKind.set(kind, (entry = { expected: [], missing: [] }));
    entry.expected.push(o.fullName);
    if (!inventory.has(securableKey(o.type, o.fullName))) entry.missing.push(o.fullName);
  }
  const kindOrder = Object.keys(KIND_LABEL);
  const kinds = [...byKind].sort(([a], [b]) => kindOrder.indexOf(a) - kindOrder.indexOf(b));
  for (const [kind, { expected, missing }] of kinds) {
    checks.push({
      name: `${KIND_LABEL[kind]} present`,
      ok: missing.length === 0,
      expected: expected.length,
      actual: expected.length - missing.length,
      ...(missing.length
        ? {
            detail: `missing: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ` and ${missing.length - 10} more` : ""}${kind === "managed_table" || kind === "blocked_view" ? " (restore the managed tables' data: runbook 7.6, then re-run)" : ""}`,
          }
        : {}),
    });
  }

  // Grants, as sets, after principal remapping (metastore: the backup's must be present).
  const grantEntries = [...backup.grants.values()].filter(
    (g) =>
      g.type === "metastore" ||
      (isSelected(request, g.fullName) && inventory.has(securableKey(g.type, g.fullName))),
  );
  const mismatches: string[] = [];
  await mapLimit(grantEntries, 8, async (g) => {
    const body = await ctx.store.getJson<{
      privilege_assignments?: { principal?: string; privileges?: unknown[] }[];
    }>(g.sha256);
    const desired = grantSet(body.privilege_assignments, request.remap);
    const name = g.type === "metastore" ? assignment.metastoreId! : g.fullName;
    const current = await readGrants(t.client, g.type, name);
    const equal =
      g.type === "metastore"
        ? grantChanges(desired, current, false).length === 0
        : grantSetsEqual(desired, current);
    if (!equal)
      mismatches.push(
        `${g.type} ${name}: expected {${describeGrants(desired)}}, found {${describeGrants(current)}}`,
      );
  });
  checks.push({
    name: "grants equal the backup's",
    ok: mismatches.length === 0,
    expected: grantEntries.length,
    actual: grantEntries.length - mismatches.length,
    ...(mismatches.length ? { detail: mismatches.sort().slice(0, 10).join(" | ") } : {}),
  });

  // Owners, after principal remapping.
  const owners: string[] = [];
  let ownerTotal = 0;
  for (const o of objects) {
    const existing = inventory.get(securableKey(o.type, o.fullName));
    const owner = defs.get(o.sha256)!["owner"];
    if (!existing || typeof owner !== "string") continue;
    ownerTotal++;
    const wanted = remapPrincipal(owner, request.remap);
    if (existing["owner"] !== wanted)
      owners.push(`${o.type} ${o.fullName}: expected ${wanted}, found ${String(existing["owner"])}`);
  }
  checks.push({
    name: "owners equal the backup's",
    ok: owners.length === 0,
    expected: ownerTotal,
    actual: ownerTotal - owners.length,
    ...(owners.length ? { detail: owners.slice(0, 10).join(" | ") } : {}),
  });
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
