// Schemas: re-created in their catalog with their managed location remapped, comment and properties.
import { pick, type Json } from "./model.js";
import { remapStorage } from "../../restore/engine/remap.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";
import { errorMessage, isAzdrError } from "../../errors.js";
import { SECURABLE_FOLDERS } from "./paths.js";

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
  backup: {
    parent: "catalog",
    async list(b, catalog) {
      const catalogName = catalog!.fullName;
      let listed: Json[];
      try {
        listed = await collect(b.uc.listSchemas(catalogName));
      } catch (error) {
        // An ISOLATED catalog not bound to the workspace the backup reads through: the catalog
        // itself, its grants and bindings are backed up; what is inside it cannot be read from here.
        if (!(catalog!.definition["isolation_mode"] === "ISOLATED" && isAzdrError(error, "FORBIDDEN")))
          throw error;
        return {
          found: [],
          skipped: [
            {
              path: `${SECURABLE_FOLDERS.schema}/${encodeURIComponent(catalogName)}.*`,
              kind: "schema",
              reason: `catalog ${catalogName} is ISOLATED and not bound to workspace "${b.metastore.workspace}", which the backup reads through: its schemas, tables, volumes and functions are not backed up; bind that workspace to it (read-only is enough) — ${errorMessage(error)}`,
            },
          ],
        };
      }
      const schemas = listed.filter((s) => s["name"] !== "information_schema");
      return {
        found: schemas.map((s) => ({
          fullName:
            typeof s["full_name"] === "string" ? s["full_name"] : `${catalogName}.${String(s["name"])}`,
          definition: s,
        })),
        summary: { schemas: schemas.length },
      };
    },
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
