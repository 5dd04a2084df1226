// A restore request, as it arrives over HTTP, a queue message or the CLI: validated with errors
// that name the field and the fix, checked against the platform config before anything starts.
import { createHash } from "node:crypto";
import type { PlatformConfig } from "../../config/schema.js";
import { AzdrError } from "../../errors.js";
import {
  catalogRow,
  isScenario,
  publicScenarios,
  type RequestOf,
  type RestoreRequest,
  type ScenarioName,
} from "../catalog.js";
import type { RequestShape } from "./steps.js";

export { NO_REMAP, remapSchema, restoreRequestBase } from "./request-schema.js";
export { isScenario, SCENARIOS, type RequestOf, type RestoreRequest, type ScenarioName } from "../catalog.js";

/** A request body before parsing (what a trigger or an alert builds). */
export type RestoreRequestInput = Record<string, unknown> & { source?: string; target?: string };

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
export type RequestOrigin = "http" | "queue" | "event-grid" | "cli" | "test" | "child";

/** The target is production: its configured role is primary, or it is the source itself. */
export function isPrimaryTarget(
  config: PlatformConfig,
  request: Pick<RestoreRequest, "scenario" | "source" | "target">,
): boolean {
  if (request.source === request.target) return true;
  return (
    catalogRow(request.scenario)
      .target.list(config)
      .find((t) => t.id === request.target)?.role === "primary"
  );
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

/**
 * Validate a request body against its scenario's schema (the catalog row's) and the config; throws
 * RestoreRequestError. Internal (test-only) scenarios are unknown to every origin but "test".
 */
export function parseRestoreRequest<N extends string = string>(
  body: unknown,
  config: PlatformConfig,
  scenarioFromRoute?: N,
  origin: RequestOrigin = "http",
): N extends ScenarioName ? RequestOf<N> : RestoreRequest {
  return parseAnyRequest(body, config, scenarioFromRoute, origin) as N extends ScenarioName
    ? RequestOf<N>
    : RestoreRequest;
}

function parseAnyRequest(
  body: unknown,
  config: PlatformConfig,
  scenarioFromRoute: string | undefined,
  origin: RequestOrigin,
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
  const name = typeof document["scenario"] === "string" ? document["scenario"] : "";
  // A child's request is built by its parent's (already accepted) scenario, internal ones included.
  const known = isScenario(name) && (origin === "test" || origin === "child" || !catalogRow(name).internal);
  if (!known) {
    throw new RestoreRequestError([
      {
        field: "scenario",
        message: `unknown scenario ${JSON.stringify(document["scenario"] ?? "")}`,
        fix: `use one of: ${publicScenarios()
          .map((r) => r.name)
          .join(", ")}`,
      },
    ]);
  }
  const row = catalogRow(name);
  const parsed = row.request.safeParse(document);
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
  const request = parsed.data as RequestShape & Record<string, unknown>;
  const configured = row.target.list(config).map((t) => t.id);
  const sources = row.source.list(config).map((t) => t.id);
  if (!sources.includes(request.source)) {
    problems.push({
      field: "source",
      message: `"${request.source}" is not in ${row.source.configPath}`,
      fix: `use one of: ${sources.join(", ") || "(none configured)"}`,
    });
  }
  if (!configured.includes(request.target)) {
    problems.push({
      field: "target",
      message: `"${request.target}" is not in ${row.target.configPath}`,
      fix: `use one of: ${configured.join(", ") || "(none configured)"}`,
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
  if (request.preApproved && origin !== "cli" && origin !== "test") {
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
