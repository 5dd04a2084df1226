// Hourly backup of workspace notebooks and files (runbook 4.3), incremental against the last good
// snapshot: only objects whose id, modified time or size changed are exported. The folder, notebook
// and file handlers (src/lib/kinds/workspace/, registry order) list their share of one tree walk;
// the batches export what they queued (exportBatch: per-object outcomes and export stats).
import type { BackupSource } from "../backup/engine.js";
import { OBJECTS, workspaceBackup } from "../kinds/workspace/context.js";
import { WORKSPACE_KINDS } from "../kinds/workspace/index.js";
import type { FailedEntry, ManifestEntry, SkippedEntry, VanishedEntry } from "../store/manifest.js";
import type { SourceContext } from "./context.js";
import {
  exportBatch,
  workspaceConfigFor,
  workspaceHealth,
  workspaceLabel,
  type WorkItem,
} from "./databricks-workspace.js";

// Where other sources have always imported them from.
export { workspaceConfigFor, workspaceLabel };

export const notebooksSource: BackupSource<SourceContext, WorkItem> = {
  kind: "databricks-notebooks",
  domain: "databricks",
  component: "workspace-objects",

  async plan(ctx, target, previous) {
    const workspace = workspaceConfigFor(ctx, target.sourceId);
    const b = workspaceBackup(ctx, target.sourceId, previous);
    const entries: ManifestEntry[] = [];
    const work: WorkItem[] = [];
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    const listed: Record<string, unknown> = {};
    for (const handler of WORKSPACE_KINDS) {
      if (handler.component !== OBJECTS || !handler.backup) continue;
      const listing = await handler.backup.list(b);
      entries.push(...listing.entries);
      // The workspace-objects handlers queue exports of their own kind (WorkItem).
      work.push(...(listing.work as WorkItem[]));
      skipped.push(...(listing.skipped ?? []));
      failed.push(...(listing.failed ?? []));
      vanished.push(...(listing.vanished ?? []));
      Object.assign(listed, listing.summary);
    }
    const reused = entries.filter((e) => e.kind !== "DIRECTORY").length;
    ctx.log.info("workspace listed", {
      workspace: target.sourceId,
      objects: listed["listed"],
      directories: listed["directories"],
      toExport: work.length,
      carried: reused,
      listCalls: listed["listCalls"],
    });
    return {
      carried: { entries, skipped, failed, vanished },
      work,
      reused,
      summary: {
        workspaceUrl: workspace.url,
        root: workspace.backupRoot,
        listCalls: listed["listCalls"],
        listed: listed["listed"],
      },
    };
  },

  async runBatch(ctx, target, work) {
    const workspace = workspaceConfigFor(ctx, target.sourceId);
    const client = ctx.databricks(target.sourceId);
    const result = await exportBatch(client, ctx.store, work, {
      concurrency: ctx.config.limits.maxConcurrentRequests,
      health: workspaceHealth(client, workspaceLabel(workspace), workspace.backupRoot),
    });
    return {
      entries: result.entries,
      skipped: result.skipped,
      failed: result.failed,
      vanished: result.vanished,
      stats: {
        exportedBytes: result.exportedBytes,
        newBodies: result.newBodies,
        exported: result.entries.length,
      },
    };
  },
};
