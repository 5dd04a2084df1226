// Who is told about a deletion: every deletion of a resource the config names (a restore started,
// or nothing could start and the message says what to do), never one of somebody else's resources.
// The decision carries this as data (`ours`), not as a word to look for in the reason.
import { afterEach, describe, expect, it } from "vitest";
import { LocalApp } from "../../src/host/index.js";
import { decideDeletion } from "../../src/lib/restore/engine/alerts.js";
import type { Notification } from "../../src/lib/notify/index.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

const SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups";
const PRIMARY = `${SUB}/rg-test-azdr-databricks/providers/Microsoft.Databricks/workspaces/dbw-test-azdr`;
const DR = `${SUB}/rg-test-azdr-databricks-dr/providers/Microsoft.Databricks/workspaces/dbw-test-azdr-dr`;

const deletion = (resourceId: string, operationName: string, id: string) => ({
  id,
  eventType: "Microsoft.Resources.ResourceDeleteSuccess",
  subject: resourceId,
  data: { operationName, resourceUri: resourceId, status: "Succeeded" },
});

let platform: TestPlatform | undefined;
let receiver: WebhookReceiver | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await platform?.close();
  await receiver?.close();
  platform = undefined;
});

describe("deletion notices", () => {
  it("tell people about deletions of configured resources that start nothing, and stay quiet about others", async () => {
    const r = (receiver = await startWebhookReceiver());
    const p = (platform = await startTestPlatform({
      sim: {
        workspaces: [
          { name: "primary", seed: false },
          { name: "dr", seed: false },
        ],
        metastores: [],
      },
      config: {
        unityCatalog: { metastores: [] },
        notifications: { sinks: [{ id: "hook", type: "webhook", urlSetting: "AZDR_WEBHOOK_URL" }] },
      },
      env: { AZDR_WEBHOOK_URL: r.url("/hook") },
      runtime: { notify: { sleep: async () => undefined } },
    }));
    p.config.databricks.workspaces[0]!.resourceId = PRIMARY;
    p.config.databricks.workspaces[1]!.resourceId = DR;

    // The decision says whose resource it is; the reason's wording plays no part.
    const dr = decideDeletion(p.config, deletion(DR, "Microsoft.Databricks/workspaces/delete", "e1"));
    expect(dr).toMatchObject({ action: "ignore", ours: true });
    const other = decideDeletion(
      p.config,
      deletion(
        `${SUB}/x/providers/Microsoft.Databricks/workspaces/deleted-ws`,
        "Microsoft.Databricks/workspaces/delete",
        "e2",
      ),
    );
    expect(other).toMatchObject({ action: "ignore", ours: false });
    expect(other.reason).toMatch(/deleted-ws is not in databricks\.workspaces/);

    const host = await startHost();
    const app = await LocalApp.start({ host });
    close = async () => {
      await app.close();
      await host.shutdown();
    };
    // Someone else's workspace, whose name even contains "deleted": nobody is paged.
    await app.invokeEventGrid(
      "platformResourceDeleted",
      deletion(
        `${SUB}/x/providers/Microsoft.Databricks/workspaces/deleted-ws`,
        "Microsoft.Databricks/workspaces/delete",
        "e2",
      ),
    );
    expect(r.at("/hook")).toEqual([]);
    // The DR workspace (a restore target): nothing to restore, but the DR side lost a workspace.
    await app.invokeEventGrid(
      "platformResourceDeleted",
      deletion(DR, "Microsoft.Databricks/workspaces/delete", "e1"),
    );
    const told = r.at("/hook").map((q) => q.json as Notification);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ event: "deletion-detected", severity: "critical" });
    expect(told[0]!.summary).toMatch(/restore target/);
    expect(await host.listInstances()).toEqual([]);
  });
});
