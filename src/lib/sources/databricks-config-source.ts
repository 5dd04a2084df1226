// Hourly backup of workspace configuration (runbook 4.3; the RPO table asks 1 hour for jobs): every
// workspace kind of the workspace-config snapshot, listed by its handler (src/lib/kinds/workspace/,
// registry order) and read in batches routed back to it, plus the permissions of notebooks,
// directories and workspace files (by object id, from the newest workspace-objects snapshot).
import type { BackupSource } from "../backup/engine.js";
import type { DatabricksClient } from "../clients/databricks.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import { CONFIG, workspaceBackup } from "../kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceKind } from "../kinds/workspace/index.js";
import { isLegacy } from "../kinds/workspace/legacy.js";
import {
  isPermissionsWork,
  permissionsWork,
  type PermissionObjectType,
} from "../kinds/workspace/permissions-work.js";
import type { KindWork } from "../kinds/types.js";
import {
  type FailedEntry,
  type ManifestEntry,
  type SkippedEntry,
  type VanishedEntry,
} from "../store/manifest.js";
import type { SourceContext } from "./context.js";
import { workspaceConfigFor, workspaceLabel } from "./databricks-notebooks-source.js";
import { listTree, workspaceHealth } from "./databricks-workspace.js";
import { mapLimit } from "../concurrency.js";

export type ConfigWork = KindWork;

const OBJECT_PERMISSION_TYPES: Record<string, PermissionObjectType> = {
  NOTEBOOK: "notebooks",
  DIRECTORY: "directories",
  FILE: "files",
};

/**
 * Notebook, folder and workspace file permissions are keyed by object id. The ids come from the newest good
 * workspace-objects snapshot; when there is none yet (a first `backup all`, where both kinds start
 * together) the tree is listed here, so the first config snapshot is never silently without them.
 */
async function planObjectPermissions(
  ctx: SourceContext,
  client: DatabricksClient,
  sourceId: string,
): Promise<{
  work: ConfigWork[];
  failed: FailedEntry[];
  vanished: VanishedEntry[];
  from: "workspace-objects snapshot" | "workspace listing";
}> {
  const objects: { kind: string; path: string; objectId: unknown }[] = [];
  const good = await ctx.store.latestGood("databricks", sourceId, "workspace-objects");
  const manifest = good
    ? await ctx.store.readManifest({
        domain: "databricks",
        sourceId,
        component: "workspace-objects",
        snapshotId: good.snapshotId,
      })
    : undefined;
  let listing: { failed: FailedEntry[]; vanished: VanishedEntry[] } = { failed: [], vanished: [] };
  if (manifest) {
    for (const entry of manifest.entries)
      objects.push({ kind: entry.kind, path: entry.path, objectId: entry.meta?.["objectId"] });
  } else {
    const workspace = workspaceConfigFor(ctx, sourceId);
    const tree = await listTree(client, workspace.backupRoot, {
      concurrency: ctx.config.limits.maxConcurrentRequests,
      health: workspaceHealth(client, workspaceLabel(workspace), workspace.backupRoot),
    });
    listing = tree;
    for (const object of tree.objects)
      objects.push({ kind: object.object_type ?? "", path: object.path ?? "", objectId: object.object_id });
  }
  const work: ConfigWork[] = [];
  for (const { kind, path, objectId } of objects) {
    const objectType = OBJECT_PERMISSION_TYPES[kind];
    if (!objectType || typeof objectId !== "number" || objectId === 0) continue;
    work.push(permissionsWork(objectType, String(objectId), path));
  }
  return {
    work,
    failed: listing.failed,
    vanished: listing.vanished,
    from: manifest ? "workspace-objects snapshot" : "workspace listing",
  };
}

export const configSource: BackupSource<SourceContext, ConfigWork> = {
  kind: "databricks-config",
  domain: "databricks",
  component: "workspace-config",

  async plan(ctx, target, previous) {
    const workspace = workspaceConfigFor(ctx, target.sourceId);
    const client = ctx.databricks(target.sourceId);
    const entries: ManifestEntry[] = [];
    const work: ConfigWork[] = [];

    // Kinds with their own handler module, in registry order.
    const handled: Record<string, unknown> = {};
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    for (const handler of WORKSPACE_KINDS) {
      if (isLegacy(handler) || handler.component !== CONFIG || !handler.backup) continue;
      const listing = await handler.backup.list(workspaceBackup(ctx, target.sourceId, previous));
      entries.push(...listing.entries);
      work.push(...listing.work);
      skipped.push(...(listing.skipped ?? []));
      failed.push(...(listing.failed ?? []));
      vanished.push(...(listing.vanished ?? []));
      Object.assign(handled, listing.summary);
    }

    const objectPermissions = await planObjectPermissions(ctx, client, target.sourceId);
    work.push(...objectPermissions.work);
    return {
      carried: {
        entries,
        skipped,
        failed: [...failed, ...objectPermissions.failed],
        vanished: [...vanished, ...objectPermissions.vanished],
      },
      work,
      summary: {
        workspaceUrl: workspace.url,
        objectPermissionsFrom: objectPermissions.from,
        ...handled,
      },
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
        if (isPermissionsWork(item)) {
          const acl = await b.api.permissions.get(item.objectType, item.objectId);
          entries.push(
            await ctx.store.putJson(
              `permissions/${item.objectType}/${item.objectId}.json`,
              "permissions",
              acl,
              { label: item.label },
            ),
          );
        } else {
          const backup = workspaceKind(item.kind)?.backup;
          if (!backup?.read)
            throw new AzdrError("INTERNAL", `no handler reads backup work of kind ${item.kind}`);
          entries.push(...(await backup.read(b, item)));
        }
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
