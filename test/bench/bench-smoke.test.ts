// The benchmark's core, at a size that takes seconds: no latency, limits scaled far out of the way,
// backups in this process. Checks the shape of the results and the one exact figure the bench
// reports, apiCalls == expectedCalls for the incremental run. Never a timing assertion.
import { inject, expect, it } from "vitest";
import { runBackupBench } from "../../bench/backup-bench.js";

it("bench core: full + incremental backup of 200 notebooks, incremental makes exactly the expected calls", async () => {
  const r = await runBackupBench({
    notebooks: 200,
    directories: 20,
    scale: 100,
    latencyMs: 0,
    rateShare: 1,
    maxConcurrent: 8,
    batchSize: 50,
    changedFraction: 0.05,
    isolate: false,
    naive: true,
    rssAtQuarterSize: true,
    connectionString: inject("azuriteConnectionString"),
  });

  const f = r.fullBackup;
  expect(f.phase).toBe("Completed");
  expect(f.notebooks).toBe(200);
  expect(f.exportCalls).toBe(200);
  // One list per directory in the tree (the 20 seeded plus the root, /Users, /Shared, /Repos…).
  expect(f.directoriesInTree).toBeGreaterThan(20);
  expect(f.listCalls).toBe(f.directoriesInTree);
  expect(f.throttled).toBe(0);
  for (const value of [f.wallMs, f.floorMs, f.ratioToFloor, f.peakRssMb, f.bytesWritten])
    expect(value).toBeGreaterThan(0);
  expect(f.naiveWallMs).toBeGreaterThan(0);
  expect(f.speedupVsNaive).toBeGreaterThan(0);
  expect(f.peakRss.map((p) => p.notebooks)).toEqual([50, 200]);
  expect(r.naive).toMatchObject({ listCalls: f.directoriesInTree, exportCalls: 200, files: 200 });

  const i = r.incremental;
  expect(i.phase).toBe("Completed");
  expect(i.changed).toBe(10);
  expect(i.exportCalls).toBe(10);
  expect(i.listCalls).toBe(f.directoriesInTree);
  expect(i.expectedCalls).toBe(f.directoriesInTree + 10);
  expect(i.apiCalls).toBe(i.expectedCalls);
  expect(i.newBodies).toBe(10);
  expect(i.objectBytesWritten).toBeGreaterThan(0);
  expect(i.bytesWritten).toBeGreaterThan(i.objectBytesWritten);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}, 120_000);
