// Jobs API 2.2: /api/2.2/jobs/*.
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions, type Json, type ListOptions, type Open } from "./common.js";

const BASE = "/api/2.2/jobs";

/** The job's settings: the body of jobs/create and the new_settings of jobs/reset. */
export type JobSettings = Open<{
  name?: string;
  tasks?: Json[];
  job_clusters?: Json[];
  parameters?: Json[];
  environments?: Json[];
  tags?: Record<string, string>;
}>;

export type Job = Open<{
  job_id: number;
  creator_user_name?: string;
  run_as_user_name?: string;
  created_time?: number;
  settings?: JobSettings;
  /** In jobs/list with expand_tasks: true when tasks or job clusters were cut at 100. */
  has_more?: boolean;
}>;

/** Array settings jobs/get 2.2 pages beyond 100 entries. */
const PAGED_SETTINGS = ["tasks", "job_clusters", "parameters", "environments"] as const;

export class JobsClient {
  private readonly http: Transport;

  constructor(client: DatabricksClient) {
    // An unknown job id is a 400 INVALID_PARAMETER_VALUE "Job 12 does not exist.".
    this.http = new Transport(client, "jobs", [[/Job \d+ does not exist/, "NOT_FOUND"]]);
  }

  /** Every job; with expandTasks, their settings (tasks and job clusters cut at 100: see has_more). */
  list(options: ListOptions & { expandTasks?: boolean; name?: string } = {}): AsyncIterableIterator<Job> {
    return this.http.paginate<Job>(
      `${BASE}/list`,
      "jobs",
      {
        limit: options.pageSize ?? 100,
        ...(options.expandTasks ? { expand_tasks: true } : {}),
        ...(options.name !== undefined ? { name: options.name } : {}),
      },
      options,
    );
  }

  /** One page of jobs/get (tasks and the other array settings beyond 100 come on later pages). */
  getPage(
    jobId: number,
    pageToken?: string,
    options: CallOptions = {},
  ): Promise<Job & { next_page_token?: string }> {
    return this.http.get(
      `${BASE}/get`,
      { job_id: jobId, ...(pageToken ? { page_token: pageToken } : {}) },
      options,
    );
  }

  /** The whole job: every page of its tasks, job clusters, parameters and environments merged. */
  async get(jobId: number, options: CallOptions = {}): Promise<Job> {
    let job: Job | undefined;
    let pageToken: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const response = await this.getPage(jobId, pageToken, options);
      if (!job) job = { ...response, settings: { ...(response.settings ?? {}) } };
      else {
        const settings = job.settings!;
        const more = response.settings ?? {};
        for (const key of PAGED_SETTINGS) {
          const extra = more[key];
          if (extra?.length) settings[key] = [...(settings[key] ?? []), ...extra];
        }
      }
      const next = response.next_page_token;
      if (typeof next !== "string" || next === "" || next === pageToken) break;
      pageToken = next;
    }
    delete job!["next_page_token"];
    delete job!["has_more"];
    return job!;
  }

  /** Not re-sent after a failure that may have reached the server: it would create the job twice. */
  create(settings: JobSettings, options: CallOptions = {}): Promise<{ job_id: number }> {
    return this.http.post(`${BASE}/create`, settings, options);
  }

  /** Replaces every setting of the job. */
  async reset(jobId: number, settings: JobSettings, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      `${BASE}/reset`,
      { job_id: jobId, new_settings: settings },
      { ...options, idempotent: true },
    );
  }

  async delete(jobId: number, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/delete`, { job_id: jobId }, { ...options, idempotent: true });
  }
}
