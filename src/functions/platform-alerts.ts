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
import { decideDeletion, type DeletionEvent } from "../lib/restore/alerts.js";
import { parseRestoreRequest } from "../lib/restore/request.js";
import { runtime } from "../orchestrators/runtime.js";
import { deletionDetected } from "../lib/notify/events.js";
import { startRestore } from "./restore-http.js";

export interface AlertOutcome {
  eventId: string;
  action: "restore" | "ignore" | "already-running" | "error";
  detail: string;
  instanceId?: string;
}

export async function handleDeletionEvents(
  events: DeletionEvent[],
  client: df.DurableClient,
  context: InvocationContext,
): Promise<AlertOutcome[]> {
  const outcomes: AlertOutcome[] = [];
  for (const event of events) {
    const eventId = event.id ?? "?";
    const decision = decideDeletion(runtime().config, event);
    if (decision.action === "ignore") {
      context.log(`event ${eventId} ignored: ${decision.reason}`);
      outcomes.push({ eventId, action: "ignore", detail: decision.reason });
      continue;
    }
    try {
      const request = parseRestoreRequest(decision.request, runtime().config);
      const result = await startRestore(client, request);
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
  // and the ones azdr cannot recover by itself (their reason says "deleted" and what to do).
  const worthTelling = (o: AlertOutcome) => o.action !== "ignore" || /\bdeleted\b/.test(o.detail);
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
  const events = (Array.isArray(body) ? body : [body]) as (DeletionEvent & {
    data?: { validationCode?: string };
  })[];
  const validation = events.find((e) => e.eventType === "Microsoft.EventGrid.SubscriptionValidationEvent");
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
  return { status: 200, jsonBody: { outcomes } };
}

app.http("platformResourceDeletedWebhook", {
  route: "alerts/resource-deleted",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: platformResourceDeletedWebhook,
});
