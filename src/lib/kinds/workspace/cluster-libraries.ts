// Cluster libraries (PyPI, Maven, CRAN, wheels, jars, requirements files): backed up per cluster
// as the list of libraries installed or pending (not those marked for uninstall), restored onto the
// RESTORED cluster's new id (the clusters step records old → new; an existing same-named cluster is
// used otherwise). Clusters are restored terminated, so the libraries show PENDING until the
// cluster first starts, as Databricks does. Validated as a set per cluster (missing libraries are
// named). Wheel and jar files the libraries point to are files (workspace or volumes), not config.
import { databricksApis, type Library } from "../../clients/databricks/index.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { canonical, checkSet, some, text } from "../compare.js";
import {
  bodyOf,
  CONFIG,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";

interface ClusterLibrariesBackup {
  cluster_id: string;
  cluster_name: string;
  libraries: Library[];
}

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "cluster-libraries",
  title: "Cluster libraries",
  why: "After clusters: installed on the restored cluster's new id (pending until it starts).",
};

const CLUSTER_ENTRY = (id: string) => jsonEntryPath("clusters", id);

function describe(library: Library): string {
  const [kind, value] = Object.entries(library)[0] ?? ["?", ""];
  if (typeof value === "string") return `${kind} ${value}`;
  const fields = (value ?? {}) as Record<string, unknown>;
  return `${kind} ${text(fields["package"] ?? fields["coordinates"] ?? value)}`;
}

/** Target clusters by name (to find a cluster that existed before the restore). */
function targetClusters(r: WorkspaceRestore): Promise<Map<string, string>> {
  return r.memo("cluster-libraries:clusters", async () => {
    const byName = new Map<string, string>();
    for await (const c of databricksApis(r.client).clusters.list())
      if (c.cluster_source !== "JOB" && typeof c.cluster_name === "string")
        byName.set(c.cluster_name, String(c.cluster_id));
    return byName;
  });
}

async function installed(r: WorkspaceRestore, clusterId: string): Promise<Set<string>> {
  const statuses = await databricksApis(r.client).libraries.clusterStatus(clusterId);
  return new Set(
    statuses.filter((s) => s.status !== "UNINSTALL_ON_RESTART").map((s) => canonical(s.library)),
  );
}

export const clusterLibraries: WorkspaceKind = {
  kind: "cluster-libraries",
  label: "Cluster libraries",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  needsIds: true,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "set per cluster, on the restored cluster's new id; pending until it starts",
  },
  entryPath: (id) => jsonEntryPath("cluster-libraries", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const api = databricksApis(b.client);
      const names = new Map<string, string>();
      for await (const c of api.clusters.list())
        names.set(String(c.cluster_id), String(c.cluster_name ?? ""));
      const entries = [];
      for await (const cluster of api.libraries.listAll()) {
        const libraries = (cluster.library_statuses ?? [])
          .filter((s) => s.status !== "UNINSTALL_ON_RESTART" && s.is_library_for_all_clusters !== true)
          .map((s) => s.library);
        // A job cluster's libraries come from its job's settings.
        if (libraries.length === 0 || !names.has(cluster.cluster_id)) continue;
        const body: ClusterLibrariesBackup = {
          cluster_id: cluster.cluster_id,
          cluster_name: names.get(cluster.cluster_id)!,
          libraries,
        };
        entries.push(
          await b.ctx.store.putJson(
            clusterLibraries.entryPath(cluster.cluster_id),
            clusterLibraries.kind,
            body,
            {
              name: body.cluster_name,
              libraries: libraries.length,
            },
          ),
        );
      }
      return { entries, work: [], summary: { clustersWithLibraries: entries.length } };
    },
  },

  async learn(r, entries) {
    const byName = await targetClusters(r);
    for (const entry of entries) {
      const source = clusterLibraries.idOf(entry.path);
      const name = entry.meta?.["name"];
      if (!r.ids.clusters[source] && typeof name === "string" && byName.has(name))
        r.ids.clusters[source] = byName.get(name)!;
    }
  },

  async plan(r, entries) {
    const config = new Set((r.manifests[CONFIG]?.entries ?? []).map((e) => e.path));
    const items: PlanItem[] = [];
    for (const entry of entries) {
      const backup = (await bodyOf(r, entry)) as unknown as ClusterLibrariesBackup;
      const base = itemBase(clusterLibraries, entry, backup.cluster_name, backup.cluster_id);
      const targetId = r.ids.clusters[backup.cluster_id];
      const what = `${backup.libraries.length} librar${backup.libraries.length === 1 ? "y" : "ies"} (${some(backup.libraries.map(describe), 5)})`;
      if (targetId) {
        const have = await installed(r, targetId);
        const missing = backup.libraries.filter((l) => !have.has(canonical(l)));
        items.push({
          ...base,
          ...(missing.length
            ? {
                action: "create" as const,
                reason: `install ${missing.length} missing of ${what} on cluster ${targetId}`,
              }
            : { action: "skip" as const, reason: `all ${what} already on cluster ${targetId}` }),
        });
      } else if (config.has(CLUSTER_ENTRY(backup.cluster_id))) {
        items.push({
          ...base,
          action: "create",
          reason: `install ${what} on the cluster restored from "${backup.cluster_name}"`,
        });
      } else {
        items.push({
          ...base,
          action: "skip",
          reason: `cluster "${backup.cluster_name}" is neither restored by this plan nor in the target: its ${what} have nowhere to go`,
        });
      }
    }
    return { items };
  },

  async apply(r, item) {
    const backup = (await bodyOf(r, item)) as unknown as ClusterLibrariesBackup;
    const targetId = r.ids.clusters[backup.cluster_id];
    if (!targetId)
      return {
        status: "failed",
        detail: `cluster "${backup.cluster_name}" was not restored: no cluster to install on`,
      };
    const have = await installed(r, targetId);
    const missing = backup.libraries.filter((l) => !have.has(canonical(l)));
    if (missing.length === 0) return { status: "skipped", detail: "already installed" };
    await databricksApis(r.client).libraries.install(targetId, missing);
    return {
      status: "created",
      detail: `${missing.length} librar${missing.length === 1 ? "y" : "ies"} on cluster ${targetId}`,
    };
  },

  async validate(r, planned) {
    return [
      await checkSet("cluster libraries restored (set per cluster)", planned, async (item) => {
        const backup = (await bodyOf(r, item)) as unknown as ClusterLibrariesBackup;
        const targetId = r.ids.clusters[backup.cluster_id];
        if (!targetId) return "cluster not restored";
        const have = await installed(r, targetId);
        const missing = backup.libraries.filter((l) => !have.has(canonical(l)));
        return missing.length ? `libraries missing: ${some(missing.map(describe))}` : undefined;
      }),
    ];
  },
};
