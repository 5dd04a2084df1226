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
import type { CheckpointGuide, PlannedWork, ScenarioStep, StepKind } from "./steps.js";
import {
  actionable,
  countActions,
  planMarkdown,
  type ChildPlan,
  type PlanAction,
  type PlanItem,
  type PlanStep,
  type PreflightCheck,
  type RestorePlan,
} from "./plan.js";
import {
  isPrimaryTarget,
  parseRestoreRequest,
  RestoreRequestError,
  SCENARIOS,
  type RestoreRequest,
} from "./request.js";
import { catalogRow, scenarioFor, type ScenarioInput } from "../catalog.js";
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
 * Request-time check that the selected snapshot exists (and the scenario's own checks against what
 * the store recorded), so bad input is a 400 that starts nothing rather than a failed run. Deep
 * verification happens in preflight.
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
  const problems = (await scenario.requestProblems?.(ctx, request)) ?? [];
  if (problems.length) throw new RestoreRequestError(problems);
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
  steps: StepSummary[];
  /** Child restores (scenario steps), planned with this plan and released by its approval. */
  children?: ChildSummary[];
  blocking: PreflightCheck[];
  destructive: string[];
  /** sha256 of the stored plan: approvals are bound to it. */
  planHash: string;
  /** The target is production (role primary, or the source itself). */
  primaryTarget: boolean;
  /** The approver must differ from the requester, and why. */
  fourEyes: { required: boolean; reason: string };
}

/** What the orchestrator needs of a step (small: it travels through the Durable history). */
export interface StepSummary {
  name: string;
  title: string;
  kind: StepKind;
  /** Actionable items (for a scenario step: the child plan's). */
  items: number;
  /** Batches of an items step; 0 for other kinds. */
  batches: number;
  /** Operation steps: poll interval and timeout. */
  pollSeconds?: number;
  timeoutMinutes?: number;
  /** Checkpoint steps: what the operator does (shown in the status while it waits). */
  guide?: CheckpointGuide;
}

export interface ChildSummary {
  step: string;
  scenario: string;
  instanceId: string;
  planId: string;
  planHash: string;
  request: RestoreRequest;
}

/** The sub-orchestration id of a scenario step's child restore. */
export function childInstanceId(parentInstanceId: string, step: string): string {
  return `${parentInstanceId}:${step}`;
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
  const { plan, planJson } = await buildPlan(ctx, scenario, request, ids);
  return summaryOf(ctx, scenario, request, plan, planJson);
}

/** The summary of a plan stored earlier (a child restore released by its parent's approval). */
export async function summarizeStoredPlan(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  planId: string,
): Promise<PlanSummary> {
  const body = await ctx.store.blobs.get(REPORTS_CONTAINER, reportPath("plan", planId, "json"));
  if (!body) throw new AzdrError("NOT_FOUND", `plan ${planId} is missing from ${REPORTS_CONTAINER}`);
  const planJson = body.toString("utf8");
  return summaryOf(ctx, scenario, request, JSON.parse(planJson) as RestorePlan, planJson);
}

async function buildPlan(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  ids: { instanceId: string; planId: string; now: string },
): Promise<{ plan: RestorePlan; planJson: string }> {
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
  const ownBlocking = checks.some((c) => c.blocking && !c.ok);
  const planned: PlannedWork = ownBlocking
    ? { items: [], destructive: [], notes: [] }
    : await scenario.plan(ctx, request, manifests);
  const items = orderItems(scenario.steps, planned.items);
  // Scenario steps: each child is planned now, stored as its own plan, and folded into this one.
  const children: ChildPlan[] = [];
  const childMarkdown: string[] = [];
  for (const step of scenario.steps) {
    if (step.kind !== "scenario" || ownBlocking) continue;
    const child = await planChild(ctx, request, step, ids);
    if ("problem" in child) {
      checks.push(child.problem);
      continue;
    }
    children.push(child.entry);
    childMarkdown.push(child.markdown);
    for (const c of child.plan.preflight)
      checks.push({ ...c, name: `${step.name} (${child.plan.scenario} ${child.plan.section}): ${c.name}` });
  }
  const primaryTarget = isPrimaryTarget(ctx.config, request) || children.some((c) => c.primaryTarget);
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
    destructive: [
      ...planned.destructive,
      ...children.flatMap((c) => c.destructive.map((d) => `[${c.step}: ${c.scenario} ${c.section}] ${d}`)),
    ],
    // A snapshot chosen despite gaps: the plan (and the report's follow-ups) say what is missing.
    notes: [
      ...gapNotes,
      ...planned.notes,
      ...children.flatMap((c) => c.notes.map((n) => `[${c.step}] ${n}`)),
    ],
    primaryTarget,
    ...(planned.checkpoints && Object.keys(planned.checkpoints).length
      ? { checkpoints: planned.checkpoints }
      : {}),
    ...(children.length ? { children } : {}),
  };
  const planJson = JSON.stringify(plan);
  await ctx.store.blobs.put(
    REPORTS_CONTAINER,
    reportPath("plan", ids.planId, "json"),
    planJson,
    "application/json",
  );
  await ctx.store.blobs.put(
    REPORTS_CONTAINER,
    reportPath("plan", ids.planId, "md"),
    [planMarkdown(plan), ...childMarkdown].join("\n"),
    "text/markdown",
  );
  return { plan, planJson };
}

/** Plan a scenario step's child restore: its request from the parent's, its own stored plan. */
async function planChild(
  ctx: SourceContext,
  parent: RestoreRequest,
  step: ScenarioStep,
  ids: { instanceId: string; planId: string; now: string },
): Promise<{ entry: ChildPlan; plan: RestorePlan; markdown: string } | { problem: PreflightCheck }> {
  let request: RestoreRequest;
  try {
    request = parseRestoreRequest(
      {
        ...step.request(parent),
        scenario: step.scenario,
        mode: parent.mode,
        allowPrimaryTarget: parent.allowPrimaryTarget,
        approvalTimeoutMinutes: parent.approvalTimeoutMinutes,
        ...(parent.requestedBy ? { requestedBy: parent.requestedBy } : {}),
      },
      ctx.config,
      step.scenario,
      "child",
    );
  } catch (error) {
    return {
      problem: {
        name: `${step.name} (child restore ${step.scenario})`,
        ok: false,
        blocking: true,
        detail: errorMessage(error),
        fix: `the ${step.scenario} restore this step composes cannot be requested from this one; fix the request or the config`,
      },
    };
  }
  const child = await buildPlan(ctx, scenarioFor(step.scenario), request, {
    instanceId: childInstanceId(ids.instanceId, step.name),
    planId: `${ids.planId}-${step.name}`,
    now: ids.now,
  });
  const summary = await summaryOf(ctx, scenarioFor(step.scenario), request, child.plan, child.planJson);
  return {
    plan: child.plan,
    markdown: [
      `## Step ${step.title}: child restore ${child.plan.scenario} (runbook ${child.plan.section})`,
      "",
      ...planMarkdown(child.plan)
        .split("\n")
        .slice(1)
        .map((line) => (line.startsWith("#") ? `##${line}` : line)),
    ].join("\n"),
    entry: {
      step: step.name,
      scenario: child.plan.scenario,
      section: child.plan.section,
      instanceId: childInstanceId(ids.instanceId, step.name),
      planId: child.plan.planId,
      planPath: summary.planPath,
      planHash: summary.planHash,
      request,
      counts: summary.counts,
      items: summary.steps.reduce((sum, s) => sum + s.items, 0),
      destructive: summary.destructive,
      notes: child.plan.notes,
      primaryTarget: summary.primaryTarget,
      fourEyes: summary.fourEyes.required,
      snapshots: summary.snapshots,
    },
  };
}

async function summaryOf(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  plan: RestorePlan,
  planJson: string,
): Promise<PlanSummary> {
  const children = plan.children ?? [];
  const counts = { ...plan.counts };
  for (const child of children)
    for (const [action, n] of Object.entries(child.counts)) counts[action as PlanAction] += n;
  const ownFourEyes = fourEyesFor(ctx, request, plan.destructive);
  const childFourEyes = children.find((c) => c.fourEyes);
  return {
    planId: plan.planId,
    planPath: reportPath("plan", plan.planId, "json"),
    planMarkdownPath: reportPath("plan", plan.planId, "md"),
    snapshots: [...plan.snapshots, ...children.flatMap((c) => c.snapshots)],
    counts,
    steps: scenario.steps.map((s): StepSummary => {
      const child = children.find((c) => c.step === s.name);
      const items = child ? child.items : plan.items.filter((i) => i.step === s.name && actionable(i)).length;
      const guide = s.kind === "checkpoint" ? plan.checkpoints?.[s.name] : undefined;
      return {
        name: s.name,
        title: s.title,
        kind: s.kind,
        items,
        batches: s.kind === "items" ? Math.ceil(items / RESTORE_BATCH) : 0,
        ...(s.kind === "operation" ? { pollSeconds: s.pollSeconds, timeoutMinutes: s.timeoutMinutes } : {}),
        ...(s.kind === "checkpoint" ? { timeoutMinutes: s.timeoutMinutes ?? 24 * 60 } : {}),
        ...(guide ? { guide } : {}),
      };
    }),
    ...(children.length
      ? {
          children: children.map((c) => ({
            step: c.step,
            scenario: c.scenario,
            instanceId: c.instanceId,
            planId: c.planId,
            planHash: c.planHash,
            request: c.request as RestoreRequest,
          })),
        }
      : {}),
    blocking: plan.preflight.filter((c) => c.blocking && !c.ok),
    destructive: plan.destructive,
    planHash: createHash("sha256").update(planJson).digest("hex"),
    primaryTarget: plan.primaryTarget ?? false,
    fourEyes:
      ownFourEyes.required || !childFourEyes
        ? ownFourEyes
        : { required: true, reason: `its child restore ${childFourEyes.scenario} needs a second approver` },
  };
}

/** The run state an activity hands a scenario hook: its id maps as persisted so far. */
export async function runStateFor(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  planId: string,
): Promise<RunState> {
  return { planId, ids: await loadIds(ctx, scenario, request, planId), learned: {} };
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
  /** A child restore (scenario step): the parent restore's instance id. */
  parentInstanceId?: string;
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
