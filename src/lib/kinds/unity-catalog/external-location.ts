// External locations: re-created with their URL remapped (remap.storageAccounts / abfssRoots);
// a URL overlapping another location of the target is a conflict (the service refuses it).
// Isolation and workspace bindings are the workspace-bindings handler's.
import { planState } from "./context.js";
import { pick, text, type Json } from "./model.js";
import { remapStorage } from "../../restore/engine/remap.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";

export const externalLocation = securableKind({
  kind: "external_location",
  type: "external_location",
  label: "External location",
  plural: "external locations",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "external-locations",
    title: "External locations",
    why: "Catalog storage roots, external tables and external volumes must fall under an external location.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "URL remapped; credential, comment, read_only",
  },
  backup: {
    async list(b) {
      return {
        found: (await collect(b.uc.listExternalLocations())).map((l) => ({
          fullName: l.name,
          definition: l,
        })),
      };
    },
  },
  compared: { mutable: ["url", "credential_name", "comment", "read_only"], replace: [], fixed: [] },
  desired: (def, remap) => ({
    name: def["name"],
    url: remapStorage(text(def["url"], ""), remap),
    credential_name: def["credential_name"],
    ...pick(def, ["comment", "read_only", "fallback"]),
  }),
  conflict(r, desired) {
    const url = String(desired["url"]).replace(/\/+$/, "");
    for (const [key, other] of planState(r).inventory) {
      if (!key.startsWith("external_location/")) continue;
      const otherUrl = text(other["url"], "").replace(/\/+$/, "");
      if (otherUrl && (url.startsWith(otherUrl) || otherUrl.startsWith(url)))
        return `URL ${url} overlaps existing external location "${String(other["name"])}" (${otherUrl}); remap it (abfssRoots / storageAccounts) or remove the other one`;
    }
    return undefined;
  },
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createExternalLocation(
      desired as Json & { name: string; url: string; credential_name: string },
    );
  },
});
