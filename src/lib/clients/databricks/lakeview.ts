// AI/BI (Lakeview) dashboards: /api/2.0/lakeview/dashboards (drafts, their serialized definition,
// the published version, schedules and their subscriptions), and the notification destinations
// schedules send to (/api/2.0/notification-destinations: their ids differ per workspace).
import { isAzdrError } from "../../errors.js";
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type ListOptions, type Open } from "./common.js";

export type Dashboard = Open<{
  dashboard_id: string;
  display_name: string;
  path?: string;
  parent_path?: string;
  warehouse_id?: string;
  /** Only from get: the list answers the summary view. */
  serialized_dashboard?: string;
  lifecycle_state?: "ACTIVE" | "TRASHED";
  etag?: string;
}>;

export type PublishedDashboard = Open<{
  display_name?: string;
  embed_credentials?: boolean;
  warehouse_id?: string;
  revision_create_time?: string;
}>;

/** A dashboard schedule (the reference's Schedule): create takes it without the server-set fields. */
export type DashboardSchedule = Open<{
  schedule_id?: string;
  dashboard_id?: string;
  display_name?: string;
  cron_schedule: { quartz_cron_expression: string; timezone_id: string };
  pause_status?: "PAUSED" | "UNPAUSED";
  warehouse_id?: string;
  /** Server-set: required on update (the schedule was not changed since it was read). */
  etag?: string;
  create_time?: string;
  update_time?: string;
}>;

/** Exactly one of user_subscriber / destination_subscriber. */
export interface Subscriber {
  user_subscriber?: { user_id: number };
  destination_subscriber?: { destination_id: string };
}

export type ScheduleSubscription = Open<{
  subscription_id?: string;
  schedule_id?: string;
  dashboard_id?: string;
  subscriber: Subscriber;
  etag?: string;
  create_time?: string;
  created_by_user_id?: number;
}>;

/** What a schedule's create and update take (server-set fields are the service's to fill). */
export type ScheduleSpec = Pick<DashboardSchedule, "cron_schedule"> &
  Partial<Pick<DashboardSchedule, "display_name" | "pause_status" | "warehouse_id">>;

export type NotificationDestination = Open<{
  id: string;
  display_name: string;
  destination_type?: string;
}>;

export interface DashboardDraft {
  display_name: string;
  parent_path: string;
  serialized_dashboard: string;
  warehouse_id?: string;
}

const BASE = "/api/2.0/lakeview/dashboards";

export class LakeviewClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "other");
  }

  /** Active dashboards, summary view. */
  list(options: ListOptions = {}): AsyncIterableIterator<Dashboard> {
    return this.http.paginate(BASE, "dashboards", { page_size: options.pageSize ?? 1000 }, options);
  }

  get(id: string, options: CallOptions = {}): Promise<Dashboard> {
    return this.http.get(`${BASE}/${segment(id)}`, {}, options);
  }

  /** The published version; undefined when the dashboard is not published (the API's 404). */
  async getPublished(id: string, options: CallOptions = {}): Promise<PublishedDashboard | undefined> {
    try {
      return await this.http.get<PublishedDashboard>(`${BASE}/${segment(id)}/published`, {}, options);
    } catch (error) {
      if (isAzdrError(error, "NOT_FOUND")) return undefined;
      throw error;
    }
  }

  /** A draft; ALREADY_EXISTS when its path is taken. */
  create(draft: DashboardDraft, options: CallOptions = {}): Promise<Dashboard> {
    return this.http.post(BASE, draft, options);
  }

  update(id: string, draft: Partial<DashboardDraft>, options: CallOptions = {}): Promise<Dashboard> {
    return this.http.send("PATCH", `${BASE}/${segment(id)}`, draft, options);
  }

  publish(
    id: string,
    request: { embed_credentials?: boolean; warehouse_id?: string },
    options: CallOptions = {},
  ): Promise<PublishedDashboard> {
    return this.http.post(`${BASE}/${segment(id)}/published`, request, { ...options, idempotent: true });
  }

  /** A dashboard's schedules (the reference pages them with page_token). */
  listSchedules(dashboardId: string, options: ListOptions = {}): AsyncIterableIterator<DashboardSchedule> {
    return this.http.paginate(
      `${BASE}/${segment(dashboardId)}/schedules`,
      "schedules",
      { page_size: options.pageSize ?? 100 },
      options,
    );
  }

  /** At most 10 per dashboard (the service refuses more). */
  createSchedule(
    dashboardId: string,
    schedule: ScheduleSpec,
    options: CallOptions = {},
  ): Promise<DashboardSchedule> {
    return this.http.post(`${BASE}/${segment(dashboardId)}/schedules`, schedule, options);
  }

  /** Replaces the schedule; `etag` is the one last read (the service refuses a stale one). */
  updateSchedule(
    dashboardId: string,
    scheduleId: string,
    schedule: ScheduleSpec & { etag: string },
    options: CallOptions = {},
  ): Promise<DashboardSchedule> {
    return this.http.send(
      "PUT",
      `${BASE}/${segment(dashboardId)}/schedules/${segment(scheduleId)}`,
      schedule,
      options,
    );
  }

  listSubscriptions(
    dashboardId: string,
    scheduleId: string,
    options: ListOptions = {},
  ): AsyncIterableIterator<ScheduleSubscription> {
    return this.http.paginate(
      `${BASE}/${segment(dashboardId)}/schedules/${segment(scheduleId)}/subscriptions`,
      "subscriptions",
      { page_size: options.pageSize ?? 100 },
      options,
    );
  }

  /** At most 100 per schedule. */
  createSubscription(
    dashboardId: string,
    scheduleId: string,
    subscriber: Subscriber,
    options: CallOptions = {},
  ): Promise<ScheduleSubscription> {
    return this.http.post(
      `${BASE}/${segment(dashboardId)}/schedules/${segment(scheduleId)}/subscriptions`,
      { subscriber },
      options,
    );
  }

  async deleteSubscription(
    dashboardId: string,
    scheduleId: string,
    subscriptionId: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.http.send(
      "DELETE",
      `${BASE}/${segment(dashboardId)}/schedules/${segment(scheduleId)}/subscriptions/${segment(subscriptionId)}`,
      undefined,
      options,
    );
  }

  /** The workspace's notification destinations (id, display name, type; never their secrets). */
  listNotificationDestinations(options: ListOptions = {}): AsyncIterableIterator<NotificationDestination> {
    return this.http.paginate(
      "/api/2.0/notification-destinations",
      "results",
      { page_size: options.pageSize ?? 200 },
      options,
    );
  }
}
