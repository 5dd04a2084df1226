// Azure source tests: the Azure simulator (real SDK clients through its HttpClient), an isolated
// backup store on the shared Azurite, and a runtime built by createRuntime from a real config.
import { TableClient } from "@azure/data-tables";
import { BlobServiceClient } from "@azure/storage-blob";
import { startAzureSim, type AzureSim, type AzureSimOptions } from "../../../../sim/azure/index.js";
import type {
  BackupSource,
  BackupTarget,
  BatchSummary,
  PlanResult,
} from "../../../../src/lib/backup/engine.js";
import { refFor, runBatch, runCommit, runPlan } from "../../../../src/lib/backup/engine.js";
import {
  parseConfig,
  type PlatformConfig,
  type PlatformConfigInput,
} from "../../../../src/lib/config/index.js";
import { createRuntime, type Runtime } from "../../../../src/lib/runtime.js";
import type { SourceContext } from "../../../../src/lib/sources/context.js";
import type { CommitResult } from "../../../../src/lib/store/backup-store.js";
import type { Manifest } from "../../../../src/lib/store/manifest.js";
import { isolatedStore } from "../../../support/store.js";

export const RETRY = { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 50 };

export { captureLog, type CapturedLog } from "../../../support/platform.js";
import { captureLog, type CapturedLog } from "../../../support/platform.js";

export interface AzureTestPlatform {
  sim: AzureSim;
  config: PlatformConfig;
  runtime: Runtime;
  log: CapturedLog;
  connectionString: string;
  containerPrefix: string;
  table: string;
  close(): Promise<void>;
}

/**
 * The seeded platform is rg-azdr-prod / mlw-azdr-prod / hub-azdr-prod / kv-azdr-prod: the config
 * reaches those names through its naming templates ({project}-{env}), as a real config would.
 */
export async function startAzurePlatform(
  options: {
    sim?: AzureSimOptions;
    config?: Partial<PlatformConfigInput>;
    /** Block size of the store's streamed uploads (tests: small, so a few MB make many blocks). */
    uploadBlockBytes?: number;
  } = {},
): Promise<AzureTestPlatform> {
  const sim = await startAzureSim(options.sim ?? {});
  const { connectionString, containerPrefix, table } = isolatedStore();
  const config = parseConfig({
    env: "prod",
    project: "azdr",
    subscriptionId: sim.subscriptionId,
    naming: {
      aiPlatformResourceGroup: "rg-{project}-{env}",
      sharedResourceGroup: "rg-{project}-{env}",
      mlWorkspace: "mlw-{project}-{env}",
      foundryHub: "hub-{project}-{env}",
      keyVault: "kv-{project}-{env}",
    },
    azureMl: { workspaces: [{ id: "mlw-main" }] },
    foundry: { hubs: [{ id: "hub-main" }] },
    keyVaults: [{ id: "kv-main" }],
    storageAccounts: [
      { id: "st-ml", name: "stazdrmlprod" },
      { id: "st-lake", name: "stazdrlakeprod" },
      { id: "st-uc", name: "stazdrucprod" },
      { id: "st-scratch", name: "stazdrscratch" },
    ],
    backupStore: { indexTable: table },
    ...options.config,
  });
  const log = captureLog();
  const runtime = createRuntime(config, {
    env: {},
    storeConnection: {
      connectionString,
      containerPrefix,
      ...(options.uploadBlockBytes ? { uploadBlockBytes: options.uploadBlockBytes } : {}),
    },
    log,
    azure: {
      httpClient: sim.httpClient,
      storageHttpClient: sim.storageHttpClient,
      credential: sim.credential,
      retry: RETRY,
    },
  });
  return { sim, config, runtime, log, connectionString, containerPrefix, table, close: () => sim.close() };
}

export interface BackupRun {
  plan: PlanResult;
  batches: BatchSummary[];
  commit: CommitResult;
  manifest: Manifest;
  /** Summed batch stats (newBodies, copied, downloadedBytes…). */
  stats: Record<string, number>;
}

/** plan → every batch → commit, as the orchestrator does (fatal plan → Failed snapshot). */
export async function runBackup<W>(
  ctx: SourceContext,
  source: BackupSource<SourceContext, W>,
  sourceId: string,
  snapshotId: string,
  batchSize = 200,
): Promise<BackupRun> {
  const target: BackupTarget = { kind: source.kind, sourceId, snapshotId };
  const startedAt = new Date().toISOString();
  const plan = await runPlan(ctx.store, source, ctx, target, batchSize);
  const batches: BatchSummary[] = [];
  for (let b = 0; b < plan.batches; b++) batches.push(await runBatch(ctx.store, source, ctx, target, b));
  const commit = await runCommit(ctx.store, source, target, {
    startedAt,
    endedAt: new Date().toISOString(),
    ...(plan.previousSnapshotId ? { previousSnapshotId: plan.previousSnapshotId } : {}),
    fatalReasons: plan.fatal ? [plan.fatal] : [],
  });
  const manifest = await ctx.store.requireManifest(refFor(source, target));
  const stats: Record<string, number> = {};
  for (const b of batches) for (const [k, v] of Object.entries(b.stats)) stats[k] = (stats[k] ?? 0) + v;
  return { plan, batches, commit, manifest, stats };
}

/** Every blob body and table row of the isolated store, as text, for leak scans. */
export async function storeContents(p: AzureTestPlatform): Promise<{ blobs: number; text: string[] }> {
  const service = BlobServiceClient.fromConnectionString(p.connectionString);
  const text: string[] = [];
  let blobs = 0;
  for await (const container of service.listContainers({ prefix: p.containerPrefix })) {
    const client = service.getContainerClient(container.name);
    for await (const blob of client.listBlobsFlat()) {
      blobs++;
      text.push(`${container.name}/${blob.name}`);
      text.push((await client.getBlobClient(blob.name).downloadToBuffer()).toString("latin1"));
    }
  }
  const rows = TableClient.fromConnectionString(p.connectionString, p.table, {
    allowInsecureConnection: true,
  });
  try {
    for await (const row of rows.listEntities()) text.push(JSON.stringify(row));
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  return { blobs, text };
}

/** Secret-value routes: never called by a backup. */
export const SECRET_VALUE_ROUTES =
  /^(GET \/(secrets|deletedsecrets)\/:name(\/:version)?$|POST .*(listsecrets|listSecrets|listKeys)$)/i;
