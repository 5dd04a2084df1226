// SQL Statement Execution API (/api/2.0/sql/statements) over the simulated Delta tables:
//   DESCRIBE HISTORY t [LIMIT n]
//   RESTORE [TABLE] t TO VERSION AS OF n | TO TIMESTAMP AS OF 'ts'
//   UNDROP TABLE t
//   SELECT COUNT(*) FROM t [VERSION AS OF n | TIMESTAMP AS OF 'ts']
//   CREATE [OR REPLACE] VIEW [IF NOT EXISTS] v [COMMENT 'c'] AS <query>   (the relations after FROM /
//     JOIN must exist)
//   Unity Catalog DDL, GRANT and ALTER … OWNER TO: see sql-ddl.ts
// Results come back INLINE as JSON_ARRAY (every value a string) with a manifest schema. SQL errors
// answer HTTP 200 with status.state FAILED, an error and a sql_state, like the real service.
// wait_timeout "0s" answers PENDING first; GET /statements/{id} then returns the result.
import type { SimService } from "../core/server.js";
import type { DatabricksAccount, Metastore, TableRecord, DeltaVersion } from "./metastore.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, err, ok, str, uuid } from "./util.js";
import { DdlError, runDdl } from "./sql-ddl.js";

class SqlError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
    readonly sqlState: string,
  ) {
    super(message);
  }
}

interface Column {
  name: string;
  type: string;
}

interface Result {
  columns: Column[];
  rows: (string | null)[][];
}

function parseName(raw: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of raw.trim()) {
    if (ch === "`") quoted = !quoted;
    else if (ch === "." && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim().toLowerCase());
}

const NAME = "((?:`[^`]+`|[\\w]+)(?:\\.(?:`[^`]+`|[\\w]+)){0,2})";

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function registerSqlRoutes(
  service: SimService,
  state: WorkspaceState,
  account: DatabricksAccount,
): void {
  const statements = new Map<string, Json>();

  const resolve = (raw: string, context: { catalog?: string; schema?: string }): string => {
    const parts = parseName(raw);
    const assignment = account.assignments.get(state.workspaceId);
    const catalog = context.catalog?.toLowerCase() ?? assignment?.default_catalog_name ?? "main";
    const schema = context.schema?.toLowerCase() ?? "default";
    if (parts.length === 3) return parts.join(".");
    if (parts.length === 2) return `${catalog}.${parts.join(".")}`;
    return `${catalog}.${schema}.${parts[0] ?? ""}`;
  };

  const table = (m: Metastore, full: string): TableRecord => {
    const t = m.tables.get(full);
    if (!t)
      throw new SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        `[TABLE_OR_VIEW_NOT_FOUND] The table or view \`${full.split(".").join("`.`")}\` cannot be found. Verify the spelling and correctness of the schema and catalog.`,
        "42P01",
      );
    return t;
  };
  const delta = (t: TableRecord): DeltaVersion[] => {
    if (!t.history)
      throw new SqlError(
        "DELTA_ONLY_OPERATION",
        `[DELTA_ONLY_OPERATION] ${String(t.info.full_name)} is only supported for Delta tables.`,
        "0AKDD",
      );
    return t.history;
  };
  const versionAt = (
    history: DeltaVersion[],
    spec: { version?: number; timestamp?: string },
  ): DeltaVersion => {
    if (spec.version !== undefined) {
      const v = history.find((h) => h.version === spec.version);
      if (!v)
        throw new SqlError(
          "DELTA_VERSION_NOT_FOUND",
          `[DELTA_VERSION_NOT_FOUND] Cannot time travel Delta table to version ${spec.version}. Available versions: [${history[0]!.version}, ${history[history.length - 1]!.version}].`,
          "22003",
        );
      return v;
    }
    const ts = Date.parse(spec.timestamp ?? "");
    if (Number.isNaN(ts))
      throw new SqlError(
        "INVALID_TIMESTAMP",
        `[INVALID_TIMESTAMP] '${spec.timestamp}' is not a valid timestamp.`,
        "22007",
      );
    const last = history[history.length - 1]!;
    if (ts > last.timestamp)
      throw new SqlError(
        "DELTA_TIMESTAMP_GREATER_THAN_COMMIT",
        `[DELTA_TIMESTAMP_GREATER_THAN_COMMIT] The provided timestamp (${spec.timestamp}) is after the latest version available to this table (${iso(last.timestamp)}).`,
        "42816",
      );
    const candidates = history.filter((h) => h.timestamp <= ts);
    if (candidates.length === 0)
      throw new SqlError(
        "DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION",
        `[DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION] The provided timestamp (${spec.timestamp}) is before the earliest version available to this table (${iso(history[0]!.timestamp)}).`,
        "42816",
      );
    return candidates[candidates.length - 1]!;
  };
  const timeTravel = (clause: string | undefined, value: string | undefined) =>
    clause?.toUpperCase() === "VERSION"
      ? { version: Number(value) }
      : { timestamp: value?.replace(/^'|'$/g, "") ?? "" };

  const run = (sql: string, context: { catalog?: string; schema?: string }): Result => {
    const text = sql.trim().replace(/;\s*$/, "");
    const m = account.forWorkspace(state.workspaceId);
    let match: RegExpExecArray | null;

    if ((match = new RegExp(`^DESCRIBE\\s+HISTORY\\s+${NAME}(?:\\s+LIMIT\\s+(\\d+))?$`, "i").exec(text))) {
      const history = [...delta(table(m, resolve(match[1]!, context)))].reverse();
      const limited = match[2] ? history.slice(0, Number(match[2])) : history;
      return {
        columns: [
          { name: "version", type: "bigint" },
          { name: "timestamp", type: "timestamp" },
          { name: "userId", type: "string" },
          { name: "userName", type: "string" },
          { name: "operation", type: "string" },
          { name: "operationParameters", type: "map<string,string>" },
          { name: "readVersion", type: "bigint" },
          { name: "isolationLevel", type: "string" },
          { name: "isBlindAppend", type: "boolean" },
          { name: "operationMetrics", type: "map<string,string>" },
          { name: "engineInfo", type: "string" },
        ],
        rows: limited.map((h) => [
          String(h.version),
          iso(h.timestamp),
          "1000000000000001",
          h.userName,
          h.operation,
          JSON.stringify(h.operationParameters),
          h.version > 0 ? String(h.version - 1) : null,
          "WriteSerializable",
          "false",
          JSON.stringify({ numOutputRows: String(h.rows), numFiles: String(Math.ceil(h.rows / 1000)) }),
          "Databricks-Runtime/15.4.x-photon-scala2.12",
        ]),
      };
    }

    if (
      (match = new RegExp(
        `^RESTORE\\s+(?:TABLE\\s+)?${NAME}\\s+(?:TO\\s+)?(VERSION|TIMESTAMP)\\s+AS\\s+OF\\s+('[^']*'|\\d+)$`,
        "i",
      ).exec(text))
    ) {
      const full = resolve(match[1]!, context);
      const history = delta(table(m, full));
      const target = versionAt(history, timeTravel(match[2], match[3]));
      const before = history[history.length - 1]!;
      const params: Json =
        match[2]!.toUpperCase() === "VERSION"
          ? { version: String(target.version) }
          : { timestamp: match[3]!.replace(/^'|'$/g, "") };
      m.commit(full, "RESTORE", target.rows, params);
      const files = (rows: number) => Math.ceil(rows / 1000);
      return {
        columns: [
          { name: "table_size_after_restore", type: "bigint" },
          { name: "num_of_files_after_restore", type: "bigint" },
          { name: "num_removed_files", type: "bigint" },
          { name: "num_restored_files", type: "bigint" },
          { name: "removed_files_size", type: "bigint" },
          { name: "restored_files_size", type: "bigint" },
        ],
        rows: [
          [
            String(target.rows * 100),
            String(files(target.rows)),
            String(files(before.rows)),
            String(files(target.rows)),
            String(before.rows * 100),
            String(target.rows * 100),
          ],
        ],
      };
    }

    if ((match = new RegExp(`^UNDROP\\s+TABLE\\s+${NAME}$`, "i").exec(text))) {
      const full = resolve(match[1]!, context);
      if (m.tables.has(full))
        throw new SqlError(
          "TABLE_OR_VIEW_ALREADY_EXISTS",
          `[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view \`${full}\` because it already exists.`,
          "42P07",
        );
      if (!m.dropped.some((d) => d.info.full_name === full))
        throw new SqlError(
          "UC_TABLE_NOT_FOUND_FOR_UNDROP",
          `[UC_TABLE_NOT_FOUND_FOR_UNDROP] No dropped managed table named ${full} was found within the retention period.`,
          "42P01",
        );
      m.undropTable(full);
      return { columns: [], rows: [] };
    }

    if (
      (match = new RegExp(
        `^SELECT\\s+COUNT\\(\\s*(?:\\*|1)\\s*\\)\\s+FROM\\s+${NAME}(?:\\s+(VERSION|TIMESTAMP)\\s+AS\\s+OF\\s+('[^']*'|\\d+))?$`,
        "i",
      ).exec(text))
    ) {
      const t = table(m, resolve(match[1]!, context));
      let rows: number;
      if (t.info.table_type === "VIEW") rows = 0;
      else {
        const history = delta(t);
        rows = match[2]
          ? versionAt(history, timeTravel(match[2], match[3])).rows
          : history[history.length - 1]!.rows;
      }
      return { columns: [{ name: "count(1)", type: "bigint" }], rows: [[String(rows)]] };
    }

    if (
      (match = new RegExp(
        `^CREATE\\s+(OR\\s+REPLACE\\s+)?VIEW\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}(?:\\s+COMMENT\\s+'((?:[^'\\\\]|\\\\.)*)')?\\s+AS\\s+([\\s\\S]+)$`,
        "i",
      ).exec(text))
    ) {
      const full = resolve(match[3]!, context);
      const [catalog, schema, name] = full.split(".");
      const query = match[5]!.trim();
      const viewComment = match[4] === undefined ? undefined : match[4].replace(/\\(.)/g, "$1");
      // Like Spark, the view's query is analysed: every relation it reads must exist.
      for (const ref of query.matchAll(new RegExp(`\\b(?:FROM|JOIN)\\s+${NAME}`, "gi")))
        table(m, resolve(ref[1]!, context));
      const existing = m.tables.get(full);
      if (existing) {
        if (match[2]) return { columns: [], rows: [] }; // IF NOT EXISTS: leave it as it is
        if (!match[1])
          throw new SqlError(
            "TABLE_OR_VIEW_ALREADY_EXISTS",
            `[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view \`${full}\` because it already exists.`,
            "42P07",
          );
        // OR REPLACE replaces the whole definition: without a COMMENT clause the view has none.
        existing.info.view_definition = query;
        if (viewComment !== undefined) existing.info.comment = viewComment;
        else delete existing.info.comment;
        return { columns: [], rows: [] };
      }
      try {
        m.createTable({
          catalog_name: catalog,
          schema_name: schema,
          name,
          table_type: "VIEW",
          view_definition: query,
          ...(viewComment !== undefined ? { comment: viewComment } : {}),
        });
      } catch (e) {
        throw new SqlError(
          "SCHEMA_NOT_FOUND",
          `[SCHEMA_NOT_FOUND] ${e instanceof Error ? e.message : String(e)}`,
          "42704",
        );
      }
      return { columns: [], rows: [] };
    }

    const assignment = account.assignments.get(state.workspaceId);
    try {
      const ran = runDdl(m, text, {
        catalog: context.catalog?.toLowerCase() ?? assignment?.default_catalog_name ?? "main",
        schema: context.schema?.toLowerCase() ?? "default",
      });
      if (ran) return { columns: [], rows: [] };
    } catch (e) {
      if (e instanceof DdlError) throw new SqlError(e.errorClass, e.message, e.sqlState);
      throw e;
    }

    throw new SqlError(
      "PARSE_SYNTAX_ERROR",
      `[PARSE_SYNTAX_ERROR] Syntax error: the simulator does not support: ${text.slice(0, 80)}`,
      "42601",
    );
  };

  const response = (id: string, result: Result): Json => ({
    statement_id: id,
    status: { state: "SUCCEEDED" },
    manifest: {
      format: "JSON_ARRAY",
      schema: {
        column_count: result.columns.length,
        columns: result.columns.map((c, i) => ({
          name: c.name,
          position: i,
          type_text: c.type.toUpperCase(),
          type_name: c.type.startsWith("map")
            ? "MAP"
            : c.type.toUpperCase() === "BIGINT"
              ? "LONG"
              : c.type.toUpperCase(),
        })),
      },
      total_chunk_count: 1,
      chunks: [{ chunk_index: 0, row_offset: 0, row_count: result.rows.length }],
      total_row_count: result.rows.length,
      truncated: false,
    },
    result: { chunk_index: 0, row_offset: 0, row_count: result.rows.length, data_array: result.rows },
  });

  service.route("POST", "/api/2.0/sql/statements", (req) => {
    const b = body(req);
    const warehouse = str(b.warehouse_id, "warehouse_id", true);
    // The warehouses API (warehouses.ts) lists the workspace's warehouses; statements name one.
    const known = state.sqlWarehouses.records.has(warehouse);
    if (!known && state.warehouses.size > 0 && !state.warehouses.has(warehouse))
      throw err.notFound(`Warehouse ${warehouse} does not exist.`);
    const sql = str(b.statement, "statement", true);
    const format = str(b.format, "format") ?? "JSON_ARRAY";
    if (format !== "JSON_ARRAY")
      throw err.invalid(`The simulator only serves format JSON_ARRAY (got ${format})`);
    if ((str(b.disposition, "disposition") ?? "INLINE") !== "INLINE")
      throw err.invalid("The simulator only serves disposition INLINE");
    const id = uuid(state.rand);
    let out: Json;
    try {
      const catalog = str(b.catalog, "catalog");
      const schema = str(b.schema, "schema");
      out = response(id, run(sql, { ...(catalog ? { catalog } : {}), ...(schema ? { schema } : {}) }));
    } catch (e) {
      if (!(e instanceof SqlError)) throw e;
      out = {
        statement_id: id,
        status: {
          state: "FAILED",
          error: { error_code: "BAD_REQUEST", message: e.message },
          sql_state: e.sqlState,
        },
      };
    }
    statements.set(id, out);
    if (b.wait_timeout === "0s") return ok({ statement_id: id, status: { state: "PENDING" } });
    return ok(out);
  });
  service.route("GET", "/api/2.0/sql/statements/:id", (req) => {
    const s = statements.get(req.params.id ?? "");
    if (!s) throw err.notFound(`Statement ${req.params.id} does not exist.`);
    return ok(s);
  });
  service.route("GET", "/api/2.0/sql/statements/:id/result/chunks/:chunk", (req) => {
    const s = statements.get(req.params.id ?? "");
    if (!s) throw err.notFound(`Statement ${req.params.id} does not exist.`);
    if (req.params.chunk !== "0") throw err.invalid(`Chunk ${req.params.chunk} does not exist`);
    return ok(s.result ?? {});
  });
  service.route("POST", "/api/2.0/sql/statements/:id/cancel", () => ok({}));
}
