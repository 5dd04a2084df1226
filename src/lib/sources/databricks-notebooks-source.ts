// Hourly backup of workspace notebooks and files (runbook 4.3), incremental against the last good
// snapshot: only objects whose id, modified time or size changed are exported.
import type { BackupSource } from "../backup/engine.js";
import { AzdrError } from "../errors.js";
import type { SourceContext } from "./context.js";
import {
  exportBatch,
  listTree,
  planWorkspaceBackup,
  workspaceHealth,
  type WorkItem,
} from "./databricks-workspace.js";

export function workspaceConfigFor(ctx: SourceContext, workspaceId: string) {
  const workspace = ctx.config.databricks.workspaces.find((w) => w.id === workspaceId);
  if (!workspace) {
    throw new AzdrError(
      "INVALID_INPUT",
      `workspace "${workspaceId}" is not in databricks.workspaces (known: ${ctx.config.databricks.workspaces.map((w) => w.id).join(", ") || "none"})`,
    );
  }
  return workspace;
}

/** How a workspace is named in a run's reasons: its config id and URL. */
export function workspaceLabel(workspace: { id: string; url: string }): string {
  return `workspace "${workspace.id}" (${workspace.url})`;
}

export const notebooksSource: BackupSource<SourceContext, WorkItem> = {
  kind: "databricks-notebooks",
  domain: "databricks",
  component: "workspace-objects",

  async plan(ctx, target, previous) {
    const workspace = workspaceConfigFor(ctx, target.sourceId);
    const client = ctx.databricks(target.sourceId);
    // As many directories in flight as the export batches use: at a realistic ~200 ms per call, the
    // former fixed 8 capped listing at 40/s, below workspace/list's published 50/s. The shared
    // per-family limiter still sets the pace (and caps in-flight requests at the same number).
    const listing = await listTree(client, workspace.backupRoot, {
      concurrency: ctx.config.limits.maxConcurrentRequests,
      health: workspaceHealth(client, workspaceLabel(workspace), workspace.backupRoot),
    });
    const { objects, calls } = listing;
    const previousManifest = previous ? await ctx.store.readManifest(previous) : undefined;
    const plan = planWorkspaceBackup(objects, previousManifest);
    // Directories are stored as empty bodies so every entry is verifiable; store it once.
    await ctx.store.putObject("");
    ctx.log.info("workspace listed", {
      workspace: target.sourceId,
      objects: plan.listed,
      directories: plan.directories,
      toExport: plan.toExport.length,
      carried: plan.carried.length - plan.directories,
      listCalls: calls,
    });
    return {
      carried: {
        entries: plan.carried,
        skipped: plan.skipped,
        failed: listing.failed,
        vanished: listing.vanished,
      },
      work: plan.toExport,
      reused: plan.carried.length - plan.directories,
      summary: {
        workspaceUrl: workspace.url,
        root: workspace.backupRoot,
        listCalls: calls,
        listed: plan.listed,
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
