// azdr snapshots accept / verify --all / list / show for the shrink guard and damage, in-process
// against the simulator and Azurite.
import { afterEach, describe, expect, it } from "vitest";
import { OBJECTS_CONTAINER, objectPath } from "../../src/lib/store/layout.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "./support.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const FIRST = new Date("2026-11-26T10:00:00.000Z");
const SECOND = new Date("2026-11-26T11:00:00.000Z");

describe("azdr snapshots: the shrink guard, accept and verify --all", () => {
  it("a backup that lost most notebooks is Suspect (exit 3) until accepted; verify --all finds damage", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 30, directories: 3, files: 0, jobs: 0 } }],
        metastores: [],
      },
      config: { unityCatalog: { metastores: [] } },
    });
    const p = platform;
    const first = await cli(p, ["backup", "workspace"], { now: () => FIRST });
    expect(first.code, first.stdout + first.stderr).toBe(0);

    // Someone deletes 24 of 30 notebooks (or the workspace answers with an emptier tree).
    const tree = p.sim.workspace("primary").state.tree;
    for (const path of p.sim.seeds.workspaces["primary"]!.notebookPaths.slice(0, 24))
      tree.delete(path, false);
    const second = await cli(p, ["backup", "workspace"], { now: () => SECOND });
    expect(second.code, second.stdout + second.stderr).toBe(3);
    expect(second.stdout).toMatch(/databricks-notebooks\s+primary\s+Suspect/);
    expect(second.stdout).toMatch(
      /shrink guard: \d+ object\(s\) against \d+ in the last good snapshot 20261126t100000z/,
    );

    const list = await cli(p, ["snapshots", "list", "--domain", "databricks"]);
    expect(list.stdout).toMatch(/workspace-objects\/20261126t110000z\s+Suspect\s+no/);
    expect(list.stdout).toMatch(/workspace-objects\/20261126t100000z\s+Completed\s+yes/);
    const suspect = "databricks/primary/workspace-objects/20261126t110000z";
    const shown = await cli(p, ["snapshots", "show", suspect]);
    expect(shown.stdout).toMatch(/phase\s+Suspect \(not good: never picked as latest\)/);
    expect(shown.stdout).toMatch(/reason: shrink guard/);

    // Accepting a Completed snapshot is bad input and changes nothing.
    const wrong = await cli(p, [
      "snapshots",
      "accept",
      "databricks/primary/workspace-objects/20261126t100000z",
    ]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is Completed, not Suspect/);

    const accepted = await cli(p, ["snapshots", "accept", "databricks/primary/workspace-objects/latest"]);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toMatch(
      /accepted databricks\/primary\/workspace-objects\/20261126t110000z .* by alice/,
    );
    const after = await cli(p, ["snapshots", "show", "databricks/primary/workspace-objects/latest"]);
    expect(after.stdout).toContain(`snapshot  ${suspect}`);
    expect(after.stdout).toMatch(/Suspect \(accepted by alice\) \(good/);

    const clean = await cli(p, ["snapshots", "verify", "--all", "--deep"]);
    expect(clean.code, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^OK {2}2 snapshot\(s\): 2 intact, 0 damaged, 0 unreadable;/m);
    // A body only the first snapshot holds rots.
    const manifest = await p.runtime.store.requireManifest({
      domain: "databricks",
      sourceId: "primary",
      component: "workspace-objects",
      snapshotId: "20261126t100000z",
    });
    const kept = new Set(
      (
        await p.runtime.store.requireManifest({
          domain: "databricks",
          sourceId: "primary",
          component: "workspace-objects",
          snapshotId: "20261126t110000z",
        })
      ).entries.map((e) => e.sha256),
    );
    const onlyOld = manifest.entries.find((e) => e.kind === "NOTEBOOK" && !kept.has(e.sha256))!;
    await p.runtime.store.blobs.delete(OBJECTS_CONTAINER, objectPath(onlyOld.sha256));
    const damaged = await cli(p, ["snapshots", "verify", "--all"]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toMatch(
      /DAMAGED {3}databricks\/primary\/workspace-objects\/20261126t100000z: 1 problem/,
    );
    expect(damaged.stdout).toMatch(/^PROBLEMS {2}2 snapshot\(s\): 1 intact, 1 damaged, 0 unreadable;/m);

    const noRef = await cli(p, ["snapshots", "verify"]);
    expect(noRef.code).toBe(2);
    expect(noRef.stderr).toMatch(/--all for every snapshot/);
  });
});
