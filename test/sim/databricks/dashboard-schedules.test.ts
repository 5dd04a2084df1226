// The simulator's AI/BI dashboard schedules and subscriptions and the notification destinations
// they send to, as the Databricks API reference describes them: paged through the real SDK, raw
// HTTP where the status or error code is the point.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { client, collect, raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [{ name: "dr", workspaceId: 6543210987654321, seed: false }],
    metastores: [],
  });
});
afterAll(async () => sim?.close());
const dr = { workspace: "dr" };

async function dashboard(name: string): Promise<string> {
  sim.workspace("dr").state.tree.mkdirs("/Shared");
  const created = await raw(
    sim,
    "POST",
    "/api/2.0/lakeview/dashboards",
    { display_name: name, parent_path: "/Shared" },
    dr,
  );
  return created.body.dashboard_id as string;
}
const daily = { quartz_cron_expression: "0 0 7 * * ?", timezone_id: "Europe/Amsterdam" };

describe("dashboard schedules", () => {
  test("create, page through the SDK, update with the current etag only, delete", async () => {
    const id = await dashboard("Schedules");
    const path = `/api/2.0/lakeview/dashboards/${id}/schedules`;
    const created = await raw(sim, "POST", path, { display_name: "Daily", cron_schedule: daily }, dr);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      dashboard_id: id,
      display_name: "Daily",
      cron_schedule: daily,
      pause_status: "UNPAUSED",
      etag: "1",
    });
    for (const n of [1, 2])
      await raw(sim, "POST", path, { display_name: `Extra ${n}`, cron_schedule: daily }, dr);
    const first = await raw(sim, "GET", `${path}?page_size=2`, undefined, dr);
    expect((first.body.schedules as unknown[]).length).toBe(2);
    expect(first.body.next_page_token).toBeDefined();
    const listed = await collect(
      client(sim, "dr").lakeview.listSchedules({ dashboard_id: id, page_size: 1 }),
    );
    expect(listed.map((s) => s.display_name)).toEqual(["Daily", "Extra 1", "Extra 2"]);

    const scheduleId = created.body.schedule_id as string;
    const put = (etag: string | undefined) =>
      raw(sim, "PUT", `${path}/${scheduleId}`, { cron_schedule: daily, pause_status: "PAUSED", etag }, dr);
    expect((await put("7")).body).toMatchObject({ error_code: "ABORTED" });
    expect((await put(undefined)).body).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
    const updated = await put("1");
    // PUT replaces: the display name it did not send is gone.
    expect(updated.body).toMatchObject({ pause_status: "PAUSED", etag: "2" });
    expect(updated.body.display_name).toBeUndefined();
    expect((await raw(sim, "DELETE", `${path}/${scheduleId}`, undefined, dr)).status).toBe(200);
    expect((await raw(sim, "GET", `${path}/${scheduleId}`, undefined, dr)).status).toBe(404);
  });

  test("the reference's rules are 400s: cron fields, time zone, pause status, etag on create, 10 per dashboard, unknown warehouse", async () => {
    const id = await dashboard("Rules");
    const path = `/api/2.0/lakeview/dashboards/${id}/schedules`;
    const post = async (schedule: Record<string, unknown>) =>
      (await raw(sim, "POST", path, schedule, dr)).body;
    expect(await post({})).toMatchObject({ message: "Missing required field: cron_schedule" });
    expect(await post({ cron_schedule: { ...daily, quartz_cron_expression: "0 7 * * *" } })).toMatchObject({
      message: expect.stringContaining("6 or 7 fields") as string,
    });
    expect(await post({ cron_schedule: { ...daily, timezone_id: "Mars/Olympus" } })).toMatchObject({
      message: expect.stringContaining("timezone_id") as string,
    });
    expect(await post({ cron_schedule: daily, pause_status: "STOPPED" })).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
    });
    expect(await post({ cron_schedule: daily, etag: "1" })).toMatchObject({
      message: "etag must be left empty on create",
    });
    expect(await post({ cron_schedule: daily, warehouse_id: "nope" })).toMatchObject({
      error_code: "RESOURCE_DOES_NOT_EXIST",
    });
    for (let i = 0; i < 10; i++)
      expect((await raw(sim, "POST", path, { cron_schedule: daily }, dr)).status).toBe(200);
    expect(await post({ cron_schedule: daily })).toMatchObject({ error_code: "RESOURCE_LIMIT_EXCEEDED" });
    expect(
      (await raw(sim, "POST", "/api/2.0/lakeview/dashboards/nope/schedules", { cron_schedule: daily }, dr))
        .status,
    ).toBe(404);
  });
});

describe("schedule subscriptions and notification destinations", () => {
  test("a user or an existing destination, exactly one; duplicates refused; destinations paged without their config", async () => {
    const id = await dashboard("Subscriptions");
    const schedule = await raw(
      sim,
      "POST",
      `/api/2.0/lakeview/dashboards/${id}/schedules`,
      { cron_schedule: daily },
      dr,
    );
    const path = `/api/2.0/lakeview/dashboards/${id}/schedules/${String(schedule.body.schedule_id)}/subscriptions`;
    const destination = await raw(
      sim,
      "POST",
      "/api/2.0/notification-destinations",
      { display_name: "Ops mail", config: { email: { addresses: ["ops@example.com"] } } },
      dr,
    );
    expect(destination.body).toMatchObject({ display_name: "Ops mail", destination_type: "EMAIL" });
    const subscribe = async (subscriber: unknown) => raw(sim, "POST", path, { subscriber }, dr);
    expect((await subscribe({ user_subscriber: { user_id: 42 } })).status).toBe(200);
    expect(
      (await subscribe({ destination_subscriber: { destination_id: destination.body.id } })).body,
    ).toMatchObject({ subscriber: { destination_subscriber: { destination_id: destination.body.id } } });
    expect((await subscribe({ user_subscriber: { user_id: 42 } })).body).toMatchObject({
      error_code: "RESOURCE_ALREADY_EXISTS",
    });
    expect((await subscribe({ destination_subscriber: { destination_id: "nope" } })).status).toBe(404);
    expect((await subscribe({})).body).toMatchObject({
      message: expect.stringContaining("exactly one") as string,
    });
    expect(
      (await subscribe({ user_subscriber: { user_id: 1 }, destination_subscriber: { destination_id: "x" } }))
        .body,
    ).toMatchObject({ message: expect.stringContaining("exactly one") as string });
    const listed = await collect(
      client(sim, "dr").lakeview.listSubscriptions({
        dashboard_id: id,
        schedule_id: String(schedule.body.schedule_id),
        page_size: 1,
      }),
    );
    expect(listed.map((s) => Object.keys(s.subscriber))).toEqual([
      ["user_subscriber"],
      ["destination_subscriber"],
    ]);
    const destinations = await collect(client(sim, "dr").notificationDestinations.list({ page_size: 1 }));
    expect(destinations).toEqual([
      { id: destination.body.id, display_name: "Ops mail", destination_type: "EMAIL" },
    ]);
  });
});
