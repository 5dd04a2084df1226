// Tables. External Delta tables are re-registered at their location (remapped) through the Tables
// API; external tables in other formats (CSV, Parquet, JSON…), which that API refuses, with
// CREATE TABLE … USING <format> LOCATION on a SQL warehouse. Managed tables hold their data in
// managed storage: planned unsupported with what their data needs (runbook 7.6), or, when the
// operator asks (managedTables=recreate-empty), re-created empty with CREATE TABLE. Comment and
// properties change in place with SQL; location, format or columns need a drop and re-create
// (never of a managed table: that deletes its data).
import type { UnityCatalogRequest } from "../../restore/catalog.js";
import { remapStorage } from "../../restore/engine/remap.js";
import { runSql } from "./context.js";
import { alterTableSql, columns, createTableSql, pick, text, type Json } from "./model.js";
import { securableKind, type SecurableSpec } from "./securable.js";
import { collect } from "../../concurrency.js";
import { schemaScope } from "./backup.js";

const STEP: SecurableSpec["step"] = {
  kind: "items",
  ordering: "parallel",
  name: "tables",
  title: "Tables",
  why: "External tables are re-registered at their locations before the views that read them.",
};

export function recreatesManaged(request: UnityCatalogRequest): boolean {
  return request.managedTables === "recreate-empty";
}

/** An external table the Tables API will not register (CSV, Parquet, JSON…): created with SQL. */
export function isNonDelta(def: Json): boolean {
  return text(def["data_source_format"], "DELTA").toUpperCase() !== "DELTA";
}

const desiredTable = (def: Json, remap: Parameters<SecurableSpec["desired"]>[1]): Json => ({
  name: def["name"],
  catalog_name: def["catalog_name"],
  schema_name: def["schema_name"],
  table_type: def["table_type"],
  data_source_format: def["data_source_format"] ?? "DELTA",
  storage_location: remapStorage(text(def["storage_location"], ""), remap),
  columns: columns(def["columns"]),
  ...pick(def, ["comment", "properties"]),
});

/** The Tables API changes a table's owner only: comment and properties change with SQL. */
async function alterInPlace(
  r: Parameters<SecurableSpec["create"]>[0],
  fullName: string,
  desired: Json,
  fields: string[],
) {
  for (const statement of alterTableSql(fullName, desired, fields))
    await runSql(r, statement, `${statement.split(" ").slice(0, 2).join(" ")} ${fullName}`);
}

const IN_PLACE = "with SQL (COMMENT ON / ALTER TABLE … SET TBLPROPERTIES)";

export const externalTable = securableKind({
  kind: "external_table",
  type: "table",
  label: "External table (Delta, CSV, Parquet…)",
  plural: "external tables",
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "location remapped; non-Delta formats with SQL; comment, properties, format, columns",
  },
  // One listing of every table and view of a schema: the managed table and view handlers' entries
  // come from it too (a table entry is one of the three only once its definition is read).
  backup: {
    parent: "schema",
    async list(b, schema) {
      const scope = schemaScope(schema!);
      const tables = await collect(b.uc.listTables(scope));
      return {
        found: tables.map((t) => ({
          fullName:
            typeof t["full_name"] === "string"
              ? t["full_name"]
              : `${scope.catalogName}.${scope.schemaName}.${String(t["name"])}`,
          definition: t,
        })),
        summary: { tables: tables.length },
      };
    },
  },
  compared: {
    mutable: ["comment", "properties"],
    replace: ["storage_location", "data_source_format", "columns"],
    fixed: ["table_type"],
  },
  desired: desiredTable,
  createReason(_r, def, desired) {
    const format = text(desired["data_source_format"], "DELTA");
    return isNonDelta(def)
      ? `create with CREATE TABLE … USING ${format} LOCATION '${String(desired["storage_location"])}' on a SQL warehouse (the Tables API registers only Delta tables)`
      : `re-register at ${String(desired["storage_location"])}`;
  },
  inPlace: IN_PLACE,
  async create(r, fullName, desired) {
    if (isNonDelta(desired)) await runSql(r, createTableSql(desired, false), `CREATE TABLE ${fullName}`);
    else
      await r.target.apis.unityCatalog.createTable(
        desired as Json & { name: string; catalog_name: string; schema_name: string },
      );
  },
  update: alterInPlace,
});

export const managedTable = securableKind({
  kind: "managed_table",
  type: "table",
  label: "Managed table",
  plural: "managed tables (re-created empty)",
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "definition only, on request (recreate-empty; data: runbook 7.6); comment, properties, columns",
  },
  // Columns of a managed table change only by altering it (or by dropping it, which deletes its
  // data): a difference is a conflict, and a table re-created empty is checked to have the backup's.
  compared: { mutable: ["comment", "properties"], replace: [], fixed: ["columns"] },
  desired: desiredTable,
  holdBack(r, _o, def, exists) {
    if (exists || recreatesManaged(r.request)) return undefined;
    return `MANAGED table: its data lives in managed storage (${text(def["storage_location"], "?")}). Restore the data with Delta DEEP CLONE from a replica or a storage-level restore of the managed location (runbook 7.6), then re-run this restore for its grants and owner; or re-run with managedTables=recreate-empty to re-create its definition empty now`;
  },
  createReason: (_r, _def, desired) =>
    `re-create its definition EMPTY with CREATE TABLE … USING ${text(desired["data_source_format"], "DELTA")} on a SQL warehouse (managedTables=recreate-empty); its data comes from the data-recovery scenario (runbook 7.6)`,
  inPlace: IN_PLACE,
  createdDetail: "re-created EMPTY: restore its data (runbook 7.6)",
  async create(r, fullName, desired) {
    await runSql(r, createTableSql(desired, true), `CREATE TABLE ${fullName}`);
  },
  update: alterInPlace,
});
