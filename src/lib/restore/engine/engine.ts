// The restore engine, framework-free: snapshot resolution, preflight, planning (stored as JSON and
// Markdown), execution of one bounded batch of one step, validation and the final report.
// Activities call these; orchestrators only move ids and counts between them.
import { createHash } from "node:crypto";
import { AzdrError, errorMessage } from "../../errors.js";
import { REPORTS_CONTAINER, reportPath, type SnapshotRef } from "../../store/layout.js";
import { describeRef } from "../../store/backup-store.js";
import { describePhase, isGood } from "../../store/snapshot-index.js";
import { describeProblems, verifySnapshot } from "../../store/verify.js";
import type { SourceContext } from "../../sources/context.js";
import type { PlannedWork, StepKind } from "./steps.js";
import {
  actionable,
  countActions,
  planMarkdown,
  type PlanItem,
  type PlanStep,
  type PreflightCheck,
  type RestorePlan,
} from "./plan.js";
import { isPrimaryTarget, RestoreRequestError, SCENARIOS, type RestoreRequest } from "./request.js";
import { catalogRow, type ScenarioInput } from "../catalog.js";
import {
  manifestKey,
  type IdMapSet,
  type ItemResult,
  type Manifests,
  type RestoreScenario,
  type RunState,
  type ValidationCheck,
} from "./steps.js";

export type { ItemResult, Manifests, RestoreScenario, RunState, ValidationCheck } from "./steps.js";

/** Objects per execution batch: small enough to stay far from the activity timeout. */
export const RESTORE_BATCH = 100;

// ---- snapshots ----------------------------------------------------------------------------------

/**
 * The snapshot of one component the request selects. "latest" and a point in time pick the newest
 * GOOD snapshot (Completed or accepted Suspect, never damaged). An explicit id may also name a
 * PartiallyFailed or Suspect one: the operator chose it, and the plan says what it lacks.
 */
export async function resolveSnapshot(
  ctx: SourceContext,
  request: RestoreRequest,
  component: ScenarioInput,
): Promise<SnapshotRef | undefined> {
  const sourceId = inputSource(ctx, request, component);
  const rows = (
    await ctx.store.index.list({
      domain: component.domain,
      sourceId,
      component: component.component,
    })
  ).filter((r) => r.phase !== "Failed");
  rows.sort((a, b) => (a.endedAt < b.endedAt ? 1 : -1));
  const good = rows.filter(isGood);
  let row = good[0];
  if (request.snapshot !== "latest") {
    const exact = rows.find((r) => r.snapshotId === request.snapshot);
    if (exact) row = exact;
    else {
      // An id of another component, or a time: the newest good snapshot at or before it.
      const isId = /^[0-9]{8}t[0-9]{6}z/.test(request.snapshot);
      const other = isId
        ? (await ctx.store.index.list({ sourceId })).find((r) => r.snapshotId === request.snapshot)
        : undefined;
      // An unknown id matches nothing; a time matches the newest good snapshot at or before it.
      const at = other ? other.endedAt : isId ? undefined : new Date(request.snapshot).toISOString();
      row = at === undefined ? undefined : good.find((r) => r.endedAt <= at);
    }
  }
  return row
    ? { domain: row.domain, sourceId: row.sourceId, component: row.component, snapshotId: row.snapshotId }
    : undefined;
}

/** The backed-up source an input is read from: the request's source unless the catalog says otherwise. */
export function inputSource(ctx: SourceContext, request: RestoreRequest, input: ScenarioInput): string {
  return input.source ? input.source(request, ctx.config) : request.source;
}

/** What a snapshot that is not good lacks, for the plan: its phase, reasons and missing objects. */
async function snapshotGaps(ctx: SourceContext, ref: SnapshotRef): Promise<PreflightCheck | undefined> {
  const row = await ctx.store.index.find(ref.domain, ref.sourceId, ref.component, ref.snapshotId);
  if (!row || isGood(row)) return undefined;
  const name = `snapshot ${ref.domain}/${ref.component} completeness`;
  if (row.damaged) {
    return {
      name,
      ok: false,
      blocking: true,
      detail: `${ref.snapshotId} was found damaged by verification: ${row.damaged}`,
      fix: "restore from another snapshot (`--snapshot <id>`), or re-run the backup",
    };
  }
  const manifest = await ctx.store.readManifest(ref);
  const failed = manifest?.failed ?? [];
  const examples = failed
    .slice(0, 5)
    .map((f) => f.path)
    .join(", ");
  return {
    name,
    ok: false,
    // The operator named this snapshot explicitly: restoring what it has is allowed, not hidden.
    blocking: false,
    detail:
      `${ref.snapshotId} is ${describePhase(row)}, not a complete snapshot: ` +
      (failed.length
        ? `it lacks ${failed.length} object(s) that failed to back up (${examples}${failed.length > 5 ? ", …" : ""}); `
        : "") +
      `${manifest?.skipped.length ?? row.skippedCount} skipped; reasons: ${row.reasons.join("; ") || "none recorded"}`,
    fix: 'restore "latest" (the newest complete snapshot) unless this one is what you need; `azdr snapshots show` lists what it lacks',
  };
}
/**
 * Request-time check that the selected snapshot exists, so a bad --snapshot is a 400 that starts
 * nothing rather than a failed run. Deep verification happens in preflight.
 */
export async function assertSnapshotsExist(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
): Promise<void> {
  for (const component of catalogRow(scenario.name).inputs.filter((c) => c.required)) {
    if (!(await resolveSnapshot(ctx, request, component))) {
      throw new RestoreRequestError([
        {
          field: "snapshot",
          message: `no good ${component.component} snapshot of "${inputSource(ctx, request, component)}" matches "${request.snapshot}"`,
          fix: 'pick one from `azdr snapshots list`, use "latest", or run the backup first',
        },
      ]);
    }
  }
}

/**
 * The manifests a plan restores from, keyed `domain/component`, each refused if it no longer
 * matches its commit (CORRUPT).
 */
export async function loadManifests(ctx: SourceContext, refs: SnapshotRef[]): Promise<Manifests> {
  const manifests: Manifests = {};
  for (const ref of refs) manifests[manifestKey(ref)] = await ctx.store.requireIntactManifest(ref);
  return manifests;
}

// ---- preflight and plan -------------------------------------------------------------------------

export interface PlanSummary {
  planId: string;
  planPath: string;
  planMarkdownPath: string;
  snapshots: SnapshotRef[];
  counts: RestorePlan["counts"];
  steps: { name: string; title: string; kind: StepKind; batches: number; items: number }[];
  blocking: PreflightCheck[];
  destructive: string[];
  /** sha256 of the stored plan: approvals are bound to it. */
  planHash: string;
  /** The target is production (role primary, or the source itself). */
  primaryTarget: boolean;
  /** The approver must differ from the requester, and why. */
  fourEyes: { required: boolean; reason: string };
}

/** Four eyes: always for production targets, else per the scenario's policy in the config. */
export function fourEyesFor(
  ctx: SourceContext,
  request: RestoreRequest,
  destructive: string[],
): { required: boolean; reason: string } {
  if (isPrimaryTarget(ctx.config, request)) {
    return { required: true, reason: "the restore writes to a PRODUCTION target" };
  }
  // A scenario without its own policy in the config follows the default ("destructive").
  const policy =
    (ctx.config.restore.fourEyes as Partial<Record<string, "destructive" | "always" | "never">>)[
      request.scenario
    ] ?? "destructive";
  if (policy === "always")
    return { required: true, reason: `restore.fourEyes.${request.scenario} is "always"` };
  if (policy === "destructive" && destructive.length > 0) {
    return {
      required: true,
      reason: `the plan overwrites, replaces or revokes ${destructive.length} thing(s)`,
    };
  }
  return {
    required: false,
    reason:
      policy === "never"
        ? `restore.fourEyes.${request.scenario} is "never"`
        : "the plan is additive (nothing overwritten, replaced or revoked)",
  };
}

export async function preflightAndPlan(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  ids: { instanceId: string; planId: string; now: string },
): Promise<PlanSummary> {
  const checks: PreflightCheck[] = [];
  const gapNotes: string[] = [];
  const refs: SnapshotRef[] = [];
  const row = catalogRow(scenario.name);
  for (const component of row.inputs) {
    const ref = await resolveSnapshot(ctx, request, component);
    if (!ref) {
      checks.push({
        name: `snapshot ${component.domain}/${component.component}`,
        ok: !component.required,
        blocking: component.required,
        detail: `no good snapshot of ${inputSource(ctx, request, component)} (${component.component}) matches "${request.snapshot}"`,
        fix: `run \`${row.backupHint}\` or pick another snapshot from \`azdr snapshots list\``,
      });
      continue;
    }
    const verify = await verifySnapshot(ctx.store, ref, { deep: 25 });
    const alteredManifest = verify.problems.some((p) => p.problem === "manifest-mismatch");
    checks.push({
      name: `snapshot ${component.domain}/${component.component}`,
      ok: verify.ok,
      blocking: !verify.ok,
      detail: verify.ok
        ? `${ref.snapshotId}: committed, ${verify.entries} objects, manifest matches its commit, structure verified, ${verify.checkedContent} bodies re-hashed`
        : alteredManifest
          ? `snapshot ${describeRef(ref)} is refused: ${describeProblems(verify)}`
          : `${ref.snapshotId}: ${verify.problems.length} problem(s), e.g. ${verify.problems[0]?.path} is ${verify.problems[0]?.problem}`,
      ...(verify.ok
        ? {}
        : {
            fix: `check it with \`azdr snapshots verify ${describeRef(ref)}\`; restore from an older snapshot (\`--snapshot <id>\`), or re-run the backup`,
          }),
    });
    if (!verify.ok) continue;
    const gaps = await snapshotGaps(ctx, ref);
    if (gaps) checks.push(gaps);
    if (gaps && !gaps.blocking) gapNotes.push(`${gaps.name}: ${gaps.detail}`);
    if (!gaps?.blocking) refs.push(ref);
  }
  const manifests = await loadManifests(ctx, refs);
  const blockingSnapshots = checks.some((c) => c.blocking && !c.ok);
  if (!blockingSnapshots) {
    try {
      checks.push(...(await scenario.preflight(ctx, request, manifests)));
    } catch (error) {
      checks.push({
        name: "target reachable",
        ok: false,
        blocking: true,
        detail: errorMessage(error),
        fix: "check the target's URL, network access and credentials in the config",
      });
    }
  }
  const blocking = checks.filter((c) => c.blocking && !c.ok);
  const planned: PlannedWork = blocking.length
    ? { items: [], destructive: [], notes: [] }
    : await scenario.plan(ctx, request, manifests);
  const items = orderItems(scenario.steps, planned.items);
  const primaryTarget = isPrimaryTarget(ctx.config, request);
  const plan: RestorePlan = {
    planId: ids.planId,
    instanceId: ids.instanceId,
    scenario: request.scenario,
    section: SCENARIOS[request.scenario].section,
    source: request.source,
    target: request.target,
    mode: request.mode,
    createdAt: ids.now,
    snapshots: refs,
    steps: scenario.steps,
    items,
    counts: countActions(items),
    preflight: checks,
    destructive: planned.destructive,
    // A snapshot chosen despite gaps: the plan (and the report's follow-ups) say what is missing.
    notes: [...gapNotes, ...planned.notes],
    primaryTarget,
    ...(planned.checkpoints && Object.keys(planned.checkpoints).length
      ? { checkpoints: planned.checkpoints }
      : {}),
  };
  const planJson = JSON.stringify(plan);
  const planPath = reportPath("plan", ids.planId, "json");
  const planMarkdownPath = reportPath("plan", ids.planId, "md");
  await ctx.store.blobs.put(REPORTS_CONTAINER, planPath, planJson, "application/json");
  await ctx.store.blobs.put(REPORTS_CONTAINER, planMarkdownPath, planMarkdown(plan), "text/markdown");
  return {
    planId: ids.planId,
    planPath,
    planMarkdownPath,
    snapshots: refs,
    counts: plan.counts,
    steps: scenario.steps.map((s) => {
      const items = plan.items.filter((i) => i.step === s.name && actionable(i)).length;
      return {
        name: s.name,
        title: s.title,
        kind: s.kind,
        items,
        batches: Math.ceil(items / RESTORE_BATCH),
      };
    }),
    blocking,
    destructive: plan.destructive,
    planHash: createHash("sha256").update(planJson).digest("hex"),
    primaryTarget,
    fourEyes: fourEyesFor(ctx, request, plan.destructive),
  };
}

export async function readPlan(ctx: SourceContext, planId: string): Promise<RestorePlan> {
  const body = await ctx.store.blobs.get(REPORTS_CONTAINER, reportPath("plan", planId, "json"));
  if (!body) throw new AzdrError("NOT_FOUND", `plan ${planId} is missing from ${REPORTS_CONTAINER}`);
  return JSON.parse(body.toString("utf8")) as RestorePlan;
}

// ---- execution ----------------------------------------------------------------------------------

function runPrefix(planId: string): string {
  return `runs/${planId}/`;
}

/**
 * The run's id maps of one scenario: its seeds, plus every map earlier batches persisted. Blobs
 * hold `{ <scenario>: { <kind>: { old: new } } }` (namespaced); a blob of a run started before the
 * namespaces holds the kinds directly, and belongs to the run's own scenario.
 */
async function loadIds(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  planId: string,
): Promise<IdMapSet> {
  const ids: IdMapSet = scenario.seedIds?.(request) ?? {};
  for await (const blob of ctx.store.blobs.list(REPORTS_CONTAINER, `${runPrefix(planId)}ids/`)) {
    const body = await ctx.store.blobs.get(REPORTS_CONTAINER, blob.name);
    if (!body) continue;
    const stored = JSON.parse(body.toString("utf8")) as Record<string, IdMapSet | Record<string, string>>;
    const namespaced = blob.name.includes(`/ids/${scenario.name}/`);
    const maps = (namespaced ? stored[scenario.name] : stored) as IdMapSet | undefined;
    if (!namespaced && blob.name.split("/ids/")[1]?.includes("/")) continue; // another scenario's
    for (const [kind, map] of Object.entries(maps ?? {})) Object.assign((ids[kind] ??= {}), map);
  }
  return ids;
}

/** A step's items in execution order: for "dependency" steps, every item after the keys it needs. */
export function orderItems(steps: PlanStep[], items: PlanItem[]): PlanItem[] {
  const dependencySteps = new Set(
    steps.filter((s) => s.kind === "items" && s.ordering === "dependency").map((s) => s.name),
  );
  if (!items.some((i) => dependencySteps.has(i.step) && i.dependsOn?.length)) return items;
  const out: PlanItem[] = [];
  for (const step of steps) {
    const own = items.filter((i) => i.step === step.name);
    if (!dependencySteps.has(step.name)) {
      out.push(...own);
      continue;
    }
    const byKey = new Map(own.map((i) => [i.key, i]));
    const done = new Set<string>();
    const visiting = new Set<string>();
    // Depth-first: dependencies first, original order otherwise; a cycle keeps the plan's order.
    const visit = (item: PlanItem) => {
      if (done.has(item.key) || visiting.has(item.key)) return;
      visiting.add(item.key);
      for (const key of item.dependsOn ?? []) {
        const needed = byKey.get(key);
        if (needed) visit(needed);
      }
      visiting.delete(item.key);
      done.add(item.key);
      out.push(item);
    };
    own.forEach(visit);
  }
  // Items of steps the scenario does not declare keep their place at the end.
  const known = new Set(steps.map((s) => s.name));
  out.push(...items.filter((i) => !known.has(i.step)));
  return out;
}

export interface BatchOutcome {
  step: string;
  batch: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  /** The first failures, for status and logs; the full list is in the report. */
  failures: { key: string; detail: string }[];
}

export async function executeBatch(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  planId: string,
  step: string,
  batch: number,
): Promise<BatchOutcome> {
  const plan = await readPlan(ctx, planId);
  const items = plan.items
    .filter((i) => i.step === step && actionable(i))
    .slice(batch * RESTORE_BATCH, (batch + 1) * RESTORE_BATCH);
  const manifests = await loadManifests(ctx, plan.snapshots);
  const run: RunState = { planId, ids: await loadIds(ctx, scenario, request, planId), learned: {} };
  const results = await scenario.execute(ctx, request, step, items, run, manifests);
  const key = `${step}-${String(batch).padStart(5, "0")}`;
  await ctx.store.blobs.put(
    REPORTS_CONTAINER,
    `${runPrefix(planId)}results/${key}.json`,
    JSON.stringify(results),
    "application/json",
  );
  if (Object.values(run.learned).some((m) => m && Object.keys(m).length > 0)) {
    await ctx.store.blobs.put(
      REPORTS_CONTAINER,
      `${runPrefix(planId)}ids/${scenario.name}/${key}.json`,
      JSON.stringify({ [scenario.name]: run.learned }),
      "application/json",
    );
  }
  const failures = results.filter((r) => r.status === "failed");
  return {
    step,
    batch,
    created: results.filter((r) => r.status === "created").length,
    updated: results.filter((r) => r.status === "updated").length,
    skipped: results.filter((r) => r.status === "skipped").length,
    failed: failures.length,
    failures: failures.slice(0, 20).map((f) => ({ key: f.key, detail: f.detail ?? "" })),
  };
}

export async function runValidation(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  planId: string,
): Promise<ValidationCheck[]> {
  const plan = await readPlan(ctx, planId);
  const manifests = await loadManifests(ctx, plan.snapshots);
  return scenario.validate(ctx, request, manifests, {
    planId,
    ids: await loadIds(ctx, scenario, request, planId),
    learned: {},
  });
}

// ---- report -------------------------------------------------------------------------------------

export type RestorePhase = "Planned" | "Completed" | "PartiallyFailed" | "Failed" | "Rejected" | "TimedOut";

export interface RestoreReport {
  instanceId: string;
  planId: string;
  scenario: string;
  section: string;
  source: string;
  target: string;
  mode: "plan" | "apply";
  phase: RestorePhase;
  reasons: string[];
  startedAt: string;
  endedAt: string;
  /** Wall time from start to end, in seconds: the measured recovery time. */
  durationSeconds: number;
  approval?: {
    approved: boolean;
    by: string;
    at: string;
    comment?: string;
    /** The approver's identity was verified (Entra ID), not a name typed at a prompt. */
    verified?: boolean;
    /** The plan hash the decision was made for. */
    planHash?: string;
  };
  counts: RestorePlan["counts"];
  steps: { name: string; title: string; created: number; updated: number; skipped: number; failed: number }[];
  validation: ValidationCheck[];
  /** Things a person must still do (secret values, managed table data…). */
  followUps: string[];
  planPath: string;
  reportPath: string;
  reportMarkdownPath: string;
}

export async function readResults(ctx: SourceContext, planId: string): Promise<ItemResult[]> {
  const results: ItemResult[] = [];
  for await (const blob of ctx.store.blobs.list(REPORTS_CONTAINER, `${runPrefix(planId)}results/`)) {
    const body = await ctx.store.blobs.get(REPORTS_CONTAINER, blob.name);
    if (body) results.push(...(JSON.parse(body.toString("utf8")) as ItemResult[]));
  }
  return results;
}

export function reportMarkdown(report: RestoreReport, failures: ItemResult[]): string {
  const lines = [
    `# Restore report: ${report.scenario} (runbook ${report.section})`,
    "",
    `- Phase: **${report.phase}**${report.reasons.length ? ` — ${report.reasons.join("; ")}` : ""}`,
    `- From \`${report.source}\` to \`${report.target}\` (${report.mode}), ${report.startedAt} → ${report.endedAt} (${report.durationSeconds} s)`,
    report.approval
      ? `- ${report.approval.approved ? "Approved" : "Rejected"} by ${report.approval.by} at ${report.approval.at}${report.approval.comment ? `: ${report.approval.comment}` : ""}${report.approval.verified === false ? " — WARNING: identity NOT verified" : ""}`
      : "- Approval: not required (plan only or pre-approved)",
    `- Plan: \`${report.planPath}\``,
    "",
    "## Steps",
    "",
    "| step | created | updated | skipped | failed |",
    "|---|---|---|---|---|",
    ...report.steps.map((s) => `| ${s.title} | ${s.created} | ${s.updated} | ${s.skipped} | ${s.failed} |`),
    "",
    "## Validation",
    "",
    ...(report.validation.length
      ? report.validation.map(
          (v) =>
            `- ${v.ok ? "OK" : "MISMATCH"} ${v.name}: expected ${v.expected}, found ${v.actual}${v.detail ? ` (${v.detail})` : ""}`,
        )
      : ["- not run"]),
    "",
  ];
  if (report.followUps.length) lines.push("## Follow-ups", "", ...report.followUps.map((f) => `- ${f}`), "");
  if (failures.length) {
    lines.push(
      "## Failures",
      "",
      ...failures.slice(0, 500).map((f) => `- ${f.step} ${f.key}: ${f.detail ?? ""}`),
      "",
    );
  }
  return lines.join("\n");
}

export async function writeReport(ctx: SourceContext, report: RestoreReport): Promise<RestoreReport> {
  const results = await readResults(ctx, report.planId);
  const failures = results.filter((r) => r.status === "failed");
  const full = { ...report, failures };
  await ctx.store.blobs.put(
    REPORTS_CONTAINER,
    report.reportPath,
    JSON.stringify(full, null, 2),
    "application/json",
  );
  await ctx.store.blobs.put(
    REPORTS_CONTAINER,
    report.reportMarkdownPath,
    reportMarkdown(report, failures),
    "text/markdown",
  );
  return report;
}
