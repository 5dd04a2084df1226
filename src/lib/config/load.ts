// Loading the platform config from a file (CLI) or app settings (Function App), and reporting
// every problem at once: key path, what is wrong, and an example of a valid value.
import { readFile } from "node:fs/promises";
import leven from "leven";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AzdrError } from "../errors.js";
import { platformConfigSchema, type PlatformConfig } from "./schema.js";

/** App settings prefix; nesting uses "__" like every Azure app setting (AZDR__databricks__workspaces__0__url). */
export const APP_SETTINGS_PREFIX = "AZDR__";

export interface ConfigProblem {
  path: string;
  message: string;
  example?: string;
}

type JsonSchemaNode = {
  properties?: Record<string, JsonSchemaNode>;
  propertyNames?: { enum?: string[] };
  const?: unknown;
  items?: JsonSchemaNode;
  additionalProperties?: JsonSchemaNode | boolean;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  examples?: unknown[];
  description?: string;
  required?: string[];
  default?: unknown;
};

let cachedJsonSchema: JsonSchemaNode | undefined;

/** JSON Schema of the config input (descriptions, examples, defaults): docs and error examples. */
export function configJsonSchema(): JsonSchemaNode {
  cachedJsonSchema ??= z.toJSONSchema(platformConfigSchema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchemaNode;
  return cachedJsonSchema;
}

function schemaAt(path: PropertyKey[]): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = configJsonSchema();
  for (const key of path) {
    if (!node) return undefined;
    const candidates: JsonSchemaNode[] = [node, ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
    let next: JsonSchemaNode | undefined;
    for (const candidate of candidates) {
      if (typeof key === "number" && candidate.items) next = candidate.items;
      else if (typeof key === "string" && candidate.properties?.[key]) next = candidate.properties[key];
      else if (typeof key === "string" && typeof candidate.additionalProperties === "object")
        next = candidate.additionalProperties;
      if (next) break;
    }
    node = next;
  }
  return node;
}

function formatPath(path: PropertyKey[]): string {
  return (
    path
      .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
      .join("") || "(root)"
  );
}

function valueAt(document: unknown, path: PropertyKey[]): unknown {
  let value = document;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The keys the config accepts at `path`; for a union (auth), those of the variant its `type` picks. */
function knownKeysAt(path: PropertyKey[], document: unknown): string[] {
  const node = schemaAt(path);
  if (!node) return [];
  const variants = [node, ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  const type = (valueAt(document, path) as Record<string, unknown> | undefined)?.["type"];
  const chosen = variants.find(
    (v) => v.properties?.["type"]?.const !== undefined && v.properties["type"].const === type,
  );
  const keys = new Set<string>();
  for (const v of chosen ? [chosen] : variants) {
    Object.keys(v.properties ?? {}).forEach((k) => keys.add(k));
    (v.propertyNames?.enum ?? []).forEach((k) => keys.add(k));
  }
  return [...keys];
}

/**
 * The valid key a typo most likely meant: the nearest by edit distance (case-insensitive), or one
 * the unknown key is a prefix of or extends (connectionString → connectionStringSetting).
 */
export function closestKey(unknownKey: string, candidates: readonly string[]): string | undefined {
  const typed = unknownKey.toLowerCase();
  let best: { key: string; score: number } | undefined;
  for (const key of candidates) {
    const known = key.toLowerCase();
    const prefix =
      Math.min(typed.length, known.length) >= 4 && (known.startsWith(typed) || typed.startsWith(known));
    const distance = leven(typed, known);
    const score = prefix ? Math.min(distance, 1) : distance;
    if (!prefix && distance > Math.max(2, Math.floor(typed.length / 3))) continue;
    if (!best || score < best.score) best = { key, score };
  }
  return best?.key;
}

export interface DescribeOptions {
  /** The document that failed, to pick the union variant whose keys are suggested. */
  document?: unknown;
  /** App settings: the names that set a path, so a problem names the setting to fix. */
  settingsFor?: (path: PropertyKey[]) => string[];
}

export function describeProblems(error: z.ZodError, options: DescribeOptions = {}): ConfigProblem[] {
  return error.issues.flatMap((issue): ConfigProblem[] => {
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(issue.path, options.document);
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        const suggestion = closestKey(key, known);
        const settings = options.settingsFor?.(path) ?? [];
        const where = settings.length > 0 ? ` (set by ${settings.join(", ")})` : "";
        let hint = `valid keys here: ${known.join(", ") || "none"}`;
        if (suggestion) {
          // Name the fix as the user wrote it: the app setting with the segment corrected.
          const depth = issue.path.length + 1;
          const renamed = settings
            .map((name) => name.split("__"))
            .filter((parts) => parts.length > depth)
            .map((parts) => parts.map((part, i) => (i === depth ? suggestion : part)).join("__"));
          hint = `did you mean ${renamed.length > 0 ? renamed.join(", ") : formatPath([...issue.path, suggestion])}?`;
        }
        return { path: formatPath(path), message: `unknown key${where}; ${hint}` };
      });
    }
    const node = schemaAt(issue.path);
    const example = node?.examples?.[0];
    const problem: ConfigProblem = { path: formatPath(issue.path), message: issue.message };
    if (example !== undefined) problem.example = JSON.stringify(example);
    return [problem];
  });
}

export class ConfigError extends AzdrError {
  readonly problems: ConfigProblem[];
  constructor(source: string, problems: ConfigProblem[]) {
    const lines = problems.map(
      (p) => `  - ${p.path}: ${p.message}${p.example ? ` (example: ${p.example})` : ""}`,
    );
    super(
      "INVALID_CONFIG",
      `Invalid azdr config from ${source}: ${problems.length} problem(s)\n${lines.join("\n")}`,
    );
    this.problems = problems;
  }
}

/** Validate a parsed config document; throws ConfigError listing every problem. */
export function parseConfig(
  document: unknown,
  source = "input",
  options: Omit<DescribeOptions, "document"> = {},
): PlatformConfig {
  const result = platformConfigSchema.safeParse(document);
  if (!result.success)
    throw new ConfigError(source, describeProblems(result.error, { ...options, document }));
  return result.data;
}

/** Read a JSON or YAML config file (CLI --config). */
export async function loadConfigFile(file: string): Promise<PlatformConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new AzdrError("INVALID_CONFIG", `Cannot read config file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new AzdrError(
      "INVALID_CONFIG",
      `Config file ${file} is not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return parseConfig(document, file);
}

/** A setting value: JSON when it parses as JSON (numbers, booleans, arrays, objects), text otherwise. */
function settingValue(raw: string): unknown {
  const trimmed = raw.trim();
  if (/^(-?\d+(\.\d+)?|true|false|null|\[.*\]|\{.*\})$/s.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * Build the config document from AZDR__-prefixed app settings. Numeric segments become array
 * indexes, so AZDR__databricks__workspaces__0__url sets databricks.workspaces[0].url.
 */
export function documentFromAppSettings(
  settings: Record<string, string | undefined>,
): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(settings)) {
    // An empty app setting means "not set" (Bicep and the portal write empty strings for optional values).
    if (!key.startsWith(APP_SETTINGS_PREFIX) || raw === undefined || raw.trim() === "") continue;
    const segments = key.slice(APP_SETTINGS_PREFIX.length).split("__").filter(Boolean);
    let node: Record<string, unknown> | unknown[] = root;
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      const index = /^\d+$/.test(segment) ? Number(segment) : segment;
      const container = node as Record<string | number, unknown>;
      if (last) {
        container[index] = settingValue(raw);
        return;
      }
      const nextIsIndex = /^\d+$/.test(segments[i + 1] ?? "");
      container[index] ??= nextIsIndex ? [] : {};
      node = container[index] as Record<string, unknown> | unknown[];
    });
  }
  return root;
}

/**
 * The app setting a timer's schedule binding reads: `%AZDR_SCHEDULE_NOTEBOOKS%`. Not
 * `AZDR__schedules__notebooks`: the Functions host resolves %…% through .NET configuration, where
 * `__` in a setting name becomes the `:` section separator, so such a name may never resolve
 * (azure-functions-host#10246) and the timer would not load.
 */
export function scheduleSettingName(key: string): string {
  return `AZDR_SCHEDULE_${key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
}

function scheduleKeys(): string[] {
  return Object.keys(configJsonSchema().properties?.["schedules"]?.properties ?? {});
}

/**
 * The schedules come from the timers' own settings (AZDR_SCHEDULE_*), so the slot a timer computes
 * and the schedule it fires on are one value. AZDR__schedules__<key> is still read; set to a
 * different value it is a config error rather than a silent mismatch.
 */
function withScheduleSettings(
  settings: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const merged = { ...settings };
  const problems: ConfigProblem[] = [];
  for (const key of scheduleKeys()) {
    const timer = settings[scheduleSettingName(key)]?.trim();
    const nested = `${APP_SETTINGS_PREFIX}schedules__${key}`;
    const direct = settings[nested]?.trim();
    if (!timer) continue;
    if (direct && direct !== timer)
      problems.push({
        path: `schedules.${key}`,
        message: `${scheduleSettingName(key)} ("${timer}") and ${nested} ("${direct}") disagree; the timer fires on ${scheduleSettingName(key)}`,
        example: `remove ${nested}`,
      });
    merged[nested] = timer;
  }
  if (problems.length) throw new ConfigError("app settings (AZDR__*)", problems);
  return merged;
}

export function loadConfigFromAppSettings(
  input: Record<string, string | undefined> = process.env,
): PlatformConfig {
  const settings = withScheduleSettings(input);
  const names = Object.keys(settings).filter((k) => k.startsWith(APP_SETTINGS_PREFIX) && settings[k]?.trim());
  const segmentsOf = (name: string) => name.slice(APP_SETTINGS_PREFIX.length).split("__").filter(Boolean);
  return parseConfig(documentFromAppSettings(settings), "app settings (AZDR__*)", {
    // A setting sets a path when one is a prefix of the other (AZDR__keyVaults holding JSON sets keyVaults[0].id).
    settingsFor: (path) =>
      names.filter((name) => {
        const segments = segmentsOf(name);
        const n = Math.min(segments.length, path.length);
        return segments.slice(0, n).every((segment, i) => segment === String(path[i]));
      }),
  });
}

/**
 * Settings the Functions host itself resolves (timer schedules as %AZDR_SCHEDULE_<KEY>%): they
 * must exist as app settings even though the config schema has defaults for them.
 */
export function hostResolvedAppSettings(): string[] {
  return scheduleKeys().map(scheduleSettingName);
}

/** Settings a deployment must provide: required config keys without defaults, as AZDR__ names. */
export function requiredAppSettings(): string[] {
  const out: string[] = [];
  const walk = (node: JsonSchemaNode, prefix: string) => {
    for (const key of node.required ?? []) {
      const child = node.properties?.[key];
      if (!child || child.default !== undefined) continue;
      if (child.properties) walk(child, `${prefix}${key}__`);
      else out.push(`${prefix}${key}`);
    }
  };
  walk(configJsonSchema(), APP_SETTINGS_PREFIX);
  return out;
}
