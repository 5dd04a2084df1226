// The target workspace's metastore assignment: every Unity Catalog call goes through it, so it is
// the first step. Assigned when the workspace has none and the config names the metastore (its
// default catalog as in the backup); a workspace assigned another metastore is a failure to fix
// by hand (runbook 7.4 step 8).
import { planState, type UcKind } from "./context.js";
import { text } from "./model.js";
import { readAssignment } from "./target.js";

export const metastoreAssignment: UcKind = {
  kind: "metastore-assignment",
  label: "Metastore assignment",
  domain: "unity-catalog",
  component: "unity-catalog/metadata",
  step: {
    kind: "items",
    ordering: "serial",
    name: "metastore-assignment",
    title: "Metastore assignment",
    why: "Every Unity Catalog call goes through the target workspace, which must have the target metastore assigned first.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "assigned when the config names the metastore; default catalog",
  },
  entryPath: () => "metastore/assignment.json",
  idOf: () => "assignment",

  async plan(r) {
    const p = planState(r);
    const { assignment } = p;
    const metastoreId = assignment.metastoreId ?? r.target.configuredMetastoreId;
    if (assignment.metastoreId)
      return [
        {
          step: "metastore-assignment",
          key: `metastore/${assignment.metastoreId}`,
          kind: "metastore-assignment",
          action: "skip",
          reason: `workspace "${r.target.workspace}" is already assigned metastore ${assignment.metastoreId}`,
          target: assignment.metastoreId,
        },
      ];
    if (!metastoreId) return [];
    return [
      {
        step: "metastore-assignment",
        key: `metastore/${metastoreId}`,
        kind: "metastore-assignment",
        action: "create",
        reason: `assign metastore ${metastoreId} to workspace ${assignment.workspaceId ?? "?"} ("${r.target.workspace}")`,
        target: metastoreId,
        ...(r.backup.assignmentSha ? { sha256: r.backup.assignmentSha } : {}),
        ...(assignment.workspaceId ? { sourceId: assignment.workspaceId } : {}),
      },
    ];
  },

  async apply(r, item) {
    const metastoreId = item.target!;
    const assignment = await readAssignment(r.target.apis, r.target.workspaceUrl);
    if (assignment.metastoreId === metastoreId) return { status: "skipped", detail: "already assigned" };
    if (assignment.metastoreId)
      return {
        status: "failed",
        detail: `workspace is assigned metastore ${assignment.metastoreId}, not ${metastoreId}; re-assign it (runbook 7.4 step 8)`,
      };
    const workspaceId = item.sourceId ?? assignment.workspaceId;
    if (!workspaceId)
      return { status: "failed", detail: "the workspace id is unknown; assign the metastore yourself" };
    const backedUp = item.sha256 ? await r.definition(item.sha256) : {};
    await r.target.apis.unityCatalog.assignMetastore(Number(workspaceId), {
      metastore_id: metastoreId,
      default_catalog_name: text(backedUp["default_catalog_name"], "main"),
    });
    return { status: "created", detail: `assigned metastore ${metastoreId} to workspace ${workspaceId}` };
  },

  async validate(r) {
    const { assignment } = r.validation!;
    return [
      {
        name: "metastore assigned",
        ok: assignment.metastoreId !== undefined,
        expected: r.target.configuredMetastoreId ?? "a metastore",
        actual: assignment.metastoreId ?? "none",
      },
    ];
  },
};
