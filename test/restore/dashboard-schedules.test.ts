// 7.3 for AI/BI dashboard schedules and their subscriptions: backed up with their dashboard,
// restored on the dashboard's NEW id, paused (like jobs), warehouse remapped, notification
// destinations mapped by name (one without a counterpart is a follow-up naming schedule and
// destination), validated per schedule field by field; a pre-populated target is made the backup's
// with existing=update; a dashboard a restore left a draft is finished by the re-run.
import { afterEach, describe, expect, it } from "vitest";
import { readPlan, runValidation, type RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";
import type { DashboardBackup } from "../../src/lib/kinds/workspace/dashboard.js";
import type { WorkspaceState } from "../../sim/databricks/state.js";
import type { TestPlatform } from "../support/platform.js";
import {
  backedUpWorkspaces,
  restoreApproved as restoreEngineSteps,
  restoreThroughHost,
  workspaceRequest,
} from "../support/workspace-dr.js";

type Json = Record<string, unknown>;

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

const SEED = {
  notebooks: 2,
  directories: 1,
  files: 0,
  jobs: 0,
  clusters: 0,
  policies: 0,
  pools: 0,
  repos: 0,
  secretScopes: 0,
  initScripts: 0,
  pipelines: 0,
  experiments: 0,
  clusterLibraries: false,
};
const PATH = "/Shared/Sales overview 0.lvdash.json";
const SCHEDULES_CHECK =
  "AI/BI dashboard schedules restored (cron, time zone, name, pause, warehouse, subscribers)";

const backedUp = (prepare?: (primary: WorkspaceState, dr: WorkspaceState) => void) =>
  backedUpWorkspaces({ seed: SEED, ...(prepare ? { prepare } : {}) });

const request = workspaceRequest;

const restore = async (p: TestPlatform, body: Json, instanceId?: string): Promise<RestoreReport> =>
  (await restoreThroughHost(p, body, { cleanups, ...(instanceId ? { instanceId } : {}) })).report;

/**
 * A restore the way the orchestrator runs it, without its approval gate: existing=update plans
 * list destructive lines, which a pre-approval never covers.
 */
async function restoreApproved(p: TestPlatform, body: Json) {
  const result = await restoreEngineSteps(p, body);
  expect(result.plan.blocking).toEqual([]);
  return result;
}

/** Two more schedules on the seeded dashboard: one on the warehouse, mailing two destinations. */
function withDestinations(primary: WorkspaceState, dr: WorkspaceState): void {
  const ops = primary.notificationDestinations.create({
    display_name: "Ops mail",
    config: { email: { addresses: ["ops@example.com"] } },
  });
  const finance = primary.notificationDestinations.create({
    display_name: "Finance Slack",
    config: { slack: { url: "https://hooks.slack.example/x" } },
  });
  // DR has "Ops mail" (another id), not "Finance Slack".
  dr.notificationDestinations.create({
    display_name: "Ops mail",
    config: { email: { addresses: ["ops@example.com"] } },
  });
  const [dashboard] = [...primary.lakeview.dashboards.values()];
  const warehouse = [...primary.sqlWarehouses.records.values()].find((w) => w.name === "bi warehouse 0")!;
  const monthly = primary.lakeview.createSchedule(dashboard!.dashboard_id, {
    display_name: "Month end",
    cron_schedule: { quartz_cron_expression: "0 0 6 L * ?", timezone_id: "UTC" },
    warehouse_id: warehouse.id,
    pause_status: "UNPAUSED",
  });
  for (const destination of [ops, finance])
    primary.lakeview.subscribe(dashboard!.dashboard_id, monthly.schedule_id, {
      subscriber: { destination_subscriber: { destination_id: destination.id } },
    });
}

describe("7.3 restore of AI/BI dashboard schedules and subscriptions", () => {
  it("backs schedules up with their dashboard, restores them paused on the new id with warehouse and destinations mapped, and validates them", async () => {
    platform = await backedUp(withDestinations);
    const primary = platform.sim.workspace("primary").state;
    const dr = platform.sim.workspace("dr").state;
    const report = await restore(platform, { mode: "apply", preApproved: true });
    const plan = await readPlan(platform.runtime, report.planId);

    // The backup holds both schedules, destinations with their names (ids differ per workspace).
    const entry = plan.items.find((i) => i.kind === "dashboard" && i.target === PATH)!;
    const backup = await platform.runtime.store.getJson<DashboardBackup>(entry.sha256!);
    expect(backup.schedules?.map((s) => [s.display_name, s.pause_status, s.subscribers.length])).toEqual([
      ["Weekday 7am", "UNPAUSED", 1],
      ["Month end", "UNPAUSED", 2],
    ]);
    expect(backup.schedules?.[1]?.subscribers.map((s) => s.destination_name)).toEqual([
      "Ops mail",
      "Finance Slack",
    ]);
    expect(entry.reason).toMatch(/2 schedule\(s\) created PAUSED \(jobsPaused\)/);

    // "Finance Slack" has no counterpart in DR: a follow-up naming schedule and destination.
    const followUp = plan.items.find((i) => i.key.includes("#schedule/"));
    expect(followUp).toMatchObject({
      action: "unsupported",
      target: `${PATH} schedule "Month end"`,
    });
    expect(followUp?.reason).toMatch(
      /"Finance Slack" \(\w[\w-]+ in the source\) has no destination of that name/,
    );
    expect(report.phase, JSON.stringify({ reasons: report.reasons, validation: report.validation })).toBe(
      "Completed",
    );
    expect(report.validation.find((c) => c.name === SCHEDULES_CHECK)).toMatchObject({ ok: true });

    // On the NEW dashboard, paused, on DR's warehouse, "Ops mail" by DR's id, the user kept.
    const [restored] = [...dr.lakeview.dashboards.values()];
    const source = [...primary.lakeview.dashboards.values()][0]!;
    expect(restored!.dashboard_id).not.toBe(source.dashboard_id);
    const schedules = new Map([...restored!.schedules.values()].map((s) => [s.display_name, s]));
    const drWarehouse = [...dr.sqlWarehouses.records.values()].find((w) => w.name === "bi warehouse 0")!;
    expect(schedules.get("Month end")).toMatchObject({
      pause_status: "PAUSED",
      warehouse_id: drWarehouse.id,
      cron_schedule: { quartz_cron_expression: "0 0 6 L * ?", timezone_id: "UTC" },
    });
    const drOps = [...dr.notificationDestinations.records.values()][0]!;
    expect([...schedules.get("Month end")!.subscriptions.values()].map((s) => s.subscriber)).toEqual([
      { destination_subscriber: { destination_id: drOps.id } },
    ]);
    expect(schedules.get("Weekday 7am")).toMatchObject({
      pause_status: "PAUSED",
      cron_schedule: { quartz_cron_expression: "0 0 7 ? * MON-FRI", timezone_id: "Europe/Amsterdam" },
    });
    expect([...schedules.get("Weekday 7am")!.subscriptions.values()].map((s) => s.subscriber)).toEqual([
      { user_subscriber: { user_id: 1000000000000002 } },
    ]);

    // Someone changes a schedule behind the restore's back: validation names it and the field.
    schedules.get("Weekday 7am")!.cron_schedule.timezone_id = "UTC";
    schedules.get("Month end")!.subscriptions.clear();
    const again = await runValidation(
      platform.runtime,
      scenarioFor("workspace"),
      request(platform, { mode: "apply" }),
      report.planId,
    );
    expect(again.find((c) => c.name === SCHEDULES_CHECK)?.detail).toBe(
      `${PATH}: schedule "Weekday 7am" differs in cron_schedule.timezone_id; schedule "Month end" differs in subscribers`,
    );
  });

  it("jobsPaused=false keeps each schedule's own pause status", async () => {
    platform = await backedUp();
    const report = await restore(platform, { mode: "apply", preApproved: true, jobsPaused: false });
    expect(report.phase).toBe("Completed");
    const [restored] = [...platform.sim.workspace("dr").state.lakeview.dashboards.values()];
    expect([...restored!.schedules.values()].map((s) => s.pause_status)).toEqual(["UNPAUSED"]);
  });

  it("a pre-populated target: a differing same-named schedule is left alone with existing=skip, made the backup's with existing=update", async () => {
    platform = await backedUp((primary, dr) => {
      // DR already holds the dashboard at the same path, its schedule different, another subscriber.
      dr.tree.mkdirs("/Shared");
      const held = dr.lakeview.create({ display_name: "Sales overview 0", parent_path: "/Shared" });
      const schedule = dr.lakeview.createSchedule(held.dashboard_id, {
        display_name: "Weekday 7am",
        cron_schedule: { quartz_cron_expression: "0 30 9 ? * *", timezone_id: "UTC" },
      });
      dr.lakeview.subscribe(held.dashboard_id, schedule.schedule_id, {
        subscriber: { user_subscriber: { user_id: 1000000000000099 } },
      });
      expect(primary.lakeview.dashboards.size).toBe(1);
    });
    const dr = platform.sim.workspace("dr").state;
    const [held] = [...dr.lakeview.dashboards.values()];
    const skipped = await restore(platform, { mode: "apply", preApproved: true }, "restore-skip");
    const skipPlan = await readPlan(platform.runtime, skipped.planId);
    expect(skipPlan.items.find((i) => i.target === PATH)?.action).toBe("skip");
    expect([...held!.schedules.values()][0]?.cron_schedule.quartz_cron_expression).toBe("0 30 9 ? * *");

    const updated = await restoreApproved(platform, { existing: "update" });
    expect(updated.failures).toEqual([]);
    expect(updated.validation.find((c) => c.name === SCHEDULES_CHECK)).toMatchObject({
      ok: true,
      expected: 1,
    });
    const [schedule] = [...held!.schedules.values()];
    expect(held!.schedules.size).toBe(1);
    expect(schedule).toMatchObject({
      pause_status: "PAUSED",
      cron_schedule: { quartz_cron_expression: "0 0 7 ? * MON-FRI", timezone_id: "Europe/Amsterdam" },
    });
    expect([...schedule!.subscriptions.values()].map((s) => s.subscriber)).toEqual([
      { user_subscriber: { user_id: 1000000000000002 } },
    ]);
  });

  it("a dashboard left a draft because its warehouse failed is finished (published, scheduled) by the re-run", async () => {
    platform = await backedUp();
    const dr = platform.sim.workspace("dr").state;
    platform.sim.faults.add("dr", {
      route: "POST /api/2.0/sql/warehouses",
      method: "POST",
      status: 403,
      errorCode: "PERMISSION_DENIED",
      message: "Warehouse creation is disabled for this workspace",
    });
    const first = await restore(platform, { mode: "apply", preApproved: true }, "restore-first");
    expect(first.phase).toBe("PartiallyFailed");
    const [draft] = [...dr.lakeview.dashboards.values()];
    expect(draft?.published).toBeUndefined();

    // Warehouse creation allowed again: the re-run restores the warehouse, and the draft this
    // restore made (the ledger says so) is updated, published and scheduled instead of skipped.
    platform.sim.faults.clear();
    const second = await restore(platform, { mode: "apply", preApproved: true }, "restore-second");
    const plan = await readPlan(platform.runtime, second.planId);
    expect(plan.items.find((i) => i.target === PATH)).toMatchObject({
      action: "update",
      reason: expect.stringMatching(
        /restored earlier by azdr into dashboard \w+ as a draft: finished now/,
      ) as string,
    });
    expect(second.phase, JSON.stringify({ reasons: second.reasons, validation: second.validation })).toBe(
      "Completed",
    );
    expect(dr.lakeview.dashboards.size).toBe(1);
    const warehouse = [...dr.sqlWarehouses.records.values()].find((w) => w.name === "bi warehouse 0")!;
    expect(draft).toMatchObject({ warehouse_id: warehouse.id, published: { embed_credentials: true } });
    expect([...draft!.schedules.values()].map((s) => s.display_name)).toEqual(["Weekday 7am"]);
  });
});
