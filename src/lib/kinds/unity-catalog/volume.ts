// Volumes: external ones re-created at their location (remapped); managed ones re-created empty,
// with a follow-up to copy their files back (runbook 7.6).
import { pick, text, type Json } from "./model.js";
import { remapStorage } from "../../restore/engine/remap.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";
import { schemaScope } from "./backup.js";

export const volume = securableKind({
  kind: "volume",
  type: "volume",
  label: "Volume",
  plural: "volumes",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "volumes",
    title: "Volumes",
    why: "Leaf securables in schemas; no dependants.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "external at their location (remapped); managed re-created empty; comment",
  },
  backup: {
    parent: "schema",
    async list(b, schema) {
      const volumes = await collect(b.uc.listVolumes(schemaScope(schema!)));
      return { found: volumes.map((v) => ({ fullName: String(v["full_name"]), definition: v })) };
    },
  },
  compared: { mutable: ["comment"], replace: [], fixed: ["volume_type", "storage_location"] },
  desired: (def, remap) => ({
    name: def["name"],
    catalog_name: def["catalog_name"],
    schema_name: def["schema_name"],
    volume_type: def["volume_type"] ?? "MANAGED",
    ...(def["volume_type"] === "EXTERNAL"
      ? { storage_location: remapStorage(text(def["storage_location"], ""), remap) }
      : {}),
    ...pick(def, ["comment"]),
  }),
  note: (o, def) =>
    def["volume_type"] !== "EXTERNAL"
      ? `Volume ${o.fullName} is MANAGED: it is re-created empty; copy its files back (runbook 7.6).`
      : undefined,
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createVolume(
      desired as Json & {
        name: string;
        catalog_name: string;
        schema_name: string;
        volume_type: "MANAGED" | "EXTERNAL";
      },
    );
  },
});
