// Hourly backup of workspace configuration (runbook 4.3; the RPO table asks 1 hour for jobs): every
// workspace kind of the workspace-config snapshot, listed by its handler (src/lib/kinds/workspace/,
// registry order) and read in batches routed back to it (direct ACLs included: the permissions
// handler lists those of notebooks, folders and files, other handlers queue their objects').
import type { BackupSource } from "../backup/engine.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import { CONFIG, workspaceBackup } from "../kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceKind } from "../kinds/workspace/index.js";
import type { KindWork } from "../kinds/types.js";
import {
  type FailedEntry,
  type ManifestEntry,
  type SkippedEntry,
  type VanishedEntry,
} from "../store/manifest.js";
import type { SourceContext } from "./context.js";
import { workspaceConfigFor, workspaceLabel } from "./databricks-notebooks-source.js";
import { workspaceHealth } from "./databricks-workspace.js";
import { mapLimit } from "../concurrency.js";

export type ConfigWork = KindWork;

export const configSource: BackupSource<SourceContext, ConfigWork> = {
  kind: "databricks-config",
  domain: "databricks",
  component: "workspace-config",

  async plan(ctx, target, previous) {
    const workspace = workspaceConfigFor(ctx, target.sourceId);
    const entries: ManifestEntry[] = [];
    const work: ConfigWork[] = [];

    // Kinds with their own handler module, in registry order.
    const handled: Record<string, unknown> = {};
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    for (const handler of WORKSPACE_KINDS) {
      if (handler.component !== CONFIG || !handler.backup) continue;
      const listing = await handler.backup.list(workspaceBackup(ctx, target.sourceId, previous));
      entries.push(...listing.entries);
      work.push(...listing.work);
      skipped.push(...(listing.skipped ?? []));
      failed.push(...(listing.failed ?? []));
      vanished.push(...(listing.vanished ?? []));
      Object.assign(handled, listing.summary);
    }

    return {
      carried: { entries, skipped, failed, vanished },
      work,
      summary: { workspaceUrl: workspace.url, ...handled },
    };
  },

  async runBatch(ctx, target, work) {
    const client = ctx.databricks(target.sourceId);
    // Jobs, clusters and permissions hang off the workspace itself: an object that answers 404 has
    // vanished only while the workspace still answers.
    const health = workspaceHealth(client, workspaceLabel(workspaceConfigFor(ctx, target.sourceId)), "/");
    const entries: ManifestEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    const b = workspaceBackup(ctx, target.sourceId);
    await mapLimit(work, ctx.config.limits.maxConcurrentRequests, async (item) => {
      try {
        const backup = workspaceKind(item.kind)?.backup;
        if (!backup?.read)
          throw new AzdrError("INTERNAL", `no handler reads backup work of kind ${item.kind}`);
        entries.push(...(await backup.read(b, item)));
      } catch (error) {
        if (isAzdrError(error) && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")) throw error;
        await health.checkAfter(error); // throws when the workspace itself is gone
        if (isAzdrError(error, "NOT_FOUND")) {
          vanished.push({ path: item.path, kind: item.kind }); // deleted since the plan: not in this snapshot
          return;
        }
        failed.push({ path: item.path, kind: item.kind, error: errorMessage(error) });
      }
    });
    return { entries, failed, vanished };
  },
};
