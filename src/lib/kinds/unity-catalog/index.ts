// The Unity Catalog kind handlers, in restore order (one module per securable in this folder, plus
// grants, owners and isolation/bindings, which apply to all of them). The 7.4 scenario's steps are
// their steps in this order; the README coverage table lists them with the workspace kinds.
import type { RestoreKind } from "./model.js";
import type { SecurableSpec } from "./securable.js";
import { catalog } from "./catalog.js";
import { connection } from "./connection.js";
import { serviceCredential } from "./credential.js";
import { externalLocation } from "./external-location.js";
import { fn } from "./function.js";
import { grants } from "./grants.js";
import { metastoreAssignment } from "./metastore-assignment.js";
import { owners } from "./owners.js";
import { schema } from "./schema.js";
import { storageCredential } from "./storage-credential.js";
import { externalTable, managedTable } from "./table.js";
import { view } from "./view.js";
import { volume } from "./volume.js";
import { workspaceBindings } from "./workspace-bindings.js";
import type { UcKind } from "./context.js";

/** The securables, in restore order (tables before the views that read them). */
export const SECURABLE_KINDS = [
  storageCredential,
  serviceCredential,
  externalLocation,
  connection,
  catalog,
  schema,
  externalTable,
  managedTable,
  view,
  volume,
  fn,
] as const;

export const UNITY_CATALOG_KINDS: readonly UcKind[] = [
  metastoreAssignment,
  ...SECURABLE_KINDS,
  grants,
  owners,
  workspaceBindings,
];

const BY_RESTORE_KIND = new Map<RestoreKind, SecurableSpec>(
  SECURABLE_KINDS.map((k) => [k.spec.kind, k.spec]),
);

/** The securable spec of a restore kind (what the export and the scenario route by). */
export function securableSpec(kind: RestoreKind): SecurableSpec {
  const spec = BY_RESTORE_KIND.get(kind);
  if (!spec) throw new Error(`no Unity Catalog handler for ${kind}`);
  return spec;
}

/** The create body of a securable, remapped. */
export function desiredBody(
  kind: RestoreKind,
  def: Parameters<SecurableSpec["desired"]>[0],
  remap: Parameters<SecurableSpec["desired"]>[1],
) {
  return securableSpec(kind).desired(def, remap);
}
