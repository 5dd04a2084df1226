// LocalDurableHost: runs the app's orchestrators in-process through durable-functions' OWN replay
// engine. The host plays the part of the Durable Task extension: it keeps each instance's history,
// invokes the registered orchestration handler (the library's Orchestrator, exactly what the
// Functions worker invokes) with the out-of-proc trigger payload, reads back the tasks the
// library's executor left open (ids included), executes activities / timers / sub-orchestrations,
// appends their results to the history and replays until the orchestrator is done.
import { randomUUID } from "node:crypto";
// Default import: @azure/functions is a CommonJS bundle whose class exports (InvocationContext,
// HttpRequest…) Node's ESM loader cannot detect statically, so named imports of them only work
// under vitest. The default import is module.exports everywhere (plain node, tsx, vitest).
import functions, { type InvocationContext, type LogHandler } from "@azure/functions";
import { actionName, type ActionView } from "./actions.js";
import {
  durableInternals,
  executorOf,
  OUT_OF_PROC_DATA_LABEL,
  type ExecutorView,
  type HistoryEventName,
  type TaskView,
} from "./internals.js";
import { checkExtensionProtocol, SUPPORTED_SUBSET } from "./protocol.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";
import {
  MemoryInstanceStore,
  TERMINAL_STATUSES,
  type HistoryEvent,
  type InstanceRecord,
  type InstanceStore,
  type RuntimeStatus,
} from "./store.js";

export type HostLogLevel = "debug" | "info" | "warn" | "error";
export type HostLogger = (level: HostLogLevel, message: string) => void;

export interface LocalDurableHostOptions {
  registry: FunctionRegistry;
  /** Where instance records live; default in memory. Use BlobInstanceStore to survive restarts. */
  store?: InstanceStore;
  /**
   * "virtual" (tests): a timer fires as soon as nothing else can make progress and someone waits
   * (waitForCompletion / advanceTimers); the clock jumps to its due time. "real" (CLI): setTimeout.
   */
  timers?: "virtual" | "real";
  /** Max activities executing at once (host.json maxConcurrentActivityFunctions). Default 10. */
  activityConcurrency?: number;
  /** Task hub name reported to durable clients. */
  taskHubName?: string;
  log?: HostLogger;
}

/** The instance status, in the JSON shape of the Durable HTTP API (DurableOrchestrationStatus). */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  output: unknown;
  customStatus: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  history?: HistoryEvent[];
}

export class InstanceAlreadyRunningError extends Error {
  override readonly name = "InstanceAlreadyRunningError";
  readonly code = "CONFLICT";
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: RuntimeStatus,
  ) {
    super(`An orchestration instance with id "${instanceId}" already exists and is ${runtimeStatus}.`);
  }
}

export class InstanceNotFoundError extends Error {
  override readonly name = "InstanceNotFoundError";
  readonly code = "NOT_FOUND";
  constructor(readonly instanceId: string) {
    super(`No orchestration instance with id "${instanceId}" found.`);
  }
}

interface Live {
  record: InstanceRecord;
  episodeRunning: boolean;
  needsEpisode: boolean;
  /** Activity task ids currently executing in this process. */
  inflight: Set<number>;
  /** Timers the orchestrator still waits for (task id → due time). */
  timers: Map<number, number>;
  realTimers: Map<number, NodeJS.Timeout>;
  /** External events the orchestrator waits for (for diagnostics). */
  waitingFor: string[];
  writes: Promise<void>;
}

type Scheduled =
  | { kind: "activity"; name: string; inputJson: string | undefined }
  | { kind: "timer"; fireAt: number; canceled: boolean }
  | { kind: "sub"; name: string; instanceId: string | undefined; inputJson: string | undefined }
  | { kind: "unsupported"; what: string };

interface OrchestratorStateView {
  isDone: boolean;
  actions?: unknown;
  schemaVersion?: number;
  error?: string;
  output?: unknown;
  customStatus?: unknown;
}

interface ReplayOutcome {
  state?: OrchestratorStateView;
  error?: string;
  executor?: ExecutorView;
  /** The action list as the extension receives it (the library's own objects, for identity). */
  actions?: unknown;
}

/** The Durable Task extension's default: the first sub-orchestration of "abc" is "abc:0"… */
const childInstanceId = (parentId: string, taskId: number) => `${parentId}:${taskId}`;

const toJson = (value: unknown): string | undefined =>
  value === undefined ? undefined : JSON.stringify(value);
const fromJson = (text: unknown): unknown =>
  typeof text === "string" && text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A real InvocationContext for a captured function, its log routed to the host logger under `label`. */
export function newInvocationContext(
  fn: RegisteredFunction,
  log: HostLogger,
  label: string,
  extra: {
    triggerMetadata?: Record<string, unknown>;
    retryContext?: { retryCount: number; maxRetryCount: number };
  } = {},
): InvocationContext {
  const logHandler: LogHandler = (level, ...args) =>
    log(
      level === "error" ? "error" : level === "warning" ? "warn" : level === "information" ? "info" : "debug",
      `[${label}] ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ")}`,
    );
  return new functions.InvocationContext({
    invocationId: randomUUID(),
    functionName: fn.name,
    logHandler,
    options: {
      trigger: fn.trigger,
      extraInputs: fn.extraInputs as never,
      extraOutputs: fn.extraOutputs as never,
      return: fn.returnBinding as never,
    },
    ...(extra.triggerMetadata ? { triggerMetadata: extra.triggerMetadata } : {}),
    ...(extra.retryContext ? { retryContext: extra.retryContext } : {}),
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function limiter(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

export class LocalDurableHost {
  readonly registry: FunctionRegistry;
  readonly store: InstanceStore;
  readonly timersMode: "virtual" | "real";
  readonly taskHubName: string;
  private readonly log: HostLogger;
  private readonly limit: <T>(fn: () => Promise<T>) => Promise<T>;
  private readonly live = new Map<string, Live>();
  private readonly loading = new Map<string, Promise<Live | undefined>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly episodes = new Set<Promise<unknown>>();
  private clockOffsetMs = 0;
  private stopped = false;
  private changed = deferred();

  constructor(options: LocalDurableHostOptions) {
    durableInternals(); // fail at construction if the library's internals moved
    this.registry = options.registry;
    this.store = options.store ?? new MemoryInstanceStore();
    this.timersMode = options.timers ?? "virtual";
    this.taskHubName = options.taskHubName ?? "AzdrLocalHub";
    this.log = options.log ?? (() => undefined);
    this.limit = limiter(Math.max(1, options.activityConcurrency ?? 10));
  }

  /** Host time: wall clock, plus whatever the virtual clock skipped to fire timers. */
  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Client verbs (what DurableClient does over HTTP; also served by the loopback Durable HTTP API)

  /** Starts `name` as `instanceId` (default: a new GUID). Refuses an id that is Pending/Running. */
  async startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): Promise<string> {
    this.assertRunning();
    this.registry.get(name, "orchestration");
    const instanceId = options.instanceId ?? randomUUID();
    return this.createInstance(instanceId, name, toJson(options.input), undefined);
  }

  async getStatus(instanceId: string, options: { showHistory?: boolean; showInput?: boolean } = {}) {
    const record = this.live.get(instanceId)?.record ?? (await this.store.get(instanceId));
    return record ? this.statusOf(record, options) : undefined;
  }

  async listInstances(filter: { runtimeStatus?: RuntimeStatus[] } = {}): Promise<InstanceStatus[]> {
    const records = new Map((await this.store.list()).map((r) => [r.instanceId, r]));
    for (const [id, l] of this.live) records.set(id, l.record);
    return [...records.values()]
      .filter((r) => !filter.runtimeStatus?.length || filter.runtimeStatus.includes(r.status))
      .map((r) => this.statusOf(r, {}));
  }

  /** Delivers an external event. Returns false when the instance already finished (HTTP 410). */
  async raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<boolean> {
    return this.raiseEventJson(instanceId, eventName, toJson(eventData));
  }

  /** Same as raiseEvent with the payload already serialized (as it arrives over HTTP). */
  async raiseEventJson(
    instanceId: string,
    eventName: string,
    dataJson: string | undefined,
  ): Promise<boolean> {
    this.assertRunning();
    const live = await this.ensureLive(instanceId);
    if (!live) throw new InstanceNotFoundError(instanceId);
    if (TERMINAL_STATUSES.has(live.record.status)) return false;
    live.record.inbox.push(this.event("EventRaised", { Name: eventName, Input: dataJson }));
    await this.persist(live);
    this.kick(live);
    return true;
  }

  /** Terminates a Pending/Running instance. Returns false when it already finished (HTTP 410). */
  async terminate(instanceId: string, reason = ""): Promise<boolean> {
    this.assertRunning();
    const live = await this.ensureLive(instanceId);
    if (!live) throw new InstanceNotFoundError(instanceId);
    const rec = live.record;
    if (TERMINAL_STATUSES.has(rec.status)) return false;
    rec.status = "Terminated";
    rec.output = reason;
    rec.inbox = [];
    rec.history.push(this.event("ExecutionTerminated", { Input: toJson(reason) }));
    rec.lastUpdatedTime = this.now().toISOString();
    this.disarm(live);
    await this.persist(live);
    this.notify();
    return true;
  }

  /** Deletes a finished instance's record. Returns false if there was none. */
  async purge(instanceId: string): Promise<boolean> {
    const live = this.live.get(instanceId);
    if (live && !TERMINAL_STATUSES.has(live.record.status)) {
      throw new Error(`Cannot purge instance "${instanceId}": it is ${live.record.status}.`);
    }
    this.live.delete(instanceId);
    return this.store.delete(instanceId);
  }

  /**
   * Waits until the instance finishes. With virtual timers this is what moves time: whenever the
   * host is idle and a timer is armed, the clock jumps to the earliest one and fires it.
   */
  async waitForCompletion(instanceId: string, options: { timeoutMs?: number } = {}): Promise<InstanceStatus> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const changed = this.changed.promise;
      await this.idle();
      const status = await this.getStatus(instanceId);
      if (!status) throw new InstanceNotFoundError(instanceId);
      if (TERMINAL_STATUSES.has(status.runtimeStatus)) return status;
      if (this.timersMode === "virtual" && this.fireNextVirtualTimer()) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `Orchestration "${status.name}" (${instanceId}) is still ${status.runtimeStatus} after ${timeoutMs} ms; ` +
            this.describeWaiting(instanceId),
        );
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([changed, new Promise((resolve) => (timer = setTimeout(resolve, remaining)))]);
      clearTimeout(timer);
    }
  }

  /** Resolves when no episode or activity is running or queued (timers do not count). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Virtual timers: fires every timer due up to now + `ms` (default: only the next one), in order. */
  async advanceTimers(ms?: number): Promise<void> {
    if (this.timersMode !== "virtual") throw new Error("advanceTimers needs virtual timers");
    await this.idle();
    if (ms === undefined) {
      this.fireNextVirtualTimer();
      await this.idle();
      return;
    }
    const until = this.now().getTime() + ms;
    while (this.fireNextVirtualTimer(until)) await this.idle();
    this.clockOffsetMs += Math.max(0, until - this.now().getTime());
  }

  /** Loads every unfinished instance from the store and carries on with it (after a restart). */
  async resumeAll(): Promise<string[]> {
    this.assertRunning();
    const ids: string[] = [];
    for (const record of await this.store.list()) {
      if (TERMINAL_STATUSES.has(record.status)) continue;
      await this.ensureLive(record.instanceId);
      ids.push(record.instanceId);
    }
    return ids;
  }

  /**
   * Stops the host like a process exit: no new work, real timers cleared, running episodes
   * finish their store write; activities still executing are abandoned (their results dropped),
   * so a new host over the same store runs them again (activities are at-least-once).
   */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const live of this.live.values()) this.disarm(live);
    while (this.episodes.size > 0) await Promise.allSettled([...this.episodes]);
    await Promise.allSettled([...this.live.values()].map((l) => l.writes));
    this.notify();
  }

  // ---------------------------------------------------------------------------------------------
  // Instances

  private assertRunning(): void {
    if (this.stopped) throw new Error("azdr local host: the host was shut down");
  }

  private async createInstance(
    instanceId: string,
    name: string,
    inputJson: string | undefined,
    parent: InstanceRecord["parent"],
  ): Promise<string> {
    // Claim the id synchronously so two concurrent starts of the same id cannot both succeed.
    const claimed = this.live.get(instanceId);
    if (claimed && !TERMINAL_STATUSES.has(claimed.record.status)) {
      throw new InstanceAlreadyRunningError(instanceId, claimed.record.status);
    }
    const now = this.now().toISOString();
    const record: InstanceRecord = {
      instanceId,
      name,
      status: "Pending",
      input: fromJson(inputJson) ?? null,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      inbox: [],
      ...(parent ? { parent } : {}),
    };
    const live = this.newLive(record);
    this.live.set(instanceId, live);
    if (!claimed) {
      const stored = await this.store.get(instanceId);
      if (stored && !TERMINAL_STATUSES.has(stored.status)) {
        this.live.delete(instanceId);
        throw new InstanceAlreadyRunningError(instanceId, stored.status);
      }
    }
    await this.persist(live);
    this.log("info", `started ${name} (${instanceId})`);
    this.kick(live);
    return instanceId;
  }

  private newLive(record: InstanceRecord): Live {
    return {
      record,
      episodeRunning: false,
      needsEpisode: false,
      inflight: new Set(),
      timers: new Map(),
      realTimers: new Map(),
      waitingFor: [],
      writes: Promise.resolve(),
    };
  }

  /** The in-memory instance, loaded from the store (and resumed if unfinished) when needed. */
  private async ensureLive(instanceId: string): Promise<Live | undefined> {
    const existing = this.live.get(instanceId);
    if (existing) return existing;
    let loading = this.loading.get(instanceId);
    if (!loading) {
      loading = (async () => {
        const record = await this.store.get(instanceId);
        if (!record) return undefined;
        const live = this.live.get(instanceId) ?? this.newLive(record);
        this.live.set(instanceId, live);
        if (!TERMINAL_STATUSES.has(record.status)) {
          this.log("info", `resuming ${record.name} (${instanceId})`);
          this.kick(live);
        }
        return live;
      })();
      this.loading.set(instanceId, loading);
      void loading.finally(() => this.loading.delete(instanceId)).catch(() => undefined);
    }
    return loading;
  }

  private persist(live: Live): Promise<void> {
    // One write at a time per instance, each writing the record as it is when it runs.
    live.writes = live.writes.catch(() => undefined).then(() => this.store.put(live.record));
    return live.writes;
  }

  private statusOf(
    record: InstanceRecord,
    options: { showHistory?: boolean; showInput?: boolean },
  ): InstanceStatus {
    const status: InstanceStatus = {
      name: record.name,
      instanceId: record.instanceId,
      runtimeStatus: record.status,
      input: options.showInput === false ? null : (record.input ?? null),
      output: record.output ?? null,
      customStatus: record.customStatus ?? null,
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
    };
    if (options.showHistory) status.history = JSON.parse(JSON.stringify(record.history)) as HistoryEvent[];
    return JSON.parse(JSON.stringify(status)) as InstanceStatus;
  }

  private describeWaiting(instanceId: string): string {
    const live = this.live.get(instanceId);
    if (!live) return "it is not loaded in this host";
    const parts: string[] = [];
    if (live.waitingFor.length)
      parts.push(`external event(s) ${live.waitingFor.map((n) => `"${n}"`).join(", ")}`);
    if (live.timers.size) {
      parts.push(
        `timer(s) due ${[...live.timers.values()].map((t) => new Date(t).toISOString()).join(", ")}`,
      );
    }
    if (live.inflight.size) parts.push(`${live.inflight.size} activit(ies)`);
    return `waiting for ${parts.join("; ") || "nothing this host can deliver"}`;
  }

  private notify(): void {
    const { resolve } = this.changed;
    this.changed = deferred();
    resolve();
  }

  private track<T>(promise: Promise<T>, set?: Set<Promise<unknown>>): void {
    const p = promise.catch((error: unknown) => this.log("error", `azdr local host: ${errorText(error)}`));
    this.pending.add(p);
    set?.add(p);
    void p.finally(() => {
      this.pending.delete(p);
      set?.delete(p);
    });
  }

  /** Asks for an episode; episodes of one instance never overlap. */
  private kick(live: Live): void {
    this.notify();
    if (this.stopped) return;
    if (live.episodeRunning) {
      live.needsEpisode = true;
      return;
    }
    live.episodeRunning = true;
    this.track(
      (async () => {
        try {
          do {
            live.needsEpisode = false;
            await this.runEpisode(live);
          } while (live.needsEpisode && !this.stopped);
        } finally {
          live.episodeRunning = false;
          this.notify();
        }
      })(),
      this.episodes,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // The replay loop

  private event(type: HistoryEventName, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
    return {
      EventType: durableInternals().HistoryEventType[type],
      EventId: eventId,
      IsPlayed: false,
      Timestamp: this.now().toISOString(),
      ...fields,
    };
  }

  private async runEpisode(live: Live): Promise<void> {
    const rec = live.record;
    if (TERMINAL_STATUSES.has(rec.status)) {
      rec.inbox = [];
      return;
    }
    const fresh = rec.history.length === 0;
    const incoming = rec.inbox.splice(0);
    const appended: HistoryEvent[] = [];
    if (fresh || incoming.length > 0) {
      appended.push(this.event("OrchestratorStarted"));
      if (fresh) {
        appended.push(
          this.event("ExecutionStarted", {
            Name: rec.name,
            Input: toJson(rec.input),
            ...(rec.parent
              ? { ParentInstance: { OrchestrationInstance: { InstanceId: rec.parent.instanceId } } }
              : {}),
          }),
        );
      }
      appended.push(...incoming);
    }
    // With nothing new (a resume after a restart) this is a pure replay that rebuilds the work.
    const history = [...rec.history, ...appended];
    const outcome = await this.replay(rec, history, fresh);
    if (TERMINAL_STATUSES.has(rec.status)) return; // terminated while the orchestrator ran

    const plan = this.plan(live, history, outcome);
    rec.history = history.concat(plan.newEvents);
    if (appended.length > 0 || plan.newEvents.length > 0)
      rec.history.push(this.event("OrchestratorCompleted"));
    if (outcome.state?.customStatus !== undefined) rec.customStatus = outcome.state.customStatus;
    rec.lastUpdatedTime = this.now().toISOString();

    const failure = plan.violation ?? plan.unsupported ?? outcome.error;
    if (failure !== undefined) {
      rec.status = "Failed";
      rec.error = failure;
      rec.output = failure;
      rec.history.push(this.event("ExecutionFailed", { Reason: failure }));
      this.log("warn", `${rec.name} (${rec.instanceId}) failed: ${failure}`);
    } else if (outcome.state?.isDone && plan.continueAsNew) {
      rec.status = "Running";
      rec.input = plan.continueAsNew.input ?? null;
      rec.history = [];
      live.needsEpisode = true;
    } else if (outcome.state?.isDone) {
      rec.status = "Completed";
      rec.output = JSON.parse(JSON.stringify(outcome.state.output ?? null)) as unknown;
      rec.history.push(this.event("ExecutionCompleted", { Result: toJson(outcome.state.output ?? null) }));
      this.log("info", `${rec.name} (${rec.instanceId}) completed`);
    } else {
      rec.status = "Running";
    }

    // Commit first, then act on it (as DTFx does): a crash never loses a scheduled task.
    await this.persist(live);
    if (this.stopped) return;
    if (TERMINAL_STATUSES.has(rec.status)) {
      this.disarm(live);
      live.waitingFor = [];
      if (rec.parent) await this.reportToParent(rec);
      return;
    }
    live.waitingFor = plan.waitingFor;
    live.timers = plan.timers;
    this.syncRealTimers(live);
    for (const work of plan.activities) this.runActivity(live, work.id, work.name, work.inputJson);
    for (const sub of plan.subOrchestrations) {
      this.track(this.startSubOrchestration(live, sub.id, sub.instanceId, sub.name, sub.inputJson));
    }
  }

  /** Runs the registered orchestration handler (the library's Orchestrator) over the history. */
  private async replay(rec: InstanceRecord, history: HistoryEvent[], fresh: boolean): Promise<ReplayOutcome> {
    const internals = durableInternals();
    const fn = this.registry.find(rec.name);
    if (!fn || fn.kind !== "orchestration") {
      return { error: `azdr local host: no orchestration named "${rec.name}" is registered` };
    }
    const context = this.invocationContext(fn, rec.instanceId);
    // The out-of-proc orchestration trigger payload, JSON round-tripped like the real binding.
    const payload = JSON.parse(
      JSON.stringify({
        history,
        input: rec.input ?? undefined,
        instanceId: rec.instanceId,
        isReplaying: !fresh,
        parentInstanceId: rec.parent?.instanceId,
        upperSchemaVersion: internals.ReplaySchema.V3,
        upperSchemaVersionNew: internals.ReplaySchema.V4,
        longRunningTimerIntervalDuration: "3.00:00:00",
        maximumShortTimerDuration: "6.00:00:00",
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      }),
    ) as unknown;
    const readExecutor = () =>
      (context as { df?: unknown }).df === undefined ? undefined : executorOf(context);
    try {
      const state = (await fn.handler(payload, context)) as OrchestratorStateView;
      return { state, executor: readExecutor(), actions: state.actions };
    } catch (error) {
      const message = errorText(error);
      const at = message.indexOf(OUT_OF_PROC_DATA_LABEL);
      if (error instanceof internals.OrchestrationFailureError && at >= 0) {
        // The state carries the orchestrator's exception message (the text before the label is
        // only the executor's `orchestratorReturned` flag).
        const state = JSON.parse(message.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as OrchestratorStateView;
        const executor = readExecutor();
        // The parsed state lost the action objects' identity; the executor still has them.
        const actions = executor ? [executor.actions] : state.actions;
        return { state, error: state.error ?? message.slice(0, at), executor, actions };
      }
      return { error: message, executor: readExecutor() };
    }
  }

  /** Works out, from the executor's open tasks, what to schedule and what to wait for. */
  private plan(live: Live, history: HistoryEvent[], outcome: ReplayOutcome) {
    const internals = durableInternals();
    const T = internals.HistoryEventType;
    const executor = outcome.executor;
    const result = {
      newEvents: [] as HistoryEvent[],
      activities: [] as { id: number; name: string; inputJson: string | undefined }[],
      subOrchestrations: [] as {
        id: number;
        instanceId: string;
        name: string;
        inputJson: string | undefined;
      }[],
      timers: new Map<number, number>(),
      waitingFor: [] as string[],
      violation: undefined as string | undefined,
      unsupported: undefined as string | undefined,
      continueAsNew: undefined as { input: unknown } | undefined,
    };
    if (!executor) return result;

    // Always on: the episode fails when the real extension would schedule differently.
    result.violation = checkExtensionProtocol({
      orchestrator: live.record.name,
      instanceId: live.record.instanceId,
      history,
      actions: outcome.actions,
      schemaVersion: outcome.state?.schemaVersion,
      openTasks: executor.openTasks,
      orchestratorFailed: outcome.error !== undefined,
    });
    if (result.violation || outcome.error !== undefined) return result;

    if (outcome.state?.isDone) {
      const can = executor.willContinueAsNew
        ? (executor.actions as ActionView[]).find((a) => a.actionType === internals.ActionType.ContinueAsNew)
        : undefined;
      // ContinueAsNewAction stores a string input JSON-encoded (Utils.processInput).
      if (can)
        result.continueAsNew = { input: typeof can.input === "string" ? fromJson(can.input) : can.input };
      return result;
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
    for (const e of live.record.inbox) {
      const id = e.TaskScheduledId ?? e.TimerId;
      if (typeof id === "number") arrived.add(id);
    }
    const now = this.now().getTime();
    for (const [key, task] of Object.entries(executor.openTasks)) {
      const id = Number(key);
      if (!Number.isInteger(id)) continue;
      const what = this.classify(task, now);
      if (what.kind === "unsupported") {
        result.unsupported =
          `azdr local host: orchestration "${live.record.name}" uses ${what.what}, which the local host does not support ` +
          `(${SUPPORTED_SUBSET})`;
        return result;
      }
      let scheduled = scheduling.get(id);
      if (!scheduled) {
        scheduled = this.schedulingEvent(live.record.instanceId, id, what);
        result.newEvents.push(scheduled);
      }
      if (arrived.has(id)) continue;
      if (what.kind === "activity") {
        if (!live.inflight.has(id)) {
          result.activities.push({ id, name: what.name, inputJson: scheduled.Input as string | undefined });
        }
      } else if (what.kind === "timer") {
        if (!what.canceled) result.timers.set(id, Date.parse(String(scheduled.FireAt)));
      } else {
        result.subOrchestrations.push({
          id,
          instanceId: String(scheduled.InstanceId),
          name: what.name,
          inputJson: scheduled.Input as string | undefined,
        });
      }
    }
    result.waitingFor = Object.keys(executor.openEvents);
    return result;
  }

  private schedulingEvent(instanceId: string, id: number, what: Exclude<Scheduled, { kind: "unsupported" }>) {
    switch (what.kind) {
      case "activity":
        return this.event("TaskScheduled", { Name: what.name, Input: what.inputJson }, id);
      case "timer":
        return this.event("TimerCreated", { FireAt: new Date(what.fireAt).toISOString() }, id);
      case "sub":
        return this.event(
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
  private classify(task: TaskView, now: number): Scheduled {
    const internals = durableInternals();
    const A = internals.ActionType;
    // RetryableTask (callActivityWithRetry / callSubOrchestratorWithRetry) tracks a NoOpTask per
    // step: first the retry timer, then the next attempt, as DTFx's retry interceptor schedules.
    if (task instanceof internals.NoOpTask && task.parent instanceof internals.RetryableTask) {
      const retry = task.parent as TaskView & { attemptNumber: number };
      const action = retry.actionObj as ActionView;
      if (retry.isWaitingOnTimer) {
        return {
          kind: "timer",
          fireAt: now + retryDelayMs(action, retry.attemptNumber),
          canceled: false,
        };
      }
      return this.classifyCall(action);
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
    return this.classifyCall(action);
  }

  private classifyCall(action: ActionView): Scheduled {
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

  // ---------------------------------------------------------------------------------------------
  // Work: activities, timers, sub-orchestrations

  private invocationContext(fn: RegisteredFunction, instanceId: string): InvocationContext {
    return newInvocationContext(fn, this.log, `${fn.name} ${instanceId}`, {
      triggerMetadata: { instanceId },
    });
  }

  private runActivity(live: Live, id: number, name: string, inputJson: string | undefined): void {
    live.inflight.add(id);
    this.track(
      this.limit(async () => {
        if (this.stopped) return;
        const result = await this.executeActivity(live.record.instanceId, id, name, inputJson);
        if (this.stopped) return; // the "process" is gone: the result is lost, a new host re-runs it
        live.inflight.delete(id);
        if (TERMINAL_STATUSES.has(live.record.status)) return;
        live.record.inbox.push(result);
        this.kick(live);
      }),
    );
  }

  /** Runs a registered activity handler like the Functions host: JSON in, JSON out. */
  private async executeActivity(
    instanceId: string,
    id: number,
    name: string,
    inputJson: string | undefined,
  ): Promise<HistoryEvent> {
    const fn = this.registry.find(name);
    try {
      if (!fn || fn.kind !== "activity")
        throw new Error(`azdr local host: no activity named "${name}" is registered`);
      const output = await fn.handler(fromJson(inputJson), this.invocationContext(fn, instanceId));
      return this.event("TaskCompleted", { TaskScheduledId: id, Result: JSON.stringify(output ?? null) });
    } catch (error) {
      this.log("debug", `activity ${name} (${instanceId} #${id}) failed: ${errorText(error)}`);
      return this.event("TaskFailed", {
        TaskScheduledId: id,
        ...failureFields(`Activity function '${name}'`, error),
      });
    }
  }

  private async startSubOrchestration(
    parent: Live,
    id: number,
    childId: string,
    name: string,
    inputJson: string | undefined,
  ): Promise<void> {
    const link = { instanceId: parent.record.instanceId, taskScheduledId: id };
    const child = await this.ensureLive(childId);
    if (child?.record.parent?.instanceId === link.instanceId && child.record.parent.taskScheduledId === id) {
      if (TERMINAL_STATUSES.has(child.record.status)) await this.reportToParent(child.record);
      return; // already started by us (e.g. before a restart): it reports when done
    }
    try {
      if (!this.registry.find(name) || this.registry.find(name)?.kind !== "orchestration") {
        throw new Error(`azdr local host: no orchestration named "${name}" is registered`);
      }
      await this.createInstance(childId, name, inputJson, link);
    } catch (error) {
      parent.record.inbox.push(
        this.event("SubOrchestrationInstanceFailed", {
          TaskScheduledId: id,
          ...failureFields(`Sub-orchestration '${name}'`, error),
        }),
      );
      this.kick(parent);
    }
  }

  private async reportToParent(child: InstanceRecord): Promise<void> {
    if (!child.parent) return;
    const parent = await this.ensureLive(child.parent.instanceId);
    if (!parent || TERMINAL_STATUSES.has(parent.record.status)) return;
    const taskScheduledId = child.parent.taskScheduledId;
    const T = durableInternals().HistoryEventType;
    const already = [...parent.record.history, ...parent.record.inbox].some(
      (e) =>
        e.TaskScheduledId === taskScheduledId &&
        (e.EventType === T.SubOrchestrationInstanceCompleted ||
          e.EventType === T.SubOrchestrationInstanceFailed),
    );
    if (already) return;
    const why =
      child.error ?? (typeof child.output === "string" ? child.output : JSON.stringify(child.output ?? ""));
    parent.record.inbox.push(
      child.status === "Completed"
        ? this.event("SubOrchestrationInstanceCompleted", {
            TaskScheduledId: taskScheduledId,
            Result: JSON.stringify(child.output ?? null),
          })
        : this.event("SubOrchestrationInstanceFailed", {
            TaskScheduledId: taskScheduledId,
            Reason: `Sub-orchestration '${child.name}' (${child.instanceId}) ${child.status === "Failed" ? "failed" : "was terminated"}: ${why}`,
            Details: why,
          }),
    );
    this.kick(parent);
  }

  private fireTimer(live: Live, id: number): void {
    const dueAt = live.timers.get(id);
    if (dueAt === undefined || TERMINAL_STATUSES.has(live.record.status) || this.stopped) return;
    live.timers.delete(id);
    const timer = live.realTimers.get(id);
    if (timer) clearTimeout(timer);
    live.realTimers.delete(id);
    live.record.inbox.push(this.event("TimerFired", { TimerId: id, FireAt: new Date(dueAt).toISOString() }));
    this.kick(live);
  }

  /** Virtual clock: jump to the earliest armed timer (if due by `until`) and fire it. */
  private fireNextVirtualTimer(until = Number.POSITIVE_INFINITY): boolean {
    let next: { live: Live; id: number; dueAt: number } | undefined;
    for (const live of this.live.values()) {
      if (TERMINAL_STATUSES.has(live.record.status)) continue;
      for (const [id, dueAt] of live.timers) {
        if (!next || dueAt < next.dueAt) next = { live, id, dueAt };
      }
    }
    if (!next || next.dueAt > until) return false;
    this.clockOffsetMs += Math.max(0, next.dueAt - this.now().getTime());
    this.fireTimer(next.live, next.id);
    return true;
  }

  private syncRealTimers(live: Live): void {
    if (this.timersMode !== "real") return;
    for (const [id, handle] of live.realTimers) {
      if (!live.timers.has(id)) {
        clearTimeout(handle);
        live.realTimers.delete(id);
      }
    }
    for (const [id, dueAt] of live.timers) {
      if (live.realTimers.has(id)) continue;
      const arm = () => {
        const wait = dueAt - this.now().getTime();
        // setTimeout caps at ~24.8 days: re-arm until due.
        live.realTimers.set(
          id,
          setTimeout(
            () => (wait > 2 ** 31 - 1 ? arm() : this.fireTimer(live, id)),
            Math.min(Math.max(0, wait), 2 ** 31 - 1),
          ),
        );
      };
      arm();
    }
  }

  private disarm(live: Live): void {
    for (const handle of live.realTimers.values()) clearTimeout(handle);
    live.realTimers.clear();
    live.timers.clear();
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

/** TaskFailed / SubOrchestrationInstanceFailed fields, as the extension fills them. */
function failureFields(what: string, error: unknown): Record<string, unknown> {
  const message = errorText(error);
  // With an exception-properties provider registered, durable-functions' activity wrapper has
  // already turned the error message into a FailureDetails JSON payload.
  if (message.startsWith("{")) {
    try {
      const p = JSON.parse(message) as Record<string, unknown>;
      if (typeof p.errorType === "string" && typeof p.errorMessage === "string") {
        return {
          Reason: `${what} failed: ${p.errorMessage}`,
          Details: message,
          FailureDetails: {
            ErrorType: p.errorType,
            ErrorMessage: p.errorMessage,
            StackTrace: p.stackTrace,
            IsNonRetriable: p.isNonRetriable ?? false,
            Properties: p.properties,
          },
        };
      }
    } catch {
      // not a payload: plain message
    }
  }
  const err = error instanceof Error ? error : undefined;
  return {
    Reason: `${what} failed: ${message}`,
    Details: JSON.stringify({ ErrorType: err?.name ?? "Error", Message: message, StackTrace: err?.stack }),
  };
}
