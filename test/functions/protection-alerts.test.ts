// "Protection setting turned off" (issue 17): a write event on a platform storage account is
// checked at once against the last protection snapshot, and the daily protection backup compares
// with the previous one; both tell people what was lost. Real arm-storage client → sim/azure ARM.
import { StorageManagementClient } from "@azure/arm-storage";
import { afterEach, describe, expect, it } from "vitest";
import { LocalApp } from "../../src/host/index.js";
import type { Notification } from "../../src/lib/notify/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const SUBSCRIPTION = "00000000-0000-4000-8000-00000000a2d4";
const RG = "rg-azdr-prod";

let platform: TestPlatform | undefined;
let receiver: WebhookReceiver | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
  await receiver?.close();
  receiver = undefined;
});

const write = (account: string, operationName: string, id: string) => {
  const uri = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${account}${operationName.includes("blobServices") ? "/blobServices/default" : ""}`;
  return {
    id,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    subject: uri,
    data: { operationName, resourceUri: uri, status: "Succeeded" },
  };
};

describe("protection turned off", () => {
  it("a write event and the daily backup each tell people what protection was lost", async () => {
    const r = (receiver = await startWebhookReceiver());
    const p = (platform = await startTestPlatform({
      sim: { workspaces: [{ name: "primary", seed: false }], metastores: [], azure: true },
      config: {
        subscriptionId: SUBSCRIPTION,
        unityCatalog: { metastores: [] },
        storageAccounts: [
          { id: "st-ml", name: "stazdrmlprod", resourceGroup: RG },
          { id: "st-lake", name: "stazdrlakeprod", resourceGroup: RG },
        ],
        notifications: { sinks: [{ id: "hook", type: "webhook", urlSetting: "AZDR_WEBHOOK_URL" }] },
      },
      env: { AZDR_WEBHOOK_URL: r.url("/hook") },
      runtime: { notify: { sleep: async () => undefined } },
    }));
    const host = await startHost();
    const app = await LocalApp.start({ host });
    cleanups.push(async () => {
      await app.close();
      await host.shutdown();
    });
    const backup = async (slot: string) => {
      const instanceId = `backup-storage-protection-${slot}`;
      await host.startNew(ORCHESTRATORS.backupRun, {
        instanceId,
        input: { kind: "storage-protection", slot, sourceIds: ["st-ml", "st-lake"] },
      });
      const done = await host.waitForCompletion(instanceId);
      expect(done.runtimeStatus).toBe("Completed");
    };
    const received = () => r.at("/hook").map((q) => q.json as Notification);
    const arm = new StorageManagementClient(p.sim.azure!.credential, SUBSCRIPTION, {
      httpClient: p.sim.azure!.httpClient,
    });

    await backup("20261201t040000z");
    expect(received()).toEqual([]); // a first snapshot has nothing to compare with

    // Someone turns off point-in-time restore, blob soft delete and versioning on the ML account
    // (Azure refuses the last two while point-in-time restore still needs them).
    await arm.blobServices.setServiceProperties(RG, "stazdrmlprod", {
      restorePolicy: { enabled: false },
      deleteRetentionPolicy: { enabled: false },
      isVersioningEnabled: false,
    });
    await app.invokeEventGrid(
      "platformProtectionChanged",
      write("stazdrmlprod", "Microsoft.Storage/storageAccounts/blobServices/write", "evt-1"),
    );
    const [alert] = received();
    expect(alert).toMatchObject({
      event: "protection-weakened",
      severity: "critical",
      component: "protection/st-ml",
    });
    const lost = alert!.facts.find((f) => f.name === "Lost")!.value;
    expect(lost).toContain("blob soft delete was turned off (it kept 7 days)");
    expect(lost).toContain("versioning was turned off");
    expect(lost).toContain("point-in-time restore was turned off (it kept 6 days)");
    expect(lost).toContain("recovery path previousVersions is no longer available: versioning is off");
    expect(lost).toContain("…and 1 more"); // a message names five, and says how many more

    // A write that protects nothing less, and an account that is not ours: nobody is told.
    await app.invokeEventGrid(
      "platformProtectionChanged",
      write("stazdrlakeprod", "Microsoft.Storage/storageAccounts/write", "evt-2"),
    );
    await app.invokeEventGrid(
      "platformProtectionChanged",
      write("someoneelse", "Microsoft.Storage/storageAccounts/write", "evt-3"),
    );
    expect(received()).toHaveLength(1);

    // The lake's container soft delete is shortened without an event reaching us: the next
    // protection backup notices it and records it in the snapshot's summary.
    await arm.blobServices.setServiceProperties(RG, "stazdrlakeprod", {
      containerDeleteRetentionPolicy: { enabled: true, days: 1 },
    });
    await backup("20261202t040000z");
    const fromBackup = received().filter((n) => n.component === "protection/st-lake");
    expect(fromBackup).toHaveLength(1);
    expect(fromBackup[0]!.summary).toContain("the protection backup 20261202t040000z");
    expect(fromBackup[0]!.facts.find((f) => f.name === "Lost")!.value).toMatch(
      /container soft delete was shortened from \d+ to 1 days/,
    );
    const manifest = await p.runtime.store.readManifest({
      domain: "storage",
      sourceId: "st-lake",
      component: "protection",
      snapshotId: "20261202t040000z",
    });
    expect(manifest?.summary).toMatchObject({
      protectionWeakened: [expect.stringContaining("container soft delete")],
    });
  });
});
