// Event Grid: deletions on the platform's resource groups start the matching recovery, behind its
// approval gate. `platformResourceDeleted` is the Event Grid trigger the infra subscribes (the
// Functions host answers the subscription handshake for it); `platformResourceDeletedWebhook` serves
// webhook subscriptions and answers the SubscriptionValidationEvent handshake itself.
import {
  app,
  type EventGridEvent,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from "@azure/functions";
import * as df from "durable-functions";
import { decideDeletion, type DeletionEvent } from "../lib/restore/engine/alerts.js";
import { parseRestoreRequest } from "../lib/restore/engine/request.js";
import { runtime } from "../orchestrators/runtime.js";
import { deletionDetected } from "../lib/notify/events.js";
import { startRestore } from "./restore-http.js";

export interface AlertOutcome {
  eventId: string;
  action: "restore" | "ignore" | "already-running" | "error" | "skipped";
  detail: string;
  /** An ignored deletion of a resource the config names: people are told all the same. */
  ours?: boolean;
  instanceId?: string;
}

/** Why an Event Grid entry cannot be handled as an event, or undefined when it can. */
export function malformedEvent(entry: unknown): string | undefined {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry))
    return `not an event object (${entry === null ? "null" : Array.isArray(entry) ? "array" : typeof entry})`;
  const fields = entry as Record<string, unknown>;
  const missing = ["id", "eventType", "subject"].filter(
    (key) => typeof fields[key] !== "string" || fields[key] === "",
  );
  if (missing.length) return `missing ${missing.join(", ")}`;
  const data = fields["data"];
  if (data !== undefined && (data === null || typeof data !== "object")) return "data is not an object";
  return undefined;
}

/**
 * Each entry on its own: a malformed one is reported and skipped, one that fails is an error
 * outcome, and neither stops the valid deletions in the same batch.
 */
export async function handleDeletionEvents(
  entries: unknown[],
  client: df.DurableClient,
  context: InvocationContext,
): Promise<AlertOutcome[]> {
  const outcomes: AlertOutcome[] = [];
  const events: DeletionEvent[] = [];
  for (const [index, entry] of entries.entries()) {
    const problem = malformedEvent(entry);
    if (problem) {
      const id = (entry as { id?: unknown } | null)?.id;
      const eventId = typeof id === "string" && id ? id : `#${index}`;
      context.warn(`event ${eventId} (entry ${index}) skipped: ${problem}`);
      outcomes.push({ eventId, action: "skipped", detail: `malformed event at index ${index}: ${problem}` });
      continue;
    }
    events.push(entry as DeletionEvent);
  }
  for (const event of events) {
    const eventId = event.id ?? "?";
    let decision: ReturnType<typeof decideDeletion>;
    try {
      decision = decideDeletion(runtime().config, event);
    } catch (error) {
      const detail = `could not read the event: ${error instanceof Error ? error.message : String(error)}`;
      context.error(`event ${eventId}: ${detail}`);
      outcomes.push({ eventId, action: "error", detail });
      continue;
    }
    if (decision.action === "ignore") {
      context.log(`event ${eventId} ignored: ${decision.reason}`);
      outcomes.push({ eventId, action: "ignore", detail: decision.reason, ours: decision.ours });
      continue;
    }
    try {
      const request = parseRestoreRequest(decision.request, runtime().config, undefined, "event-grid");
      const result = await startRestore(client, request, {
        id: `event-grid:${eventId}`,
        name: `Event Grid alert ${eventId}`,
        source: "system",
      });
      const outcome: AlertOutcome = result.started
        ? { eventId, action: "restore", detail: decision.reason, instanceId: result.instanceId }
        : {
            eventId,
            action: "already-running",
            detail: `restore ${result.instanceId} is already ${result.runtimeStatus}`,
            instanceId: result.instanceId,
          };
      context.warn(`event ${eventId}: ${outcome.detail}`);
      outcomes.push(outcome);
    } catch (error) {
      const detail = `could not start the recovery: ${error instanceof Error ? error.message : String(error)}`;
      context.error(`event ${eventId}: ${detail}`);
      outcomes.push({ eventId, action: "error", detail });
    }
  }
  // Tell people about every deletion of a configured resource: the ones that started a restore,
  // and the ones azdr cannot recover by itself (the decision says what to do); skipped and failed
  // entries too, since someone must look at them.
  const worthTelling = (o: AlertOutcome) => o.action !== "ignore" || o.ours === true;
  for (const outcome of outcomes.filter(worthTelling)) {
    const event = events.find((e) => (e.id ?? "?") === outcome.eventId);
    await runtime().notifier.notify(
      deletionDetected({
        eventId: outcome.eventId,
        resource: event?.data?.resourceUri ?? event?.subject ?? "unknown resource",
        action: outcome.action,
        detail: outcome.detail,
        ...(outcome.instanceId ? { instanceId: outcome.instanceId } : {}),
        at: new Date().toISOString(),
      }),
    );
  }
  return outcomes;
}

app.eventGrid("platformResourceDeleted", {
  extraInputs: [df.input.durableClient()],
  handler: async (event: EventGridEvent, context: InvocationContext) => {
    await handleDeletionEvents([event], df.getClient(context), context);
  },
});

export async function platformResourceDeletedWebhook(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    return { status: 400, jsonBody: { error: "INVALID_JSON", message: "send an Event Grid event array" } };
  }
  const events: unknown[] = Array.isArray(body) ? body : [body];
  const validation = events.find(
    (e): e is { data?: { validationCode?: string } } =>
      typeof e === "object" &&
      e !== null &&
      (e as DeletionEvent).eventType === "Microsoft.EventGrid.SubscriptionValidationEvent",
  );
  if (validation) {
    const code = validation.data?.validationCode;
    if (!code)
      return {
        status: 400,
        jsonBody: {
          error: "INVALID_EVENT",
          message: "SubscriptionValidationEvent without data.validationCode",
        },
      };
    context.log("Event Grid subscription validated");
    return { status: 200, jsonBody: { validationResponse: code } };
  }
  const outcomes = await handleDeletionEvents(events, df.getClient(context), context);
  const skipped = outcomes.filter((o) => o.action === "skipped");
  // 200 even with skipped entries: Event Grid would re-send the whole batch on an error status.
  return {
    status: 200,
    jsonBody: { outcomes, skipped: skipped.map((o) => ({ eventId: o.eventId, reason: o.detail })) },
  };
}

app.http("platformResourceDeletedWebhook", {
  route: "alerts/resource-deleted",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: platformResourceDeletedWebhook,
});
