// The restore orchestrator, one for every runbook scenario: preflight + plan → (plan only: report)
// → approval gate with a timeout → steps in dependency order, batch by batch, with progress in the
// custom status → validation → report. Deterministic: ids and time from the context, no I/O.
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import type {
  BatchOutcome,
  ChildSummary,
  PlanSummary,
  RestorePhase,
  RestoreReport,
  StepSummary,
  ValidationCheck,
} from "../lib/restore/engine/engine.js";
import {
  RESTORE_BATCH,
  executeBatch,
  preflightAndPlan,
  readPlan,
  runStateFor,
  runValidation,
  summarizeStoredPlan,
  writeReport,
} from "../lib/restore/engine/engine.js";
import { requestHash, SCENARIOS, type RestoreRequest } from "../lib/restore/engine/request.js";
import {
  checkCheckpointStep,
  pollOperationStep,
  startOperationStep,
  type CheckpointOutcome,
  type CheckpointView,
  type OperationPoll,
} from "../lib/restore/engine/step-runs.js";
import { actionable } from "../lib/restore/engine/plan.js";
import {
  readDecision,
  recordDecision,
  type DecisionRecord,
  type GateView,
} from "../lib/restore/engine/approval.js";
import { samePerson, type Principal } from "../lib/restore/engine/identity.js";
import { scenarioFor } from "../lib/restore/catalog.js";
import { reportPath, type SnapshotRef } from "../lib/store/layout.js";
import { pinSnapshots, releasePin } from "../lib/store/pins.js";
import { slotStamp } from "../lib/schedule.js";
import { ACTIVITIES, APPROVAL_EVENT, CHECKPOINT_EVENT, ORCHESTRATORS } from "./names.js";
import { runtime } from "./runtime.js";
import { restoreAwaitingApproval, restoreAwaitingCheckpoint, restoreFinished } from "../lib/notify/events.js";
import { TELEMETRY_EVENTS } from "../lib/notify/telemetry.js";
import { announce } from "./notify.js";

export interface RestoreInput {
  request: RestoreRequest;
  /** The queue message (or caller) this run answers: a redelivered message finds its run by it. */
  idempotencyKey?: string;
  /** Who asked, as the trigger established it (verified or marked unverified). */
  requester: Pick<Principal, "id" | "name" | "source">;
  /** requestHash(request): a re-run resumes this restore only with the same request. */
  requestHash: string;
  /**
   * Set for a child restore (a scenario step): its plan was made with its parent's, and the
   * parent's approval, bound to a plan hash covering this plan's, releases it.
   */
  parent?: {
    instanceId: string;
    planId: string;
    planHash: string;
    approval: NonNullable<RestoreReport["approval"]>;
  };
}

export interface RestorePinInput {
  planId: string;
  instanceId: string;
  snapshots: SnapshotRef[];
  pinnedAt: string;
  approvalTimeoutMinutes: number;
}

interface CloseGateInput {
  instanceId: string;
  planId: string;
  planHash: string;
  /** Set when the deadline passed: the gate records its own timeout unless a decision won first. */
  timedOutAt?: string;
}

/** What the custom status shows while a restore runs (also what the HTTP status route returns). */
export interface RestoreProgress {
  phase:
    | "preflight"
    | "awaiting-approval"
    | "awaiting-checkpoint"
    | "executing"
    | "validating"
    | "reporting"
    | "done";
  scenario: string;
  target: string;
  planId?: string;
  planPath?: string;
  counts?: PlanSummary["counts"];
  destructive?: string[];
  step?: string;
  stepTitle?: string;
  done?: number;
  total?: number;
  /** Position of the running step among the steps with work (1-based), so small steps show movement. */
  stepIndex?: number;
  stepCount?: number;
  /** Objects of finished steps plus the running step's done, out of every step's objects. */
  overallDone?: number;
  overallTotal?: number;
  approvalDeadline?: string;
  /** While awaiting approval: the plan hash, the requester and the four-eyes rule. */
  gate?: GateView;
  requestedBy?: string;
  /** While waiting at a checkpoint: what to do, the attempt, the last check's answer. */
  checkpoint?: CheckpointView;
  /** While an operation step runs: its last poll. */
  operation?: { state: string; detail: string; startedAt: string };
  /** While a scenario step runs: the child restore's instance id. */
  child?: string;
  result?: RestorePhase;
}

const retry = () => {
  const options = new df.RetryOptions(2_000, 4);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 30_000;
  return options;
};

const restoreOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<RestoreInput>();
  const { request } = input;
  // Runs started before requesters were recorded carry none: nobody, so nobody passes four eyes as them.
  const requester = input.requester ?? {
    id: "unrecorded",
    name: "an unrecorded requester",
    source: "function-key",
  };
  const instanceId = context.df.instanceId;
  const started = context.df.currentUtcDateTime;
  // The time alone is not unique: a restore rejected and requested again within the same second
  // would share its plan id, and so its recorded decision. The replay-safe guid makes it unique.
  const parent = input.parent;
  const planId =
    parent?.planId ?? `${instanceId}-${slotStamp(started)}-${context.df.newGuid(instanceId).slice(0, 8)}`;
  const base = { scenario: request.scenario, target: request.target };
  context.df.setCustomStatus({ ...base, phase: "preflight", planId } satisfies RestoreProgress);

  let plan: PlanSummary;
  try {
    plan = parent
      ? ((yield context.df.callActivityWithRetry(ACTIVITIES.restoreChildPlan, retry(), {
          request,
          planId,
        })) as PlanSummary)
      : ((yield context.df.callActivityWithRetry(ACTIVITIES.restorePlan, retry(), {
          request,
          instanceId,
          planId,
          now: started.toISOString(),
        })) as PlanSummary);
    if (parent && plan.planHash !== parent.planHash) {
      plan.blocking = [
        {
          name: "plan",
          ok: false,
          blocking: true,
          detail: `the stored plan ${planId} is not the one approved with the parent restore (hash ${plan.planHash}, approved ${parent.planHash}); nothing was changed`,
        },
      ];
    }
    // Pin the snapshots against retention while this restore waits for approval or runs (a
    // child's snapshots are pinned with its parent's).
    if (!parent && plan.snapshots.length > 0) {
      yield context.df.callActivityWithRetry(ACTIVITIES.restorePin, retry(), {
        planId,
        instanceId,
        snapshots: plan.snapshots,
        pinnedAt: started.toISOString(),
        approvalTimeoutMinutes: request.approvalTimeoutMinutes,
      } satisfies RestorePinInput);
    }
  } catch (error) {
    // Planning could not finish (target unreadable, store unavailable): report it, change nothing.
    const reason = `planning failed: ${error instanceof Error ? error.message : String(error)}`;
    plan = {
      planId,
      planPath: "",
      planMarkdownPath: "",
      snapshots: [],
      counts: { create: 0, update: 0, skip: 0, conflict: 0, unsupported: 0 },
      steps: [],
      destructive: [],
      blocking: [{ name: "plan", ok: false, blocking: true, detail: reason }],
      planHash: "",
      primaryTarget: false,
      fourEyes: { required: true, reason },
    };
  }
  const planStatus = {
    ...base,
    planId,
    planPath: plan.planPath,
    counts: plan.counts,
    destructive: plan.destructive,
  };

  const reasons: string[] = [];
  let phase: RestorePhase = "Completed";
  let approval: RestoreReport["approval"];
  const stepTotals = new Map<string, { created: number; updated: number; skipped: number; failed: number }>();
  let validation: ValidationCheck[] = [];
  const childValidation: ValidationCheck[] = [];
  type Totals = { created: number; updated: number; skipped: number; failed: number };
  type Position = Pick<
    RestoreProgress,
    "step" | "stepTitle" | "stepIndex" | "stepCount" | "overallDone" | "overallTotal"
  >;
  /** The one shape of "a step is running": what each step kind adds goes in `extra`. */
  const showExecuting = (
    step: StepSummary,
    position: Position,
    extra: Pick<RestoreProgress, "done" | "overallDone" | "operation" | "child"> = {},
  ) =>
    context.df.setCustomStatus({
      ...planStatus,
      phase: "executing",
      ...position,
      done: 0,
      total: step.items,
      ...extra,
    } satisfies RestoreProgress);
  const addTotals = (totals: Totals, outcome: Totals) => {
    totals.created += outcome.created;
    totals.updated += outcome.updated;
    totals.skipped += outcome.skipped;
    totals.failed += outcome.failed;
  };

  /** Start once (the handle is persisted by the activity), then poll on durable timers. */
  function* runOperation(
    step: StepSummary,
    position: Position,
    totals: Totals,
  ): Generator<Task, void, unknown> {
    showExecuting(step, position);
    const started = (yield context.df.callActivityWithRetry(ACTIVITIES.restoreOperationStart, retry(), {
      request,
      planId,
      step: step.name,
      now: context.df.currentUtcDateTime.toISOString(),
    })) as { startedAt: string };
    const deadline = new Date(started.startedAt).getTime() + (step.timeoutMinutes ?? 60) * 60_000;
    for (;;) {
      const now = context.df.currentUtcDateTime.getTime();
      const timedOut = now >= deadline;
      if (!timedOut)
        yield context.df.createTimer(new Date(Math.min(now + (step.pollSeconds ?? 60) * 1000, deadline)));
      const poll = (yield context.df.callActivityWithRetry(ACTIVITIES.restoreOperationPoll, retry(), {
        request,
        planId,
        step: step.name,
        ...(timedOut
          ? {
              timedOut: `not finished within ${step.timeoutMinutes ?? 60} minute(s) of its start (${started.startedAt})`,
            }
          : {}),
      })) as OperationPoll;
      if (poll.state === "running") {
        showExecuting(step, position, {
          operation: { state: poll.state, detail: poll.detail, startedAt: poll.startedAt },
        });
        continue;
      }
      if (poll.state === "failed") {
        totals.failed += step.items;
        throw new Error(`${step.title}: ${poll.detail}`);
      }
      totals.created += step.items;
      return;
    }
  }

  /** Wait for an operator's "done", check the post-condition, and wait again while it fails. */
  function* runCheckpoint(
    step: StepSummary,
    position: Position,
    totals: Totals,
  ): Generator<Task, void, unknown> {
    const deadline = new Date(
      context.df.currentUtcDateTime.getTime() + (step.timeoutMinutes ?? 24 * 60) * 60_000,
    );
    let attempt = 1;
    let announced = 0;
    let lastCheck: CheckpointView["lastCheck"];
    for (;;) {
      const view: CheckpointView = {
        step: step.name,
        title: step.title,
        instructions: step.guide?.instructions ?? [],
        links: step.guide?.links ?? [],
        attempt,
        deadline: deadline.toISOString(),
        ...(lastCheck ? { lastCheck } : {}),
      };
      context.df.setCustomStatus({
        ...planStatus,
        phase: "awaiting-checkpoint",
        ...position,
        checkpoint: view,
      } satisfies RestoreProgress);
      if (announced < attempt) {
        announced = attempt;
        yield* announce(context, {
          notification: restoreAwaitingCheckpoint({
            instanceId,
            scenario: request.scenario,
            section: SCENARIOS[request.scenario].section,
            target: request.target,
            checkpoint: view,
            at: context.df.currentUtcDateTime.toISOString(),
          }),
          telemetry: {
            name: TELEMETRY_EVENTS.restore,
            properties: {
              instanceId,
              scenario: request.scenario,
              target: request.target,
              phase: "awaiting-checkpoint",
            },
          },
        });
      }
      // A fresh timer per wait (a scheduled task is never yielded again in a new Task.any).
      const timeout = context.df.createTimer(deadline);
      const signal = context.df.waitForExternalEvent(CHECKPOINT_EVENT);
      const winner = (yield context.df.Task.any([signal, timeout])) as Task;
      if (winner === timeout) {
        totals.failed += step.items;
        throw new Error(`${step.title}: nobody confirmed this checkpoint by ${deadline.toISOString()}`);
      }
      timeout.cancel();
      const outcome = (yield context.df.callActivityWithRetry(ACTIVITIES.restoreCheckpointCheck, retry(), {
        request,
        planId,
        step: step.name,
        attempt,
      })) as CheckpointOutcome;
      if (outcome.state === "no-signal") continue;
      if (outcome.state === "passed") {
        totals.updated += step.items;
        return;
      }
      lastCheck = { ok: false, detail: outcome.detail, by: outcome.by ?? "?", at: outcome.at ?? "?" };
      attempt++;
    }
  }

  /** A child restore as a sub-orchestration, released by this run's approval. */
  function* runChild(
    step: StepSummary,
    child: ChildSummary,
    position: Position,
    totals: Totals,
  ): Generator<Task, void, unknown> {
    showExecuting(step, position, { child: child.instanceId });
    const report = (yield context.df.callSubOrchestrator(
      ORCHESTRATORS.restore,
      {
        request: child.request,
        requester,
        requestHash: requestHash(child.request),
        parent: { instanceId, planId: child.planId, planHash: child.planHash, approval: approval! },
      } satisfies RestoreInput,
      child.instanceId,
    )) as RestoreReport;
    for (const s of report.steps) addTotals(totals, s);
    childValidation.push(...report.validation.map((v) => ({ ...v, name: `${child.step}: ${v.name}` })));
    if (report.phase === "PartiallyFailed") reasons.push(`${step.title}: ${report.reasons.join("; ")}`);
    else if (report.phase !== "Completed")
      throw new Error(`${step.title} ended ${report.phase}: ${report.reasons.join("; ")}`);
  }

  if (plan.blocking.length > 0) {
    phase = "Failed";
    reasons.push(...plan.blocking.map((c) => `${c.name}: ${c.detail}${c.fix ? ` — ${c.fix}` : ""}`));
  } else if (request.mode === "plan") {
    phase = "Planned";
  } else {
    // Pre-approval (the in-process CLI only) covers additive plans into secondary targets: a plan
    // that overwrites, revokes or writes to production always waits for a recorded decision.
    const preApproved = request.preApproved && plan.destructive.length === 0 && !plan.primaryTarget;
    if (parent) {
      // A child restore: its plan was approved as part of its parent's.
      approval = {
        ...parent.approval,
        comment: `released by the approval of ${parent.instanceId}'s plan${parent.approval.comment ? `: ${parent.approval.comment}` : ""}`,
      };
    } else if (preApproved) {
      approval = {
        approved: true,
        by: requester.name,
        at: started.toISOString(),
        comment: "pre-approved at the azdr CLI (additive plan, secondary target)",
        verified: requester.source === "easy-auth" || requester.source === "azure-login",
        planHash: plan.planHash,
      };
    } else {
      const deadline = new Date(started.getTime() + request.approvalTimeoutMinutes * 60_000);
      const gate: GateView = {
        planId,
        planHash: plan.planHash,
        requester,
        fourEyes: plan.fourEyes.required,
        fourEyesReason: plan.fourEyes.reason,
        primaryTarget: plan.primaryTarget,
      };
      context.df.setCustomStatus({
        ...planStatus,
        phase: "awaiting-approval",
        approvalDeadline: deadline.toISOString(),
        gate,
      } satisfies RestoreProgress);
      yield* announce(context, {
        notification: restoreAwaitingApproval({
          instanceId,
          scenario: request.scenario,
          section: SCENARIOS[request.scenario].section,
          source: request.source,
          target: request.target,
          ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
          counts: plan.counts,
          destructive: plan.destructive,
          approvalDeadline: deadline.toISOString(),
          planPath: plan.planMarkdownPath,
          at: context.df.currentUtcDateTime.toISOString(),
        }),
        telemetry: {
          name: TELEMETRY_EVENTS.restore,
          properties: {
            instanceId,
            scenario: request.scenario,
            target: request.target,
            phase: "awaiting-approval",
          },
        },
      });
      const closeGate = (timedOutAt?: string) =>
        context.df.callActivityWithRetry(ACTIVITIES.restoreCloseGate, retry(), {
          instanceId,
          planId,
          planHash: plan.planHash,
          ...(timedOutAt ? { timedOutAt } : {}),
        } satisfies CloseGateInput);
      let decision: DecisionRecord | undefined;
      while (!decision) {
        // A fresh timer per wait: yielding a scheduled task again in a new Task.any would make the
        // extension schedule it twice (durable-js#574; the local host's protocol check fails it).
        const timeout = context.df.createTimer(deadline);
        const signal = context.df.waitForExternalEvent(APPROVAL_EVENT);
        const winner = (yield context.df.Task.any([signal, timeout])) as Task;
        if (winner !== timeout) timeout.cancel();
        // A signal without a recorded decision (raised by hand) releases nothing: keep waiting.
        decision = (yield winner === timeout ? closeGate(deadline.toISOString()) : closeGate()) as
          DecisionRecord | undefined;
        if (winner === timeout && !decision)
          throw new Error("the approval gate could not record its timeout");
      }
      if (decision.kind === "timeout") {
        phase = "TimedOut";
        reasons.push(`no approval within ${request.approvalTimeoutMinutes} minute(s); nothing was changed`);
      } else {
        approval = {
          approved: decision.approved,
          by: decision.by.name,
          at: decision.at,
          ...(decision.comment ? { comment: decision.comment } : {}),
          verified: decision.by.source === "easy-auth" || decision.by.source === "azure-login",
          planHash: decision.planHash,
        };
        if (!decision.approved) {
          phase = "Rejected";
          reasons.push(
            `rejected by ${approval.by}${approval.comment ? `: ${approval.comment}` : ""}; nothing was changed`,
          );
        } else if (decision.planHash !== plan.planHash) {
          phase = "Rejected";
          reasons.push(
            `the approval was for plan ${decision.planHash}, not this plan (${plan.planHash}); nothing was changed`,
          );
        } else if (gate.fourEyes && samePerson(decision.by, requester)) {
          phase = "Rejected";
          reasons.push(
            `four-eyes rule: ${decision.by.name} cannot approve their own restore; nothing was changed`,
          );
        }
      }
    }
    if (phase === "Completed") {
      // Steps with something to do, in the scenario's order; each kind is carried out its own way.
      const work = plan.steps.filter((s) => s.items > 0);
      const overallTotal = work.reduce((sum, s) => sum + s.items, 0);
      let finishedItems = 0;
      try {
        for (const [index, step] of work.entries()) {
          const totals = { created: 0, updated: 0, skipped: 0, failed: 0 };
          stepTotals.set(step.name, totals);
          const position = {
            step: step.name,
            stepTitle: step.title,
            stepIndex: index + 1,
            stepCount: work.length,
            overallDone: finishedItems,
            overallTotal,
          };
          if (step.kind === "operation") {
            yield* runOperation(step, position, totals);
          } else if (step.kind === "checkpoint") {
            yield* runCheckpoint(step, position, totals);
          } else if (step.kind === "scenario") {
            const child = plan.children?.find((c) => c.step === step.name);
            if (!child) throw new Error(`scenario step ${step.name} has no planned child restore`);
            yield* runChild(step, child, position, totals);
          } else {
            for (let batch = 0; batch < step.batches; batch++) {
              const done = Math.min(batch * RESTORE_BATCH, step.items);
              showExecuting(step, position, { done, overallDone: finishedItems + done });
              const outcome = (yield context.df.callActivityWithRetry(ACTIVITIES.restoreBatch, retry(), {
                request,
                planId,
                step: step.name,
                batch,
              })) as BatchOutcome;
              addTotals(totals, outcome);
            }
          }
          finishedItems += step.items;
        }
      } catch (error) {
        phase = "Failed";
        reasons.push(
          `stopped: ${error instanceof Error ? error.message : String(error)}; re-run the same request to resume (steps are idempotent)`,
        );
      }
      const failed = [...stepTotals.values()].reduce((sum, t) => sum + t.failed, 0);
      if (phase === "Completed" && failed > 0) {
        phase = "PartiallyFailed";
        reasons.push(`${failed} object(s) failed: see the report's failures`);
      }
      if (phase !== "Failed") {
        context.df.setCustomStatus({ ...planStatus, phase: "validating" } satisfies RestoreProgress);
        validation = [
          ...((yield context.df.callActivityWithRetry(ACTIVITIES.restoreValidate, retry(), {
            request,
            planId,
          })) as ValidationCheck[]),
          ...childValidation,
        ];
        const mismatches = validation.filter((v) => !v.ok);
        if (mismatches.length && phase === "Completed") {
          phase = "PartiallyFailed";
          reasons.push(
            `validation: ${mismatches.map((m) => `${m.name} expected ${m.expected}, found ${m.actual}`).join("; ")}`,
          );
        }
      }
    }
  }

  context.df.setCustomStatus({ ...planStatus, phase: "reporting" } satisfies RestoreProgress);
  if (!parent)
    try {
      // Every path ends here: completed, failed, rejected, timed out, plan only.
      yield context.df.callActivityWithRetry(ACTIVITIES.restoreUnpin, retry(), {
        planId,
        at: context.df.currentUtcDateTime.toISOString(),
      });
    } catch {
      // The pin expires on its own (approval timeout + margin): never fail a restore for it.
    }
  const ended = context.df.currentUtcDateTime;
  const report: RestoreReport = {
    instanceId,
    planId,
    scenario: request.scenario,
    section: SCENARIOS[request.scenario].section,
    source: request.source,
    target: request.target,
    mode: request.mode,
    phase,
    reasons,
    startedAt: started.toISOString(),
    endedAt: ended.toISOString(),
    durationSeconds: Math.round((ended.getTime() - started.getTime()) / 1000),
    ...(approval ? { approval } : {}),
    counts: plan.counts,
    steps: plan.steps.map((s) => ({
      name: s.name,
      title: s.title,
      ...(stepTotals.get(s.name) ?? { created: 0, updated: 0, skipped: 0, failed: 0 }),
    })),
    validation,
    followUps: [],
    planPath: plan.planPath,
    reportPath: reportPath("report", planId, "json"),
    reportMarkdownPath: reportPath("report", planId, "md"),
    ...(parent ? { parentInstanceId: parent.instanceId } : {}),
  };
  const written = (yield context.df.callActivityWithRetry(
    ACTIVITIES.restoreReport,
    retry(),
    report,
  )) as RestoreReport;
  context.df.setCustomStatus({ ...planStatus, phase: "done", result: phase } satisfies RestoreProgress);
  return written;
};

df.app.orchestration(ORCHESTRATORS.restore, restoreOrchestrator);

df.app.activity(ACTIVITIES.restorePlan, {
  handler: async (input: { request: RestoreRequest; instanceId: string; planId: string; now: string }) =>
    preflightAndPlan(runtime(), scenarioFor(input.request.scenario), input.request, input),
});

df.app.activity(ACTIVITIES.restoreChildPlan, {
  handler: async (input: { request: RestoreRequest; planId: string }) =>
    summarizeStoredPlan(runtime(), scenarioFor(input.request.scenario), input.request, input.planId),
});

/** The plan's items of one step (what an operation or checkpoint acts on), read from the stored plan. */
/** The step's actionable items of the approved plan. */
async function stepItems(planId: string, step: string) {
  const plan = await readPlan(runtime(), planId);
  return plan.items.filter((i) => i.step === step && actionable(i));
}

df.app.activity(ACTIVITIES.restoreOperationStart, {
  handler: async (input: { request: RestoreRequest; planId: string; step: string; now: string }) => {
    const rt = runtime();
    const scenario = scenarioFor(input.request.scenario);
    const run = await runStateFor(rt, scenario, input.request, input.planId);
    const started = await startOperationStep(
      rt,
      scenario,
      input.request,
      run,
      input.step,
      await stepItems(input.planId, input.step),
      input.now,
    );
    rt.log.info(started.resumed ? "restore operation already started" : "restore operation started", {
      planId: input.planId,
      step: input.step,
    });
    return { startedAt: started.startedAt };
  },
});

df.app.activity(ACTIVITIES.restoreOperationPoll, {
  handler: async (input: { request: RestoreRequest; planId: string; step: string; timedOut?: string }) =>
    pollOperationStep(
      runtime(),
      scenarioFor(input.request.scenario),
      input.request,
      input.planId,
      input.step,
      (await stepItems(input.planId, input.step)).map((i) => i.key),
      input.timedOut,
    ),
});

df.app.activity(ACTIVITIES.restoreCheckpointCheck, {
  handler: async (input: { request: RestoreRequest; planId: string; step: string; attempt: number }) => {
    const rt = runtime();
    const scenario = scenarioFor(input.request.scenario);
    return checkCheckpointStep(
      rt,
      scenario,
      input.request,
      await runStateFor(rt, scenario, input.request, input.planId),
      input.step,
      input.attempt,
      await stepItems(input.planId, input.step),
    );
  },
});

df.app.activity(ACTIVITIES.restoreCloseGate, {
  handler: async (input: CloseGateInput): Promise<DecisionRecord | undefined> => {
    const rt = runtime();
    if (!input.timedOutAt) return readDecision(rt, input.planId);
    const { decision } = await recordDecision(rt, {
      instanceId: input.instanceId,
      planId: input.planId,
      planHash: input.planHash,
      approved: false,
      by: { id: "azdr", name: "the approval gate", source: "system" },
      at: input.timedOutAt,
      kind: "timeout",
    });
    return decision;
  },
});

df.app.activity(ACTIVITIES.restoreBatch, {
  handler: async (input: { request: RestoreRequest; planId: string; step: string; batch: number }) =>
    executeBatch(
      runtime(),
      scenarioFor(input.request.scenario),
      input.request,
      input.planId,
      input.step,
      input.batch,
    ),
});

df.app.activity(ACTIVITIES.restoreValidate, {
  handler: async (input: { request: RestoreRequest; planId: string }) =>
    runValidation(runtime(), scenarioFor(input.request.scenario), input.request, input.planId),
});

df.app.activity(ACTIVITIES.restoreReport, {
  handler: async (report: RestoreReport) => {
    const rt = runtime();
    const plan = report.planPath ? await readPlan(rt, report.planId) : undefined;
    // What a person must still do: values backups never hold, data the metadata restore cannot bring back.
    const followUps = plan
      ? [
          ...plan.notes,
          ...plan.items
            .filter((i) => i.action === "unsupported")
            .slice(0, 50)
            .map((i) => `${i.key}: ${i.reason}`),
        ]
      : [];
    const written = await writeReport(rt, { ...report, followUps });
    await rt.telemetry.track(
      TELEMETRY_EVENTS.restore,
      {
        instanceId: report.instanceId,
        scenario: report.scenario,
        target: report.target,
        phase: report.phase,
        mode: report.mode,
      },
      { durationSeconds: report.durationSeconds },
    );
    // A child restore is told as part of its parent's report.
    if (!report.parentInstanceId) await rt.notifier.notify(restoreFinished(written));
    rt.log.info("restore report written", {
      instanceId: report.instanceId,
      phase: report.phase,
      report: report.reportPath,
    });
    return written;
  },
});

df.app.activity(ACTIVITIES.restorePin, {
  handler: async (input: RestorePinInput) => {
    const rt = runtime();
    const marginMs = rt.config.integrity.restorePinMarginHours * 3_600_000;
    const expiresAt = new Date(
      new Date(input.pinnedAt).getTime() + input.approvalTimeoutMinutes * 60_000 + marginMs,
    ).toISOString();
    return pinSnapshots(rt.store, {
      planId: input.planId,
      instanceId: input.instanceId,
      snapshots: input.snapshots,
      pinnedAt: input.pinnedAt,
      expiresAt,
    });
  },
});

df.app.activity(ACTIVITIES.restoreUnpin, {
  handler: async (input: { planId: string; at: string }) =>
    releasePin(runtime().store, input.planId, new Date(input.at)),
});
