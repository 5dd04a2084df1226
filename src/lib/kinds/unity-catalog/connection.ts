// Connections (Lakehouse Federation): re-created with their non-secret options; the secrets
// (passwords, tokens) were never backed up and are re-entered by hand, which the plan says.
import { errorMessage } from "../../errors.js";
import { pick, type Json } from "./model.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";
import { withoutSecrets } from "./paths.js";

export const connection = securableKind({
  kind: "connection",
  type: "connection",
  label: "Connection",
  plural: "connections",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "connections",
    title: "Connections",
    why: "Foreign catalogs name a connection.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "without secrets (re-entered by hand); type, options, comment",
  },
  backup: {
    async list(b) {
      const listed = await collect(b.uc.listConnections());
      return { found: listed.map((c) => ({ fullName: c.name, definition: withoutSecrets(c) })) };
    },
  },
  compared: { mutable: [], replace: [], fixed: ["connection_type", "options", "comment"] },
  desired: (def) => ({
    name: def["name"],
    connection_type: def["connection_type"],
    options: def["options"] ?? {},
    ...pick(def, ["comment", "properties", "read_only"]),
  }),
  note: (o) => `Connection ${o.fullName}: re-enter its credentials (backups hold no secrets).`,
  createReason: () => "create without credentials: re-enter them afterwards (backups hold no secrets)",
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createConnection(
      desired as Json & { name: string; connection_type: string },
    );
  },
  createFailed: (error, desired) =>
    `${errorMessage(error)}: create it with its credentials (options ${Object.keys(desired["options"] ?? {}).join(", ") || "none"} plus the secret ones the backup never holds), then re-run for its grants and owner`,
});
