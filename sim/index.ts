// The platform simulator, composed: N Databricks workspaces (each its own loopback port, as the
// SDK takes one host per workspace), the account-level Unity Catalog metastores they share, and
// the Azure side (ARM, Key Vault, Blob) from sim/azure. Tests, the demo and benchmarks start it
// with startPlatformSimulator(); `npm run sim` runs it standalone (sim/main.ts).
import type { FaultRule } from "./core/faults.js";
import { RequestLog } from "./core/request-log.js";
import { startAzureSim, type AzureSim, type AzureSimOptions } from "./azure/index.js";
import { azureStorageProbe } from "./azure/storage-probe.js";
import { attachCloudStorage } from "./databricks/storage-validation.js";
import {
  DatabricksAccount,
  DatabricksWorkspaceSim,
  seedMetastore,
  seedWorkspace,
  type Metastore,
  type MetastoreSeedOptions,
  type MetastoreSeedResult,
  type RateLimits,
  type SecretValueRead,
  type UnityCatalogOptions,
  type WorkspaceDeletion,
  type WorkspaceSeedOptions,
  type WorkspaceSeedResult,
} from "./databricks/index.js";

export const DATABRICKS_SIM_TOKEN = "dapi-azdr-sim-0000000000000000";

export interface SimMetastoreSpec {
  name: string;
  region: string;
  /** Seed catalogs/schemas/tables...: true for the defaults, options, or false (empty). */
  seed?: boolean | MetastoreSeedOptions;
}

export interface SimWorkspaceSpec {
  /** Handle name, e.g. "primary" or "dr". */
  name: string;
  workspaceId?: number;
  /** Name of the metastore assigned to it (none: Unity Catalog answers METASTORE_DOES_NOT_EXIST). */
  metastore?: string;
  defaultCatalog?: string;
  seed?: boolean | WorkspaceSeedOptions;
}

export interface PlatformSimulatorOptions {
  /** The PAT every workspace accepts (default DATABRICKS_SIM_TOKEN). */
  token?: string;
  /** Default: "primary" (seeded, metastore uc-westeurope) and "dr" (empty, metastore uc-northeurope). */
  workspaces?: SimWorkspaceSpec[];
  /** Default: uc-westeurope (seeded) and uc-northeurope (empty). */
  metastores?: SimMetastoreSpec[];
  /** Unity Catalog paging (e.g. { emptyPageEvery: 3 }), for every workspace. */
  unityCatalog?: Partial<UnityCatalogOptions>;
  /** Turn Databricks' published rate limits on in every workspace (true or custom values). */
  rateLimits?: boolean | Partial<RateLimits>;
  /** Base latency per call and a scale factor for every latency (base, per-route, injected). */
  latencyMs?: number;
  latencyScale?: number;
  strictReferences?: boolean;
  /** Start the Azure side too (ARM, Key Vault, Blob from sim/azure): false by default. */
  azure?: boolean | AzureSimOptions;
  log?: RequestLog;
  clock?: () => number;
}

export interface PlatformDisasters {
  /** Delete a workspace: its port refuses connections (default) or answers 404 to everything. */
  deleteWorkspace(workspace: string, mode?: WorkspaceDeletion): Promise<void>;
  /** Delete a metastore and everything in it; assigned workspaces lose Unity Catalog. */
  deleteMetastore(metastore: string): void;
  /** DROP TABLE: managed tables stay recoverable with UNDROP TABLE. */
  dropTable(fullName: string, metastore?: string): void;
  /** An accidental overwrite: a new Delta version with `rows` rows (RESTORE can go back). */
  overwriteTable(fullName: string, rows?: number, metastore?: string): void;
}

export interface PlatformFaults {
  /** Inject a fault on one workspace's routes (route names like "GET /api/2.0/workspace/export"). */
  add(workspace: string, rule: FaultRule): void;
  /** Token-bucket limit on matching routes of one workspace. */
  rateLimit(workspace: string, route: string | RegExp, perSecond: number): void;
  /** The "concurrent request limit" error above this many in-flight requests (undefined: off). */
  concurrencyLimit(workspace: string, limit: number | undefined): void;
  /** Databricks' published limits on (values overridable) or off, in one or all workspaces. */
  publishedRateLimits(on: boolean | Partial<RateLimits>, workspace?: string): void;
  /** Base latency per call and a scale factor, in one or all workspaces. */
  latency(ms: number, scale?: number, workspace?: string): void;
  /** Remove every fault, rate limit, concurrency limit and latency everywhere. */
  clear(): void;
}

export interface PlatformSimulator {
  token: string;
  /** One request log shared by every simulated service. */
  log: RequestLog;
  account: DatabricksAccount;
  workspaces: Record<string, DatabricksWorkspaceSim>;
  /** A workspace by handle name (throws if unknown). */
  workspace(name: string): DatabricksWorkspaceSim;
  /** Workspace URLs by handle name (what WorkspaceClient takes as host). */
  urls: Record<string, string>;
  metastores: Record<string, Metastore>;
  metastore(name: string): Metastore;
  seeds: {
    workspaces: Record<string, WorkspaceSeedResult | undefined>;
    metastores: Record<string, MetastoreSeedResult | undefined>;
  };
  /** Every secret value read from any workspace (azdr must never read one). */
  secretValueReads(): (SecretValueRead & { workspace: string })[];
  faults: PlatformFaults;
  disasters: PlatformDisasters;
  // ── Azure side (sim/azure): present when options.azure is set ──
  azure: AzureSim | undefined;
  close(): Promise<void>;
}

const DEFAULT_METASTORES: SimMetastoreSpec[] = [
  { name: "uc-westeurope", region: "westeurope", seed: true },
  { name: "uc-northeurope", region: "northeurope", seed: false },
];
const DEFAULT_WORKSPACES: SimWorkspaceSpec[] = [
  { name: "primary", workspaceId: 1234567890123456, metastore: "uc-westeurope", seed: true },
  { name: "dr", workspaceId: 6543210987654321, metastore: "uc-northeurope", seed: false },
];

export async function startPlatformSimulator(
  options: PlatformSimulatorOptions = {},
): Promise<PlatformSimulator> {
  const token = options.token ?? DATABRICKS_SIM_TOKEN;
  const log = options.log ?? new RequestLog();
  const clock = options.clock ?? Date.now;
  const account = new DatabricksAccount(clock);
  const metastores: Record<string, Metastore> = {};
  const seeds: PlatformSimulator["seeds"] = { workspaces: {}, metastores: {} };

  for (const [i, spec] of (options.metastores ?? DEFAULT_METASTORES).entries()) {
    const m = account.createMetastore({ name: spec.name, region: spec.region, seed: 1000 + i });
    metastores[spec.name] = m;
    seeds.metastores[spec.name] =
      spec.seed === false
        ? undefined
        : seedMetastore(m, spec.seed === true || spec.seed === undefined ? {} : spec.seed);
  }
  const metastore = (name: string): Metastore => {
    const m = metastores[name];
    if (!m) throw new Error(`no simulated metastore ${name}`);
    return m;
  };

  const workspaces: Record<string, DatabricksWorkspaceSim> = {};
  const urls: Record<string, string> = {};
  for (const [i, spec] of (options.workspaces ?? DEFAULT_WORKSPACES).entries()) {
    const ws = new DatabricksWorkspaceSim({
      name: spec.name,
      workspaceId: spec.workspaceId ?? 1000000000000001 + i,
      tokens: [token],
      account,
      log,
      clock,
      seed: i + 1,
      ...(options.unityCatalog ? { unityCatalog: options.unityCatalog } : {}),
      ...(options.rateLimits !== undefined ? { rateLimits: options.rateLimits } : {}),
      ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
      ...(options.latencyScale !== undefined ? { latencyScale: options.latencyScale } : {}),
      ...(options.strictReferences !== undefined ? { strictReferences: options.strictReferences } : {}),
    });
    if (spec.metastore)
      account.assign(ws.workspaceId, metastore(spec.metastore).id, spec.defaultCatalog ?? "main");
    seeds.workspaces[spec.name] =
      spec.seed === false || spec.seed === undefined
        ? undefined
        : seedWorkspace(ws.state, spec.seed === true ? {} : spec.seed);
    urls[spec.name] = await ws.start();
    workspaces[spec.name] = ws;
  }
  const workspace = (name: string): DatabricksWorkspaceSim => {
    const ws = workspaces[name];
    if (!ws) throw new Error(`no simulated workspace ${name}`);
    return ws;
  };
  const all = (name?: string) => (name ? [workspace(name)] : Object.values(workspaces));
  const defaultMetastore = (name?: string): Metastore =>
    name ? metastore(name) : Object.values(metastores)[0]!;

  // ── Azure side: composed from sim/azure (ARM, Key Vault, Blob) sharing the request log ──
  const azure = options.azure
    ? await startAzureSim({ ...(options.azure === true ? {} : options.azure), log })
    : undefined;
  // Unity Catalog reaches cloud storage: the simulated Azure accounts, when there are any.
  if (azure) attachCloudStorage(account, azureStorageProbe(azure.state));

  return {
    token,
    log,
    account,
    workspaces,
    workspace,
    urls,
    metastores,
    metastore,
    seeds,
    secretValueReads: () =>
      Object.values(workspaces).flatMap((ws) =>
        ws.secretValueReads.map((r) => ({ ...r, workspace: ws.name })),
      ),
    faults: {
      add: (name, rule) => workspace(name).service.addFault(rule),
      rateLimit: (name, route, perSecond) => workspace(name).faults.rateLimit(route, perSecond),
      concurrencyLimit: (name, limit) => {
        workspace(name).faults.concurrencyLimit = limit;
      },
      publishedRateLimits: (on, name) => {
        for (const ws of all(name)) {
          if (on === false) ws.disableRateLimits();
          else ws.enableRateLimits(on === true ? {} : on);
        }
      },
      latency: (ms, scale, name) => {
        for (const ws of all(name)) {
          ws.faults.latencyMs = ms;
          if (scale !== undefined) ws.faults.latencyScale = scale;
        }
      },
      clear: () => {
        for (const ws of Object.values(workspaces)) ws.faults.clear();
        azure?.clearFaults();
      },
    },
    disasters: {
      deleteWorkspace: (name, mode) => workspace(name).deleteWorkspace(mode),
      deleteMetastore: (name) => {
        account.deleteMetastore(metastore(name).id);
      },
      dropTable: (full, name) => {
        defaultMetastore(name).deleteTable(full);
      },
      overwriteTable: (full, rows = 0, name) => {
        defaultMetastore(name).commit(full, "CREATE OR REPLACE TABLE AS SELECT", rows, {
          isManaged: "true",
          mode: "Overwrite",
        });
      },
    },
    azure,
    async close() {
      await Promise.all([...Object.values(workspaces).map((ws) => ws.close()), azure?.close()]);
    },
  };
}
