// AI/BI (Lakeview) dashboards: backed up through the Lakeview API as their draft (display name,
// folder, serialized definition, warehouse) and whether and how they were published. Restored as a
// draft at the same path — the definition rewritten by the storage and workspace-URL remap rules
// when the request opts in to body rewriting (--rewrite-bodies),
// the warehouse mapped to the restored one — then published again when the backup's was published
// (with the same embed_credentials). Validated field by field: path, definition, warehouse, publish
// state. Schedules and subscriptions are not backed up yet.
import { databricksApis, type Dashboard } from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import { remapStorage } from "../../restore/engine/remap.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet } from "../compare.js";
import { mapLimit } from "../../concurrency.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";
import { bodyRules } from "./bodies.js";
import { sqlWarehouse, WAREHOUSE_IDS } from "./sql-warehouse.js";

/** What the backup stores of one dashboard. */
export interface DashboardBackup {
  dashboard_id: string;
  display_name: string;
  parent_path: string;
  path: string;
  serialized_dashboard: string;
  warehouse_id?: string;
  /** Present when the dashboard was published. */
  published?: { embed_credentials: boolean; warehouse_id?: string };
}

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "dashboards",
  title: "AI/BI dashboards (drafts, published again if they were)",
  why: "After folders and SQL warehouses: a dashboard lives in a folder and runs on a warehouse.",
};

function targetDashboards(r: WorkspaceRestore): Promise<Map<string, Dashboard>> {
  return r.memo(STEP.name, async () => {
    const byPath = new Map<string, Dashboard>();
    for await (const d of databricksApis(r.client).lakeview.list()) if (d.path) byPath.set(d.path, d);
    return byPath;
  });
}

/** The target warehouse for a backed-up warehouse id: restored, same-named, or the same id. */
function warehouseFor(r: WorkspaceRestore, sourceId: string | undefined): string | undefined {
  if (!sourceId) return undefined;
  return r.ids[WAREHOUSE_IDS]?.[sourceId];
}

/** Source ids of the warehouses in the backup (the warehouses step restores them). */
function backedUp(r: WorkspaceRestore): Set<string> {
  return new Set(
    (r.manifests[CONFIG]?.entries ?? [])
      .filter((e) => e.kind === sqlWarehouse.kind)
      .map((e) => sqlWarehouse.idOf(e.path)),
  );
}

/** The definition holds SQL, like a notebook body: rewritten only when the request opts in. */
function restoredBody(r: WorkspaceRestore, backup: DashboardBackup): string {
  return remapStorage(backup.serialized_dashboard, bodyRules(r.request));
}

export const dashboard: WorkspaceKind = {
  kind: "dashboard",
  label: "AI/BI dashboard",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  needsIds: true,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "definition, warehouse, published state; schedules and ACLs not yet",
  },
  entryPath: (id) => jsonEntryPath("dashboards", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const lakeview = databricksApis(b.client).lakeview;
      const listed: Dashboard[] = [];
      for await (const d of lakeview.list()) listed.push(d);
      const entries = await mapLimit(listed, 4, async (summary) => {
        const full = await lakeview.get(summary.dashboard_id);
        const published = await lakeview.getPublished(summary.dashboard_id);
        const path = String(full.path);
        const body: DashboardBackup = {
          dashboard_id: full.dashboard_id,
          display_name: full.display_name,
          parent_path: full.parent_path ?? path.slice(0, path.lastIndexOf("/")),
          path,
          serialized_dashboard: full.serialized_dashboard ?? "",
          ...(full.warehouse_id ? { warehouse_id: full.warehouse_id } : {}),
          ...(published
            ? {
                published: {
                  embed_credentials: published.embed_credentials ?? false,
                  ...(published.warehouse_id && published.warehouse_id !== full.warehouse_id
                    ? { warehouse_id: published.warehouse_id }
                    : {}),
                },
              }
            : {}),
        };
        return b.ctx.store.putJson(dashboard.entryPath(full.dashboard_id), dashboard.kind, body, {
          name: path,
          published: published !== undefined,
        });
      });
      return { entries, work: [], summary: { dashboards: entries.length } };
    },
  },

  async plan(r, entries) {
    const existing = await targetDashboards(r);
    const backedUpWarehouses = backedUp(r);
    const items = [];
    for (const entry of entries) {
      const backup = (await bodyOf(r, entry)) as unknown as DashboardBackup;
      const decision = existingAction(existing.has(backup.path), r.request, `dashboard "${backup.path}"`);
      const warehouses = [backup.warehouse_id, backup.published?.warehouse_id].filter(
        (w): w is string => !!w,
      );
      const unknown = warehouses.filter((w) => !backedUpWarehouses.has(w) && !warehouseFor(r, w));
      let reason = decision.reason;
      if (decision.action !== "skip") {
        if (unknown.length)
          reason += `; its warehouse ${unknown.join(", ")} is neither in the backup nor in the target: restored as a draft without a warehouse${backup.published ? ", not published" : ""}`;
        else if (backup.published) reason += "; published again (it was published)";
        else reason += "; restored as a draft (it was not published)";
      }
      items.push({
        ...itemBase(dashboard, entry, backup.path, backup.dashboard_id),
        ...decision,
        reason,
      });
    }
    return { items };
  },

  async apply(r, item) {
    const lakeview = databricksApis(r.client).lakeview;
    const backup = (await bodyOf(r, item)) as unknown as DashboardBackup;
    const warehouse = warehouseFor(r, backup.warehouse_id);
    const draft = {
      display_name: backup.display_name,
      parent_path: backup.parent_path,
      serialized_dashboard: restoredBody(r, backup),
      ...(warehouse ? { warehouse_id: warehouse } : {}),
    };
    let target = (await targetDashboards(r)).get(backup.path);
    let status: "created" | "updated" | "skipped";
    if (target && item.action !== "update") {
      status = "skipped";
    } else if (target) {
      const { parent_path: _fixed, ...changes } = draft;
      target = await lakeview.update(target.dashboard_id, changes);
      status = "updated";
    } else {
      await databricksApis(r.client).workspace.mkdirs(backup.parent_path);
      try {
        target = await lakeview.create(draft);
        status = "created";
      } catch (error) {
        // Made since the plan read the target (a lost answer of an earlier attempt): keep it, and
        // still publish it below.
        if (!isAzdrError(error, "ALREADY_EXISTS")) throw error;
        for await (const d of lakeview.list()) if (d.path === backup.path) target = d;
        if (!target) throw error;
        status = "created";
      }
    }
    if (status === "skipped") return { status, detail: "already exists (created by an earlier attempt?)" };
    if (!backup.published) return { status, detail: "draft" };
    if (!warehouse)
      return { status, detail: "draft: no warehouse to publish on (not in the backup or target)" };
    const publishOn = warehouseFor(r, backup.published.warehouse_id);
    await lakeview.publish(target.dashboard_id, {
      embed_credentials: backup.published.embed_credentials,
      ...(publishOn ? { warehouse_id: publishOn } : {}),
    });
    return { status, detail: "published" };
  },

  async validate(r, planned) {
    const lakeview = databricksApis(r.client).lakeview;
    const existing = await targetDashboards(r);
    return [
      await checkSet(
        "AI/BI dashboards restored (definition, warehouse, published)",
        planned,
        async (item) => {
          const backup = (await bodyOf(r, item)) as unknown as DashboardBackup;
          const summary = existing.get(backup.path);
          if (!summary) return "missing";
          const have = await lakeview.get(summary.dashboard_id);
          const problems: string[] = [];
          if (have.serialized_dashboard !== restoredBody(r, backup)) problems.push("serialized_dashboard");
          const warehouse = warehouseFor(r, backup.warehouse_id);
          if (warehouse && have.warehouse_id !== warehouse) problems.push("warehouse_id");
          // Its warehouse was in the backup, so it should have come back: not published is a miss.
          if (backup.published && !warehouse && backup.warehouse_id && backedUp(r).has(backup.warehouse_id))
            problems.push(`published (not published: warehouse ${backup.warehouse_id} was not restored)`);
          if (backup.published && warehouse) {
            const published = await lakeview.getPublished(summary.dashboard_id);
            if (!published) problems.push("published (not published)");
            else if ((published.embed_credentials ?? false) !== backup.published.embed_credentials)
              problems.push("published.embed_credentials");
          }
          return problems.length ? `differs in ${problems.join(", ")}` : undefined;
        },
      ),
    ];
  },
};
