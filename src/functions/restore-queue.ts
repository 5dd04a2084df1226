// Queue `restore-requests`: the same request as the HTTP route, as JSON with a `scenario` field.
// A message that can never succeed (invalid) is not retried: it goes to the poison queue at once,
// with its validation error, through an output binding.
import { app, output, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { parseRestoreRequest, RestoreRequestError } from "../lib/restore/request.js";
import { RESTORE_POISON_QUEUE, RESTORE_QUEUE } from "../orchestrators/names.js";
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
  const scenario =
    body && typeof body === "object" ? (body as Record<string, unknown>)["scenario"] : undefined;
  try {
    const request = parseRestoreRequest(
      body,
      runtime().config,
      typeof scenario === "string" ? scenario : undefined,
    );
    const result = await startRestore(df.getClient(context), request);
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

app.storageQueue("restoreQueueStart", {
  queueName: RESTORE_QUEUE,
  connection: "AzureWebJobsStorage",
  extraInputs: [df.input.durableClient()],
  extraOutputs: [poison],
  handler: restoreQueueStart,
});
