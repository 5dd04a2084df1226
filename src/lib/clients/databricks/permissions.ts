// Permissions API (/api/2.0/permissions/{object type}/{id}): direct and inherited ACLs of
// workspace objects.
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type Open } from "./common.js";

/** The object types of the permissions API that azdr backs up and restores. */
export type PermissionObjectType =
  | "jobs"
  | "clusters"
  | "cluster-policies"
  | "instance-pools"
  | "notebooks"
  | "directories"
  | "files"
  | "repos"
  | "pipelines"
  | "warehouses"
  | "dashboards"
  | "experiments";

export type Permission = Open<{
  permission_level: string;
  inherited?: boolean;
  inherited_from_object?: string[];
}>;

export type AccessControlResponse = Open<{
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  display_name?: string;
  all_permissions?: Permission[];
}>;

export type ObjectPermissions = Open<{
  object_id?: string;
  object_type?: string;
  access_control_list?: AccessControlResponse[];
}>;

/** One entry of a set/update body: exactly one principal field. */
export interface AccessControlRequest {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  permission_level: string;
}

export class PermissionsClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "permissions");
  }

  get(
    objectType: PermissionObjectType,
    objectId: string | number,
    options: CallOptions = {},
  ): Promise<ObjectPermissions> {
    return this.http.get(path(objectType, objectId), {}, options);
  }

  /** Replaces the direct permissions of the object (PUT): anything not listed is removed. */
  set(
    objectType: PermissionObjectType,
    objectId: string | number,
    acl: AccessControlRequest[],
    options: CallOptions = {},
  ): Promise<ObjectPermissions> {
    return this.http.send("PUT", path(objectType, objectId), { access_control_list: acl }, options);
  }

  /** Adds to the direct permissions of the object (PATCH); nothing is removed. */
  update(
    objectType: PermissionObjectType,
    objectId: string | number,
    acl: AccessControlRequest[],
    options: CallOptions = {},
  ): Promise<ObjectPermissions> {
    return this.http.send("PATCH", path(objectType, objectId), { access_control_list: acl }, options);
  }
}

// The reference's request_object_type values are single path segments ("warehouses", "dashboards"
// for AI/BI dashboards, "experiments", "pipelines"); the id is encoded.
const path = (objectType: PermissionObjectType, objectId: string | number) =>
  `/api/2.0/permissions/${segment(objectType)}/${segment(objectId)}`;
