// The in-memory state of one simulated Databricks workspace (everything but Unity Catalog, which
// lives in the account-level metastore). Plain Maps so 10,000s of objects seed in milliseconds.
import { IpAccessListState } from "./ip-access-lists.js";
import { LakeviewState } from "./lakeview.js";
import { LibraryState } from "./libraries.js";
import { MlflowState } from "./mlflow.js";
import { NotificationDestinationState } from "./notification-destinations.js";
import { PipelineState } from "./pipelines.js";
import { STARTER_WAREHOUSE_NAME, WarehouseState } from "./warehouses.js";
import { WorkspaceConfState } from "./workspace-conf.js";
import { WorkspaceTree } from "./workspace-tree.js";
import { hex, prng } from "./util.js";

export type Json = Record<string, unknown>;

export interface JobRecord {
  job_id: number;
  created_time: number;
  creator_user_name: string;
  run_as_user_name: string;
  settings: Json;
}

export interface SecretScope {
  name: string;
  backend_type: "DATABRICKS" | "AZURE_KEYVAULT";
  keyvault_metadata?: { resource_id: string; dns_name: string };
  secrets: Map<string, { value: Buffer; last_updated_timestamp: number }>;
  acls: Map<string, "READ" | "WRITE" | "MANAGE">;
}

export interface AccessControlEntry {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  permission_level: string;
}

export interface SecretValueRead {
  scope: string;
  key: string;
  at: number;
}

export interface WorkspaceStateOptions {
  workspaceId: number;
  /** Seed for generated ids (cluster ids, policy ids...). */
  seed?: number;
  clock?: () => number;
  /** The user the PAT belongs to: creator of everything created through the API. */
  userName?: string;
}

export class WorkspaceState {
  readonly workspaceId: number;
  readonly clock: () => number;
  readonly rand: () => number;
  readonly userName: string;
  readonly tree: WorkspaceTree;
  readonly jobs = new Map<number, JobRecord>();
  readonly clusters = new Map<string, Json>();
  readonly policies = new Map<string, Json>();
  readonly pools = new Map<string, Json>();
  readonly scopes = new Map<string, SecretScope>();
  readonly repos = new Map<number, Json>();
  readonly initScripts = new Map<string, Json>();
  /** Direct ACLs by "<object type>/<id>", e.g. "jobs/12", "notebooks/1000000000001". */
  readonly permissions = new Map<string, AccessControlEntry[]>();
  /** Every secret VALUE that was read through GET /api/2.0/secrets/get (tests assert it stays empty). */
  readonly secretValueReads: SecretValueRead[] = [];
  /**
   * Warehouse ids the SQL statements API insists on (the `warehouses` sim option). Empty: a
   * statement naming any id is run, so tests need not create a warehouse first.
   */
  readonly warehouses = new Set<string>();
  readonly sqlWarehouses: WarehouseState;
  readonly lakeview: LakeviewState;
  readonly pipelines: PipelineState;
  readonly workspaceConf = new WorkspaceConfState();
  readonly libraries: LibraryState;
  readonly mlflow: MlflowState;
  readonly notificationDestinations: NotificationDestinationState;
  readonly ipAccessLists: IpAccessListState;
  nextJobId = 1;

  constructor(options: WorkspaceStateOptions) {
    this.workspaceId = options.workspaceId;
    this.clock = options.clock ?? Date.now;
    this.rand = prng(options.seed ?? options.workspaceId);
    this.userName = options.userName ?? "admin@example.com";
    this.tree = new WorkspaceTree(this.clock);
    const seed = options.seed ?? options.workspaceId;
    this.sqlWarehouses = new WarehouseState(this, seed);
    this.lakeview = new LakeviewState(this, seed);
    this.pipelines = new PipelineState(this, seed);
    this.libraries = new LibraryState(this);
    this.mlflow = new MlflowState(this);
    this.notificationDestinations = new NotificationDestinationState(seed);
    this.ipAccessLists = new IpAccessListState(this, prng(seed ^ 0x1ac1));
    // New premium workspaces come with a serverless starter warehouse (stopped until used).
    this.sqlWarehouses.create(
      {
        name: STARTER_WAREHOUSE_NAME,
        cluster_size: "Small",
        warehouse_type: "PRO",
        enable_serverless_compute: true,
        auto_stop_mins: 10,
        max_num_clusters: 1,
      },
      { state: "STOPPED" },
    );
  }

  newClusterId(): string {
    const d = new Date(this.clock());
    const mmdd = `${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
    const hms = `${String(d.getUTCHours()).padStart(2, "0")}${String(d.getUTCMinutes()).padStart(2, "0")}${String(d.getUTCSeconds()).padStart(2, "0")}`;
    let id: string;
    do id = `${mmdd}-${hms}-${hex(this.rand, 8)}`;
    while (this.clusters.has(id));
    return id;
  }

  newPolicyId(): string {
    let id: string;
    do id = hex(this.rand, 16, true);
    while (this.policies.has(id));
    return id;
  }

  newPoolId(): string {
    const d = new Date(this.clock());
    const mmdd = `${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
    let id: string;
    do id = `${mmdd}-${hex(this.rand, 6)}-${hex(this.rand, 4)}-pool-${hex(this.rand, 8)}`;
    while (this.pools.has(id));
    return id;
  }

  newInitScriptId(): string {
    let id: string;
    do id = hex(this.rand, 16, true);
    while (this.initScripts.has(id));
    return id;
  }
}
