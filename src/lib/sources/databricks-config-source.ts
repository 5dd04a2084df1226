// Hourly backup of workspace configuration (runbook 4.3; the RPO table asks 1 hour for jobs): jobs
// with their full settings (jobs/get: the list form truncates tasks at 100 and is not a valid
// create payload), read again only when their listed settings changed, cluster policies,
// clusters, instance pools, secret scopes with ACLs and backing (never secret values), repos,
// global init scripts, and the permissions of jobs, clusters, policies, pools, notebooks,
// directories and workspace files.
import type { BackupSource } from "../backup/engine.js";
import type { DatabricksClient } from "../clients/databricks.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import { CONFIG, workspaceBackup } from "../kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceKind } from "../kinds/workspace/index.js";
import { isLegacy } from "../kinds/workspace/legacy.js";
import {
  isPermissionsWork,
  permissionsWork,
  type PermissionObjectType,
} from "../kinds/workspace/permissions-work.js";
import type { KindWork } from "../kinds/types.js";
import type { SnapshotRef } from "../store/layout.js";
import {
  sha256Hex,
  type FailedEntry,
  type ManifestEntry,
  type SkippedEntry,
  type VanishedEntry,
} from "../store/manifest.js";
import type { SourceContext } from "./context.js";
import { workspaceConfigFor, workspaceLabel } from "./databricks-notebooks-source.js";
import { listTree, workspaceHealth } from "./databricks-workspace.js";
import { collect, mapLimit } from "../concurrency.js";

type Json = Record<string, unknown>;

/** A job to read in full (jobs/get); listedFingerprint: of the job as listed, kept in the entry so the next run can carry it. */
export interface JobWork extends KindWork {
  kind: "job";
  id: number;
  listedFingerprint?: string;
}

function isJobWork(work: KindWork): work is JobWork {
  return work.kind === "job";
}

export type ConfigWork = KindWork;

/** JSON with object keys sorted at every level: equal values, equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Json)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/**
 * What a job looks like in jobs/list with expand_tasks: its settings (tasks and job clusters
 * included) and run-as identity, as a digest. The API has no modified time for jobs; equal digests
 * mean the settings did not change. Undefined when the listing is truncated (has_more: over 100
 * tasks or job clusters): only jobs/get tells then.
 */
export function listedJobFingerprint(job: Json): string | undefined {
  if (job["has_more"] === true || typeof job["settings"] !== "object" || job["settings"] === null)
    return undefined;
  return sha256Hex(
    canonicalJson({ job_id: job["job_id"], run_as: job["run_as_user_name"], settings: job["settings"] }),
  );
}

/**
 * Jobs, incrementally: list them with their settings (one call per 100 jobs), carry the previous
 * snapshot's entry of every job whose listed settings are unchanged, and read the others in full
 * (jobs/get). Job permissions are read for every job: ACLs change without touching the settings.
 */
export async function planJobs(
  ctx: SourceContext,
  client: DatabricksClient,
  previous: SnapshotRef | undefined,
): Promise<{ listed: number; carried: ManifestEntry[]; work: ConfigWork[] }> {
  const jobs = await collect(
    client.paginate<Json>("/api/2.2/jobs/list", "jobs", { limit: 100, expand_tasks: true }),
  );
  const before = new Map<string, ManifestEntry>();
  if (previous)
    for (const entry of (await ctx.store.readManifest(previous))?.entries ?? [])
      if (entry.kind === "job") before.set(entry.path, entry);
  const carried: ManifestEntry[] = [];
  const work: ConfigWork[] = [];
  for (const job of jobs) {
    const id = Number(job["job_id"]);
    const fingerprint = listedJobFingerprint(job);
    const prior = before.get(`jobs/${id}.json`);
    if (fingerprint && prior?.meta?.["listedFingerprint"] === fingerprint) {
      carried.push(prior);
      const name = (job["settings"] as Json)["name"];
      work.push(permissionsWork("jobs", String(id), `job ${String(name)}`));
    } else
      work.push({
        kind: "job",
        path: `jobs/${id}.json`,
        id,
        ...(fingerprint ? { listedFingerprint: fingerprint } : {}),
      } satisfies JobWork);
  }
  return { listed: jobs.length, carried, work };
}

/** Every page of a job's settings merged: 2.2 pages tasks, job clusters and parameters beyond 100. */
export async function getFullJob(client: DatabricksClient, jobId: number): Promise<Json> {
  let job: Json | undefined;
  let pageToken: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const response = await client.get<Json>("/api/2.2/jobs/get", {
      job_id: jobId,
      ...(pageToken ? { page_token: pageToken } : {}),
    });
    if (!job) job = response;
    else {
      const settings = job["settings"] as Json;
      const more = (response["settings"] ?? {}) as Json;
      for (const key of ["tasks", "job_clusters", "parameters", "environments"]) {
        const extra = more[key] as unknown[] | undefined;
        if (extra?.length) settings[key] = [...((settings[key] as unknown[] | undefined) ?? []), ...extra];
      }
    }
    const next = response["next_page_token"];
    if (typeof next !== "string" || next === "" || next === pageToken) break;
    pageToken = next;
  }
  delete job!["next_page_token"];
  delete job!["has_more"];
  return job!;
}

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

export function clusterSpec(cluster: Json): Json {
  const spec: Json = { ...cluster };
  for (const field of CLUSTER_RUNTIME_FIELDS) delete spec[field];
  return spec;
}

const OBJECT_PERMISSION_TYPES: Record<string, PermissionObjectType> = {
  NOTEBOOK: "notebooks",
  DIRECTORY: "directories",
  FILE: "files",
};

/**
 * Notebook, folder and workspace file permissions are keyed by object id. The ids come from the newest good
 * workspace-objects snapshot; when there is none yet (a first `backup all`, where both kinds start
 * together) the tree is listed here, so the first config snapshot is never silently without them.
 */
async function planObjectPermissions(
  ctx: SourceContext,
  client: DatabricksClient,
  sourceId: string,
): Promise<{
  work: ConfigWork[];
  failed: FailedEntry[];
  vanished: VanishedEntry[];
  from: "workspace-objects snapshot" | "workspace listing";
}> {
  const objects: { kind: string; path: string; objectId: unknown }[] = [];
  const good = await ctx.store.latestGood("databricks", sourceId, "workspace-objects");
  const manifest = good
    ? await ctx.store.readManifest({
        domain: "databricks",
        sourceId,
        component: "workspace-objects",
        snapshotId: good.snapshotId,
      })
    : undefined;
  let listing: { failed: FailedEntry[]; vanished: VanishedEntry[] } = { failed: [], vanished: [] };
  if (manifest) {
    for (const entry of manifest.entries)
      objects.push({ kind: entry.kind, path: entry.path, objectId: entry.meta?.["objectId"] });
  } else {
    const workspace = workspaceConfigFor(ctx, sourceId);
    const tree = await listTree(client, workspace.backupRoot, {
      concurrency: ctx.config.limits.maxConcurrentRequests,
      health: workspaceHealth(client, workspaceLabel(workspace), workspace.backupRoot),
    });
    listing = tree;
    for (const object of tree.objects)
      objects.push({ kind: object.object_type ?? "", path: object.path ?? "", objectId: object.object_id });
  }
  const work: ConfigWork[] = [];
  for (const { kind, path, objectId } of objects) {
    const objectType = OBJECT_PERMISSION_TYPES[kind];
    if (!objectType || typeof objectId !== "number" || objectId === 0) continue;
    work.push(permissionsWork(objectType, String(objectId), path));
  }
  return {
    work,
    failed: listing.failed,
    vanished: listing.vanished,
    from: manifest ? "workspace-objects snapshot" : "workspace listing",
  };
}

export const configSource: BackupSource<SourceContext, ConfigWork> = {
  kind: "databricks-config",
  domain: "databricks",
  component: "workspace-config",

  async plan(ctx, target, previous) {
    const workspace = workspaceConfigFor(ctx, target.sourceId);
    const client = ctx.databricks(target.sourceId);
    const entries: ManifestEntry[] = [];
    const work: ConfigWork[] = [];
    const put = async (path: string, kind: string, value: unknown, meta?: Json) =>
      entries.push(await ctx.store.putJson(path, kind, value, meta));

    const jobs = await planJobs(ctx, client, previous);
    entries.push(...jobs.carried);
    work.push(...jobs.work);

    const clusters = await collect(
      client.paginate<Json>("/api/2.1/clusters/list", "clusters", { page_size: 100 }),
    );
    for (const cluster of clusters) {
      // Job clusters come and go with their runs; the job settings hold their definitions.
      if (cluster["cluster_source"] === "JOB") continue;
      const id = String(cluster["cluster_id"]);
      await put(`clusters/${id}.json`, "cluster", clusterSpec(cluster), { name: cluster["cluster_name"] });
      work.push(permissionsWork("clusters", id, `cluster ${String(cluster["cluster_name"])}`));
    }

    // Kinds with their own handler module, in registry order.
    const handled: Record<string, unknown> = {};
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    for (const handler of WORKSPACE_KINDS) {
      if (isLegacy(handler) || handler.component !== CONFIG || !handler.backup) continue;
      const listing = await handler.backup.list(workspaceBackup(ctx, target.sourceId, previous));
      entries.push(...listing.entries);
      work.push(...listing.work);
      skipped.push(...(listing.skipped ?? []));
      failed.push(...(listing.failed ?? []));
      vanished.push(...(listing.vanished ?? []));
      Object.assign(handled, listing.summary);
    }

    const objectPermissions = await planObjectPermissions(ctx, client, target.sourceId);
    work.push(...objectPermissions.work);
    return {
      carried: {
        entries,
        skipped,
        failed: [...failed, ...objectPermissions.failed],
        vanished: [...vanished, ...objectPermissions.vanished],
      },
      work,
      summary: {
        workspaceUrl: workspace.url,
        objectPermissionsFrom: objectPermissions.from,
        jobs: jobs.listed,
        jobsUnchanged: jobs.carried.length,
        clusters: clusters.length,
        ...handled,
      },
    };
  },

  async runBatch(ctx, target, work) {
    const client = ctx.databricks(target.sourceId);
    // Jobs, clusters and permissions hang off the workspace itself: an object that answers 404 has
    // vanished only while the workspace still answers.
    const health = workspaceHealth(client, workspaceLabel(workspaceConfigFor(ctx, target.sourceId)), "/");
    const entries: ManifestEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    const b = workspaceBackup(ctx, target.sourceId);
    await mapLimit(work, ctx.config.limits.maxConcurrentRequests, async (item) => {
      try {
        if (isJobWork(item)) {
          const job = await getFullJob(client, item.id);
          const settings = (job["settings"] ?? {}) as Json;
          entries.push(
            await ctx.store.putJson(`jobs/${item.id}.json`, "job", job, {
              name: settings["name"],
              tasks: ((settings["tasks"] as unknown[] | undefined) ?? []).length,
              ...(item.listedFingerprint ? { listedFingerprint: item.listedFingerprint } : {}),
            }),
          );
          const acl = await client.get<Json>(`/api/2.0/permissions/jobs/${item.id}`);
          entries.push(await ctx.store.putJson(`permissions/jobs/${item.id}.json`, "permissions", acl));
        } else if (isPermissionsWork(item)) {
          const acl = await client.get<Json>(`/api/2.0/permissions/${item.objectType}/${item.objectId}`);
          entries.push(
            await ctx.store.putJson(
              `permissions/${item.objectType}/${item.objectId}.json`,
              "permissions",
              acl,
              { label: item.label },
            ),
          );
        } else {
          const backup = workspaceKind(item.kind)?.backup;
          if (!backup?.read)
            throw new AzdrError("INTERNAL", `no handler reads backup work of kind ${item.kind}`);
          entries.push(...(await backup.read(b, item)));
        }
      } catch (error) {
        if (isAzdrError(error) && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")) throw error;
        await health.checkAfter(error); // throws when the workspace itself is gone
        if (isAzdrError(error, "NOT_FOUND")) {
          vanished.push({ path: item.path, kind: item.kind }); // deleted since the plan: not in this snapshot
          return;
        }
        failed.push({ path: item.path, kind: item.kind, error: errorMessage(error) });
      }
    });
    return { entries, failed, vanished };
  },
};
