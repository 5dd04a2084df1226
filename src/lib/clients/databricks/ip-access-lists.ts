// IP access lists: /api/2.0/ip-access-lists. A create, replace or update whose result would block
// the caller's own address is refused (400 INVALID_STATE: PRECONDITION_FAILED here), more than 1000
// values over all lists is QUOTA_EXCEEDED (TOO_LARGE here). The lists take effect only while the
// workspace-conf key enableIpAccessLists is true.
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type Open } from "./common.js";

export type IpAccessListType = "ALLOW" | "BLOCK";

export type IpAccessList = Open<{
  list_id: string;
  label: string;
  list_type: IpAccessListType;
  ip_addresses?: string[];
  enabled?: boolean;
  /** Server-set. */
  address_count?: number;
  created_at?: number;
  created_by?: number;
  updated_at?: number;
  updated_by?: number;
}>;

/** What create takes (a new list is enabled). */
export interface IpAccessListSpec {
  label: string;
  list_type: IpAccessListType;
  ip_addresses: string[];
}

const BASE = "/api/2.0/ip-access-lists";

export class IpAccessListsClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "other", [
      [/\b400 INVALID_STATE\b/, "PRECONDITION_FAILED"],
      [/\b400 QUOTA_EXCEEDED\b/, "TOO_LARGE"],
    ]);
  }

  /** Every list of the workspace (the API does not page them). */
  async *list(options: CallOptions = {}): AsyncIterableIterator<IpAccessList> {
    const page = await this.http.get<{ ip_access_lists?: IpAccessList[] }>(BASE, {}, options);
    yield* page.ip_access_lists ?? [];
  }

  async get(id: string, options: CallOptions = {}): Promise<IpAccessList> {
    return (await this.http.get<{ ip_access_list: IpAccessList }>(`${BASE}/${segment(id)}`, {}, options))
      .ip_access_list;
  }

  async create(spec: IpAccessListSpec, options: CallOptions = {}): Promise<IpAccessList> {
    return (await this.http.post<{ ip_access_list: IpAccessList }>(BASE, spec, options)).ip_access_list;
  }

  /** Replaces the whole list (label, type, addresses, enabled). */
  async replace(id: string, spec: IpAccessListSpec & { enabled: boolean }, options: CallOptions = {}) {
    await this.http.send("PUT", `${BASE}/${segment(id)}`, spec, options);
  }

  /** Changes only what is sent. */
  async update(
    id: string,
    changes: Partial<IpAccessListSpec> & { enabled?: boolean },
    options: CallOptions = {},
  ) {
    await this.http.send("PATCH", `${BASE}/${segment(id)}`, changes, options);
  }
}
