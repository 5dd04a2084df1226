// Unity Catalog metadata as SQL anyone can run in a Databricks SQL editor or through the SQL
// Statement Execution API: DDL in dependency order (external locations, catalogs, schemas, tables,
// views after what they read, volumes, functions), then GRANTs, then owners (last, so the one
// running the script keeps the right to grant until the end). What SQL cannot create (storage
// credentials, connections with their secrets) gets its REST create body as JSON and a comment, and
// so does what SQL cannot set: the isolation and workspace bindings of ISOLATED catalogs, storage
// credentials and external locations (REST requests to send last, after the DR workspace ids).
import type { SecurableType } from "../sources/unity-catalog-source.js";
import type { ManifestEntry } from "../store/manifest.js";
import { unityCatalogRequestPaths, type BindingSecurableType } from "../clients/databricks/index.js";
import { AzdrError } from "../errors.js";
import { desiredBody } from "../kinds/unity-catalog/index.js";
import { grantSet, restoreKindOf, text, viewDependencies, type Json } from "../kinds/unity-catalog/model.js";
import { NO_REMAP } from "../restore/engine/request.js";
import { readAll, type ComponentExporter } from "./sink.js";

export const UC_SQL_FILE = "unity-catalog.sql";
export const UC_STATEMENTS_FILE = "unity-catalog-statements.json";

/** `a`.`b`.`c`: every part quoted, backticks doubled. */
export function sqlName(fullName: string): string {
  return fullName
    .split(".")
    .map((part) => `\`${part.replaceAll("`", "``")}\``)
    .join(".");
}

const ident = (name: string) => `\`${name.replaceAll("`", "``")}\``;

/** A SQL string literal (Databricks SQL: backslash escapes). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

const comment = (def: Json) =>
  typeof def["comment"] === "string" && def["comment"] ? ` COMMENT ${sqlString(def["comment"])}` : "";

/** SQL keyword of each securable type in GRANT ... ON <type> and ALTER <type> ... OWNER TO. */
const SQL_TYPE: Record<SecurableType, string> = {
  metastore: "METASTORE",
  storage_credential: "STORAGE CREDENTIAL",
  credential: "SERVICE CREDENTIAL",
  external_location: "EXTERNAL LOCATION",
  connection: "CONNECTION",
  catalog: "CATALOG",
  schema: "SCHEMA",
  table: "TABLE",
  volume: "VOLUME",
  function: "FUNCTION",
};

/** API privilege names (USE_CATALOG) as SQL writes them (USE CATALOG). */
export function sqlPrivilege(privilege: string): string {
  return privilege.replaceAll("_", " ");
}

export interface Statement {
  section: string;
  /** Full name of what it creates or changes. */
  object: string;
  sql: string;
  /** Set when the statement is written commented out: why it should not run as is. */
  disabled?: string;
}

interface Securable {
  type: SecurableType;
  fullName: string;
  def: Json;
}

function columnList(def: Json): string {
  const columns = ((def["columns"] as Json[] | undefined) ?? [])
    .slice()
    .sort((a, b) => Number(a["position"] ?? 0) - Number(b["position"] ?? 0));
  return columns
    .map(
      (c) =>
        `  ${ident(text(c["name"]))} ${text(c["type_text"], text(c["type_name"], "string")).toUpperCase()}${c["nullable"] === false ? " NOT NULL" : ""}${comment(c)}`,
    )
    .join(",\n");
}

function partitionClause(def: Json): string {
  const parts = ((def["columns"] as Json[] | undefined) ?? [])
    .filter((c) => typeof c["partition_index"] === "number")
    .sort((a, b) => Number(a["partition_index"]) - Number(b["partition_index"]))
    .map((c) => ident(text(c["name"])));
  return parts.length ? `\nPARTITIONED BY (${parts.join(", ")})` : "";
}

function tableSql(s: Securable): string {
  const format = text(s.def["data_source_format"], "DELTA").toUpperCase();
  const location = text(s.def["storage_location"]);
  const columns = columnList(s.def);
  return `CREATE TABLE IF NOT EXISTS ${sqlName(s.fullName)}${columns ? ` (\n${columns}\n)` : ""}\nUSING ${format}${partitionClause(s.def)}${location ? `\nLOCATION ${sqlString(location)}` : ""}${comment(s.def)}`;
}

function functionSql(s: Securable): string {
  const params = (((s.def["input_params"] as Json | undefined)?.["parameters"] as Json[] | undefined) ?? [])
    .slice()
    .sort((a, b) => Number(a["position"] ?? 0) - Number(b["position"] ?? 0))
    .map((p) => `${ident(text(p["name"]))} ${text(p["type_text"], "string").toUpperCase()}${comment(p)}`);
  const returns = text(s.def["full_data_type"], text(s.def["data_type"], "STRING"));
  const body = text(s.def["routine_definition"]);
  const deterministic = s.def["is_deterministic"] === true ? "\nDETERMINISTIC" : "";
  const head = `CREATE FUNCTION IF NOT EXISTS ${sqlName(s.fullName)}(${params.join(", ")})\nRETURNS ${returns}${comment(s.def)}${deterministic}`;
  if (text(s.def["routine_body"], "SQL") === "EXTERNAL")
    return `${head}\nLANGUAGE ${text(s.def["external_language"], "PYTHON").toUpperCase()}\nAS $$\n${body}\n$$`;
  return `${head}\nRETURN ${body}`;
}

/** Views after every view they read (tables come earlier anyway); cycles keep backup order. */
export function orderViews<T extends { fullName: string; def: Json }>(views: T[]): T[] {
  const byName = new Map(views.map((v) => [v.fullName.toLowerCase(), v]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: T[] = [];
  const visit = (view: T) => {
    const key = view.fullName.toLowerCase();
    if (done.has(key) || visiting.has(key)) return;
    visiting.add(key);
    for (const dep of viewDependencies(view.def)) {
      const other = byName.get(dep);
      if (other) visit(other);
    }
    visiting.delete(key);
    done.add(key);
    ordered.push(view);
  };
  for (const view of [...views].sort((a, b) => a.fullName.localeCompare(b.fullName))) visit(view);
  return ordered;
}

/** The backed-up isolation and workspace bindings of one securable (a `bindings/…` entry). */
export interface BindingsRecord {
  type: SecurableType;
  fullName: string;
  isolationMode: string;
  bindings: { workspace_id: number; binding_type: string }[];
}

/** REST collection of the securables that take bindings. */
const BINDABLE_API: Partial<
  Record<SecurableType, "catalogs" | "storage-credentials" | "external-locations" | "credentials">
> = {
  catalog: "catalogs",
  storage_credential: "storage-credentials",
  credential: "credentials",
  external_location: "external-locations",
};

/** The two PATCH requests that isolate a securable and bind its workspaces, in order. */
export function bindingRequests(record: BindingsRecord): { method: "PATCH"; path: string; body: Json }[] {
  const collection = BINDABLE_API[record.type];
  if (!collection)
    throw new AzdrError("INVALID_INPUT", `${record.type} securables take no workspace bindings`);
  return [
    {
      method: "PATCH",
      path: unityCatalogRequestPaths.securable(collection, record.fullName),
      body: { isolation_mode: record.isolationMode },
    },
    {
      method: "PATCH",
      path: unityCatalogRequestPaths.bindings(record.type as BindingSecurableType, record.fullName),
      body: { add: record.bindings },
    },
  ];
}

export function bindingsFile(record: BindingsRecord): string {
  return `unity-catalog/bindings/${record.type}/${encodeURIComponent(record.fullName)}.json`;
}

/** The ordered statements for a Unity Catalog snapshot, plus the REST bodies SQL cannot replace. */
export function buildStatements(
  securables: Securable[],
  grants: { type: SecurableType; fullName: string; assignments: Json[] }[],
  isolated: BindingsRecord[] = [],
): { statements: Statement[]; restBodies: { path: string; body: Json; why: string }[] } {
  const statements: Statement[] = [];
  const restBodies: { path: string; body: Json; why: string }[] = [];
  const of = (type: SecurableType) =>
    securables.filter((s) => s.type === type).sort((a, b) => a.fullName.localeCompare(b.fullName));

  for (const s of of("storage_credential")) {
    const path = `unity-catalog/storage-credentials/${encodeURIComponent(s.fullName)}.json`;
    restBodies.push({
      path,
      body: desiredBody("storage_credential", s.def, NO_REMAP),
      why: "SQL cannot create a storage credential",
    });
    statements.push({
      section: "storage credentials",
      object: s.fullName,
      sql: `-- STORAGE CREDENTIAL ${ident(s.fullName)}: SQL cannot create it. POST /api/2.1/unity-catalog/storage-credentials with ${path} (the access connector must exist in the target).`,
      disabled: "REST only",
    });
  }
  for (const s of of("credential")) {
    const path = `unity-catalog/service-credentials/${encodeURIComponent(s.fullName)}.json`;
    restBodies.push({
      path,
      body: desiredBody("credential", s.def, NO_REMAP),
      why: "SQL cannot create a service credential",
    });
    statements.push({
      section: "service credentials",
      object: s.fullName,
      sql: `-- SERVICE CREDENTIAL ${ident(s.fullName)}: SQL cannot create it. POST /api/2.1/unity-catalog/credentials with ${path} (the access connector must exist in the target).`,
      disabled: "REST only",
    });
  }
  for (const s of of("external_location")) {
    statements.push({
      section: "external locations",
      object: s.fullName,
      sql: `CREATE EXTERNAL LOCATION IF NOT EXISTS ${ident(s.fullName)}\nURL ${sqlString(text(s.def["url"]))}\nWITH (STORAGE CREDENTIAL ${ident(text(s.def["credential_name"]))})${comment(s.def)}`,
    });
  }
  for (const s of of("connection")) {
    const path = `unity-catalog/connections/${encodeURIComponent(s.fullName)}.json`;
    restBodies.push({
      path,
      body: desiredBody("connection", s.def, NO_REMAP),
      why: "its secret options (password, token) were never backed up: add them before creating it",
    });
    statements.push({
      section: "connections",
      object: s.fullName,
      sql: `-- CONNECTION ${ident(s.fullName)} (${text(s.def["connection_type"])}): its secrets were never backed up. Add them to ${path} and POST it to /api/2.1/unity-catalog/connections, or write CREATE CONNECTION with them.`,
      disabled: "needs secrets",
    });
  }
  for (const s of of("catalog")) {
    const root = text(s.def["storage_root"]);
    const connection = text(s.def["connection_name"]);
    const share = text(s.def["share_name"]);
    let sql: string;
    if (connection) {
      const options = Object.entries((s.def["options"] ?? {}) as Json)
        .map(([k, v]) => `${k} ${sqlString(text(v))}`)
        .join(", ");
      sql = `CREATE FOREIGN CATALOG IF NOT EXISTS ${ident(s.fullName)} USING CONNECTION ${ident(connection)}${options ? ` OPTIONS (${options})` : ""}${comment(s.def)}`;
    } else if (share)
      sql = `CREATE CATALOG IF NOT EXISTS ${ident(s.fullName)} USING SHARE ${ident(text(s.def["provider_name"]))}.${ident(share)}${comment(s.def)}`;
    else
      sql = `CREATE CATALOG IF NOT EXISTS ${ident(s.fullName)}${root ? ` MANAGED LOCATION ${sqlString(root)}` : ""}${comment(s.def)}`;
    statements.push({ section: "catalogs", object: s.fullName, sql });
  }
  for (const s of of("schema")) {
    const root = text(s.def["storage_root"]);
    statements.push({
      section: "schemas",
      object: s.fullName,
      sql: `CREATE SCHEMA IF NOT EXISTS ${sqlName(s.fullName)}${root ? ` MANAGED LOCATION ${sqlString(root)}` : ""}${comment(s.def)}`,
    });
  }
  const tables = of("table");
  const managed = new Set<string>();
  const views: Securable[] = [];
  for (const s of tables) {
    const kind = restoreKindOf("table", s.def);
    if (kind === "view") {
      views.push(s);
      continue;
    }
    if (kind === "managed_table") {
      managed.add(s.fullName.toLowerCase());
      statements.push({
        section: "tables",
        object: s.fullName,
        sql: tableSql({ ...s, def: { ...s.def, storage_location: undefined } }),
        disabled:
          "MANAGED table: this would create it empty. Its data is not in this export: restore it with a Delta deep clone or a storage-level restore (runbook 7.6), or run this to get the empty table",
      });
      continue;
    }
    statements.push({ section: "tables", object: s.fullName, sql: tableSql(s) });
  }
  const blocked = new Set<string>();
  for (const view of orderViews(views)) {
    const missing = viewDependencies(view.def).find((d) => managed.has(d) || blocked.has(d));
    if (missing) blocked.add(view.fullName.toLowerCase());
    statements.push({
      section: "views",
      object: view.fullName,
      sql: `CREATE VIEW IF NOT EXISTS ${sqlName(view.fullName)}${comment(view.def)}\nAS ${text(view.def["view_definition"]).trim()}`,
      ...(missing
        ? {
            disabled: `reads ${missing}, which this script does not create (managed table data, runbook 7.6)`,
          }
        : {}),
    });
  }
  for (const s of of("volume")) {
    const external = text(s.def["volume_type"]) === "EXTERNAL";
    statements.push({
      section: "volumes",
      object: s.fullName,
      sql: `CREATE ${external ? "EXTERNAL " : ""}VOLUME IF NOT EXISTS ${sqlName(s.fullName)}${external ? ` LOCATION ${sqlString(text(s.def["storage_location"]))}` : ""}${comment(s.def)}`,
    });
  }
  for (const s of of("function"))
    statements.push({ section: "functions", object: s.fullName, sql: functionSql(s) });

  const skippedObjects = new Set(statements.filter((s) => s.disabled).map((s) => s.object.toLowerCase()));
  const sortedGrants = [...grants].sort((a, b) =>
    a.type === b.type ? a.fullName.localeCompare(b.fullName) : a.type.localeCompare(b.type),
  );
  for (const g of sortedGrants) {
    const set = grantSet(g.assignments);
    for (const [principal, privileges] of [...set.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const on =
        g.type === "metastore"
          ? "METASTORE"
          : `${SQL_TYPE[g.type]} ${g.type === "catalog" || g.type === "storage_credential" || g.type === "credential" || g.type === "external_location" || g.type === "connection" ? ident(g.fullName) : sqlName(g.fullName)}`;
      statements.push({
        section: "grants",
        object: g.fullName,
        sql: `GRANT ${[...privileges].sort().map(sqlPrivilege).join(", ")} ON ${on} TO ${ident(principal)}`,
        ...(skippedObjects.has(g.fullName.toLowerCase()) && g.type !== "metastore"
          ? { disabled: "the object is not created by this script" }
          : {}),
      });
    }
  }
  for (const s of securables
    .filter((x) => typeof x.def["owner"] === "string" && x.def["owner"])
    .sort((a, b) => a.type.localeCompare(b.type) || a.fullName.localeCompare(b.fullName))) {
    const isView = s.type === "table" && restoreKindOf("table", s.def) === "view";
    const top =
      s.type === "catalog" ||
      s.type === "storage_credential" ||
      s.type === "credential" ||
      s.type === "external_location" ||
      s.type === "connection";
    statements.push({
      section: "owners",
      object: s.fullName,
      sql: `ALTER ${isView ? "VIEW" : SQL_TYPE[s.type]} ${top ? ident(s.fullName) : sqlName(s.fullName)} OWNER TO ${ident(text(s.def["owner"]))}`,
      ...(skippedObjects.has(s.fullName.toLowerCase())
        ? { disabled: "the object is not created by this script" }
        : {}),
    });
  }
  // Isolation last, as the restore does: isolating earlier could lock the script's own workspace out.
  for (const record of [...isolated].sort(
    (a, b) => a.type.localeCompare(b.type) || a.fullName.localeCompare(b.fullName),
  )) {
    const path = bindingsFile(record);
    const bound = record.bindings
      .map((b) => `${b.workspace_id} (${b.binding_type.replace("BINDING_TYPE_", "")})`)
      .join(", ");
    restBodies.push({
      path,
      body: {
        securable_type: record.type,
        full_name: record.fullName,
        isolation_mode: record.isolationMode,
        bindings: record.bindings,
        requests: bindingRequests(record),
      },
      why: "SQL cannot isolate a securable or bind workspaces to it",
    });
    statements.push({
      section: "workspace bindings",
      object: record.fullName,
      sql: `-- ${SQL_TYPE[record.type]} ${ident(record.fullName)} is ${record.isolationMode}, bound to workspace(s) ${bound || "none"} in the backup. SQL cannot set this: send the two PATCH requests in ${path} last, with the backed-up workspace ids replaced by their DR counterparts (keep the workspace you run this from bound).`,
      disabled: "REST only",
    });
  }
  return { statements, restBodies };
}

export function renderSql(statements: Statement[], header: string[]): string {
  const lines = header.map((h) => `-- ${h}`);
  let section = "";
  for (const s of statements) {
    if (s.section !== section) {
      section = s.section;
      lines.push("", `-- ==== ${section} ${"=".repeat(Math.max(0, 70 - section.length))}`);
    }
    if (s.sql.startsWith("--")) lines.push(s.sql);
    else if (s.disabled)
      lines.push(`-- NOT RUN: ${s.disabled}`, ...`${s.sql};`.split("\n").map((l) => `-- ${l}`));
    else lines.push(`${s.sql};`);
  }
  return `${lines.join("\n")}\n`;
}

function securableOf(entry: ManifestEntry): SecurableType | undefined {
  const types: SecurableType[] = [
    "storage_credential",
    "credential",
    "external_location",
    "connection",
    "catalog",
    "schema",
    "table",
    "volume",
    "function",
  ];
  return types.find((t) => t === entry.kind);
}

export const exportUnityCatalog: ComponentExporter = async (manifest, sink) => {
  const securables: Securable[] = [];
  const grants: { type: SecurableType; fullName: string; assignments: Json[] }[] = [];
  const isolated: BindingsRecord[] = [];
  let metastore: Json | undefined;
  await readAll(sink, manifest.entries, async (entry) => {
    const value = await sink.json<Json>(entry);
    if (entry.kind === "grants") {
      grants.push({
        type: text(value["securable_type"]) as SecurableType,
        fullName: text(value["full_name"]),
        assignments: (value["privilege_assignments"] as Json[] | undefined) ?? [],
      });
      return;
    }
    if (entry.kind === "bindings") {
      isolated.push({
        type: text(value["securable_type"]) as SecurableType,
        fullName: text(value["full_name"]),
        isolationMode: text(value["isolation_mode"]),
        bindings: ((value["bindings"] as Json[] | undefined) ?? []).map((b) => ({
          workspace_id: Number(b["workspace_id"]),
          binding_type: text(b["binding_type"], "BINDING_TYPE_READ_WRITE"),
        })),
      });
      return;
    }
    if (entry.kind === "metastore") {
      metastore = value;
      return;
    }
    const type = securableOf(entry);
    if (!type) return;
    const fullName =
      typeof entry.meta?.["fullName"] === "string"
        ? entry.meta["fullName"]
        : text(value["full_name"], text(value["name"]));
    securables.push({ type, fullName, def: value });
  });
  const { statements, restBodies } = buildStatements(securables, grants, isolated);
  for (const rest of restBodies) await sink.write(rest.path, `${JSON.stringify(rest.body, null, 2)}\n`);
  if (metastore) await sink.write("unity-catalog/metastore.json", `${JSON.stringify(metastore, null, 2)}\n`);
  const header = [
    `Unity Catalog metadata of ${manifest.sourceId}, snapshot ${manifest.snapshotId} (${manifest.endedAt}), exported by azdr.`,
    `Metastore ${text(metastore?.["name"], "?")} (${text(metastore?.["metastore_id"], text(manifest.summary?.["metastoreId"], "?"))}): assign the target workspace to a metastore first.`,
    "Run in order (a SQL warehouse, or POST /api/2.0/sql/statements one statement at a time).",
    "Statements that cannot run as they are are commented out with the reason (NOT RUN).",
  ];
  await sink.write(UC_SQL_FILE, renderSql(statements, header));
  await sink.write(
    UC_STATEMENTS_FILE,
    `${JSON.stringify(
      statements
        .filter((s) => !s.disabled && !s.sql.startsWith("--"))
        .map((s) => ({ section: s.section, object: s.object, statement: s.sql })),
      null,
      2,
    )}\n`,
  );
  for (const s of statements)
    if (s.disabled && !["grants", "owners", "workspace bindings"].includes(s.section))
      sink.note(s.object, s.disabled);
  const count = (section: string) => statements.filter((s) => s.section === section && !s.disabled).length;
  return {
    title: "Unity Catalog",
    body: [
      `\`${UC_SQL_FILE}\`: the metadata as SQL, in the order it must run: external locations, catalogs (${count("catalogs")}), schemas (${count("schemas")}), tables (${count("tables")}), views (${count("views")}, each after the tables and views it reads), volumes (${count("volumes")}), functions (${count("functions")}), then GRANTs (${count("grants")}) and owners (${count("owners")}) last. Every CREATE has IF NOT EXISTS, so a re-run is harmless.`,
      `\`${UC_STATEMENTS_FILE}\`: the same runnable statements as a JSON list, to send one by one: \`POST /api/2.0/sql/statements {"warehouse_id": "…", "statement": "<statement>"}\` (or \`databricks api post /api/2.0/sql/statements --json …\`).`,
      "`unity-catalog/storage-credentials/*.json` and `unity-catalog/connections/*.json`: REST create bodies for what SQL cannot create (storage credentials; connections, whose secrets were never backed up: add them first). Create storage credentials before running the SQL: external locations need them.",
      `\`unity-catalog/bindings/<type>/<name>.json\` (${isolated.length}): the isolation and workspace bindings of ISOLATED catalogs, storage credentials and external locations, as the two PATCH requests that set them (\`requests\`). SQL cannot set them: send them LAST, after replacing the backed-up workspace ids with their DR counterparts and keeping the workspace you run from bound (isolating earlier locks out every other workspace).`,
      "Managed tables are written commented out (NOT RUN): this export has their definitions, not their data (runbook 7.6: Delta deep clone or storage-level restore). Views over them are commented out too.",
      "External tables are created over their existing LOCATION: their data and table properties come from the Delta log there.",
    ],
  };
};
