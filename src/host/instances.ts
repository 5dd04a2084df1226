// An instance as the host holds it in memory (its stored record plus what this process is doing
// for it), and its status in the Durable HTTP API's shape.
import type { InstanceTimers } from "./timers.js";
import type { HistoryEvent, InstanceRecord, RuntimeStatus } from "./store.js";

export interface Live {
  record: InstanceRecord;
  episodeRunning: boolean;
  needsEpisode: boolean;
  /** Activity task ids currently executing in this process. */
  inflight: Set<number>;
  /** Timers the orchestrator waits for. */
  timers: InstanceTimers;
  /** External events the orchestrator waits for (for diagnostics). */
  waitingFor: string[];
  /** The store writes of this instance, one at a time. */
  writes: Promise<void>;
}

export function newLive(record: InstanceRecord, timers: InstanceTimers): Live {
  return {
    record,
    episodeRunning: false,
    needsEpisode: false,
    inflight: new Set(),
    timers,
    waitingFor: [],
    writes: Promise.resolve(),
  };
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

/** A detached copy: callers cannot change the host's record through it. */
export function statusOf(
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
  if (options.showHistory) status.history = record.history;
  return JSON.parse(JSON.stringify(status)) as InstanceStatus;
}

/** What an unfinished instance waits for, for a timeout message. */
export function describeWaiting(live: Live | undefined): string {
  if (!live) return "it is not loaded in this host";
  const parts: string[] = [];
  if (live.waitingFor.length)
    parts.push(`external event(s) ${live.waitingFor.map((n) => `"${n}"`).join(", ")}`);
  if (live.timers.size) {
    parts.push(
      `timer(s) due ${live.timers
        .dueTimes()
        .map((t) => new Date(t).toISOString())
        .join(", ")}`,
    );
  }
  if (live.inflight.size) parts.push(`${live.inflight.size} activit(ies)`);
  return `waiting for ${parts.join("; ") || "nothing this host can deliver"}`;
}
