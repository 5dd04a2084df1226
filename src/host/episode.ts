// The two ends of an episode around the replay: which events it replays over (the new messages
// after an OrchestratorStarted), and how the record moves on from its outcome and plan.
import { toJson, type EventFactory } from "./history.js";
import type { ReplayOutcome } from "./replay.js";
import type { EpisodePlan } from "./schedule.js";
import type { HistoryEvent, InstanceRecord } from "./store.js";

export interface OpenedEpisode {
  /** The history the orchestrator replays over. */
  history: HistoryEvent[];
  /** What this episode added to it. */
  appended: HistoryEvent[];
}

/** Takes the inbox into a new episode. With nothing new (a resume) it is a pure replay. */
export function openEpisode(record: InstanceRecord, event: EventFactory): OpenedEpisode {
  const fresh = record.history.length === 0;
  const incoming = record.inbox.splice(0);
  const appended: HistoryEvent[] = [];
  if (fresh || incoming.length > 0) {
    appended.push(event("OrchestratorStarted"));
    if (fresh) {
      appended.push(
        event("ExecutionStarted", {
          Name: record.name,
          Input: toJson(record.input),
          ...(record.parent
            ? { ParentInstance: { OrchestrationInstance: { InstanceId: record.parent.instanceId } } }
            : {}),
        }),
      );
    }
    appended.push(...incoming);
  }
  return { history: [...record.history, ...appended], appended };
}

export type EpisodeEnd = "failed" | "completed" | "continuedAsNew" | "running";

/** Commits the episode into the record (not yet stored): history, custom status, runtime status. */
export function closeEpisode(
  record: InstanceRecord,
  opened: OpenedEpisode,
  outcome: ReplayOutcome,
  plan: EpisodePlan,
  event: EventFactory,
  now: Date,
): EpisodeEnd {
  record.history = opened.history.concat(plan.newEvents);
  if (opened.appended.length > 0 || plan.newEvents.length > 0)
    record.history.push(event("OrchestratorCompleted"));
  if (outcome.state?.customStatus !== undefined) record.customStatus = outcome.state.customStatus;
  record.lastUpdatedTime = now.toISOString();

  const failure = plan.violation ?? outcome.error;
  if (failure !== undefined) {
    record.status = "Failed";
    record.error = failure;
    record.output = failure;
    record.history.push(event("ExecutionFailed", { Reason: failure }));
    return "failed";
  }
  if (outcome.state?.isDone && plan.continueAsNew) {
    record.status = "Running";
    record.input = plan.continueAsNew.input ?? null;
    record.history = [];
    return "continuedAsNew";
  }
  if (outcome.state?.isDone) {
    record.status = "Completed";
    record.output = JSON.parse(JSON.stringify(outcome.state.output ?? null)) as unknown;
    record.history.push(event("ExecutionCompleted", { Result: toJson(outcome.state.output ?? null) }));
    return "completed";
  }
  record.status = "Running";
  return "running";
}
