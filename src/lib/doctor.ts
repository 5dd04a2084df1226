// `azdr doctor`: fast checks of everything azdr needs, one line per check with the fix. Every
// probe is a single request with a short timeout and no retry loop, so a wrong URL or an
// unreachable store is reported in seconds, naming the host and the config key to fix. The CLI
// runs the reachability part before `backup` and `restore` too (failFastProblems).
import type { TokenCredential } from "@azure/core-auth";
import type { AzureClients } from "./clients/azure.js";
import { DatabricksClient } from "./clients/databricks.js";
import { databricksApis } from "./clients/databricks/index.js";
import { probeBackupStore, type StorageConnection } from "./clients/storage.js";
import { backupStoreAccountName, resolveArmResource } from "./config/naming.js";
import { DOMAINS, type PlatformConfig } from "./config/schema.js";
import { AzdrError, errorMessage, isAzdrError } from "./errors.js";
import { domainContainer, OBJECTS_CONTAINER, REPORTS_CONTAINER } from "./store/layout.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  /** What was checked, e.g. "workspace primary: reachable". */
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn/fail (a command or the config key to change). */
  fix?: string;
  /** The config key the check depends on. */
  key?: string;
}

export interface DoctorDeps {
  config: PlatformConfig;
  env: Record<string, string | undefined>;
  /** The store connection the runtime uses (config, or a test's override). */
  storeConnection: () => StorageConnection;
  /** Entra ID credential for workspaces with auth.type entra. */
  credential: () => TokenCredential;
  /** ARM / Key Vault clients built with no retries. */
  azure: AzureClients;
  /** Where the app runs (REGION_NAME in Azure Functions); undefined locally. */
  appRegion?: string | undefined;
}

export interface DoctorOptions {
  /** Per-request timeout (default 5 s). */
  timeoutMs?: number;
  /** Only these workspaces (config ids); default every configured one. */
  workspaces?: string[];
  /** Only reachability of the store and workspaces (the fail-fast before backup/restore). */
  reachabilityOnly?: boolean;
}

export const DOCTOR_TIMEOUT_MS = 5_000;

/** Backup store containers azdr writes to (the store layout module owns the names). */
export function storeContainers(): string[] {
  return [...DOMAINS.map((d) => domainContainer(d)), OBJECTS_CONTAINER, REPORTS_CONTAINER];
}

/** A failure to reach a host at all, from the error's cause chain. */
export function networkFailure(error: unknown): { kind: string; host?: string } | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    const x = e as {
      code?: string;
      name?: string;
      hostname?: string;
      address?: string;
      port?: number;
      message?: string;
    };
    const host = x.hostname ?? (x.address ? `${x.address}${x.port ? `:${x.port}` : ""}` : undefined);
    const at = host ? { host } : {};
    if (x.code === "ENOTFOUND" || x.code === "EAI_AGAIN" || x.code === "EAI_NONAME")
      return { kind: `DNS lookup failed (${x.code}): no such host`, ...at };
    if (x.code === "ECONNREFUSED") return { kind: "connection refused (ECONNREFUSED)", ...at };
    if (x.code === "ECONNRESET" || x.code === "UND_ERR_SOCKET")
      return { kind: "connection reset before any answer", ...at };
    if (x.code === "ETIMEDOUT" || x.name === "TimeoutError" || x.code === "UND_ERR_CONNECT_TIMEOUT")
      return { kind: "no answer within the timeout", ...at };
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function failure(
  check: string,
  key: string,
  host: string,
  error: unknown,
  fix: string,
  timeoutMs: number,
): CheckResult {
  const network = networkFailure(error);
  const detail = network
    ? `cannot reach ${host}: ${network.kind === "no answer within the timeout" ? `no answer within ${timeoutMs} ms` : network.kind} (1 attempt, no retry)`
    : `${host}: ${errorMessage(error).split("\n")[0]}`;
  return { check, status: "fail", detail, fix, key };
}

function storeDescription(
  config: PlatformConfig,
  connection: StorageConnection,
): { key: string; host: string } {
  if (connection.connectionString) {
    const endpoint = /BlobEndpoint=([^;]+)/i.exec(connection.connectionString)?.[1];
    const account = /AccountName=([^;]+)/i.exec(connection.connectionString)?.[1];
    const host = endpoint ? new URL(endpoint).host : `${account ?? "?"}.blob.core.windows.net`;
    const setting = config.backupStore.connectionStringSetting;
    return { key: setting ? `backupStore.connectionStringSetting (${setting})` : "backupStore", host };
  }
  return { key: "backupStore.accountName", host: `${connection.accountName ?? "?"}.blob.core.windows.net` };
}

async function checkStore(
  deps: DoctorDeps,
  timeoutMs: number,
  reachabilityOnly: boolean,
): Promise<CheckResult[]> {
  let connection: StorageConnection;
  try {
    connection = deps.storeConnection();
  } catch (error) {
    return [
      { check: "backup store: config", status: "fail", detail: errorMessage(error), key: "backupStore" },
    ];
  }
  const { key, host } = storeDescription(deps.config, connection);
  const containers = storeContainers();
  try {
    const probe = await probeBackupStore(connection, {
      containers,
      indexTable: deps.config.backupStore.indexTable,
      timeoutMs,
    });
    const out: CheckResult[] = [
      { check: "backup store: reachable", status: "ok", detail: probe.blobHost, key },
    ];
    if (reachabilityOnly) return out;
    const missing = containers.filter((c) => !probe.existingContainers.includes(c));
    out.push(
      missing.length === 0
        ? { check: "backup store: containers", status: "ok", detail: `all ${containers.length} present`, key }
        : {
            check: "backup store: containers",
            status: "warn",
            detail: `missing ${missing.join(", ")}`,
            fix: connection.connectionString
              ? "the first backup creates them"
              : "deploy infra/ (it creates them; the app's container-scoped role cannot)",
            key,
          },
    );
    out.push(
      probe.indexTableExists
        ? {
            check: "backup store: index table",
            status: "ok",
            detail: deps.config.backupStore.indexTable,
            key: "backupStore.indexTable",
          }
        : {
            check: "backup store: index table",
            status: "warn",
            detail: `table ${deps.config.backupStore.indexTable} does not exist at ${probe.tableHost}`,
            fix: "the first backup creates it (Table Data Contributor on the account)",
            key: "backupStore.indexTable",
          },
    );
    out.push(
      await checkStoreImmutability(
        deps,
        containers.filter((c) => !missing.includes(c)),
      ),
    );
    return out;
  } catch (error) {
    return [
      failure(
        "backup store: reachable",
        key,
        host,
        error,
        `check ${key}, the network path and the store's firewall`,
        timeoutMs,
      ),
    ];
  }
}

/** Every backup container's default immutability policy is Locked (a documented post-deploy step). */
export async function checkStoreImmutability(deps: DoctorDeps, containers: string[]): Promise<CheckResult> {
  const check = "backup store: immutability";
  const connection = deps.storeConnection();
  if (connection.connectionString)
    return {
      check,
      status: "skip",
      detail: "local store (connection string): no immutability policy to check",
    };
  const accountName = backupStoreAccountName(deps.config);
  try {
    const account = await deps.azure.storage.findAccount(accountName);
    if (!account)
      return {
        check,
        status: "warn",
        detail: `storage account ${accountName} not found in subscription ${deps.config.subscriptionId}`,
        fix: "check subscriptionId and backupStore.accountName, or grant Reader on the store's resource group",
        key: "backupStore.accountName",
      };
    const unlocked: string[] = [];
    const none: string[] = [];
    for (const container of containers) {
      try {
        const policy = await deps.azure.storage.getContainerImmutabilityPolicy(account, container);
        // The SDK flattens properties.state to state.
        const state = policy["state"] ?? (policy["properties"] as { state?: string } | undefined)?.state;
        if (state !== "Locked") unlocked.push(container);
      } catch (error) {
        if (isAzdrError(error, "NOT_FOUND")) none.push(container);
        else throw error;
      }
    }
    if (none.length > 0)
      return {
        check,
        status: "fail",
        detail: `no immutability policy on ${none.join(", ")}`,
        fix: "deploy infra/ (every backup container gets a default version-level policy)",
        key: "backupStore.accountName",
      };
    if (unlocked.length > 0)
      return {
        check,
        status: "warn",
        detail: `policy unlocked on ${unlocked.join(", ")}: an account owner can still shorten or remove it`,
        fix: `lock it (irreversible), per container: etag=$(az storage container immutability-policy show -g ${account.resourceGroup} --account-name ${account.name} -c <container> --query etag -o tsv) && az storage container immutability-policy lock -g ${account.resourceGroup} --account-name ${account.name} -c <container> --if-match "$etag"`,
        key: "backupStore.accountName",
      };
    return {
      check,
      status: "ok",
      detail: `locked on all ${containers.length} containers`,
      key: "backupStore.accountName",
    };
  } catch (error) {
    return failure(
      check,
      "subscriptionId",
      "ARM",
      error,
      "grant the identity Reader on the store's resource group",
      0,
    );
  }
}

async function checkWorkspaces(
  deps: DoctorDeps,
  options: Required<Pick<DoctorOptions, "timeoutMs" | "reachabilityOnly">> & DoctorOptions,
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const workspaces = deps.config.databricks.workspaces
    .map((w, index) => ({ w, index }))
    .filter(({ w }) => !options.workspaces || options.workspaces.includes(w.id));
  await Promise.all(
    workspaces.map(async ({ w, index }) => {
      const key = `databricks.workspaces[${index}].url`;
      const host = new URL(w.url).host;
      let auth: ConstructorParameters<typeof DatabricksClient>[0]["auth"];
      if (w.auth.type === "pat") {
        const token = deps.env[w.auth.tokenSetting];
        if (!token) {
          out.push({
            check: `workspace ${w.id}: token`,
            status: "fail",
            detail: `setting ${w.auth.tokenSetting} is empty`,
            fix: `set ${w.auth.tokenSetting} to a PAT, or switch auth.type to entra`,
            key: `databricks.workspaces[${index}].auth.tokenSetting`,
          });
          return;
        }
        auth = { type: "pat", token };
      } else auth = { type: "entra", credential: deps.credential() };
      // Its own client: one attempt, no shared limiter queue to wait in.
      const client = new DatabricksClient({ host: w.url, auth, maxAttempts: 1, rateShare: 1 });
      try {
        const me = await databricksApis(client).scim.me({
          abortSignal: AbortSignal.timeout(options.timeoutMs),
        });
        out.push({ check: `workspace ${w.id}: reachable`, status: "ok", detail: host, key });
        if (options.reachabilityOnly) return;
        const who = me.userName ?? me.displayName ?? "?";
        const admin = (me.groups ?? []).some((g) => g.display === "admins");
        out.push(
          admin
            ? {
                check: `workspace ${w.id}: identity`,
                status: "ok",
                detail: `${who}, member of admins`,
                key: `databricks.workspaces[${index}].auth`,
              }
            : {
                check: `workspace ${w.id}: identity`,
                status: "warn",
                detail: `${who} is not in the admins group: backups see only what it may read, restores may be refused`,
                fix: "add the identity to the workspace's admins group (README Deploy, step 4)",
                key: `databricks.workspaces[${index}].auth`,
              },
        );
      } catch (error) {
        const denied = isAzdrError(error, "UNAUTHORIZED") || isAzdrError(error, "FORBIDDEN");
        const fix = denied
          ? `check databricks.workspaces[${index}].auth (the token or the identity's workspace access)`
          : `check ${key}: the workspace URL as the portal shows it (https://adb-….azuredatabricks.net)`;
        out.push(
          failure(
            `workspace ${w.id}: reachable`,
            denied ? `databricks.workspaces[${index}].auth` : key,
            host,
            error,
            fix,
            options.timeoutMs,
          ),
        );
      }
    }),
  );
  return out;
}

async function checkAzure(deps: DoctorDeps, timeoutMs: number): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const deadline = <T>(promise: Promise<T>, what: string): Promise<T> =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new AzdrError("UNAVAILABLE", what, {
                cause: Object.assign(new Error("timeout"), { name: "TimeoutError" }),
              }),
            ),
          timeoutMs,
        );
        timer.unref();
      }),
    ]);
  const needsArm =
    deps.config.azureMl.workspaces.length +
      deps.config.foundry.hubs.length +
      deps.config.storageAccounts.length >
    0;
  const armHost = "ARM";
  try {
    const groups = await deadline(deps.azure.listResourceGroupNames(), "list resource groups");
    out.push({
      check: "ARM access",
      status: groups.length > 0 ? "ok" : "warn",
      detail:
        groups.length > 0
          ? `subscription ${deps.config.subscriptionId}: reads resource groups (${groups.slice(0, 3).join(", ")}${groups.length > 3 ? ", …" : ""})`
          : `subscription ${deps.config.subscriptionId}: no resource group visible`,
      ...(groups.length > 0
        ? {}
        : { fix: "grant the identity Reader on the platform resource groups (infra/ does)" }),
      key: "subscriptionId",
    });
  } catch (error) {
    out.push({
      ...failure(
        "ARM access",
        "subscriptionId",
        armHost,
        error,
        "az login (locally) or check the identity's Reader role and subscriptionId",
        timeoutMs,
      ),
      status: needsArm ? "fail" : "warn",
    });
  }
  for (const [index, entry] of deps.config.keyVaults.entries()) {
    const vault = resolveArmResource(deps.config, entry, "keyVault", "sharedResourceGroup");
    const client = deps.azure.keyVault(vault.name);
    const check = `key vault ${entry.id}: list`;
    try {
      const iterator = client.listItems("secret")[Symbol.asyncIterator]();
      await deadline(iterator.next(), `list secrets of ${vault.name}`);
      out.push({ check, status: "ok", detail: new URL(client.vaultUrl).host, key: `keyVaults[${index}]` });
    } catch (error) {
      out.push(
        failure(
          check,
          `keyVaults[${index}].name`,
          new URL(client.vaultUrl).host,
          error,
          "grant Key Vault Reader on the vault (metadata only), or fix keyVaults[].name",
          timeoutMs,
        ),
      );
    }
  }
  return out;
}

function checkRegion(deps: DoctorDeps): CheckResult {
  const check = "app region";
  const normalize = (r: string) => r.toLowerCase().replace(/\s+/g, "");
  if (!deps.appRegion)
    return {
      check,
      status: "skip",
      detail: "not running in Azure (REGION_NAME unset): the app's region is infra's location",
    };
  const app = normalize(deps.appRegion);
  if (app === normalize(deps.config.regions.primary))
    return {
      check,
      status: "fail",
      detail: `azdr runs in ${app}, the primary region: it would go down with the platform it recovers`,
      fix: `deploy azdr to regions.secondary (${deps.config.regions.secondary})`,
      key: "regions.primary",
    };
  return {
    check,
    status: app === normalize(deps.config.regions.secondary) ? "ok" : "warn",
    detail: `azdr runs in ${app}; primary ${deps.config.regions.primary}, secondary ${deps.config.regions.secondary}`,
    key: "regions.secondary",
  };
}

/** Every check, in a stable order: config, store, workspaces, Azure, region. */
export async function runDoctor(deps: DoctorDeps, options: DoctorOptions = {}): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? DOCTOR_TIMEOUT_MS;
  const reachabilityOnly = options.reachabilityOnly ?? false;
  const [store, workspaces, azure] = await Promise.all([
    checkStore(deps, timeoutMs, reachabilityOnly),
    checkWorkspaces(deps, { ...options, timeoutMs, reachabilityOnly }),
    reachabilityOnly ? Promise.resolve([]) : checkAzure(deps, timeoutMs),
  ]);
  const order = new Map(deps.config.databricks.workspaces.map((w, i) => [w.id, i]));
  workspaces.sort(
    (a, b) => (order.get(a.check.split(/[ :]/)[1]!) ?? 0) - (order.get(b.check.split(/[ :]/)[1]!) ?? 0),
  );
  const config: CheckResult = {
    check: "config",
    status: "ok",
    detail: `${deps.config.databricks.workspaces.length} workspace(s), ${deps.config.unityCatalog.metastores.length} metastore(s), ${deps.config.keyVaults.length} key vault(s)`,
  };
  return [
    ...(reachabilityOnly ? [] : [config]),
    ...store,
    ...workspaces,
    ...azure,
    ...(reachabilityOnly ? [] : [checkRegion(deps)]),
  ];
}
