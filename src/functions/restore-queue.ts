// Queue `restore-requests`: the same request as the HTTP route, as JSON with a `scenario` field.
// A message that can never succeed (invalid) is not retried: it goes to the poison queue at once,
// with its validation error, through an output binding. Queues deliver at least once: each message
// has an idempotency key (its own `idempotencyKey`, else the queue message id), recorded in the
// run's input, so a message redelivered after its run finished answers with that run.
import { app, output, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { parseRestoreRequest, RestoreRequestError } from "../lib/restore/engine/request.js";
import { RESTORE_POISON_QUEUE, RESTORE_QUEUE } from "../orchestrators/names.js";
import type { RestoreInput } from "../orchestrators/restore.js";
import { restoreInstanceId } from "../lib/restore/engine/request.js";
import { runtime } from "../orchestrators/runtime.js";
import { startRestore } from "./restore-http.js";

const poison = output.storageQueue({ queueName: RESTORE_POISON_QUEUE, connection: "AzureWebJobsStorage" });

export async function restoreQueueStart(message: unknown, context: InvocationContext): Promise<void> {
  let body = message;
  if (typeof message === "string") {
    try {
      body = JSON.parse(message) as unknown;
    } catch {
      body = undefined;
    }
  }
  const fields = body && typeof body === "object" ? { ...(body as Record<string, unknown>) } : undefined;
  const scenario = fields?.["scenario"];
  const ownKey = fields?.["idempotencyKey"];
  if (fields) delete fields["idempotencyKey"]; // an envelope field, not part of the restore request
  const messageId = context.triggerMetadata?.["id"];
  const idempotencyKey =
    typeof ownKey === "string" && ownKey.trim()
      ? ownKey.trim()
      : typeof messageId === "string" && messageId
        ? `queue:${messageId}`
        : undefined;
  try {
    const request = parseRestoreRequest(
      fields ?? body,
      runtime().config,
      typeof scenario === "string" ? scenario : undefined,
      "queue",
    );
    const client = df.getClient(context);
    if (idempotencyKey) {
      const answered = await runFor(client, restoreInstanceId(request), idempotencyKey);
      if (answered) {
        context.log(
          `restore message ${idempotencyKey} was already handled by ${answered.instanceId} (${answered.runtimeStatus}); not starting it again`,
        );
        return;
      }
    }
    // Whoever can write to the queue: recorded, never verified, never pre-approved.
    const result = await startRestore(
      client,
      request,
      { id: "queue:restore-requests", name: "a restore-requests queue message", source: "function-key" },
      idempotencyKey,
    );
    context.log(
      result.started
        ? `restore ${result.instanceId} started from queue (${request.mode})`
        : `restore ${result.instanceId} is already ${result.runtimeStatus}; message ignored`,
    );
  } catch (error) {
    if (!(error instanceof RestoreRequestError)) throw error; // transient: let the queue retry
    const reason = error.problems.map((p) => `${p.field}: ${p.message} (${p.fix})`).join("; ");
    context.error(`invalid restore request moved to ${RESTORE_POISON_QUEUE}: ${reason}`);
    context.extraOutputs.set(poison, {
      reason,
      message: typeof message === "string" ? message : JSON.stringify(message),
    });
  }
}

/** The run this message already started, if the target's instance records the same key. */
async function runFor(
  client: df.DurableClient,
  instanceId: string,
  idempotencyKey: string,
): Promise<{ instanceId: string; runtimeStatus: string } | undefined> {
  let status: df.DurableOrchestrationStatus;
  try {
    status = await client.getStatus(instanceId, { showInput: true });
  } catch (error) {
    if (error instanceof Error && /\b404\b/.test(error.message)) return undefined;
    throw error;
  }
  const input = status.input as Partial<RestoreInput> | null | undefined;
  return input?.idempotencyKey === idempotencyKey
    ? { instanceId, runtimeStatus: String(status.runtimeStatus) }
    : undefined;
}

app.storageQueue("restoreQueueStart", {
  queueName: RESTORE_QUEUE,
  connection: "AzureWebJobsStorage",
  extraInputs: [df.input.durableClient()],
  extraOutputs: [poison],
  handler: restoreQueueStart,
});
