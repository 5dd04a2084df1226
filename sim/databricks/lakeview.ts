// AI/BI (Lakeview) dashboards API (/api/2.0/lakeview/dashboards), per the Databricks REST
// reference: create a draft, get, update (PATCH), trash (DELETE), list (paged, trashed ones only
// with show_trashed, DASHBOARD_VIEW_BASIC without the serialized body), publish / get published /
// unpublish. A dashboard is also a DASHBOARD object in the workspace tree at
// <parent_path>/<display_name>.lvdash.json whose export is the serialized dashboard, so the
// Workspace API (list, get-status, export, delete) sees it as the reference says.
// Schedules (…/{dashboard_id}/schedules, at most 10 per dashboard) and their subscriptions
// (…/schedules/{schedule_id}/subscriptions, at most 100 per schedule), per the reference: a quartz
// cron expression and a Java time zone id are required, pause_status defaults to UNPAUSED, etag
// must be empty on create and current on update (PUT replaces the schedule), a subscriber is one
// user (user_id) or one notification destination (destination_id, which must exist). The reference
// does not say a schedule needs a published dashboard, so a draft's schedule is accepted.
import type { SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, bool, err, hex, num, ok, paginate, prng, str, uuid } from "./util.js";

export interface SubscriptionRecord {
  subscription_id: string;
  subscriber: { user_subscriber?: { user_id: number }; destination_subscriber?: { destination_id: string } };
  create_time: number;
  created_by_user_id: number;
}

export interface ScheduleRecord {
  schedule_id: string;
  display_name?: string;
  cron_schedule: { quartz_cron_expression: string; timezone_id: string };
  pause_status: "PAUSED" | "UNPAUSED";
  warehouse_id?: string;
  create_time: number;
  update_time: number;
  revision: number;
  subscriptions: Map<string, SubscriptionRecord>;
}

export const MAX_SCHEDULES_PER_DASHBOARD = 10;
export const MAX_SUBSCRIPTIONS_PER_SCHEDULE = 100;

export interface DashboardRecord {
  dashboard_id: string;
  /** The tree object holding the serialized dashboard (its path follows renames). */
  objectId: number;
  warehouse_id?: string;
  create_time: number;
  update_time: number;
  revision: number;
  lifecycle_state: "ACTIVE" | "TRASHED";
  published?: { warehouse_id?: string; embed_credentials: boolean; revision_create_time: number };
  schedules: Map<string, ScheduleRecord>;
}

const EMPTY_DASHBOARD = JSON.stringify({ pages: [{ name: "page1", displayName: "New Page" }] });
const SUFFIX = ".lvdash.json";

export class LakeviewState {
  readonly dashboards = new Map<string, DashboardRecord>();
  private readonly rand: () => number;

  constructor(
    private readonly state: WorkspaceState,
    seed: number,
  ) {
    this.rand = prng(seed ^ 0x1a7e);
  }

  /** Create a draft dashboard (API and seed). */
  create(spec: Json): DashboardRecord {
    const displayName = str(spec.display_name, "display_name", true);
    if (displayName.includes("/")) throw err.invalid("display_name must not contain '/'");
    const parent = str(spec.parent_path, "parent_path") ?? `/Users/${this.state.userName}`;
    const serialized = parseSerialized(spec.serialized_dashboard);
    const parentObj = this.state.tree.get(parent);
    if (!parentObj) throw err.notFound(`Path (${parent}) doesn't exist.`);
    const path = `${parent === "/" ? "" : parent}/${displayName}${SUFFIX}`;
    if (this.state.tree.get(path)) throw err.exists(`Path (${path}) already exists.`);
    const obj = this.state.tree.put({ path, object_type: "DASHBOARD", content: Buffer.from(serialized) });
    let id: string;
    do id = hex(this.rand, 32);
    while (this.dashboards.has(id));
    obj.resource_id = id;
    const now = this.state.clock();
    const record: DashboardRecord = {
      dashboard_id: id,
      objectId: obj.object_id,
      create_time: now,
      update_time: now,
      revision: 1,
      lifecycle_state: "ACTIVE",
      schedules: new Map(),
    };
    const warehouse = str(spec.warehouse_id, "warehouse_id");
    if (warehouse) record.warehouse_id = warehouse;
    this.dashboards.set(id, record);
    return record;
  }

  /** The dashboard, or 404 when it does not exist or its workspace object was deleted. */
  get(id: string | undefined): DashboardRecord {
    const record = id ? this.dashboards.get(id) : undefined;
    if (!record || !this.state.tree.byId.get(record.objectId)) {
      if (record) {
        this.dashboards.delete(record.dashboard_id);
        this.state.permissions.delete(`dashboards/${record.dashboard_id}`);
      }
      throw err.notFound(`Unable to find dashboard [${String(id)}]`);
    }
    return record;
  }

  publish(id: string, options: { warehouse_id?: string; embed_credentials?: boolean }): Json {
    const record = this.get(id);
    if (record.lifecycle_state === "TRASHED") throw err.invalid(`Dashboard ${id} is in the trash`);
    const warehouse = options.warehouse_id ?? record.warehouse_id;
    if (!warehouse)
      throw err.invalid("A warehouse_id is required to publish: set one on the draft or in the request");
    if (!this.state.sqlWarehouses.records.has(warehouse))
      throw err.notFound(`SQL warehouse ${warehouse} does not exist.`);
    record.published = {
      embed_credentials: options.embed_credentials ?? true,
      revision_create_time: this.state.clock(),
      ...(options.warehouse_id ? { warehouse_id: options.warehouse_id } : {}),
    };
    return this.renderPublished(record);
  }

  /** A schedule's fields from a create or update body (the reference's Schedule). */
  private scheduleFields(
    spec: Json,
  ): Omit<ScheduleRecord, "schedule_id" | "create_time" | "update_time" | "revision" | "subscriptions"> {
    const cron = spec.cron_schedule as Json | undefined;
    if (!cron || typeof cron !== "object") throw err.invalid("Missing required field: cron_schedule");
    const expression = str(cron.quartz_cron_expression, "cron_schedule.quartz_cron_expression", true);
    const fields = expression.trim().split(/\s+/);
    if (fields.length < 6 || fields.length > 7)
      throw err.invalid(
        `Invalid quartz_cron_expression '${expression}': a quartz expression has 6 or 7 fields (seconds first)`,
      );
    const timezone = str(cron.timezone_id, "cron_schedule.timezone_id", true);
    try {
      new Intl.DateTimeFormat("en", { timeZone: timezone });
    } catch {
      throw err.invalid(`Invalid timezone_id '${timezone}': not a Java time zone id`);
    }
    const pause = str(spec.pause_status, "pause_status") ?? "UNPAUSED";
    if (pause !== "PAUSED" && pause !== "UNPAUSED")
      throw err.invalid(`Invalid pause_status '${pause}': PAUSED or UNPAUSED`);
    const warehouse = str(spec.warehouse_id, "warehouse_id");
    if (warehouse && !this.state.sqlWarehouses.records.has(warehouse))
      throw err.notFound(`SQL warehouse ${warehouse} does not exist.`);
    const displayName = str(spec.display_name, "display_name");
    return {
      cron_schedule: { quartz_cron_expression: expression, timezone_id: timezone },
      pause_status: pause,
      ...(warehouse ? { warehouse_id: warehouse } : {}),
      ...(displayName ? { display_name: displayName } : {}),
    };
  }

  createSchedule(dashboardId: string | undefined, spec: Json): ScheduleRecord {
    const record = this.get(dashboardId);
    if (record.lifecycle_state === "TRASHED")
      throw err.invalid(`Dashboard ${record.dashboard_id} is in the trash`);
    if (str(spec.etag, "etag") !== undefined) throw err.invalid("etag must be left empty on create");
    if (record.schedules.size >= MAX_SCHEDULES_PER_DASHBOARD)
      throw err.invalid(
        `A dashboard is limited to ${MAX_SCHEDULES_PER_DASHBOARD} schedules`,
        "RESOURCE_LIMIT_EXCEEDED",
      );
    const now = this.state.clock();
    const schedule: ScheduleRecord = {
      schedule_id: uuid(this.rand),
      ...this.scheduleFields(spec),
      create_time: now,
      update_time: now,
      revision: 1,
      subscriptions: new Map(),
    };
    record.schedules.set(schedule.schedule_id, schedule);
    return schedule;
  }

  schedule(dashboardId: string | undefined, scheduleId: string | undefined): ScheduleRecord {
    const schedule = scheduleId ? this.get(dashboardId).schedules.get(scheduleId) : undefined;
    if (!schedule) throw err.notFound(`Unable to find schedule [${String(scheduleId)}]`);
    return schedule;
  }

  updateSchedule(
    dashboardId: string | undefined,
    scheduleId: string | undefined,
    spec: Json,
  ): ScheduleRecord {
    const schedule = this.schedule(dashboardId, scheduleId);
    const etag = str(spec.etag, "etag", true);
    if (etag !== String(schedule.revision))
      throw err.invalid(`The schedule was modified since etag ${etag} was read`, "ABORTED");
    const { display_name: _old, warehouse_id: _oldWarehouse, ...kept } = schedule;
    Object.assign(schedule, { ...kept, ...this.scheduleFields(spec) });
    if (spec.display_name === undefined) delete schedule.display_name;
    if (spec.warehouse_id === undefined) delete schedule.warehouse_id;
    schedule.revision++;
    schedule.update_time = this.state.clock();
    return schedule;
  }

  subscribe(dashboardId: string | undefined, scheduleId: string | undefined, spec: Json): SubscriptionRecord {
    const schedule = this.schedule(dashboardId, scheduleId);
    const subscriber = spec.subscriber as Json | undefined;
    if (!subscriber || typeof subscriber !== "object")
      throw err.invalid("Missing required field: subscriber");
    const user = subscriber.user_subscriber as Json | undefined;
    const destination = subscriber.destination_subscriber as Json | undefined;
    if ((user === undefined) === (destination === undefined))
      throw err.invalid("subscriber must hold exactly one of user_subscriber and destination_subscriber");
    let value: SubscriptionRecord["subscriber"];
    if (user) {
      const userId = num(user.user_id, "subscriber.user_subscriber.user_id", true)!;
      if (!Number.isInteger(userId) || userId <= 0)
        throw err.invalid("subscriber.user_subscriber.user_id must be a user id");
      value = { user_subscriber: { user_id: userId } };
    } else {
      const id = str(destination!.destination_id, "subscriber.destination_subscriber.destination_id", true);
      this.state.notificationDestinations.get(id);
      value = { destination_subscriber: { destination_id: id } };
    }
    const same = [...schedule.subscriptions.values()].find(
      (s) => JSON.stringify(s.subscriber) === JSON.stringify(value),
    );
    if (same) throw err.exists(`The subscriber is already subscribed to schedule ${schedule.schedule_id}`);
    if (schedule.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SCHEDULE)
      throw err.invalid(
        `A schedule is limited to ${MAX_SUBSCRIPTIONS_PER_SCHEDULE} subscriptions`,
        "RESOURCE_LIMIT_EXCEEDED",
      );
    const subscription: SubscriptionRecord = {
      subscription_id: uuid(this.rand),
      subscriber: value,
      create_time: this.state.clock(),
      created_by_user_id: 1000000000000001,
    };
    schedule.subscriptions.set(subscription.subscription_id, subscription);
    return subscription;
  }

  renderSchedule(dashboardId: string, schedule: ScheduleRecord): Json {
    return {
      schedule_id: schedule.schedule_id,
      dashboard_id: dashboardId,
      cron_schedule: { ...schedule.cron_schedule },
      pause_status: schedule.pause_status,
      ...(schedule.display_name ? { display_name: schedule.display_name } : {}),
      ...(schedule.warehouse_id ? { warehouse_id: schedule.warehouse_id } : {}),
      etag: String(schedule.revision),
      create_time: new Date(schedule.create_time).toISOString(),
      update_time: new Date(schedule.update_time).toISOString(),
    };
  }

  renderSubscription(dashboardId: string, scheduleId: string, subscription: SubscriptionRecord): Json {
    return {
      subscription_id: subscription.subscription_id,
      schedule_id: scheduleId,
      dashboard_id: dashboardId,
      subscriber: structuredClone(subscription.subscriber),
      etag: "1",
      created_by_user_id: subscription.created_by_user_id,
      create_time: new Date(subscription.create_time).toISOString(),
      update_time: new Date(subscription.create_time).toISOString(),
    };
  }

  render(record: DashboardRecord, view: "full" | "basic" = "full"): Json {
    const obj = this.state.tree.byId.get(record.objectId)!;
    const path = obj.path;
    const out: Json = {
      dashboard_id: record.dashboard_id,
      display_name: path.slice(path.lastIndexOf("/") + 1, -SUFFIX.length),
      path,
      create_time: new Date(record.create_time).toISOString(),
      update_time: new Date(record.update_time).toISOString(),
      lifecycle_state: record.lifecycle_state,
      etag: String(record.revision),
    };
    if (record.warehouse_id) out.warehouse_id = record.warehouse_id;
    if (view === "full") {
      out.parent_path = path.slice(0, path.lastIndexOf("/")) || "/";
      out.serialized_dashboard = (obj.content ?? Buffer.alloc(0)).toString("utf8");
    }
    return out;
  }

  renderPublished(record: DashboardRecord): Json {
    const p = record.published!;
    const draft = this.render(record, "basic");
    return {
      display_name: draft.display_name,
      embed_credentials: p.embed_credentials,
      revision_create_time: new Date(p.revision_create_time).toISOString(),
      ...((p.warehouse_id ?? record.warehouse_id)
        ? { warehouse_id: p.warehouse_id ?? record.warehouse_id }
        : {}),
    };
  }
}

function parseSerialized(value: unknown): string {
  if (value === undefined || value === null || value === "") return EMPTY_DASHBOARD;
  if (typeof value !== "string")
    throw err.invalid("serialized_dashboard must be a JSON document as a string");
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
  } catch {
    throw err.invalid("serialized_dashboard is not a valid dashboard JSON document");
  }
  return value;
}

export function registerLakeviewRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/lakeview/dashboards";
  const lakeview = state.lakeview;
  service.route("POST", base, (req) => ok(lakeview.render(lakeview.create(body(req)))));
  service.route("GET", base, (req) => {
    const showTrashed = bool(req.query.get("show_trashed"));
    const pageSize = num(req.query.get("page_size"), "page_size") ?? 100;
    if (pageSize < 1 || pageSize > 1000) throw err.invalid("page_size must be between 1 and 1000");
    const all = [...lakeview.dashboards.values()]
      .filter((d) => state.tree.byId.get(d.objectId))
      .filter((d) => showTrashed || d.lifecycle_state === "ACTIVE")
      .sort((a, b) => (a.dashboard_id < b.dashboard_id ? -1 : 1));
    const page = paginate(all, req.query.get("page_token"), { pageSize });
    const out: Json = {};
    if (page.items.length) out.dashboards = page.items.map((d) => lakeview.render(d, "basic"));
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return ok(out);
  });
  service.route("GET", `${base}/:id`, (req) => ok(lakeview.render(lakeview.get(req.params.id))));
  service.route("PATCH", `${base}/:id`, (req) => {
    const record = lakeview.get(req.params.id);
    const b = body(req);
    const etag = str(b.etag, "etag");
    if (etag !== undefined && etag !== String(record.revision))
      throw err.invalid(`The dashboard was modified since etag ${etag} was read`, "ABORTED");
    const obj = state.tree.byId.get(record.objectId)!;
    if (b.serialized_dashboard !== undefined)
      state.tree.put(
        { ...obj, content: Buffer.from(parseSerialized(b.serialized_dashboard)) },
        { overwrite: true },
      );
    const name = str(b.display_name, "display_name");
    if (name !== undefined) {
      const current = state.tree.byId.get(record.objectId)!;
      const parent = current.path.slice(0, current.path.lastIndexOf("/"));
      const path = `${parent}/${name}${SUFFIX}`;
      if (path !== current.path) {
        if (state.tree.get(path)) throw err.exists(`Path (${path}) already exists.`);
        state.tree.delete(current.path, false);
        state.tree.put({ ...current, path });
      }
    }
    const warehouse = str(b.warehouse_id, "warehouse_id");
    if (warehouse !== undefined) record.warehouse_id = warehouse;
    record.revision++;
    record.update_time = state.clock();
    return ok(lakeview.render(record));
  });
  service.route("DELETE", `${base}/:id`, (req) => {
    const record = lakeview.get(req.params.id);
    record.lifecycle_state = "TRASHED";
    return ok({});
  });
  service.route("POST", `${base}/:id/published`, (req) => {
    const b = body(req);
    const warehouse = str(b.warehouse_id, "warehouse_id");
    return ok(
      lakeview.publish(req.params.id ?? "", {
        ...(warehouse ? { warehouse_id: warehouse } : {}),
        ...(b.embed_credentials !== undefined ? { embed_credentials: bool(b.embed_credentials) } : {}),
      }),
    );
  });
  service.route("GET", `${base}/:id/published`, (req) => {
    const record = lakeview.get(req.params.id);
    if (!record.published) throw err.notFound(`Dashboard ${record.dashboard_id} is not published`);
    return ok(lakeview.renderPublished(record));
  });
  const schedules = `${base}/:id/schedules`;
  const pageOf = (req: { query: URLSearchParams }) => {
    const pageSize = num(req.query.get("page_size"), "page_size") ?? 100;
    if (pageSize < 1 || pageSize > 1000) throw err.invalid("page_size must be between 1 and 1000");
    return pageSize;
  };
  service.route("GET", schedules, (req) => {
    const record = lakeview.get(req.params.id);
    const page = paginate([...record.schedules.values()], req.query.get("page_token"), {
      pageSize: pageOf(req),
    });
    return ok({
      schedules: page.items.map((s) => lakeview.renderSchedule(record.dashboard_id, s)),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    });
  });
  service.route("POST", schedules, (req) =>
    ok(lakeview.renderSchedule(req.params.id!, lakeview.createSchedule(req.params.id, body(req)))),
  );
  service.route("GET", `${schedules}/:sid`, (req) =>
    ok(lakeview.renderSchedule(req.params.id!, lakeview.schedule(req.params.id, req.params.sid))),
  );
  service.route("PUT", `${schedules}/:sid`, (req) =>
    ok(
      lakeview.renderSchedule(
        req.params.id!,
        lakeview.updateSchedule(req.params.id, req.params.sid, body(req)),
      ),
    ),
  );
  service.route("DELETE", `${schedules}/:sid`, (req) => {
    lakeview.schedule(req.params.id, req.params.sid);
    lakeview.get(req.params.id).schedules.delete(req.params.sid!);
    return ok({});
  });
  service.route("GET", `${schedules}/:sid/subscriptions`, (req) => {
    const schedule = lakeview.schedule(req.params.id, req.params.sid);
    const page = paginate([...schedule.subscriptions.values()], req.query.get("page_token"), {
      pageSize: pageOf(req),
    });
    return ok({
      subscriptions: page.items.map((s) =>
        lakeview.renderSubscription(req.params.id!, schedule.schedule_id, s),
      ),
      ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}),
    });
  });
  service.route("POST", `${schedules}/:sid/subscriptions`, (req) =>
    ok(
      lakeview.renderSubscription(
        req.params.id!,
        req.params.sid!,
        lakeview.subscribe(req.params.id, req.params.sid, body(req)),
      ),
    ),
  );
  service.route("DELETE", `${schedules}/:sid/subscriptions/:subid`, (req) => {
    const schedule = lakeview.schedule(req.params.id, req.params.sid);
    if (!schedule.subscriptions.delete(req.params.subid!))
      throw err.notFound(`Unable to find subscription [${String(req.params.subid)}]`);
    return ok({});
  });
  service.route("DELETE", `${base}/:id/published`, (req) => {
    const record = lakeview.get(req.params.id);
    if (!record.published) throw err.notFound(`Dashboard ${record.dashboard_id} is not published`);
    delete record.published;
    return ok({});
  });
}
