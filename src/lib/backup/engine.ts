// The backup protocol every source follows, framework-free so activities, the CLI and tests share
// it: plan (list, compare with the last good snapshot, stage bounded work batches) → batches
// (export, store bodies, stage a part each) → commit (manifest last, index row).
// Orchestrators pass only refs and counts between these steps: bodies never enter history.
import type { Domain } from "../config/schema.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { BackupStore, CommitResult } from "../store/backup-store.js";
import { domainContainer, snapshotPrefix, type SnapshotRef } from "../store/layout.js";
import type { SnapshotPart } from "../store/manifest.js";

/** What a backup run is about: which source, which snapshot. Small and JSON: orchestration input. */
export interface BackupTarget {
  kind: BackupKind;
  sourceId: string;
  snapshotId: string;
}

export type BackupKind =
  | "databricks-notebooks"
  | "databricks-config"
  | "unity-catalog"
  | "azureml-models"
  | "azureml-assets"
  | "foundry"
  | "key-vault"
  | "storage-protection";

export interface PlanOutput<W> {
  /** Entries captured while planning (directories, unchanged objects, small config objects). */
  carried: SnapshotPart;
  /** Work for the batches, in order; the engine cuts it into batches. */
  work: W[];
  /**
   * How many of `carried.entries` were taken unchanged from the previous snapshot without reading
   * them again (incremental sources); the others were read from the source while planning.
   */
  reused?: number;
  summary?: Record<string, unknown>;
  /**
   * Protection the source lost since the previous snapshot (a soft-delete window turned off…):
   * told to people, without changing the snapshot's phase (the backup itself is complete).
   */
  protectionWeakened?: string[];
}

export interface BatchOutput extends SnapshotPart {
  stats?: Record<string, number>;
}

/** One backup source. Implementations live in lib/sources; dependencies come through ctx. */
export interface BackupSource<Ctx, W = unknown> {
  kind: BackupKind;
  domain: Domain;
  component: string;
  plan(ctx: Ctx, target: BackupTarget, previous: SnapshotRef | undefined): Promise<PlanOutput<W>>;
  runBatch(ctx: Ctx, target: BackupTarget, work: W[]): Promise<BatchOutput>;
}

export interface PlanResult {
  batches: number;
  workItems: number;
  /** Entries taken unchanged from the previous snapshot, not read again. */
  carried: number;
  /** Entries read from the source while planning (directories, config objects, definitions). */
  captured?: number;
  /** Objects that failed while planning (a listing or definition that could not be read). */
  failed?: number;
  /** Objects the plan already knows it cannot back up (unsupported types, over the size limit). */
  skipped?: number;
  previousSnapshotId?: string;
  /** Set when the source cannot be backed up at all (unreachable, deleted, unauthorised). */
  fatal?: string;
  /** Protection lost since the previous snapshot (PlanOutput.protectionWeakened). */
  protectionWeakened?: string[];
}

export interface BatchSummary {
  batch: number;
  entries: number;
  skipped: number;
  failed: number;
  vanished?: number;
  stats: Record<string, number>;
  /** The source itself is gone or refuses us: the run must end Failed with this reason. */
  fatal?: string;
}

/**
 * The source as a whole is unusable (deleted, replaced, credentials revoked): thrown by sources at
 * any point of a run, it makes the snapshot Failed with its message. Not retryable: retrying a
 * deleted workspace only delays the answer.
 */
export class SourceUnavailableError extends AzdrError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super("UNAVAILABLE", message, options);
  }
  override get retryable(): boolean {
    return false;
  }
}

/** Errors that end the whole run, not just one object: the source is gone or refuses our identity. */
export function isSourceFatal(error: unknown): error is AzdrError {
  return (
    error instanceof SourceUnavailableError ||
    isAzdrError(error, "UNAUTHORIZED") ||
    isAzdrError(error, "FORBIDDEN")
  );
}

export function refFor(source: { domain: Domain; component: string }, target: BackupTarget): SnapshotRef {
  return {
    domain: source.domain,
    sourceId: target.sourceId,
    component: source.component,
    snapshotId: target.snapshotId,
  };
}

function workPath(ref: SnapshotRef, batch: number): string {
  return `${snapshotPrefix(ref)}work/${String(batch).padStart(5, "0")}.json`;
}

export async function runPlan<Ctx, W>(
  store: BackupStore,
  source: BackupSource<Ctx, W>,
  ctx: Ctx,
  target: BackupTarget,
  batchSize: number,
): Promise<PlanResult> {
  const ref = refFor(source, target);
  // Carry from the newest snapshot whose entries are real bodies, good or not (see latestCarryBasis).
  const latest = await store.latestCarryBasis(source.domain, target.sourceId, source.component);
  const previous =
    latest && latest.snapshotId !== target.snapshotId ? { ...ref, snapshotId: latest.snapshotId } : undefined;
  let output: PlanOutput<W>;
  try {
    output = await source.plan(ctx, target, previous);
  } catch (error) {
    if (isAzdrError(error) && error.retryable) throw error; // let the orchestrator retry
    return {
      batches: 0,
      workItems: 0,
      carried: 0,
      ...(previous ? { previousSnapshotId: previous.snapshotId } : {}),
      fatal: errorMessage(error),
    };
  }
  await store.writePart(ref, "carried", output.carried);
  const container = domainContainer(ref.domain);
  let batches = 0;
  for (let i = 0; i < output.work.length; i += batchSize) {
    await store.blobs.put(
      container,
      workPath(ref, batches),
      JSON.stringify(output.work.slice(i, i + batchSize)),
      "application/json",
    );
    batches++;
  }
  if (output.summary)
    await store.blobs.put(
      container,
      `${snapshotPrefix(ref)}work/summary.json`,
      JSON.stringify(output.summary),
    );
  return {
    batches,
    workItems: output.work.length,
    carried: output.reused ?? 0,
    captured: output.carried.entries.length - (output.reused ?? 0),
    skipped: output.carried.skipped?.length ?? 0,
    failed: output.carried.failed?.length ?? 0,
    ...(previous ? { previousSnapshotId: previous.snapshotId } : {}),
    ...(output.protectionWeakened?.length ? { protectionWeakened: output.protectionWeakened } : {}),
  };
}

export async function runBatch<Ctx, W>(
  store: BackupStore,
  source: BackupSource<Ctx, W>,
  ctx: Ctx,
  target: BackupTarget,
  batch: number,
): Promise<BatchSummary> {
  const ref = refFor(source, target);
  const body = await store.blobs.get(domainContainer(ref.domain), workPath(ref, batch));
  if (!body)
    throw new Error(`work batch ${batch} of ${snapshotPrefix(ref)} is missing: was the plan step run?`);
  const work = JSON.parse(body.toString("utf8")) as W[];
  let output: BatchOutput;
  try {
    output = await source.runBatch(ctx, target, work);
  } catch (error) {
    // Returned, not thrown: the orchestrator must fail the run, not retry and call it partial.
    if (isSourceFatal(error))
      return { batch, entries: 0, skipped: 0, failed: 0, stats: {}, fatal: errorMessage(error) };
    throw error;
  }
  const part: SnapshotPart = {
    entries: output.entries,
    skipped: output.skipped ?? [],
    failed: output.failed ?? [],
    ...(output.vanished?.length ? { vanished: output.vanished } : {}),
  };
  await store.writePart(ref, `batch-${String(batch).padStart(5, "0")}`, part);
  return {
    batch,
    entries: output.entries.length,
    skipped: output.skipped?.length ?? 0,
    failed: output.failed?.length ?? 0,
    ...(output.vanished?.length ? { vanished: output.vanished.length } : {}),
    stats: output.stats ?? {},
  };
}

export async function runCommit(
  store: BackupStore,
  source: { domain: Domain; component: string },
  target: BackupTarget,
  input: {
    startedAt: string;
    endedAt: string;
    previousSnapshotId?: string;
    fatalReasons?: string[];
    partialReasons?: string[];
    maxShrinkShare?: number;
  },
): Promise<CommitResult> {
  const ref = refFor(source, target);
  const container = domainContainer(ref.domain);
  const summaryBody = await store.blobs.get(container, `${snapshotPrefix(ref)}work/summary.json`);
  const result = await store.commit(ref, {
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    ...(input.previousSnapshotId ? { previousSnapshotId: input.previousSnapshotId } : {}),
    ...(input.fatalReasons?.length ? { fatalReasons: input.fatalReasons } : {}),
    ...(input.partialReasons?.length ? { partialReasons: input.partialReasons } : {}),
    ...(input.maxShrinkShare !== undefined ? { maxShrinkShare: input.maxShrinkShare } : {}),
    ...(summaryBody ? { summary: JSON.parse(summaryBody.toString("utf8")) as Record<string, unknown> } : {}),
  });
  await store.deleteUnder(container, `${snapshotPrefix(ref)}work/`);
  return result;
}
