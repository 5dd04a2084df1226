// One simulated Azure Databricks workspace: a SimService on its own loopback port serving the
// workspace APIs over its own state, and Unity Catalog for the metastore assigned to it.
import { SimService } from "../core/server.js";
import type { RequestLog } from "../core/request-log.js";
import { registerComputeRoutes } from "./compute.js";
import { registerJobsRoutes } from "./jobs.js";
import { registerLakeviewRoutes } from "./lakeview.js";
import { registerLibraryRoutes } from "./libraries.js";
import { registerIpAccessListRoutes } from "./ip-access-lists.js";
import { registerMlflowRoutes } from "./mlflow.js";
import { registerNotificationDestinationRoutes } from "./notification-destinations.js";
import { registerPipelineRoutes } from "./pipelines.js";
import { registerWarehouseRoutes } from "./warehouses.js";
import { registerWorkspaceConfRoutes } from "./workspace-conf.js";
import type { DatabricksAccount, Metastore } from "./metastore.js";
import { registerIdentityRoutes } from "./identity.js";
import { registerPermissionRoutes } from "./permissions.js";
import { registerRepoRoutes } from "./repos.js";
import { registerSecretRoutes } from "./secrets.js";
import { registerSqlRoutes } from "./sql.js";
import { WorkspaceState } from "./state.js";
import { registerUnityCatalogRoutes, type UnityCatalogOptions } from "./unity-catalog.js";
import { registerWorkspaceRoutes } from "./workspace-tree.js";

/** Databricks' published per-workspace limits (requests per second) for the APIs azdr leans on. */
export interface RateLimits {
  workspaceExport: number;
  workspaceList: number;
  workspaceImport: number;
  jobs: number;
}

export const PUBLISHED_RATE_LIMITS: RateLimits = {
  workspaceExport: 60,
  workspaceList: 50,
  workspaceImport: 30,
  jobs: 20,
};

const RATE_LIMIT_ROUTES: Record<keyof RateLimits, string | RegExp> = {
  workspaceExport: "GET /api/2.0/workspace/export",
  workspaceList: "GET /api/2.0/workspace/list",
  workspaceImport: "POST /api/2.0/workspace/import",
  jobs: /^\w+ \/api\/2\.[12]\/jobs\//,
};

export const DEFAULT_UC_OPTIONS: UnityCatalogOptions = {
  defaultPageSize: 50,
  maxPageSize: 1000,
  emptyPageEvery: 0,
  unpaginatedWithoutMaxResults: true,
};

export interface DatabricksWorkspaceOptions {
  /** Label for logs, e.g. "primary" or "dr". */
  name: string;
  /** Numeric workspace id (the Azure Databricks "o=" id). */
  workspaceId: number;
  /** Accepted personal access tokens. */
  tokens: string[];
  account: DatabricksAccount;
  log?: RequestLog;
  clock?: () => number;
  seed?: number;
  /** Owner of the PAT: creator of objects made through the API. */
  userName?: string;
  /** Reject jobs/clusters that reference missing clusters, pools, policies or jobs (default true). */
  strictReferences?: boolean;
  /** Unity Catalog paging knobs (emptyPageEvery: every Nth page is empty with a next_page_token). */
  unityCatalog?: Partial<UnityCatalogOptions>;
  /** Switch the published rate limits on at start (true) or with custom values. */
  rateLimits?: boolean | Partial<RateLimits>;
  /** Base latency added to every call, and a scale factor for every latency. */
  latencyMs?: number;
  latencyScale?: number;
  /** SQL warehouses created at start (running, named after their id); statements then need one of them. */
  warehouses?: string[];
}

export type WorkspaceDeletion = "refused" | "not-found";

export class DatabricksWorkspaceSim {
  readonly name: string;
  readonly workspaceId: number;
  readonly service: SimService;
  readonly state: WorkspaceState;
  readonly account: DatabricksAccount;
  readonly unityCatalog: UnityCatalogOptions;
  deleted = false;

  constructor(options: DatabricksWorkspaceOptions) {
    this.name = options.name;
    this.workspaceId = options.workspaceId;
    this.account = options.account;
    this.state = new WorkspaceState({
      workspaceId: options.workspaceId,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.userName ? { userName: options.userName } : {}),
    });
    for (const w of options.warehouses ?? []) {
      this.state.warehouses.add(w);
      this.state.sqlWarehouses.create({ name: w, cluster_size: "Small" }, { id: w });
    }
    this.service = new SimService(
      {
        label: `databricks:${options.name}`,
        tokens: options.tokens,
        errorBody: (_status, code, message) => ({ error_code: code, message }),
        // Bearer token first, then the workspace's IP access lists (when the feature is on).
        authenticate: (req) => {
          const header = req.headers.authorization ?? "";
          const token = header.startsWith("Bearer ") ? header.slice(7) : "";
          if (!options.tokens.includes(token))
            return this.service.error(401, "UNAUTHENTICATED", "Missing or invalid bearer token");
          const blocked = this.state.ipAccessLists.blocked();
          return blocked ? this.service.error(403, "PERMISSION_DENIED", blocked) : undefined;
        },
      },
      options.log,
    );
    this.unityCatalog = { ...DEFAULT_UC_OPTIONS, ...options.unityCatalog };
    registerWorkspaceRoutes(this.service, this.state.tree);
    registerJobsRoutes(this.service, this.state, { strictReferences: options.strictReferences ?? true });
    registerComputeRoutes(this.service, this.state);
    registerSecretRoutes(this.service, this.state);
    registerRepoRoutes(this.service, this.state);
    registerPermissionRoutes(this.service, this.state);
    registerIdentityRoutes(this.service, this.state);
    registerUnityCatalogRoutes(this.service, this.account, () => this.workspaceId, this.unityCatalog);
    registerSqlRoutes(this.service, this.state, this.account);
    registerWarehouseRoutes(this.service, this.state);
    registerLakeviewRoutes(this.service, this.state);
    registerPipelineRoutes(this.service, this.state);
    registerWorkspaceConfRoutes(this.service, this.state);
    registerLibraryRoutes(this.service, this.state);
    registerMlflowRoutes(this.service, this.state);
    registerIpAccessListRoutes(this.service, this.state);
    registerNotificationDestinationRoutes(this.service, this.state.notificationDestinations);
    if (options.rateLimits) this.enableRateLimits(options.rateLimits === true ? {} : options.rateLimits);
    if (options.latencyMs) this.service.faults.latencyMs = options.latencyMs;
    if (options.latencyScale !== undefined) this.service.faults.latencyScale = options.latencyScale;
  }

  get url(): string {
    return this.service.url;
  }
  get log(): RequestLog {
    return this.service.log;
  }
  get faults() {
    return this.service.faults;
  }
  /** Every secret value read through GET /api/2.0/secrets/get (azdr must never make one). */
  get secretValueReads() {
    return this.state.secretValueReads;
  }

  /** The metastore assigned to this workspace, if any. */
  metastore(): Metastore | undefined {
    const a = this.account.assignments.get(this.workspaceId);
    return a ? this.account.metastores.get(a.metastore_id) : undefined;
  }

  async start(port = 0): Promise<string> {
    return this.service.listen(port);
  }

  async close(): Promise<void> {
    await this.service.close();
  }

  /** Switch Databricks' published per-endpoint rate limits on (values overridable). */
  enableRateLimits(overrides: Partial<RateLimits> = {}): RateLimits {
    const limits = { ...PUBLISHED_RATE_LIMITS, ...overrides };
    this.disableRateLimits();
    for (const key of Object.keys(limits) as (keyof RateLimits)[])
      this.service.faults.rateLimit(RATE_LIMIT_ROUTES[key], limits[key]);
    return limits;
  }

  disableRateLimits(): void {
    for (const route of Object.values(RATE_LIMIT_ROUTES)) this.service.faults.clearRateLimits(route);
  }

  /**
   * Disaster: the workspace is deleted. "refused" (default) closes its port: a deleted Azure
   * Databricks workspace's per-workspace host name stops resolving, which a client sees as a
   * connection failure (the SDK reports ENOTFOUND/ECONNREFUSED, never an API error).
   * "not-found" keeps the port and answers every call 404 RESOURCE_DOES_NOT_EXIST instead.
   * Either way its metastore assignment is removed (the metastore itself survives).
   */
  async deleteWorkspace(mode: WorkspaceDeletion = "refused"): Promise<void> {
    this.deleted = true;
    this.account.unassign(this.workspaceId);
    await this.service.setOutage(
      mode === "refused"
        ? "refused"
        : this.service.error(
            404,
            "RESOURCE_DOES_NOT_EXIST",
            `Workspace ${this.workspaceId} does not exist or has been deleted.`,
          ),
    );
  }
}
