// Jobs: backed up with their full settings (jobs/get, every page: the list form cuts tasks at 100
// and is not a valid create payload), read again only when their listed settings changed, plus
// their direct ACL every time (ACLs change without touching the settings). Restored paused (by
// default), storage remapped, cluster, policy, pool and triggered-job ids mapped, in dependency
// order (a job after the jobs its run_job_task tasks trigger); the id ledger keeps re-runs from
// creating a job twice. Validated setting by setting against what the restore meant to write.
import type { JobSettings } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import { AzdrError } from "../../errors.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { remapDeep, remapStorage, type IdMaps } from "../../restore/engine/remap.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { sha256Hex, type ManifestEntry } from "../../store/manifest.js";
import type { KindWork } from "../types.js";
import { canonical, checkSet, differingFields } from "../compare.js";
import { learnFromLedger, remapCompute, resolveInTarget } from "./compute-refs.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";
import type { TargetObject } from "./ledger.js";
import { permissionsEntryPath, permissionsWork } from "./permissions-work.js";

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "dependency",
  name: "jobs",
  title: "Jobs (created paused)",
  why: "Need clusters, policies, pools and the jobs they trigger; paused so nothing runs before you check.",
};

/** A job to read in full; listedFingerprint: of the job as listed, kept so the next run can carry it. */
export interface JobWork extends KindWork {
  kind: "job";
  id: number;
  listedFingerprint?: string;
}

function isJobWork(work: KindWork): work is JobWork {
  return work.kind === "job" && typeof work["id"] === "number";
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
    canonical({ job_id: job["job_id"], run_as: job["run_as_user_name"], settings: job["settings"] }),
  );
}

/** The jobs its run_job_task tasks trigger (source ids). */
function runJobRefs(settings: Json): string[] {
  return (
    ((settings["tasks"] as Json[] | undefined) ?? [])
      .map((t) => (t["run_job_task"] as Json | undefined)?.["job_id"])
      .filter((id) => id !== undefined) as (number | string)[]
  ).map(String);
}

/** Order jobs so that a job is created after the jobs its run_job_task tasks trigger. */
function jobOrder(jobs: { sourceId: string; refs: string[] }[]): string[] {
  const byId = new Map(jobs.map((j) => [j.sourceId, j]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: string[] = [];
  const visit = (id: string) => {
    if (done.has(id) || visiting.has(id) || !byId.has(id)) return;
    visiting.add(id);
    for (const ref of byId.get(id)!.refs) visit(ref);
    visiting.delete(id);
    done.add(id);
    out.push(id);
  };
  for (const job of jobs) visit(job.sourceId);
  return out;
}

/** The settings a restore writes: storage remapped, ids mapped, paused when asked, no ACL. */
export function remapJobSettings(settings: Json, r: Pick<WorkspaceRestore, "request">, ids: IdMaps): Json {
  const rewritten = remapDeep(settings, (s) => remapStorage(s, r.request.remap));
  const tasks = ((rewritten["tasks"] as Json[] | undefined) ?? []).map((task) => {
    const out: Json = { ...task };
    const cluster = out["existing_cluster_id"];
    if (typeof cluster === "string" && ids.clusters[cluster])
      out["existing_cluster_id"] = ids.clusters[cluster];
    if (out["new_cluster"]) out["new_cluster"] = remapCompute(out["new_cluster"] as Json, ids);
    const runJob = out["run_job_task"] as Json | undefined;
    const triggered = runJob?.["job_id"] as number | string | undefined;
    if (runJob && triggered !== undefined) {
      const mapped = ids.jobs[String(triggered)];
      if (!mapped)
        throw new AzdrError(
          "PRECONDITION_FAILED",
          `task ${String(out["task_key"])} triggers job ${String(triggered)}, which was not restored`,
        );
      out["run_job_task"] = { ...runJob, job_id: Number(mapped) };
    }
    return out;
  });
  const jobClusters = ((rewritten["job_clusters"] as Json[] | undefined) ?? []).map((jc) => ({
    ...jc,
    new_cluster: remapCompute((jc["new_cluster"] ?? {}) as Json, ids),
  }));
  const out: Json = { ...rewritten, tasks, ...(jobClusters.length ? { job_clusters: jobClusters } : {}) };
  if (r.request.jobsPaused) {
    for (const key of ["schedule", "trigger", "continuous"]) {
      const value = out[key] as Json | undefined;
      if (value) out[key] = { ...value, pause_status: "PAUSED" };
    }
  }
  if (out["access_control_list"]) delete out["access_control_list"];
  return out;
}

/** The target's jobs (id, name, creation time for the ledger). */
function targetJobs(r: WorkspaceRestore): Promise<TargetObject[]> {
  return r.memo("jobs", async () =>
    (await collect(r.api.jobs.list())).map((j) => ({
      id: String(j.job_id),
      name: typeof j.settings?.name === "string" ? j.settings.name : "",
      createdAt: Number(j.created_time ?? 0),
    })),
  );
}

export const job: WorkspaceKind = {
  kind: "job",
  label: "Job",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "settings field by field after remap (ids, storage, paused); created paused",
  },
  entryPath: (id) => jsonEntryPath("jobs", id),
  idOf: jsonEntryId,
  needsIds: true,

  backup: {
    /**
     * Incremental: list the jobs with their settings (one call per 100 jobs), carry the previous
     * snapshot's entry of every job whose listed settings are unchanged, queue the others for a
     * full read. Every job's ACL is read (queued), changed or not.
     */
    async list(b) {
      const jobs = await collect(b.api.jobs.list({ expandTasks: true }));
      const before = new Map<string, ManifestEntry>();
      if (b.previous)
        for (const entry of (await b.ctx.store.readManifest(b.previous))?.entries ?? [])
          if (entry.kind === job.kind) before.set(entry.path, entry);
      const entries: ManifestEntry[] = [];
      const work: KindWork[] = [];
      for (const listed of jobs) {
        const id = Number(listed.job_id);
        const fingerprint = listedJobFingerprint(listed);
        const prior = before.get(job.entryPath(String(id)));
        if (fingerprint && prior?.meta?.["listedFingerprint"] === fingerprint) {
          entries.push(prior);
          work.push(permissionsWork("jobs", String(id), `job ${String(listed.settings?.name)}`));
        } else
          work.push({
            kind: "job",
            path: job.entryPath(String(id)),
            id,
            ...(fingerprint ? { listedFingerprint: fingerprint } : {}),
          } satisfies JobWork);
      }
      return { entries, work, summary: { jobs: jobs.length, jobsUnchanged: entries.length } };
    },
    async read(b, work) {
      if (!isJobWork(work)) throw new AzdrError("INTERNAL", `not a job read: ${work.kind}`);
      const full = await b.api.jobs.get(work.id);
      const settings = (full.settings ?? {}) as Json;
      const jobEntry = await b.ctx.store.putJson(job.entryPath(String(work.id)), job.kind, full, {
        name: settings["name"],
        tasks: ((settings["tasks"] as unknown[] | undefined) ?? []).length,
        ...(work.listedFingerprint ? { listedFingerprint: work.listedFingerprint } : {}),
      });
      const acl = await b.api.permissions.get("jobs", work.id);
      return [
        jobEntry,
        await b.ctx.store.putJson(permissionsEntryPath("jobs", String(work.id)), "permissions", acl),
      ];
    },
  },

  async learn(r, entries) {
    await learnFromLedger(r, "jobs", entries, await targetJobs(r));
  },

  async plan(r, entries) {
    const targets = await targetJobs(r);
    const ledger = await r.ledger();
    const jobs: { entry: ManifestEntry; sourceId: string; refs: string[]; name: string }[] = [];
    for (const entry of entries) {
      const body = await bodyOf(r, entry);
      const settings = (body["settings"] ?? {}) as Json;
      jobs.push({
        entry,
        sourceId: String(body["job_id"]),
        refs: runJobRefs(settings),
        name: String(settings["name"]),
      });
    }
    // Jobs in dependency order: a job triggering another is created after it.
    const byId = new Map(jobs.map((j) => [j.sourceId, j]));
    const items: PlanItem[] = [];
    for (const id of jobOrder(jobs)) {
      const one = byId.get(id)!;
      const found = resolveInTarget(ledger, "jobs", id, one.name, targets);
      const base = {
        step: STEP.name,
        key: one.entry.path,
        kind: job.kind,
        target: one.name,
        sha256: one.entry.sha256,
        sourceId: id,
        // The jobs its run_job_task tasks trigger: the engine orders the step by these keys.
        ...(one.refs.length
          ? {
              dependsOn: one.refs
                .map((ref) => byId.get(ref)?.entry.path)
                .filter((key): key is string => key !== undefined),
            }
          : {}),
      };
      if (found && found.how !== "name")
        items.push({
          ...base,
          ...(r.request.existing === "update"
            ? { action: "update" as const, reason: `restored earlier into job ${found.id}; existing=update` }
            : { action: "skip" as const, reason: `restored earlier into job ${found.id}` }),
        });
      else items.push({ ...base, ...existingAction(found !== undefined, r.request, `job "${one.name}"`) });
    }
    return { items };
  },

  async apply(r, item) {
    const body = await bodyOf(r, item);
    const settings = remapJobSettings((body["settings"] ?? {}) as Json, r, r.ids) as JobSettings;
    const ledger = await r.ledger();
    const found = resolveInTarget(ledger, "jobs", item.sourceId!, item.target!, await targetJobs(r));
    if (found) {
      if (item.action === "update") await r.api.jobs.reset(Number(found.id), settings);
      r.learn("jobs", item.sourceId!, found.id);
      return { status: item.action === "update" ? "updated" : "skipped", detail: `job ${found.id}` };
    }
    // jobs/create has no idempotency token: the intent lets a re-run find what this made.
    await ledger.intend("jobs", item.sourceId!);
    const created = await r.api.jobs.create(settings);
    const id = String(created.job_id);
    await ledger.record("jobs", item.sourceId!, id);
    r.learn("jobs", item.sourceId!, id);
    return { status: "created", detail: `new id ${id}` };
  },

  async validate(r, planned) {
    return [
      await checkSet("jobs restored (settings)", planned, async (item) => {
        const id = r.ids.jobs[item.sourceId!];
        if (!id) return "not restored (no job recorded for it)";
        const have = await r.api.jobs.get(Number(id));
        const wanted = remapJobSettings(((await bodyOf(r, item))["settings"] ?? {}) as Json, r, r.ids);
        const fields = differingFields(wanted, have.settings ?? {});
        return fields.length ? `job ${id} differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
