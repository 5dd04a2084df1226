// Runbook links: POST /api/restore/{scenario} starts a restore (202 with status, approve and reject
// links); GET /api/restore/instances/{id} shows progress and the plan; POST …/approve and …/reject
// answer the approval gate. Function keys protect every route; in Azure, App Service authentication
// (Entra ID) sits in front as well and names the caller. Links never carry a key.
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import {
  parseRestoreRequest,
  requestHash,
  restoreInstanceId,
  RestoreRequestError,
  type RestoreRequest,
} from "../lib/restore/engine/request.js";
import { assertSnapshotsExist } from "../lib/restore/engine/engine.js";
import {
  checkDecider,
  describeDecision,
  readDecision,
  recordDecision,
  type DecisionRecord,
} from "../lib/restore/engine/approval.js";
import {
  CLIENT_PRINCIPAL_HEADER,
  describePrincipal,
  parseClientPrincipal,
  platformAuthEnabled,
  RESTORE_ROLES,
  type Principal,
} from "../lib/restore/engine/identity.js";
import { scenarioFor } from "../lib/restore/catalog.js";
import { APPROVAL_EVENT, CHECKPOINT_EVENT, ORCHESTRATORS } from "../orchestrators/names.js";
import { checkpointRefusal, recordCheckpointDone } from "../lib/restore/engine/step-runs.js";
import type { RestoreInput, RestoreProgress } from "../orchestrators/restore.js";
import { runtime } from "../orchestrators/runtime.js";
import { ACTIVE_STATES, findInstance } from "./durable-status.js";

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, jsonBody: body, headers: { "content-type": "application/json", ...headers } };
}

/** Links for people and tickets: no key in them (callers authenticate, or add their own key). */
function links(request: HttpRequest, instanceId: string) {
  const base = `${new URL(request.url).origin}/api/restore/instances/${encodeURIComponent(instanceId)}`;
  return { statusUri: base, approveUri: `${base}/approve`, rejectUri: `${base}/reject` };
}

/** Anyone holding the function key, when the platform names nobody: recorded as unverified. */
export const FUNCTION_KEY_CALLER: Pick<Principal, "id" | "name" | "source"> = {
  id: "function-key",
  name: "a function-key caller",
  source: "function-key",
};

/**
 * The verified caller: the App Service principal when the platform's authentication is on; else
 * nobody (a principal header is then just text a caller wrote, and is ignored).
 */
function verifiedCaller(request: HttpRequest): {
  principal?: Principal;
  refusal?: HttpResponseInit;
  authEnabled: boolean;
} {
  if (!platformAuthEnabled()) return { authEnabled: false };
  const principal = parseClientPrincipal(request.headers.get(CLIENT_PRINCIPAL_HEADER));
  if (!principal) {
    return {
      authEnabled: true,
      refusal: json(401, {
        error: "UNAUTHENTICATED",
        message: "sign in: App Service authentication is on but the request carries no principal",
      }),
    };
  }
  return { authEnabled: true, principal };
}

function forbidden(principal: Principal, roles: string[], what: string): HttpResponseInit {
  return json(403, {
    error: "FORBIDDEN",
    rule: "role",
    message: `${principal.name} lacks the app role ${roles.join(" or ")}, which ${what} requires`,
  });
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
  requester: Pick<Principal, "id" | "name" | "source"> = FUNCTION_KEY_CALLER,
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
    const input: RestoreInput = {
      request: { ...request, requestedBy: requester.name },
      requester,
      requestHash: requestHash(request),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    };
    await client.startNew(ORCHESTRATORS.restore, { instanceId, input });
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
  const caller = verifiedCaller(request);
  if (caller.refusal) return caller.refusal;
  if (caller.principal && !caller.principal.roles.includes(RESTORE_ROLES.operator)) {
    return forbidden(caller.principal, [RESTORE_ROLES.operator], "requesting a restore");
  }
  const { body, error } = await readJson(request);
  if (error) return error;
  let parsed: RestoreRequest;
  let result: Awaited<ReturnType<typeof startRestore>>;
  try {
    parsed = parseRestoreRequest(body, runtime().config, request.params["scenario"], "http");
    result = await startRestore(df.getClient(context), parsed, caller.principal ?? FUNCTION_KEY_CALLER);
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
    `restore ${result.instanceId} started (${parsed.mode}) by ${(caller.principal ?? FUNCTION_KEY_CALLER).name}`,
  );
  return json(202, { id: result.instanceId, mode: parsed.mode, ...urls }, { location: urls.statusUri });
}

export async function restoreHttpStatus(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const caller = verifiedCaller(request);
  if (caller.refusal) return caller.refusal;
  const allowed = [RESTORE_ROLES.operator, RESTORE_ROLES.approver];
  if (caller.principal && !caller.principal.roles.some((r) => (allowed as string[]).includes(r))) {
    return forbidden(caller.principal, allowed, "reading a restore");
  }
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

export interface DecisionOutcome {
  status: 200 | 401 | 403 | 404 | 409;
  body: Record<string, unknown>;
  decision?: DecisionRecord;
}

/**
 * Decide a waiting restore: check the decider (role, four eyes, plan hash), record the decision
 * create-only, then tell the orchestrator. Exactly one decision per plan wins; everyone else hears
 * which one (409). Shared by the HTTP routes and the in-process CLI.
 */
export async function decideRestore(
  client: df.DurableClient,
  instanceId: string,
  decider: Principal,
  approved: boolean,
  options: { comment?: string; planHash?: string; now: Date },
): Promise<DecisionOutcome> {
  const status = await findInstance(client, instanceId);
  if (!status)
    return { status: 404, body: { error: "NOT_FOUND", message: `no restore with id ${instanceId}` } };
  const progress = status.customStatus as RestoreProgress | undefined;
  const gate = progress?.gate;
  const recorded = progress?.planId ? await readDecision(runtime(), progress.planId) : undefined;
  if (recorded) return alreadyDecided(recorded);
  if (!ACTIVE_STATES.has(String(status.runtimeStatus)) || progress?.phase !== "awaiting-approval" || !gate) {
    return {
      status: 409,
      body: {
        error: "NOT_AWAITING_APPROVAL",
        message: `restore ${instanceId} is ${String(status.runtimeStatus)} (${progress?.phase ?? "unknown phase"}), not waiting for approval`,
      },
    };
  }
  const refusal = checkDecider(gate, decider, approved, options.planHash);
  if (refusal) return { status: refusal.status, body: { ...refusal } };
  const { won, decision } = await recordDecision(runtime(), {
    instanceId,
    planId: gate.planId,
    planHash: gate.planHash,
    approved,
    by: { id: decider.id, name: decider.name, source: decider.source },
    at: options.now.toISOString(),
    ...(options.comment ? { comment: options.comment } : {}),
    kind: "decision",
  });
  // Raised by winner and loser alike: the orchestrator reads the recorded decision either way, so
  // a winner that died between recording and raising cannot leave the restore waiting.
  await client.raiseEvent(instanceId, APPROVAL_EVENT, { planId: gate.planId });
  if (!won) return alreadyDecided(decision);
  return { status: 200, body: { id: instanceId, ...decision }, decision };
}

export interface CheckpointOutcomeResponse {
  status: 200 | 401 | 403 | 404 | 409;
  body: Record<string, unknown>;
}

/**
 * An operator says a checkpoint's manual step is done: the run must be waiting at that step; the
 * "done" is recorded create-only for the current attempt with who said it, then the orchestrator
 * is told, runs the post-condition check and either goes on or waits again with the check's answer.
 * Shared by the HTTP route and the in-process CLI.
 */
export async function confirmCheckpoint(
  client: df.DurableClient,
  instanceId: string,
  step: string,
  who: Principal,
  options: { comment?: string; now: Date },
): Promise<CheckpointOutcomeResponse> {
  const refusal = checkpointRefusal(who);
  if (refusal) return { status: 403, body: { error: "FORBIDDEN", rule: "role", message: refusal } };
  const status = await findInstance(client, instanceId);
  if (!status)
    return { status: 404, body: { error: "NOT_FOUND", message: `no restore with id ${instanceId}` } };
  const progress = status.customStatus as RestoreProgress | undefined;
  const waiting = progress?.checkpoint;
  if (
    !ACTIVE_STATES.has(String(status.runtimeStatus)) ||
    progress?.phase !== "awaiting-checkpoint" ||
    !waiting ||
    !progress.planId
  ) {
    return {
      status: 409,
      body: {
        error: "NOT_AT_CHECKPOINT",
        message: `restore ${instanceId} is ${String(status.runtimeStatus)} (${progress?.phase ?? "unknown phase"}), not waiting at a checkpoint`,
      },
    };
  }
  if (waiting.step !== step) {
    return {
      status: 409,
      body: {
        error: "NOT_AT_CHECKPOINT",
        message: `restore ${instanceId} waits at checkpoint ${waiting.step}, not ${step}`,
      },
    };
  }
  const { won, done } = await recordCheckpointDone(runtime(), {
    instanceId,
    planId: progress.planId,
    step,
    attempt: waiting.attempt,
    by: { id: who.id, name: who.name, source: who.source },
    at: options.now.toISOString(),
    ...(options.comment ? { comment: options.comment } : {}),
  });
  // Raised by winner and loser alike: the orchestrator reads the recorded "done" either way.
  await client.raiseEvent(instanceId, CHECKPOINT_EVENT, { step, attempt: waiting.attempt });
  if (!won) {
    return {
      status: 409,
      body: {
        error: "ALREADY_DONE",
        message: `attempt ${done.attempt} of ${step} was already marked done by ${describePrincipal(done.by)} at ${done.at}; its check runs now`,
      },
    };
  }
  return { status: 200, body: { id: instanceId, ...done } };
}

async function checkpointDone(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const instanceId = request.params["id"] ?? "";
  const step = request.params["step"] ?? "";
  const caller = verifiedCaller(request);
  if (caller.refusal) return caller.refusal;
  if (!caller.principal) {
    return json(401, {
      error: "UNAUTHENTICATED",
      message:
        "confirming a checkpoint needs a verified identity, and App Service authentication is off for this app (WEBSITE_AUTH_ENABLED)",
      fix: `enable App Service authentication (infra/ configures it), or confirm in-process: azdr restore checkpoint ${instanceId} ${step} --done`,
    });
  }
  if (!caller.principal.roles.includes(RESTORE_ROLES.operator)) {
    return forbidden(caller.principal, [RESTORE_ROLES.operator], "confirming a checkpoint");
  }
  const { body, error } = await readJson(request);
  if (error) return error;
  const document = (body ?? {}) as Record<string, unknown>;
  const outcome = await confirmCheckpoint(df.getClient(context), instanceId, step, caller.principal, {
    ...(typeof document["comment"] === "string" ? { comment: document["comment"] } : {}),
    now: new Date(),
  });
  context.log(
    `restore ${instanceId}: checkpoint ${step} done by ${caller.principal.name} answered ${outcome.status}`,
  );
  return json(outcome.status, { ...outcome.body, ...links(request, instanceId) });
}

function alreadyDecided(decision: DecisionRecord): DecisionOutcome {
  return {
    status: 409,
    body: { error: "ALREADY_DECIDED", message: describeDecision(decision), decision },
    decision,
  };
}

async function decide(
  request: HttpRequest,
  context: InvocationContext,
  approved: boolean,
): Promise<HttpResponseInit> {
  const instanceId = request.params["id"] ?? "";
  const caller = verifiedCaller(request);
  if (caller.refusal) return caller.refusal;
  if (!caller.principal) {
    // Without platform authentication nobody is verified: a header or a body "by" is only text.
    return json(401, {
      error: "UNAUTHENTICATED",
      message:
        "approving or rejecting needs a verified identity, and App Service authentication is off for this app (WEBSITE_AUTH_ENABLED), so no caller-supplied name is trusted",
      fix: `enable App Service authentication (infra/ configures it), or decide in-process: azdr restore ${approved ? "approve" : "reject"} ${instanceId}`,
    });
  }
  const { body, error } = await readJson(request);
  if (error) return error;
  const document = (body ?? {}) as Record<string, unknown>;
  const outcome = await decideRestore(df.getClient(context), instanceId, caller.principal, approved, {
    ...(typeof document["comment"] === "string" ? { comment: document["comment"] } : {}),
    ...(typeof document["planHash"] === "string" ? { planHash: document["planHash"] } : {}),
    now: new Date(),
  });
  context.log(
    `restore ${instanceId}: ${approved ? "approval" : "rejection"} by ${caller.principal.name} answered ${outcome.status}`,
  );
  return json(outcome.status, { ...outcome.body, ...links(request, instanceId) });
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

app.http("restoreHttpCheckpointDone", {
  route: "restore/instances/{id}/checkpoints/{step}/done",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: checkpointDone,
});

app.http("restoreHttpReject", {
  route: "restore/instances/{id}/reject",
  methods: ["POST"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: (request, context) => decide(request, context, false),
});
