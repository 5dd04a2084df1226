import { afterEach, describe, expect, it } from "vitest";
import { LocalApp } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreProgress } from "../../src/orchestrators/restore.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

const WORKSPACE_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test-azdr-databricks/providers/Microsoft.Databricks/workspaces/dbw-test-azdr";

const deletion = (resourceId: string, operationName: string, id = "evt-1") => ({
  id,
  eventType: "Microsoft.Resources.ResourceDeleteSuccess",
  subject: resourceId,
  data: { operationName, resourceUri: resourceId, status: "Succeeded" },
});

let platform: TestPlatform | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await platform?.close();
  platform = undefined;
});

describe("Event Grid deletion alerts", () => {
  it("answers the webhook subscription handshake and ignores resources not in the config", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [
          { name: "primary", seed: false },
          { name: "dr", seed: false },
        ],
        metastores: [],
      },
    });
    const host = await startHost();
    const app = await LocalApp.start({ host });
    close = async () => {
      await app.close();
      await host.shutdown();
    };
    const handshake = await app.invokeHttp("platformResourceDeletedWebhook", {
      method: "POST",
      body: [
        {
          id: "v1",
          eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          data: { validationCode: "abc-123" },
        },
      ],
    });
    expect(handshake.status).toBe(200);
    expect(await handshake.json()).toEqual({ validationResponse: "abc-123" });

    const unknown = await app.invokeHttp("platformResourceDeletedWebhook", {
      method: "POST",
      body: [
        deletion(
          "/subscriptions/x/resourceGroups/other/providers/Microsoft.Databricks/workspaces/not-ours",
          "Microsoft.Databricks/workspaces/delete",
        ),
      ],
    });
    const { outcomes } = (await unknown.json()) as { outcomes: { action: string; detail: string }[] };
    expect(outcomes[0]).toMatchObject({ action: "ignore" });
    expect(outcomes[0]?.detail).toMatch(/not in databricks\.workspaces/);
    expect(await host.listInstances()).toEqual([]);
  });

  it("a deleted workspace starts 7.3 into the secondary workspace, held at its approval gate", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [
          { name: "primary", seed: { notebooks: 5, directories: 1, jobs: 0 } },
          { name: "dr", seed: false },
        ],
        metastores: [],
      },
    });
    // The config names the primary workspace's ARM id, so the alert can be matched to it.
    platform.config.databricks.workspaces[0]!.resourceId = WORKSPACE_ID;
    const host = await startHost();
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b",
      input: { kind: "databricks-notebooks", slot: "20261126t010000z", sourceIds: ["primary"] },
    });
    await host.waitForCompletion("b");
    const app = await LocalApp.start({ host });
    close = async () => {
      await app.close();
      await host.shutdown();
    };
    await app.invokeEventGrid(
      "platformResourceDeleted",
      deletion(WORKSPACE_ID, "Microsoft.Databricks/workspaces/delete"),
    );
    for (let i = 0; i < 200; i++) {
      await host.idle();
      const status = await host.getStatus("restore-workspace-dr");
      if ((status?.customStatus as RestoreProgress | undefined)?.phase === "awaiting-approval") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const status = await host.getStatus("restore-workspace-dr");
    expect(status?.runtimeStatus).toBe("Running");
    expect((status?.customStatus as RestoreProgress).phase).toBe("awaiting-approval");
    expect(platform.sim.log.entries.filter((e) => e.service.includes("dr") && e.method !== "GET")).toEqual(
      [],
    );

    // A storage account deletion is recognised but not automated yet: it says what to do.
    const storage = await app.invokeHttp("platformResourceDeletedWebhook", {
      method: "POST",
      body: [
        deletion(
          "/subscriptions/x/resourceGroups/rg-test-azdr-shared/providers/Microsoft.Storage/storageAccounts/sttestazdrshared",
          "Microsoft.Storage/storageAccounts/delete",
        ),
      ],
    });
    expect(((await storage.json()) as { outcomes: { detail: string }[] }).outcomes[0]?.detail).toMatch(
      /not in storageAccounts/,
    );
    await host.terminate("restore-workspace-dr", "test over");
  });
});
