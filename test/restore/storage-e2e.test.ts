// Runbook 7.2 through the local host (durable-functions' own replay, virtual timers) with the Azure
// simulator: a deleted account recovered at a checkpoint that fails once, and a point-in-time
// restore started on one host and finished by another after a restart.
import { inject, afterEach, describe, expect, it } from "vitest";
import { BlobInstanceStore, LocalApp, LocalDurableHost } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreInput, RestoreProgress } from "../../src/orchestrators/restore.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import type { RestorePlan } from "../../src/lib/restore/engine/plan.js";
import { REPORTS_CONTAINER } from "../../src/lib/store/layout.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import { appRegistry, startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

type Json = Record<string, unknown>;
const SUBSCRIPTION = "00000000-0000-4000-8000-00000000a2d4"; // the Azure simulator's seeded subscription

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

const ALICE = { id: "oid-alice", name: "alice@contoso.example", roles: [RESTORE_ROLES.operator] };
const BOB = { id: "oid-bob", name: "bob@contoso.example", roles: [RESTORE_ROLES.approver] };
const as = (who: { id: string; name: string; roles: string[] }) => ({
  "x-ms-client-principal": encodeClientPrincipal(who),
});

async function setUp(): Promise<TestPlatform> {
  const p = await startTestPlatform({
    sim: {
      workspaces: [{ name: "primary", seed: false }],
      metastores: [],
      azure: { seed: { models: 1, versionsPerModel: 1 }, lroPolls: 2 },
    },
    config: {
      subscriptionId: SUBSCRIPTION,
      unityCatalog: { metastores: [] },
      storageAccounts: [
        { id: "st-ml", name: "stazdrmlprod", resourceGroup: "rg-azdr-prod" },
        { id: "st-uc", name: "stazdrucprod", resourceGroup: "rg-azdr-prod" },
      ],
    },
  });
  process.env.WEBSITE_AUTH_ENABLED = "True";
  return p;
}

async function until(
  host: LocalDurableHost,
  id: string,
  what: string,
  predicate: (progress: RestoreProgress | undefined) => boolean,
): Promise<RestoreProgress> {
  for (let i = 0; i < 400; i++) {
    await host.idle();
    const status = await host.getStatus(id);
    const progress = status?.customStatus as RestoreProgress | undefined;
    if (predicate(progress)) return progress!;
    if (status && ["Completed", "Failed", "Terminated"].includes(status.runtimeStatus))
      throw new Error(`ended (${status.runtimeStatus}) before ${what}: ${JSON.stringify(status.output)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function start(host: LocalDurableHost, id: string, body: Json): Promise<void> {
  const request = parseRestoreRequest(
    { mode: "apply", allowPrimaryTarget: true, ...body },
    platform!.config,
    "storage",
    "test",
  );
  const input: RestoreInput = {
    request,
    requester: { id: ALICE.id, name: ALICE.name, source: "easy-auth" },
    requestHash: requestHash(request),
  };
  await host.startNew(ORCHESTRATORS.restore, { instanceId: id, input });
}

async function approve(app: LocalApp, host: LocalDurableHost, id: string): Promise<RestoreProgress> {
  const gate = await until(host, id, "the approval gate", (p) => p?.phase === "awaiting-approval");
  const approved = await app.invokeHttp("restoreHttpApprove", {
    params: { id },
    method: "POST",
    body: { planHash: gate.gate?.planHash },
    headers: as(BOB),
  });
  expect(approved.status).toBe(200);
  return gate;
}

describe("runbook 7.2 through the local host", () => {
  it("a deleted account: approval, the portal checkpoint (refused until it is really back), protection re-applied", async () => {
    platform = await setUp();
    const azure = platform.sim.azure!;
    // The protection backup records versioning on; then the account is deleted.
    const host = await startHost();
    cleanups.push(() => host.shutdown());
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b-st",
      input: { kind: "storage-protection", slot: "20261201t000000z", sourceIds: ["st-uc"] },
    });
    expect((await host.waitForCompletion("b-st")).runtimeStatus).toBe("Completed");
    azure.disasters.deleteStorageAccount("stazdrucprod");
    const app = await LocalApp.start({ host });
    cleanups.push(() => app.close());
    const id = "restore-storage-st-uc";
    await start(host, id, { source: "st-uc", target: "st-uc" });
    const gate = await approve(app, host, id);
    expect(gate.destructive ?? []).toEqual([]);

    const waiting = await until(host, id, "the checkpoint", (p) => p?.phase === "awaiting-checkpoint");
    expect(waiting.checkpoint?.step).toBe("recover-account");
    expect(waiting.checkpoint?.links[0]?.url).toBe(
      "https://portal.azure.com/#browse/Microsoft.Storage%2FStorageAccounts",
    );
    const done = () =>
      app.invokeHttp("restoreHttpCheckpointDone", {
        params: { id, step: "recover-account" },
        method: "POST",
        body: { comment: "restored in the portal" },
        headers: as(ALICE),
      });
    expect((await done()).status).toBe(200); // said too early
    const again = await until(host, id, "the second attempt", (p) => p?.checkpoint?.attempt === 2);
    expect(again.checkpoint?.lastCheck?.detail).toMatch(/still deleted/);

    azure.disasters.recoverDeletedAccount("stazdrucprod"); // what the operator does in the portal
    expect((await done()).status).toBe(200);
    const final = await host.waitForCompletion(id, { timeoutMs: 120_000 });
    const report = final.output as RestoreReport;
    expect(report.phase, JSON.stringify(report.reasons)).toBe("Completed");
    const steps = Object.fromEntries(report.steps.map((s) => [s.name, s]));
    expect(steps["reapply-protection"]).toMatchObject({ failed: 0 });
    expect(steps["regrant-roles"]).toMatchObject({ created: 2, failed: 0 });
    expect(azure.state.findStorageAccount("stazdrucprod")!.roleAssignments).toHaveLength(2);
    expect(azure.state.findStorageAccount("stazdrucprod")!.blobService.isVersioningEnabled).toBe(true);
    expect(report.validation.every((v) => v.ok)).toBe(true);
  });

  it("a point-in-time restore started on one host is polled to the end by another after a restart, never started twice", async () => {
    platform = await setUp();
    const azure = platform.sim.azure!;
    const ml = azure.state.findStorageAccount("stazdrmlprod")!;
    azure.state.putBlob(ml, "data", "p/x.txt", Buffer.from("good-x"));
    azure.state.putBlob(ml, "data", "p/y.txt", Buffer.from("good-y"));
    azure.advanceDays(0.1);
    azure.disasters.overwriteBlob("stazdrmlprod", "data", "p/x.txt", Buffer.from("ransom"));
    azure.disasters.overwriteBlob("stazdrmlprod", "data", "p/y.txt", Buffer.from("ransom"));

    const store = BlobInstanceStore.fromConnectionString(
      inject("azuriteConnectionString"),
      `host${platform.storePrefix.slice(1, -1)}`,
    );
    const registry = await appRegistry();
    const first = new LocalDurableHost({ registry, store, timers: "virtual" });
    const firstApp = await LocalApp.start({ host: first });
    const id = "restore-storage-st-ml";
    await start(first, id, {
      source: "st-ml",
      target: "st-ml",
      containers: [{ container: "data", prefix: "p/" }],
    });
    const gate = await approve(firstApp, first, id);
    expect(gate.destructive?.join(" ")).toMatch(/Point-in-time restore of \[data\/p\/, data\/p0\)/);

    await until(first, id, "the operation", (p) => p?.step === "point-in-time-restore");
    await first.idle();
    const starts = () =>
      azure.log.entries.filter((e) => e.method === "POST" && e.path.endsWith("/restoreBlobRanges")).length;
    expect(starts()).toBe(1);
    await firstApp.close();
    await first.shutdown();

    const second = new LocalDurableHost({ registry, store, timers: "virtual" });
    const app = await LocalApp.start({ host: second });
    cleanups.push(async () => {
      await app.close();
      await second.shutdown();
    });
    expect(await second.resumeAll()).toContain(id);
    for (let i = 0; i < 10; i++) {
      await second.advanceTimers();
      await second.idle();
      const status = await second.getStatus(id);
      if (status && ["Completed", "Failed"].includes(status.runtimeStatus)) break;
    }
    const final = await second.waitForCompletion(id, { timeoutMs: 120_000 });
    const report = final.output as RestoreReport;
    expect(report.phase, JSON.stringify(report.reasons)).toBe("Completed");
    expect(starts()).toBe(1);
    const read = (name: string) =>
      azure.state.currentVersion(ml.containers.get("data")!.blobs.get(name)!)!.content.toString();
    expect(read("p/x.txt")).toBe("good-x");
    expect(read("p/y.txt")).toBe("good-y");
  });

  it("a region outage: the plan shows lastSyncTime and the data-loss window before approval; the failover runs once across a host restart; geo-redundancy comes back", async () => {
    platform = await setUp();
    const azure = platform.sim.azure!;
    azure.disasters.primaryOutage("stazdrmlprod");
    const lastSync = azure.state.lastSyncTime(azure.state.findStorageAccount("stazdrmlprod")!)!.toISOString();

    const store = BlobInstanceStore.fromConnectionString(
      inject("azuriteConnectionString"),
      `host${platform.storePrefix.slice(1, -1)}`,
    );
    const registry = await appRegistry();
    const first = new LocalDurableHost({ registry, store, timers: "virtual" });
    const firstApp = await LocalApp.start({ host: first });
    const id = "restore-storage-st-ml-outage";
    await start(first, id, { source: "st-ml", target: "st-ml" });

    // Before approval: the gate and the stored plan say what the failover costs.
    const gate = await until(first, id, "the approval gate", (p) => p?.phase === "awaiting-approval");
    expect(gate.destructive?.join(" ")).toContain(
      `Unplanned failover of stazdrmlprod to northeurope: writes after the last sync time ${lastSync} may be lost`,
    );
    expect(gate.destructive?.join(" ")).toMatch(
      /becomes Standard_LRS \(no geo-redundancy\) until the follow-up step/,
    );
    const body = await platform.runtime.store.blobs.get(REPORTS_CONTAINER, gate.planPath!);
    const plan = JSON.parse(body!.toString("utf8")) as RestorePlan;
    expect(plan.notes.join(" ")).toContain(`Data-loss window: ${lastSync} → `);
    expect(plan.notes.join(" ")).toMatch(/Failover: Unplanned; last sync time .*; afterwards Standard_LRS/);
    const failoverPosts = () =>
      azure.log.entries.filter((e) => e.method === "POST" && e.path.endsWith("/failover")).length;
    expect(failoverPosts()).toBe(0); // nothing runs before approval

    const approved = await firstApp.invokeHttp("restoreHttpApprove", {
      params: { id },
      method: "POST",
      body: { planHash: gate.gate?.planHash },
      headers: as(BOB),
    });
    expect(approved.status).toBe(200);
    await until(first, id, "the failover operation", (p) => p?.step === "failover");
    await first.idle();
    expect(failoverPosts()).toBe(1);
    await firstApp.close();
    await first.shutdown();

    // The host restarts while the failover runs: the new one polls the same operation to its end.
    const second = new LocalDurableHost({ registry, store, timers: "virtual" });
    const app = await LocalApp.start({ host: second });
    cleanups.push(async () => {
      await app.close();
      await second.shutdown();
    });
    expect(await second.resumeAll()).toContain(id);
    for (let i = 0; i < 10; i++) {
      await second.advanceTimers();
      await second.idle();
      const status = await second.getStatus(id);
      if (status && ["Completed", "Failed"].includes(status.runtimeStatus)) break;
    }
    const final = await second.waitForCompletion(id, { timeoutMs: 120_000 });
    const report = final.output as RestoreReport;
    expect(report.phase, JSON.stringify(report.reasons)).toBe("Completed");
    expect(failoverPosts()).toBe(1);
    const steps = Object.fromEntries(report.steps.map((s) => [s.name, s]));
    expect(steps["restore-geo-redundancy"]).toMatchObject({ failed: 0 });
    const after = azure.state.findStorageAccount("stazdrmlprod")!;
    expect(after.location).toBe("northeurope");
    expect(after.skuName).toBe("Standard_RAGRS");
    expect(report.validation.find((v) => v.name === "primary answers")?.ok).toBe(true);
  });

  it("Event Grid: an account deletion starts 7.2 held at approval (notified); once approved it waits at the portal checkpoint (notified with what to do)", async () => {
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: false }],
        metastores: [],
        azure: { seed: { models: 1, versionsPerModel: 1 } },
      },
      config: {
        subscriptionId: SUBSCRIPTION,
        unityCatalog: { metastores: [] },
        storageAccounts: [{ id: "st-uc", name: "stazdrucprod", resourceGroup: "rg-azdr-prod" }],
        notifications: { sinks: [{ id: "hook", type: "webhook", urlSetting: "AZDR_WEBHOOK_URL" }] },
      },
      env: { AZDR_WEBHOOK_URL: receiver.url("/hook") },
      runtime: { notify: { sleep: async () => undefined } },
    });
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const azure = platform.sim.azure!;
    azure.disasters.deleteStorageAccount("stazdrucprod");
    const host = await startHost();
    const app = await LocalApp.start({ host });
    cleanups.push(async () => {
      await app.close();
      await host.shutdown();
    });
    const resourceId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-azdr-prod/providers/Microsoft.Storage/storageAccounts/stazdrucprod`;
    const response = await app.invokeHttp("platformResourceDeletedWebhook", {
      method: "POST",
      body: [
        {
          id: "evt-st-1",
          eventType: "Microsoft.Resources.ResourceDeleteSuccess",
          subject: resourceId,
          data: {
            operationName: "Microsoft.Storage/storageAccounts/delete",
            resourceUri: resourceId,
            status: "Succeeded",
          },
        },
      ],
    });
    const { outcomes } = (await response.json()) as { outcomes: { action: string; instanceId?: string }[] };
    expect(outcomes[0]).toMatchObject({ action: "restore", instanceId: "restore-storage-st-uc" });
    const id = "restore-storage-st-uc";

    const gate = await until(host, id, "the approval gate", (p) => p?.phase === "awaiting-approval");
    const events = () => receiver.at("/hook").map((r) => (r.json as Json)["event"]);
    expect(events()).toContain("restore-awaiting-approval");
    const approved = await app.invokeHttp("restoreHttpApprove", {
      params: { id },
      method: "POST",
      body: { planHash: gate.gate?.planHash },
      headers: as(BOB),
    });
    expect(approved.status).toBe(200);

    const waiting = await until(host, id, "the checkpoint", (p) => p?.phase === "awaiting-checkpoint");
    expect(waiting.checkpoint?.step).toBe("recover-account");
    expect(waiting.checkpoint?.instructions.join(" ")).toMatch(/Storage accounts and select "Restore"/);
    await host.idle();
    const atCheckpoint = receiver
      .at("/hook")
      .map((r) => r.json as Json)
      .filter((m) => m["event"] === "restore-awaiting-checkpoint");
    expect(atCheckpoint.map((m) => m["id"])).toEqual([`${id}:checkpoint:recover-account:1`]);
    expect(JSON.stringify(atCheckpoint[0])).toMatch(/checkpoints\/recover-account\/done/);
    await host.terminate(id, "test over");
  });

  it("bad input over HTTP answers 400 naming the field and the fix, and starts nothing: unknown account, a time in the future, more than ten ranges, point-in-time restore of the ADLS Gen2 account", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: false }],
        metastores: [],
        azure: { seed: { models: 1, versionsPerModel: 1 } },
      },
      config: {
        subscriptionId: SUBSCRIPTION,
        unityCatalog: { metastores: [] },
        storageAccounts: [
          { id: "st-ml", name: "stazdrmlprod", resourceGroup: "rg-azdr-prod" },
          { id: "st-lake", name: "stazdrlakeprod", resourceGroup: "rg-azdr-prod" },
        ],
      },
    });
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const host = await startHost();
    const app = await LocalApp.start({ host });
    cleanups.push(async () => {
      await app.close();
      await host.shutdown();
    });
    // The lake's protection backup records its hierarchical namespace.
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b-lake",
      input: { kind: "storage-protection", slot: "20261201t000000z", sourceIds: ["st-lake"] },
    });
    expect((await host.waitForCompletion("b-lake")).runtimeStatus).toBe("Completed");
    const post = async (body: Json) => {
      const response = await app.invokeHttp("restoreHttpStart", {
        params: { scenario: "storage" },
        body: { mode: "plan", allowPrimaryTarget: true, ...body },
        method: "POST",
        headers: as(ALICE),
      });
      return { status: response.status, text: await response.text() };
    };
    const past = new Date(Date.now() - 60_000).toISOString();
    const cases: Array<[Json, RegExp]> = [
      [
        { source: "st-nope", target: "st-nope" },
        /source.*st-nope.{0,4} is not in storageAccounts.*use one of: st-ml, st-lake/,
      ],
      [
        { source: "st-ml", target: "st-ml", timeToRestore: new Date(Date.now() + 86_400_000).toISOString() },
        /timeToRestore.*is in the future: give a past time/,
      ],
      [
        {
          source: "st-ml",
          target: "st-ml",
          containers: Array.from({ length: 11 }, (_, i) => ({ container: `box${i}` })),
        },
        /containers.*11 container\/prefix entries, but Azure restores at most 10 ranges/,
      ],
      [
        { source: "st-lake", target: "st-lake", timeToRestore: past },
        /timeToRestore.*stazdrlakeprod has a hierarchical namespace.*leave timeToRestore out/,
      ],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body);
      expect(answer.status, answer.text).toBe(400);
      expect(answer.text).toMatch(message);
      expect(answer.text).toMatch(/"fix":/);
    }
    expect(await host.getStatus("restore-storage-st-lake")).toBeUndefined();
    expect(await host.getStatus("restore-storage-st-ml")).toBeUndefined();
  });
});
