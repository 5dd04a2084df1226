// One orchestrated notebooks backup, exactly as the Function App and the CLI run it: the backup-run
// orchestrator in the local durable host, over a runtime built from a real config. Used in-process
// (smoke test, BENCH_ISOLATE=0) and by bench/backup-child.ts (one child process per measured run,
// so peak RSS belongs to that run alone).
//
// The capture hook must be installed before any app module registers: keep this import first.
import "../src/host/registry.js";
import { getHeapStatistics } from "node:v8";
import { resetDatabricksLimiters, type ApiFamily } from "../src/lib/clients/databricks.js";
import { parseConfig } from "../src/lib/config/index.js";
import { createRuntime } from "../src/lib/runtime.js";
import { useRuntime } from "../src/orchestrators/runtime.js";
import { ORCHESTRATORS } from "../src/orchestrators/names.js";
import type { BackupRunOutput } from "../src/orchestrators/backup.js";
// host.js/store.js/registry.js rather than host/index.js: the index also loads host/app.ts, whose
// named imports of @azure/functions classes do not link under plain node/tsx (see host.ts).
import { LocalDurableHost } from "../src/host/host.js";
import { MemoryInstanceStore } from "../src/host/store.js";
import { loadRegisteredApp, type FunctionRegistry } from "../src/host/registry.js";

export const BENCH_TOKEN_SETTING = "AZDR_BENCH_DATABRICKS_TOKEN";

/** Everything a run needs, as JSON: it crosses a process boundary. */
export interface BackupRunParams {
  workspaceUrl: string;
  token: string;
  connectionString: string;
  containerPrefix: string;
  indexTable: string;
  /** Schedule slot: also the snapshot id. */
  slot: string;
  rateShare: number;
  maxConcurrent: number;
  batchSize: number;
  /** Per-family limits our client treats as "published" (scaled with the simulator's). */
  limits: Partial<Record<ApiFamily, number>>;
  timeoutMs: number;
}

export interface BackupRunResult {
  slot: string;
  runtimeStatus: string;
  phase: string;
  objects: number;
  exported: number;
  carried: number;
  newBodies: number;
  reasons: string[];
  /** From startNew to completion, in milliseconds (process start and module loading excluded). */
  wallMs: number;
  /** Epoch milliseconds of startNew and of completion, to place the simulator's request log in the run. */
  startedAtMs: number;
  endedAtMs: number;
  /** Requests our Databricks client sent, by API family (retries included). */
  sent: Partial<Record<ApiFamily, number>>;
  /** Peak resident set size of the process that ran this backup (getrusage maxrss). */
  peakRssMb: number;
  /** Peak V8 heap used (live and not yet collected), sampled every 100 ms during the run. */
  peakHeapUsedMb: number;
  /**
   * Heap still in use after a forced full GC as the manifest is written: the moment the run holds
   * the most (every entry, the previous manifest, the serialised manifest). What the run keeps,
   * unlike peak RSS, which also shows how far V8 lets garbage grow before collecting it. Forced
   * only there, after the export phase, so peak RSS is not disturbed. Null without --expose-gc.
   */
  liveHeapMb: number | null;
  /** CPU time of this process over the run (user + system), in milliseconds. */
  cpuMs: number;
  /** Store round trips by operation: count and mean latency (a slow emulator shows up here). */
  storeOps: Record<string, { count: number; meanMs: number }>;
  /** Epoch milliseconds of store milestones: plan part written, last batch part, commit start/end. */
  marks: { planDone?: number; lastBatchDone?: number; commitStart?: number; commitDone?: number };
}

let registry: FunctionRegistry | undefined;

export async function runOrchestratedBackup(params: BackupRunParams): Promise<BackupRunResult> {
  registry ??= await loadRegisteredApp(() => import("../src/index.js"));
  const env = { [BENCH_TOKEN_SETTING]: params.token };
  const config = parseConfig({
    env: "bench",
    project: "azdr",
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    databricks: {
      workspaces: [
        {
          id: "primary",
          url: params.workspaceUrl,
          role: "primary",
          auth: { type: "pat", tokenSetting: BENCH_TOKEN_SETTING },
        },
      ],
    },
    backupStore: { indexTable: params.indexTable },
    limits: {
      databricksRateShare: params.rateShare,
      batchSize: params.batchSize,
      maxConcurrentRequests: params.maxConcurrent,
    },
  });
  resetDatabricksLimiters();
  const runtime = createRuntime(config, {
    env,
    storeConnection: { connectionString: params.connectionString, containerPrefix: params.containerPrefix },
    databricks: { limits: params.limits },
  });
  // Diagnostics, bench-side only: wrap this run's store object (milestones, forced-GC live heap at
  // the fullest moment, round trips by operation). No product code is changed by this.
  const marks: BackupRunResult["marks"] = {};
  let liveHeap: number | null = null;
  const forceGc = (globalThis as { gc?: () => void }).gc;
  const liveNow = () => {
    if (!forceGc) return null;
    forceGc();
    return mb(getHeapStatistics().used_heap_size);
  };
  const store = runtime.store;
  const writePart = store.writePart.bind(store);
  store.writePart = async (ref, partId, part) => {
    await writePart(ref, partId, part);
    if (partId === "carried") marks.planDone = Date.now();
    else marks.lastBatchDone = Date.now();
  };
  const commit = store.commit.bind(store);
  store.commit = async (ref, input) => {
    marks.commitStart ??= Date.now();
    const result = await commit(ref, input);
    marks.commitDone = Date.now();
    return result;
  };
  const ops: Record<string, { count: number; totalMs: number }> = {};
  const blobs = store.blobs as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ["get", "put", "putIfAbsent", "delete", "size"]) {
    const original = blobs[name]!.bind(store.blobs);
    blobs[name] = async (...args: unknown[]) => {
      if (name === "putIfAbsent" && String(args[1]).endsWith("/manifest.json")) liveHeap ??= liveNow();
      const started = performance.now();
      try {
        return await original(...args);
      } finally {
        const op = (ops[name] ??= { count: 0, totalMs: 0 });
        op.count++;
        op.totalMs += performance.now() - started;
      }
    };
  }
  useRuntime(runtime);
  const host = new LocalDurableHost({
    registry,
    store: new MemoryInstanceStore(),
    timers: "real",
  });
  let peakHeap = 0;
  // v8 heap statistics are cheap; process.memoryUsage() reads /proc and showed up in profiles.
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  }, 100);
  const instanceId = `backup-databricks-notebooks-${params.slot}`;
  try {
    const cpuBefore = process.cpuUsage();
    const startedAtMs = Date.now();
    const started = performance.now();
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId,
      input: { kind: "databricks-notebooks", slot: params.slot, sourceIds: ["primary"] },
    });
    const status = await host.waitForCompletion(instanceId, { timeoutMs: params.timeoutMs });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
    const output = status.output as BackupRunOutput | undefined;
    const source = output?.sources[0];
    return {
      slot: params.slot,
      runtimeStatus: String(status.runtimeStatus),
      phase: output?.phase ?? "Failed",
      objects: source?.objects ?? 0,
      exported: source?.exported ?? 0,
      carried: source?.carried ?? 0,
      newBodies: source?.newBodies ?? 0,
      reasons: source?.reasons ?? (output ? [] : [JSON.stringify(status.output)]),
      wallMs: Math.round(wallMs),
      startedAtMs,
      endedAtMs: Date.now(),
      sent: { ...runtime.databricks("primary").sent },
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      peakHeapUsedMb: mb(peakHeap),
      liveHeapMb: liveHeap,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      storeOps: Object.fromEntries(
        Object.entries(ops).map(([name, op]) => [
          name,
          { count: op.count, meanMs: Math.round((op.totalMs / op.count) * 10) / 10 },
        ]),
      ),
      marks,
    };
  } finally {
    clearInterval(sampler);
    await host.shutdown();
    useRuntime(undefined);
  }
}

function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}
