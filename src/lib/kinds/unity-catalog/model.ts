// Unity Catalog restore model shared by the securable handlers: what the backup holds (read from
// the manifest), how a definition compares with the target's, grants as sets, view dependencies,
// SQL quoting, and the typed-client calls every securable type answers (get, update, delete).
import { collect } from "../../concurrency.js";
import type { UnityCatalogClient } from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import type { SecurableType } from "./paths.js";
import { SECURABLE_FOLDERS } from "./paths.js";
import type { Manifest } from "../../store/manifest.js";
import type { Remap as RemapRules } from "../../restore/engine/request-schema.js";
import { remapPrincipal, remapStorage } from "../../restore/engine/remap.js";

export type Json = Record<string, unknown>;
type Remap = RemapRules;

/** A JSON scalar as text (strings, numbers, booleans); anything else gives the fallback. */
export function text(value: unknown, fallback = ""): string {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : fallback;
}

/** One securable in the backup (everything but the metastore itself). */
export interface UcObject {
  type: SecurableType;
  fullName: string;
  path: string;
  sha256: string;
  owner?: string;
}

export interface UcBackup {
  metastoreId: string;
  metastoreSha?: string;
  assignmentSha?: string;
  objects: UcObject[];
  /** Grants entries by securableKey(type, fullName). */
  grants: Map<string, { sha256: string; type: SecurableType; fullName: string }>;
  /** Workspace bindings of ISOLATED securables (catalogs, credentials, locations), by securableKey(type, fullName). */
  bindings: Map<string, { sha256: string; type: SecurableType; fullName: string }>;
}

export function securableKey(type: SecurableType, fullName: string): string {
  return `${type}/${fullName.toLowerCase()}`;
}

const FOLDER_TYPES = new Map(
  Object.entries(SECURABLE_FOLDERS).map(([type, folder]) => [folder, type as SecurableType]),
);

/** Index a Unity Catalog metadata manifest (paths as written by unity-catalog-source.ts). */
export function readBackup(manifest: Manifest): UcBackup {
  const backup: UcBackup = { metastoreId: "", objects: [], grants: new Map(), bindings: new Map() };
  for (const entry of manifest.entries) {
    const slash = entry.path.indexOf("/");
    const folder = entry.path.slice(0, slash);
    const rest = entry.path.slice(slash + 1);
    if (folder === "grants" || folder === "bindings") {
      const [type, file] = rest.split("/") as [SecurableType, string | undefined];
      const fullName = decodeURIComponent((file ?? "").replace(/\.json$/, ""));
      backup[folder].set(securableKey(type, fullName), { sha256: entry.sha256, type, fullName });
      continue;
    }
    if (entry.path === "metastore/assignment.json") {
      backup.assignmentSha = entry.sha256;
      continue;
    }
    const type = FOLDER_TYPES.get(folder);
    if (!type) continue;
    const fullName =
      typeof entry.meta?.["fullName"] === "string"
        ? entry.meta["fullName"]
        : decodeURIComponent(rest.replace(/\.json$/, ""));
    if (type === "metastore") {
      backup.metastoreId = fullName;
      backup.metastoreSha = entry.sha256;
      continue;
    }
    backup.objects.push({
      type,
      fullName,
      path: entry.path,
      sha256: entry.sha256,
      ...(typeof entry.meta?.["owner"] === "string" ? { owner: entry.meta["owner"] } : {}),
    });
  }
  if (!backup.metastoreId && typeof manifest.summary?.["metastoreId"] === "string")
    backup.metastoreId = manifest.summary["metastoreId"];
  return backup;
}

// ---- kinds ----------------------------------------------------------------------------------------

/** How a definition is restored: the API, the step it belongs to, how it is compared. */
export type RestoreKind =
  | "storage_credential"
  | "credential"
  | "external_location"
  | "connection"
  | "catalog"
  | "schema"
  | "external_table"
  | "managed_table"
  | "view"
  | "volume"
  | "function";

export function restoreKindOf(type: SecurableType, definition: Json): RestoreKind | undefined {
  if (type === "metastore") return undefined;
  if (type !== "table") return type;
  const tableType = text(definition["table_type"], "");
  if (tableType === "VIEW" || tableType === "MATERIALIZED_VIEW" || "view_definition" in definition)
    return "view";
  if (tableType === "EXTERNAL") return "external_table";
  return "managed_table";
}

export function isAlreadyExists(error: unknown): boolean {
  return isAzdrError(error, "ALREADY_EXISTS");
}

type Securable = Exclude<SecurableType, "metastore">;

/** The typed-client get, update and delete of each securable type. */
const CALLS: Record<
  Securable,
  {
    get(uc: UnityCatalogClient, name: string): Promise<Json>;
    update(uc: UnityCatalogClient, name: string, patch: Json): Promise<unknown>;
    remove(uc: UnityCatalogClient, name: string): Promise<void>;
  }
> = {
  storage_credential: {
    get: (uc, n) => uc.getStorageCredential(n),
    update: (uc, n, p) => uc.updateStorageCredential(n, p),
    remove: (uc, n) => uc.deleteStorageCredential(n),
  },
  // Service credentials, through the Credentials API.
  credential: {
    get: (uc, n) => uc.getCredential(n),
    update: (uc, n, p) => uc.updateCredential(n, p),
    remove: (uc, n) => uc.deleteCredential(n),
  },
  external_location: {
    get: (uc, n) => uc.getExternalLocation(n),
    update: (uc, n, p) => uc.updateExternalLocation(n, p),
    remove: (uc, n) => uc.deleteExternalLocation(n),
  },
  connection: {
    get: (uc, n) => uc.getConnection(n),
    update: (uc, n, p) => uc.updateConnection(n, p),
    remove: (uc, n) => uc.deleteConnection(n),
  },
  catalog: {
    get: (uc, n) => uc.getCatalog(n),
    update: (uc, n, p) => uc.updateCatalog(n, p),
    remove: (uc, n) => uc.deleteCatalog(n),
  },
  schema: {
    get: (uc, n) => uc.getSchema(n),
    update: (uc, n, p) => uc.updateSchema(n, p),
    remove: (uc, n) => uc.deleteSchema(n),
  },
  // Tables and functions change only their owner through REST (the rest is SQL or a re-create).
  table: {
    get: (uc, n) => uc.getTable(n),
    update: (uc, n, p) => uc.updateTable(n, { owner: text(p["owner"]) }),
    remove: (uc, n) => uc.deleteTable(n),
  },
  volume: {
    get: (uc, n) => uc.getVolume(n),
    update: (uc, n, p) => uc.updateVolume(n, p),
    remove: (uc, n) => uc.deleteVolume(n),
  },
  function: {
    get: (uc, n) => uc.getFunction(n),
    update: (uc, n, p) => uc.updateFunction(n, { owner: text(p["owner"]) }),
    remove: (uc, n) => uc.deleteFunction(n),
  },
};

function callsOf(type: SecurableType) {
  if (type === "metastore") throw new Error("the metastore is not read or changed as a securable");
  return CALLS[type];
}

/** GET one securable; undefined when it does not exist. */
export async function getObject(
  uc: UnityCatalogClient,
  type: SecurableType,
  fullName: string,
): Promise<Json | undefined> {
  try {
    return await callsOf(type).get(uc, fullName);
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return undefined;
    throw error;
  }
}

/** PATCH one securable (tables and functions: the owner only). */
export async function updateObject(
  uc: UnityCatalogClient,
  type: SecurableType,
  fullName: string,
  patch: Json,
): Promise<void> {
  await callsOf(type).update(uc, fullName, patch);
}

export async function deleteObject(
  uc: UnityCatalogClient,
  type: SecurableType,
  fullName: string,
): Promise<void> {
  await callsOf(type).remove(uc, fullName);
}

// ---- remapping ------------------------------------------------------------------------------------

/** Access connector ids of managed-identity credentials (exact ARM ids; storage rules never touch them). */
export function remapAccessConnector(id: string, remap: Remap): string {
  return remap.accessConnectors.find((r) => r.from.toLowerCase() === id.toLowerCase())?.to ?? id;
}

export function remapCatalogRoot(catalog: string, root: string, remap: Remap): string {
  const rule = remap.catalogStorageRoots.find((r) => r.from.toLowerCase() === catalog.toLowerCase());
  return rule ? rule.to : remapStorage(root, remap);
}

// ---- desired state --------------------------------------------------------------------------------

const COLUMN_FIELDS = [
  "name",
  "type_text",
  "type_name",
  "type_json",
  "type_precision",
  "type_scale",
  "position",
  "nullable",
  "comment",
  "partition_index",
];

export function pick(source: Json, fields: string[]): Json {
  const out: Json = {};
  for (const f of fields) if (source[f] !== undefined && source[f] !== null) out[f] = source[f];
  return out;
}

export function columns(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]).map((c) => pick(c, COLUMN_FIELDS)) : [];
}

/** Fields compared per kind: `mutable` can be changed in place, `replace` need drop + re-create, `fixed` cannot change. */
export interface Compared {
  mutable: string[];
  replace: string[];
  fixed: string[];
}

function normalize(field: string, value: unknown): unknown {
  if (value === undefined || value === null || value === "") return undefined;
  if (field === "columns") return columns(value).map((c) => pick(c, ["name", "type_text", "nullable"]));
  if (field === "azure_managed_identity")
    return pick(value as Json, ["access_connector_id", "managed_identity_id"]);
  if (field === "read_only") return value === true ? true : undefined;
  if (
    typeof value === "string" &&
    (field.endsWith("url") || field.endsWith("location") || field.endsWith("root"))
  )
    return value.replace(/\/+$/, "");
  return value;
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Json).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function fieldsEqual(field: string, desired: unknown, existing: unknown): boolean {
  if (field === "properties") {
    // The service adds its own properties (delta.*, owner tags): compare the backup's keys only.
    const want = (desired ?? {}) as Json;
    const have = (existing ?? {}) as Json;
    return Object.entries(want).every(([k, v]) => stable(have[k]) === stable(v));
  }
  return stable(normalize(field, desired)) === stable(normalize(field, existing));
}

export interface Difference {
  /** PATCHable differences. */
  mutable: string[];
  /** Differences that need the object dropped and re-created (external tables, views, functions). */
  replace: string[];
  /** Differences that cannot be changed at all. */
  fixed: string[];
}

/** How an existing target object differs from the desired (remapped backup) body's comparable part. */
export function differences(compared: Compared, want: Json, existing: Json): Difference {
  // A location the backup did not set (a managed volume's, a catalog on the metastore root) is the
  // service's to choose: whatever the target chose is not a difference.
  const serverChosen = (f: string) =>
    want[f] === undefined && (f === "storage_location" || f === "storage_root");
  const diff = (fields: string[]) =>
    fields.filter((f) => !serverChosen(f) && !fieldsEqual(f, want[f], existing[f]));
  return { mutable: diff(compared.mutable), replace: diff(compared.replace), fixed: diff(compared.fixed) };
}

export function noDifference(d: Difference): boolean {
  return d.mutable.length + d.replace.length + d.fixed.length === 0;
}

/** `field: "before" → "after"` for each differing field, for destructive entries the approver reads. */
export function beforeAfter(want: Json, existing: Json, fields: string[]): string {
  const show = (value: unknown) => {
    const s = value === undefined || value === null ? "(none)" : JSON.stringify(value);
    return s.length > 120 ? `${s.slice(0, 117)}…` : s;
  };
  return fields
    .map((f) => {
      if (f === "columns") return `columns: ${columnChanges(existing[f], want[f])}`;
      if (f !== "properties") return `${f}: ${show(existing[f])} → ${show(want[f])}`;
      // Only the backup's keys are compared (the service adds its own): show those.
      const have = (existing[f] ?? {}) as Json;
      const keys = Object.keys((want[f] ?? {}) as Json).filter(
        (k) => !fieldsEqual(f, { [k]: (want[f] as Json)[k] }, have),
      );
      return `${f}: ${show(Object.fromEntries(keys.map((k) => [k, have[k]])))} → ${show(Object.fromEntries(keys.map((k) => [k, (want[f] as Json)[k]])))}`;
    })
    .join("; ");
}

/** Column by column, what turns `found` into `wanted`: the columns missing, extra and changed. */
export function columnChanges(found: unknown, wanted: unknown): string {
  const byName = (value: unknown) =>
    new Map(
      (normalize("columns", value) as Json[] | undefined)?.map((c) => [text(c["name"]).toLowerCase(), c]) ??
        [],
    );
  const have = byName(found);
  const want = byName(wanted);
  const parts: string[] = [];
  const missing = [...want.keys()].filter((n) => !have.has(n));
  const extra = [...have.keys()].filter((n) => !want.has(n));
  if (missing.length) parts.push(`missing ${missing.join(", ")}`);
  if (extra.length) parts.push(`not in the backup ${extra.join(", ")}`);
  for (const [name, column] of want) {
    const other = have.get(name);
    if (!other || stable(other) === stable(column)) continue;
    const changed = Object.keys({ ...column, ...other })
      .filter((k) => stable(column[k]) !== stable(other[k]))
      .map((k) => `${k} ${JSON.stringify(other[k] ?? null)} → ${JSON.stringify(column[k] ?? null)}`);
    parts.push(`${name}: ${changed.join(", ")}`);
  }
  const order = (m: Map<string, Json>) => [...m.keys()].join(",");
  if (parts.length === 0 && order(have) !== order(want)) parts.push(`order ${order(have)} → ${order(want)}`);
  return parts.join("; ");
}

export function describeDifference(d: Difference): string {
  const parts: string[] = [];
  if (d.mutable.length) parts.push(`differs in ${d.mutable.join(", ")}`);
  if (d.replace.length) parts.push(`differs in ${d.replace.join(", ")} (needs re-creating)`);
  if (d.fixed.length) parts.push(`differs in ${d.fixed.join(", ")}, which cannot be changed in place`);
  return parts.join("; ");
}

// ---- grants -----------------------------------------------------------------------------------------

export type GrantSet = Map<string, Set<string>>;

/** privilege_assignments → principal → privileges, principals remapped (merged if two map to one). */
export function grantSet(
  assignments: { principal?: string; privileges?: unknown[] }[] | undefined,
  remap?: Remap,
): GrantSet {
  const out: GrantSet = new Map();
  for (const a of assignments ?? []) {
    if (!a.principal) continue;
    const principal = remap ? remapPrincipal(a.principal, remap) : a.principal;
    let set = out.get(principal);
    if (!set) out.set(principal, (set = new Set()));
    for (const p of a.privileges ?? []) {
      // The API answers either strings or {privilege, inherited_from_*} objects.
      const name = typeof p === "string" ? p : text((p as Json)["privilege"]);
      const inherited =
        typeof p === "object" && p !== null && Object.keys(p).some((k) => k.startsWith("inherited"));
      if (name && !inherited) set.add(name);
    }
    if (set.size === 0) out.delete(principal);
  }
  return out;
}

export interface GrantChange {
  principal: string;
  add?: string[];
  remove?: string[];
}

/** The PATCH changes that turn `current` into `desired` (removals only when asked to). */
export function grantChanges(desired: GrantSet, current: GrantSet, removeExtras: boolean): GrantChange[] {
  const changes: GrantChange[] = [];
  const principals = new Set([...desired.keys(), ...(removeExtras ? current.keys() : [])]);
  for (const principal of [...principals].sort()) {
    const want = desired.get(principal) ?? new Set<string>();
    const have = current.get(principal) ?? new Set<string>();
    const add = [...want].filter((p) => !have.has(p)).sort();
    const remove = removeExtras ? [...have].filter((p) => !want.has(p)).sort() : [];
    if (add.length || remove.length)
      changes.push({ principal, ...(add.length ? { add } : {}), ...(remove.length ? { remove } : {}) });
  }
  return changes;
}

export function describeGrants(set: GrantSet): string {
  return [...set.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([p, privileges]) => `${p}: ${[...privileges].sort().join(",")}`)
    .join("; ");
}

export function grantSetsEqual(a: GrantSet, b: GrantSet): boolean {
  return grantChanges(a, b, true).length === 0;
}

export async function readGrants(
  uc: UnityCatalogClient,
  type: SecurableType,
  fullName: string,
): Promise<GrantSet> {
  return grantSet(await collect(uc.listGrants(type, fullName)));
}

// ---- view dependencies ------------------------------------------------------------------------------

/**
 * Tables and views a view reads: its view_dependencies when the service returned them, else the
 * three-part names in its definition. Lower-case full names.
 */
export function viewDependencies(def: Json): string[] {
  const listed = (
    def["view_dependencies"] as { dependencies?: { table?: { table_full_name?: string } }[] } | undefined
  )?.dependencies;
  const fromList = (listed ?? []).map((d) => d.table?.table_full_name).filter((n): n is string => Boolean(n));
  if (fromList.length) return fromList.map((n) => n.toLowerCase());
  const part = "(?:`([^`]+)`|(\\w+))";
  const re = new RegExp(`${part}\\s*\\.\\s*${part}\\s*\\.\\s*${part}`, "g");
  return [...text(def["view_definition"]).matchAll(re)].map((m) =>
    [m[1] ?? m[2], m[3] ?? m[4], m[5] ?? m[6]].join(".").toLowerCase(),
  );
}

/**
 * Views that cannot be created because something they read will not exist in the target (a
 * MANAGED table whose data is not restored, or another such view). Keys are lower-case full names.
 */
export function blockedViews(views: Map<string, Json>, missing: Set<string>): Map<string, string> {
  const blocked = new Map<string, string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, def] of views) {
      if (blocked.has(name)) continue;
      const dep = viewDependencies(def).find((d) => missing.has(d) || blocked.has(d));
      if (dep) {
        blocked.set(name, dep);
        changed = true;
      }
    }
  }
  return blocked;
}

// ---- SQL for tables ---------------------------------------------------------------------------------

/** `a`.`b`.`c`, with backticks doubled inside names. */
export function quoteName(fullName: string): string {
  return fullName
    .split(".")
    .map((part) => `\`${part.replaceAll("`", "``")}\``)
    .join(".");
}

/** A SQL string literal ('…' with quotes and backslashes escaped). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

function propertiesClause(properties: unknown): string {
  const entries = Object.entries((properties ?? {}) as Json).filter(([, v]) => v !== undefined && v !== null);
  if (entries.length === 0) return "";
  return ` TBLPROPERTIES (${entries.map(([k, v]) => `${sqlString(k)} = ${sqlString(text(v))}`).join(", ")})`;
}

/**
 * CREATE TABLE for what the Tables API will not create: external tables in another format than
 * Delta (CSV, Parquet, JSON…, with LOCATION) and, when asked, MANAGED tables re-created empty
 * (no LOCATION: Unity Catalog places them in managed storage).
 */
export function createTableSql(desired: Json, managed: boolean): string {
  const cols = (desired["columns"] as Json[] | undefined) ?? [];
  const columnsSql = cols.length
    ? ` (${cols
        .map(
          (c) =>
            `${quoteName(text(c["name"]))} ${text(c["type_text"], "string")}${c["nullable"] === false ? " NOT NULL" : ""}${typeof c["comment"] === "string" ? ` COMMENT ${sqlString(c["comment"])}` : ""}`,
        )
        .join(", ")})`
    : "";
  const partitions = cols
    .filter((c) => typeof c["partition_index"] === "number")
    .sort((a, b) => Number(a["partition_index"]) - Number(b["partition_index"]))
    .map((c) => quoteName(text(c["name"])));
  const name = [desired["catalog_name"], desired["schema_name"], desired["name"]]
    .map((p) => text(p))
    .join(".");
  return [
    `CREATE TABLE ${quoteName(name)}${columnsSql}`,
    ` USING ${text(desired["data_source_format"], "DELTA")}`,
    partitions.length ? ` PARTITIONED BY (${partitions.join(", ")})` : "",
    managed ? "" : ` LOCATION ${sqlString(text(desired["storage_location"]))}`,
    typeof desired["comment"] === "string" ? ` COMMENT ${sqlString(desired["comment"])}` : "",
    propertiesClause(desired["properties"]),
  ].join("");
}

/** The statements that bring a table's comment and properties to the desired ones, in place. */
export function alterTableSql(fullName: string, desired: Json, fields: string[]): string[] {
  const out: string[] = [];
  if (fields.includes("comment"))
    out.push(
      `COMMENT ON TABLE ${quoteName(fullName)} IS ${typeof desired["comment"] === "string" && desired["comment"] ? sqlString(desired["comment"]) : "NULL"}`,
    );
  if (fields.includes("properties") && Object.keys(desired["properties"] ?? {}).length)
    out.push(`ALTER TABLE ${quoteName(fullName)} SET${propertiesClause(desired["properties"])}`);
  return out;
}
