import { afterEach, describe, expect, it } from "vitest";
import { LocalApp } from "../../src/host/index.js";
import { readPlan } from "../../src/lib/restore/engine/engine.js";
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

  it("a deleted storage account starts 7.2 in place, held at its approval gate with the portal checkpoint planned", async () => {
    const subscriptionId = "00000000-0000-4000-8000-00000000a2d4"; // the Azure simulator's seeded subscription
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: false }],
        metastores: [],
        azure: { seed: { models: 1, versionsPerModel: 1 } },
      },
      config: {
        subscriptionId,
        storageAccounts: [{ id: "st-uc", name: "stazdrucprod", resourceGroup: "rg-azdr-prod" }],
      },
    });
    const azure = platform.sim.azure!;
    azure.disasters.deleteStorageAccount("stazdrucprod");
    const host = await startHost();
    const app = await LocalApp.start({ host });
    close = async () => {
      await app.close();
      await host.shutdown();
    };
    const resourceId = `/subscriptions/${subscriptionId}/resourceGroups/rg-azdr-prod/providers/Microsoft.Storage/storageAccounts/stazdrucprod`;
    azure.log.clear();
    const response = await app.invokeHttp("platformResourceDeletedWebhook", {
      method: "POST",
      body: [deletion(resourceId, "Microsoft.Storage/storageAccounts/delete", "evt-st")],
    });
    const { outcomes } = (await response.json()) as {
      outcomes: { action: string; detail: string; instanceId?: string }[];
    };
    expect(outcomes[0]).toMatchObject({ action: "restore", instanceId: "restore-storage-st-uc" });
    expect(outcomes[0]!.detail).toMatch(
      /storage account stazdrucprod deleted: runbook 7.2 recovery is waiting at its approval gate/,
    );
    let progress: RestoreProgress | undefined;
    for (let i = 0; i < 300; i++) {
      await host.idle();
      progress = (await host.getStatus("restore-storage-st-uc"))?.customStatus as RestoreProgress | undefined;
      if (progress?.phase === "awaiting-approval") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(progress?.phase).toBe("awaiting-approval");
    // Planning read ARM and wrote nothing (checkNameAvailability is a read sent as POST).
    expect(
      azure.log.entries.filter((e) => e.method !== "GET" && !e.path.endsWith("/checkNameAvailability")),
    ).toEqual([]);
    expect(azure.log.count("deletedAccounts")).toBeGreaterThan(0);
    const plan = await readPlan(platform.runtime, progress!.planId!);
    expect(plan.items.find((i) => i.step === "recover-account")).toMatchObject({ action: "create" });
    expect(plan.checkpoints?.["recover-account"]?.links[0]?.url).toBe(
      "https://portal.azure.com/#browse/Microsoft.Storage%2FStorageAccounts",
    );
    expect(plan.primaryTarget).toBe(true);
    await host.terminate("restore-storage-st-uc", "test over");
  });
});
