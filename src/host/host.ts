// LocalDurableHost: runs the app's orchestrators in-process through durable-functions' OWN replay
// engine, playing the part of the Durable Task extension. This module ties the parts together:
// the client verbs (what DurableClient does over HTTP), instances and their episodes, activity,
// sub-orchestration and timer work. Each part lives in its own module (see README.md here).
import { randomUUID } from "node:crypto";
import { executeActivity, limiter, type Limiter } from "./activities.js";
import { childReported, childResultEvent } from "./children.js";
import { closeEpisode, openEpisode } from "./episode.js";
import { InstanceAlreadyRunningError, InstanceNotFoundError } from "./errors.js";
import { errorText, eventFactory, failureFields, fromJson, toJson } from "./history.js";
import { describeWaiting, newLive, statusOf, type InstanceStatus, type Live } from "./instances.js";
import { durableInternals } from "./internals.js";
import { instanceContext, type HostLogger } from "./invocation.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";
import { replayOrchestrator } from "./replay.js";
import { planEpisode } from "./schedule.js";
import {
  MemoryInstanceStore,
  TERMINAL_STATUSES,
  type InstanceRecord,
  type InstanceStore,
  type RuntimeStatus,
} from "./store.js";
import { HostClock, InstanceTimers, type TimerMode } from "./timers.js";
import { HostWork } from "./work.js";

export { InstanceAlreadyRunningError, InstanceNotFoundError } from "./errors.js";
export type { InstanceStatus } from "./instances.js";
export { newInvocationContext, type HostLogger, type HostLogLevel } from "./invocation.js";

export interface LocalDurableHostOptions {
  registry: FunctionRegistry;
  /** Where instance records live; default in memory. Use BlobInstanceStore to survive restarts. */
  store?: InstanceStore;
  /**
   * "virtual" (tests): a timer fires as soon as nothing else can make progress and someone waits
   * (waitForCompletion / advanceTimers); the clock jumps to its due time. "real" (CLI): setTimeout.
   */
  timers?: TimerMode;
  /** Max activities executing at once (host.json maxConcurrentActivityFunctions). Default 10. */
  activityConcurrency?: number;
  /** Task hub name reported to durable clients. */
  taskHubName?: string;
  log?: HostLogger;
}

export class LocalDurableHost {
  readonly registry: FunctionRegistry;
  readonly store: InstanceStore;
  readonly timersMode: TimerMode;
  readonly taskHubName: string;
  private readonly log: HostLogger;
  private readonly limit: Limiter;
  private readonly clock = new HostClock();
  private readonly event = eventFactory(() => this.now());
  private readonly live = new Map<string, Live>();
  private readonly loading = new Map<string, Promise<Live | undefined>>();
  private readonly work = new HostWork((error) => this.log("error", `azdr local host: ${errorText(error)}`));
  private stopped = false;

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
    return this.clock.now();
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
    return record ? statusOf(record, options) : undefined;
  }

  async listInstances(filter: { runtimeStatus?: RuntimeStatus[] } = {}): Promise<InstanceStatus[]> {
    const records = new Map((await this.store.list()).map((r) => [r.instanceId, r]));
    for (const [id, l] of this.live) records.set(id, l.record);
    return [...records.values()]
      .filter((r) => !filter.runtimeStatus?.length || filter.runtimeStatus.includes(r.status))
      .map((r) => statusOf(r, {}));
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
    live.timers.clear();
    await this.persist(live);
    this.work.notify();
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
      const changed = this.work.nextChange();
      await this.idle();
      const status = await this.getStatus(instanceId);
      if (!status) throw new InstanceNotFoundError(instanceId);
      if (TERMINAL_STATUSES.has(status.runtimeStatus)) return status;
      if (this.timersMode === "virtual" && this.fireNextVirtualTimer()) continue;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `Orchestration "${status.name}" (${instanceId}) is still ${status.runtimeStatus} after ${timeoutMs} ms; ` +
            describeWaiting(this.live.get(instanceId)),
        );
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([changed, new Promise((resolve) => (timer = setTimeout(resolve, remaining)))]);
      clearTimeout(timer);
    }
  }

  /** Resolves when no episode or activity is running or queued (timers do not count). */
  async idle(): Promise<void> {
    await this.work.idle();
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
    this.clock.advanceTo(until);
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
    for (const live of this.live.values()) live.timers.clear();
    await this.work.episodesDone();
    await Promise.allSettled([...this.live.values()].map((l) => l.writes));
    this.work.notify();
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
    const timers = new InstanceTimers(this.timersMode, this.clock, (id) => this.fireTimer(live, id));
    const live = newLive(record, timers);
    return live;
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

  /** Asks for an episode; episodes of one instance never overlap. */
  private kick(live: Live): void {
    this.work.notify();
    if (this.stopped) return;
    if (live.episodeRunning) {
      live.needsEpisode = true;
      return;
    }
    live.episodeRunning = true;
    this.work.track(
      (async () => {
        try {
          do {
            live.needsEpisode = false;
            await this.runEpisode(live);
          } while (live.needsEpisode && !this.stopped);
        } finally {
          live.episodeRunning = false;
          this.work.notify();
        }
      })(),
      "episode",
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Episodes: replay, protocol check and plan, commit, then act

  private async runEpisode(live: Live): Promise<void> {
    const rec = live.record;
    if (TERMINAL_STATUSES.has(rec.status)) {
      rec.inbox = [];
      return;
    }
    const opened = openEpisode(rec, this.event);
    const context = (fn: RegisteredFunction) => instanceContext(fn, this.log, rec.instanceId);
    const outcome = await replayOrchestrator(this.registry.find(rec.name), rec, opened.history, context);
    if (TERMINAL_STATUSES.has(rec.status)) return; // terminated while the orchestrator ran

    const plan = planEpisode({
      record: rec,
      history: opened.history,
      outcome,
      inflight: live.inflight,
      now: this.now().getTime(),
      event: this.event,
    });
    const end = closeEpisode(rec, opened, outcome, plan, this.event, this.now());
    if (end === "failed") this.log("warn", `${rec.name} (${rec.instanceId}) failed: ${String(rec.error)}`);
    if (end === "completed") this.log("info", `${rec.name} (${rec.instanceId}) completed`);
    if (end === "continuedAsNew") live.needsEpisode = true;

    // Commit first, then act on it (as DTFx does): a crash never loses a scheduled task.
    await this.persist(live);
    if (this.stopped) return;
    if (TERMINAL_STATUSES.has(rec.status)) {
      live.timers.clear();
      live.waitingFor = [];
      if (rec.parent) await this.reportToParent(rec);
      return;
    }
    live.waitingFor = plan.waitingFor;
    live.timers.arm(plan.timers);
    for (const work of plan.activities) this.runActivity(live, work.id, work.name, work.inputJson);
    for (const sub of plan.subOrchestrations) {
      this.work.track(this.startSubOrchestration(live, sub.id, sub.instanceId, sub.name, sub.inputJson));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Work: activities, sub-orchestrations, timers

  private runActivity(live: Live, id: number, name: string, inputJson: string | undefined): void {
    live.inflight.add(id);
    const instanceId = live.record.instanceId;
    this.work.track(
      this.limit(async () => {
        if (this.stopped) return;
        const result = await executeActivity(
          this.registry,
          { instanceId, id, name, inputJson },
          { context: (fn) => instanceContext(fn, this.log, instanceId), event: this.event, log: this.log },
        );
        if (this.stopped) return; // the "process" is gone: the result is lost, a new host re-runs it
        live.inflight.delete(id);
        if (TERMINAL_STATUSES.has(live.record.status)) return;
        live.record.inbox.push(result);
        this.kick(live);
      }),
    );
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
      if (this.registry.find(name)?.kind !== "orchestration") {
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
    if (childReported(parent.record, child.parent.taskScheduledId)) return;
    parent.record.inbox.push(childResultEvent(child, child.parent.taskScheduledId, this.event));
    this.kick(parent);
  }

  private fireTimer(live: Live, id: number): void {
    if (TERMINAL_STATUSES.has(live.record.status) || this.stopped) return;
    const dueAt = live.timers.take(id);
    if (dueAt === undefined) return;
    live.record.inbox.push(this.event("TimerFired", { TimerId: id, FireAt: new Date(dueAt).toISOString() }));
    this.kick(live);
  }

  /** Virtual clock: jump to the earliest armed timer (if due by `until`) and fire it. */
  private fireNextVirtualTimer(until = Number.POSITIVE_INFINITY): boolean {
    let next: { live: Live; id: number; dueAt: number } | undefined;
    for (const live of this.live.values()) {
      if (TERMINAL_STATUSES.has(live.record.status)) continue;
      const timer = live.timers.next();
      if (timer && (!next || timer.dueAt < next.dueAt)) next = { live, ...timer };
    }
    if (!next || next.dueAt > until) return false;
    this.clock.advanceTo(next.dueAt);
    this.fireTimer(next.live, next.id);
    return true;
  }
}
