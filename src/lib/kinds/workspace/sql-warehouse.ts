// SQL warehouses: backed up as their configuration (size, scaling, auto-stop, type, channel, tags;
// never state), restored by name and CREATED STOPPED — the API starts a new warehouse, so azdr stops
// it right after: nobody pays for idle DR compute and it starts on its first query. Dashboards refer
// to warehouses by id: apply and learn record old → new ids in the "warehouses" map. Validated field
// by field on the configuration fields.
import { databricksApis, warehouseSpec, type WarehouseInfo } from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet, differingFields } from "../compare.js";
import { permissionsWork } from "./permissions-work.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  nameOf,
  type WorkspaceKind,
  type WorkspaceRestore,
  learnByName,
} from "./context.js";

/** The id map dashboards read: source warehouse id → target warehouse id. */
export const WAREHOUSE_IDS = "warehouses";

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "sql-warehouses",
  title: "SQL warehouses (created stopped)",
  why: "Dashboards run on warehouses; created stopped so nothing bills before it is used.",
};

/** The target's warehouses by name, read once per plan, batch or validation. */
function targetWarehouses(r: WorkspaceRestore): Promise<Map<string, WarehouseInfo>> {
  return r.memo(STEP.name, async () => {
    const byName = new Map<string, WarehouseInfo>();
    for await (const w of databricksApis(r.client).warehouses.list()) byName.set(String(w.name), w);
    return byName;
  });
}

export const sqlWarehouse: WorkspaceKind = {
  kind: "sql-warehouse",
  label: "SQL warehouse",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "configuration field by field; created stopped",
  },
  entryPath: (id) => jsonEntryPath("sql-warehouses", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const work = [];
      let count = 0;
      for await (const w of databricksApis(b.client).warehouses.list()) {
        count++;
        entries.push(
          await b.ctx.store.putJson(
            sqlWarehouse.entryPath(w.id),
            sqlWarehouse.kind,
            { id: w.id, ...warehouseSpec(w) },
            { name: w.name },
          ),
        );
        work.push(permissionsWork("warehouses", w.id, `SQL warehouse ${String(w.name)}`));
      }
      return { entries, work, summary: { sqlWarehouses: count } };
    },
  },

  async learn(r, entries) {
    learnByName(r, WAREHOUSE_IDS, sqlWarehouse, entries, await targetWarehouses(r), (w) => w.id);
  },

  async plan(r, entries) {
    const warehouses = await targetWarehouses(r);
    const items = [];
    for (const entry of entries) {
      const name = nameOf(entry);
      const decision = existingAction(warehouses.has(name), r.request, `SQL warehouse "${name}"`);
      items.push({
        ...itemBase(sqlWarehouse, entry, name, sqlWarehouse.idOf(entry.path)),
        ...decision,
        ...(decision.action === "create" ? { reason: `${decision.reason}; created, then stopped` } : {}),
      });
    }
    return { items };
  },

  async apply(r, item) {
    const api = databricksApis(r.client).warehouses;
    const spec = warehouseSpec((await bodyOf(r, item)) as WarehouseInfo);
    const existing = (await targetWarehouses(r)).get(item.target!);
    if (existing) {
      if (item.action === "update") await api.edit(existing.id, spec);
      r.learn(WAREHOUSE_IDS, item.sourceId!, existing.id);
      if (item.action === "update") return { status: "updated" };
      // Planned as a create: an earlier attempt made it (its answer lost) and may not have stopped it.
      if (existing.state === "RUNNING" || existing.state === "STARTING") await api.stop(existing.id);
      return { status: "skipped", detail: "already exists (created by an earlier attempt?); stopped" };
    }
    let id: string;
    try {
      id = await api.create(spec);
    } catch (error) {
      if (!isAzdrError(error, "ALREADY_EXISTS")) throw error;
      // Made since the plan read the target (a lost answer of an earlier attempt): take it over.
      const made = [...(await collectWarehouses(r))].find((w) => w.name === item.target);
      if (!made) throw error;
      r.learn(WAREHOUSE_IDS, item.sourceId!, made.id);
      return { status: "skipped", detail: "already exists (created by an earlier attempt?)" };
    }
    r.learn(WAREHOUSE_IDS, item.sourceId!, id);
    await api.stop(id);
    return { status: "created", detail: "stopped" };
  },

  async validate(r, planned) {
    const warehouses = await targetWarehouses(r);
    return [
      await checkSet("SQL warehouses restored (configuration)", planned, async (item) => {
        const have = warehouses.get(item.target!);
        if (!have) return "missing";
        const want = warehouseSpec((await bodyOf(r, item)) as WarehouseInfo);
        const fields = differingFields({ ...want }, have);
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};

async function collectWarehouses(r: WorkspaceRestore): Promise<WarehouseInfo[]> {
  const out: WarehouseInfo[] = [];
  for await (const w of databricksApis(r.client).warehouses.list()) out.push(w);
  return out;
}
