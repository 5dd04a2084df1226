// AI/BI (Lakeview) dashboards: /api/2.0/lakeview/dashboards (drafts, their serialized definition,
// the published version).
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
}
