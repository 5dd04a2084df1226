// Objects over Databricks' export limit are skips, never failures, in every form the API answers:
// the documented MAX_NOTEBOOK_SIZE_EXCEEDED and MAX_READ_SIZE_EXCEEDED codes and the plain
// 400 BAD_REQUEST "Notebook size exceeded limit: N > 10485760" real workspaces send.
import { afterEach, describe, expect, it } from "vitest";
import type { OversizeAnswer } from "../../sim/databricks/workspace-tree.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "../cli/support.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const FORMS: OversizeAnswer[] = ["BAD_REQUEST", "MAX_NOTEBOOK_SIZE_EXCEEDED", "MAX_READ_SIZE_EXCEEDED"];

describe("oversize notebooks are skipped, counted and listed", () => {
  it.each(FORMS)("%s: skipped with its reason, the run Completed and exits 0", async (form) => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [
          {
            name: "primary",
            seed: { notebooks: 12, directories: 2, files: 1, oversizedNotebooks: 2, jobs: 0 },
          },
        ],
        metastores: [],
      },
      config: { unityCatalog: { metastores: [] } },
    });
    platform.sim.workspace("primary").state.tree.oversizeAnswer = form;
    const oversized = platform.sim.seeds.workspaces["primary"]!.oversizedPaths;

    const run = await cli(platform, ["backup", "workspace"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The export really answered the error form under test (the listing has no notebook sizes).
    const refused = platform.sim.log.filter("/api/2.0/workspace/export").filter((e) => e.status === 400);
    expect(refused).toHaveLength(oversized.length);
    // skipped: the 2 oversized notebooks + the 2 seeded Git folders and the seeded AI/BI dashboard
    // (skipped at plan time, covered by the workspace-config snapshot).
    expect(run.stdout).toMatch(/databricks-notebooks\s+primary\s+Completed\s+\d+\s+\d+\s+\d+\s+5\s+0\s/);
    for (const path of oversized) expect(run.stdout).toContain(`skipped ${path} (NOTEBOOK): over the 10 MB`);

    const json = await cli(platform, ["backup", "workspace", "--json"]);
    const result = JSON.parse(json.stdout) as {
      phase: string;
      runs: {
        sources: { skipped: number; failed: number; skippedObjects?: { path: string; reason: string }[] }[];
      }[];
    };
    expect(result.phase).toBe("Completed");
    const source = result.runs[0]!.sources[0]!;
    expect(source).toMatchObject({ skipped: 5, failed: 0 });
    const notebooks = source.skippedObjects?.filter((s) => /over the 10 MB/.test(s.reason));
    expect(notebooks?.map((s) => s.path).sort()).toEqual([...oversized].sort());

    const show = await cli(platform, ["snapshots", "show", "databricks/primary/workspace-objects/latest"]);
    expect(show.stdout).toMatch(/skipped\s+5/);
    for (const path of oversized) expect(show.stdout).toContain(path);
  });
});
