// `npm run bench`: the notebooks-backup benchmark. Writes bench-results.json and prints the same
// figures. Exits non-zero only when something crashes: goals are reported, never asserted.
//
// Environment (defaults in brackets):
//   BENCH_NOTEBOOKS [10000]  BENCH_DIRECTORIES [1000]
//   BENCH_SCALE [5]          limits × k, latency ÷ k (same ratios, k-times shorter run)
//   BENCH_LATENCY_MS [200]   per-call latency at k = 1
//   BENCH_RATE_SHARE [1]     share of the published limits our client uses (scheduled default: 0.5)
//   BENCH_CONCURRENCY [20]   limits.maxConcurrentRequests (Databricks allows 20 per workspace)
//   BENCH_BATCH_SIZE [200]   limits.batchSize
//   BENCH_NAIVE [1]          0 skips the one-file-at-a-time baseline (the slowest part)
//   BENCH_ISOLATE [1]        0 runs the backups in this process (peak RSS then is not per run)
//   BENCH_TIMEOUT_S [max(600, 5 × floor)]  give up on one backup run after this long (a hang is a crash)
//   BENCH_OUT [bench-results.json]
//
// The registration hook must be evaluated before any app module is even linked (their named
// imports from @azure/functions resolve through it), so the bench is imported dynamically below.
import "../src/host/registry.js";
import { writeFile } from "node:fs/promises";
import type { BenchResults } from "./backup-bench.js";

const { DEFAULT_BENCH_OPTIONS, runBackupBench } = await import("./backup-bench.js");

function numberFromEnv(name: string, fallback: number, min = Number.MIN_VALUE): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name}=${raw}: expected a number >= ${min}`);
  return value;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  return raw === undefined ? fallback : !["0", "false", "no"].includes(raw.toLowerCase());
}

function print(r: BenchResults): void {
  const f = r.fullBackup;
  const i = r.incremental;
  const s = r.settings;
  const mark = (met: boolean | null) => (met === null ? "n/a" : met ? "met" : "MISSED");
  const lines = [
    "",
    `azdr notebooks backup benchmark (${r.environment.node}, ${r.environment.cpus} cpus)`,
    `  scale k=${s.scale}: latency ${s.latencyMsAtScale1} ms ÷ k = ${s.latencyMsSimulated} ms; ` +
      `list ${s.limits["workspace.list"].published}/s × k = ${s.limits["workspace.list"].simulator}/s, ` +
      `export ${s.limits["workspace.export"].published}/s × k = ${s.limits["workspace.export"].simulator}/s; ` +
      `rateShare ${s.rateShare}, maxConcurrentRequests ${s.maxConcurrentRequests}`,
    "fullBackup",
    `  notebooks ${f.notebooks}, directories ${f.directories} (list calls ${f.listCalls}, export calls ${f.exportCalls}, sent ${f.sentCalls}, 429s ${f.throttled})`,
    `  wallMs ${f.wallMs}   floorMs ${f.floorMs}   ratioToFloor ${f.ratioToFloor} (goal ${f.goals.ratioToFloor}: ${mark(f.met.ratioToFloor)})`,
    `  naiveWallMs ${f.naiveWallMs ?? "skipped"}   speedupVsNaive ${f.speedupVsNaive ?? "n/a"} (goal ${f.goals.speedupVsNaive}: ${mark(f.met.speedupVsNaive)})`,
    `  peakRssMb ${f.peakRss.map((p) => `${p.peakRssMb} @ ${p.notebooks}`).join(", ")} (goal ${f.goals.peakRssMb}: ` +
      `under 512 ${mark(f.met.peakRssMb)}, flat ${mark(f.met.peakRssFlat)})`,
    `  liveHeapMb ${f.peakRss.map((p) => `${p.liveHeapMb ?? "n/a"} @ ${p.notebooks}`).join(", ")} ` +
      `(heap after a forced GC at the manifest write: flat ${mark(f.met.liveHeapFlat)})`,
    `  phases: list ${f.phases.listMs} ms, plan→export ${f.phases.planToExportMs} ms, export ${f.phases.exportMs} ms (${f.phases.exportRate}/s), ` +
      `drain ${f.phases.drainMs} ms, →commit ${f.phases.toCommitMs} ms, commit ${f.phases.commitMs} ms, finish ${f.phases.finishMs} ms`,
    `  cpu: backup process ${f.diagnostics.cpuMs.backupProcess} ms, simulator ${f.diagnostics.cpuMs.simulatorProcess} ms; ` +
      `load average ${f.diagnostics.loadAverage.before} → ${f.diagnostics.loadAverage.after}; store ops ` +
      Object.entries(f.diagnostics.storeOps)
        .map(([op, v]) => `${op} ${v.count}×${v.meanMs} ms`)
        .join(", "),
    `  paced part (list + export phases) ÷ floor: ${f.diagnostics.pacedRatioToFloor}`,
    `  bytesWritten ${f.bytesWritten}`,
    "incremental",
    `  changed ${i.changed}: apiCalls ${i.apiCalls}, expectedCalls ${i.expectedCalls} (list ${i.listCalls} + export ${i.exportCalls})`,
    `  bytesWritten ${i.bytesWritten} (object bodies ${i.objectBytesWritten}, ${i.newBodies} new)   wallMs ${i.wallMs}`,
    "",
  ];
  console.log(lines.join("\n"));
}

const out = process.env["BENCH_OUT"] ?? "bench-results.json";
try {
  const results = await runBackupBench({
    notebooks: Math.round(numberFromEnv("BENCH_NOTEBOOKS", DEFAULT_BENCH_OPTIONS.notebooks)),
    directories: Math.round(numberFromEnv("BENCH_DIRECTORIES", DEFAULT_BENCH_OPTIONS.directories)),
    scale: numberFromEnv("BENCH_SCALE", DEFAULT_BENCH_OPTIONS.scale),
    latencyMs: numberFromEnv("BENCH_LATENCY_MS", DEFAULT_BENCH_OPTIONS.latencyMs, 0),
    rateShare: Math.min(1, numberFromEnv("BENCH_RATE_SHARE", DEFAULT_BENCH_OPTIONS.rateShare)),
    maxConcurrent: Math.round(numberFromEnv("BENCH_CONCURRENCY", DEFAULT_BENCH_OPTIONS.maxConcurrent)),
    batchSize: Math.round(numberFromEnv("BENCH_BATCH_SIZE", DEFAULT_BENCH_OPTIONS.batchSize)),
    ...(process.env["BENCH_TIMEOUT_S"] ? { timeoutMs: numberFromEnv("BENCH_TIMEOUT_S", 600) * 1000 } : {}),
    naive: flag("BENCH_NAIVE", true),
    isolate: flag("BENCH_ISOLATE", true),
    log: (line) => console.error(`[bench] ${line}`),
  });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  print(results);
  console.log(`written to ${out}`);
  process.exit(0);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
}
