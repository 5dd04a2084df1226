// The backup work item that reads one object's direct ACL (Permissions API). Kinds whose objects
// carry ACLs queue one per object; the permissions handler reads and restores them.
import type { PermissionObjectType as ApiObjectType } from "../../clients/databricks/permissions.js";
import type { KindWork } from "../types.js";

/** The Permissions API object types whose ACLs azdr backs up (the permissions handler maps each). */
export type PermissionObjectType = Extract<
  ApiObjectType,
  | "jobs"
  | "clusters"
  | "cluster-policies"
  | "instance-pools"
  | "notebooks"
  | "directories"
  | "files"
  | "warehouses"
  | "pipelines"
  | "dashboards"
  | "experiments"
>;

export interface PermissionsWork extends KindWork {
  kind: "permissions";
  objectType: PermissionObjectType;
  objectId: string;
  /** How the object is named in reports ("job nightly", a workspace path). */
  label: string;
}

/** Where an object's direct ACL is kept in the config snapshot. */
export function permissionsEntryPath(objectType: string, objectId: string): string {
  return `permissions/${objectType}/${objectId}.json`;
}

export function permissionsWork(
  objectType: PermissionObjectType,
  objectId: string,
  label: string,
): PermissionsWork {
  return {
    kind: "permissions",
    path: permissionsEntryPath(objectType, objectId),
    objectType,
    objectId,
    label,
  };
}

export function isPermissionsWork(work: KindWork): work is PermissionsWork {
  return work.kind === "permissions";
}
