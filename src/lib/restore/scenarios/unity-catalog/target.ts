// The restore target side of Unity Catalog: which metastore the target workspace is assigned,
// what already exists there (listed, not fetched one by one), and SQL statements for what the
// REST API cannot create (views). Reads only, except runStatement.
import type { DatabricksClient } from "../../../clients/databricks.js";
import { setTimeout as delay } from "node:timers/promises";
import type { MetastoreConfig } from "../../../config/schema.js";
import { AzdrError, isAzdrError } from "../../../errors.js";
import type { SecurableType } from "../../../sources/unity-catalog-source.js";
import { UC, securableKey, text, type Json, type UcObject } from "./model.js";

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

export async function readAssignment(
  client: DatabricksClient,
  workspaceUrl: string,
): Promise<TargetAssignment> {
  const fromUrl = workspaceIdFromUrl(workspaceUrl);
  try {
    const a = await client.get<Json>(`${UC}/current-metastore-assignment`);
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
export async function metastoreExists(client: DatabricksClient, metastoreId: string): Promise<boolean> {
  try {
    await client.get(`${UC}/metastores/${encodeURIComponent(metastoreId)}`);
    return true;
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return false;
    throw error;
  }
}

export function targetMetastoreConfig(
  config: { unityCatalog: { metastores: MetastoreConfig[] } },
  id: string,
) {
  const found = config.unityCatalog.metastores.find((m) => m.id === id);
  if (!found) throw new AzdrError("INVALID_INPUT", `metastore "${id}" is not in unityCatalog.metastores`);
  return found;
}

// ---- inventory --------------------------------------------------------------------------------------

/** What exists in the target, by securableKey. */
export type Inventory = Map<string, Json>;

async function all(client: DatabricksClient, path: string, key: string, query: Json = {}): Promise<Json[]> {
  const out: Json[] = [];
  const q: Record<string, string | number> = { max_results: 1000 };
  for (const [k, v] of Object.entries(query)) q[k] = String(v);
  for await (const item of client.paginate<Json>(`${UC}/${path}`, key, q)) out.push(item);
  return out;
}

/**
 * List the target's securables that could collide with the backup's: every metastore-level one,
 * and the children of the catalogs and schemas the selected objects live in (a handful of list
 * calls per schema).
 */
export async function readInventory(client: DatabricksClient, objects: UcObject[]): Promise<Inventory> {
  const inventory: Inventory = new Map();
  const put = (type: SecurableType, item: Json, fallback?: string) => {
    const name =
      typeof item["full_name"] === "string" ? item["full_name"] : (fallback ?? String(item["name"]));
    inventory.set(securableKey(type, name), item);
  };
  for (const c of await all(client, "storage-credentials", "storage_credentials"))
    put("storage_credential", c, String(c["name"]));
  for (const l of await all(client, "external-locations", "external_locations"))
    put("external_location", l, String(l["name"]));
  for (const c of await all(client, "connections", "connections")) put("connection", c, String(c["name"]));
  for (const c of await all(client, "catalogs", "catalogs")) put("catalog", c, String(c["name"]));
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
    for (const s of await all(client, "schemas", "schemas", { catalog_name: catalog }))
      put("schema", s, `${catalog}.${String(s["name"])}`);
  }
  for (const schema of wantedSchemas) {
    if (!inventory.has(securableKey("schema", schema))) continue;
    const [catalog_name, schema_name] = schema.split(".");
    const scope = { catalog_name: catalog_name ?? "", schema_name: schema_name ?? "" };
    for (const t of await all(client, "tables", "tables", scope))
      put("table", t, `${schema}.${String(t["name"])}`);
    for (const v of await all(client, "volumes", "volumes", scope))
      put("volume", v, `${schema}.${String(v["name"])}`);
    for (const f of await all(client, "functions", "functions", scope))
      put("function", f, `${schema}.${String(f["name"])}`);
  }
  return inventory;
}

// ---- SQL statements -----------------------------------------------------------------------------------

/** A SQL warehouse to run statements on: a running one first, else any (it starts on demand). */
export async function findWarehouse(client: DatabricksClient): Promise<string | undefined> {
  const response = await client.get<{ warehouses?: Json[] }>("/api/2.0/sql/warehouses");
  const warehouses = response.warehouses ?? [];
  const running = warehouses.find((w) => w["state"] === "RUNNING");
  const chosen = running ?? warehouses[0];
  return chosen ? String(chosen["id"]) : undefined;
}

export interface StatementOutcome {
  ok: boolean;
  /** The SQL error class and message when it failed. */
  message?: string;
}

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "CANCELED", "CLOSED"]);

/**
 * Run one statement and wait for it. SQL errors come back as data (state FAILED), never thrown;
 * API errors (auth, throttling, outages) are thrown like any other call.
 */
export async function runStatement(
  client: DatabricksClient,
  warehouseId: string,
  statement: string,
  timeoutMs = 5 * 60_000,
): Promise<StatementOutcome> {
  let response = await client.post<Json>("/api/2.0/sql/statements", {
    warehouse_id: warehouseId,
    statement,
    wait_timeout: "30s",
    on_wait_timeout: "CONTINUE",
    format: "JSON_ARRAY",
    disposition: "INLINE",
  });
  const started = Date.now();
  for (;;) {
    const status = (response["status"] ?? {}) as Json;
    const state = text(status["state"], "");
    if (state === "SUCCEEDED") return { ok: true };
    if (TERMINAL.has(state)) {
      const error = (status["error"] ?? {}) as Json;
      return { ok: false, message: `${state}: ${text(error["message"], "no message")}` };
    }
    if (Date.now() - started > timeoutMs)
      return { ok: false, message: `statement still ${state} after ${Math.round(timeoutMs / 1000)} s` };
    await delay(1000);
    response = await client.get<Json>(
      `/api/2.0/sql/statements/${encodeURIComponent(text(response["statement_id"]))}`,
    );
  }
}

export { quoteName } from "./model.js";
