// Typed client for AI/BI (Lakeview) dashboards (/api/2.0/lakeview/dashboards): drafts, their
// serialized definition, and the published version.
import { isAzdrError } from "../../errors.js";
import type { DatabricksClient } from "../databricks.js";
import type { CallOptions } from "./warehouses.js";

export interface Dashboard {
  dashboard_id: string;
  display_name: string;
  path?: string;
  parent_path?: string;
  warehouse_id?: string;
  serialized_dashboard?: string;
  lifecycle_state?: "ACTIVE" | "TRASHED";
  etag?: string;
  create_time?: string;
  update_time?: string;
}

export interface PublishedDashboard {
  display_name?: string;
  embed_credentials?: boolean;
  warehouse_id?: string;
  revision_create_time?: string;
}

export interface DashboardDraft {
  display_name: string;
  parent_path: string;
  serialized_dashboard: string;
  warehouse_id?: string;
}

const BASE = "/api/2.0/lakeview/dashboards";

export class LakeviewClient {
  constructor(private readonly http: DatabricksClient) {}

  /** Active dashboards, summary view (no serialized definition: getDashboard has it). */
  listDashboards(options: CallOptions = {}): AsyncIterableIterator<Dashboard> {
    return this.http.paginate<Dashboard>(BASE, "dashboards", { page_size: 100 }, options);
  }

  getDashboard(id: string, options: CallOptions = {}): Promise<Dashboard> {
    return this.http.get<Dashboard>(`${BASE}/${encodeURIComponent(id)}`, undefined, options);
  }

  /** The published version, or undefined when the dashboard is not published (the API's 404). */
  async getPublished(id: string, options: CallOptions = {}): Promise<PublishedDashboard | undefined> {
    try {
      return await this.http.get<PublishedDashboard>(
        `${BASE}/${encodeURIComponent(id)}/published`,
        undefined,
        options,
      );
    } catch (error) {
      if (isAzdrError(error, "NOT_FOUND")) return undefined;
      throw error;
    }
  }

  createDashboard(draft: DashboardDraft, options: CallOptions = {}): Promise<Dashboard> {
    return this.http.post<Dashboard>(BASE, draft, options);
  }

  updateDashboard(id: string, draft: Partial<DashboardDraft>, options: CallOptions = {}): Promise<Dashboard> {
    return this.http.request<Dashboard>("PATCH", `${BASE}/${encodeURIComponent(id)}`, {
      ...options,
      body: draft,
    });
  }

  publishDashboard(
    id: string,
    request: { embed_credentials?: boolean; warehouse_id?: string },
    options: CallOptions = {},
  ): Promise<PublishedDashboard> {
    return this.http.post<PublishedDashboard>(`${BASE}/${encodeURIComponent(id)}/published`, request, {
      ...options,
      idempotent: true,
    });
  }
}
