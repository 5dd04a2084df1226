// "Completed" means complete: an object deleted during a run is recorded as vanished (its folder
// still there), while a workspace that disappears, is replaced or stops accepting azdr at any point
// of the run (listing, between plan and batches, mid-export) makes the run Failed with the reason.
import { afterEach, describe, expect, it } from "vitest";
import type { FaultRule } from "../../sim/core/faults.js";
import { PUBLISHED_LIMITS } from "../../src/lib/clients/databricks.js";
import type { Manifest } from "../../src/lib/store/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { BackupRunOutput } from "../../src/orchestrators/backup.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const UNPACED = Object.fromEntries(Object.keys(PUBLISHED_LIMITS).map((family) => [family, 5000]));
const SLOT = "20261126t100500z";
/** What a deleted (or replaced) workspace answers to every call. */
const GONE: Omit<FaultRule, "route"> = {
  status: 404,
  errorCode: "RESOURCE_DOES_NOT_EXIST",
  message: "Workspace 1001 does not exist or has been deleted.",
};

async function start(
  seed: Record<string, number> = { notebooks: 40, directories: 5, files: 4 },
  maxAttempts = 2,
) {
  platform = await startTestPlatform({
    sim: { workspaces: [{ name: "primary", seed: { jobs: 0, ...seed } }], metastores: [] },
    config: { unityCatalog: { metastores: [] }, limits: { batchSize: 10 } },
    // Two attempts per call: a refused or reset workspace fails fast enough for a test.
    runtime: { databricks: { maxAttempts, rateShare: 1, limits: UNPACED } },
  });
  return platform;
}

async function backup(kind: "databricks-notebooks" | "databricks-config", slot = SLOT) {
  const host = await startHost();
  try {
    const instanceId = `backup-${kind}-${slot}`;
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId,
      input: { kind, slot, sourceIds: ["primary"] },
    });
    const status = await host.waitForCompletion(instanceId, { timeoutMs: 120_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    return (status.output as BackupRunOutput).sources[0]!;
  } finally {
    await host.shutdown();
  }
}

function manifest(p: TestPlatform, component = "workspace-objects"): Promise<Manifest> {
  return p.runtime.store.requireManifest({
    domain: "databricks",
    sourceId: "primary",
    component,
    snapshotId: SLOT,
  });
}

/** Requests the notebooks plan makes: one workspace/list per directory, the root included. */
function listCalls(p: TestPlatform): number {
  return p.sim.workspace("primary").state.tree.count("DIRECTORY");
}

describe("notebooks backup: a workspace that disappears fails the run", () => {
  it("deleted during the listing (every call answers 404 after the first three)", async () => {
    const p = await start();
    p.sim.faults.add("primary", { route: "/api/", after: 3, ...GONE });
    const outcome = await backup("databricks-notebooks");
    expect(outcome.phase).toBe("Failed");
    expect(outcome.reasons.join("\n")).toMatch(
      /workspace "primary" .* is gone or refuses azdr.*RESOURCE_DOES_NOT_EXIST/,
    );
    expect((await manifest(p)).phase).toBe("Failed");
  });

  it("deleted between the plan and the export batches", async () => {
    const p = await start();
    p.sim.faults.add("primary", { route: "/api/", after: listCalls(p), ...GONE });
    const outcome = await backup("databricks-notebooks");
    expect(p.sim.log.filter("GET /api/2.0/workspace/export").every((e) => e.status === 404)).toBe(true);
    expect(outcome.phase).toBe("Failed");
    expect(outcome.reasons.join("\n")).toMatch(/is gone or refuses azdr: its root \/ answers .*404/);
  });

  it("deleted mid-export: Failed, although some notebooks were already exported", async () => {
    const p = await start();
    p.sim.faults.add("primary", { route: "/api/", after: listCalls(p) + 15, ...GONE });
    const outcome = await backup("databricks-notebooks");
    const exports = p.sim.log.filter("GET /api/2.0/workspace/export");
    expect(exports.filter((e) => e.status === 200).length).toBeGreaterThan(0);
    expect(outcome.phase).toBe("Failed");
    const m = await manifest(p);
    expect(m.phase).toBe("Failed");
    expect(m.reasons.join("\n")).toMatch(/is gone or refuses azdr/);
  });

  it("unreachable mid-export (connections reset, as a deleted workspace's host name): Failed", async () => {
    const p = await start();
    p.sim.faults.add("primary", { route: "/api/", after: listCalls(p) + 5, reset: true });
    const outcome = await backup("databricks-notebooks");
    expect(outcome.phase).toBe("Failed");
    expect(outcome.reasons.join("\n")).toMatch(/is gone or refuses azdr.*connection failed/);
  });

  it("deleted before the run (host name no longer answers): a Failed snapshot with the reason", async () => {
    const p = await start();
    await p.sim.disasters.deleteWorkspace("primary", "refused");
    const outcome = await backup("databricks-notebooks");
    expect(outcome.phase).toBe("Failed");
    expect(outcome.reasons.join("\n")).toMatch(/connection failed/);
  });

  it("credentials revoked mid-export (401): Failed, not PartiallyFailed", async () => {
    const p = await start();
    p.sim.faults.add("primary", {
      route: "GET /api/2.0/workspace/export",
      after: 12,
      status: 401,
      errorCode: "UNAUTHENTICATED",
      message: "Invalid access token.",
    });
    const outcome = await backup("databricks-notebooks");
    expect(outcome.phase).toBe("Failed");
    expect(outcome.reasons.join("\n")).toMatch(/401/);
  });
});

describe("notebooks backup: objects deleted during the run", () => {
  it("a notebook deleted between listing and export is recorded as vanished; its folder remains, so Completed", async () => {
    const p = await start();
    p.sim.faults.add("primary", {
      route: "GET /api/2.0/workspace/export",
      times: 1,
      ...GONE,
      message: "Path doesn't exist.",
    });
    const outcome = await backup("databricks-notebooks");
    expect(outcome).toMatchObject({ phase: "Completed", failed: 0, vanished: 1 });
    const gone = p.sim.log.filter("GET /api/2.0/workspace/export").find((e) => e.status === 404)!;
    const path = new URLSearchParams(gone.query).get("path")!;
    const m = await manifest(p);
    expect(m.vanished?.map((v) => v.path)).toEqual([path]);
    expect(m.vanished?.[0]?.kind).toMatch(/NOTEBOOK|FILE/);
    expect(m.entries.some((e) => e.path === path)).toBe(false);
  });

  it("a notebook whose folder vanished too is not a complete snapshot: PartiallyFailed with the path", async () => {
    const p = await start();
    p.sim.faults.add("primary", { route: "GET /api/2.0/workspace/export", times: 1, ...GONE });
    // The first get-status is the check of that notebook's folder.
    p.sim.faults.add("primary", { route: "GET /api/2.0/workspace/get-status", times: 1, ...GONE });
    const outcome = await backup("databricks-notebooks");
    expect(outcome.phase).toBe("PartiallyFailed");
    const m = await manifest(p);
    expect(m.failed).toHaveLength(1);
    expect(m.failed[0]!.error).toMatch(/vanished together with its folder/);
  });

  it("a burst of five 500s is retried through: Completed with every notebook", async () => {
    const p = await start(undefined, 8);
    p.sim.faults.add("primary", {
      route: "GET /api/2.0/workspace/export",
      status: 500,
      errorCode: "INTERNAL_ERROR",
      times: 5,
    });
    const outcome = await backup("databricks-notebooks");
    expect(p.sim.log.filter("GET /api/2.0/workspace/export").filter((e) => e.status === 500)).toHaveLength(5);
    expect(outcome).toMatchObject({ phase: "Completed", failed: 0 });
    const seed = p.sim.seeds.workspaces["primary"]!;
    expect((await manifest(p)).entries.filter((e) => e.kind === "NOTEBOOK")).toHaveLength(
      seed.notebookPaths.length,
    );
  });
});

describe("workspace-config backup", () => {
  it("a job deleted during the run is vanished (Completed); the workspace deleted during the batches fails the run", async () => {
    const p = await start({ notebooks: 4, directories: 1, files: 0, jobs: 6 });
    p.sim.faults.add("primary", {
      route: "GET /api/2.2/jobs/get",
      times: 1,
      ...GONE,
      message: "Job 1 does not exist.",
    });
    const first = await backup("databricks-config");
    expect(first).toMatchObject({ phase: "Completed", vanished: 1 });
    expect((await manifest(p, "workspace-config")).vanished?.[0]?.path).toMatch(/^jobs\/\d+\.json$/);

    p.sim.faults.clear();
    // Batch-time calls and the workspace probe answer 404 from now on; the plan's lists still work.
    p.sim.faults.add("primary", { route: /jobs\/get|permissions|get-status/, ...GONE });
    const second = await backup("databricks-config", "20261126t110500z");
    expect(second.phase).toBe("Failed");
    expect(second.reasons.join("\n")).toMatch(/workspace "primary" .* is gone or refuses azdr/);
  });
});
