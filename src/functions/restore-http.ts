// Runbook links: POST /api/restore/{scenario} starts a restore (202 with status, approve and reject
// links); GET /api/restore/instances/{id} shows progress and the plan; POST …/approve and …/reject
// answer the approval gate. Function-level keys protect every route.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import {
  parseRestoreRequest,
  restoreInstanceId,
  RestoreRequestError,
  type RestoreRequest,
} from "../lib/restore/request.js";
import { assertSnapshotsExist } from "../lib/restore/engine.js";
import { scenarioFor } from "../lib/restore/scenarios.js";
import { APPROVAL_EVENT, ORCHESTRATORS } from "../orchestrators/names.js";
import type { ApprovalDecision, RestoreInput } from "../orchestrators/restore.js";
import { runtime } from "../orchestrators/runtime.js";
import { ACTIVE_STATES, findInstance } from "./durable-status.js";

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "content-type": "application/json", ...headers } };
}

function links(request: HttpRequest, instanceId: string) {
  const origin = new URL(request.url).origin;
  const code = new URL(request.url).searchParams.get("code");
  const suffix = code ? `?code=${encodeURIComponent(code)}` : "";
  const base = `${origin}/api/restore/instances/${encodeURIComponent(instanceId)}`;
  return {
    statusUri: `${base}${suffix}`,
    approveUri: `${base}/approve${suffix}`,
    rejectUri: `${base}/reject${suffix}`,
  };
}

async function readJson(request: HttpRequest): Promise<{ body?: unknown; error?: HttpResponseInit }> {
  const text = await request.text();
  if (text.trim() === "") return { body: {} };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      error: json(400, {
        error: "INVALID_JSON",
        problems: [
          {
            field: "(body)",
            message: `not valid JSON: ${(error as Error).message}`,
            fix: "send a JSON object",
          },
        ],
      }),
    };
  }
}

/**
 * Start a restore: the snapshot must exist (else RestoreRequestError, nothing starts) and no restore
 * of the same target may be running. Shared by the HTTP route, the queue and Event Grid alerts.
 */
export async function startRestore(
  client: df.DurableClient,
  request: RestoreRequest,
  idempotencyKey?: string,
): Promise<
  { started: true; instanceId: string } | { started: false; instanceId: string; runtimeStatus: string }
> {
  await assertSnapshotsExist(runtime(), scenarioFor(request.scenario), request);
  const instanceId = restoreInstanceId(request);
  const existing = await findInstance(client, instanceId);
  if (existing && ACTIVE_STATES.has(String(existing.runtimeStatus))) {
    return { started: false, instanceId, runtimeStatus: String(existing.runtimeStatus) };
  }
  try {
    await client.startNew(ORCHESTRATORS.restore, {
      instanceId,
      input: { request, ...(idempotencyKey ? { idempotencyKey } : {}) } satisfies RestoreInput,
    });
  } catch (error) {
    // Two requests raced past the check above: the loser reports the winner, like a 409.
    const now = await findInstance(client, instanceId);
    if (now && ACTIVE_STATES.has(String(now.runtimeStatus))) {
      return { started: false, instanceId, runtimeStatus: String(now.runtimeStatus) };
    }
    throw error;
  }
  return { started: true, instanceId };
}

export async function restoreHttpStart(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const { body, error } = await readJson(request);
  if (error) return error;
  let parsed: RestoreRequest;
  let result: Awaited<ReturnType<typeof startRestore>>;
  try {
    parsed = parseRestoreRequest(body, runtime().config, request.params["scenario"]);
    result = await startRestore(df.getClient(context), parsed);
  } catch (e) {
    if (e instanceof RestoreRequestError) {
      const unknownScenario = e.problems.some(
        (p) => p.field === "scenario" && p.message.startsWith("unknown"),
      );
      return json(unknownScenario ? 404 : 400, { error: "INVALID_REQUEST", problems: e.problems });
    }
    throw e;
  }
  const urls = links(request, result.instanceId);
  if (!result.started) {
    return json(
      409,
      {
        error: "RESTORE_ALREADY_RUNNING",
        message: `a restore of ${parsed.target} (${parsed.scenario}) is already ${result.runtimeStatus}; follow it, or wait for it to finish`,
        id: result.instanceId,
        ...urls,
      },
      { location: urls.statusUri },
    );
  }
  context.log(
    `restore ${result.instanceId} started (${parsed.mode}) by ${parsed.requestedBy ?? "an HTTP caller"}`,
  );
  return json(202, { id: result.instanceId, mode: parsed.mode, ...urls }, { location: urls.statusUri });
}

export async function restoreHttpStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const instanceId = request.params["id"] ?? "";
  const status = await findInstance(df.getClient(context), instanceId);
  if (!status) return json(404, { error: "NOT_FOUND", message: `no restore with id ${instanceId}` });
  return json(200, {
    id: instanceId,
    runtimeStatus: status.runtimeStatus,
    createdTime: status.createdTime,
    lastUpdatedTime: status.lastUpdatedTime,
    progress: status.customStatus,
    output: status.output,
    ...links(request, instanceId),
  });
}

async function decide(
  request: HttpRequest,
  context: InvocationContext,
  approved: boolean,
): Promise<HttpResponseInit> {
  const instanceId = request.params["id"] ?? "";
  const { body, error } = await readJson(request);
  if (error) return error;
  const document = (body ?? {}) as Record<string, unknown>;
  // Easy Auth (App Service authentication) names the caller; otherwise the body must.
  const by =
    request.headers.get("x-ms-client-principal-name") ??
    (typeof document["by"] === "string" ? document["by"] : "");
  if (!by.trim()) {
    return json(400, {
      error: "INVALID_REQUEST",
      problems: [
        {
          field: "by",
          message: "who approves or rejects is required",
          fix: 'send {"by":"alice@example.com"}',
        },
      ],
    });
  }
  const client = df.getClient(context);
  const status = await findInstance(client, instanceId);
  if (!status) return json(404, { error: "NOT_FOUND", message: `no restore with id ${instanceId}` });
  const progress = status.customStatus as { phase?: string } | undefined;
  if (!ACTIVE_STATES.has(String(status.runtimeStatus)) || progress?.phase !== "awaiting-approval") {
    return json(409, {
      error: "NOT_AWAITING_APPROVAL",
      message: `restore ${instanceId} is ${String(status.runtimeStatus)} (${progress?.phase ?? "unknown phase"}), not waiting for approval`,
    });
  }
  const decision: ApprovalDecision = {
    approved,
    by,
    ...(typeof document["comment"] === "string" ? { comment: document["comment"] } : {}),
  };
  await client.raiseEvent(instanceId, APPROVAL_EVENT, decision);
  context.log(`restore ${instanceId} ${approved ? "approved" : "rejected"} by ${by}`);
  return json(202, { id: instanceId, ...decision, ...links(request, instanceId) });
}

app.http("restoreHttpStart", {
  route: "restore/{scenario}",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: restoreHttpStart,
});

app.http("restoreHttpStatus", {
  route: "restore/instances/{id}",
  methods: ["GET"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: restoreHttpStatus,
});

app.http("restoreHttpApprove", {
  route: "restore/instances/{id}/approve",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => decide(request, context, true),
});

app.http("restoreHttpReject", {
  route: "restore/instances/{id}/reject",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => decide(request, context, false),
});
