import { afterEach, describe, expect, it } from "vitest";
import { LocalApp } from "../../src/host/index.js";
import { OBJECTS_CONTAINER, objectPath } from "../../src/lib/store/layout.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RpoRow } from "../../src/lib/rpo.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await platform?.close();
  platform = undefined;
});

describe("RPO status and retention timers", () => {
  it("reports missing, then fresh, then stale against the runbook's RPO table", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 5, directories: 1, jobs: 0 } }],
        metastores: [],
      },
    });
    const host = await startHost();
    const app = await LocalApp.start({ host });
    close = async () => {
      await app.close();
      await host.shutdown();
    };
    const rows = async () =>
      (await (await app.invokeHttp("rpoStatusHttp", { method: "GET" })).json()) as {
        healthy: boolean;
        rows: RpoRow[];
      };
    const before = await rows();
    expect(before.healthy).toBe(false);
    expect(before.rows.find((r) => r.dataType === "databricks-notebooks")).toMatchObject({
      state: "missing",
      sourceId: "primary",
    });

    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b1",
      input: { kind: "databricks-notebooks", slot: "20261126t100500z", sourceIds: ["primary"] },
    });
    await host.waitForCompletion("b1");
    const after = await rows();
    expect(after.rows.find((r) => r.dataType === "databricks-notebooks")).toMatchObject({
      state: "fresh",
      latestSnapshotId: "20261126t100500z",
    });

    const { checkRpo } = await import("../../src/functions/maintenance.js");
    const warnings: string[] = [];
    const later = await checkRpo(new Date(Date.now() + 2 * 3_600_000), (m) => warnings.push(m));
    expect(later.find((r) => r.dataType === "databricks-notebooks")?.state).toBe("stale");
    expect(warnings.join("\n")).toMatch(
      /RPO STALE: Databricks Notebooks \(primary\).*over the 1 h objective/,
    );
  });

  it("the retention timer applies the config's retention and collects garbage", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 5, directories: 1, jobs: 0 } }],
        metastores: [],
      },
    });
    const host = await startHost();
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b1",
      input: { kind: "databricks-notebooks", slot: "20261126t100500z", sourceIds: ["primary"] },
    });
    await host.waitForCompletion("b1");
    await host.shutdown();
    const { runRetention } = await import("../../src/functions/maintenance.js");
    const lines: string[] = [];
    // 200 days later the only snapshot is past retention, but it is the newest good one: kept.
    const result = await runRetention(new Date(Date.now() + 200 * 86_400_000), (m) => lines.push(m));
    expect(result.retention.deleted).toEqual([]);
    expect(result.gc.deletedObjects).toBe(0);
    expect(lines[0]).toMatch(/retention: 0 snapshot/);
  });
  it("the weekly verify timer re-hashes a sample, marks a snapshot with a damaged body, and it stops being good", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 4, directories: 1, jobs: 0 } }],
        metastores: [],
      },
    });
    const host = await startHost();
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId: "b1",
      input: { kind: "databricks-notebooks", slot: "20261126t100500z", sourceIds: ["primary"] },
    });
    await host.waitForCompletion("b1");
    await host.shutdown();
    const store = platform.runtime.store;
    const good = await store.latestGood("databricks", "primary", "workspace-objects");
    expect(good?.snapshotId).toBe("20261126t100500z");
    const manifest = await store.requireManifest({
      domain: "databricks",
      sourceId: "primary",
      component: "workspace-objects",
      snapshotId: good!.snapshotId,
    });
    const victim = manifest.entries.find((e) => e.kind === "NOTEBOOK" && e.size > 0)!;
    // Same size, other bytes: only re-hashing finds it.
    await store.blobs.put(OBJECTS_CONTAINER, objectPath(victim.sha256), "x".repeat(victim.size));

    const { runVerify } = await import("../../src/functions/maintenance.js");
    const lines: string[] = [];
    const report = await runVerify(new Date(), (m) => lines.push(m));
    expect(report.damaged.map((d) => d.ref.snapshotId)).toEqual(["20261126t100500z"]);
    expect(lines.join("\n")).toMatch(
      /VERIFY DAMAGED: databricks\/primary\/workspace-objects\/20261126t100500z/,
    );
    expect(await store.latestGood("databricks", "primary", "workspace-objects")).toBeUndefined();
  });
});
