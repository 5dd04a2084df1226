// Compute: clusters (/api/2.1/clusters), cluster policies and policy families (/api/2.0/policies,
// /api/2.0/policy-families), instance pools (/api/2.0/instance-pools), global init scripts.
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type ListOptions, type Open } from "./common.js";

export type ClusterSpec = Open<{
  cluster_name?: string;
  spark_version?: string;
  node_type_id?: string;
  num_workers?: number;
  autoscale?: { min_workers: number; max_workers: number };
  policy_id?: string;
  instance_pool_id?: string;
  custom_tags?: Record<string, string>;
}>;

export type ClusterInfo = ClusterSpec &
  Open<{
    cluster_id: string;
    state?: string;
    /** UI, API, JOB, PIPELINE…: job and pipeline clusters are not restored on their own. */
    cluster_source?: string;
    creator_user_name?: string;
  }>;

export class ClustersClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    // Clusters answer an unknown id with a 400 "Cluster … does not exist".
    this.http = new Transport(client, "compute", [[/Cluster \S+ does not exist/, "NOT_FOUND"]]);
  }

  list(options: ListOptions = {}): AsyncIterableIterator<ClusterInfo> {
    return this.http.paginate(
      "/api/2.1/clusters/list",
      "clusters",
      { page_size: options.pageSize ?? 100 },
      options,
    );
  }

  get(clusterId: string, options: CallOptions = {}): Promise<ClusterInfo> {
    return this.http.get("/api/2.1/clusters/get", { cluster_id: clusterId }, options);
  }

  /** Creates and starts the cluster. Not re-sent after a failure that may have reached the server. */
  create(spec: ClusterSpec, options: CallOptions = {}): Promise<{ cluster_id: string }> {
    return this.http.post("/api/2.1/clusters/create", spec, options);
  }

  async edit(clusterId: string, spec: ClusterSpec, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.1/clusters/edit",
      { ...spec, cluster_id: clusterId },
      { ...options, idempotent: true },
    );
  }

  async start(clusterId: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.1/clusters/start",
      { cluster_id: clusterId },
      { ...options, idempotent: true },
    );
  }

  /** Terminates the cluster (it stays listed, TERMINATED). */
  async terminate(clusterId: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.1/clusters/delete",
      { cluster_id: clusterId },
      { ...options, idempotent: true },
    );
  }

  async permanentDelete(clusterId: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.1/clusters/permanent-delete",
      { cluster_id: clusterId },
      { ...options, idempotent: true },
    );
  }
}

export type ClusterPolicy = Open<{
  policy_id: string;
  name: string;
  /** JSON text of the policy rules; absent for a family policy without overrides. */
  definition?: string;
  description?: string;
  max_clusters_per_user?: number;
  /** Set for a policy made from a family (e.g. "Personal Compute"); edit only its overrides. */
  policy_family_id?: string;
  policy_family_definition_overrides?: string;
  is_default?: boolean;
}>;

/** The create/edit body: definition and policy_family_id are mutually exclusive. */
export type ClusterPolicySpec = Omit<ClusterPolicy, "policy_id" | "name"> & { name: string };

export type PolicyFamily = Open<{
  policy_family_id: string;
  name: string;
  description?: string;
  definition?: string;
}>;

export class PoliciesClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    // A taken name is a 400 "Cluster policy with name '…' already exists.".
    this.http = new Transport(client, "compute", [[/already exists/i, "ALREADY_EXISTS"]]);
  }

  /** The API returns every policy in one answer. */
  async *list(options: CallOptions = {}): AsyncIterableIterator<ClusterPolicy> {
    const response = await this.http.get<{ policies?: ClusterPolicy[] }>(
      "/api/2.0/policies/clusters/list",
      {},
      options,
    );
    yield* response.policies ?? [];
  }

  get(policyId: string, options: CallOptions = {}): Promise<ClusterPolicy> {
    return this.http.get("/api/2.0/policies/clusters/get", { policy_id: policyId }, options);
  }

  /** ALREADY_EXISTS when the name is taken (Databricks answers it as a 400 INVALID_PARAMETER_VALUE). */
  create(spec: ClusterPolicySpec, options: CallOptions = {}): Promise<{ policy_id: string }> {
    return this.http.post("/api/2.0/policies/clusters/create", spec, options);
  }

  /** ALREADY_EXISTS when another policy has the name. */
  async edit(policyId: string, spec: ClusterPolicySpec, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.0/policies/clusters/edit",
      { ...spec, policy_id: policyId },
      { ...options, idempotent: true },
    );
  }

  async delete(policyId: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.0/policies/clusters/delete",
      { policy_id: policyId },
      { ...options, idempotent: true },
    );
  }

  /** The families Databricks manages (Personal Compute, Shared Compute…). */
  listFamilies(options: ListOptions = {}): AsyncIterableIterator<PolicyFamily> {
    return this.http.paginate(
      "/api/2.0/policy-families",
      "policy_families",
      options.pageSize ? { max_results: options.pageSize } : {},
      options,
    );
  }
}

export type InstancePool = Open<{
  instance_pool_id: string;
  instance_pool_name: string;
  node_type_id?: string;
  min_idle_instances?: number;
  max_capacity?: number;
  idle_instance_autotermination_minutes?: number;
  custom_tags?: Record<string, string>;
  state?: string;
}>;

export type InstancePoolSpec = Omit<InstancePool, "instance_pool_id">;

export class InstancePoolsClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "compute");
  }

  /** The API returns every pool in one answer. */
  async *list(options: CallOptions = {}): AsyncIterableIterator<InstancePool> {
    const response = await this.http.get<{ instance_pools?: InstancePool[] }>(
      "/api/2.0/instance-pools/list",
      {},
      options,
    );
    yield* response.instance_pools ?? [];
  }

  get(poolId: string, options: CallOptions = {}): Promise<InstancePool> {
    return this.http.get("/api/2.0/instance-pools/get", { instance_pool_id: poolId }, options);
  }

  create(spec: InstancePoolSpec, options: CallOptions = {}): Promise<{ instance_pool_id: string }> {
    return this.http.post("/api/2.0/instance-pools/create", spec, options);
  }

  async edit(poolId: string, spec: InstancePoolSpec, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.0/instance-pools/edit",
      { ...spec, instance_pool_id: poolId },
      { ...options, idempotent: true },
    );
  }

  async delete(poolId: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(
      "/api/2.0/instance-pools/delete",
      { instance_pool_id: poolId },
      { ...options, idempotent: true },
    );
  }
}

export type GlobalInitScript = Open<{
  script_id: string;
  name: string;
  /** Base64 of the script: only in get, not in list. */
  script?: string;
  enabled?: boolean;
  position?: number;
}>;

export interface GlobalInitScriptSpec {
  name: string;
  /** Base64 of the script. */
  script: string;
  enabled?: boolean;
  position?: number;
}

export class GlobalInitScriptsClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "compute");
  }

  /** Every script without its body (get has it). */
  async *list(options: CallOptions = {}): AsyncIterableIterator<GlobalInitScript> {
    const response = await this.http.get<{ scripts?: GlobalInitScript[] }>(
      "/api/2.0/global-init-scripts",
      {},
      options,
    );
    yield* response.scripts ?? [];
  }

  get(scriptId: string, options: CallOptions = {}): Promise<GlobalInitScript> {
    return this.http.get(`/api/2.0/global-init-scripts/${segment(scriptId)}`, {}, options);
  }

  create(spec: GlobalInitScriptSpec, options: CallOptions = {}): Promise<{ script_id: string }> {
    return this.http.post("/api/2.0/global-init-scripts", spec, options);
  }

  async update(scriptId: string, spec: GlobalInitScriptSpec, options: CallOptions = {}): Promise<void> {
    await this.http.send("PATCH", `/api/2.0/global-init-scripts/${segment(scriptId)}`, spec, options);
  }

  async delete(scriptId: string, options: CallOptions = {}): Promise<void> {
    await this.http.send("DELETE", `/api/2.0/global-init-scripts/${segment(scriptId)}`, undefined, options);
  }
}
