// Jobs API 2.1 and 2.2: list (offset/limit and page_token, expand_tasks), get (2.2 pages tasks
// and job_clusters 100 at a time with next_page_token at the object root), create, reset,
// update (array merge by key, fields_to_remove), delete.
// Differences kept on purpose: 2.1 returns every task; 2.2 truncates lists to 100 tasks per job
// and flags the job with has_more (list) or next_page_token (get).
import type { SimRequest, SimService } from "../core/server.js";
import type { AccessControlEntry, JobRecord, Json, WorkspaceState } from "./state.js";
import { body, bool, clone, decodeToken, encodeToken, err, num, ok } from "./util.js";

export const JOB_ARRAY_PAGE = 100;
const MAX_TASKS = 1000;
/** The Jobs API reference: "A maximum of 25 tags can be added to the job." */
export const MAX_JOB_TAGS = 25;

export interface JobsOptions {
  /** Reject references to clusters, pools, policies and jobs that do not exist (default true). */
  strictReferences: boolean;
}

const DEFAULTS: Json = {
  format: "MULTI_TASK",
  max_concurrent_runs: 1,
  timeout_seconds: 0,
  email_notifications: {},
  webhook_notifications: {},
};

function asArray(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

export function validateJobSettings(
  state: WorkspaceState,
  settings: Json,
  options: JobsOptions,
  selfId?: number,
): void {
  const tags = settings.tags;
  if (tags && typeof tags === "object" && Object.keys(tags).length > MAX_JOB_TAGS)
    throw err.invalid(`A job can have at most ${MAX_JOB_TAGS} tags; got ${Object.keys(tags).length}.`);
  const tasks = asArray(settings.tasks);
  if (tasks.length > MAX_TASKS)
    throw err.invalid(`A job can have at most ${MAX_TASKS} tasks; got ${tasks.length}.`);
  const keys = new Set<string>();
  for (const t of tasks) {
    const key = t.task_key;
    if (typeof key !== "string" || key === "")
      throw err.invalid("Task key must be specified for every task.");
    if (keys.has(key)) throw err.invalid(`Task key ${key} is not unique.`);
    keys.add(key);
  }
  const clusterKeys = new Set(asArray(settings.job_clusters).map((c) => c.job_cluster_key as string));
  for (const t of tasks) {
    for (const dep of asArray(t.depends_on)) {
      if (!keys.has(dep.task_key as string))
        throw err.invalid(
          `Task ${String(t.task_key)} depends on ${String(dep.task_key)} which does not exist in the job.`,
        );
    }
    if (typeof t.job_cluster_key === "string" && !clusterKeys.has(t.job_cluster_key))
      throw err.invalid(
        `The job cluster key ${t.job_cluster_key} of task ${String(t.task_key)} is not defined in job_clusters.`,
      );
    if (!options.strictReferences) continue;
    if (typeof t.existing_cluster_id === "string" && !state.clusters.has(t.existing_cluster_id))
      throw err.invalid(`Cluster ${t.existing_cluster_id} does not exist`);
    const runJob = t.run_job_task as Json | undefined;
    if (runJob && runJob.job_id !== undefined) {
      const id = Number(runJob.job_id);
      if (id !== selfId && !state.jobs.has(id)) throw err.invalid(`Job ${id} does not exist.`);
    }
    if (t.new_cluster) validateClusterRefs(state, t.new_cluster as Json);
  }
  if (options.strictReferences)
    for (const c of asArray(settings.job_clusters))
      if (c.new_cluster) validateClusterRefs(state, c.new_cluster as Json);
}

export function validateClusterRefs(state: WorkspaceState, spec: Json): void {
  if (typeof spec.policy_id === "string" && !state.policies.has(spec.policy_id))
    throw err.invalid(`Cluster policy ${spec.policy_id} does not exist`);
  for (const field of ["instance_pool_id", "driver_instance_pool_id"]) {
    const id = spec[field];
    if (typeof id === "string" && !state.pools.has(id))
      throw err.invalid(`Instance pool ${id} does not exist`);
  }
}

function findJob(state: WorkspaceState, raw: unknown): JobRecord {
  const id = num(raw, "job_id", true)!;
  const job = state.jobs.get(id);
  if (!job) throw err.invalid(`Job ${id} does not exist.`);
  return job;
}

/** Create a job directly in state (used by the API and the seed generator). */
export function createJob(
  state: WorkspaceState,
  settings: Json,
  options: JobsOptions,
  creator?: string,
): JobRecord {
  validateJobSettings(state, settings, options);
  const job: JobRecord = {
    job_id: state.nextJobId++,
    created_time: state.clock(),
    creator_user_name: creator ?? state.userName,
    run_as_user_name: creator ?? state.userName,
    settings: { ...DEFAULTS, ...clone(settings) },
  };
  state.jobs.set(job.job_id, job);
  return job;
}

function pageArrays(settings: Json, page: number): { settings: Json; more: boolean } {
  const out: Json = { ...settings };
  let more = false;
  for (const field of ["tasks", "job_clusters", "environments"]) {
    const all = settings[field];
    if (!Array.isArray(all)) continue;
    const start = page * JOB_ARRAY_PAGE;
    const slice = all.slice(start, start + JOB_ARRAY_PAGE);
    if (start + JOB_ARRAY_PAGE < all.length) more = true;
    if (slice.length > 0 || page === 0) out[field] = slice;
    else delete out[field];
  }
  return { settings: out, more };
}

function jobHeader(job: JobRecord): Json {
  return {
    job_id: job.job_id,
    creator_user_name: job.creator_user_name,
    run_as_user_name: job.run_as_user_name,
    created_time: job.created_time,
  };
}

function mergeByKey(current: unknown, incoming: unknown, key: string): Json[] {
  const out = asArray(current).map((x) => x);
  for (const item of asArray(incoming)) {
    const i = out.findIndex((x) => x[key] === item[key]);
    if (i >= 0) out[i] = item;
    else out.push(item);
  }
  return out;
}

export function registerJobsRoutes(service: SimService, state: WorkspaceState, options: JobsOptions): void {
  for (const version of ["2.1", "2.2"] as const) {
    const base = `/api/${version}/jobs`;
    const paged = version === "2.2";

    service.route("GET", `${base}/list`, (req: SimRequest) => {
      const q = req.query;
      const limit = num(q.get("limit"), "limit") ?? 20;
      if (limit < 1 || limit > 100) throw err.invalid(`Invalid limit ${limit}: must be between 1 and 100`);
      const expand = bool(q.get("expand_tasks"));
      const name = q.get("name");
      const token = q.get("page_token");
      const offset = token ? decodeToken(token).offset : (num(q.get("offset"), "offset") ?? 0);
      const all = [...state.jobs.values()]
        .filter((j) => !name || j.settings.name === name)
        .sort((a, b) => b.job_id - a.job_id);
      const slice = all.slice(offset, offset + limit);
      const jobs = slice.map((job) => {
        const out = jobHeader(job);
        if (expand) {
          if (paged) {
            const p = pageArrays(job.settings, 0);
            out.settings = p.settings;
            out.has_more = p.more;
          } else out.settings = job.settings;
        } else {
          const { tasks: _t, job_clusters: _c, environments: _e, ...rest } = job.settings;
          out.settings = rest;
        }
        return out;
      });
      const response: Json = { has_more: offset + limit < all.length };
      if (jobs.length > 0) response.jobs = jobs;
      if (offset + limit < all.length)
        response.next_page_token = encodeToken({ offset: offset + limit, page: 0 });
      if (offset > 0)
        response.prev_page_token = encodeToken({ offset: Math.max(0, offset - limit), page: 0 });
      return ok(response);
    });

    service.route("GET", `${base}/get`, (req) => {
      const job = findJob(state, req.query.get("job_id"));
      const out = jobHeader(job);
      if (!paged) {
        out.settings = job.settings;
        return ok(out);
      }
      const token = req.query.get("page_token");
      const page = token ? decodeToken(token).page : 0;
      const p = pageArrays(job.settings, page);
      out.settings = p.settings;
      if (p.more) out.next_page_token = encodeToken({ offset: 0, page: page + 1 });
      return ok(out);
    });

    service.route("POST", `${base}/create`, (req) => {
      const { access_control_list, ...settings } = body(req);
      const job = createJob(state, settings, options);
      if (Array.isArray(access_control_list))
        state.permissions.set(`jobs/${job.job_id}`, clone(access_control_list as AccessControlEntry[]));
      return ok({ job_id: job.job_id });
    });

    service.route("POST", `${base}/reset`, (req) => {
      const b = body(req);
      const job = findJob(state, b.job_id);
      const settings = b.new_settings as Json | undefined;
      if (!settings || typeof settings !== "object")
        throw err.invalid("Missing required field: new_settings");
      validateJobSettings(state, settings, options, job.job_id);
      job.settings = { ...DEFAULTS, ...clone(settings) };
      return ok({});
    });

    service.route("POST", `${base}/update`, (req) => {
      const b = body(req);
      const job = findJob(state, b.job_id);
      const next: Json = { ...job.settings };
      const incoming = (b.new_settings ?? {}) as Json;
      for (const [k, v] of Object.entries(incoming)) {
        if (k === "tasks") next.tasks = mergeByKey(next.tasks, v, "task_key");
        else if (k === "job_clusters")
          next.job_clusters = mergeByKey(next.job_clusters, v, "job_cluster_key");
        else next[k] = clone(v);
      }
      for (const field of Array.isArray(b.fields_to_remove) ? (b.fields_to_remove as string[]) : []) {
        const [top, key] = field.split("/");
        if (key && top === "tasks") next.tasks = asArray(next.tasks).filter((t) => t.task_key !== key);
        else if (key && top === "job_clusters")
          next.job_clusters = asArray(next.job_clusters).filter((c) => c.job_cluster_key !== key);
        else if (top) delete next[top];
      }
      validateJobSettings(state, next, options, job.job_id);
      job.settings = next;
      return ok({});
    });

    service.route("POST", `${base}/delete`, (req) => {
      const job = findJob(state, body(req).job_id);
      state.jobs.delete(job.job_id);
      state.permissions.delete(`jobs/${job.job_id}`);
      return ok({});
    });

    service.route("GET", `${base}/runs/list`, () => ok({ has_more: false }));
  }
}
