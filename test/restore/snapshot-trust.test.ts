// Issue 11, restore side of the store rules: a restore pins its snapshots through a week-long
// approval wait, refuses a manifest that no longer matches its commit, and may name a partial
// snapshot explicitly, with the plan saying what it lacks. Simulator + Azurite + local host.
import { afterEach, describe, expect, it } from "vitest";
import type { LocalDurableHost } from "../../src/host/index.js";
import { APPROVAL_EVENT, ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreProgress } from "../../src/orchestrators/restore.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import { recordDecision } from "../../src/lib/restore/engine/approval.js";
import type { RestorePlan } from "../../src/lib/restore/engine/plan.js";
import {
  REPORTS_CONTAINER,
  activePins,
  applyRetention,
  collectGarbage,
  domainContainer,
  manifestPath,
  type SnapshotRef,
} from "../../src/lib/store/index.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
const hosts: LocalDurableHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.shutdown();
  await platform?.close();
  platform = undefined;
});

const SEED = {
  notebooks: 12,
  directories: 3,
  files: 2,
  jobs: 2,
  clusters: 1,
  policies: 1,
  pools: 1,
  secretScopes: 1,
  secretsPerScope: 1,
  repos: 1,
  initScripts: 1,
};
const OLD_SLOT = "20261126t010000z";
const NEW_SLOT = "20261126t020000z";
const WEEK_MINUTES = 7 * 24 * 60;

async function backedUp(slots: string[]): Promise<{ p: TestPlatform; host: LocalDurableHost }> {
  const p = await startTestPlatform({
    sim: {
      workspaces: [
        { name: "primary", seed: SEED },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
    config: { unityCatalog: { metastores: [] } },
  });
  const host = await startHost();
  hosts.push(host);
  for (const slot of slots) {
    for (const kind of ["databricks-notebooks", "databricks-config"] as const) {
      const instanceId = `backup-${kind}-${slot}`;
      await host.startNew(ORCHESTRATORS.backupRun, {
        instanceId,
        input: { kind, slot, sourceIds: ["primary"] },
      });
      expect((await host.waitForCompletion(instanceId)).runtimeStatus).toBe("Completed");
    }
  }
  return { p, host };
}

async function waitForApproval(host: LocalDurableHost, id: string): Promise<RestoreProgress> {
  for (let i = 0; i < 400; i++) {
    await host.idle();
    const status = await host.getStatus(id);
    const progress = status?.customStatus as RestoreProgress | undefined;
    if (progress?.phase === "awaiting-approval") return progress;
    if (status && ["Completed", "Failed", "Terminated"].includes(status.runtimeStatus))
      throw new Error(`ended before approval: ${JSON.stringify(status.output)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("never reached awaiting-approval");
}

const objectsRef = (snapshotId: string): SnapshotRef => ({
  domain: "databricks",
  sourceId: "primary",
  component: "workspace-objects",
  snapshotId,
});

describe("restore and the snapshot store", () => {
  it("a snapshot pinned by a restore survives retention and GC during a week-long approval wait", async () => {
    const { p, host } = await backedUp([OLD_SLOT, NEW_SLOT]);
    platform = p;
    const store = p.runtime.store;
    // The operator restores the OLDER snapshot: retention would otherwise delete it (not the newest good).
    const request = parseRestoreRequest(
      {
        scenario: "workspace",
        source: "primary",
        target: "dr",
        mode: "apply",
        snapshot: OLD_SLOT,
        approvalTimeoutMinutes: WEEK_MINUTES,
      },
      p.config,
    );
    const id = "restore-workspace-dr";
    await host.startNew(ORCHESTRATORS.restore, { instanceId: id, input: { request } });
    await waitForApproval(host, id);

    // Six days and 23 hours later, retention (1 day) and GC run while the restore still waits.
    const later = new Date(Date.now() + WEEK_MINUTES * 60_000 - 3_600_000);
    const { pins } = await activePins(store, later);
    expect(pins.map((pin) => pin.snapshots.map((s) => `${s.component}/${s.snapshotId}`).sort())).toEqual([
      [`workspace-config/${OLD_SLOT}`, `workspace-objects/${OLD_SLOT}`],
    ]);
    const retention = await applyRetention(store, { databricks: 1 }, later);
    expect(retention.deleted).toEqual([]);
    expect(retention.keptPinned.map((r) => `${r.component}/${r.snapshotId}`).sort()).toEqual([
      `workspace-config/${OLD_SLOT}`,
      `workspace-objects/${OLD_SLOT}`,
    ]);
    const gc = await collectGarbage(store, { graceMs: 0, now: later });
    expect(gc.unreadableManifests).toEqual([]);

    // Approved at last: the restore finds everything it planned.
    // (A decision is recorded create-only first; the event only tells the restore to read it.)
    const gate = ((await host.getStatus(id))?.customStatus as RestoreProgress | undefined)?.gate;
    expect(gate).toBeDefined();
    await recordDecision(p.runtime, {
      instanceId: id,
      planId: gate!.planId,
      planHash: gate!.planHash,
      approved: true,
      by: { id: "oid-oncall", name: "oncall@example.com", source: "easy-auth" },
      at: new Date().toISOString(),
      kind: "decision",
    });
    await host.raiseEvent(id, APPROVAL_EVENT, {});
    const report = (await host.waitForCompletion(id, { timeoutMs: 180_000 })).output as RestoreReport;
    expect(report.phase, report.reasons.join("; ")).toBe("Completed");
    const notebooks = [...p.sim.workspace("dr").state.tree.objects.values()].filter(
      (o) => o.object_type === "NOTEBOOK",
    );
    expect(notebooks).toHaveLength(SEED.notebooks);

    // The restore ended: its pin is released and the next retention run may delete the snapshot.
    expect((await activePins(store, later)).pins).toEqual([]);
    const after = await applyRetention(store, { databricks: 1 }, later);
    expect(after.deleted.map((r) => `${r.component}/${r.snapshotId}`).sort()).toEqual([
      `workspace-config/${OLD_SLOT}`,
      `workspace-objects/${OLD_SLOT}`,
    ]);
  });

  it("a tampered manifest is refused: the plan fails naming the snapshot and `azdr snapshots verify`", async () => {
    const { p, host } = await backedUp([OLD_SLOT]);
    platform = p;
    const store = p.runtime.store;
    const at = objectsRef(OLD_SLOT);
    const manifest = await store.requireManifest(at);
    // Remove entries and rewrite the manifest: every body it still names is intact.
    const altered = { ...manifest, entries: manifest.entries.slice(0, 5) };
    await store.blobs.put(domainContainer("databricks"), manifestPath(at), JSON.stringify(altered));

    const request = parseRestoreRequest(
      { scenario: "workspace", source: "primary", target: "dr", mode: "apply", preApproved: true },
      p.config,
      undefined,
      "cli",
    );
    await host.startNew(ORCHESTRATORS.restore, {
      instanceId: "restore-workspace-dr",
      input: {
        request,
        requester: { id: "oid-alice", name: "alice", source: "azure-login" },
        requestHash: requestHash(request),
      },
    });
    const report = (await host.waitForCompletion("restore-workspace-dr", { timeoutMs: 120_000 }))
      .output as RestoreReport;
    expect(report.phase).toBe("Failed");
    expect(report.reasons.join("\n")).toMatch(
      /snapshot databricks\/primary\/workspace-objects\/20261126t010000z is refused: manifest\.json is manifest-mismatch.*azdr snapshots verify databricks\/primary\/workspace-objects\/20261126t010000z/,
    );
    expect(
      [...p.sim.workspace("dr").state.tree.objects.values()].filter((o) => o.object_type === "NOTEBOOK"),
    ).toEqual([]);
  });

  it("latest skips a newer partial snapshot; naming it explicitly plans from it and says what it lacks", async () => {
    const { p, host } = await backedUp([OLD_SLOT]);
    platform = p;
    const store = p.runtime.store;
    // A newer notebooks snapshot where three notebooks failed to export.
    const complete = await store.requireManifest(objectsRef(OLD_SLOT));
    const notebooks = complete.entries.filter((e) => e.kind === "NOTEBOOK");
    const lost = notebooks.slice(0, 3);
    const partialRef = objectsRef(NEW_SLOT);
    await store.writePart(partialRef, "batch-00000", {
      entries: complete.entries.filter((e) => !lost.includes(e)),
      failed: lost.map((e) => ({ path: e.path, kind: e.kind, error: "HTTP 500 after 5 attempts" })),
    });
    const partial = await store.commit(partialRef, {
      startedAt: new Date().toISOString(),
      endedAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(partial.phase).toBe("PartiallyFailed");

    const plan = async (snapshot: string): Promise<RestorePlan> => {
      const request = parseRestoreRequest(
        { scenario: "workspace", source: "primary", target: "dr", mode: "plan", snapshot },
        p.config,
      );
      const id = `restore-workspace-dr`;
      await host.startNew(ORCHESTRATORS.restore, { instanceId: id, input: { request } });
      const report = (await host.waitForCompletion(id, { timeoutMs: 120_000 })).output as RestoreReport;
      expect(report.phase, report.reasons.join("; ")).toBe("Planned");
      const body = await store.blobs.get(REPORTS_CONTAINER, report.planPath);
      return JSON.parse(body!.toString("utf8")) as RestorePlan;
    };
    const latest = await plan("latest");
    expect(latest.snapshots.find((s) => s.component === "workspace-objects")?.snapshotId).toBe(OLD_SLOT);
    expect(latest.notes.join()).not.toMatch(/lacks/);

    const explicit = await plan(NEW_SLOT);
    expect(explicit.snapshots.find((s) => s.component === "workspace-objects")?.snapshotId).toBe(NEW_SLOT);
    const gap = explicit.preflight.find(
      (c) => c.name === "snapshot databricks/workspace-objects completeness",
    );
    expect(gap).toMatchObject({ ok: false, blocking: false });
    expect(gap?.detail).toMatch(
      /is PartiallyFailed, not a complete snapshot: it lacks 3 object\(s\) that failed/,
    );
    expect(gap?.detail).toContain(lost[0]!.path);
    expect(explicit.notes.join()).toMatch(/lacks 3 object\(s\)/);
  });
});
