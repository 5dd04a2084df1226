// Current user (Databricks API reference: "Get current user info", GET /api/2.0/preview/scim/v2/Me,
// SCIM 2.0 User). The simulated caller is the workspace admin the token belongs to: member of the
// `admins` group, with the workspace-access and cluster-create entitlements.
import type { SimService } from "../core/server.js";
import type { WorkspaceState } from "./state.js";
import { ok } from "./util.js";

export function registerIdentityRoutes(service: SimService, state: WorkspaceState): void {
  service.route("GET", "/api/2.0/preview/scim/v2/Me", () =>
    ok({
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      id: "1000000000000001",
      userName: state.userName,
      displayName: state.userName.split("@")[0],
      active: true,
      emails: [{ type: "work", value: state.userName, primary: true }],
      groups: [
        { display: "admins", type: "direct", value: "2000000000000001", $ref: "Groups/2000000000000001" },
      ],
      entitlements: [{ value: "workspace-access" }, { value: "allow-cluster-create" }],
    }),
  );
}
