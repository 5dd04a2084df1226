// The notebooks-backup benchmark (issue 4, "Performance"): the orchestrated hourly backup against
// the simulator with per-call latency and Databricks' published rate limits switched on, compared
// with the floor those limits impose and with a one-file-at-a-time export-dir, plus an incremental
// run after 1% of the notebooks changed. A benchmark, never a timed test: ratios are reported.
//
// Scale: BENCH_SCALE = k multiplies every rate limit (the simulator's AND our client's) by k and
// divides every latency by k. Time shrinks k-fold; every ratio (wall/floor, naive/ours, calls)
// and the concurrency needed to reach a limit (rate × latency) stay what they are at k = 1.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BlobServiceClient } from "@azure/storage-blob";
import { startAzurite, type RunningAzurite } from "../sim/azurite.js";
import { startPlatformSimulator, type PlatformSimulator } from "../sim/index.js";
import type { RateLimits } from "../sim/databricks/index.js";
import { PUBLISHED_LIMITS, type ApiFamily } from "../src/lib/clients/databricks.js";
import { OBJECTS_CONTAINER } from "../src/lib/store/layout.js";
import type { BackupRunParams, BackupRunResult } from "./backup-run.js";
import { naiveExportDir, type NaiveResult } from "./naive.js";

export interface BenchOptions {
  notebooks: number;
  directories: number;
  /** k: limits × k, latency ÷ k. */
  scale: number;
  /** Per-call latency at k = 1, added by the simulator to every request (before ÷ k). */
  latencyMs: number;
  /** Share of the published limits our client may use. The bench default is 1.0 (see README). */
  rateShare: number;
  /** limits.maxConcurrentRequests of the benchmarked config. */
  maxConcurrent: number;
  batchSize: number;
  /** Share of notebooks changed before the incremental run (0.01 = 1%). */
  changedFraction: number;
  /** Run each backup in its own child process (true: per-run peak RSS) or in this process. */
  isolate: boolean;
  /** Measure the one-file-at-a-time baseline (slow: calls × latency). */
  naive: boolean;
  /** Also back up a workspace a quarter the size, to show whether peak RSS grows with N. */
  rssAtQuarterSize: boolean;
  /**
   * Give up on one backup run after this long: a hang is a crash, and the error says what the
   * orchestration waits for. Default: 10 minutes or 5× the run's floor, whichever is longer.
   */
  timeoutMs?: number;
  /** An Azurite to use; default: start one in memory for the run. */
  connectionString?: string;
  log?: (line: string) => void;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  notebooks: 10_000,
  directories: 1_000,
  scale: 5,
  latencyMs: 200,
  rateShare: 1,
  maxConcurrent: 20,
  batchSize: 200,
  changedFraction: 0.01,
  isolate: true,
  naive: true,
  rssAtQuarterSize: true,
};

export interface RssSample {
  notebooks: number;
  directories: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  /** Heap in use after a forced full GC as the manifest is written (the run's fullest moment). */
  liveHeapMb: number | null;
  isolated: boolean;
}

export interface BenchResults {
  benchmark: string;
  at: string;
  environment: { node: string; platform: string; cpus: number; totalMemGb: number };
  settings: {
    notebooks: number;
    directories: number;
    scale: number;
    latencyMsAtScale1: number;
    latencyMsSimulated: number;
    rateShare: number;
    maxConcurrentRequests: number;
    batchSize: number;
    /** Requests/s per family: published (k = 1), enforced by the simulator (× k), allowed to us (× k × share). */
    limits: Record<
      "workspace.list" | "workspace.export",
      { published: number; simulator: number; allowed: number }
    >;
    isolatedProcesses: boolean;
  };
  fullBackup: {
    phase: string;
    notebooks: number;
    directories: number;
    /** Every directory in the simulated tree, root and the /Users, /Shared, /Repos folders included. */
    directoriesInTree: number;
    /** workspace/list calls answered 200 (a complete listing needs one per directory in the tree). */
    listCalls: number;
    exportCalls: number;
    /** Requests our client sent, retries included, and how many the simulator answered 429. */
    sentCalls: number;
    throttled: number;
    wallMs: number;
    floorMs: number;
    floorFormula: string;
    ratioToFloor: number;
    naiveWallMs: number | null;
    speedupVsNaive: number | null;
    peakRssMb: number;
    peakRss: RssSample[];
    bytesWritten: number;
    /** Where the wall time went, from the simulator's request log (epoch-aligned with the run). */
    phases: Phases;
    /** Why a run is slower than its floor: CPU used, machine load (other processes), store latency. */
    diagnostics: {
      cpuMs: { backupProcess: number; simulatorProcess: number };
      /** 1-minute load average before and after the run (2 cores: above 2 means CPU contention). */
      loadAverage: { before: number; after: number };
      storeOps: Record<string, { count: number; meanMs: number }>;
      /** (list + plan→export + export phases) ÷ floor: the paced part of the run, commit tail excluded. */
      pacedRatioToFloor: number;
    };
    goals: { ratioToFloor: string; speedupVsNaive: string; peakRssMb: string };
    met: {
      ratioToFloor: boolean;
      speedupVsNaive: boolean | null;
      peakRssMb: boolean;
      peakRssFlat: boolean;
      liveHeapFlat: boolean;
    };
  };
  incremental: {
    phase: string;
    changed: number;
    apiCalls: number;
    expectedCalls: number;
    listCalls: number;
    exportCalls: number;
    newBodies: number;
    bytesWritten: number;
    objectBytesWritten: number;
    wallMs: number;
  };
  naive: (NaiveResult & { callsPerSecond: number }) | null;
}

export interface Phases {
  /** startNew → last list response: orchestrator start, plan activity, the whole listing. */
  listMs: number;
  /** last list → first export: plan written, work batches staged, batch activities started. */
  planToExportMs: number;
  /** first → last export request. */
  exportMs: number;
  /** exports per second achieved over exportMs. */
  exportRate: number;
  /** last export → last batch part stored (the last bodies reaching the store). */
  drainMs: number;
  /** last batch part → commit activity starts (orchestrator bookkeeping). */
  toCommitMs: number;
  /** the commit itself: parts read, manifest written last, index row, parts deleted. */
  commitMs: number;
  /** commit done → orchestration completed (work blobs deleted, sub-orchestration returns). */
  finishMs: number;
}

const LIST = "GET /api/2.0/workspace/list";
const EXPORT = "GET /api/2.0/workspace/export";

export async function runBackupBench(overrides: Partial<BenchOptions> = {}): Promise<BenchResults> {
  const o: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, ...overrides };
  const log = o.log ?? (() => undefined);
  const k = o.scale;
  const simLimits: RateLimits = {
    workspaceExport: PUBLISHED_LIMITS["workspace.export"] * k,
    workspaceList: PUBLISHED_LIMITS["workspace.list"] * k,
    workspaceImport: PUBLISHED_LIMITS["workspace.import"] * k,
    jobs: PUBLISHED_LIMITS.jobs * k,
  };
  // Our client sees the same scaled numbers as its "published" limits and applies rateShare to them.
  const clientLimits: Partial<Record<ApiFamily, number>> = Object.fromEntries(
    Object.entries(PUBLISHED_LIMITS).map(([family, perSecond]) => [family, perSecond * k]),
  );
  const allowed = (family: "workspace.list" | "workspace.export") =>
    PUBLISHED_LIMITS[family] * k * o.rateShare;

  let azurite: RunningAzurite | undefined;
  const connectionString = o.connectionString ?? (azurite = await startAzurite()).connectionString;
  const runId = randomBytes(3).toString("hex");
  const sims: PlatformSimulator[] = [];
  const startSim = async (notebooks: number, directories: number) => {
    const sim = await startPlatformSimulator({
      workspaces: [{ name: "primary", seed: { notebooks, directories, files: 0, jobs: 0 } }],
      metastores: [],
      rateLimits: simLimits,
      latencyMs: o.latencyMs,
      latencyScale: 1 / k,
    });
    sims.push(sim);
    return sim;
  };
  const params = (sim: PlatformSimulator, prefix: string, slot: string): BackupRunParams => ({
    workspaceUrl: sim.urls["primary"]!,
    token: sim.token,
    connectionString,
    containerPrefix: prefix,
    indexTable: `bench${prefix.replace(/[^a-z0-9]/g, "")}`,
    slot,
    rateShare: o.rateShare,
    maxConcurrent: o.maxConcurrent,
    batchSize: o.batchSize,
    limits: clientLimits,
    timeoutMs:
      o.timeoutMs ??
      Math.max(
        10 * 60_000,
        5000 * ((o.directories + 10) / allowed("workspace.list") + o.notebooks / allowed("workspace.export")),
      ),
  });
  const backup = async (p: BackupRunParams): Promise<BackupRunResult> => {
    const result = o.isolate ? await runInChild(p) : await runInProcess(p);
    if (result.runtimeStatus !== "Completed" || result.phase !== "Completed")
      throw new Error(
        `backup ${p.slot} ended ${result.runtimeStatus}/${result.phase}: ${result.reasons.join("; ")}`,
      );
    return result;
  };

  try {
    // ── the workspace under test ──
    log(`seeding ${o.notebooks} notebooks in ${o.directories} directories (k = ${k})`);
    const sim = await startSim(o.notebooks, o.directories);
    const tree = sim.workspace("primary").state.tree;
    const directoriesInTree = tree.count("DIRECTORY");

    // ── baseline: one file at a time, to disk ──
    let naive: NaiveResult | undefined;
    if (o.naive) {
      const targetDir = await mkdtemp(path.join(os.tmpdir(), "azdr-bench-naive-"));
      log(`naive export-dir: ${directoriesInTree + o.notebooks} sequential calls…`);
      try {
        naive = await naiveExportDir({ host: sim.urls["primary"]!, token: sim.token, root: "/", targetDir });
      } finally {
        await rm(targetDir, { recursive: true, force: true });
      }
      log(`naive export-dir: ${naive.wallMs} ms`);
    }

    // ── peak RSS at a quarter of the size, in its own process ──
    const peakRss: RssSample[] = [];
    if (o.rssAtQuarterSize) {
      const n = Math.max(1, Math.round(o.notebooks / 4));
      const d = Math.max(1, Math.round(o.directories / 4));
      log(`full backup of ${n} notebooks (RSS reference)…`);
      const small = await startSim(n, d);
      const r = await backup(params(small, `b${runId}q-`, "20260101t000000z"));
      peakRss.push({
        notebooks: n,
        directories: d,
        peakRssMb: r.peakRssMb,
        peakHeapUsedMb: r.peakHeapUsedMb,
        liveHeapMb: r.liveHeapMb,
        isolated: o.isolate,
      });
      await small.close();
      log(`  ${r.wallMs} ms, peak RSS ${r.peakRssMb} MB`);
    }

    // ── full backup ──
    const prefix = `b${runId}-`;
    log(`full backup of ${o.notebooks} notebooks…`);
    sim.log.clear();
    const beforeFull = await blobSnapshot(connectionString, prefix);
    const loadBefore = os.loadavg()[0] ?? 0;
    const simCpu = process.cpuUsage();
    const full = await backup(params(sim, prefix, "20260101t000000z"));
    const simCpuUsed = process.cpuUsage(simCpu);
    const loadAfter = os.loadavg()[0] ?? 0;
    const afterFull = await blobSnapshot(connectionString, prefix);
    const ok = (route: string) => sim.log.filter(route).filter((e) => e.status === 200).length;
    const listCalls = ok(LIST);
    const exportCalls = ok(EXPORT);
    const throttled = sim.log.entries.filter((e) => e.status === 429).length;
    peakRss.push({
      notebooks: o.notebooks,
      directories: o.directories,
      peakRssMb: full.peakRssMb,
      peakHeapUsedMb: full.peakHeapUsedMb,
      liveHeapMb: full.liveHeapMb,
      isolated: o.isolate,
    });
    const phases = phasesOf(sim, full);
    const floorMs =
      1000 * (listCalls / allowed("workspace.list") + exportCalls / allowed("workspace.export"));
    log(`  ${full.wallMs} ms (floor ${Math.round(floorMs)} ms), peak RSS ${full.peakRssMb} MB`);

    // ── incremental: 1% of the notebooks changed ──
    const seed = sim.seeds.workspaces["primary"]!;
    const every = Math.max(1, Math.round(1 / o.changedFraction));
    const changedPaths = seed.notebookPaths.filter((_, i) => i % every === 0);
    for (const p of changedPaths) {
      const object = tree.get(p)!;
      object.content = Buffer.concat([object.content ?? Buffer.alloc(0), Buffer.from(`\n# edited ${p}\n`)]);
      object.modified_at += 1000;
    }
    log(`incremental backup after ${changedPaths.length} notebooks changed…`);
    sim.log.clear();
    const inc = await backup(params(sim, prefix, "20260101t010000z"));
    const afterInc = await blobSnapshot(connectionString, prefix);
    const incWritten = written(afterFull, afterInc);
    const incremental: BenchResults["incremental"] = {
      phase: inc.phase,
      changed: changedPaths.length,
      apiCalls: sim.log.entries.length,
      expectedCalls: directoriesInTree + changedPaths.length,
      listCalls: sim.log.count(LIST),
      exportCalls: sim.log.count(EXPORT),
      newBodies: inc.newBodies,
      bytesWritten: incWritten.total,
      objectBytesWritten: incWritten.objects,
      wallMs: inc.wallMs,
    };
    log(`  ${inc.wallMs} ms, ${incremental.apiCalls} calls (expected ${incremental.expectedCalls})`);

    const ratioToFloor = round(full.wallMs / floorMs, 3);
    const speedupVsNaive = naive ? round(naive.wallMs / full.wallMs, 2) : null;
    const rssValues = peakRss.map((s) => s.peakRssMb);
    const maxRss = Math.max(...rssValues);
    // "Flat": the larger run needs at most 25% more than the run a quarter its size.
    const flatIn = (values: number[]) =>
      values.length < 2 || Math.max(...values) <= 1.25 * Math.min(...values);
    const sentCalls = Object.values(full.sent).reduce((a, b) => a + b, 0);
    return {
      benchmark: "azdr hourly notebooks backup: orchestrated run (local durable host) vs simulator + Azurite",
      at: new Date().toISOString(),
      environment: {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpus: os.availableParallelism(),
        totalMemGb: round(os.totalmem() / 1024 ** 3, 1),
      },
      settings: {
        notebooks: o.notebooks,
        directories: o.directories,
        scale: k,
        latencyMsAtScale1: o.latencyMs,
        latencyMsSimulated: round(o.latencyMs / k, 2),
        rateShare: o.rateShare,
        maxConcurrentRequests: o.maxConcurrent,
        batchSize: o.batchSize,
        limits: {
          "workspace.list": {
            published: PUBLISHED_LIMITS["workspace.list"],
            simulator: simLimits.workspaceList,
            allowed: allowed("workspace.list"),
          },
          "workspace.export": {
            published: PUBLISHED_LIMITS["workspace.export"],
            simulator: simLimits.workspaceExport,
            allowed: allowed("workspace.export"),
          },
        },
        isolatedProcesses: o.isolate,
      },
      fullBackup: {
        phase: full.phase,
        notebooks: o.notebooks,
        directories: o.directories,
        directoriesInTree,
        listCalls,
        exportCalls,
        sentCalls,
        throttled,
        wallMs: full.wallMs,
        floorMs: Math.round(floorMs),
        floorFormula:
          "1000 × (listCalls / allowedListRate + exportCalls / allowedExportRate); allowed = published × scale × rateShare",
        ratioToFloor,
        naiveWallMs: naive?.wallMs ?? null,
        speedupVsNaive,
        peakRssMb: full.peakRssMb,
        peakRss,
        bytesWritten: written(beforeFull, afterFull).total,
        phases,
        diagnostics: {
          cpuMs: {
            backupProcess: full.cpuMs,
            simulatorProcess: Math.round((simCpuUsed.user + simCpuUsed.system) / 1000),
          },
          loadAverage: { before: round(loadBefore, 2), after: round(loadAfter, 2) },
          storeOps: full.storeOps,
          pacedRatioToFloor: round((phases.listMs + phases.planToExportMs + phases.exportMs) / floorMs, 3),
        },
        goals: {
          ratioToFloor: "<= 1.25",
          speedupVsNaive: ">= 10",
          peakRssMb: "< 512 at every size, flat in N (<= +25% from N/4 to N)",
        },
        met: {
          ratioToFloor: ratioToFloor <= 1.25,
          speedupVsNaive: speedupVsNaive === null ? null : speedupVsNaive >= 10,
          peakRssMb: maxRss < 512,
          peakRssFlat: flatIn(rssValues),
          liveHeapFlat: flatIn(peakRss.map((p) => p.liveHeapMb ?? 0)),
        },
      },
      incremental,
      naive: naive
        ? {
            ...naive,
            callsPerSecond: round(((naive.listCalls + naive.exportCalls) * 1000) / naive.wallMs, 1),
          }
        : null,
    };
  } finally {
    await Promise.all(sims.map((s) => s.close().catch(() => undefined)));
    await azurite?.stop();
  }
}

async function runInProcess(p: BackupRunParams): Promise<BackupRunResult> {
  const { runOrchestratedBackup } = await import("./backup-run.js");
  return runOrchestratedBackup(p);
}

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One backup in a fresh Node process (tsx loader), so its getrusage maxrss is this run's alone. */
function runInChild(p: BackupRunParams): Promise<BackupRunResult> {
  const script = fileURLToPath(new URL("./backup-child.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify(p)], {
      cwd: REPO_ROOT,
      // BENCH_CHILD_ARGS: extra node flags for every backup child, e.g. "--cpu-prof --cpu-prof-dir=prof"
      // to see where the time goes, or "--max-old-space-size=128" to check what memory is really live.
      execArgv: [
        "--import",
        "tsx",
        "--expose-gc",
        ...(process.env["BENCH_CHILD_ARGS"] ?? "").split(/\s+/).filter(Boolean),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let settled = false;
    child.on("message", (message: { ok: boolean; result?: BackupRunResult; error?: string }) => {
      settled = true;
      if (message.ok && message.result) resolve(message.result);
      else reject(new Error(`backup child failed: ${message.error ?? "no result"}`));
    });
    child.on("error", (error) => {
      if (!settled) reject(error);
      settled = true;
    });
    child.on("exit", (code) => {
      if (!settled) reject(new Error(`backup child exited with code ${code} before reporting`));
      settled = true;
    });
  });
}

type BlobSnapshot = Map<string, { etag: string; size: number; objects: boolean }>;

/** Every blob in the store's containers (by prefix): what a run wrote is the difference. */
async function blobSnapshot(connectionString: string, prefix: string): Promise<BlobSnapshot> {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const out: BlobSnapshot = new Map();
  for await (const container of service.listContainers({ prefix })) {
    const client = service.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat()) {
      out.set(`${container.name}/${blob.name}`, {
        etag: blob.properties.etag ?? "",
        size: blob.properties.contentLength ?? 0,
        objects: container.name === `${prefix}${OBJECTS_CONTAINER}`,
      });
    }
  }
  return out;
}

/** Bytes of blobs that are new or rewritten in `after` (transient work blobs deleted meanwhile are not counted). */
function written(before: BlobSnapshot, after: BlobSnapshot): { total: number; objects: number } {
  let total = 0;
  let objects = 0;
  for (const [name, blob] of after) {
    if (before.get(name)?.etag === blob.etag) continue;
    total += blob.size;
    if (blob.objects) objects += blob.size;
  }
  return { total, objects };
}

function phasesOf(sim: PlatformSimulator, run: BackupRunResult): Phases {
  const times = (route: string) => sim.log.filter(route).map((e) => e.at);
  const lists = times(LIST);
  const exports = times(EXPORT);
  const lastList = Math.max(...lists);
  const firstExport = exports.length ? Math.min(...exports) : lastList;
  const lastExport = exports.length ? Math.max(...exports) : lastList;
  const exportMs = lastExport - firstExport;
  const lastBatch = run.marks.lastBatchDone ?? lastExport;
  const commitStart = run.marks.commitStart ?? lastBatch;
  const commitDone = run.marks.commitDone ?? run.endedAtMs;
  return {
    listMs: lastList - run.startedAtMs,
    planToExportMs: firstExport - lastList,
    exportMs,
    exportRate: exportMs > 0 ? round((exports.length * 1000) / exportMs, 1) : 0,
    drainMs: lastBatch - lastExport,
    toCommitMs: commitStart - lastBatch,
    commitMs: commitDone - commitStart,
    finishMs: run.endedAtMs - commitDone,
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
