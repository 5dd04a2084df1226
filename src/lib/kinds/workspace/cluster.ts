// All-purpose clusters: backed up as their spec (no runtime state; job clusters come and go with
// their runs and live in their jobs' settings). Restored by name or by the id ledger, created and
// terminated at once (a restore must not start paying for compute), storage remapped and policy and
// pool ids mapped; validated field by field against that spec, and terminated.
import type { ClusterSpec } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { remapDeep, remapStorage, type IdMaps } from "../../restore/engine/remap.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet, differingFields } from "../compare.js";
import { learnFromLedger, remapCompute, resolveInTarget } from "./compute-refs.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";
import type { TargetObject } from "./ledger.js";
import { permissionsWork } from "./permissions-work.js";

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "clusters",
  title: "Clusters (created terminated)",
  why: "Jobs refer to clusters by id; nobody pays for idle compute.",
};

/** Cluster fields that describe runtime state, not configuration. */
const CLUSTER_RUNTIME_FIELDS = [
  "state",
  "state_message",
  "start_time",
  "terminated_time",
  "last_state_loss_time",
  "last_restarted_time",
  "last_activity_time",
  "driver",
  "executors",
  "jdbc_port",
  "cluster_memory_mb",
  "cluster_cores",
  "termination_reason",
  "spark_context_id",
  "default_tags",
  "cluster_log_status",
  "creator_user_name",
];

/** Set by the service when a restore creates the cluster: not compared. */
const SERVER_SET = [
  "state",
  "state_message",
  "start_time",
  "terminated_time",
  "default_tags",
  "creator_user_name",
];

/** A cluster as backed up: its configuration, without runtime state. */
export function backedUpClusterSpec(cluster: Json): Json {
  const spec: Json = { ...cluster };
  for (const field of CLUSTER_RUNTIME_FIELDS) delete spec[field];
  return spec;
}

/** A cluster's create body: storage remapped, policy and pool ids mapped, no source-only fields. */
export function restoredClusterSpec(body: Json, r: Pick<WorkspaceRestore, "request">, ids: IdMaps): Json {
  const spec = remapCompute(
    remapDeep(body, (s) => remapStorage(s, r.request.remap)),
    ids,
  );
  delete spec["cluster_id"];
  delete spec["cluster_source"];
  return spec;
}

/** The target's clusters (id, name, creation time for the ledger, state). */
export function targetClusters(r: WorkspaceRestore): Promise<(TargetObject & { state: string })[]> {
  return r.memo("clusters", async () =>
    (await collect(r.api.clusters.list())).map((c) => ({
      id: c.cluster_id,
      name: String(c.cluster_name),
      createdAt: Number(c["start_time"] ?? 0),
      state: typeof c.state === "string" ? c.state : "",
    })),
  );
}

export const cluster: WorkspaceKind = {
  kind: "cluster",
  label: "Cluster",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "spec field by field (server-set fields ignored), terminated; job clusters come with their jobs",
  },
  entryPath: (id) => jsonEntryPath("clusters", id),
  idOf: jsonEntryId,
  needsIds: true,

  backup: {
    async list(b) {
      const entries = [];
      const work = [];
      const clusters = await collect(b.api.clusters.list());
      for (const found of clusters) {
        // Job clusters come and go with their runs; the job settings hold their definitions.
        if (found.cluster_source === "JOB") continue;
        const id = found.cluster_id;
        entries.push(
          await b.ctx.store.putJson(cluster.entryPath(id), cluster.kind, backedUpClusterSpec(found), {
            name: found.cluster_name,
          }),
        );
        work.push(permissionsWork("clusters", id, `cluster ${String(found.cluster_name)}`));
      }
      return { entries, work, summary: { clusters: clusters.length } };
    },
  },

  async learn(r, entries) {
    await learnFromLedger(r, "clusters", entries, await targetClusters(r));
  },

  async plan(r, entries) {
    const clusters = await targetClusters(r);
    const ledger = await r.ledger();
    const items: PlanItem[] = [];
    for (const entry of entries) {
      const body = await bodyOf(r, entry);
      const id = String(body["cluster_id"]);
      const name = String(body["cluster_name"]);
      const base = itemBase(cluster, entry, name, id);
      const found = resolveInTarget(ledger, "clusters", id, name, clusters);
      const state = found ? clusters.find((c) => c.id === found.id)?.state : undefined;
      if (found && found.how !== "name" && state !== "TERMINATED") {
        // Created by an earlier attempt that stopped before terminating it: stop it now.
        items.push({
          ...base,
          action: "update",
          reason: `created by an earlier attempt (cluster ${found.id}) and left running: it will be terminated`,
        });
      } else if (found && found.how !== "name") {
        items.push({
          ...base,
          ...(r.request.existing === "update"
            ? { action: "update", reason: `restored earlier into cluster ${found.id}; existing=update` }
            : { action: "skip", reason: `restored earlier into cluster ${found.id}` }),
        });
      } else items.push({ ...base, ...existingAction(found !== undefined, r.request, `cluster "${name}"`) });
    }
    return { items };
  },

  async apply(r, item) {
    const spec = restoredClusterSpec(await bodyOf(r, item), r, r.ids) as ClusterSpec;
    const clusters = await targetClusters(r);
    const ledger = await r.ledger();
    const found = resolveInTarget(ledger, "clusters", item.sourceId!, item.target!, clusters);
    if (found) {
      if (r.request.existing === "update") await r.api.clusters.edit(found.id, spec);
      r.learn("clusters", item.sourceId!, found.id);
      // Ours and still running (an earlier attempt stopped between create and terminate).
      const ours = found.how !== "name";
      if (ours && clusters.find((c) => c.id === found.id)?.state !== "TERMINATED")
        await r.api.clusters.terminate(found.id);
      return { status: item.action === "update" ? "updated" : "skipped", detail: `cluster ${found.id}` };
    }
    // clusters/create has no idempotency token: the intent lets a re-run find what this made.
    await ledger.intend("clusters", item.sourceId!);
    const created = await r.api.clusters.create(spec);
    const id = created.cluster_id;
    await ledger.record("clusters", item.sourceId!, id);
    r.learn("clusters", item.sourceId!, id);
    // Created terminated: a restore must not start paying for compute.
    await r.api.clusters.terminate(id);
    return { status: "created", detail: `new id ${id}, terminated` };
  },

  async validate(r, planned) {
    return [
      await checkSet("clusters restored (spec, terminated)", planned, async (item) => {
        const id = r.ids.clusters[item.sourceId!];
        if (!id) return "not restored (no cluster recorded for it)";
        const have = await r.api.clusters.get(id);
        const fields = differingFields(
          restoredClusterSpec(await bodyOf(r, item), r, r.ids),
          have,
          SERVER_SET,
        );
        if (fields.length) return `cluster ${id} differs in ${fields.join(", ")}`;
        return item.action === "create" && have.state !== "TERMINATED"
          ? `cluster ${id} is ${String(have.state)}, expected TERMINATED`
          : undefined;
      }),
    ];
  },
};
