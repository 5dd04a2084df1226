// The Azure half of the platform simulator: ARM, Key Vault and a Blob data plane for simulated
// storage accounts, each on its own loopback port, sharing one state and one request log. Real SDK
// clients keep their https://… endpoints and get `httpClient` (see http-client.ts) as client option.
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { HttpClient } from "@azure/core-rest-pipeline";
import type { FaultRule } from "../core/faults.js";
import { RequestLog } from "../core/request-log.js";
import type { SimService } from "../core/server.js";
import { createArmService } from "./arm.js";
import { createBlobService } from "./blob.js";
import { simulatorHttpClient, toStorageHttpClient, type V1HttpClient } from "./http-client.js";
import { createKeyVaultService } from "./keyvault.js";
import { seedAzure, type AzureSeedOptions, type AzureSeedResult } from "./seed.js";
import { AzureState, DAY_MS } from "./state.js";

export { AzureState } from "./state.js";
export { seedAzure, CANARY_SECRET_VALUE, CANARY_CONNECTION_KEY, deterministicBytes } from "./seed.js";
export type { AzureSeedOptions, AzureSeedResult, SeededArtifact } from "./seed.js";
export { simulatorHttpClient, toStorageHttpClient, SIM_HOST_HEADER } from "./http-client.js";

/** The bearer token every simulated Azure service accepts by default. */
export const AZURE_SIM_TOKEN = "azdr-sim-azure-token";
export const ARM_ENDPOINT = "https://management.azure.com";

export interface AzureSimOptions {
  /** Seed the default platform (true/undefined), with options, or start empty (false). */
  seed?: boolean | AzureSeedOptions;
  /** Accepted bearer tokens (default [AZURE_SIM_TOKEN]). */
  tokens?: string[];
  /** Page sizes: ARM lists (default 100), Key Vault (25, its maximum), List Blobs (5000). */
  pageSize?: { arm?: number; keyVault?: number; blob?: number };
  /** Polls an LRO answers InProgress before completing (default 1). */
  lroPolls?: number;
  /** Retry-After seconds on LRO 202s (default 0: the client's polling interval rules). */
  lroRetryAfterSeconds?: number;
  /** Share a request log with other simulators (the composed sim/index.ts does). */
  log?: RequestLog;
  tenantId?: string;
}

export type AzureServiceName = "arm" | "keyvault" | "blob";

export interface AzureDisasters {
  /** Delete a storage account: listed under deletedAccounts (recoverable) for 14 days. */
  deleteStorageAccount(name: string): void;
  /** Delete an Azure ML / Foundry workspace: soft-deleted for 14 days (purge: gone for good). */
  deleteMlWorkspace(name: string, options?: { purge?: boolean }): void;
  /** Delete a Key Vault secret / key / certificate: it becomes a recoverable deleted item. */
  deleteVaultItem(vault: string, kind: "secrets" | "keys" | "certificates", name: string): void;
  deleteSecret(vault: string, name: string): void;
  /** Delete a blob in a simulated account (soft delete / versioning apply). */
  deleteBlob(account: string, container: string, blob: string): void;
  /** Overwrite a blob with new bytes (a new version when versioning is on). */
  overwriteBlob(account: string, container: string, blob: string, content: Buffer): void;
  /** Delete a container (soft-deleted when the account's container soft delete is on). */
  deleteContainer(account: string, container: string): void;
  /** ADLS Gen2: delete every file under `prefix` (each becomes a soft-deleted path with a deletion id). */
  deletePath(account: string, filesystem: string, prefix: string): void;
  /** Regional outage: the account's primary stops answering (ARM statusOfPrimary: unavailable). */
  primaryOutage(account: string): void;
  /** What the portal's "Restore deleted account" does (the operator's manual step). */
  recoverDeletedAccount(name: string): void;
  /**
   * The customer's IaC re-creates a private endpoint (by name) to the account, with the subnet and
   * group ids it had: a new connection on the account, Pending when `manual` (approval needed).
   */
  recreatePrivateEndpoint(account: string, endpoint: string, options?: { manual?: boolean }): void;
  /** Delete one model version from a workspace. */
  deleteModelVersion(workspace: string, model: string, version: string): void;
  /** Geo-replication falls behind (lagMinutes) or changes status (Bootstrap, Unavailable). */
  degradeGeoReplication(
    account: string,
    change: { status?: "Live" | "Bootstrap" | "Unavailable"; lagMinutes?: number },
  ): void;
  /** Turn a vault's deletion protection off (the checks RPO status makes). */
  weakenVault(vault: string, change: { softDelete?: boolean; purgeProtection?: boolean }): void;
}

export interface AzureSim {
  /** The ARM endpoint clients use (https://management.azure.com); httpClient routes it here. */
  armUrl: string;
  /** https://<name>.vault.azure.net */
  keyVaultUrl(name: string): string;
  /** https://<account>.blob.core.windows.net */
  blobUrl(account: string): string;
  /** Loopback URLs of the three servers (for raw HTTP or composing). */
  urls: Record<AzureServiceName, string>;
  /** core-rest-pipeline HttpClient: pass as `httpClient` to ARM, ML and Key Vault clients. */
  httpClient: HttpClient;
  /** v1 HttpClient for @azure/storage-blob's `httpClient` option. */
  storageHttpClient: V1HttpClient;
  token: string;
  /** A TokenCredential returning the fixed simulator token. */
  credential: TokenCredential;
  subscriptionId: string;
  seed: AzureSeedResult | undefined;
  state: AzureState;
  log: RequestLog;
  services: Record<AzureServiceName, SimService>;
  /** Inject a fault on one service's routes (route names like "POST /subscriptions/:sub/…/failover"). */
  addFault(service: AzureServiceName, rule: FaultRule): void;
  clearFaults(): void;
  disasters: AzureDisasters;
  /** Move the simulated clock (soft-delete windows, restore windows). */
  advanceDays(days: number): void;
  close(): Promise<void>;
}

/** A TokenCredential that always returns `token` (tests, demo, local runs against the sim). */
export function staticTokenCredential(token: string = AZURE_SIM_TOKEN): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 3600_000, tokenType: "Bearer" };
    },
  };
}

export async function startAzureSim(options: AzureSimOptions = {}): Promise<AzureSim> {
  const tokens = options.tokens ?? [AZURE_SIM_TOKEN];
  const log = options.log ?? new RequestLog();
  const state = new AzureState(options.tenantId ? { tenantId: options.tenantId } : {});
  const seed =
    options.seed === false
      ? undefined
      : seedAzure(state, typeof options.seed === "object" ? options.seed : {});
  const services: Record<AzureServiceName, SimService> = {
    arm: createArmService(
      state,
      {
        tokens,
        pageSize: options.pageSize?.arm ?? 100,
        lroPolls: options.lroPolls ?? 1,
        lroRetryAfterSeconds: options.lroRetryAfterSeconds ?? 0,
      },
      log,
    ),
    keyvault: createKeyVaultService(state, { tokens, pageSize: options.pageSize?.keyVault ?? 25 }, log),
    blob: createBlobService(state, { tokens, maxResults: options.pageSize?.blob ?? 5000 }, log),
  };
  const urls = {
    arm: await services.arm.listen(),
    keyvault: await services.keyvault.listen(),
    blob: await services.blob.listen(),
  };
  const httpClient = simulatorHttpClient({
    [ARM_ENDPOINT]: urls.arm,
    "https://*.vault.azure.net": urls.keyvault,
    "https://*.blob.core.windows.net": urls.blob,
  });
  const subscriptionId = seed?.subscriptionId ?? "00000000-0000-4000-8000-00000000a2d4";

  const findAccount = (name: string) => {
    const a = state.findStorageAccount(name);
    if (!a) throw new Error(`no simulated storage account ${name}`);
    return a;
  };
  const findWorkspace = (name: string) => {
    const w = [...state.mlWorkspaces.values()].find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!w) throw new Error(`no simulated ML workspace ${name}`);
    return w;
  };
  const findVault = (name: string) => {
    const v = state.getVault(name);
    if (!v) throw new Error(`no simulated key vault ${name}`);
    return v;
  };
  const disasters: AzureDisasters = {
    deleteStorageAccount(name) {
      const a = findAccount(name);
      state.deleteStorageAccount(a.subscriptionId, a.resourceGroup, a.name);
    },
    deleteMlWorkspace(name, opts = {}) {
      const w = findWorkspace(name);
      state.deleteMlWorkspace(w.subscriptionId, w.resourceGroup, w.name, opts.purge ?? false);
    },
    deleteVaultItem(vault, kind, name) {
      if (!state.deleteVaultItem(findVault(vault), kind, name))
        throw new Error(`no ${kind} ${name} in ${vault}`);
    },
    deleteSecret(vault, name) {
      disasters.deleteVaultItem(vault, "secrets", name);
    },
    deleteBlob(account, container, blob) {
      if (!state.deleteBlob(findAccount(account), container, blob))
        throw new Error(`no blob ${container}/${blob}`);
    },
    overwriteBlob(account, container, blob, content) {
      state.putBlob(findAccount(account), container, blob, content);
    },
    deleteContainer(account, container) {
      if (!state.deleteContainer(findAccount(account), container))
        throw new Error(`no container ${container}`);
    },
    deletePath(account, filesystem, prefix) {
      const a = findAccount(account);
      const names = [...(a.containers.get(filesystem)?.blobs.keys() ?? [])].filter((n) =>
        n.startsWith(prefix),
      );
      if (names.length === 0) throw new Error(`no path ${filesystem}/${prefix}`);
      for (const name of names) state.deleteBlob(a, filesystem, name);
    },
    primaryOutage(account) {
      const a = findAccount(account);
      // The secondary stops receiving writes: its sync point freezes where the outage began.
      a.lastSyncTime = state.lastSyncTime(a) ?? state.now();
      a.primaryDown = true;
    },
    recoverDeletedAccount(name) {
      const d = state
        .activeDeletedStorageAccounts()
        .find((x) => x.account.name.toLowerCase() === name.toLowerCase());
      if (!d || !state.recoverStorageAccount(d.restoreReference))
        throw new Error(`no deleted account ${name}`);
    },
    recreatePrivateEndpoint(account, endpoint, opts = {}) {
      const a = findAccount(account);
      const pe = [...state.privateEndpoints.values()].find((x) => x.name === endpoint);
      if (!pe) throw new Error(`no private endpoint ${endpoint}`);
      state.connectPrivateEndpoint(a, {
        name: pe.name,
        resourceGroup: /\/resourceGroups\/([^/]+)\//.exec(pe.id)![1]!,
        subnetId: pe.subnetId,
        groupIds: pe.groupIds,
        manual: opts.manual ?? false,
      });
    },
    deleteModelVersion(workspace, model, version) {
      findWorkspace(workspace).models.get(model)?.versions.delete(version);
    },
    degradeGeoReplication(name, change) {
      const a = findAccount(name);
      if (change.status) a.geoReplicationStatus = change.status;
      if (change.lagMinutes !== undefined) a.replicationLagMs = change.lagMinutes * 60_000;
    },
    weakenVault(name, change) {
      const v = findVault(name);
      if (change.softDelete !== undefined) v.enableSoftDelete = change.softDelete;
      if (change.purgeProtection !== undefined) v.enablePurgeProtection = change.purgeProtection;
    },
  };

  return {
    armUrl: ARM_ENDPOINT,
    keyVaultUrl: (name) => `https://${name}.vault.azure.net`,
    blobUrl: (account) => `https://${account}.blob.core.windows.net`,
    urls,
    httpClient,
    storageHttpClient: toStorageHttpClient(httpClient),
    token: tokens[0]!,
    credential: staticTokenCredential(tokens[0]),
    subscriptionId,
    seed,
    state,
    log,
    services,
    addFault: (service, rule) => services[service].addFault(rule),
    clearFaults: () => Object.values(services).forEach((s) => s.faults.clear()),
    disasters,
    advanceDays: (days) => state.advanceTime(days * DAY_MS),
    async close() {
      await Promise.all(Object.values(services).map((s) => s.close()));
    },
  };
}
