// The backup summary: objects = exported + carried; carried counts only what was reused unchanged
// from the previous snapshot; skipped includes what the plan already knew it could not export; a
// legend explains every column.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackupResult } from "../../src/cli/commands/backup.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "./support.js";

const SEED = { notebooks: 12, directories: 3, files: 2, oversizedNotebooks: 2, repos: 2, jobs: 2 };

let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform({
    sim: { workspaces: [{ name: "primary", seed: SEED }], metastores: [] },
    config: { unityCatalog: { metastores: [] } },
  });
});
afterAll(async () => platform?.close());

const sourceOf = (stdout: string) => (JSON.parse(stdout) as BackupResult).runs[0]!.sources[0]!;

describe("azdr backup summary", () => {
  it("counts exported, carried and skipped right, and explains each column", async () => {
    const first = await cli(platform, ["--json", "backup", "workspace"]);
    expect(first.code, first.stderr).toBe(0);
    const one = sourceOf(first.stdout);
    const exportable = SEED.notebooks + SEED.files;
    expect(one.carried).toBe(0); // nothing to reuse on a first run
    expect(one.exported).toBe(one.objects);
    // Over the 10 MB limit (found at export), Git folders and the AI/BI dashboard (known when
    // planning; both covered by the workspace-config snapshot): all counted.
    const skippedKinds = (one.skippedObjects ?? []).map((s) => s.kind).sort();
    expect(skippedKinds).toEqual([
      "DASHBOARD",
      ...Array<string>(SEED.oversizedNotebooks).fill("NOTEBOOK"),
      ...Array<string>(2).fill("REPO"),
    ]);
    expect(one.skipped).toBe(skippedKinds.length);

    // Second run, nothing changed: every notebook and file is carried; only folders are read again.
    const later = new Date(Date.now() + 60_000); // a new snapshot id
    const second = await cli(platform, ["backup", "workspace"], { now: () => later });
    expect(second.code, second.stderr).toBe(0);
    const row =
      /databricks-notebooks\s+primary\s+Completed\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/.exec(
        second.stdout,
      );
    const [objects, exported, carried, skipped, failed, newBodies] = row!.slice(1).map(Number);
    expect(carried).toBe(exportable);
    expect(objects).toBe(exported! + carried!);
    expect(skipped).toBe(one.skipped);
    expect(failed).toBe(0);
    expect(newBodies).toBe(0);
    for (const column of ["objects", "exported", "carried", "skipped", "failed", "new bodies"])
      expect(second.stdout).toMatch(new RegExp(`^${column}\\s{2,}\\S`, "m"));
  });
});
