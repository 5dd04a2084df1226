// The target workspace's metastore assignment: every Unity Catalog call goes through it, so it is
// the first step. Assigned when the workspace has none and the config names the metastore (its
// default catalog as in the backup); a workspace assigned another metastore is a failure to fix
// by hand (runbook 7.4 step 8).
import { AzdrError, isAzdrError } from "../../errors.js";
import type { UnityCatalogClient } from "../../clients/databricks/index.js";
import { readSecurable, ucWork } from "./backup.js";
import { planState, type UcKind } from "./context.js";
import { text } from "./model.js";
import { readAssignment } from "./target.js";

/** The workspace's assignment; what to do when it has none. */
export async function currentAssignment(uc: UnityCatalogClient): Promise<Record<string, unknown>> {
  try {
    return await uc.currentMetastoreAssignment();
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) {
      throw new AzdrError(
        "NOT_FOUND",
        "the workspace has no Unity Catalog metastore assigned (runbook 7.3 step 2: assign the metastore, then retry)",
        { cause: error },
      );
    }
    throw error;
  }
}

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

  // The backup starts here: the assignment (stored by the listing) says which metastore the
  // workspace reads, checked against the config; the metastore itself is read like a securable
  // (its summary, grants).
  backup: {
    async list(b) {
      const assignment = await currentAssignment(b.uc);
      const summary = await b.uc.metastoreSummary();
      const metastoreId = String(summary["metastore_id"] ?? assignment["metastore_id"]);
      if (b.metastore.metastoreId && b.metastore.metastoreId !== metastoreId)
        throw new AzdrError(
          "CONFLICT",
          `workspace "${b.metastore.workspace}" is assigned metastore ${metastoreId}, but the config says ${b.metastore.metastoreId}; fix unityCatalog.metastores[].metastoreId`,
        );
      return {
        entries: [await b.ctx.store.putJson("metastore/assignment.json", "metastore-assignment", assignment)],
        work: [ucWork("metastore-assignment", "metastore", metastoreId, summary)],
        summary: { metastoreId, metastoreName: summary["name"], workspace: b.metastore.workspace },
      };
    },
    read: readSecurable,
  },

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
