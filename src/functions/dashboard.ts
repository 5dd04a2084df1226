// The status dashboard: GET /api/dashboard serves the page, GET /api/dashboard/status its JSON
// (RPO, snapshots, restores with progress, approvals waiting, drills, dead letters). The page's
// approve/reject buttons call the restore routes themselves, so the same rules apply. Function
// keys protect both routes like every other.
import { randomBytes } from "node:crypto";
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { dashboardHtml } from "../lib/dashboard/page.js";
import { dashboardStatus, type RestoreView } from "../lib/dashboard/status.js";
import type { RestoreReport } from "../lib/restore/engine/engine.js";
import { ORCHESTRATORS } from "../orchestrators/names.js";
import { runtime } from "../orchestrators/runtime.js";

/** Restore instances newer than this are listed (older ones are in the stored reports). */
const RESTORE_HISTORY_DAYS = 14;

export async function dashboardPage(_request: HttpRequest): Promise<HttpResponseInit> {
  const nonce = randomBytes(16).toString("hex");
  return {
    status: 200,
    body: dashboardHtml(nonce),
    headers: {
      "content-type": "text/html; charset=utf-8",
      // Nothing but the app itself: no CDN, no framing, inline code only with this response's nonce.
      "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    },
  };
}

/** Restore instances from the durable client, shaped for the dashboard. */
export async function restoreViews(client: df.DurableClient, now: Date): Promise<RestoreView[]> {
  const instances = await client.getStatusBy({
    createdTimeFrom: new Date(now.getTime() - RESTORE_HISTORY_DAYS * 86_400_000),
  });
  return instances
    .filter((i) => i.name === ORCHESTRATORS.restore)
    .map((i) => {
      // The orchestrator's output is its report; customStatus its progress (untyped in the client).
      const report: Partial<RestoreReport> | undefined = i.output ?? undefined;
      const progress: RestoreView["progress"] = i.customStatus ?? undefined;
      return {
        instanceId: i.instanceId,
        runtimeStatus: String(i.runtimeStatus),
        createdTime: new Date(i.createdTime).toISOString(),
        lastUpdatedTime: new Date(i.lastUpdatedTime).toISOString(),
        ...(progress ? { progress } : {}),
        ...(report?.phase
          ? {
              result: {
                phase: report.phase,
                reasons: (report.reasons ?? []).slice(0, 5),
                ...(report.durationSeconds !== undefined ? { durationSeconds: report.durationSeconds } : {}),
                ...(report.reportMarkdownPath ? { reportPath: report.reportMarkdownPath } : {}),
              },
            }
          : {}),
      };
    });
}

export async function dashboardStatusHttp(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const now = new Date();
  const status = await dashboardStatus(runtime(), await restoreViews(df.getClient(context), now), now);
  return { status: 200, jsonBody: status, headers: { "cache-control": "no-store" } };
}

app.http("dashboardPage", {
  route: "dashboard",
  methods: ["GET"],
  authLevel: "function",
  handler: dashboardPage,
});

app.http("dashboardStatusHttp", {
  route: "dashboard/status",
  methods: ["GET"],
  authLevel: "function",
  extraInputs: [df.input.durableClient()],
  handler: dashboardStatusHttp,
});
