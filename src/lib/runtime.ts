// Builds the dependencies of every activity from the platform config: the backup store and one
// Databricks client per workspace. The Function App builds it from app settings; the CLI, the demo
// and tests build it from a config file or object and may pass overrides (simulator limits).
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/core-auth";
import { createAzureClients, type AzureClientOptions } from "./clients/azure.js";
import { simulatorHttpClient, toStorageHttpClient } from "./clients/loopback.js";
import { DatabricksClient, type DatabricksClientOptions } from "./clients/databricks.js";
import type { StorageConnection } from "./clients/storage.js";
import type { PlatformConfig } from "./config/schema.js";
import type { DoctorDeps } from "./doctor.js";
import { AzdrError } from "./errors.js";
import { scheduleWarnings } from "./rpo.js";
import { openBackupStore, storeConnection } from "./store/open.js";
import { silentLogger, type Logger, type SourceContext } from "./sources/context.js";
import { Notifier, type NotifierOptions } from "./notify/notifier.js";
import { Telemetry } from "./notify/telemetry.js";

export interface RuntimeOptions {
  env?: Record<string, string | undefined>;
  /** Replace the store connection derived from the config (tests: an isolated Azurite namespace). */
  storeConnection?: StorageConnection;
  /** Entra ID credential for Databricks/ARM when a workspace uses auth.type "entra". */
  credential?: TokenCredential;
  /** Extra Databricks client options (benchmarks: scaled limits; tests: fewer attempts). */
  databricks?: Partial<Omit<DatabricksClientOptions, "host" | "auth">>;
  log?: Logger;
  /** Azure ARM / Key Vault / Blob clients: injectable HTTP clients (tests: sim/azure) and credential. */
  azure?: Partial<Omit<AzureClientOptions, "subscriptionId">>;
  /** Notification delivery overrides (tests: a sleep that records instead of waiting). */
  notify?: Partial<Pick<NotifierOptions, "fetch" | "sleep" | "now">>;
}

export type Runtime = SourceContext & {
  /** Sends notifications to the configured sinks (Teams, Slack, email, webhook). */
  notifier: Notifier;
  /** Custom events for Application Insights (the alert rules in infra query them). */
  telemetry: Telemetry;
};

/** A TokenCredential that returns a fixed token (the simulator's, from azure.tokenSetting). */
function fixedTokenCredential(token: string): TokenCredential {
  return { getToken: () => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

/**
 * Azure client options the config asks for: sovereign-cloud endpoints, and for the local simulator
 * its loopback routes and fixed token. Options passed by the caller (tests) win over these.
 */
export function azureOptionsFromConfig(
  config: PlatformConfig,
  env: Record<string, string | undefined>,
): Partial<Omit<AzureClientOptions, "subscriptionId">> {
  const azure = config.azure;
  if (!azure) return {};
  const out: Partial<Omit<AzureClientOptions, "subscriptionId">> = {};
  if (azure.armEndpoint) out.armEndpoint = azure.armEndpoint;
  if (azure.keyVaultDnsSuffix) out.keyVaultDnsSuffix = azure.keyVaultDnsSuffix;
  if (azure.storageEndpointSuffix) out.storageEndpointSuffix = azure.storageEndpointSuffix;
  if (azure.simulatorRoutes && Object.keys(azure.simulatorRoutes).length > 0) {
    out.httpClient = simulatorHttpClient(azure.simulatorRoutes);
    out.storageHttpClient = toStorageHttpClient(out.httpClient);
  }
  if (azure.tokenSetting) {
    const token = env[azure.tokenSetting];
    if (!token)
      throw new AzdrError(
        "INVALID_CONFIG",
        `azure.tokenSetting names "${azure.tokenSetting}", but that setting is empty; set it (simulator) or remove azure.tokenSetting to use managed identity / az login`,
      );
    out.credential = fixedTokenCredential(token);
  }
  return out;
}

export function createRuntime(config: PlatformConfig, options: RuntimeOptions = {}): Runtime {
  const env = options.env ?? process.env;
  const store = openBackupStore(
    options.storeConnection ?? storeConnection(config, env),
    config.backupStore.indexTable,
  );
  const log = options.log ?? silentLogger;
  const clients = new Map<string, DatabricksClient>();
  let defaultCredential: TokenCredential | undefined = options.credential;
  const databricks = (workspaceId: string): DatabricksClient => {
    const existing = clients.get(workspaceId);
    if (existing) return existing;
    const workspace = config.databricks.workspaces.find((w) => w.id === workspaceId);
    if (!workspace) {
      throw new AzdrError(
        "INVALID_INPUT",
        `workspace "${workspaceId}" is not in databricks.workspaces (known: ${config.databricks.workspaces.map((w) => w.id).join(", ") || "none"})`,
      );
    }
    let auth: DatabricksClientOptions["auth"];
    if (workspace.auth.type === "pat") {
      const token = env[workspace.auth.tokenSetting];
      if (!token) {
        throw new AzdrError(
          "INVALID_CONFIG",
          `databricks workspace "${workspaceId}": setting ${workspace.auth.tokenSetting} (auth.tokenSetting) is empty; set it to a PAT or switch auth.type to "entra"`,
        );
      }
      auth = { type: "pat", token };
    } else {
      const clientId = workspace.auth.managedIdentityClientId;
      defaultCredential ??= clientId
        ? new ManagedIdentityCredential({ clientId })
        : new DefaultAzureCredential();
      auth = { type: "entra", credential: defaultCredential };
    }
    const client = new DatabricksClient({
      host: workspace.url,
      auth,
      rateShare: config.limits.databricksRateShare,
      maxConcurrent: config.limits.maxConcurrentRequests,
      maxRetryAfterMs: config.limits.maxRetryAfterSeconds * 1000,
      requestTimeoutMs: config.limits.requestTimeoutSeconds * 1000,
      // Long pauses are visible (CLI progress, Functions logs): "throttled by primary: waiting 30 s".
      onRetry: (info) => {
        if (info.throttled && info.waitMs >= 1000)
          log.warn(`throttled by ${workspaceId}: waiting ${Math.round(info.waitMs / 1000)} s`, {
            family: info.family,
            path: info.path,
            attempt: info.attempt,
          });
        else if (info.reason.startsWith("no response"))
          log.warn(`${workspaceId}: ${info.reason}; retrying`, { path: info.path, attempt: info.attempt });
      },
      ...options.databricks,
    });
    clients.set(workspaceId, client);
    return client;
  };
  const configuredAzure = azureOptionsFromConfig(config, env);
  const azureCredential: TokenCredential = options.azure?.credential ??
    options.credential ??
    configuredAzure.credential ?? {
      getToken: (scopes, tokenOptions) =>
        (defaultCredential ??= new DefaultAzureCredential()).getToken(scopes, tokenOptions),
    };
  const azure = createAzureClients({
    ...configuredAzure,
    ...options.azure,
    subscriptionId: config.subscriptionId,
    credential: azureCredential,
  });
  // A schedule slower than its objective is a config problem: say so once, at startup.
  for (const warning of scheduleWarnings(config)) log.warn(`config: ${warning}`);
  const notifier = new Notifier({ config, env, blobs: store.blobs, log, ...options.notify });
  const telemetry = new Telemetry({
    ...(env["APPLICATIONINSIGHTS_CONNECTION_STRING"]
      ? { connectionString: env["APPLICATIONINSIGHTS_CONNECTION_STRING"] }
      : {}),
    credential: azureCredential,
    log,
  });
  return { config, store, databricks, azure, log, notifier, telemetry };
}

/**
 * What `azdr doctor` (and the CLI's fail-fast before backup/restore) needs: the same store
 * connection, credential and Azure endpoints as the runtime, with SDK retries off so every probe
 * is a single attempt.
 */
export function createDoctorDeps(config: PlatformConfig, options: RuntimeOptions = {}): DoctorDeps {
  const env = options.env ?? process.env;
  let credential: TokenCredential | undefined = options.credential;
  const lazyCredential = (): TokenCredential => (credential ??= new DefaultAzureCredential());
  const configuredAzure = azureOptionsFromConfig(config, env);
  const azureCredential: TokenCredential = options.azure?.credential ??
    options.credential ??
    configuredAzure.credential ?? {
      getToken: (scopes, tokenOptions) => lazyCredential().getToken(scopes, tokenOptions),
    };
  return {
    config,
    env,
    storeConnection: () => options.storeConnection ?? storeConnection(config, env),
    credential: lazyCredential,
    azure: createAzureClients({
      ...configuredAzure,
      ...options.azure,
      subscriptionId: config.subscriptionId,
      credential: azureCredential,
      retry: { maxRetries: 0 },
    }),
    appRegion: env["REGION_NAME"],
  };
}
