// The run records of operation and checkpoint steps, beside a plan's results and id maps
// (restore-reports/runs/<plan>/…). Activities call these; the orchestrator only passes step names.
// - An operation's handle is written create-only right after it starts: a retried or resumed start
//   finds it and never starts the operation twice; polling (on durable timers) reads it back.
// - A checkpoint's "done" is written create-only per attempt, by the route or the CLI, with the
//   verified identity that said it, BEFORE the orchestrator hears of it; the check's answer is
//   recorded beside it. A post-condition that fails opens the next attempt.
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";
import type { SourceContext } from "../../sources/context.js";
import { describePrincipal, RESTORE_ROLES, type Principal } from "./identity.js";
import { actionable, type PlanItem } from "./plan.js";
import type { RestoreRequest } from "./request.js";
import type { ItemResult, OperationHandle, OperationStatus, RestoreScenario, RunState } from "./steps.js";

export interface OperationRecord {
  step: string;
  handle: OperationHandle;
  startedAt: string;
}

export interface OperationPoll extends OperationStatus {
  /** The step's outcome for the report, once the operation is no longer running. */
  startedAt: string;
}

function operationPath(planId: string, step: string): string {
  return runRecordPath(planId, `operations/${step}.json`);
}

function resultsPath(planId: string, step: string): string {
  return runRecordPath(planId, `results/${step}-00000.json`);
}

async function readJson<T>(ctx: SourceContext, path: string): Promise<T | undefined> {
  const body = await ctx.store.blobs.get(REPORTS_CONTAINER, path);
  return body ? (JSON.parse(body.toString("utf8")) as T) : undefined;
}

/**
 * Start the step's operation unless its handle is already recorded (a retried activity, a resumed
 * run): then the recorded one is returned and nothing starts again.
 */
export async function startOperationStep(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  run: RunState,
  step: string,
  items: Parameters<NonNullable<RestoreScenario["startOperation"]>>[3],
  now: string,
): Promise<OperationRecord & { resumed: boolean }> {
  const path = operationPath(run.planId, step);
  const existing = await readJson<OperationRecord>(ctx, path);
  if (existing) return { ...existing, resumed: true };
  if (!scenario.startOperation || !scenario.pollOperation)
    throw new Error(
      `scenario ${scenario.name} declares operation step ${step} without startOperation/pollOperation`,
    );
  const handle = await scenario.startOperation(ctx, request, step, items.filter(actionable), run);
  const record: OperationRecord = { step, handle, startedAt: now };
  if (
    !(await ctx.store.blobs.putIfAbsent(REPORTS_CONTAINER, path, JSON.stringify(record), "application/json"))
  ) {
    return { ...(await readJson<OperationRecord>(ctx, path))!, resumed: true };
  }
  return { ...record, resumed: false };
}

/** One poll; a finished operation's outcome is written as the step's results (for the report). */
export async function pollOperationStep(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  planId: string,
  step: string,
  keys: string[],
  timedOut?: string,
): Promise<OperationPoll> {
  const record = await readJson<OperationRecord>(ctx, operationPath(planId, step));
  if (!record) throw new Error(`operation ${step} of plan ${planId} was never started`);
  const status = timedOut
    ? { state: "failed" as const, detail: timedOut }
    : await scenario.pollOperation!(ctx, request, step, record.handle);
  if (status.state !== "running") {
    const results: ItemResult[] = keys.map((key) => ({
      step,
      key,
      status: status.state === "succeeded" ? "created" : "failed",
      detail: status.detail,
    }));
    await ctx.store.blobs.put(
      REPORTS_CONTAINER,
      resultsPath(planId, step),
      JSON.stringify(results),
      "application/json",
    );
  }
  return { ...status, startedAt: record.startedAt };
}

// ---- checkpoints --------------------------------------------------------------------------------

/** What a waiting restore shows about its checkpoint (custom status), so routes can check it. */
export interface CheckpointView {
  step: string;
  title: string;
  instructions: string[];
  links: { label: string; url: string }[];
  /** 1 for the first "done"; a failed check opens the next. */
  attempt: number;
  /** The previous attempt's check, when it did not hold. */
  lastCheck?: { ok: boolean; detail: string; by: string; at: string };
  deadline: string;
}

export interface CheckpointDone {
  instanceId: string;
  planId: string;
  step: string;
  attempt: number;
  by: Pick<Principal, "id" | "name" | "source">;
  at: string;
  comment?: string;
}

export interface CheckpointOutcome {
  /** "no-signal": the event came without a recorded done (raised by hand): keep waiting. */
  state: "passed" | "failed" | "no-signal";
  detail: string;
  by?: string;
  at?: string;
}

function donePath(planId: string, step: string, attempt: number): string {
  return runRecordPath(planId, `checkpoints/${step}/done-${attempt}.json`);
}

function checkPath(planId: string, step: string, attempt: number): string {
  return runRecordPath(planId, `checkpoints/${step}/check-${attempt}.json`);
}

/** Record an operator's "done" unless this attempt already has one; returns the one that holds. */
export async function recordCheckpointDone(
  ctx: SourceContext,
  done: CheckpointDone,
): Promise<{ won: boolean; done: CheckpointDone }> {
  const path = donePath(done.planId, done.step, done.attempt);
  if (
    await ctx.store.blobs.putIfAbsent(
      REPORTS_CONTAINER,
      path,
      JSON.stringify(done, null, 2),
      "application/json",
    )
  )
    return { won: true, done };
  const existing = await readJson<CheckpointDone>(ctx, path);
  if (!existing) throw new Error(`checkpoint record ${path} exists but cannot be read`);
  return { won: false, done: existing };
}

/** Who may say a checkpoint is done: App Service identities need DR.Operator; CLI identities act on their own access. */
export function checkpointRefusal(who: Principal): string | undefined {
  if (who.source === "easy-auth" && !who.roles.includes(RESTORE_ROLES.operator))
    return `${who.name} lacks the app role ${RESTORE_ROLES.operator}, which confirming a checkpoint requires`;
  if (who.source === "function-key" || who.source === "system")
    return "confirming a checkpoint needs a verified identity";
  return undefined;
}

/** After a "done": check the post-condition, record its answer; a pass is the step's result. */
export async function checkCheckpointStep(
  ctx: SourceContext,
  scenario: RestoreScenario,
  request: RestoreRequest,
  run: RunState,
  step: string,
  attempt: number,
  items: PlanItem[],
): Promise<CheckpointOutcome> {
  const done = await readJson<CheckpointDone>(ctx, donePath(run.planId, step, attempt));
  if (!done) return { state: "no-signal", detail: `no recorded "done" for attempt ${attempt}` };
  if (!scenario.checkCheckpoint)
    throw new Error(`scenario ${scenario.name} declares checkpoint step ${step} without checkCheckpoint`);
  const check = await scenario.checkCheckpoint(ctx, request, step, items, run);
  const by = describePrincipal(done.by);
  await ctx.store.blobs.put(
    REPORTS_CONTAINER,
    checkPath(run.planId, step, attempt),
    JSON.stringify({ ...check, attempt, by: done.by, doneAt: done.at }),
    "application/json",
  );
  if (check.ok) {
    const results: ItemResult[] = items.map(({ key }) => ({
      step,
      key,
      status: "updated",
      detail: `done by ${by} at ${done.at} (attempt ${attempt}); check: ${check.detail}`,
    }));
    await ctx.store.blobs.put(
      REPORTS_CONTAINER,
      resultsPath(run.planId, step),
      JSON.stringify(results),
      "application/json",
    );
  }
  return { state: check.ok ? "passed" : "failed", detail: check.detail, by, at: done.at };
}
