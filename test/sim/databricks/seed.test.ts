import { describe, expect, test } from "vitest";
import {
  DatabricksAccount,
  WorkspaceState,
  seedMetastore,
  seedWorkspace,
} from "../../../sim/databricks/index.js";
import { startPlatformSimulator } from "../../../sim/index.js";
import { client, collect, first } from "./support.js";

describe("seed generator", () => {
  test("10,000 notebooks, 1,000 jobs and 10,000 tables seed in memory", () => {
    const state = new WorkspaceState({ workspaceId: 1 });
    const ws = seedWorkspace(state, { notebooks: 10_000, directories: 200, jobs: 1_000, bigJob: true });
    expect(state.tree.count("NOTEBOOK")).toBe(10_000);
    expect(state.jobs.size).toBe(1_001);
    expect(ws.notebookPaths.some((p) => /[^ -~]/.test(p) && p.includes(" "))).toBe(true);
    expect(new Set(ws.notebookPaths.map((p) => state.tree.get(p)!.language))).toEqual(
      new Set(["PYTHON", "SQL", "SCALA", "R"]),
    );
    expect(state.tree.count("FILE")).toBeGreaterThan(0);
    const referencing = [...state.jobs.values()].filter((j) =>
      (j.settings.tasks as { run_job_task?: unknown }[]).some((t) => t.run_job_task),
    );
    expect(referencing.length).toBeGreaterThan(0);

    const account = new DatabricksAccount();
    const m = account.createMetastore({ name: "big", region: "westeurope" });
    const uc = seedMetastore(m, { tables: 10_000, catalogs: 5, schemasPerCatalog: 10 });
    expect(m.tables.size).toBe(10_000);
    expect(uc.views.length).toBeGreaterThan(0);
    expect(uc.externalTables.length).toBeGreaterThan(0);
  });

  test("the same seed number yields the same platform", () => {
    // Cluster ids carry their creation time, as Databricks' do: the same clock, the same ids.
    const clock = () => Date.parse("2026-12-01T19:51:33.999Z");
    const a = seedWorkspace(new WorkspaceState({ workspaceId: 1, seed: 5, clock }), {
      seed: 9,
      notebooks: 100,
      jobs: 20,
    });
    const b = seedWorkspace(new WorkspaceState({ workspaceId: 1, seed: 5, clock }), {
      seed: 9,
      notebooks: 100,
      jobs: 20,
    });
    expect(a.notebookPaths).toEqual(b.notebookPaths);
    expect(a.clusterIds).toEqual(b.clusterIds);
  });

  test("a large seeded platform serves the SDK straight away", async () => {
    const sim = await startPlatformSimulator({
      workspaces: [
        { name: "primary", metastore: "uc", seed: { notebooks: 10_000, directories: 100, jobs: 1_000 } },
      ],
      metastores: [{ name: "uc", region: "westeurope", seed: { tables: 10_000 } }],
    });
    try {
      const w = client(sim);
      const dir = sim.seeds.workspaces.primary!.directoryPaths[5]!;
      expect((await collect(w.workspace.list({ path: dir }))).length).toBeGreaterThan(50);
      expect(await first(w.jobs.list({ limit: 100 }))).toBeDefined();
      expect(sim.metastore("uc").tables.size).toBe(10_000);
    } finally {
      await sim.close();
    }
  });
});
