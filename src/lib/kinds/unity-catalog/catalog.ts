// Catalogs: re-created with their storage root (remap.catalogStorageRoots, else the storage
// rules), comment and properties; a foreign or shared catalog with its connection or share.
// Isolation and workspace bindings are the workspace-bindings handler's (last step).
import { pick, remapCatalogRoot, type Json } from "./model.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";

/** Catalogs the platform makes: never backed up. */
const SYSTEM_CATALOGS = new Set(["system", "__databricks_internal", "samples", "hive_metastore"]);

export const catalog = securableKind({
  kind: "catalog",
  type: "catalog",
  label: "Catalog",
  plural: "catalogs",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "catalogs",
    title: "Catalogs",
    why: "Schemas live in catalogs.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "storage root remapped; comment, properties",
  },
  backup: {
    async list(b) {
      const catalogs = (await collect(b.uc.listCatalogs())).filter(
        (c) => !SYSTEM_CATALOGS.has(c.name) && c.catalog_type !== "SYSTEM_CATALOG",
      );
      return {
        found: catalogs.map((c) => ({ fullName: c.name, definition: c })),
        summary: { catalogs: catalogs.length },
      };
    },
  },
  compared: { mutable: ["comment", "properties"], replace: [], fixed: ["storage_root", "connection_name"] },
  desired(def, remap) {
    const root = typeof def["storage_root"] === "string" ? def["storage_root"] : undefined;
    return {
      name: def["name"],
      ...pick(def, ["comment", "properties", "connection_name", "options", "provider_name", "share_name"]),
      ...(root ? { storage_root: remapCatalogRoot(String(def["name"]), root, remap) } : {}),
    };
  },
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createCatalog(desired as Json & { name: string });
  },
});
