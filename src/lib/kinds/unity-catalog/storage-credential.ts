// Storage credentials: managed-identity ones are re-created with their access connector id
// (remapped by remap.accessConnectors); service-principal ones hold a secret that is never backed
// up, so they are listed as unsupported with what to do. Isolation and workspace bindings are the
// workspace-bindings handler's.
import { planState } from "./context.js";
import { pick, remapAccessConnector, securableKey, text, type Json } from "./model.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";

export const storageCredential = securableKind({
  kind: "storage_credential",
  type: "storage_credential",
  label: "Storage credential",
  plural: "storage credentials",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "storage-credentials",
    title: "Storage credentials",
    why: "External locations name a storage credential, so credentials come first.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "managed identity only (access connector remapped); comment, read_only, identity",
  },
  backup: {
    async list(b) {
      return {
        found: (await collect(b.uc.listStorageCredentials())).map((c) => ({
          fullName: c.name,
          definition: c,
        })),
      };
    },
  },
  compared: { mutable: ["comment", "read_only", "azure_managed_identity"], replace: [], fixed: [] },
  desired(def, remap) {
    const mi = (def["azure_managed_identity"] ?? {}) as Json;
    return {
      name: def["name"],
      ...pick(def, ["comment", "read_only", "skip_validation"]),
      azure_managed_identity: {
        access_connector_id: remapAccessConnector(text(mi["access_connector_id"], ""), remap),
        ...pick(mi, ["managed_identity_id"]),
      },
    };
  },
  holdBack(_r, _o, def, exists) {
    if (def["azure_managed_identity"]) return undefined;
    return exists
      ? "exists in the target"
      : "not a managed-identity credential: its secret is not (and never is) in the backup; re-create it with its secret, or move it to an access connector";
  },
  conflict(r, desired) {
    const name = text(desired["name"]);
    return planState(r).inventory.has(securableKey("credential", name))
      ? `a service credential named ${name} exists in the target (storage and service credential names share one namespace): rename or drop it to restore this storage credential`
      : undefined;
  },
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createStorageCredential(desired as Json & { name: string });
  },
});
