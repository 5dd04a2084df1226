// Direct ACLs of workspace objects (Permissions API), one entry per object:
// permissions/<object type>/<source id>.json. Other kinds queue the reads of their objects' ACLs
// (permissionsWork in their backup listing); this kind lists notebooks, folders and files itself
// (their ids come from the workspace-objects snapshot). Restored last, on the NEW id of each object:
// a PUT replaces the object's whole direct ACL, so the plan reads the current one and says what the
// PUT takes away and adds, execution refuses to take away access granted since the approval, and
// the ACL being replaced is written to the run record before the PUT. Validated as sets.
import { isAzdrError } from "../../errors.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { remapPrincipal } from "../../restore/engine/remap.js";
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";
import type { FailedEntry, VanishedEntry } from "../../store/manifest.js";
import { mapLimit } from "../../concurrency.js";
import { workspaceConfigFor, workspaceLabel } from "../../sources/databricks-notebooks-source.js";
import { listTree, workspaceHealth } from "../../sources/databricks-workspace.js";
import { checkSet } from "../compare.js";
import { aclDiff, describeList, directEntries, sameAcl, toPutBody, type AclEntry } from "./acl.js";
import { targetTree } from "./workspace-object.js";
import { DASHBOARD_IDS } from "./dashboard.js";
import { EXPERIMENT_IDS } from "./mlflow-experiment.js";
import { PIPELINE_IDS } from "./pipeline.js";
import { WAREHOUSE_IDS } from "./sql-warehouse.js";
import {
  bodyOf,
  CONFIG,
  type WorkspaceBackup,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";
import {
  isPermissionsWork,
  permissionsWork,
  type PermissionObjectType,
  type PermissionsWork,
} from "./permissions-work.js";

type WorkspaceObjectType = "NOTEBOOK" | "DIRECTORY" | "FILE";

/**
 * Where the new id of an object with a backed-up ACL comes from: the run's id map of the kind that
 * restores it (filled by its apply and learn), or, for workspace objects, the object now at the
 * backed-up path (its label).
 */
const TARGET_IDS: Record<PermissionObjectType, { idMap: string } | { workspaceType: WorkspaceObjectType }> = {
  jobs: { idMap: "jobs" },
  clusters: { idMap: "clusters" },
  "cluster-policies": { idMap: "policies" },
  "instance-pools": { idMap: "pools" },
  warehouses: { idMap: WAREHOUSE_IDS },
  pipelines: { idMap: PIPELINE_IDS },
  dashboards: { idMap: DASHBOARD_IDS },
  experiments: { idMap: EXPERIMENT_IDS },
  notebooks: { workspaceType: "NOTEBOOK" },
  directories: { workspaceType: "DIRECTORY" },
  files: { workspaceType: "FILE" },
};

const WORKSPACE_OBJECT_PERMISSIONS: Partial<Record<string, PermissionObjectType>> = {
  NOTEBOOK: "notebooks",
  DIRECTORY: "directories",
  FILE: "files",
};

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "permissions",
  title: "Permissions",
  why: "Last: ACLs refer to the new ids of everything above.",
};

/** Where a permissions entry points: its object type and source id (permissions/<type>/<id>.json). */
function permissionOf(path: string): { objectType: PermissionObjectType; sourceId: string } {
  const [, objectType = "", file = ""] = path.split("/");
  return {
    objectType: objectType as PermissionObjectType,
    sourceId: decodeURIComponent(file.replace(/\.json$/, "")),
  };
}

/**
 * The id of the workspace object of this type at this path in the target, if there is one: from the
 * tree listing plan and validation read once, in a batch from the object itself (made minutes ago).
 */
async function workspaceObjectId(
  r: WorkspaceRestore,
  path: string,
  type: WorkspaceObjectType,
): Promise<string | undefined> {
  if (r.phase !== "execute") {
    const found = (await targetTree(r)).get(path);
    return found?.type === type ? String(found.objectId) : undefined;
  }
  try {
    const status = await r.api.workspace.getStatus(path);
    return status.object_type === type && status.object_id !== undefined
      ? String(status.object_id)
      : undefined;
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return undefined;
    throw error;
  }
}

/** The target id the ACL goes on, or undefined when the object is not (yet) in the target. */
async function targetIdOf(
  r: WorkspaceRestore,
  item: { key: string; target?: string },
): Promise<string | undefined> {
  const { objectType, sourceId } = permissionOf(item.key);
  const lookup = TARGET_IDS[objectType] as (typeof TARGET_IDS)[PermissionObjectType] | undefined;
  if (!lookup) return undefined;
  if ("idMap" in lookup) return r.ids[lookup.idMap]?.[sourceId];
  return workspaceObjectId(r, item.target ?? "", lookup.workspaceType);
}

async function currentAcl(
  r: WorkspaceRestore,
  objectType: PermissionObjectType,
  id: string,
): Promise<AclEntry[]> {
  return directEntries(await r.api.permissions.get(objectType, id));
}

/** The backed-up direct ACL, principals remapped. */
async function wantedAcl(r: WorkspaceRestore, item: { sha256?: string }): Promise<AclEntry[]> {
  return directEntries(await bodyOf(r, item), (p) => remapPrincipal(p, r.request.remap));
}

/**
 * Notebook, folder and workspace file permissions are keyed by object id. The ids come from the
 * newest good workspace-objects snapshot; when there is none yet (a first `backup all`, where both
 * kinds start together) the tree is listed here, so the first config snapshot is never silently
 * without them.
 */
async function listWorkspaceObjectPermissions(b: WorkspaceBackup): Promise<{
  work: PermissionsWork[];
  failed: FailedEntry[];
  vanished: VanishedEntry[];
  from: "workspace-objects snapshot" | "workspace listing";
}> {
  const { ctx, sourceId } = b;
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
    const tree = await listTree(b.client, workspace.backupRoot, {
      concurrency: ctx.config.limits.maxConcurrentRequests,
      health: workspaceHealth(b.client, workspaceLabel(workspace), workspace.backupRoot),
    });
    listing = tree;
    for (const object of tree.objects)
      objects.push({ kind: object.object_type ?? "", path: object.path ?? "", objectId: object.object_id });
  }
  const work: PermissionsWork[] = [];
  for (const { kind, path, objectId } of objects) {
    const objectType = WORKSPACE_OBJECT_PERMISSIONS[kind];
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

/** One entry's plan item, and its destructive line when the PUT takes access away. */
async function planOne(
  r: WorkspaceRestore,
  entry: { path: string; kind: string; sha256: string; meta?: Record<string, unknown> },
): Promise<{ item: PlanItem; destructive?: string }> {
  const { objectType } = permissionOf(entry.path);
  const label = typeof entry.meta?.["label"] === "string" ? entry.meta["label"] : entry.path;
  const base = { step: STEP.name, key: entry.path, kind: entry.kind, target: label, sha256: entry.sha256 };
  const targetId = await targetIdOf(r, base);
  if (!targetId)
    return {
      item: {
        ...base,
        // New object, new ACL: nothing in the target is replaced, so not an "update" an approver
        // would read as an overwrite.
        action: "create",
        reason: "object created by this restore: its direct ACL is set to the backup's (principals remapped)",
      },
    };
  const wanted = await wantedAcl(r, entry);
  const current = await currentAcl(r, objectType, targetId);
  const { lost, gained } = aclDiff(current, wanted);
  if (lost.length === 0 && gained.length === 0)
    return { item: { ...base, action: "skip", reason: "direct ACL already equal to the backup's" } };
  const change = `before: ${describeList(current)}; after: ${describeList(wanted)}`;
  return {
    item: {
      ...base,
      action: "update",
      reason: lost.length
        ? `REPLACES the existing direct ACL: loses ${describeList(lost)}; gains ${describeList(gained)} (${change})`
        : `adds ${describeList(gained)} to the existing direct ACL (${change})`,
      // What the approver saw: execution refuses to take away anything else.
      meta: { aclBefore: current },
    },
    ...(lost.length
      ? {
          destructive: `ACL of ${label} (${objectType} ${targetId}) REPLACED: loses ${describeList(lost)}; gains ${describeList(gained)}. Before: ${describeList(current)}. After: ${describeList(wanted)}.`,
        }
      : {}),
  };
}

export const permissions: WorkspaceKind = {
  kind: "permissions",
  label: "Permissions (direct ACLs)",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  needsIds: true,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    // Compute: clusters, policies, pools; workspace objects: notebooks, folders, files.
    note: "ACL sets of jobs, compute, workspace objects, warehouses, pipelines, dashboards, experiments",
  },
  // The id of an entry is "<object type>/<source object id>" (permissionsEntryPath).
  entryPath: (id) => `permissions/${id}.json`,
  idOf: (path) => path.replace(/^permissions\//, "").replace(/\.json$/, ""),

  backup: {
    async list(b) {
      const objects = await listWorkspaceObjectPermissions(b);
      return {
        entries: [],
        work: objects.work,
        failed: objects.failed,
        vanished: objects.vanished,
        summary: { objectPermissionsFrom: objects.from },
      };
    },
    async read(b, work) {
      if (!isPermissionsWork(work)) return [];
      const acl = await b.api.permissions.get(work.objectType, work.objectId);
      return [await b.ctx.store.putJson(work.path, permissions.kind, acl, { label: work.label })];
    },
  },

  async plan(r, entries) {
    const planned = await mapLimit(entries, 8, (entry) => planOne(r, entry));
    return {
      items: planned.map((p) => p.item),
      destructive: planned.flatMap((p) => (p.destructive ? [p.destructive] : [])),
    };
  },

  async apply(r, item) {
    const { objectType, sourceId } = permissionOf(item.key);
    const targetId = await targetIdOf(r, item);
    if (!targetId) return { status: "skipped", detail: `${objectType} ${sourceId} was not restored` };
    const wanted = await wantedAcl(r, item);
    const current = await currentAcl(r, objectType, targetId);
    if (sameAcl(current, wanted))
      return { status: "skipped", detail: "direct ACL already equal to the backup's" };
    // The approved plan showed what this PUT takes away; access granted since then is not revoked
    // behind the approver's back.
    const seen = item.meta?.["aclBefore"] as AclEntry[] | undefined;
    const unseen = aclDiff(seen ?? [], aclDiff(current, wanted).lost).gained;
    if (seen && unseen.length)
      return {
        status: "failed",
        detail: `the direct ACL changed since the plan was approved: replacing it now would also remove ${describeList(unseen)}; left as it is (now: ${describeList(current)}). Re-run the restore to plan it again.`,
      };
    // The ACL being replaced goes to the run record first: what an undo needs.
    await r.ctx.store.blobs.put(
      REPORTS_CONTAINER,
      runRecordPath(r.planId!, `prior/permissions/${objectType}/${encodeURIComponent(targetId)}.json`),
      JSON.stringify({
        objectType,
        objectId: targetId,
        label: item.target,
        readAt: new Date().toISOString(),
        access_control_list: toPutBody(current),
      }),
      "application/json",
    );
    await r.api.permissions.set(objectType, targetId, toPutBody(wanted));
    const { lost } = aclDiff(current, wanted);
    return {
      status: item.action === "create" ? "created" : "updated",
      ...(lost.length ? { detail: `replaced; removed ${describeList(lost)}` } : {}),
    };
  },

  async validate(r, planned) {
    return [
      await checkSet("permissions restored (direct ACL sets)", planned, async (item) => {
        const { objectType, sourceId } = permissionOf(item.key);
        const id = await targetIdOf(r, item);
        if (!id) return `${objectType} ${sourceId} is not in the target`;
        const wanted = await wantedAcl(r, item);
        let current: AclEntry[];
        try {
          current = await currentAcl(r, objectType, id);
        } catch (error) {
          if (isAzdrError(error, "NOT_FOUND")) return `${objectType} ${id} is not in the target`;
          throw error;
        }
        const { lost, gained } = aclDiff(current, wanted);
        if (!lost.length && !gained.length) return undefined;
        return `${objectType} ${id}: ${gained.length ? `lacks ${describeList(gained)}` : ""}${gained.length && lost.length ? "; " : ""}${lost.length ? `also has ${describeList(lost)}` : ""}`;
      }),
    ];
  },
};
