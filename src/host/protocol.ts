// The protocol check: what the real Durable Functions extension would schedule for this replay.
//
// Out of process, the extension never sees the library's task ids. It receives the orchestrator's
// action list (schema V2+: one list, Task.all/any as nested compound actions), replays it in its
// own .NET orchestrator (OutOfProcOrchestrationShim: invoke each action, await it, next) and numbers
// every scheduling call itself, in call order, matching those numbers to the history's
// TaskScheduled / TimerCreated / SubOrchestrationInstanceCreated events (DTFx). The local host
// schedules from the library's open tasks instead, so without this check it would run orchestrators
// the real extension runs differently: an in-flight task re-yielded inside a new Task.any is sent
// (and run) twice and results land on the wrong task (azure-functions-durable-js#574).
import { describeAction, type ActionView } from "./actions.js";
import { durableInternals, type TaskView } from "./internals.js";
import { MAX_SHORT_TIMER_MS } from "./replay.js";
import type { HistoryEvent } from "./store.js";

type CallKind = "activity" | "sub" | "timer";

/** One scheduling call the extension makes, numbered like DTFx numbers them. */
interface ExtensionCall {
  id: number;
  kind: CallKind;
  name: string | undefined;
  /** The leaf action behind it (a retry's timers and attempts keep their action). */
  origin: ActionView;
}

export interface ProtocolCheckInput {
  orchestrator: string;
  instanceId: string;
  /** The history the orchestrator was just replayed over. */
  history: readonly HistoryEvent[];
  /** The action list the orchestrator returned (state.actions), as the extension would receive it. */
  actions: unknown;
  schemaVersion: number | undefined;
  /** The library executor's open tasks: what the orchestrator waits for, by its own ids. */
  openTasks: Readonly<Record<string, TaskView>>;
  /** The orchestrator threw: its action list may stop early, so only contradictions count. */
  orchestratorFailed: boolean;
}

/** A minimal .NET Task: completes once, runs its continuations in order. */
class SimTask {
  done = false;
  private readonly continuations: (() => void)[] = [];
  then(continuation: () => void): void {
    if (this.done) continuation();
    else this.continuations.push(continuation);
  }
  complete(): void {
    if (this.done) return;
    this.done = true;
    for (const c of this.continuations.splice(0)) c();
  }
}

const completed = (): SimTask => {
  const t = new SimTask();
  t.complete();
  return t;
};

/** Replays the action list the way the extension's shim does, over the same history. */
class ExtensionReplay {
  readonly calls = new Map<number, ExtensionCall>();
  readonly invoked = new Map<ActionView, number>();
  resent: { action: ActionView; firstId: number; id: number } | undefined;
  /** The first action the local host cannot run faithfully, described. */
  unsupported: string | undefined;
  private sequence = 0;
  private now = 0;
  private readonly resultWaiters = new Map<number, (ok: boolean) => void>();
  private readonly timerWaiters = new Map<number, () => void>();
  private readonly eventWaiters = new Map<string, SimTask[]>();
  private readonly bufferedEvents = new Map<string, number>();
  private readonly A = durableInternals().ActionType;

  constructor(private readonly actions: ActionView[]) {}

  /** OutOfProcOrchestrationShim.ProcessAsyncActionsV2: invoke, await, next. */
  start(): void {
    let next = 0;
    const step = (): void => {
      while (next < this.actions.length) {
        const task = this.invoke(this.actions[next++]!);
        if (!task.done) return task.then(step);
      }
    };
    step();
  }

  process(event: HistoryEvent): void {
    const T = durableInternals().HistoryEventType;
    switch (event.EventType) {
      case T.OrchestratorStarted:
        this.now = Date.parse(event.Timestamp);
        return;
      case T.ExecutionStarted:
        return this.start();
      case T.TaskCompleted:
      case T.SubOrchestrationInstanceCompleted:
        return this.settle(event.TaskScheduledId, true);
      case T.TaskFailed:
      case T.SubOrchestrationInstanceFailed:
        return this.settle(event.TaskScheduledId, false);
      case T.TimerFired: {
        const fire = this.timerWaiters.get(Number(event.TimerId));
        this.timerWaiters.delete(Number(event.TimerId));
        return fire?.();
      }
      case T.EventRaised:
        return this.raise(String(event.Name));
    }
  }

  private settle(id: unknown, ok: boolean): void {
    const waiter = this.resultWaiters.get(Number(id));
    this.resultWaiters.delete(Number(id));
    waiter?.(ok);
  }

  private schedule(kind: CallKind, origin: ActionView): number {
    const id = this.sequence++;
    this.calls.set(id, { id, kind, name: kind === "timer" ? undefined : origin.functionName, origin });
    return id;
  }

  private invoke(action: ActionView): SimTask {
    const A = this.A;
    if (action.actionType === A.WhenAll || action.actionType === A.WhenAny) {
      const children = (action.compoundActions ?? []).map((c) => this.invoke(c));
      const all = new SimTask();
      let left = children.length;
      for (const child of children) {
        child.then(() => {
          if (action.actionType === A.WhenAny || --left === 0) all.complete();
        });
      }
      if (children.length === 0) all.complete();
      return all;
    }
    if (this.invoked.has(action)) {
      this.resent ??= { action, firstId: this.invoked.get(action)!, id: this.sequence };
    } else {
      this.invoked.set(action, this.sequence);
    }
    switch (action.actionType) {
      case A.CallActivity:
        return this.call("activity", action, 1);
      case A.CallActivityWithRetry:
        return this.call("activity", action, action.retryOptions?.maxNumberOfAttempts ?? 1);
      case A.CallSubOrchestrator:
        return this.call("sub", action, 1);
      case A.CallSubOrchestratorWithRetry:
        return this.call("sub", action, action.retryOptions?.maxNumberOfAttempts ?? 1);
      case A.CreateTimer:
        return this.timer(action);
      case A.WaitForExternalEvent:
        return this.waitForEvent(String(action.externalEventName));
      case A.ContinueAsNew:
        return completed();
      default:
        this.unsupported ??= describeAction(action);
        return new SimTask();
    }
  }

  /** A call, with DTFx's RetryInterceptor: attempt, on failure a retry timer (also after the last). */
  private call(kind: "activity" | "sub", action: ActionView, maxAttempts: number): SimTask {
    const result = new SimTask();
    // DTFx stops retrying once retryTimeout passed (no timer); the library never looks at it.
    if (action.retryOptions?.retryTimeoutInMilliseconds !== undefined) {
      this.unsupported ??= `${describeAction(action)} with retryTimeoutInMilliseconds`;
    }
    const attempt = (n: number) => {
      this.resultWaiters.set(this.schedule(kind, action), (ok) => {
        if (ok || maxAttempts <= 1) return result.complete();
        this.timerWaiters.set(this.schedule("timer", action), () =>
          n >= maxAttempts ? result.complete() : attempt(n + 1),
        );
      });
    };
    attempt(1);
    return result;
  }

  /** CreateTimer; a long timer is a chain of interval timers, each scheduled when the last fires. */
  private timer(action: ActionView): SimTask {
    const result = new SimTask();
    const fireAt = new Date(action.fireAt ?? 0).getTime();
    const long = fireAt - this.now > MAX_SHORT_TIMER_MS;
    const arm = () => {
      this.timerWaiters.set(this.schedule("timer", action), () =>
        long && this.now < fireAt ? arm() : result.complete(),
      );
    };
    arm();
    if (action.isCanceled) result.complete(); // the shim cancels right after creating it
    return result;
  }

  private waitForEvent(name: string): SimTask {
    const task = new SimTask();
    const buffered = this.bufferedEvents.get(name) ?? 0;
    if (buffered > 0) {
      this.bufferedEvents.set(name, buffered - 1);
      task.complete();
    } else {
      this.eventWaiters.set(name, [...(this.eventWaiters.get(name) ?? []), task]);
    }
    return task;
  }

  private raise(name: string): void {
    const waiter = this.eventWaiters.get(name)?.shift();
    if (waiter) waiter.complete();
    else this.bufferedEvents.set(name, (this.bufferedEvents.get(name) ?? 0) + 1);
  }
}

const describeCall = (call: { kind: CallKind; name: string | undefined }) =>
  call.kind === "timer"
    ? "CreateTimer"
    : `${call.kind === "activity" ? "CallActivity" : "CallSubOrchestrator"} "${String(call.name)}"`;

/** What a library task waits for, and the leaf action it belongs to (retry steps: their parent's). */
function expectationOf(
  task: TaskView,
): { kind: CallKind; name: string | undefined; origin: ActionView } | undefined {
  const internals = durableInternals();
  const A = internals.ActionType;
  if (task instanceof internals.NoOpTask && task.parent instanceof internals.RetryableTask) {
    const retry = task.parent as TaskView & { children: TaskView[] };
    const origin = retry.actionObj as ActionView;
    // children: attempt, timer, attempt, timer… (RetryableTask.trySetValue)
    const isTimer = retry.children.indexOf(task) % 2 === 1;
    return {
      kind: isTimer ? "timer" : kindOf(origin),
      name: isTimer ? undefined : origin.functionName,
      origin,
    };
  }
  const action = task.actionObj as ActionView | undefined;
  if (!action) return undefined;
  // A long timer's interval timers belong to the timer the orchestrator created.
  const parentAction = task.parent?.actionObj as ActionView | undefined;
  const origin =
    action.actionType === A.CreateTimer && parentAction?.actionType === A.CreateTimer ? parentAction : action;
  const kind = kindOf(origin);
  return { kind, name: kind === "timer" ? undefined : origin.functionName, origin };
}

function kindOf(action: ActionView): CallKind {
  const A = durableInternals().ActionType;
  if (action.actionType === A.CreateTimer) return "timer";
  if (action.actionType === A.CallSubOrchestrator || action.actionType === A.CallSubOrchestratorWithRetry)
    return "sub";
  return "activity";
}

function historyCalls(
  history: readonly HistoryEvent[],
): Map<number, { kind: CallKind; name: string | undefined }> {
  const T = durableInternals().HistoryEventType;
  const out = new Map<number, { kind: CallKind; name: string | undefined }>();
  for (const e of history) {
    if (e.EventType === T.TaskScheduled) out.set(e.EventId, { kind: "activity", name: String(e.Name) });
    else if (e.EventType === T.SubOrchestrationInstanceCreated)
      out.set(e.EventId, { kind: "sub", name: String(e.Name) });
    else if (e.EventType === T.TimerCreated) out.set(e.EventId, { kind: "timer", name: undefined });
  }
  return out;
}

/**
 * Replays the orchestrator's action list the way the extension does and compares what it would
 * schedule with the history and with what the orchestrator waits for. Returns why the real
 * extension would run this orchestration differently, or undefined when it would not.
 */
export function checkExtensionProtocol(input: ProtocolCheckInput): string | undefined {
  const who = `"${input.orchestrator}" (${input.instanceId})`;
  const actions = protocolActions(input.actions, input.schemaVersion);
  if (typeof actions === "string") return `Out-of-process protocol violation in ${who}: ${actions}`;
  const replay = new ExtensionReplay(actions);
  for (const event of input.history) replay.process(event);

  if (replay.unsupported) {
    return (
      `azdr local host: orchestration "${input.orchestrator}" uses ${replay.unsupported}, ` +
      `which the local host does not support (${SUPPORTED_SUBSET})`
    );
  }
  if (replay.resent) {
    const { action, firstId, id } = replay.resent;
    return (
      `Out-of-process protocol violation in ${who}: the orchestrator sends action ${describeAction(action)} again ` +
      `(first sent as task #${firstId}, re-sent as task #${id}). The extension has no task ids: it would run it a second ` +
      `time and hand results to the wrong tasks (azure-functions-durable-js#574). Never yield an already-scheduled task ` +
      `inside a new Task.any/Task.all; yield it on its own.`
    );
  }
  const inHistory = historyCalls(input.history);
  for (const [id, recorded] of inHistory) {
    const call = replay.calls.get(id);
    if (!call && input.orchestratorFailed) continue;
    if (!call || call.kind !== recorded.kind || call.name !== recorded.name) {
      return (
        `Non-deterministic orchestration detected: ${who} replayed differently from its history. ` +
        `History task #${id} is ${describeCall(recorded)}, but on replay the extension would schedule ` +
        `${call ? describeCall(call) : "nothing"} as task #${id} (${call ? "a different" : "a missing"} action). ` +
        `Either the orchestrator is not deterministic (no Math.random(), Date.now()/new Date(), I/O or environment ` +
        `reads; use context.df.currentUtcDateTime and context.df.newGuid()), or it relies on an order the extension ` +
        `does not see: the extension awaits each sent action in turn and numbers a retry's timer and next attempt when ` +
        `the failure is replayed, so actions sent after a Task.any/Task.all can take those numbers.`
      );
    }
  }
  if (input.orchestratorFailed) return undefined;
  for (const [key, task] of Object.entries(input.openTasks)) {
    const id = Number(key);
    if (!Number.isInteger(id) || inHistory.has(id)) continue;
    const expected = expectationOf(task);
    if (!expected) continue;
    const call = replay.calls.get(id);
    if (!call || call.origin !== expected.origin || call.kind !== expected.kind) {
      return (
        `Out-of-process protocol violation in ${who}: the orchestrator waits for ${describeCall(expected)} as task #${id}, ` +
        `but the extension would schedule ${call ? describeCall(call) : "nothing"} as task #${id} ` +
        `(${call ? "a different" : "a missing"} action). ` +
        `The extension awaits each sent action in turn (a Task.all until all of its tasks finish, even after one ` +
        `failed; a Task.any until the first), so it schedules later actions at other points than the orchestrator.`
      );
    }
  }
  for (const [id, call] of replay.calls) {
    if (inHistory.has(id) || input.openTasks[id] !== undefined) continue;
    return (
      `Out-of-process protocol violation in ${who}: the extension would schedule ${describeCall(call)} as task #${id}, ` +
      `which the orchestrator does not wait for (a re-sent action).`
    );
  }
  return undefined;
}

/** Schema V2+ (what the host advertises): one list of actions, nested inside a list. */
function protocolActions(actions: unknown, schemaVersion: number | undefined): ActionView[] | string {
  const V2 = durableInternals().ReplaySchema.V2;
  if (schemaVersion === undefined || schemaVersion < V2) {
    return `schema version ${String(schemaVersion)}; the local host advertises V4 and checks V2 or later`;
  }
  if (!Array.isArray(actions) || actions.length !== 1 || !Array.isArray(actions[0])) {
    return `with schema V2 or later the actions must be one list inside a list (got ${JSON.stringify(actions)?.slice(0, 200)})`;
  }
  return actions[0] as ActionView[];
}

/** The Durable API subset the local host runs (see src/host/README.md). */
export const SUPPORTED_SUBSET =
  "supported: activities and sub-orchestrations with or without retry (no retryTimeout), timers, external events, " +
  "Task.all/any, continueAsNew, custom status; see src/host/README.md";
