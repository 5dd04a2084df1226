// History events in the shape the library's executor reads (PascalCase, DTFx names), and the
// JSON conventions of the extension (inputs and results travel as JSON text).
import { durableInternals, type HistoryEventName } from "./internals.js";
import type { HistoryEvent } from "./store.js";

/** Builds history events stamped with the host's clock. */
export type EventFactory = (
  type: HistoryEventName,
  fields?: Record<string, unknown>,
  eventId?: number,
) => HistoryEvent;

export function eventFactory(now: () => Date): EventFactory {
  return (type, fields = {}, eventId = -1) => ({
    EventType: durableInternals().HistoryEventType[type],
    EventId: eventId,
    IsPlayed: false,
    Timestamp: now().toISOString(),
    ...fields,
  });
}

/** The Durable Task extension's default: the first sub-orchestration of "abc" is "abc:0"… */
export const childInstanceId = (parentId: string, taskId: number) => `${parentId}:${taskId}`;

export const toJson = (value: unknown): string | undefined =>
  value === undefined ? undefined : JSON.stringify(value);

export const fromJson = (text: unknown): unknown =>
  typeof text === "string" && text.length > 0 ? (JSON.parse(text) as unknown) : undefined;

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** TaskFailed / SubOrchestrationInstanceFailed fields, as the extension fills them. */
export function failureFields(what: string, error: unknown): Record<string, unknown> {
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
