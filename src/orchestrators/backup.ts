// Backup orchestrators: one run per schedule slot fans out one sub-orchestration per source; each
// source plans, exports in bounded batches (a sliding window, so progress is visible) and commits.
// Deterministic: time from the context, no I/O; only refs and counts cross the history.
import * as df from "durable-functions";
import type { OrchestrationContext, OrchestrationHandler, Task } from "durable-functions";
import type { BackupKind, BackupTarget, BatchSummary, PlanResult } from "../lib/backup/engine.js";
import { runBatch, runCommit, runPlan } from "../lib/backup/engine.js";
import { backupSourceFor } from "../lib/backup/catalog.js";
import type { CommitResult } from "../lib/store/backup-store.js";
import { ACTIVITIES, ORCHESTRATORS } from "./names.js";
import { runtime } from "./runtime.js";
import { backupFailed, protectionWeakened } from "../lib/notify/events.js";
import { storageAccountFor } from "../lib/sources/storage-protection-source.js";
import { TELEMETRY_EVENTS } from "../lib/notify/telemetry.js";

export interface BackupRunInput {
  kind: BackupKind;
  /** Schedule slot stamp, also the snapshot id of every source in this run. */
  slot: string;
  sourceIds: string[];
}

export interface SourceOutcome {
  sourceId: string;
  snapshotId: string;
  phase: CommitResult["phase"];
  objects: number;
  exported: number;
  carried: number;
  skipped: number;
  failed: number;
  /** Objects deleted during the run while their folder remained (recorded in the manifest). */
  vanished?: number;
  newBodies: number;
  bytes: number;
  reasons: string[];
  alreadyCommitted: boolean;
}

export interface BackupRunOutput {
  kind: BackupKind;
  slot: string;
  phase: CommitResult["phase"];
  sources: SourceOutcome[];
}

const retry = () => {
  const options = new df.RetryOptions(2_000, 4);
  options.backoffCoefficient = 2;
  options.maxRetryIntervalInMilliseconds = 30_000;
  return options;
};

/** How many batch activities one source keeps in flight (the rate limiter sets the real pace). */
const BATCH_WINDOW = 6;

/** The batch step's retry policy, applied by the orchestrator itself (see the wave loop). */
const BATCH_ATTEMPTS = 4;
const batchRetryDelayMs = (failures: number) => Math.min(2_000 * 2 ** (failures - 1), 30_000);

const backupSourceOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const target = context.df.getInput<BackupTarget>();
  const startedAt = context.df.currentUtcDateTime.toISOString();
  context.df.setCustomStatus({ step: "plan", sourceId: target.sourceId });
  let plan: PlanResult;
  try {
    plan = (yield context.df.callActivityWithRetry(ACTIVITIES.backupPlan, retry(), target)) as PlanResult;
  } catch (error) {
    // Still failing after every retry (e.g. the workspace no longer resolves): a Failed snapshot
    // with the reason, so status and RPO say why, rather than a run that left nothing behind.
    plan = {
      batches: 0,
      workItems: 0,
      carried: 0,
      fatal: `planning failed after retries: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const fatalReasons = plan.fatal ? [plan.fatal] : [];
  const partialReasons: string[] = [];

  const summaries: BatchSummary[] = [];
  let stopped = false;
  // Waves of up to BATCH_WINDOW batches, each sent by one Task.any of fresh tasks only, then awaited
  // one by one: progress after every batch. Never put an already-sent task in a new Task.any: the
  // Durable extension's out-of-proc protocol has no task ids, so it would schedule that activity
  // again and hand its result to the wrong task (azure-functions-durable-js#574). After a batch fails
  // for good, start no more waves but drain this one, so no part is written after the commit.
  // Batches retry in orchestrator code, not with callActivityWithRetry: the extension moves past a
  // wave's Task.any at its first result and numbers later actions from there, while a retry's timer
  // and next attempt are numbered when the failure is replayed, so they would take the numbers of
  // the next wave or the commit (the local host's protocol check fails such an episode).
  for (let first = 0; first < plan.batches && !stopped; first += BATCH_WINDOW) {
    const wave: { batch: number; task: Task }[] = [];
    for (let batch = first; batch < Math.min(first + BATCH_WINDOW, plan.batches); batch++) {
      wave.push({ batch, task: context.df.callActivity(ACTIVITIES.backupBatch, { target, batch }) });
    }
    yield context.df.Task.any(wave.map((w) => w.task)); // schedules the wave; never throws
    for (const { batch, task: firstAttempt } of wave) {
      try {
        let task = firstAttempt;
        let summary: BatchSummary;
        for (let failures = 0; ;) {
          try {
            summary = (yield task) as BatchSummary;
            break;
          } catch (error) {
            if (++failures >= BATCH_ATTEMPTS) throw error;
            const retryAt = context.df.currentUtcDateTime.getTime() + batchRetryDelayMs(failures);
            yield context.df.createTimer(new Date(retryAt));
            task = context.df.callActivity(ACTIVITIES.backupBatch, { target, batch });
          }
        }
        summaries.push(summary);
        if (summary.fatal) {
          // The source is gone or refuses us: no more waves, and the snapshot is Failed.
          stopped = true;
          if (!fatalReasons.includes(summary.fatal)) fatalReasons.push(summary.fatal);
        }
      } catch (error) {
        stopped = true;
        partialReasons.push(
          `batch ${batch} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        continue;
      }
      context.df.setCustomStatus({
        step: "export",
        sourceId: target.sourceId,
        done: summaries.length,
        total: plan.batches,
      });
    }
  }

  context.df.setCustomStatus({ step: "commit", sourceId: target.sourceId });
  const commit = (yield context.df.callActivityWithRetry(ACTIVITIES.backupCommit, retry(), {
    target,
    startedAt,
    endedAt: context.df.currentUtcDateTime.toISOString(),
    ...(plan.previousSnapshotId ? { previousSnapshotId: plan.previousSnapshotId } : {}),
    fatalReasons,
    partialReasons,
  })) as CommitResult;
  const stat = (name: string) => summaries.reduce((sum, s) => sum + (s.stats[name] ?? 0), 0);
  const outcome: SourceOutcome = {
    sourceId: target.sourceId,
    snapshotId: target.snapshotId,
    phase: commit.phase,
    objects: commit.objectCount,
    // exported + carried = objects: read from the source in this run, or reused unchanged.
    exported: (plan.captured ?? 0) + summaries.reduce((sum, s) => sum + s.entries, 0),
    carried: plan.carried,
    skipped: (plan.skipped ?? 0) + summaries.reduce((sum, s) => sum + s.skipped, 0),
    failed: (plan.failed ?? 0) + summaries.reduce((sum, s) => sum + s.failed, 0),
    vanished: summaries.reduce((sum, s) => sum + (s.vanished ?? 0), 0),
    newBodies: stat("newBodies"),
    bytes: commit.totalBytes,
    // The commit's reasons: fatal and partial ones plus what only the commit knows (shrink guard).
    reasons: commit.reasons ?? [...fatalReasons, ...partialReasons],
    alreadyCommitted: commit.alreadyCommitted,
  };
  context.df.setCustomStatus({ step: "done", sourceId: target.sourceId, phase: commit.phase });
  return outcome;
};

const backupRunOrchestrator: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<BackupRunInput>();
  context.df.setCustomStatus({ step: "running", kind: input.kind, sources: input.sourceIds.length });
  const tasks = input.sourceIds.map((sourceId, i) =>
    context.df.callSubOrchestrator(
      ORCHESTRATORS.backupSource,
      { kind: input.kind, sourceId, snapshotId: input.slot } satisfies BackupTarget,
      `${context.df.instanceId}:${i}`,
    ),
  );
  const sources = (yield context.df.Task.all(tasks)) as SourceOutcome[];
  const phase = runPhase(sources.map((s) => s.phase));
  const output: BackupRunOutput = { kind: input.kind, slot: input.slot, phase, sources };
  context.df.setCustomStatus({ step: "done", kind: input.kind, phase });
  return output;
};

df.app.orchestration(ORCHESTRATORS.backupRun, backupRunOrchestrator);
df.app.orchestration(ORCHESTRATORS.backupSource, backupSourceOrchestrator);

df.app.activity(ACTIVITIES.backupPlan, {
  handler: async (target: BackupTarget) => {
    const rt = runtime();
    const plan = await runPlan(
      rt.store,
      backupSourceFor(target.kind),
      rt,
      target,
      rt.config.limits.batchSize,
    );
    if (plan.protectionWeakened?.length) {
      rt.log.warn("data protection weakened", {
        sourceId: target.sourceId,
        changes: plan.protectionWeakened,
      });
      await rt.notifier.notify(
        protectionWeakened({
          sourceId: target.sourceId,
          account: storageAccountFor(rt, target.sourceId).name,
          changes: plan.protectionWeakened,
          noticedBy: { snapshotId: target.snapshotId },
          at: new Date().toISOString(),
        }),
      );
    }
    return plan;
  },
});

df.app.activity(ACTIVITIES.backupBatch, {
  handler: async (input: { target: BackupTarget; batch: number }) => {
    const rt = runtime();
    return runBatch(rt.store, backupSourceFor(input.target.kind), rt, input.target, input.batch);
  },
});

df.app.activity(ACTIVITIES.backupCommit, {
  handler: async (input: {
    target: BackupTarget;
    startedAt: string;
    endedAt: string;
    previousSnapshotId?: string;
    fatalReasons: string[];
    partialReasons: string[];
  }) => {
    const rt = runtime();
    const source = backupSourceFor(input.target.kind);
    const result = await runCommit(rt.store, source, input.target, {
      ...input,
      maxShrinkShare: rt.config.integrity.maxShrinkShare,
    });
    rt.log.info("snapshot committed", {
      kind: input.target.kind,
      sourceId: input.target.sourceId,
      snapshotId: input.target.snapshotId,
      phase: result.phase,
      objects: result.objectCount,
    });
    await rt.telemetry.track(
      TELEMETRY_EVENTS.backup,
      {
        kind: input.target.kind,
        sourceId: input.target.sourceId,
        snapshotId: input.target.snapshotId,
        phase: result.phase,
      },
      { objects: result.objectCount, bytes: result.totalBytes },
    );
    if (result.phase !== "Completed") {
      await rt.notifier.notify(
        backupFailed({
          kind: input.target.kind,
          sourceId: input.target.sourceId,
          snapshotId: input.target.snapshotId,
          phase: result.phase,
          reasons: [...input.fatalReasons, ...input.partialReasons],
          objects: result.objectCount,
          at: input.endedAt,
        }),
      );
    }
    return result;
  },
});

/**
 * One phase for several snapshots: Completed when all are, Failed when all are, Suspect when the
 * only trouble is the shrink guard, else PartiallyFailed.
 */
export function runPhase(phases: CommitResult["phase"][]): CommitResult["phase"] {
  if (phases.every((p) => p === "Completed")) return "Completed";
  if (phases.every((p) => p === "Failed")) return "Failed";
  if (phases.every((p) => p === "Completed" || p === "Suspect")) return "Suspect";
  return "PartiallyFailed";
}

/** Instance id of a backup run: one per kind and schedule slot, so a double-fired timer starts one run. */
export function backupInstanceId(kind: BackupKind, slot: string): string {
  return `backup-${kind}-${slot}`;
}
