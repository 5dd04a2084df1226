// Sub-orchestrations: how a finished child reports to its parent, as the extension does
// (SubOrchestrationInstanceCompleted / Failed on the parent's task id).
import type { EventFactory } from "./history.js";
import { durableInternals } from "./internals.js";
import type { HistoryEvent, InstanceRecord } from "./store.js";

/** The event the parent receives for a finished child. */
export function childResultEvent(
  child: InstanceRecord,
  taskScheduledId: number,
  event: EventFactory,
): HistoryEvent {
  if (child.status === "Completed") {
    return event("SubOrchestrationInstanceCompleted", {
      TaskScheduledId: taskScheduledId,
      Result: JSON.stringify(child.output ?? null),
    });
  }
  const why =
    child.error ?? (typeof child.output === "string" ? child.output : JSON.stringify(child.output ?? ""));
  return event("SubOrchestrationInstanceFailed", {
    TaskScheduledId: taskScheduledId,
    Reason: `Sub-orchestration '${child.name}' (${child.instanceId}) ${child.status === "Failed" ? "failed" : "was terminated"}: ${why}`,
    Details: why,
  });
}

/** Whether the parent already has (or is about to replay) the child's result. */
export function childReported(parent: InstanceRecord, taskScheduledId: number): boolean {
  const T = durableInternals().HistoryEventType;
  return [...parent.history, ...parent.inbox].some(
    (e) =>
      e.TaskScheduledId === taskScheduledId &&
      (e.EventType === T.SubOrchestrationInstanceCompleted ||
        e.EventType === T.SubOrchestrationInstanceFailed),
  );
}
