// Views (and materialized views' definitions): created with CREATE VIEW … COMMENT … AS on a SQL
// warehouse, after the tables and views they read (the REST API creates no views). A view over a
// table the restore cannot create (a managed table left out, or one the backup could not read) is
// left out with the reason; a changed definition or comment is a CREATE OR REPLACE VIEW.
import { planState, runSql, type UcRestore } from "./context.js";
import {
  blockedViews,
  quoteName,
  restoreKindOf,
  securableKey,
  sqlString,
  text,
  viewDependencies,
  type Json,
  type UcObject,
} from "./model.js";
import { recreatesManaged } from "./table.js";
import type { Inventory } from "./target.js";
import { securableKind } from "./securable.js";

async function createView(
  r: Parameters<typeof runSql>[0],
  fullName: string,
  desired: Json,
  replace: boolean,
): Promise<void> {
  const comment =
    typeof desired["comment"] === "string" && desired["comment"]
      ? ` COMMENT ${sqlString(desired["comment"])}`
      : "";
  await runSql(
    r,
    `CREATE ${replace ? "OR REPLACE " : ""}VIEW ${quoteName(fullName)}${comment} AS ${text(desired["view_definition"], "")}`,
    `CREATE VIEW ${fullName}`,
  );
}

export const view = securableKind({
  kind: "view",
  type: "table",
  label: "View",
  plural: "views",
  step: {
    kind: "items",
    ordering: "dependency",
    name: "views",
    title: "Views",
    why: "Views resolve the tables (and views) they select from when created.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "with SQL, after what they read; definition, comment",
  },
  // CREATE OR REPLACE VIEW sets the comment with the definition (the Tables API cannot change either).
  compared: { mutable: [], replace: ["view_definition", "comment"], fixed: ["table_type"] },
  desired: (def) => ({
    name: def["name"],
    catalog_name: def["catalog_name"],
    schema_name: def["schema_name"],
    table_type: def["table_type"] ?? "VIEW",
    view_definition: def["view_definition"],
    ...(typeof def["comment"] === "string" ? { comment: def["comment"] } : {}),
  }),
  holdBack(r, o, _def, exists) {
    const p = planState(r);
    const blockedBy = p.blocked.get(o.fullName.toLowerCase());
    if (!blockedBy || exists) return undefined;
    return p.backedUp.has(blockedBy)
      ? `reads ${blockedBy}, which is not restored (MANAGED: restore its data first, runbook 7.6, or ask for managedTables=recreate-empty); re-run this restore afterwards to create the view`
      : `reads ${blockedBy}, which is neither in the backup (see the snapshot's skipped entries) nor in the target; create it, then re-run this restore to create the view`;
  },
  createReason: () => "create with CREATE VIEW on a SQL warehouse",
  create: (r, fullName, desired) => createView(r, fullName, desired, false),
  replace: (r, fullName, desired) => createView(r, fullName, desired, true),
});

/**
 * Views blocked by tables that will not exist in the target: MANAGED ones not there already,
 * unless the operator asked for their definitions to be re-created empty, and tables of a
 * backed-up catalog that are not in the backup at all (the backup could not read inside an
 * ISOLATED catalog) nor in the target. Lower-case full names: view → what it reads.
 */
export async function blockedByMissingTables(
  r: UcRestore,
  objects: UcObject[],
  inventory: Inventory,
): Promise<Map<string, string>> {
  const missing = new Set<string>();
  const views = new Map<string, Json>();
  const backedUp = new Set(r.backup.objects.map((o) => o.fullName.toLowerCase()));
  const catalogs = new Set(
    r.backup.objects.filter((o) => o.type === "catalog").map((o) => o.fullName.toLowerCase()),
  );
  const tables = objects.filter((o) => o.type === "table");
  for (const o of tables) {
    const def = await r.definition(o.sha256);
    const kind = restoreKindOf(o.type, def);
    const name = o.fullName.toLowerCase();
    if (kind === "view") {
      views.set(name, def);
      for (const dep of viewDependencies(def))
        if (
          catalogs.has(dep.split(".")[0]!) &&
          !backedUp.has(dep) &&
          !inventory.has(securableKey("table", dep))
        )
          missing.add(dep);
    } else if (
      kind === "managed_table" &&
      !recreatesManaged(r.request) &&
      !inventory.has(securableKey("table", name))
    )
      missing.add(name);
  }
  return blockedViews(views, missing);
}
