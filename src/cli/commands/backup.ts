// `azdr backup <what>`: the registered backup orchestrator, run in-process with the current time as
// its slot (a manual run never collides with a scheduled one), a progress line per source and a
// summary table.
import { failFast, workspacesFor } from "./doctor.js";
import { BACKUP_KINDS, backupSourceFor } from "../../lib/backup/catalog.js";
import type { SkippedEntry } from "../../lib/store/manifest.js";
import type { BackupKind } from "../../lib/backup/engine.js";
import { slotStamp } from "../../lib/schedule.js";
import type { SnapshotPhase } from "../../lib/store/manifest.js";
import type { InstanceStatus } from "../../host/host.js";
import { TERMINAL_STATUSES } from "../../host/store.js";
import {
  backupInstanceId,
  runPhase,
  type BackupRunInput,
  type BackupRunOutput,
  type SourceOutcome,
} from "../../orchestrators/backup.js";
import { ORCHESTRATORS } from "../../orchestrators/names.js";
import { startAzdr, type CliContext } from "../context.js";
import { CliUsageError, EXIT, formatBytes, pause, table, type ExitCode } from "../io.js";
import { ProgressBoard } from "../progress.js";

/** What `azdr backup` accepts: friendly names, plus every backup kind by its own name. */
export const BACKUP_TARGETS: Record<string, BackupKind[]> = {
  workspace: ["databricks-notebooks"],
  "workspace-config": ["databricks-config"],
  "unity-catalog": ["unity-catalog"],
  "azure-ml": ["azureml-models", "azureml-assets"],
  foundry: ["foundry"],
  "key-vault": ["key-vault"],
  storage: ["storage-protection"],
  ...Object.fromEntries(Object.keys(BACKUP_KINDS).map((k) => [k, [k as BackupKind]])),
};

interface Run {
  kind: BackupKind;
  instanceId: string;
  sourceIds: string[];
  status?: InstanceStatus;
}

export interface BackupResult {
  slot: string;
  phase: SnapshotPhase;
  runs: {
    kind: BackupKind;
    instanceId: string;
    runtimeStatus: string;
    phase: string;
    sources: (SourceOutcome & { skippedObjects?: SkippedEntry[] })[];
    error?: string;
  }[];
}

/** Skipped objects listed in the summary (all of them in --json). */
const SKIPPED_SHOWN = 20;

function plan(
  ctx: CliContext,
  what: string,
  sourceId: string | undefined,
): { kind: BackupKind; sourceIds: string[] }[] {
  const all = what === "all";
  const kinds = all ? (Object.keys(BACKUP_KINDS) as BackupKind[]) : BACKUP_TARGETS[what];
  if (!kinds) {
    throw new CliUsageError(`unknown backup "${what}"`, [
      {
        field: "what",
        message: `"${what}" is not something azdr backs up`,
        fix: `use one of: ${[...Object.keys(BACKUP_TARGETS).slice(0, 7), "all"].join(", ")}`,
      },
    ]);
  }
  const runs: { kind: BackupKind; sourceIds: string[] }[] = [];
  const known: string[] = [];
  for (const kind of kinds) {
    const info = BACKUP_KINDS[kind];
    if (!info.source) continue;
    const configured = info.sources(ctx.config);
    known.push(...configured);
    const sourceIds = sourceId ? configured.filter((s) => s === sourceId) : configured;
    if (sourceIds.length) runs.push({ kind, sourceIds });
  }
  if (runs.length === 0) {
    const names = [...new Set(known)];
    throw new CliUsageError(`nothing to back up`, [
      sourceId
        ? {
            field: "--source",
            message: `"${sourceId}" is not a configured source of ${what}`,
            fix: `use one of: ${names.join(", ") || "(none configured)"}`,
          }
        : {
            field: "what",
            message: `no ${what} sources are configured`,
            fix: "add them to the config (databricks.workspaces, unityCatalog.metastores, azureMl.workspaces, foundry.hubs, keyVaults, storageAccounts)",
          },
    ]);
  }
  return runs;
}

interface SourceStatus {
  step?: string;
  done?: number;
  total?: number;
  phase?: string;
}

function describeStep(custom: SourceStatus | undefined): { step: string; done?: number; total?: number } {
  if (!custom?.step) return { step: "starting" };
  if (custom.step === "export") return { step: "export", done: custom.done ?? 0, total: custom.total ?? 0 };
  return { step: custom.step };
}

function describeFailure(status: InstanceStatus | undefined): string {
  if (!status) return "no status";
  const output: unknown = status.output;
  if (typeof output === "string" && output) return output;
  return output === undefined || output === null ? status.runtimeStatus : JSON.stringify(output);
}

/** What each column of the backup summary counts (printed under the table). */
export const BACKUP_LEGEND = [
  "objects     entries in the snapshot: exported + carried",
  "exported    read from the source in this run (new or changed objects, folders, and all of a source that is read whole each time)",
  "carried     unchanged since the previous snapshot (same id, modified time and size, or etag): reused without reading it again",
  "skipped     not backed up, with a reason (over a size limit, a type the API cannot export): listed below and by `azdr snapshots show`",
  "failed      could not be read; the snapshot is PartiallyFailed",
  "new bodies  contents not already in the store (identical contents are stored once)",
].join("\n");

export async function backupCommand(
  ctx: CliContext,
  what: string,
  options: { source?: string },
): Promise<ExitCode> {
  const { out } = ctx;
  const wanted = plan(ctx, what, options.source);
  const unreachable = await failFast(
    ctx,
    workspacesFor(
      ctx,
      wanted.flatMap((w) => w.sourceIds),
    ),
  );
  if (unreachable !== undefined) return unreachable;
  const slot = slotStamp(ctx.now());
  const azdr = await startAzdr(ctx, "memory");
  const board = new ProgressBoard(out);
  const runs: Run[] = [];
  const skippedBySource = new Map<string, SkippedEntry[]>();
  let interrupted = false;
  try {
    const client = azdr.app.client();
    for (const { kind, sourceIds } of wanted) {
      const instanceId = backupInstanceId(kind, slot);
      const input: BackupRunInput = { kind, slot, sourceIds };
      await client.startNew(ORCHESTRATORS.backupRun, { instanceId, input });
      runs.push({ kind, instanceId, sourceIds });
      out.debug(`started ${instanceId} for ${sourceIds.join(", ")}`);
    }
    for (;;) {
      for (const run of runs) {
        run.status = await azdr.host.getStatus(run.instanceId);
        const finished = run.status && TERMINAL_STATUSES.has(run.status.runtimeStatus);
        const output = finished ? (run.status?.output as BackupRunOutput | undefined) : undefined;
        for (const [i, sourceId] of run.sourceIds.entries()) {
          const label = `${run.kind} ${sourceId}`;
          const outcome = output?.sources?.find((s) => s.sourceId === sourceId);
          if (outcome) {
            board.update(label, label, {
              step: "done",
              final: `${outcome.phase} (${outcome.objects} objects)`,
            });
            continue;
          }
          if (finished) {
            board.update(label, label, { step: "done", final: run.status?.runtimeStatus ?? "ended" });
            continue;
          }
          const sub = await azdr.host.getStatus(`${run.instanceId}:${i}`);
          const step = describeStep(sub?.customStatus as SourceStatus | undefined);
          board.update(label, label, { ...step, unit: "batches" });
        }
      }
      board.render();
      if (runs.every((r) => r.status && TERMINAL_STATUSES.has(r.status.runtimeStatus))) break;
      if (ctx.signal?.aborted) {
        interrupted = true;
        break;
      }
      await pause(ctx.io.pollMs ?? 250, ctx.signal);
    }
    board.finish();
    // What was skipped and why, from each committed manifest: the summary lists it, not just a count.
    for (const run of runs) {
      const output = run.status?.output as BackupRunOutput | undefined;
      for (const outcome of output?.sources ?? []) {
        if (outcome.skipped === 0) continue;
        const source = backupSourceFor(run.kind);
        const manifest = await azdr.runtime.store.readManifest({
          domain: source.domain,
          sourceId: outcome.sourceId,
          component: source.component,
          snapshotId: outcome.snapshotId,
        });
        if (manifest) skippedBySource.set(`${run.kind}|${outcome.sourceId}`, manifest.skipped);
      }
    }
  } finally {
    await azdr.close();
  }
  if (interrupted) {
    out.err(
      `interrupted: sources still running were not committed (no partial snapshot is ever visible). Re-run \`azdr backup ${what}\`: unchanged objects are carried over, so the re-run is cheap.`,
    );
    return EXIT.interrupted;
  }

  const result: BackupResult = {
    slot,
    phase: "Completed",
    runs: runs.map((run) => {
      const output = run.status?.output as BackupRunOutput | undefined;
      const failed = run.status?.runtimeStatus !== "Completed";
      return {
        kind: run.kind,
        instanceId: run.instanceId,
        runtimeStatus: run.status?.runtimeStatus ?? "unknown",
        phase: failed ? "Failed" : (output?.phase ?? "Failed"),
        sources: failed
          ? []
          : (output?.sources ?? []).map((s) => {
              const skippedObjects = skippedBySource.get(`${run.kind}|${s.sourceId}`);
              return skippedObjects ? { ...s, skippedObjects } : s;
            }),
        ...(failed ? { error: describeFailure(run.status) } : {}),
      };
    }),
  };
  const phases = result.runs.flatMap((r) => (r.sources.length ? r.sources.map((s) => s.phase) : [r.phase]));
  result.phase = runPhase(phases as SnapshotPhase[]);

  if (out.json) out.result(result);
  else {
    const rows = result.runs.flatMap((r) =>
      r.sources.map((s) => [
        r.kind,
        s.sourceId,
        s.phase,
        s.objects,
        s.exported,
        s.carried,
        s.skipped,
        s.failed,
        s.newBodies,
        formatBytes(s.bytes),
      ]),
    );
    out.out(
      table(
        [
          "kind",
          "source",
          "phase",
          "objects",
          "exported",
          "carried",
          "skipped",
          "failed",
          "new bodies",
          "bytes",
        ],
        rows,
      ),
    );
    out.out("");
    out.out(BACKUP_LEGEND);
    out.out("");
    for (const r of result.runs) {
      if (r.error) out.out(`${r.kind}: the run ${r.runtimeStatus}: ${r.error}`);
      for (const s of r.sources) {
        for (const reason of s.reasons) out.out(`${r.kind} ${s.sourceId}: ${reason}`);
        const skippedObjects = s.skippedObjects ?? [];
        for (const skip of skippedObjects.slice(0, SKIPPED_SHOWN))
          out.out(`${r.kind} ${s.sourceId}: skipped ${skip.path} (${skip.kind}): ${skip.reason}`);
        if (skippedObjects.length > SKIPPED_SHOWN)
          out.out(
            `${r.kind} ${s.sourceId}: … and ${skippedObjects.length - SKIPPED_SHOWN} more skipped (azdr snapshots show ${backupSourceFor(r.kind).domain}/${s.sourceId}/${backupSourceFor(r.kind).component}/${s.snapshotId} --all)`,
          );
        if (s.alreadyCommitted)
          out.out(`${r.kind} ${s.sourceId}: snapshot ${s.snapshotId} was already committed`);
      }
    }
    out.out(
      `${result.phase}: snapshot ${slot} (inspect with \`azdr snapshots list\`, check with \`azdr snapshots verify\`)`,
    );
  }
  return result.phase === "Completed" ? EXIT.ok : result.phase === "Failed" ? EXIT.failed : EXIT.partial;
}
