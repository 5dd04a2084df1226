// What an episode leads to: from the tasks the library's executor left open (ids included), the
// scheduling events to append and the work to start (activities, timers, sub-orchestrations),
// after the protocol check has confirmed the real extension would schedule the same.
import { actionName, type ActionView } from "./actions.js";
import { childInstanceId, fromJson, toJson, type EventFactory } from "./history.js";
import { durableInternals, type TaskView } from "./internals.js";
import { checkExtensionProtocol, SUPPORTED_SUBSET } from "./protocol.js";
import type { ReplayOutcome } from "./replay.js";
import type { HistoryEvent, InstanceRecord } from "./store.js";

type Scheduled =
  | { kind: "activity"; name: string; inputJson: string | undefined }
  | { kind: "timer"; fireAt: number; canceled: boolean }
  | { kind: "sub"; name: string; instanceId: string | undefined; inputJson: string | undefined }
  | { kind: "unsupported"; what: string };

export interface Work {
  id: number;
  name: string;
  inputJson: string | undefined;
}

export interface EpisodePlan {
  newEvents: HistoryEvent[];
  activities: Work[];
  subOrchestrations: (Work & { instanceId: string })[];
  /** Timers the orchestrator waits for: task id → due time. */
  timers: Map<number, number>;
  /** External events the orchestrator waits for (diagnostics). */
  waitingFor: string[];
  /** Why the episode fails: the protocol check, or an API the host does not support. */
  violation?: string;
  continueAsNew?: { input: unknown };
}

export interface PlanInput {
  record: InstanceRecord;
  history: HistoryEvent[];
  outcome: ReplayOutcome;
  /** Activity ids executing right now in this process (not to be started twice). */
  inflight: ReadonlySet<number>;
  now: number;
  event: EventFactory;
}

/** Works out, from the executor's open tasks, what to schedule and what to wait for. */
export function planEpisode({ record, history, outcome, inflight, now, event }: PlanInput): EpisodePlan {
  const internals = durableInternals();
  const T = internals.HistoryEventType;
  const executor = outcome.executor;
  const plan: EpisodePlan = {
    newEvents: [],
    activities: [],
    subOrchestrations: [],
    timers: new Map(),
    waitingFor: [],
  };
  if (!executor) return plan;

  // Always on: the episode fails when the real extension would schedule differently.
  const violation = checkExtensionProtocol({
    orchestrator: record.name,
    instanceId: record.instanceId,
    history,
    actions: outcome.actions,
    schemaVersion: outcome.state?.schemaVersion,
    openTasks: executor.openTasks,
    orchestratorFailed: outcome.error !== undefined,
  });
  if (violation) return { ...plan, violation };
  if (outcome.error !== undefined) return plan;

  if (outcome.state?.isDone) {
    const can = executor.willContinueAsNew
      ? (executor.actions as ActionView[]).find((a) => a.actionType === internals.ActionType.ContinueAsNew)
      : undefined;
    // ContinueAsNewAction stores a string input JSON-encoded (Utils.processInput).
    if (can) plan.continueAsNew = { input: typeof can.input === "string" ? fromJson(can.input) : can.input };
    return plan;
  }

  const scheduling = new Map<number, HistoryEvent>();
  for (const e of history) {
    if (
      e.EventType === T.TaskScheduled ||
      e.EventType === T.TimerCreated ||
      e.EventType === T.SubOrchestrationInstanceCreated
    ) {
      scheduling.set(e.EventId, e);
    }
  }
  // Results that arrived while this episode ran wait in the inbox: do not redo those tasks.
  const arrived = new Set<number>();
  for (const e of record.inbox) {
    const id = e.TaskScheduledId ?? e.TimerId;
    if (typeof id === "number") arrived.add(id);
  }
  for (const [key, task] of Object.entries(executor.openTasks)) {
    const id = Number(key);
    if (!Number.isInteger(id)) continue;
    const what = classify(task, now);
    if (what.kind === "unsupported") {
      return {
        ...plan,
        violation:
          `azdr local host: orchestration "${record.name}" uses ${what.what}, which the local host does not support ` +
          `(${SUPPORTED_SUBSET})`,
      };
    }
    let scheduled = scheduling.get(id);
    if (!scheduled) {
      scheduled = schedulingEvent(event, record.instanceId, id, what);
      plan.newEvents.push(scheduled);
    }
    if (arrived.has(id)) continue;
    if (what.kind === "activity") {
      if (!inflight.has(id)) {
        plan.activities.push({ id, name: what.name, inputJson: scheduled.Input as string | undefined });
      }
    } else if (what.kind === "timer") {
      if (!what.canceled) plan.timers.set(id, Date.parse(String(scheduled.FireAt)));
    } else {
      plan.subOrchestrations.push({
        id,
        instanceId: String(scheduled.InstanceId),
        name: what.name,
        inputJson: scheduled.Input as string | undefined,
      });
    }
  }
  plan.waitingFor = Object.keys(executor.openEvents);
  return plan;
}

function schedulingEvent(
  event: EventFactory,
  instanceId: string,
  id: number,
  what: Exclude<Scheduled, { kind: "unsupported" }>,
): HistoryEvent {
  switch (what.kind) {
    case "activity":
      return event("TaskScheduled", { Name: what.name, Input: what.inputJson }, id);
    case "timer":
      return event("TimerCreated", { FireAt: new Date(what.fireAt).toISOString() }, id);
    case "sub":
      return event(
        "SubOrchestrationInstanceCreated",
        {
          Name: what.name,
          InstanceId: what.instanceId ?? childInstanceId(instanceId, id),
          Input: what.inputJson,
        },
        id,
      );
  }
}

/** What an open task of the library's executor is waiting for. */
function classify(task: TaskView, now: number): Scheduled {
  const internals = durableInternals();
  const A = internals.ActionType;
  // RetryableTask (callActivityWithRetry / callSubOrchestratorWithRetry) tracks a NoOpTask per
  // step: first the retry timer, then the next attempt, as DTFx's retry interceptor schedules.
  if (task instanceof internals.NoOpTask && task.parent instanceof internals.RetryableTask) {
    const retry = task.parent as TaskView & { attemptNumber: number };
    const action = retry.actionObj as ActionView;
    if (retry.isWaitingOnTimer) {
      return { kind: "timer", fireAt: now + retryDelayMs(action, retry.attemptNumber), canceled: false };
    }
    return classifyCall(action);
  }
  const action = task.actionObj as ActionView | undefined;
  if (action?.actionType === A.CreateTimer) {
    const parentAction = task.parent?.actionObj as ActionView | undefined;
    const canceled =
      Boolean(action.isCanceled) ||
      (parentAction?.actionType === A.CreateTimer && Boolean(parentAction.isCanceled));
    return { kind: "timer", fireAt: new Date(action.fireAt ?? now).getTime(), canceled };
  }
  if (!action) return { kind: "unsupported", what: "an unknown task" };
  return classifyCall(action);
}

function classifyCall(action: ActionView): Scheduled {
  const A = durableInternals().ActionType;
  switch (action.actionType) {
    case A.CallActivity:
    case A.CallActivityWithRetry:
      // CallActivityAction JSON-encodes a string input itself (Utils.processInput).
      return {
        kind: "activity",
        name: String(action.functionName),
        inputJson: typeof action.input === "string" ? action.input : toJson(action.input),
      };
    case A.CallSubOrchestrator:
    case A.CallSubOrchestratorWithRetry:
      return {
        kind: "sub",
        name: String(action.functionName),
        instanceId: action.instanceId || undefined,
        inputJson: toJson(action.input),
      };
    default:
      return { kind: "unsupported", what: actionName(action.actionType) };
  }
}

/** DTFx RetryInterceptor: firstRetryInterval × backoff^(failures-1), capped at maxRetryInterval. */
function retryDelayMs(action: ActionView, attemptNumber: number): number {
  const options = action.retryOptions;
  if (!options) return 0;
  const backoff = options.backoffCoefficient ?? 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, Math.max(0, attemptNumber - 2));
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 ? Math.min(delay, cap) : delay;
}
