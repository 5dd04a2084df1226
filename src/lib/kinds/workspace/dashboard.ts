// AI/BI (Lakeview) dashboards: backed up through the Lakeview API as their draft (display name,
// folder, serialized definition, warehouse) and whether and how they were published. Restored as a
// draft at the same path — the definition rewritten by the storage and workspace-URL remap rules
// when the request opts in to body rewriting (--rewrite-bodies),
// the warehouse mapped to the restored one — then published again when the backup's was published
// (with the same embed_credentials). Validated field by field: path, definition, warehouse, publish
// state.
// Schedules and their subscriptions live in the dashboard's entry, not entries of their own: a
// schedule has no life without its dashboard, is created on the dashboard's NEW id right after it
// (so its own step could only wait for this one), and a changed schedule must re-store the dashboard
// anyway. Restored like jobs: PAUSED unless the request's jobsPaused is false (a DR copy must not
// start refreshing and mailing on its own), warehouse mapped through the warehouse id map. User
// subscribers keep their user id (account-level under identity federation); a notification
// destination is mapped by its display name to the target's destination of that name, and one that
// has none is a follow-up plan item naming the schedule and the destination, never dropped silently.
// Validated per schedule: cron, time zone, display name, pause status, warehouse after remap and the
// subscriber set. A dashboard this restore created (the id ledger says so) but left a draft because
// its warehouse was missing is finished by a re-run (updated, published, schedules), not skipped.
import {
  databricksApis,
  type Dashboard,
  type DashboardSchedule,
  type LakeviewClient,
  type ScheduleSpec,
  type Subscriber,
} from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { remapStorage } from "../../restore/engine/remap.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { canonical, checkSet } from "../compare.js";
import { collect, mapLimit } from "../../concurrency.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
  learnByName,
} from "./context.js";
import { bodyRules } from "./bodies.js";
import { permissionsWork } from "./permissions-work.js";
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
  /** Its schedules with their subscribers (absent in backups made before schedules were kept). */
  schedules?: ScheduleBackup[];
}

/** A schedule as backed up: what create takes, plus its subscribers. */
export interface ScheduleBackup extends ScheduleSpec {
  schedule_id: string;
  pause_status: "PAUSED" | "UNPAUSED";
  /** Destination subscribers carry the destination's display name: ids differ per workspace. */
  subscribers: (Subscriber & { destination_name?: string })[];
}

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "dashboards",
  title: "AI/BI dashboards (drafts, published again if they were)",
  why: "After folders and SQL warehouses: a dashboard lives in a folder and runs on a warehouse.",
};

/** The id map the permissions step reads: source dashboard id → target dashboard id. */
export const DASHBOARD_IDS = "dashboards";

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

/** How a schedule is told apart from its dashboard's others: its name, else its timing. */
function scheduleKey(s: Pick<DashboardSchedule, "display_name" | "cron_schedule">): string {
  return s.display_name ?? `${s.cron_schedule.quartz_cron_expression} ${s.cron_schedule.timezone_id}`;
}

function scheduleLabel(s: Pick<DashboardSchedule, "display_name" | "cron_schedule">): string {
  return `schedule "${scheduleKey(s)}"`;
}

/** The target's notification destinations by display name (ids differ per workspace). */
function targetDestinations(r: WorkspaceRestore): Promise<Map<string, string>> {
  return r.memo("notification-destinations", async () => {
    const byName = new Map<string, string>();
    for await (const d of r.api.lakeview.listNotificationDestinations()) byName.set(d.display_name, d.id);
    return byName;
  });
}

/** A subscriber as the target knows it, or undefined when its destination has no counterpart. */
function mapSubscriber(
  subscriber: ScheduleBackup["subscribers"][number],
  destinations: Map<string, string>,
): Subscriber | undefined {
  if (subscriber.user_subscriber) return { user_subscriber: subscriber.user_subscriber };
  const name = subscriber.destination_name;
  const id = name !== undefined ? destinations.get(name) : undefined;
  return id ? { destination_subscriber: { destination_id: id } } : undefined;
}

/** The schedule a restore writes: warehouse mapped, paused unless the request says otherwise. */
function restoredSchedule(r: WorkspaceRestore, backup: ScheduleBackup): ScheduleSpec {
  const warehouse = warehouseFor(r, backup.warehouse_id);
  return {
    cron_schedule: backup.cron_schedule,
    pause_status: r.request.jobsPaused ? "PAUSED" : backup.pause_status,
    ...(backup.display_name ? { display_name: backup.display_name } : {}),
    ...(warehouse ? { warehouse_id: warehouse } : {}),
  };
}

/** Subscribers whose destination the target lacks: follow-ups, one plan item each. */
function unmappedDestinations(
  backup: DashboardBackup,
  destinations: Map<string, string>,
): { schedule: ScheduleBackup; destinationId: string; name: string | undefined }[] {
  const out = [];
  for (const schedule of backup.schedules ?? [])
    for (const subscriber of schedule.subscribers)
      if (subscriber.destination_subscriber && !mapSubscriber(subscriber, destinations))
        out.push({
          schedule,
          destinationId: subscriber.destination_subscriber.destination_id,
          name: subscriber.destination_name,
        });
  return out;
}

/** Read a dashboard's schedules and subscribers from the source. */
async function backupSchedules(
  lakeview: LakeviewClient,
  dashboardId: string,
  destinationNames: () => Promise<Map<string, string>>,
): Promise<ScheduleBackup[]> {
  const out: ScheduleBackup[] = [];
  for await (const schedule of lakeview.listSchedules(dashboardId)) {
    const subscribers: ScheduleBackup["subscribers"] = [];
    for await (const s of lakeview.listSubscriptions(dashboardId, String(schedule.schedule_id))) {
      const destination = s.subscriber.destination_subscriber;
      if (destination)
        subscribers.push({
          destination_subscriber: { destination_id: destination.destination_id },
          ...((await destinationNames()).has(destination.destination_id)
            ? { destination_name: (await destinationNames()).get(destination.destination_id) }
            : {}),
        });
      else if (s.subscriber.user_subscriber)
        subscribers.push({ user_subscriber: { user_id: s.subscriber.user_subscriber.user_id } });
    }
    out.push({
      schedule_id: String(schedule.schedule_id),
      cron_schedule: schedule.cron_schedule,
      pause_status: schedule.pause_status ?? "UNPAUSED",
      ...(schedule.display_name ? { display_name: schedule.display_name } : {}),
      ...(schedule.warehouse_id ? { warehouse_id: schedule.warehouse_id } : {}),
      subscribers,
    });
  }
  return out;
}

/**
 * Create the backup's schedules on the restored dashboard (or replace same-named ones when
 * `replace`), then subscribe every mappable subscriber it lacks. Idempotent: a re-run finds what
 * an earlier attempt made.
 */
async function applySchedules(
  r: WorkspaceRestore,
  dashboardId: string,
  backup: DashboardBackup,
  replace: boolean,
): Promise<{ schedules: number; subscriptions: number }> {
  const lakeview = r.api.lakeview;
  const schedules = backup.schedules ?? [];
  if (schedules.length === 0) return { schedules: 0, subscriptions: 0 };
  const destinations = await targetDestinations(r);
  const existing = new Map(
    (await collect(lakeview.listSchedules(dashboardId))).map((s) => [scheduleKey(s), s]),
  );
  let subscriptions = 0;
  for (const schedule of schedules) {
    const spec = restoredSchedule(r, schedule);
    let target = existing.get(scheduleKey(schedule));
    if (!target) target = await lakeview.createSchedule(dashboardId, spec);
    else if (replace)
      target = await lakeview.updateSchedule(dashboardId, String(target.schedule_id), {
        ...spec,
        etag: String(target.etag),
      });
    const scheduleId = String(target.schedule_id);
    const current = await collect(lakeview.listSubscriptions(dashboardId, scheduleId));
    const have = new Set(current.map((s) => canonical(s.subscriber)));
    // existing=update makes the subscriber set the backup's: subscribers it does not have go.
    if (replace) {
      const keep = new Set(
        schedule.subscribers
          .map((s) => mapSubscriber(s, destinations))
          .filter((s): s is Subscriber => s !== undefined)
          .map((s) => canonical(s)),
      );
      for (const extra of current.filter((s) => !keep.has(canonical(s.subscriber))))
        await lakeview.deleteSubscription(dashboardId, scheduleId, String(extra.subscription_id));
    }
    for (const subscriber of schedule.subscribers) {
      const mapped = mapSubscriber(subscriber, destinations);
      if (!mapped || have.has(canonical(mapped))) continue;
      try {
        await lakeview.createSubscription(dashboardId, scheduleId, mapped);
        subscriptions++;
      } catch (error) {
        // Made by an earlier attempt whose answer was lost.
        if (!isAzdrError(error, "ALREADY_EXISTS")) throw error;
      }
    }
  }
  return { schedules: schedules.length, subscriptions };
}

/** Schedule problems of a restored dashboard: each names the schedule and the field. */
async function scheduleProblems(
  r: WorkspaceRestore,
  dashboardId: string,
  backup: DashboardBackup,
): Promise<string[]> {
  const schedules = backup.schedules ?? [];
  if (schedules.length === 0) return [];
  const lakeview = r.api.lakeview;
  const destinations = await targetDestinations(r);
  const have = new Map((await collect(lakeview.listSchedules(dashboardId))).map((s) => [scheduleKey(s), s]));
  const problems: string[] = [];
  for (const schedule of schedules) {
    const target = have.get(scheduleKey(schedule));
    if (!target) {
      problems.push(`${scheduleLabel(schedule)} missing`);
      continue;
    }
    const want = restoredSchedule(r, schedule);
    const fields: string[] = [];
    if (target.cron_schedule.quartz_cron_expression !== want.cron_schedule.quartz_cron_expression)
      fields.push("cron_schedule.quartz_cron_expression");
    if (target.cron_schedule.timezone_id !== want.cron_schedule.timezone_id)
      fields.push("cron_schedule.timezone_id");
    if ((target.display_name ?? undefined) !== want.display_name) fields.push("display_name");
    if ((target.pause_status ?? "UNPAUSED") !== want.pause_status) fields.push("pause_status");
    if ((target.warehouse_id ?? undefined) !== want.warehouse_id) fields.push("warehouse_id");
    const wanted = schedule.subscribers
      .map((s) => mapSubscriber(s, destinations))
      .filter((s): s is Subscriber => s !== undefined)
      .map((s) => canonical(s))
      .sort();
    const subscribed = (await collect(lakeview.listSubscriptions(dashboardId, String(target.schedule_id))))
      .map((s) => canonical(s.subscriber))
      .sort();
    if (canonical(wanted) !== canonical(subscribed)) fields.push("subscribers");
    if (fields.length) problems.push(`${scheduleLabel(schedule)} differs in ${fields.join(", ")}`);
  }
  return problems;
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
    note: "definition, warehouse, published state, schedules (created paused) and subscribers",
  },
  entryPath: (id) => jsonEntryPath("dashboards", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const lakeview = databricksApis(b.client).lakeview;
      const listed: Dashboard[] = [];
      for await (const d of lakeview.list()) listed.push(d);
      // Source destination names, read once and only when a subscriber names a destination.
      let names: Promise<Map<string, string>> | undefined;
      const destinationNames = () =>
        (names ??= collect(lakeview.listNotificationDestinations()).then(
          (all) => new Map(all.map((d) => [d.id, d.display_name])),
        ));
      let scheduleCount = 0;
      const entries = await mapLimit(listed, 4, async (summary) => {
        const full = await lakeview.get(summary.dashboard_id);
        const published = await lakeview.getPublished(summary.dashboard_id);
        const schedules = await backupSchedules(lakeview, summary.dashboard_id, destinationNames);
        scheduleCount += schedules.length;
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
          ...(schedules.length ? { schedules } : {}),
        };
        return b.ctx.store.putJson(dashboard.entryPath(full.dashboard_id), dashboard.kind, body, {
          name: path,
          published: published !== undefined,
          schedules: schedules.length,
        });
      });
      return {
        entries,
        work: listed.map((d) =>
          permissionsWork("dashboards", d.dashboard_id, `AI/BI dashboard ${d.path ?? d.display_name}`),
        ),
        summary: { dashboards: entries.length, dashboardSchedules: scheduleCount },
      };
    },
  },

  async learn(r, entries) {
    learnByName(r, DASHBOARD_IDS, dashboard, entries, await targetDashboards(r), (d) => d.dashboard_id);
  },

  async plan(r, entries) {
    const existing = await targetDashboards(r);
    const backedUpWarehouses = backedUp(r);
    const ledger = await r.ledger();
    const items: PlanItem[] = [];
    for (const entry of entries) {
      const backup = (await bodyOf(r, entry)) as unknown as DashboardBackup;
      const found = existing.get(backup.path);
      let decision = existingAction(found !== undefined, r.request, `dashboard "${backup.path}"`);
      // Made by an earlier run of this restore and left a draft (its warehouse was missing then):
      // finished now rather than skipped as if someone else owned it.
      if (
        found &&
        decision.action === "skip" &&
        backup.published &&
        ledger.fact("dashboards", backup.dashboard_id)?.targetId === found.dashboard_id &&
        !(await r.api.lakeview.getPublished(found.dashboard_id))
      )
        decision = {
          action: "update",
          reason: `restored earlier by azdr into dashboard ${found.dashboard_id} as a draft: finished now`,
        };
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
        const schedules = backup.schedules ?? [];
        if (schedules.length)
          reason += `; ${schedules.length} schedule(s) ${r.request.jobsPaused ? "created PAUSED (jobsPaused)" : "with their pause status"}${decision.action === "update" ? ", same-named ones replaced with their subscribers" : ""}`;
      }
      const base = itemBase(dashboard, entry, backup.path, backup.dashboard_id);
      items.push({ ...base, ...decision, reason });
      if (decision.action === "skip") continue;
      for (const missing of unmappedDestinations(backup, await targetDestinations(r)))
        items.push({
          ...base,
          key: `${entry.path}#schedule/${missing.schedule.schedule_id}/destination/${missing.destinationId}`,
          target: `${backup.path} ${scheduleLabel(missing.schedule)}`,
          action: "unsupported",
          reason: `its subscriber notification destination ${missing.name ? `"${missing.name}" ` : ""}(${missing.destinationId} in the source) has no destination of that name in the target: create it, then subscribe it to this schedule by hand`,
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
    const ledger = await r.ledger();
    let target = (await targetDashboards(r)).get(backup.path);
    // Found but made by this restore (an earlier attempt of this batch): carry on, never skip it.
    const ours =
      target !== undefined &&
      ledger.fact("dashboards", backup.dashboard_id)?.targetId === target.dashboard_id;
    let status: "created" | "updated" | "skipped";
    if (target && item.action !== "update" && !ours) {
      status = "skipped";
    } else if (target) {
      const { parent_path: _fixed, ...changes } = draft;
      target = await lakeview.update(target.dashboard_id, changes);
      status = item.action === "update" ? "updated" : "created";
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
      await ledger.record("dashboards", backup.dashboard_id, target.dashboard_id);
    }
    r.learn(DASHBOARD_IDS, backup.dashboard_id, target.dashboard_id);
    if (status === "skipped") return { status, detail: "already exists (created by an earlier attempt?)" };
    const details: string[] = [];
    if (!backup.published) details.push("draft");
    else if (!warehouse) details.push("draft: no warehouse to publish on (not in the backup or target)");
    else {
      const publishOn = warehouseFor(r, backup.published.warehouse_id);
      await lakeview.publish(target.dashboard_id, {
        embed_credentials: backup.published.embed_credentials,
        ...(publishOn ? { warehouse_id: publishOn } : {}),
      });
      details.push("published");
    }
    const done = await applySchedules(r, target.dashboard_id, backup, item.action === "update");
    if (done.schedules)
      details.push(
        `${done.schedules} schedule(s)${r.request.jobsPaused ? " paused" : ""}, ${done.subscriptions} subscription(s) added`,
      );
    return { status, detail: details.join("; ") };
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
      await checkSet(
        "AI/BI dashboard schedules restored (cron, time zone, name, pause, warehouse, subscribers)",
        planned,
        async (item) => {
          const backup = (await bodyOf(r, item)) as unknown as DashboardBackup;
          const summary = existing.get(backup.path);
          if (!summary) return (backup.schedules ?? []).length ? "dashboard missing" : undefined;
          const problems = await scheduleProblems(r, summary.dashboard_id, backup);
          return problems.length ? problems.join("; ") : undefined;
        },
      ),
    ];
  },
};
