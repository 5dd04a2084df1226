// Databricks workspace objects (notebooks, files, directories), the backup side the folder,
// notebook and file handlers (kinds/workspace/) share: list the tree, decide what changed since
// the last good snapshot, and export in bounded batches, through the typed WorkspaceClient.
import type { DatabricksClient } from "../clients/databricks.js";
import { databricksApis, type ObjectInfo } from "../clients/databricks/index.js";
import { collect } from "../concurrency.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { Manifest, ManifestEntry, SkippedEntry, FailedEntry, VanishedEntry } from "../store/manifest.js";
import { sha256Hex } from "../store/manifest.js";
import type { BackupStore } from "../store/backup-store.js";
import { mapLimit } from "../concurrency.js";
import { SourceHealth, parentOf } from "./source-health.js";
import type { SourceContext } from "./context.js";

/** A workspace's config entry, or a clear error naming the known ones. */
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

/** Databricks refuses to export more than this. */
export const MAX_EXPORT_BYTES = 10 * 1024 * 1024;
export const EMPTY_SHA256 = sha256Hex("");

/** What the planner hands the export batches: enough to export and to describe in the manifest. */
export type WorkItem = {
  path: string;
  kind: "NOTEBOOK" | "FILE";
  objectId: number;
  modifiedAt: number;
  size?: number;
  language?: string;
};

export interface WorkspacePlan {
  /** Entries carried unchanged from the previous snapshot, plus directories. */
  carried: ManifestEntry[];
  skipped: SkippedEntry[];
  toExport: WorkItem[];
  directories: number;
  listed: number;
  listCalls: number;
}

/**
 * Object types this snapshot does not hold, with the reason; recorded as skipped. Git folders and
 * AI/BI dashboards are covered by the workspace-config snapshot (coveredBy).
 */
const UNSUPPORTED: Record<string, string> = {
  LIBRARY: "workspace libraries cannot be exported; reinstall them from their source package",
  DASHBOARD:
    "AI/BI dashboards are backed up through the Lakeview API with their warehouse and published state (see the dashboards in the workspace-config snapshot)",
  REPO: "Git folders are restored from their remote (see the repos in the workspace-config snapshot)",
};
const COVERED_BY: Record<string, string> = {
  REPO: "databricks-config: repos/",
  DASHBOARD: "databricks-config: dashboards/",
};

/** Probes "does this workspace path still exist" for completeness checks (see SourceHealth). */
export function workspaceHealth(client: DatabricksClient, label: string, root: string): SourceHealth {
  const api = databricksApis(client);
  return new SourceHealth(label, root, async (path) => {
    await api.workspace.getStatus(path);
  });
}

export interface TreeListing {
  objects: ObjectInfo[];
  calls: number;
  /** Directories deleted while we walked the tree (their parent still listed). */
  vanished: VanishedEntry[];
  /** Directories that disappeared together with their parent: the run cannot be called complete. */
  failed: FailedEntry[];
}

/**
 * Breadth-first listing of the tree under root, one directory per call, several directories at a
 * time (the client's rate limiter keeps the pace). A directory that answers 404 is checked: deleted
 * on its own it is recorded as vanished; when the root is gone too, the listing fails with
 * SourceUnavailableError (the workspace was deleted or replaced while we listed).
 */
export async function listTree(
  client: DatabricksClient,
  root: string,
  options: {
    concurrency?: number;
    onProgress?: (listed: number) => void;
    abortSignal?: AbortSignal;
    health?: SourceHealth;
  } = {},
): Promise<TreeListing> {
  const api = databricksApis(client);
  const objects: ObjectInfo[] = [];
  const vanished: VanishedEntry[] = [];
  const failed: FailedEntry[] = [];
  const health = options.health ?? workspaceHealth(client, `workspace ${client.host}`, root);
  const pending = [root];
  let calls = 0;
  let active = 0;
  const concurrency = options.concurrency ?? 8;
  await new Promise<void>((resolve, reject) => {
    let failedListing = false;
    const fail = (error: unknown) => {
      failedListing = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const pump = () => {
      if (failedListing) return;
      if (pending.length === 0 && active === 0) return resolve();
      while (active < concurrency && pending.length > 0) {
        const dir = pending.shift()!;
        active++;
        calls++;
        collect(api.workspace.list(dir, options.abortSignal ? { abortSignal: options.abortSignal } : {}))
          .then(
            (children) => {
              for (const object of children) {
                objects.push(object);
                if (object.object_type === "DIRECTORY" && object.path) pending.push(object.path);
              }
              options.onProgress?.(objects.length);
            },
            async (error: unknown) => {
              if (!isAzdrError(error, "NOT_FOUND") || dir === root) {
                await health.checkAfter(error);
                throw error;
              }
              const verdict = await health.classifyMissing(dir, error);
              if (verdict === "vanished") vanished.push({ path: dir, kind: "DIRECTORY" });
              else
                failed.push({
                  path: dir,
                  kind: "DIRECTORY",
                  error: `vanished during the listing together with its folder ${parentOf(dir)}: its contents are not in this snapshot`,
                });
            },
          )
          .catch(fail)
          .finally(() => {
            active--;
            pump();
          });
      }
    };
    pump();
  });
  // A vanished directory was listed by its parent first: it is not part of the snapshot.
  const gone = new Set([...vanished, ...failed].map((v) => v.path));
  return {
    objects: gone.size ? objects.filter((o) => !gone.has(o.path ?? "")) : objects,
    calls,
    vanished,
    failed,
  };
}

function unchanged(previous: ManifestEntry | undefined, object: ObjectInfo): boolean {
  if (!previous?.meta) return false;
  return (
    previous.meta["objectId"] === object.object_id &&
    previous.meta["modifiedAt"] === object.modified_at &&
    (object.size === undefined ||
      previous.meta["size"] === undefined ||
      previous.meta["size"] === object.size)
  );
}

/**
 * Compare the live tree with the previous manifest: unchanged objects are carried by hash, changed
 * and new ones are exported, unexportable ones are skipped with a reason.
 */
export function planWorkspaceBackup(
  objects: ObjectInfo[],
  previous: Manifest | undefined,
): Omit<WorkspacePlan, "listCalls"> {
  const before = new Map((previous?.entries ?? []).map((e) => [e.path, e]));
  const plan: Omit<WorkspacePlan, "listCalls"> = {
    carried: [],
    skipped: [],
    toExport: [],
    directories: 0,
    listed: objects.length,
  };
  for (const object of objects) {
    const path = object.path;
    const type = object.object_type;
    if (!path || !type) continue;
    if (type === "DIRECTORY") {
      plan.directories++;
      plan.carried.push({
        path,
        kind: "DIRECTORY",
        sha256: EMPTY_SHA256,
        size: 0,
        meta: { objectId: object.object_id },
      });
      continue;
    }
    if (type !== "NOTEBOOK" && type !== "FILE") {
      plan.skipped.push({
        path,
        kind: type,
        reason: UNSUPPORTED[type] ?? `object type ${type} is not exportable`,
        ...(COVERED_BY[type] ? { coveredBy: COVERED_BY[type] } : {}),
      });
      continue;
    }
    if (object.size !== undefined && object.size > MAX_EXPORT_BYTES) {
      plan.skipped.push({ path, kind: type, reason: `${object.size} bytes is over the 10 MB export limit` });
      continue;
    }
    const prior = before.get(path);
    if (prior && prior.kind === type && unchanged(prior, object)) {
      plan.carried.push(prior);
      continue;
    }
    plan.toExport.push({
      path,
      kind: type,
      objectId: object.object_id ?? 0,
      modifiedAt: object.modified_at ?? 0,
      ...(object.size !== undefined ? { size: object.size } : {}),
      ...(object.language ? { language: object.language } : {}),
    });
  }
  return plan;
}

export interface BatchResult {
  entries: ManifestEntry[];
  skipped: SkippedEntry[];
  failed: FailedEntry[];
  vanished: VanishedEntry[];
  exportedBytes: number;
  newBodies: number;
}

/**
 * Export one batch; per-object failures are data, never an exception, except when the workspace
 * itself is gone or refuses us (SourceUnavailableError, UNAUTHORIZED, FORBIDDEN): then nothing else
 * in the batch can succeed and the run must fail.
 */
export async function exportBatch(
  client: DatabricksClient,
  store: BackupStore,
  items: WorkItem[],
  options: { concurrency?: number; onObject?: () => void; health?: SourceHealth } = {},
): Promise<BatchResult> {
  const health = options.health ?? workspaceHealth(client, `workspace ${client.host}`, "/");
  const api = databricksApis(client);
  const result: BatchResult = {
    entries: [],
    skipped: [],
    failed: [],
    vanished: [],
    exportedBytes: 0,
    newBodies: 0,
  };
  await mapLimit(items, options.concurrency ?? 8, async (item) => {
    try {
      const response = await api.workspace.export(item.path, item.kind === "NOTEBOOK" ? "SOURCE" : "AUTO");
      const body = Buffer.from(response.content ?? "", "base64");
      const put = await store.putObject(body);
      result.exportedBytes += body.length;
      if (put.written) result.newBodies++;
      result.entries.push({
        path: item.path,
        kind: item.kind,
        sha256: put.sha256,
        size: put.size,
        meta: {
          objectId: item.objectId,
          modifiedAt: item.modifiedAt,
          ...(item.size !== undefined ? { size: item.size } : {}),
          ...(item.language ? { language: item.language } : {}),
          ...(response.file_type ? { fileType: response.file_type } : {}),
        },
      });
    } catch (error) {
      if (isAzdrError(error, "TOO_LARGE")) {
        // Every form the API uses (documented codes and the plain 400 with a size message).
        result.skipped.push({
          path: item.path,
          kind: item.kind,
          reason: `over the 10 MB export limit (${errorMessage(error)}); export it by hand (JUPYTER allows 100 MB)`,
        });
      } else if (isAzdrError(error, "NOT_FOUND")) {
        // Deleted between listing and export: fine while its folder is still there.
        const verdict = await health.classifyMissing(item.path, error);
        if (verdict === "vanished") result.vanished.push({ path: item.path, kind: item.kind });
        else
          result.failed.push({
            path: item.path,
            kind: item.kind,
            error: `vanished together with its folder ${parentOf(item.path)} during the backup`,
          });
      } else if (isAzdrError(error) && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")) {
        throw error; // nothing else in the batch can succeed either
      } else {
        await health.checkAfter(error); // a workspace that stopped answering fails the run
        result.failed.push({ path: item.path, kind: item.kind, error: errorMessage(error) });
      }
    }
    options.onObject?.();
  });
  return result;
}
