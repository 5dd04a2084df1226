// Schemas: re-created in their catalog with their managed location remapped, comment and properties.
import { pick, type Json } from "./model.js";
import { remapStorage } from "../../restore/engine/remap.js";
import { securableKind } from "./securable.js";

export const schema = securableKind({
  kind: "schema",
  type: "schema",
  label: "Schema",
  plural: "schemas",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "schemas",
    title: "Schemas",
    why: "Tables, views, volumes and functions live in schemas.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "storage root remapped; comment, properties",
  },
  compared: { mutable: ["comment", "properties"], replace: [], fixed: ["storage_root"] },
  desired(def, remap) {
    const root = typeof def["storage_root"] === "string" ? def["storage_root"] : undefined;
    return {
      name: def["name"],
      catalog_name: def["catalog_name"],
      ...pick(def, ["comment", "properties"]),
      ...(root ? { storage_root: remapStorage(root, remap) } : {}),
    };
  },
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createSchema(desired as Json & { name: string; catalog_name: string });
  },
});
