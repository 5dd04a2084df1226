// Instance pools: backed up as their spec (no state or stats), restored by name (create, or edit
// with existing=update), validated field by field on the spec fields a create accepts.
import type { InstancePoolSpec } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import { checkSet, differingFields } from "../compare.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { permissionsWork } from "./permissions-work.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  pick,
  type WorkspaceKind,
  type WorkspaceRestore,
  learnByName,
} from "./context.js";

type Json = Record<string, unknown>;

/** The fields of a pool a create or edit accepts: what is restored and compared. */
export const POOL_SPEC = [
  "instance_pool_name",
  "node_type_id",
  "min_idle_instances",
  "max_capacity",
  "idle_instance_autotermination_minutes",
  "azure_attributes",
  "custom_tags",
  "preloaded_spark_versions",
  "enable_elastic_disk",
  "disk_spec",
  "preloaded_docker_images",
];

function poolSpec(body: Json): InstancePoolSpec {
  return pick(body, POOL_SPEC);
}

/** Fields that describe the pool's life, not its configuration. */
const POOL_RUNTIME_FIELDS = ["state", "stats", "status", "default_tags"];

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "instance-pools",
  title: "Instance pools",
  why: "Clusters and job clusters draw from pools.",
};

/** The target's pools by name, read once per plan, batch or validation. */
function targetPools(r: WorkspaceRestore): Promise<Map<string, Json>> {
  return r.memo("instance-pools", async () => {
    const byName = new Map<string, Json>();
    for await (const pool of r.api.instancePools.list()) byName.set(pool.instance_pool_name, pool);
    return byName;
  });
}

export const instancePool: WorkspaceKind = {
  kind: "instance-pool",
  label: "Instance pool",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: { backup: true, restore: true, validated: true, note: "spec field by field" },
  entryPath: (id) => jsonEntryPath("instance-pools", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const work = [];
      const pools = await collect(b.api.instancePools.list());
      for (const pool of pools) {
        const id = String(pool["instance_pool_id"]);
        const spec = { ...pool };
        for (const field of POOL_RUNTIME_FIELDS) delete spec[field];
        entries.push(
          await b.ctx.store.putJson(instancePool.entryPath(id), instancePool.kind, spec, {
            name: pool["instance_pool_name"],
          }),
        );
        work.push(permissionsWork("instance-pools", id, `pool ${String(pool["instance_pool_name"])}`));
      }
      return { entries, work, summary: { pools: pools.length } };
    },
  },

  async learn(r, entries) {
    learnByName(r, "pools", instancePool, entries, await targetPools(r), (p) =>
      String(p["instance_pool_id"]),
    );
  },

  async plan(r, entries) {
    const pools = await targetPools(r);
    const items = [];
    for (const entry of entries) {
      const body = await bodyOf(r, entry);
      const name = String(body["instance_pool_name"]);
      items.push({
        ...itemBase(instancePool, entry, name, String(body["instance_pool_id"])),
        ...existingAction(pools.has(name), r.request, `pool "${name}"`),
      });
    }
    return { items };
  },

  async apply(r, item) {
    const body = await bodyOf(r, item);
    const existing = (await targetPools(r)).get(item.target!);
    if (existing) {
      const id = String(existing["instance_pool_id"]);
      if (item.action === "update") await r.api.instancePools.edit(id, poolSpec(body));
      r.learn("pools", item.sourceId!, id);
      return { status: item.action === "update" ? "updated" : "skipped" };
    }
    const created = await r.api.instancePools.create(poolSpec(body));
    r.learn("pools", item.sourceId!, created.instance_pool_id);
    return { status: "created" };
  },

  async validate(r, planned) {
    const pools = await targetPools(r);
    return [
      await checkSet("instance pools restored (spec)", planned, async (item) => {
        const have = pools.get(item.target!);
        if (!have) return "missing";
        const fields = differingFields(pick(await bodyOf(r, item), POOL_SPEC), have);
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
