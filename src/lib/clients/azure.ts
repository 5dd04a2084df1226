// Azure control and data planes the Azure backups read: Azure ML / AI Foundry workspaces and their
// assets (@azure/arm-machinelearning where API 2022-10-01 covers the call, raw ARM through the same
// credential and pipeline where it does not), Key Vault PROPERTIES (never values), storage account
// protection settings (@azure/arm-storage) and model artifact blobs (@azure/storage-blob, read only).
// Every client takes an injectable HttpClient (tests point them at sim/azure). SDK and HTTP errors
// become AzdrError codes here; nothing outside lib/clients parses HTTP.
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential } from "@azure/core-auth";
import { ServiceClient } from "@azure/core-client";
import { createPipelineRequest, type HttpClient, type PipelineResponse } from "@azure/core-rest-pipeline";
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { BlobServiceClient, type StoragePipelineOptions } from "@azure/storage-blob";
import { AzdrError, type AzdrErrorCode } from "../errors.js";
import { createStorageRecoveryClient, type StorageRecoveryClient } from "./storage-recovery.js";

export type Json = Record<string, unknown>;

export const ARM_ENDPOINT = "https://management.azure.com";
/** ARM API version for what arm-machinelearning 2.1.1 (2022-10-01) does not cover. */
export const ML_API_VERSION = "2024-10-01";
/** Resource groups (ARM access check). */
export const RESOURCE_GROUPS_API_VERSION = "2021-04-01";
/** Cognitive Services (Azure OpenAI / AI Services) model deployments. */
export const COGNITIVE_API_VERSION = "2024-10-01";
/** Microsoft.KeyVault/vaults (no SDK dependency for one GET). */
export const KEY_VAULT_ARM_API_VERSION = "2023-07-01";

export interface AzureClientOptions {
  subscriptionId: string;
  credential: TokenCredential;
  /** core-rest-pipeline HttpClient for ARM and Key Vault (tests: the simulator's redirecting client). */
  httpClient?: HttpClient;
  /** v1 HttpClient for @azure/storage-blob (artifact reads). */
  storageHttpClient?: StoragePipelineOptions["httpClient"];
  /** SDK retry policy (honours 429 Retry-After); defaults are the SDKs'. */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Sovereign clouds: ARM endpoint, Key Vault DNS suffix and storage endpoint suffix. */
  armEndpoint?: string;
  keyVaultDnsSuffix?: string;
  storageEndpointSuffix?: string;
}

/** An ARM resource in a resource group. */
export interface ArmRef {
  resourceGroup: string;
  name: string;
}

/** Azure ML workspaces (kinds Default, Hub, Project) and their assets, as ARM JSON. */
export interface AzureMlClient {
  /** The workspace as ARM returns it; NOT_FOUND when missing or soft-deleted (ARM answers 404 to both). */
  getWorkspace(ws: ArmRef): Promise<Json>;
  listWorkspaces(resourceGroup: string): AsyncIterable<Json>;
  /** Containers and versions, archived ones included. */
  listModels(ws: ArmRef): AsyncIterable<Json>;
  listModelVersions(ws: ArmRef, model: string): AsyncIterable<Json>;
  listEnvironments(ws: ArmRef): AsyncIterable<Json>;
  listEnvironmentVersions(ws: ArmRef, environment: string): AsyncIterable<Json>;
  listDataAssets(ws: ArmRef): AsyncIterable<Json>;
  listDataVersions(ws: ArmRef, data: string): AsyncIterable<Json>;
  /** Datastores without credentials' secrets (listSecrets is never called). */
  listDatastores(ws: ArmRef): AsyncIterable<Json>;
  listComputes(ws: ArmRef): AsyncIterable<Json>;
  /** Connections: metadata only (listsecrets is never called; credentials are dropped). */
  listConnections(ws: ArmRef): AsyncIterable<Json>;
  listOnlineEndpoints(ws: ArmRef): AsyncIterable<Json>;
  listOnlineDeployments(ws: ArmRef, endpoint: string): AsyncIterable<Json>;
  /** Model deployments of a Cognitive Services account (Azure OpenAI / AI Services), by resource id. */
  listCognitiveDeployments(accountResourceId: string): AsyncIterable<Json>;
}

export type VaultItemKind = "secret" | "key" | "certificate";

/** Properties of one Key Vault item or version. There is no value field, by construction. */
export interface VaultItemProperties {
  name: string;
  version?: string;
  enabled?: boolean;
  createdOn?: string;
  updatedOn?: string;
  expiresOn?: string;
  notBefore?: string;
  contentType?: string;
  tags?: Record<string, string>;
  recoveryLevel?: string;
  recoverableDays?: number;
  managed?: boolean;
  /** Certificates: the thumbprint (hex), public information. */
  x509Thumbprint?: string;
}

export interface DeletedVaultItem extends VaultItemProperties {
  deletedOn?: string;
  scheduledPurgeDate?: string;
  recoveryId?: string;
}

/** Key Vault inventory: names, versions, attributes, tags. No method returns a value. */
export interface KeyVaultInventoryClient {
  readonly vaultUrl: string;
  listItems(kind: VaultItemKind): AsyncIterable<VaultItemProperties>;
  listVersions(kind: VaultItemKind, name: string): AsyncIterable<VaultItemProperties>;
  listDeleted(kind: VaultItemKind): AsyncIterable<DeletedVaultItem>;
}

export interface StorageAccountsClient {
  /** Account properties with geoReplicationStats (last sync time); NOT_FOUND when gone. */
  getAccount(account: ArmRef): Promise<Json>;
  /** Blob service properties: soft delete, versioning, change feed, restore policy. */
  getBlobService(account: ArmRef): Promise<Json>;
  /** The account in the subscription's deletedAccounts list, if it is there (recoverable). */
  findDeletedAccount(name: string): Promise<Json | undefined>;
  /** Resource group and name of a live account known only by name (account names are global). */
  findAccount(name: string): Promise<ArmRef | undefined>;
  /** A container's default immutability policy (state Unlocked/Locked); NOT_FOUND when it has none. */
  getContainerImmutabilityPolicy(account: ArmRef, container: string): Promise<Json>;
}

/** Key Vault control plane: the vault resource (soft delete, purge protection), never its contents. */
export interface KeyVaultResourceClient {
  getVault(vault: ArmRef): Promise<Json>;
}

export interface BlobInfo {
  account: string;
  container: string;
  name: string;
  size: number;
  etag: string;
  lastModified: string;
  contentMd5?: string;
}

/** Read-only blob access to source storage accounts (model artifacts, build contexts). */
export interface ArtifactBlobReader {
  list(account: string, container: string, prefix: string): AsyncIterable<BlobInfo>;
  /** The blob as a stream (never buffered whole), with the etag and size of what is being read. */
  openRead(
    account: string,
    container: string,
    name: string,
  ): Promise<{ stream: AsyncIterable<Buffer>; etag: string; size: number }>;
}

/** Everything the Azure sources need; built once per runtime from the credential and HttpClient. */
export interface AzureClients {
  readonly subscriptionId: string;
  /** ARM access check: the resource groups on the first page of the subscription's list. */
  listResourceGroupNames(): Promise<string[]>;
  readonly ml: AzureMlClient;
  keyVault(vaultName: string): KeyVaultInventoryClient;
  readonly storage: StorageAccountsClient;
  /** Storage recovery (runbook 7.2): failover, point-in-time restore, undelete, re-create. */
  readonly storageRecovery: StorageRecoveryClient;
  readonly vaults: KeyVaultResourceClient;
  readonly blobs: ArtifactBlobReader;
}

// ---- errors ---------------------------------------------------------------------------------------

function codeForStatus(status: number): AzdrErrorCode {
  if (status === 404) return "NOT_FOUND";
  if (status === 409) return "CONFLICT";
  if (status === 412) return "PRECONDITION_FAILED";
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 429) return "THROTTLED";
  if (status === 400 || status === 422) return "INVALID_INPUT";
  if (status === 0 || status === 408 || status >= 500) return "UNAVAILABLE";
  return "INTERNAL";
}

function retryAfterSeconds(value: string | undefined | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Any SDK / HTTP error as an AzdrError; `what` says what we were doing. */
export function mapAzureError(error: unknown, what: string): AzdrError {
  if (error instanceof AzdrError) return error;
  const e = error as {
    statusCode?: number;
    code?: string;
    message?: string;
    response?: { headers?: { get(name: string): string | undefined } };
  };
  if (typeof e?.statusCode === "number") {
    const after = retryAfterSeconds(e.response?.headers?.get("retry-after"));
    const message = (e.message ?? "").split("\n")[0];
    return new AzdrError(
      codeForStatus(e.statusCode),
      `${what}: ${e.statusCode}${e.code ? ` ${e.code}` : ""}${message ? `: ${message}` : ""}`,
      { cause: error, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
    );
  }
  // No status: a network failure (reset, DNS, timeout) after the SDK's own retries.
  return new AzdrError("UNAVAILABLE", `${what}: ${e?.message ?? String(error)}`, { cause: error });
}

async function* mapped<T, U>(
  source: () => AsyncIterable<T>,
  what: string,
  map: (item: T) => U,
): AsyncIterable<U> {
  try {
    for await (const item of source()) yield map(item);
  } catch (error) {
    throw mapAzureError(error, what);
  }
}

/** SDK models to plain JSON (Dates to ISO strings, undefined dropped). */
export function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? {})) as Json;
}

const iso = (d: Date | undefined) =>
  d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;

/** Drop undefined fields so stored JSON is stable. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Connection / datastore credentials: keep the type, drop anything that could be a secret. */
export function withoutCredentials(resource: Json): Json {
  const properties = (resource["properties"] ?? {}) as Json;
  const credentials = properties["credentials"] as Json | null | undefined;
  const cleaned: Json = { ...properties };
  delete cleaned["credentials"];
  if (credentials && typeof credentials === "object") {
    const type = credentials["credentialsType"];
    if (typeof type === "string") cleaned["credentials"] = { credentialsType: type };
  }
  return { ...resource, properties: cleaned };
}

// ---- raw ARM ---------------------------------------------------------------------------------------

export class RawArm {
  private readonly client: ServiceClient;

  constructor(
    private readonly endpoint: string,
    options: AzureClientOptions,
  ) {
    this.client = new ServiceClient({
      credential: options.credential,
      credentialScopes: [`${endpoint}/.default`],
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      ...(options.retry ? { retryOptions: options.retry } : {}),
    });
  }

  private url(path: string, apiVersion: string): string {
    if (/^https?:\/\//.test(path)) return path;
    return `${this.endpoint}${path}${path.includes("?") ? "&" : "?"}api-version=${apiVersion}`;
  }

  private async send(url: string, what: string): Promise<Json> {
    let response: PipelineResponse;
    try {
      response = await this.client.sendRequest(createPipelineRequest({ url, method: "GET" }));
    } catch (error) {
      throw mapAzureError(error, what);
    }
    let body: Json;
    try {
      body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as Json) : {};
    } catch {
      body = {};
    }
    if (response.status >= 400) {
      const err = (body["error"] ?? {}) as { code?: string; message?: string };
      const after = retryAfterSeconds(response.headers.get("retry-after"));
      throw new AzdrError(
        codeForStatus(response.status),
        `${what}: ${response.status}${err.code ? ` ${err.code}` : ""}${err.message ? `: ${err.message}` : ""}`,
        after !== undefined ? { retryAfterSeconds: after } : {},
      );
    }
    return body;
  }

  get(path: string, apiVersion: string, what: string): Promise<Json> {
    return this.send(this.url(path, apiVersion), what);
  }

  /** Every item of an ARM list, following absolute nextLinks (loops and runaway paging stop). */
  async *list(path: string, apiVersion: string, what: string): AsyncIterable<Json> {
    let url: string | undefined = this.url(path, apiVersion);
    const seen = new Set<string>();
    while (url && !seen.has(url) && seen.size < 10_000) {
      seen.add(url);
      const page = await this.send(url, what);
      for (const item of (page["value"] as Json[] | undefined) ?? []) yield item;
      const next = page["nextLink"];
      url = typeof next === "string" && next !== "" ? next : undefined;
    }
  }
}

// ---- Azure ML ------------------------------------------------------------------------------------

class MlClient implements AzureMlClient {
  private sdkClient: AzureMachineLearningWorkspaces | undefined;

  constructor(
    private readonly options: AzureClientOptions,
    private readonly arm: RawArm,
  ) {}

  private get sdk(): AzureMachineLearningWorkspaces {
    this.sdkClient ??= new AzureMachineLearningWorkspaces(
      this.options.credential,
      this.options.subscriptionId,
      {
        ...(this.options.httpClient ? { httpClient: this.options.httpClient } : {}),
        ...(this.options.retry ? { retryOptions: this.options.retry } : {}),
        ...(this.options.armEndpoint ? { endpoint: this.options.armEndpoint } : {}),
      },
    );
    return this.sdkClient;
  }

  private wsPath(ws: ArmRef): string {
    return `/subscriptions/${this.options.subscriptionId}/resourceGroups/${ws.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${ws.name}`;
  }

  getWorkspace(ws: ArmRef): Promise<Json> {
    return this.arm.get(this.wsPath(ws), ML_API_VERSION, `get workspace ${ws.name}`);
  }

  listWorkspaces(resourceGroup: string): AsyncIterable<Json> {
    return this.arm.list(
      `/subscriptions/${this.options.subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces`,
      ML_API_VERSION,
      `list workspaces in ${resourceGroup}`,
    );
  }

  listModels(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.modelContainers.list(ws.resourceGroup, ws.name, { listViewType: "All" }),
      `list models of ${ws.name}`,
      toJson,
    );
  }

  listModelVersions(ws: ArmRef, model: string): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.modelVersions.list(ws.resourceGroup, ws.name, model, { listViewType: "All" }),
      `list versions of model ${model} in ${ws.name}`,
      toJson,
    );
  }

  listEnvironments(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.environmentContainers.list(ws.resourceGroup, ws.name, { listViewType: "All" }),
      `list environments of ${ws.name}`,
      toJson,
    );
  }

  listEnvironmentVersions(ws: ArmRef, environment: string): AsyncIterable<Json> {
    return mapped(
      () =>
        this.sdk.environmentVersions.list(ws.resourceGroup, ws.name, environment, { listViewType: "All" }),
      `list versions of environment ${environment} in ${ws.name}`,
      toJson,
    );
  }

  listDataAssets(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.dataContainers.list(ws.resourceGroup, ws.name, { listViewType: "All" }),
      `list data assets of ${ws.name}`,
      toJson,
    );
  }

  listDataVersions(ws: ArmRef, data: string): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.dataVersions.list(ws.resourceGroup, ws.name, data, { listViewType: "All" }),
      `list versions of data asset ${data} in ${ws.name}`,
      toJson,
    );
  }

  listDatastores(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.datastores.list(ws.resourceGroup, ws.name),
      `list datastores of ${ws.name}`,
      (d) => withoutCredentials(toJson(d)),
    );
  }

  listComputes(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.computeOperations.list(ws.resourceGroup, ws.name),
      `list computes of ${ws.name}`,
      toJson,
    );
  }

  listConnections(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.arm.list(`${this.wsPath(ws)}/connections`, ML_API_VERSION, `list connections of ${ws.name}`),
      `list connections of ${ws.name}`,
      withoutCredentials,
    );
  }

  listOnlineEndpoints(ws: ArmRef): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.onlineEndpoints.list(ws.resourceGroup, ws.name),
      `list online endpoints of ${ws.name}`,
      toJson,
    );
  }

  listOnlineDeployments(ws: ArmRef, endpoint: string): AsyncIterable<Json> {
    return mapped(
      () => this.sdk.onlineDeployments.list(ws.resourceGroup, ws.name, endpoint),
      `list deployments of endpoint ${endpoint} in ${ws.name}`,
      toJson,
    );
  }

  listCognitiveDeployments(accountResourceId: string): AsyncIterable<Json> {
    return this.arm.list(
      `${accountResourceId.replace(/\/$/, "")}/deployments`,
      COGNITIVE_API_VERSION,
      `list model deployments of ${accountResourceId.split("/").pop() ?? accountResourceId}`,
    );
  }
}

// ---- Key Vault ------------------------------------------------------------------------------------

interface SdkItemProperties {
  name?: string;
  version?: string;
  enabled?: boolean;
  createdOn?: Date;
  updatedOn?: Date;
  expiresOn?: Date;
  notBefore?: Date;
  contentType?: string;
  tags?: Record<string, string>;
  recoveryLevel?: string;
  recoverableDays?: number;
  managed?: boolean;
  x509Thumbprint?: Uint8Array;
}

/** Copies only attribute fields: a value can never travel through this function. */
function vaultProperties(p: SdkItemProperties): VaultItemProperties {
  return compact({
    name: p.name ?? "",
    version: p.version,
    enabled: p.enabled,
    createdOn: iso(p.createdOn),
    updatedOn: iso(p.updatedOn),
    expiresOn: iso(p.expiresOn),
    notBefore: iso(p.notBefore),
    contentType: p.contentType,
    tags: p.tags,
    recoveryLevel: p.recoveryLevel,
    recoverableDays: p.recoverableDays,
    managed: p.managed,
    x509Thumbprint: p.x509Thumbprint ? Buffer.from(p.x509Thumbprint).toString("hex") : undefined,
  });
}

class VaultClient implements KeyVaultInventoryClient {
  private readonly secrets: SecretClient;
  private readonly keys: KeyClient;
  private readonly certificates: CertificateClient;

  constructor(
    readonly vaultUrl: string,
    options: AzureClientOptions,
  ) {
    const clientOptions = {
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      ...(options.retry ? { retryOptions: options.retry } : {}),
    };
    this.secrets = new SecretClient(vaultUrl, options.credential, clientOptions);
    this.keys = new KeyClient(vaultUrl, options.credential, clientOptions);
    this.certificates = new CertificateClient(vaultUrl, options.credential, clientOptions);
  }

  private get vault(): string {
    return new URL(this.vaultUrl).hostname.split(".")[0] ?? this.vaultUrl;
  }

  listItems(kind: VaultItemKind): AsyncIterable<VaultItemProperties> {
    const what = `list ${kind}s of ${this.vault}`;
    if (kind === "secret") return mapped(() => this.secrets.listPropertiesOfSecrets(), what, vaultProperties);
    if (kind === "key") return mapped(() => this.keys.listPropertiesOfKeys(), what, vaultProperties);
    return mapped(() => this.certificates.listPropertiesOfCertificates(), what, vaultProperties);
  }

  listVersions(kind: VaultItemKind, name: string): AsyncIterable<VaultItemProperties> {
    const what = `list versions of ${kind} ${name} in ${this.vault}`;
    if (kind === "secret")
      return mapped(() => this.secrets.listPropertiesOfSecretVersions(name), what, vaultProperties);
    if (kind === "key")
      return mapped(() => this.keys.listPropertiesOfKeyVersions(name), what, vaultProperties);
    return mapped(() => this.certificates.listPropertiesOfCertificateVersions(name), what, vaultProperties);
  }

  listDeleted(kind: VaultItemKind): AsyncIterable<DeletedVaultItem> {
    const what = `list deleted ${kind}s of ${this.vault}`;
    const deleted = (d: {
      properties: SdkItemProperties;
      deletedOn?: Date;
      scheduledPurgeDate?: Date;
      recoveryId?: string;
    }): DeletedVaultItem =>
      compact({
        ...vaultProperties(d.properties),
        deletedOn: iso(d.deletedOn),
        scheduledPurgeDate: iso(d.scheduledPurgeDate),
        recoveryId: d.recoveryId,
      });
    // The deleted-item LISTS carry properties only; get-deleted-secret (a value read) is never called.
    if (kind === "secret") return mapped(() => this.secrets.listDeletedSecrets(), what, deleted);
    if (kind === "key") return mapped(() => this.keys.listDeletedKeys(), what, deleted);
    return mapped(
      () => this.certificates.listDeletedCertificates(),
      what,
      (c): DeletedVaultItem =>
        compact({
          ...vaultProperties(c.properties),
          deletedOn: iso(c.deletedOn),
          scheduledPurgeDate: iso(c.scheduledPurgeDate),
          recoveryId: c.recoveryId,
        }),
    );
  }
}

// ---- storage accounts ----------------------------------------------------------------------------

class StorageClient implements StorageAccountsClient {
  private sdkClient: StorageManagementClient | undefined;

  constructor(private readonly options: AzureClientOptions) {}

  private get sdk(): StorageManagementClient {
    this.sdkClient ??= new StorageManagementClient(this.options.credential, this.options.subscriptionId, {
      ...(this.options.httpClient ? { httpClient: this.options.httpClient } : {}),
      ...(this.options.retry ? { retryOptions: this.options.retry } : {}),
      ...(this.options.armEndpoint ? { endpoint: this.options.armEndpoint } : {}),
    });
    return this.sdkClient;
  }

  async getAccount(account: ArmRef): Promise<Json> {
    try {
      return toJson(
        await this.sdk.storageAccounts.getProperties(account.resourceGroup, account.name, {
          expand: "geoReplicationStats",
        }),
      );
    } catch (error) {
      throw mapAzureError(error, `get storage account ${account.name}`);
    }
  }

  async getBlobService(account: ArmRef): Promise<Json> {
    try {
      return toJson(await this.sdk.blobServices.getServiceProperties(account.resourceGroup, account.name));
    } catch (error) {
      throw mapAzureError(error, `get blob service properties of ${account.name}`);
    }
  }

  async getContainerImmutabilityPolicy(account: ArmRef, container: string): Promise<Json> {
    try {
      return toJson(
        await this.sdk.blobContainers.getImmutabilityPolicy(account.resourceGroup, account.name, container),
      );
    } catch (error) {
      throw mapAzureError(error, `immutability policy of ${account.name}/${container}`);
    }
  }

  async findDeletedAccount(name: string): Promise<Json | undefined> {
    try {
      for await (const d of this.sdk.deletedAccounts.list())
        if (d.name?.toLowerCase() === name.toLowerCase()) return toJson(d);
      return undefined;
    } catch (error) {
      throw mapAzureError(error, "list deleted storage accounts");
    }
  }

  async findAccount(name: string): Promise<ArmRef | undefined> {
    try {
      for await (const a of this.sdk.storageAccounts.list()) {
        if (a.name?.toLowerCase() !== name.toLowerCase() || !a.id) continue;
        const resourceGroup = /\/resourceGroups\/([^/]+)\//i.exec(a.id)?.[1];
        if (resourceGroup) return { resourceGroup, name: a.name };
      }
      return undefined;
    } catch (error) {
      throw mapAzureError(error, `find storage account ${name}`);
    }
  }
}

// ---- artifact blobs ------------------------------------------------------------------------------

class BlobReader implements ArtifactBlobReader {
  private readonly services = new Map<string, BlobServiceClient>();

  constructor(private readonly options: AzureClientOptions) {}

  private service(account: string): BlobServiceClient {
    let service = this.services.get(account);
    if (!service) {
      service = new BlobServiceClient(
        `https://${account}.blob.${this.options.storageEndpointSuffix ?? "core.windows.net"}`,
        this.options.credential,
        {
          ...(this.options.storageHttpClient ? { httpClient: this.options.storageHttpClient } : {}),
          ...(this.options.retry
            ? {
                retryOptions: {
                  maxTries: (this.options.retry.maxRetries ?? 3) + 1,
                  ...(this.options.retry.retryDelayInMs !== undefined
                    ? { retryDelayInMs: this.options.retry.retryDelayInMs }
                    : {}),
                  ...(this.options.retry.maxRetryDelayInMs !== undefined
                    ? { maxRetryDelayInMs: this.options.retry.maxRetryDelayInMs }
                    : {}),
                },
              }
            : {}),
        },
      );
      this.services.set(account, service);
    }
    return service;
  }

  list(account: string, container: string, prefix: string): AsyncIterable<BlobInfo> {
    return mapped(
      () => this.service(account).getContainerClient(container).listBlobsFlat({ prefix }),
      `list blobs ${account}/${container}/${prefix}`,
      (b): BlobInfo =>
        compact({
          account,
          container,
          name: b.name,
          size: b.properties.contentLength ?? 0,
          etag: b.properties.etag ?? "",
          lastModified: iso(b.properties.lastModified) ?? "",
          contentMd5: b.properties.contentMD5
            ? Buffer.from(b.properties.contentMD5).toString("base64")
            : undefined,
        }),
    );
  }

  async openRead(
    account: string,
    container: string,
    name: string,
  ): Promise<{ stream: AsyncIterable<Buffer>; etag: string; size: number }> {
    const what = `download ${account}/${container}/${name}`;
    try {
      const response = await this.service(account)
        .getContainerClient(container)
        .getBlobClient(name)
        .download();
      const body = response.readableStreamBody;
      async function* stream(): AsyncIterable<Buffer> {
        if (!body) return;
        try {
          for await (const chunk of body) yield typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        } catch (error) {
          throw mapAzureError(error, what);
        }
      }
      return { stream: stream(), etag: response.etag ?? "", size: response.contentLength ?? 0 };
    } catch (error) {
      throw mapAzureError(error, what);
    }
  }
}

// ---- composition ---------------------------------------------------------------------------------

export function createAzureClients(options: AzureClientOptions): AzureClients {
  const endpoint = (options.armEndpoint ?? ARM_ENDPOINT).replace(/\/$/, "");
  const arm = new RawArm(endpoint, options);
  const vaults = new Map<string, KeyVaultInventoryClient>();
  return {
    subscriptionId: options.subscriptionId,
    async listResourceGroupNames() {
      const page = await arm.get(
        `/subscriptions/${options.subscriptionId}/resourcegroups?$top=5`,
        RESOURCE_GROUPS_API_VERSION,
        "list resource groups",
      );
      return ((page["value"] as Json[] | undefined) ?? []).map((g) => String(g["name"]));
    },
    ml: new MlClient(options, arm),
    keyVault(vaultName) {
      const url = /^https:\/\//.test(vaultName)
        ? vaultName
        : `https://${vaultName}.${options.keyVaultDnsSuffix ?? "vault.azure.net"}`;
      let client = vaults.get(url);
      if (!client) {
        client = new VaultClient(url, options);
        vaults.set(url, client);
      }
      return client;
    },
    storage: new StorageClient(options),
    storageRecovery: createStorageRecoveryClient(options),
    vaults: {
      getVault: (vault) =>
        arm.get(
          `/subscriptions/${options.subscriptionId}/resourceGroups/${vault.resourceGroup}/providers/Microsoft.KeyVault/vaults/${vault.name}`,
          KEY_VAULT_ARM_API_VERSION,
          `get key vault ${vault.name}`,
        ),
    },
    blobs: new BlobReader(options),
  };
}
