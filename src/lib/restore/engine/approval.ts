// The approval gate: who may decide, four eyes, and exactly one decision per plan. A decision is
// written create-only (If-None-Match: *) to the run record BEFORE the orchestrator hears of it, so
// of two racing deciders exactly one wins and the other is told who did; the orchestrator then acts
// on the recorded decision, which names the plan hash it was made for. The gate's own timeout goes
// through the same record, so "approved" is never answered to a run that then times out.
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";
import type { SourceContext } from "../../sources/context.js";
import { describePrincipal, RESTORE_ROLES, samePerson, type Principal } from "./identity.js";

/** What a waiting restore shows about its gate (in the custom status, so routes can check it). */
export interface GateView {
  planId: string;
  planHash: string;
  requester: Pick<Principal, "id" | "name" | "source">;
  /** The approver must be someone other than the requester, and why. */
  fourEyes: boolean;
  fourEyesReason: string;
  primaryTarget: boolean;
}

export interface DecisionRecord {
  instanceId: string;
  planId: string;
  planHash: string;
  approved: boolean;
  by: Pick<Principal, "id" | "name" | "source">;
  at: string;
  comment?: string;
  /** "timeout": the gate closed itself at its deadline. */
  kind: "decision" | "timeout";
}

export function decisionPath(planId: string): string {
  return runRecordPath(planId, "decision.json");
}

/** Writes the decision unless one exists; returns the decision that holds (ours or the earlier one). */
export async function recordDecision(
  ctx: SourceContext,
  record: DecisionRecord,
): Promise<{ won: boolean; decision: DecisionRecord }> {
  const path = decisionPath(record.planId);
  const won = await ctx.store.blobs.putIfAbsent(
    REPORTS_CONTAINER,
    path,
    JSON.stringify(record, null, 2),
    "application/json",
  );
  if (won) return { won, decision: record };
  const existing = await readDecision(ctx, record.planId);
  if (!existing) throw new Error(`decision ${path} exists but cannot be read`);
  return { won: false, decision: existing };
}

export async function readDecision(ctx: SourceContext, planId: string): Promise<DecisionRecord | undefined> {
  const body = await ctx.store.blobs.get(REPORTS_CONTAINER, decisionPath(planId));
  return body ? (JSON.parse(body.toString("utf8")) as DecisionRecord) : undefined;
}

export interface Refusal {
  status: 401 | 403 | 409;
  error: string;
  rule?: string;
  message: string;
}

/**
 * Whether `decider` may take this decision at this gate. Roles are checked for identities that
 * carry them (App Service authentication); the in-process CLI runs with the operator's own cloud
 * access, so only four eyes applies there.
 */
export function checkDecider(
  gate: GateView,
  decider: Principal,
  approved: boolean,
  expectedPlanHash?: string,
): Refusal | undefined {
  if (decider.source === "easy-auth" && !decider.roles.includes(RESTORE_ROLES.approver)) {
    return {
      status: 403,
      error: "FORBIDDEN",
      rule: "approver-role",
      message: `${decider.name} lacks the app role ${RESTORE_ROLES.approver}, which approving or rejecting a restore requires`,
    };
  }
  if (expectedPlanHash && expectedPlanHash !== gate.planHash) {
    return {
      status: 409,
      error: "PLAN_CHANGED",
      message: `this decision is about plan ${expectedPlanHash}, but the restore waits on plan ${gate.planHash}; review the current plan and decide again`,
    };
  }
  // Anyone may stop their own restore; releasing it takes a second person when four eyes apply.
  if (approved && gate.fourEyes && samePerson(decider, gate.requester)) {
    return {
      status: 403,
      error: "FORBIDDEN",
      rule: "four-eyes",
      message: `four-eyes rule: ${decider.name} requested this restore and cannot approve it (${gate.fourEyesReason}); another approver must`,
    };
  }
  return undefined;
}

/** "already approved by alice@contoso.com at 2026-…" */
export function describeDecision(decision: DecisionRecord): string {
  if (decision.kind === "timeout") return `already closed: the approval timed out at ${decision.at}`;
  return `already ${decision.approved ? "approved" : "rejected"} by ${describePrincipal(decision.by)} at ${decision.at}`;
}
