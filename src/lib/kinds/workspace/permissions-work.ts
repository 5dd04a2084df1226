// The backup work item that reads one object's direct ACL (Permissions API). Kinds whose objects
// carry ACLs queue one per object; the permissions handler reads and restores them.
import type { KindWork } from "../types.js";

export type PermissionObjectType =
  "jobs" | "clusters" | "cluster-policies" | "instance-pools" | "notebooks" | "directories" | "files";

export interface PermissionsWork extends KindWork {
  kind: "permissions";
  objectType: PermissionObjectType;
  objectId: string;
  /** How the object is named in reports ("job nightly", a workspace path). */
  label: string;
}

export function permissionsWork(
  objectType: PermissionObjectType,
  objectId: string,
  label: string,
): PermissionsWork {
  return {
    kind: "permissions",
    path: `permissions/${objectType}/${objectId}.json`,
    objectType,
    objectId,
    label,
  };
}

export function isPermissionsWork(work: KindWork): work is PermissionsWork {
  return work.kind === "permissions";
}
