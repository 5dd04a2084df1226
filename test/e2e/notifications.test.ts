// Notifications from the app's own registrations, end to end: a restore through its HTTP route
// (called with a function key) announces its approval wait and its end to a Teams workflow and a
// generic webhook; a failed backup, stale RPO rows and a deletion alert are announced too; custom
// events reach an Application Insights Track endpoint. Canaries prove no secret, function key or
// object body is ever in what leaves.
import { afterEach, describe, expect, it } from "vitest";
import type { AccessToken } from "@azure/core-auth";
import { LocalApp, type LocalDurableHost } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreProgress } from "../../src/orchestrators/restore.js";
import type { Notification } from "../../src/lib/notify/index.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const FUNCTION_KEY = "CANARYFUNCTIONKEY0123456789";
const BODY_CANARY = "CANARY_NOTEBOOK_BODY_e1f2a3";
const IKEY = "11111111-2222-3333-4444-555555555555";

let platform: TestPlatform | undefined;
let receiver: WebhookReceiver | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
  await receiver?.close();
  receiver = undefined;
});

async function start(): Promise<{
  p: TestPlatform;
  r: WebhookReceiver;
  host: LocalDurableHost;
  app: LocalApp;
}> {
  const r = (receiver = await startWebhookReceiver());
  const token: AccessToken = { token: "CANARYMONITORTOKEN0123", expiresOnTimestamp: Date.now() + 3_600_000 };
  const p = (platform = await startTestPlatform({
    sim: {
      workspaces: [
        {
          name: "primary",
          seed: {
            notebooks: 6,
            directories: 2,
            jobs: 1,
            clusters: 0,
            policies: 0,
            pools: 0,
            secretScopes: 0,
            repos: 0,
            initScripts: 0,
          },
        },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
    config: {
      unityCatalog: { metastores: [] },
      storageAccounts: [{ id: "st-shared" }],
      notifications: {
        sinks: [
          { id: "ops-teams", type: "teams", urlSetting: "AZDR_TEAMS_WEBHOOK_URL" },
          { id: "hook", type: "webhook", urlSetting: "AZDR_WEBHOOK_URL" },
        ],
        summariseMinutes: 60,
        maxAttempts: 3,
        dashboardUrl: "https://azdr.example.com/api/dashboard",
      },
    },
    env: {
      AZDR_TEAMS_WEBHOOK_URL: r.url("/teams"),
      AZDR_WEBHOOK_URL: r.url("/hook"),
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=${r.origin}/`,
    },
    runtime: { credential: { getToken: async () => token }, notify: { sleep: async () => undefined } },
  }));
  const host = await startHost();
  const app = await LocalApp.start({ host });
  cleanups.push(async () => {
    await app.close();
    await host.shutdown();
  });
  return { p, r, host, app };
}

async function importCanaryNotebook(p: TestPlatform): Promise<void> {
  const response = await fetch(`${p.sim.urls["primary"]}/api/2.0/workspace/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${p.sim.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      path: "/Shared/canary",
      format: "SOURCE",
      language: "PYTHON",
      content: Buffer.from(`print("${BODY_CANARY}")\n`).toString("base64"),
    }),
  });
  expect(response.ok).toBe(true);
}

async function backup(host: LocalDurableHost, kind: string, slot: string) {
  const instanceId = `backup-${kind}-${slot}`;
  await host.startNew(ORCHESTRATORS.backupRun, { instanceId, input: { kind, slot, sourceIds: ["primary"] } });
  return host.waitForCompletion(instanceId);
}

async function waitForPhase(
  host: LocalDurableHost,
  id: string,
  phase: RestoreProgress["phase"],
): Promise<void> {
  for (let i = 0; i < 400; i++) {
    await host.idle();
    const progress = (await host.getStatus(id))?.customStatus as RestoreProgress | undefined;
    if (progress?.phase === phase) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${phase}`);
}

function noCanaries(r: WebhookReceiver, p: TestPlatform): void {
  for (const request of r.requests) {
    for (const canary of [FUNCTION_KEY, BODY_CANARY, p.sim.token, r.url("/teams"), r.url("/hook")])
      expect(request.body, `${request.path} carries a secret or body`).not.toContain(canary);
  }
}

const generic = (r: WebhookReceiver) => r.at("/hook").map((q) => q.json as Notification);

describe("notifications from the running app", () => {
  it("a restore announces its approval wait and its end; nothing secret leaves", async () => {
    const { p, r, host, app } = await start();
    await importCanaryNotebook(p);
    expect((await backup(host, "databricks-notebooks", "20261201t090000z")).runtimeStatus).toBe("Completed");
    expect((await backup(host, "databricks-config", "20261201t090000z")).runtimeStatus).toBe("Completed");

    // App Service authentication names the requester and the approver (two people).
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const principal = (name: string, role: string) => ({
      "x-ms-client-principal": encodeClientPrincipal({ id: `oid-${name}`, name, roles: [role] }),
    });
    const started = await app.invokeHttp("restoreHttpStart", {
      params: { scenario: "workspace" },
      query: { code: FUNCTION_KEY },
      headers: principal("alice@contoso.com", RESTORE_ROLES.operator),
      body: { source: "primary", target: "dr", mode: "apply" },
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    await waitForPhase(host, id, "awaiting-approval");

    const waiting = generic(r).find((n) => n.event === "restore-awaiting-approval");
    expect(waiting).toMatchObject({
      title: "Restore workspace → dr is waiting for approval",
      component: "restore/workspace/dr",
      links: [
        {
          title: "Open the dashboard",
          url: `https://azdr.example.com/api/dashboard#${encodeURIComponent(`restore=${id}`)}`,
        },
      ],
    });
    expect(waiting?.facts).toEqual(
      expect.arrayContaining([{ name: "Requested by", value: "alice@contoso.com" }]),
    );
    const card = r.at("/teams")[0]?.json as {
      attachments: { content: { type: string; body: { text?: string }[] } }[];
    };
    expect(card.attachments[0]?.content.type).toBe("AdaptiveCard");
    expect(card.attachments[0]?.content.body[0]?.text).toBe("Restore workspace → dr is waiting for approval");

    const approved = await app.invokeHttp("restoreHttpApprove", {
      params: { id },
      headers: principal("bob@contoso.com", RESTORE_ROLES.approver),
      body: {},
    });
    expect(approved.status).toBe(200);
    expect((await host.waitForCompletion(id)).runtimeStatus).toBe("Completed");

    const finished = generic(r).find((n) => n.event === "restore-finished");
    expect(finished?.title).toMatch(/^Restore workspace → dr: (Completed|PartiallyFailed)$/);
    expect(finished?.facts).toEqual(
      expect.arrayContaining([{ name: "Approved by", value: "bob@contoso.com" }]),
    );

    // Application Insights custom events, with an Entra ID token (local auth is off in infra).
    const tracked = r.at("/v2.1/track");
    expect(tracked.length).toBeGreaterThan(0);
    expect(tracked.every((t) => t.headers.authorization === "Bearer CANARYMONITORTOKEN0123")).toBe(true);
    const events = tracked.flatMap(
      (t) =>
        t.json as {
          iKey: string;
          data: { baseType: string; baseData: { name: string; properties: Record<string, string> } };
        }[],
    );
    expect(events.every((e) => e.iKey === IKEY && e.data.baseType === "EventData")).toBe(true);
    const restorePhases = events
      .filter((e) => e.data.baseData.name === "azdr.restore")
      .map((e) => e.data.baseData.properties["phase"]);
    expect(restorePhases[0]).toBe("awaiting-approval");
    expect(restorePhases.at(-1)).toMatch(/Completed|PartiallyFailed/);
    expect(
      events
        .filter((e) => e.data.baseData.name === "azdr.backup")
        .map((e) => e.data.baseData.properties["phase"]),
    ).toEqual(["Completed", "Completed"]);

    noCanaries(r, p);
  });

  it("a failed backup, stale RPO rows and a deletion alert are announced; a dead webhook is dead-lettered", async () => {
    const { p, r, app, host } = await start();
    r.respond("/teams", Array<number>(60).fill(500));
    p.sim.faults.add("primary", { route: "workspace/list", status: 403 });
    const run = await backup(host, "databricks-notebooks", "20261201t100000z");
    expect(run.output).toMatchObject({ phase: "Failed" });
    const failed = generic(r).find((n) => n.event === "backup-failed");
    expect(failed).toMatchObject({
      title: "Backup databricks-notebooks of primary: Failed",
      severity: "critical",
    });

    await app.invokeTimer("rpoCheckTimer");
    const stale = generic(r).filter((n) => n.event === "rpo-stale");
    expect(stale.map((n) => n.title)).toEqual(
      expect.arrayContaining(["RPO MISSING: Databricks Notebooks (primary)"]),
    );
    const heartbeat = r
      .at("/v2.1/track")
      .flatMap((t) => t.json as { data: { baseData: { name: string } } }[])
      .filter((e) => e.data.baseData.name === "azdr.heartbeat");
    expect(heartbeat).toHaveLength(1);

    const response = await app.invokeHttp("platformResourceDeletedWebhook", {
      query: { code: FUNCTION_KEY },
      body: [
        {
          id: "evt-9",
          eventType: "Microsoft.Resources.ResourceDeleteSuccess",
          subject:
            "/subscriptions/s/resourceGroups/rg-test-azdr-shared/providers/Microsoft.Storage/storageAccounts/sttestazdrshared",
          data: {
            operationName: "Microsoft.Storage/storageAccounts/delete",
            resourceUri:
              "/subscriptions/s/resourceGroups/rg-test-azdr-shared/providers/Microsoft.Storage/storageAccounts/sttestazdrshared",
            status: "Succeeded",
          },
        },
      ],
    });
    expect(response.status).toBe(200);
    const deletion = generic(r).find((n) => n.event === "deletion-detected");
    expect(deletion?.summary).toContain("storage account sttestazdrshared deleted");

    // The Teams workflow answered 500 every time: each notification is in the dead-letter store.
    const dead = await p.runtime.notifier.deadLetters();
    expect(dead.length).toBe(generic(r).length);
    expect(
      dead.every((d) => d.sinkId === "ops-teams" && d.attempts === 3 && d.lastError === "HTTP 500"),
    ).toBe(true);
    noCanaries(r, p);
  });
});
