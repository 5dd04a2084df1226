// Service credentials (Credentials API, purpose SERVICE; the `credential` securable type of grants
// and workspace bindings): what code on Databricks uses to reach Azure services through their SDKs.
// Managed-identity ones are re-created with their access connector id (remapped by
// remap.accessConnectors, like storage credentials); service-principal ones hold a client secret
// that is never backed up, so they are listed as unsupported with what to do. Names are unique
// across storage and service credentials: a storage credential of the same name is a conflict.
// Grants and owner are the grants and owners handlers'; isolation and bindings the
// workspace-bindings handler's.
import { planState } from "./context.js";
import { pick, remapAccessConnector, securableKey, text, type Json } from "./model.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";
import { credentialWithoutSecrets } from "./paths.js";

export const serviceCredential = securableKind({
  kind: "credential",
  type: "credential",
  label: "Service credential",
  plural: "service credentials",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "service-credentials",
    title: "Service credentials",
    why: "Connections and code name a service credential (ACCESS, CREATE_CONNECTION), so service credentials come before connections.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "managed identity (access connector remapped); comment, identity; secret-based ones: follow-up",
  },
  // `purpose` cannot change: a same-named STORAGE credential is not this one.
  backup: {
    // The Credentials API lists storage credentials too (the storage_credential kind's): SERVICE only.
    async list(b) {
      const listed = await collect(b.uc.listCredentials({ purpose: "SERVICE" }));
      return {
        found: listed
          .filter((c) => c.purpose === "SERVICE")
          .map((c) => ({ fullName: c.name, definition: credentialWithoutSecrets(c) })),
      };
    },
  },
  compared: { mutable: ["comment", "azure_managed_identity"], replace: [], fixed: ["purpose"] },
  desired(def, remap) {
    const mi = (def["azure_managed_identity"] ?? {}) as Json;
    return {
      name: def["name"],
      purpose: "SERVICE",
      ...pick(def, ["comment"]),
      azure_managed_identity: {
        access_connector_id: remapAccessConnector(text(mi["access_connector_id"], ""), remap),
        ...pick(mi, ["managed_identity_id"]),
      },
    };
  },
  holdBack(_r, o, def, exists) {
    if (def["azure_managed_identity"]) return undefined;
    return exists
      ? "exists in the target"
      : `not a managed-identity service credential: its client secret is not (and never is) in the backup; re-create service credential ${o.fullName} by hand with its secret (POST /api/2.1/unity-catalog/credentials, purpose SERVICE), or move it to an access connector, then re-run for its grants, owner and bindings`;
  },
  conflict(r, desired) {
    const name = text(desired["name"]);
    return planState(r).inventory.has(securableKey("storage_credential", name))
      ? `a storage credential named ${name} exists in the target (storage and service credential names share one namespace): rename or drop it to restore this service credential`
      : undefined;
  },
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createCredential(desired as Json & { name: string; purpose: "SERVICE" });
  },
});
