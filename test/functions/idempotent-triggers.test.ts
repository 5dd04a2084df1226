// Triggers are delivered at least once and not exactly on time: an early timer belongs to its
// coming slot, a redelivered queue message answers with the run it started, and an Event Grid batch
// is handled entry by entry.
import { afterEach, describe, expect, it } from "vitest";
import { startScheduledBackup } from "../../src/functions/backup-timers.js";
import { LocalApp, type LocalDurableHost } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
let host: LocalDurableHost | undefined;
let app: LocalApp | undefined;
afterEach(async () => {
  await app?.close();
  await host?.shutdown();
  await platform?.close();
  platform = undefined;
  host = undefined;
  app = undefined;
});

const WORKSPACE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test-azdr-databricks/providers/Microsoft.Databricks/workspaces/dbw-test-azdr";

async function start(): Promise<{ host: LocalDurableHost; app: LocalApp; platform: TestPlatform }> {
  platform = await startTestPlatform({
    sim: {
      workspaces: [
        { name: "primary", seed: { notebooks: 5, directories: 1, jobs: 0 } },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
  });
  host = await startHost();
  app = await LocalApp.start({ host });
  return { host, app, platform };
}

describe("idempotent triggers", () => {
  it("a timer firing 50 ms before its slot starts that slot's run; the on-time firing starts nothing", async () => {
    const { app, host } = await start();
    const early = await startScheduledBackup(
      "databricks-notebooks",
      new Date("2026-11-26T10:04:59.950Z"),
      app.client(),
    );
    expect(early).toMatchObject({
      started: true,
      instanceId: "backup-databricks-notebooks-20261126t100500z",
    });
    await host.waitForCompletion(early.instanceId);
    const onTime = await startScheduledBackup(
      "databricks-notebooks",
      new Date("2026-11-26T10:05:00.100Z"),
      app.client(),
    );
    expect(onTime).toMatchObject({ started: false, instanceId: early.instanceId });
  });

  it("a queue message redelivered after its restore finished answers with that run instead of starting another", async () => {
    const { app, host } = await start();
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b",
      input: { kind: "databricks-notebooks", slot: "20261126t010000z", sourceIds: ["primary"] },
    });
    await host.waitForCompletion("b");
    const message = { scenario: "workspace", source: "primary", target: "dr", mode: "plan" };
    const first = await app.invokeQueue("restoreQueueStart", message, { id: "msg-1" });
    expect(first.outcome).toBe("completed");
    const done = await host.waitForCompletion("restore-workspace-dr");
    expect((done.output as RestoreReport).phase).toBe("Planned");
    const started = (await host.getStatus("restore-workspace-dr"))!.createdTime;

    // The same message again (the queue lost our delete): no second run.
    const again = await app.invokeQueue("restoreQueueStart", message, { id: "msg-1" });
    expect(again.outcome).toBe("completed");
    const after = (await host.getStatus("restore-workspace-dr"))!;
    expect(after.createdTime).toEqual(started);
    expect(after.runtimeStatus).toBe("Completed");

    // A message's own idempotencyKey wins over the message id: a copy re-sent under a new id is the same request.
    const keyed = { ...message, idempotencyKey: "change-4711" };
    await app.invokeQueue("restoreQueueStart", keyed, { id: "msg-2" });
    await host.waitForCompletion("restore-workspace-dr");
    const second = (await host.getStatus("restore-workspace-dr"))!.createdTime;
    expect(second).not.toEqual(started); // a new request: a new run
    await app.invokeQueue("restoreQueueStart", keyed, { id: "msg-3" });
    expect((await host.getStatus("restore-workspace-dr"))!.createdTime).toEqual(second);
  });

  it("an Event Grid batch with a null and an incomplete entry skips and reports them; the valid deletion proceeds", async () => {
    const { app, host, platform } = await start();
    platform.config.databricks.workspaces[0]!.resourceId = WORKSPACE_ID;
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b",
      input: { kind: "databricks-notebooks", slot: "20261126t010000z", sourceIds: ["primary"] },
    });
    await host.waitForCompletion("b");
    const response = await app.invokeHttp("platformResourceDeletedWebhook", {
      method: "POST",
      body: [
        null,
        { id: "evt-broken", eventType: "Microsoft.Resources.ResourceDeleteSuccess" },
        {
          id: "evt-ok",
          eventType: "Microsoft.Resources.ResourceDeleteSuccess",
          subject: WORKSPACE_ID,
          data: {
            operationName: "Microsoft.Databricks/workspaces/delete",
            resourceUri: WORKSPACE_ID,
            status: "Succeeded",
          },
        },
      ],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      outcomes: { eventId: string; action: string }[];
      skipped: { eventId: string; reason: string }[];
    };
    expect(body.skipped).toEqual([
      { eventId: "#0", reason: "malformed event at index 0: not an event object (null)" },
      { eventId: "evt-broken", reason: "malformed event at index 1: missing subject" },
    ]);
    expect(body.outcomes.find((o) => o.eventId === "evt-ok")).toMatchObject({ action: "restore" });
    expect((await host.getStatus("restore-workspace-dr"))?.runtimeStatus).toMatch(/Running|Pending/);
    await host.terminate("restore-workspace-dr", "test over");
  });
});
