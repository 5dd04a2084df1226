// A restore request, as it arrives over HTTP, a queue message or the CLI: validated with errors
// that name the field and the fix, checked against the platform config before anything starts.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { PlatformConfig } from "../../config/schema.js";
import { AzdrError } from "../../errors.js";

export const SCENARIOS = {
  workspace: { section: "7.3", title: "Databricks workspace recovery", targetKind: "workspace" },
  "unity-catalog": { section: "7.4", title: "Unity Catalog recovery", targetKind: "metastore" },
} as const;
export type ScenarioName = keyof typeof SCENARIOS;

export function isScenario(value: string): value is ScenarioName {
  return Object.hasOwn(SCENARIOS, value);
}

const mapping = z
  .object({
    from: z.string().min(1, "must not be empty"),
    to: z.string().min(1, "must not be empty"),
  })
  .strict();

export const remapSchema = z
  .object({
    workspaceUrls: z
      .array(mapping)
      .default([])
      .describe("Replace workspace URLs inside notebooks' and jobs' settings."),
    storageAccounts: z
      .array(
        z
          .object({
            from: z
              .string()
              .regex(
                /^[a-z0-9]{3,24}$/,
                "must be a storage account name (3-24 lowercase letters and digits)",
              ),
            to: z
              .string()
              .regex(
                /^[a-z0-9]{3,24}$/,
                "must be a storage account name (3-24 lowercase letters and digits)",
              ),
          })
          .strict(),
      )
      .default([])
      .describe("Storage account renames applied to every abfss:// URL."),
    abfssRoots: z
      .array(
        z
          .object({
            from: z.string().startsWith("abfss://", "must start with abfss://"),
            to: z.string().startsWith("abfss://", "must start with abfss://"),
          })
          .strict(),
      )
      .default([])
      .describe("abfss:// prefix rewrites (locations, storage roots)."),
    catalogStorageRoots: z
      .array(mapping)
      .default([])
      .describe("Catalog storage_root rewrites by catalog name → new root."),
    principals: z.array(mapping).default([]).describe("Principal renames for grants, owners and ACLs."),
    accessConnectors: z
      .array(mapping)
      .default([])
      .describe("Databricks access connector ARM ids for managed-identity storage credentials."),
    clusterIds: z
      .array(mapping)
      .default([])
      .describe("Explicit cluster id mapping (otherwise learned while restoring)."),
    policyIds: z.array(mapping).default([]).describe("Explicit cluster policy id mapping."),
    poolIds: z.array(mapping).default([]).describe("Explicit instance pool id mapping."),
  })
  .strict();

/** No remap rules: every list empty (each field's default). */
export const NO_REMAP: z.infer<typeof remapSchema> = remapSchema.parse({});

export const restoreRequestSchema = z
  .object({
    scenario: z.string(),
    snapshot: z
      .string()
      .min(1)
      .default("latest")
      .describe(
        '"latest", a snapshot id (20261126t020000z) or a point in time (ISO 8601): the newest good snapshot at or before it.',
      ),
    source: z
      .string()
      .min(1, "must name the backed-up workspace or metastore id from the config")
      .describe("Config id of what was backed up."),
    target: z
      .string()
      .min(1, "must name the workspace or metastore id to restore into")
      .describe("Config id of the restore target."),
    include: z
      .array(z.string().min(1))
      .default([])
      .describe("Only objects whose path or name starts with one of these."),
    exclude: z
      .array(z.string().min(1))
      .default([])
      .describe("Skip objects whose path or name starts with one of these."),
    existing: z
      .enum(["skip", "update"])
      .default("skip")
      .describe("What to do with objects that already exist in the target."),
    remap: remapSchema.default(NO_REMAP),
    mode: z
      .enum(["plan", "apply"])
      .default("plan")
      .describe("plan reads everything and writes nothing; apply executes after approval."),
    preApproved: z
      .boolean()
      .default(false)
      .describe(
        "Skip the approval wait: the in-process CLI's --yes only, and only for additive plans into a secondary target.",
      ),
    allowPrimaryTarget: z
      .boolean()
      .default(false)
      .describe(
        "Required to restore into a target whose role is primary, or into the source itself: writes to PRODUCTION, always with a second approver.",
      ),
    approvalTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(60),
    jobsPaused: z.boolean().default(true).describe("Create restored jobs with paused schedules."),
    requestedBy: z.string().max(200).optional(),
  })
  .strict();

export type RestoreRequestInput = z.input<typeof restoreRequestSchema>;
export type RestoreRequest = z.output<typeof restoreRequestSchema> & { scenario: ScenarioName };

export interface RequestProblem {
  field: string;
  message: string;
  fix: string;
}

export class RestoreRequestError extends AzdrError {
  constructor(readonly problems: RequestProblem[]) {
    super(
      "INVALID_INPUT",
      `Invalid restore request: ${problems.map((p) => `${p.field}: ${p.message} (${p.fix})`).join("; ")}`,
    );
  }
}

function field(path: PropertyKey[]): string {
  return (
    path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i ? "." : ""}${String(k)}`)).join("") ||
    "(body)"
  );
}

/**
 * Where a request comes from. Only the in-process CLI, run by someone with the platform's own
 * credentials, may pre-approve; HTTP callers, queue messages and Event Grid alerts never can.
 */
export type RequestOrigin = "http" | "queue" | "event-grid" | "cli";

/** The target is production: its configured role is primary, or it is the source itself. */
export function isPrimaryTarget(
  config: PlatformConfig,
  request: Pick<RestoreRequest, "scenario" | "source" | "target">,
): boolean {
  if (request.source === request.target) return true;
  const targets =
    SCENARIOS[request.scenario].targetKind === "workspace"
      ? config.databricks.workspaces
      : config.unityCatalog.metastores;
  return targets.find((t) => t.id === request.target)?.role === "primary";
}

/** Restores are resumed only by the same request: what it restores, from where, to where, how. */
export function requestHash(request: RestoreRequest): string {
  const { requestedBy: _by, preApproved: _pre, approvalTimeoutMinutes: _timeout, ...what } = request;
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value as Record<string, unknown>)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  return createHash("sha256")
    .update(JSON.stringify(canonical(what)))
    .digest("hex")
    .slice(0, 16);
}

/** Validate a request body against the schema and the config; throws RestoreRequestError. */
export function parseRestoreRequest(
  body: unknown,
  config: PlatformConfig,
  scenarioFromRoute?: string,
  origin: RequestOrigin = "http",
): RestoreRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new RestoreRequestError([
      {
        field: "(body)",
        message: "must be a JSON object",
        fix: 'send e.g. {"source":"primary","target":"dr","mode":"plan"}',
      },
    ]);
  }
  const document = { ...(body as Record<string, unknown>) };
  if (scenarioFromRoute !== undefined) {
    if (document["scenario"] !== undefined && document["scenario"] !== scenarioFromRoute) {
      throw new RestoreRequestError([
        {
          field: "scenario",
          message: `body says ${JSON.stringify(document["scenario"])} but the URL says "${scenarioFromRoute}"`,
          fix: "drop scenario from the body",
        },
      ]);
    }
    document["scenario"] = scenarioFromRoute;
  }
  const parsed = restoreRequestSchema.safeParse(document);
  const problems: RequestProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
      problems.push({
        field: unknownKeys.length
          ? `${issue.path.length ? `${field(issue.path)}.` : ""}${unknownKeys.join(",")}`
          : field(issue.path),
        message: unknownKeys.length ? "unknown field" : issue.message,
        fix: unknownKeys.length
          ? "remove it; see the restore request reference in the README"
          : "see the restore request reference in the README",
      });
    }
    throw new RestoreRequestError(problems);
  }
  const request = parsed.data;
  if (!isScenario(request.scenario)) {
    throw new RestoreRequestError([
      {
        field: "scenario",
        message: `unknown scenario "${request.scenario}"`,
        fix: `use one of: ${Object.keys(SCENARIOS).join(", ")}`,
      },
    ]);
  }
  const scenario = SCENARIOS[request.scenario];
  const ids =
    scenario.targetKind === "workspace"
      ? config.databricks.workspaces.map((w) => w.id)
      : config.unityCatalog.metastores.map((m) => m.id);
  const what = scenario.targetKind === "workspace" ? "databricks.workspaces" : "unityCatalog.metastores";
  if (!ids.includes(request.source)) {
    problems.push({
      field: "source",
      message: `"${request.source}" is not in ${what}`,
      fix: `use one of: ${ids.join(", ") || "(none configured)"}`,
    });
  }
  if (!ids.includes(request.target)) {
    problems.push({
      field: "target",
      message: `"${request.target}" is not in ${what}`,
      fix: `use one of: ${ids.join(", ") || "(none configured)"}`,
    });
  }
  if (
    request.snapshot !== "latest" &&
    !/^[0-9]{8}t[0-9]{6}z/.test(request.snapshot) &&
    Number.isNaN(Date.parse(request.snapshot))
  ) {
    problems.push({
      field: "snapshot",
      message: `"${request.snapshot}" is neither "latest", a snapshot id nor a time`,
      fix: 'use "latest", an id from `azdr snapshots list`, or an ISO time',
    });
  }
  if (request.preApproved && origin !== "cli") {
    problems.push({
      field: "preApproved",
      message: `is not accepted from ${origin === "http" ? "an HTTP caller" : origin === "queue" ? "a queue message" : "an Event Grid alert"}: only the in-process azdr CLI may pre-approve`,
      fix: "drop preApproved; the restore waits at its approval gate for a DR.Approver",
    });
  }
  if (problems.length) throw new RestoreRequestError(problems);
  const typed = request as RestoreRequest;
  if (isPrimaryTarget(config, typed)) {
    const why =
      typed.source === typed.target
        ? `"${typed.target}" is the source itself`
        : `"${typed.target}" has role primary`;
    if (!typed.allowPrimaryTarget) {
      problems.push({
        field: "target",
        message: `${why}: this restore would write to PRODUCTION`,
        fix: 'restore into a secondary target, or send "allowPrimaryTarget": true (a second approver is then always required)',
      });
    } else if (typed.preApproved) {
      problems.push({
        field: "preApproved",
        message: `${why}: a restore into PRODUCTION is never pre-approved`,
        fix: "drop --yes / preApproved; another person approves it",
      });
    }
  }
  if (problems.length) throw new RestoreRequestError(problems);
  return typed;
}

/** One restore per target at a time: the instance id is derived from scenario and target. */
export function restoreInstanceId(request: Pick<RestoreRequest, "scenario" | "target">): string {
  return `restore-${request.scenario}-${request.target}`;
}
