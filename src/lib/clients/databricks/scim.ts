// SCIM: the identity the client authenticates as (/api/2.0/preview/scim/v2/Me).
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions, type Open } from "./common.js";

export type ScimUser = Open<{
  id?: string;
  userName?: string;
  displayName?: string;
  emails?: { value?: string; type?: string; primary?: boolean }[];
  active?: boolean;
  /** Groups the user is a direct member of ("admins" for workspace admins). */
  groups?: { display?: string; value?: string }[];
}>;

export class ScimClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "other");
  }

  me(options: CallOptions = {}): Promise<ScimUser> {
    return this.http.get("/api/2.0/preview/scim/v2/Me", {}, options);
  }
}
