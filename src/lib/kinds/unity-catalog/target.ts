// The restore target side of Unity Catalog: which metastore the target workspace is assigned,
// what already exists there (listed, not fetched one by one), and SQL statements for what the
// REST API cannot create (views, non-Delta and re-created managed tables). Reads only, except
// runSql.
import { collect } from "../../concurrency.js";
import type { DatabricksApis } from "../../clients/databricks/index.js";
import type { MetastoreConfig } from "../../config/schema.js";
import { AzdrError, isAzdrError } from "../../errors.js";
import type { SecurableType } from "./paths.js";
import { securableKey, text, type Json, type UcObject } from "./model.js";

export interface TargetAssignment {
  /** The metastore the target workspace is assigned, if any. */
  metastoreId?: string;
  defaultCatalog?: string;
  /** The workspace's numeric id, when known (from the assignment or the workspace URL). */
  workspaceId?: string;
}

/** Azure workspace URLs carry the workspace id: https://adb-<id>.<n>.azuredatabricks.net */
export function workspaceIdFromUrl(url: string): string | undefined {
  return /\/\/adb-(\d+)\./.exec(url)?.[1];
}

export async function readAssignment(apis: DatabricksApis, workspaceUrl: string): Promise<TargetAssignment> {
  const fromUrl = workspaceIdFromUrl(workspaceUrl);
  try {
    const a = await apis.unityCatalog.currentMetastoreAssignment();
    const metastoreId =
      typeof a["metastore_id"] === "string" && a["metastore_id"] ? a["metastore_id"] : undefined;
    const workspaceId = text(a["workspace_id"]) || fromUrl;
    return {
      ...(metastoreId ? { metastoreId } : {}),
      ...(typeof a["default_catalog_name"] === "string" ? { defaultCatalog: a["default_catalog_name"] } : {}),
      ...(workspaceId ? { workspaceId } : {}),
    };
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return fromUrl ? { workspaceId: fromUrl } : {};
    throw error;
  }
}

/** Whether a metastore exists in the account (callable from an unassigned workspace). */
export async function metastoreExists(apis: DatabricksApis, metastoreId: string): Promise<boolean> {
  try {
    await apis.unityCatalog.getMetastore(metastoreId);
    return true;
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return false;
    throw error;
  }
}

export function targetMetastoreConfig(
  config: { unityCatalog: { metastores: MetastoreConfig[] } },
  id: string,
): MetastoreConfig {
  const found = config.unityCatalog.metastores.find((m) => m.id === id);
  if (!found) throw new AzdrError("INVALID_INPUT", `metastore "${id}" is not in unityCatalog.metastores`);
  return found;
}

// ---- inventory --------------------------------------------------------------------------------------

/** What exists in the target, by securableKey. */
export type Inventory = Map<string, Json>;

/**
 * List the target's securables that could collide with the backup's: every metastore-level one,
 * and the children of the catalogs and schemas the selected objects live in (a handful of list
 * calls per schema).
 */
export async function readInventory(apis: DatabricksApis, objects: UcObject[]): Promise<Inventory> {
  const uc = apis.unityCatalog;
  const inventory: Inventory = new Map();
  const put = (type: SecurableType, item: Json, fallback?: string) => {
    const name =
      typeof item["full_name"] === "string" ? item["full_name"] : (fallback ?? String(item["name"]));
    inventory.set(securableKey(type, name), item);
  };
  for (const c of await collect(uc.listStorageCredentials())) put("storage_credential", c, c.name);
  for (const c of await collect(uc.listCredentials({ purpose: "SERVICE" })))
    if (c.purpose === "SERVICE") put("credential", c, c.name);
  for (const l of await collect(uc.listExternalLocations())) put("external_location", l, l.name);
  for (const c of await collect(uc.listConnections())) put("connection", c, c.name);
  for (const c of await collect(uc.listCatalogs())) put("catalog", c, c.name);
  // Every catalog and schema a selected object lives in, whatever include/exclude kept of the
  // parents themselves: narrowed to one table, the restore must still see that table in the target.
  const wantedCatalogs = new Set<string>();
  const wantedSchemas = new Set<string>();
  for (const o of objects) {
    const parts = o.fullName.toLowerCase().split(".");
    if (o.type === "catalog") wantedCatalogs.add(parts[0]!);
    else if (o.type === "schema" || parts.length === 3) {
      wantedCatalogs.add(parts[0]!);
      wantedSchemas.add(parts.slice(0, 2).join("."));
    }
  }
  for (const catalog of wantedCatalogs) {
    if (!inventory.has(securableKey("catalog", catalog))) continue;
    for (const s of await collect(uc.listSchemas(catalog))) put("schema", s, `${catalog}.${s.name}`);
  }
  for (const schema of wantedSchemas) {
    if (!inventory.has(securableKey("schema", schema))) continue;
    const [catalogName = "", schemaName = ""] = schema.split(".");
    const scope = { catalogName, schemaName };
    for (const t of await collect(uc.listTables(scope))) put("table", t, `${schema}.${t.name}`);
    for (const v of await collect(uc.listVolumes(scope))) put("volume", v, `${schema}.${v.name}`);
    for (const f of await collect(uc.listFunctions(scope))) put("function", f, `${schema}.${f.name}`);
  }
  return inventory;
}

// ---- SQL statements -----------------------------------------------------------------------------------

/** A SQL warehouse to run statements on: a running one first, else any (it starts on demand). */
export async function findWarehouse(apis: DatabricksApis): Promise<string | undefined> {
  const warehouses = await collect(apis.warehouses.list());
  const chosen = warehouses.find((w) => w.state === "RUNNING") ?? warehouses[0];
  return chosen?.id;
}
