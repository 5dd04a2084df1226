// Unity Catalog DDL and DCL through the SQL Statement Execution API, the subset of the Databricks
// SQL reference a metadata rebuild needs (clauses as documented; options the simulator does not
// model are accepted and ignored):
//   CREATE EXTERNAL LOCATION [IF NOT EXISTS] l URL 'u' WITH (STORAGE CREDENTIAL c) [COMMENT 'x']
//   CREATE CATALOG [IF NOT EXISTS] c [MANAGED LOCATION 'u'] [COMMENT 'x']
//   CREATE {SCHEMA|DATABASE} [IF NOT EXISTS] c.s [MANAGED LOCATION 'u'] [COMMENT 'x']
//   CREATE [EXTERNAL] TABLE [IF NOT EXISTS] c.s.t [(col type [NOT NULL] [COMMENT 'x'], …)]
//          [USING fmt] [PARTITIONED BY (…)] [LOCATION 'u'] [COMMENT 'x'] [TBLPROPERTIES (…)]
//   CREATE [EXTERNAL] VOLUME [IF NOT EXISTS] c.s.v [LOCATION 'u'] [COMMENT 'x']
//   CREATE FUNCTION [IF NOT EXISTS] c.s.f(p type, …) RETURNS type [COMMENT 'x'] [DETERMINISTIC]
//          {RETURN expr | LANGUAGE PYTHON AS $$ … $$}
//   GRANT priv [, …] ON <securable> name TO principal
//   ALTER <securable> name OWNER TO principal
//   COMMENT ON {CATALOG|SCHEMA|TABLE|VOLUME|…} name IS {'x' | NULL}
//   ALTER {TABLE|VIEW} name SET TBLPROPERTIES ('k' = 'v', …) | UNSET TBLPROPERTIES [IF EXISTS] ('k', …)
// A table without LOCATION is MANAGED; with LOCATION it is EXTERNAL.
import { SimHttpError } from "../core/server.js";
import type { Metastore, SecurableKind } from "./metastore.js";
import type { Json } from "./state.js";

export class DdlError extends Error {
  constructor(
    readonly errorClass: string,
    message: string,
    readonly sqlState: string,
  ) {
    super(`[${errorClass}] ${message}`);
  }
}

const NAME = "((?:`(?:[^`]|``)+`|[\\w-]+)(?:\\s*\\.\\s*(?:`(?:[^`]|``)+`|[\\w-]+)){0,2})";
const STRING = "'((?:[^'\\\\]|\\\\.)*)'";

/** `a`.`b`.c → ["a", "b", "c"] (lower case, backticks removed). */
export function nameParts(raw: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  const text = raw.trim();
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "`") {
      if (quoted && text[i + 1] === "`") {
        current += "`";
        i++;
      } else quoted = !quoted;
    } else if (ch === "." && !quoted) {
      parts.push(current.trim());
      current = "";
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.map((p) => p.toLowerCase());
}

/** A principal keeps its case: `Data Engineers` → Data Engineers. */
function principalName(raw: string): string {
  const t = raw.trim();
  return t.startsWith("`") ? t.slice(1, -1).replaceAll("``", "`") : t;
}

function unquote(body: string): string {
  return body.replace(/\\(.)/g, "$1");
}

/** The balanced (...) block starting at text[start] === "(": its inside and the index after it. */
function balanced(text: string, start: number): { inside: string; end: number } {
  let depth = 0;
  let quote = "";
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === "`") quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return { inside: text.slice(start + 1, i), end: i + 1 };
  }
  throw new DdlError("PARSE_SYNTAX_ERROR", "unbalanced parentheses", "42601");
}

/** Split on commas outside quotes, parentheses and angle brackets. */
function topLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = "";
  let current = "";
  for (let i = 0; i < list.length; i++) {
    const ch = list[i]!;
    current += ch;
    if (quote) {
      if (ch === "\\") current += list[++i] ?? "";
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === "`") quote = ch;
    else if (ch === "(" || ch === "<") depth++;
    else if (ch === ")" || ch === ">") depth--;
    else if (ch === "," && depth === 0) {
      out.push(current.slice(0, -1).trim());
      current = "";
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Clause values found after the object name (COMMENT, LOCATION, USING…). */
function clause(rest: string, keyword: string): string | undefined {
  const m = new RegExp(`\\b${keyword}\\s+${STRING}`, "i").exec(rest);
  return m ? unquote(m[1]!) : undefined;
}

function columnDef(text: string, position: number): Json {
  const m = new RegExp(`^(\`(?:[^\`]|\`\`)+\`|[\\w]+)\\s+([\\s\\S]+)$`).exec(text.trim());
  if (!m) throw new DdlError("PARSE_SYNTAX_ERROR", `bad column definition: ${text}`, "42601");
  let type = m[2]!;
  const commentMatch = new RegExp(`\\s+COMMENT\\s+${STRING}\\s*$`, "i").exec(type);
  const commentText = commentMatch ? unquote(commentMatch[1]!) : undefined;
  if (commentMatch) type = type.slice(0, commentMatch.index);
  const notNull = /\s+NOT\s+NULL\s*$/i.test(type);
  type = type.replace(/\s+NOT\s+NULL\s*$/i, "").trim();
  const typeText = type.toLowerCase();
  return {
    name: principalName(m[1]!).toLowerCase(),
    type_text: typeText,
    type_name: (typeText.split(/[<(]/)[0] ?? typeText).toUpperCase().replace("BIGINT", "LONG"),
    position,
    nullable: !notNull,
    ...(commentText !== undefined ? { comment: commentText } : {}),
  };
}

const SECURABLE: [RegExp, SecurableKind][] = [
  [/^STORAGE\s+CREDENTIAL$/i, "storage_credential"],
  [/^EXTERNAL\s+LOCATION$/i, "external_location"],
  [/^CONNECTION$/i, "connection"],
  [/^CATALOG$/i, "catalog"],
  [/^(SCHEMA|DATABASE)$/i, "schema"],
  [/^(TABLE|VIEW|MATERIALIZED\s+VIEW)$/i, "table"],
  [/^VOLUME$/i, "volume"],
  [/^FUNCTION$/i, "function"],
  [/^METASTORE$/i, "metastore"],
];
const SECURABLE_WORDS =
  "(STORAGE\\s+CREDENTIAL|EXTERNAL\\s+LOCATION|CONNECTION|CATALOG|SCHEMA|DATABASE|MATERIALIZED\\s+VIEW|TABLE|VIEW|VOLUME|FUNCTION)";

function securableKind(word: string): SecurableKind {
  return SECURABLE.find(([re]) => re.test(word.trim()))![1];
}

/** Runs one DDL/DCL statement; false when it is not one of these (the caller tries others). */
export function runDdl(m: Metastore, text: string, context: { catalog: string; schema: string }): boolean {
  /** A name completed from the session's catalog and schema, as `depth` parts. */
  const resolve = (raw: string, depth = 3): string[] => {
    const parts = nameParts(raw);
    const defaults = [context.catalog, context.schema].slice(0, depth - 1);
    return [...defaults.slice(0, Math.max(0, depth - parts.length)), ...parts].slice(-depth);
  };
  let match: RegExpExecArray | null;
  const ifNotExists = (flag: string | undefined, fn: () => void) => {
    try {
      fn();
    } catch (error) {
      if (flag && error instanceof SimHttpError && /ALREADY_EXISTS/.test(error.code)) return;
      throw translate(error);
    }
  };

  if (
    (match = new RegExp(
      `^CREATE\\s+EXTERNAL\\s+LOCATION\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}\\s+([\\s\\S]*)$`,
      "i",
    ).exec(text))
  ) {
    const rest = match[3]!;
    const url = clause(rest, "URL");
    const credential = /WITH\s*\(\s*STORAGE\s+CREDENTIAL\s+(`(?:[^`]|``)+`|[\w-]+)\s*\)/i.exec(rest)?.[1];
    if (!url || !credential)
      throw new DdlError(
        "PARSE_SYNTAX_ERROR",
        "CREATE EXTERNAL LOCATION needs URL '…' WITH (STORAGE CREDENTIAL …)",
        "42601",
      );
    const comment = clause(rest, "COMMENT");
    ifNotExists(match[1], () =>
      m.createExternalLocation({
        name: principalName(match![2]!),
        url,
        credential_name: principalName(credential),
        ...(comment !== undefined ? { comment } : {}),
      }),
    );
    return true;
  }

  if (
    (match = new RegExp(`^CREATE\\s+CATALOG\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}([\\s\\S]*)$`, "i").exec(
      text,
    ))
  ) {
    const rest = match[3]!;
    const root = clause(rest, "MANAGED\\s+LOCATION");
    const comment = clause(rest, "COMMENT");
    ifNotExists(match[1], () =>
      m.createCatalog({
        name: nameParts(match![2]!)[0],
        ...(root !== undefined ? { storage_root: root } : {}),
        ...(comment !== undefined ? { comment } : {}),
      }),
    );
    return true;
  }

  if (
    (match = new RegExp(
      `^CREATE\\s+(?:SCHEMA|DATABASE)\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}([\\s\\S]*)$`,
      "i",
    ).exec(text))
  ) {
    const [catalog, schema] = resolve(match[2]!, 2);
    const rest = match[3]!;
    const root = clause(rest, "(?:MANAGED\\s+)?LOCATION");
    const comment = clause(rest, "COMMENT");
    ifNotExists(match[1], () =>
      m.createSchema({
        catalog_name: catalog,
        name: schema,
        ...(root !== undefined ? { storage_root: root } : {}),
        ...(comment !== undefined ? { comment } : {}),
      }),
    );
    return true;
  }

  if (
    (match = new RegExp(
      `^CREATE\\s+(?:EXTERNAL\\s+)?TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}\\s*([\\s\\S]*)$`,
      "i",
    ).exec(text))
  ) {
    const [catalog, schema, name] = resolve(match[2]!);
    let rest = match[3]!;
    let columns: Json[] = [];
    if (rest.startsWith("(")) {
      const block = balanced(rest, 0);
      columns = topLevel(block.inside).map((c, i) => columnDef(c, i));
      rest = rest.slice(block.end);
    }
    const partitioned = /PARTITIONED\s+BY\s*\(/i.exec(rest);
    if (partitioned) {
      const block = balanced(rest, partitioned.index + partitioned[0].length - 1);
      topLevel(block.inside).forEach((p, i) => {
        const column = columns.find((c) => c["name"] === principalName(p).toLowerCase());
        if (column) column["partition_index"] = i;
      });
    }
    const properties: Json = {};
    const props = /TBLPROPERTIES\s*\(/i.exec(rest);
    if (props) {
      const block = balanced(rest, props.index + props[0].length - 1);
      for (const pair of topLevel(block.inside)) {
        const kv = new RegExp(`^${STRING}\\s*=?\\s*${STRING}$`).exec(pair.trim());
        if (kv) properties[unquote(kv[1]!)] = unquote(kv[2]!);
      }
    }
    const location = clause(rest.replace(/TBLPROPERTIES\s*\([\s\S]*$/i, ""), "LOCATION");
    const comment = clause(rest, "COMMENT");
    const format = /\bUSING\s+(\w+)/i.exec(rest)?.[1]?.toUpperCase() ?? "DELTA";
    ifNotExists(match[1], () =>
      m.createTable({
        catalog_name: catalog,
        schema_name: schema,
        name,
        table_type: location ? "EXTERNAL" : "MANAGED",
        data_source_format: format,
        columns,
        ...(location ? { storage_location: location } : {}),
        ...(comment !== undefined ? { comment } : {}),
        ...(Object.keys(properties).length ? { properties } : {}),
      }),
    );
    return true;
  }

  if (
    (match = new RegExp(
      `^CREATE\\s+(EXTERNAL\\s+)?VOLUME\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}([\\s\\S]*)$`,
      "i",
    ).exec(text))
  ) {
    const [catalog, schema, name] = resolve(match[3]!);
    const rest = match[4]!;
    const location = clause(rest, "LOCATION");
    const comment = clause(rest, "COMMENT");
    if (match[1] && !location)
      throw new DdlError("PARSE_SYNTAX_ERROR", "CREATE EXTERNAL VOLUME needs LOCATION '…'", "42601");
    ifNotExists(match[2], () =>
      m.createVolume({
        catalog_name: catalog,
        schema_name: schema,
        name,
        volume_type: match![1] ? "EXTERNAL" : "MANAGED",
        ...(location ? { storage_location: location } : {}),
        ...(comment !== undefined ? { comment } : {}),
      }),
    );
    return true;
  }

  if (
    (match = new RegExp(`^CREATE\\s+FUNCTION\\s+(IF\\s+NOT\\s+EXISTS\\s+)?${NAME}\\s*([\\s\\S]*)$`, "i").exec(
      text,
    ))
  ) {
    const [catalog, schema, name] = resolve(match[2]!);
    let rest = match[3]!;
    if (!rest.startsWith("("))
      throw new DdlError("PARSE_SYNTAX_ERROR", "CREATE FUNCTION needs a parameter list", "42601");
    const block = balanced(rest, 0);
    const parameters = topLevel(block.inside).map((p, i) => {
      const c = columnDef(p, i);
      return {
        name: c["name"],
        type_text: c["type_text"],
        type_name: c["type_name"],
        position: i,
        ...(c["comment"] ? { comment: c["comment"] } : {}),
      };
    });
    rest = rest.slice(block.end).trim();
    const returns =
      /^RETURNS\s+([\s\S]+?)(?=\s+(?:COMMENT|DETERMINISTIC|NOT\s+DETERMINISTIC|LANGUAGE|RETURN|CONTAINS|READS)\b)/i.exec(
        rest,
      );
    if (!returns) throw new DdlError("PARSE_SYNTAX_ERROR", "CREATE FUNCTION needs RETURNS <type>", "42601");
    const python = /\bLANGUAGE\s+PYTHON\s+AS\s+\$\$\n?([\s\S]*?)\n?\$\$\s*$/i.exec(rest);
    const sqlBody = /\bRETURN\s+([\s\S]+)$/i.exec(rest.replace(/^RETURNS\s+/i, "RETURNS_ "));
    const body = python?.[1] ?? sqlBody?.[1];
    if (body === undefined)
      throw new DdlError(
        "PARSE_SYNTAX_ERROR",
        "CREATE FUNCTION needs RETURN <expr> or LANGUAGE PYTHON AS $$…$$",
        "42601",
      );
    const comment = clause(rest.slice(0, python?.index ?? sqlBody?.index ?? rest.length), "COMMENT");
    const dataType = returns[1]!.trim();
    ifNotExists(match[1], () =>
      m.createFunction({
        catalog_name: catalog,
        schema_name: schema,
        name,
        input_params: { parameters },
        data_type: (dataType.split(/[<(]/)[0] ?? dataType).toUpperCase(),
        full_data_type: dataType,
        routine_body: python ? "EXTERNAL" : "SQL",
        ...(python ? { external_language: "PYTHON" } : {}),
        routine_definition: body.trim(),
        is_deterministic: /\bDETERMINISTIC\b/i.test(rest) && !/\bNOT\s+DETERMINISTIC\b/i.test(rest),
        ...(comment !== undefined ? { comment } : {}),
      }),
    );
    return true;
  }

  if (
    (match = new RegExp(
      `^GRANT\\s+([\\s\\S]+?)\\s+ON\\s+(?:METASTORE|${SECURABLE_WORDS}\\s+${NAME})\\s+TO\\s+(\`(?:[^\`]|\`\`)+\`|[\\w@.-]+)$`,
      "i",
    ).exec(text))
  ) {
    const kind: SecurableKind = match[2] ? securableKind(match[2]) : "metastore";
    const fullName = kind === "metastore" ? m.id : securableName(kind, match[3]!, resolve);
    const privileges = match[1]!.split(",").map((p) => p.trim().toUpperCase().replace(/\s+/g, "_"));
    try {
      m.grant(kind, fullName, principalName(match[4]!), privileges);
    } catch (error) {
      throw translate(error);
    }
    return true;
  }

  if (
    (match = new RegExp(
      `^COMMENT\\s+ON\\s+${SECURABLE_WORDS}\\s+${NAME}\\s+IS\\s+(?:${STRING}|(NULL))$`,
      "i",
    ).exec(text))
  ) {
    const kind = securableKind(match[1]!);
    try {
      const object = m.securable(kind, securableName(kind, match[2]!, resolve));
      if (match[4]) delete object["comment"];
      else object["comment"] = unquote(match[3]!);
      object["updated_at"] = m.clock();
    } catch (error) {
      throw translate(error);
    }
    return true;
  }

  if (
    (match = new RegExp(
      `^ALTER\\s+(?:TABLE|VIEW)\\s+${NAME}\\s+(SET|UNSET)\\s+TBLPROPERTIES\\s+(IF\\s+EXISTS\\s+)?(\\([\\s\\S]*\\))$`,
      "i",
    ).exec(text))
  ) {
    let info: Json;
    try {
      info = m.table(resolve(match[1]!).join(".")).info;
    } catch (error) {
      throw translate(error);
    }
    const pairs = topLevel(balanced(match[4]!, 0).inside);
    const properties = { ...((info["properties"] ?? {}) as Json) };
    for (const pair of pairs) {
      if (match[2]!.toUpperCase() === "SET") {
        const kv = new RegExp(`^${STRING}\\s*=?\\s*${STRING}$`).exec(pair.trim());
        if (!kv) throw new DdlError("PARSE_SYNTAX_ERROR", `bad table property: ${pair}`, "42601");
        properties[unquote(kv[1]!)] = unquote(kv[2]!);
      } else {
        const key = new RegExp(`^${STRING}$`).exec(pair.trim());
        if (!key) throw new DdlError("PARSE_SYNTAX_ERROR", `bad table property key: ${pair}`, "42601");
        if (!(unquote(key[1]!) in properties) && !match[3])
          throw new DdlError(
            "UNSET_NONEXISTENT_PROPERTIES",
            `Attempted to unset non-existent properties [${unquote(key[1]!)}] in table ${String(info["full_name"])}`,
            "42K0J",
          );
        delete properties[unquote(key[1]!)];
      }
    }
    info["properties"] = properties;
    info["updated_at"] = m.clock();
    return true;
  }

  if (
    (match = new RegExp(
      `^ALTER\\s+${SECURABLE_WORDS}\\s+${NAME}\\s+(?:SET\\s+)?OWNER\\s+TO\\s+(\`(?:[^\`]|\`\`)+\`|[\\w@.-]+)$`,
      "i",
    ).exec(text))
  ) {
    const kind = securableKind(match[1]!);
    try {
      const object = m.securable(kind, securableName(kind, match[2]!, resolve));
      object["owner"] = principalName(match[3]!);
    } catch (error) {
      throw translate(error);
    }
    return true;
  }
  return false;
}

/** Top-level securables are one name; catalog children resolve against the session's catalog/schema. */
function securableName(
  kind: SecurableKind,
  raw: string,
  resolve: (raw: string, depth?: number) => string[],
): string {
  if (kind === "storage_credential" || kind === "external_location" || kind === "connection")
    return principalName(raw);
  if (kind === "catalog") return nameParts(raw)[0]!;
  if (kind === "schema") return resolve(raw, 2).join(".");
  return resolve(raw).join(".");
}

function translate(error: unknown): unknown {
  if (!(error instanceof SimHttpError)) return error;
  if (/ALREADY_EXISTS/.test(error.code)) return new DdlError(error.code, error.message, "42710");
  if (/DOES_NOT_EXIST|NOT_FOUND/.test(error.code)) return new DdlError(error.code, error.message, "42704");
  return new DdlError("INVALID_PARAMETER_VALUE", error.message, "42000");
}
