// Direct ACLs of workspace objects (Permissions API) as sets: what a PUT would take away and add,
// for the plan's before/after and for validation.
import type { AccessControlRequest } from "../../clients/databricks/permissions.js";

type Json = Record<string, unknown>;

export interface AclEntry {
  /** user_name, group_name or service_principal_name */
  kind: string;
  principal: string;
  level: string;
}

const PRINCIPAL_KEYS = ["user_name", "group_name", "service_principal_name"] as const;

/** The direct (not inherited) entries of a GET permissions answer or a backed-up ACL. */
export function directEntries(acl: Json, rename: (principal: string) => string = (p) => p): AclEntry[] {
  const out: AclEntry[] = [];
  for (const entry of (acl["access_control_list"] as Json[] | undefined) ?? []) {
    const kind = PRINCIPAL_KEYS.find((key) => typeof entry[key] === "string" && entry[key] !== "");
    if (!kind) continue;
    const principal = rename(String(entry[kind]));
    for (const permission of (entry["all_permissions"] as Json[] | undefined) ?? []) {
      if (permission["inherited"]) continue;
      out.push({ kind, principal, level: String(permission["permission_level"]) });
    }
    if (typeof entry["permission_level"] === "string")
      out.push({ kind, principal, level: entry["permission_level"] });
  }
  return out;
}

export function toPutBody(entries: AclEntry[]): AccessControlRequest[] {
  return entries.map((e) => ({ [e.kind]: e.principal, permission_level: e.level }));
}

function key(e: AclEntry): string {
  return `${e.kind}\u0000${e.principal}\u0000${e.level}`;
}

export function describeEntry(e: AclEntry): string {
  const who = e.kind === "group_name" ? "group " : e.kind === "service_principal_name" ? "SP " : "";
  return `${who}${e.principal} (${e.level})`;
}

/** What replacing `current` with `wanted` loses and gains. */
export function aclDiff(current: AclEntry[], wanted: AclEntry[]): { lost: AclEntry[]; gained: AclEntry[] } {
  const have = new Set(current.map(key));
  const want = new Set(wanted.map(key));
  return {
    lost: current.filter((e) => !want.has(key(e))),
    gained: wanted.filter((e) => !have.has(key(e))),
  };
}

export function sameAcl(a: AclEntry[], b: AclEntry[]): boolean {
  const diff = aclDiff(a, b);
  return diff.lost.length === 0 && diff.gained.length === 0;
}

export function describeList(entries: AclEntry[]): string {
  return entries.length ? entries.map(describeEntry).join(", ") : "nothing";
}
