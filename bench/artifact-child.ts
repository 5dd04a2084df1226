// Child process of the artifact benchmark: backs up ONE Azure ML workspace whose model has a large
// artifact (params as JSON in argv[2]), verifies the snapshot by re-hashing every body, and sends
// the figures to the parent over IPC, so the peak RSS it reports belongs to that backup alone.
import { getHeapStatistics } from "node:v8";
import { simulatorHttpClient, staticTokenCredential, toStorageHttpClient } from "../sim/azure/index.js";
import { runBatch, runCommit, runPlan, refFor } from "../src/lib/backup/engine.js";
import { ARM_ENDPOINT } from "../src/lib/clients/azure.js";
import { parseConfig } from "../src/lib/config/index.js";
import { createRuntime } from "../src/lib/runtime.js";
import { azureMlModelsSource } from "../src/lib/sources/azureml-source.js";
import { verifySnapshot } from "../src/lib/store/verify.js";

export interface ArtifactRunParams {
  armUrl: string;
  blobUrl: string;
  token: string;
  subscriptionId: string;
  connectionString: string;
  containerPrefix: string;
  indexTable: string;
}

export interface ArtifactRunResult {
  phase: string;
  artifactBytes: number;
  expectedSha256Matches: boolean;
  uploadBlocks: number;
  backupWallMs: number;
  verifyWallMs: number;
  verifyOk: boolean;
  /** RSS after loading modules and building the runtime, before the backup. */
  baselineRssMb: number;
  /** Peak RSS of this process over backup + verify (getrusage maxrss). */
  peakRssMb: number;
  /** Peak V8 heap used, sampled every 50 ms. */
  peakHeapUsedMb: number;
  /** Peaks sampled every 50 ms per phase: resident set and Buffer (off-heap) memory. */
  sampled: {
    backupRssMb: number;
    backupArrayBuffersMb: number;
    verifyRssMb: number;
    verifyArrayBuffersMb: number;
  };
}

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

async function run(p: ArtifactRunParams, expectedSha256: string): Promise<ArtifactRunResult> {
  const httpClient = simulatorHttpClient({
    [ARM_ENDPOINT]: p.armUrl,
    "https://*.blob.core.windows.net": p.blobUrl,
  });
  const config = parseConfig({
    env: "prod",
    project: "azdr",
    subscriptionId: p.subscriptionId,
    naming: { aiPlatformResourceGroup: "rg-{project}-{env}", mlWorkspace: "mlw-{project}-{env}" },
    azureMl: { workspaces: [{ id: "mlw-main" }] },
    backupStore: { indexTable: p.indexTable },
  });
  const runtime = createRuntime(config, {
    env: {},
    storeConnection: { connectionString: p.connectionString, containerPrefix: p.containerPrefix },
    azure: {
      httpClient,
      storageHttpClient: toStorageHttpClient(httpClient),
      credential: staticTokenCredential(p.token),
    },
  });
  const baselineRssMb = mb(process.memoryUsage().rss);
  let peakHeap = 0;
  // Resident and off-heap (Buffer) memory by phase, sampled: which step holds bytes, if any does.
  const peaks = { backup: { rss: 0, arrayBuffers: 0 }, verify: { rss: 0, arrayBuffers: 0 } };
  let phase: keyof typeof peaks = "backup";
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
    const m = process.memoryUsage();
    peaks[phase].rss = Math.max(peaks[phase].rss, m.rss);
    peaks[phase].arrayBuffers = Math.max(peaks[phase].arrayBuffers, m.arrayBuffers);
  }, 50);
  try {
    const target = { kind: "azureml-models" as const, sourceId: "mlw-main", snapshotId: "20260101t000000z" };
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const plan = await runPlan(runtime.store, azureMlModelsSource, runtime, target, config.limits.batchSize);
    let uploadBlocks = 0;
    for (let b = 0; b < plan.batches; b++) {
      const batch = await runBatch(runtime.store, azureMlModelsSource, runtime, target, b);
      uploadBlocks += batch.stats["uploadBlocks"] ?? 0;
    }
    const commit = await runCommit(runtime.store, azureMlModelsSource, target, {
      startedAt,
      endedAt: new Date().toISOString(),
      fatalReasons: plan.fatal ? [plan.fatal] : [],
    });
    const backupWallMs = Math.round(performance.now() - started);
    const ref = refFor(azureMlModelsSource, target);
    const manifest = await runtime.store.requireManifest(ref);
    const artifact = manifest.entries
      .filter((e) => e.kind === "ml-model-artifact")
      .sort((a, b) => b.size - a.size)[0];
    phase = "verify";
    const verifyStarted = performance.now();
    const verified = await verifySnapshot(runtime.store, ref, { deep: "all" });
    const verifyWallMs = Math.round(performance.now() - verifyStarted);
    return {
      phase: commit.phase,
      artifactBytes: artifact?.size ?? 0,
      expectedSha256Matches: artifact?.sha256 === expectedSha256,
      uploadBlocks,
      backupWallMs,
      verifyWallMs,
      verifyOk: verified.ok,
      baselineRssMb,
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      peakHeapUsedMb: mb(Math.max(peakHeap, getHeapStatistics().used_heap_size)),
      sampled: {
        backupRssMb: mb(peaks.backup.rss),
        backupArrayBuffersMb: mb(peaks.backup.arrayBuffers),
        verifyRssMb: mb(peaks.verify.rss),
        verifyArrayBuffersMb: mb(peaks.verify.arrayBuffers),
      },
    };
  } finally {
    clearInterval(sampler);
  }
}

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => {
    if (!process.send) return reject(new Error("artifact-child.ts must be started with an IPC channel"));
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });

try {
  const params = JSON.parse(process.argv[2] ?? "") as ArtifactRunParams;
  const result = await run(params, process.argv[3] ?? "");
  await send({ ok: true, result });
  process.exit(0);
} catch (error) {
  await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
