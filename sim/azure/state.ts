// In-memory state of the simulated Azure side: resource groups, storage accounts (with their blob
// data, versions and soft-deleted items), Azure ML / AI Foundry workspaces and assets, Databricks
// workspace resources and Key Vaults. Plain data plus a few helpers; routes live in arm.ts,
// keyvault.ts and blob.ts. A settable clock lets tests move time (soft-delete windows, PITR).
import { createHash } from "node:crypto";

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Deleted storage accounts are recoverable for 14 days. */
export const STORAGE_ACCOUNT_RETENTION_DAYS = 14;
/** Soft-deleted Azure ML workspaces are recoverable for 14 days. */
export const ML_WORKSPACE_RETENTION_DAYS = 14;

export type Tags = Record<string, string>;

export interface ResourceGroup {
  subscriptionId: string;
  name: string;
  location: string;
  tags: Tags;
}

export interface RetentionPolicy {
  enabled: boolean;
  days?: number;
}

export interface BlobServiceSettings {
  deleteRetentionPolicy: RetentionPolicy;
  containerDeleteRetentionPolicy: RetentionPolicy;
  isVersioningEnabled: boolean;
  changeFeed: { enabled: boolean; retentionInDays?: number };
  restorePolicy: { enabled: boolean; days?: number; lastEnabledTime?: string; minRestoreTime?: string };
}

/** One version of a blob's content. The last entry of a blob's history is current unless ended. */
export interface BlobVersion {
  versionId: string;
  content: Buffer;
  contentType: string;
  createdAt: Date;
  /** When this version stopped being current (overwritten or deleted). */
  endedAt?: Date;
  /** Set when the blob was deleted while this version was current. */
  deletedAt?: Date;
  /** HNS accounts: the deletion id a soft-deleted path is listed with (`showonly=deleted`). */
  deletionId?: string;
  etag: string;
  md5: string;
}

export interface BlobRecord {
  name: string;
  history: BlobVersion[];
}

export interface Container {
  name: string;
  createdAt: Date;
  blobs: Map<string, BlobRecord>;
  /** The container's default (time-based) immutability policy, if one is set. */
  immutabilityPolicy?: { days: number; state: "Unlocked" | "Locked"; etag: string };
}

export interface RoleAssignment {
  name: string;
  roleDefinitionId: string;
  principalId: string;
  principalType: string;
}

/**
 * A private endpoint connection on an account (Microsoft.Storage/storageAccounts/privateEndpointConnections,
 * 2025-06-01): it carries the endpoint's id and the connection state, not the group ids (those live on
 * the endpoint, Microsoft.Network/privateEndpoints).
 */
export interface PrivateEndpointConnection {
  name: string;
  privateEndpointId: string;
  status: "Pending" | "Approved" | "Rejected" | "Disconnected";
  description: string;
}

/** A Microsoft.Network/privateEndpoints resource: the customer's network side of a connection. */
export interface PrivateEndpointResource {
  id: string;
  name: string;
  location: string;
  subnetId: string;
  /** The target account's resource id and the sub-resources it connects to (blob, dfs…). */
  targetId: string;
  groupIds: string[];
  /** Manual connections wait for the account owner's approval (Pending). */
  manual: boolean;
  connectionName: string;
  status: PrivateEndpointConnection["status"];
}

/** A soft-deleted container: listed with `include=deleted` and restorable by name + version. */
export interface DeletedContainer {
  container: Container;
  version: string;
  deletedAt: Date;
}

export interface StorageAccount {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  secondaryLocation?: string;
  skuName: string;
  kind: string;
  isHnsEnabled: boolean;
  createdAt: Date;
  tags: Tags;
  blobService: BlobServiceSettings;
  /**
   * Geo-replication as ARM reports it (geoReplicationStats): Live replication keeps the secondary
   * `replicationLagMs` behind the primary (default 5 minutes) unless `lastSyncTime` pins it.
   */
  geoReplicationStatus?: "Live" | "Bootstrap" | "Unavailable";
  replicationLagMs?: number;
  lastSyncTime?: Date;
  lastGeoFailoverTime?: Date;
  failoverInProgress?: boolean;
  containers: Map<string, Container>;
  /** Soft-deleted containers (containerDeleteRetentionPolicy), newest last. */
  deletedContainers: DeletedContainer[];
  /** Role assignments made at the account's scope (Microsoft.Authorization/roleAssignments). */
  roleAssignments: RoleAssignment[];
  privateEndpointConnections: PrivateEndpointConnection[];
  /** Regional outage: the primary endpoints do not answer; ARM reports statusOfPrimary unavailable. */
  primaryDown?: boolean;
  lastRestore?: {
    restoreId: string;
    status: string;
    timeToRestore: string;
    blobRanges: BlobRange[];
    failureReason?: string;
  };
}

export interface BlobRange {
  startRange: string;
  endRange: string;
}

export interface DeletedStorageAccount {
  account: StorageAccount;
  deletedAt: Date;
  restoreReference: string;
}

export interface AssetVersion {
  version: string;
  /** Resource `properties` as served (description, tags, properties, modelUri, image, dataUri, …). */
  properties: Record<string, unknown>;
  createdAt: Date;
}

export interface AssetContainer {
  name: string;
  description?: string;
  tags: Tags;
  isArchived: boolean;
  versions: Map<string, AssetVersion>;
  createdAt: Date;
}

export interface Connection {
  name: string;
  category: string;
  target: string;
  authType: string;
  isSharedToAll: boolean;
  metadata: Record<string, string>;
  /** Secret credentials (e.g. { key }): never returned by GET/list, only by listsecrets (logged). */
  credentials?: Record<string, string>;
}

export interface MlWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  kind: "Default" | "Hub" | "Project" | "FeatureStore";
  workspaceId: string;
  skuName: string;
  tags: Tags;
  createdAt: Date;
  properties: {
    friendlyName?: string;
    description?: string;
    storageAccount?: string;
    keyVault?: string;
    containerRegistry?: string;
    applicationInsights?: string;
    publicNetworkAccess: "Enabled" | "Disabled";
    hubResourceId?: string;
    hbiWorkspace: boolean;
    managedNetwork?: { isolationMode: string };
  };
  models: Map<string, AssetContainer>;
  environments: Map<string, AssetContainer>;
  data: Map<string, AssetContainer>;
  /** Datastores: `properties` without credentials secrets; secrets kept aside. */
  datastores: Map<string, { properties: Record<string, unknown>; secrets?: Record<string, string> }>;
  computes: Map<string, { location: string; properties: Record<string, unknown> }>;
  connections: Map<string, Connection>;
  onlineEndpoints: Map<
    string,
    { properties: Record<string, unknown>; deployments: Map<string, Record<string, unknown>> }
  >;
}

export interface DeletedMlWorkspace {
  workspace: MlWorkspace;
  deletedAt: Date;
}

export interface DatabricksWorkspace {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  skuName: string;
  workspaceId: string;
  workspaceUrl: string;
  managedResourceGroupId: string;
  tags: Tags;
  createdAt: Date;
}

export interface KvAttributes {
  enabled: boolean;
  created: Date;
  updated: Date;
  nbf?: Date;
  exp?: Date;
}

export interface KvSecretVersion {
  version: string;
  value: string;
  contentType?: string;
  attributes: KvAttributes;
  tags: Tags;
}

export interface KvKeyVersion {
  version: string;
  kty: string;
  keyOps: string[];
  n: string;
  e: string;
  attributes: KvAttributes;
  tags: Tags;
}

export interface KvCertificateVersion {
  version: string;
  subject: string;
  cer: Buffer;
  x5t: string;
  attributes: KvAttributes;
  tags: Tags;
}

export interface KvItem<V> {
  name: string;
  versions: V[];
  deleted?: { deletedDate: Date; scheduledPurgeDate: Date };
}

export interface KeyVault {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
  softDeleteRetentionInDays: number;
  /** Vault properties (Microsoft.KeyVault/vaults): soft delete defaults to on, purge protection to off. */
  enableSoftDelete: boolean;
  enablePurgeProtection: boolean;
  secrets: Map<string, KvItem<KvSecretVersion>>;
  keys: Map<string, KvItem<KvKeyVersion>>;
  certificates: Map<string, KvItem<KvCertificateVersion>>;
}

/** A read of something secret: a Key Vault secret value, a connection key, storage keys… */
export interface SecretRead {
  service: string;
  kind: string;
  target: string;
  at: Date;
}

export interface LongRunningOperation {
  id: string;
  subscriptionId: string;
  location: string;
  status: "InProgress" | "Succeeded" | "Failed";
  pollsLeft: number;
  startTime: Date;
  endTime?: Date;
  error?: { code: string; message: string };
  /** Applied once, when the operation completes; returns the final resource body (if any). */
  complete: () => unknown;
  result?: unknown;
}

const key = (...parts: string[]) => parts.map((p) => p.toLowerCase()).join("/");

export const storageAccountId = (a: Pick<StorageAccount, "subscriptionId" | "resourceGroup" | "name">) =>
  `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${a.name}`;

export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A deterministic, GUID-shaped id derived from a seed string. */
export function guidFrom(seed: string): string {
  const h = sha256(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function defaultBlobService(): BlobServiceSettings {
  return {
    deleteRetentionPolicy: { enabled: false },
    containerDeleteRetentionPolicy: { enabled: false },
    isVersioningEnabled: false,
    changeFeed: { enabled: false },
    restorePolicy: { enabled: false },
  };
}

export class AzureState {
  readonly tenantId: string;
  readonly resourceGroups = new Map<string, ResourceGroup>();
  readonly storageAccounts = new Map<string, StorageAccount>();
  readonly deletedStorageAccounts: DeletedStorageAccount[] = [];
  readonly mlWorkspaces = new Map<string, MlWorkspace>();
  readonly deletedMlWorkspaces: DeletedMlWorkspace[] = [];
  readonly databricksWorkspaces = new Map<string, DatabricksWorkspace>();
  /** Azure OpenAI / AI Services accounts' model deployments (ARM JSON), by account resource id (lowercase). */
  readonly cognitiveDeployments = new Map<string, unknown[]>();
  readonly vaults = new Map<string, KeyVault>();
  readonly operations = new Map<string, LongRunningOperation>();
  readonly secretReads: SecretRead[] = [];
  /** Entra ID principals that exist (role assignments to anyone else answer PrincipalNotFound). */
  readonly principals = new Set<string>();
  /** Managed identities' principal ids by their resource's lowercase id (Databricks access connectors). */
  readonly managedIdentities = new Map<string, string>();
  /** Microsoft.Network/privateEndpoints, by lowercase resource id. */
  readonly privateEndpoints = new Map<string, PrivateEndpointResource>();
  private offsetMs = 0;
  private counter = 0;

  constructor(options: { tenantId?: string } = {}) {
    this.tenantId = options.tenantId ?? "72f988bf-0000-4000-8000-00000000a2d4";
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Move the simulated clock forward (soft-delete windows, point-in-time restore). */
  advanceTime(ms: number): void {
    this.offsetMs += ms;
  }

  /** A unique, monotonically increasing id (version ids, operation ids, etags). */
  nextId(prefix = ""): string {
    this.counter += 1;
    return `${prefix}${this.counter.toString(16).padStart(8, "0")}`;
  }

  recordSecretRead(service: string, kind: string, target: string): void {
    this.secretReads.push({ service, kind, target, at: this.now() });
  }

  // ---- resource groups -------------------------------------------------------------------
  addResourceGroup(subscriptionId: string, name: string, location: string, tags: Tags = {}): ResourceGroup {
    const rg = { subscriptionId, name, location, tags };
    this.resourceGroups.set(key(subscriptionId, name), rg);
    return rg;
  }
  getResourceGroup(subscriptionId: string, name: string): ResourceGroup | undefined {
    return this.resourceGroups.get(key(subscriptionId, name));
  }

  // ---- storage accounts -------------------------------------------------------------------
  addStorageAccount(
    a: Partial<StorageAccount> &
      Pick<StorageAccount, "subscriptionId" | "resourceGroup" | "name" | "location">,
  ): StorageAccount {
    const account: StorageAccount = {
      skuName: "Standard_RAGRS",
      kind: "StorageV2",
      isHnsEnabled: false,
      createdAt: this.now(),
      tags: {},
      blobService: defaultBlobService(),
      containers: new Map(),
      deletedContainers: [],
      roleAssignments: [],
      privateEndpointConnections: [],
      ...a,
    };
    if (account.secondaryLocation === undefined && /GRS|GZRS/.test(account.skuName))
      account.secondaryLocation = pairedRegion(account.location);
    this.storageAccounts.set(key(account.subscriptionId, account.resourceGroup, account.name), account);
    return account;
  }
  getStorageAccount(subscriptionId: string, resourceGroup: string, name: string): StorageAccount | undefined {
    return this.storageAccounts.get(key(subscriptionId, resourceGroup, name));
  }
  /** Storage account names are globally unique: find one by name alone (blob endpoint). */
  findStorageAccount(name: string): StorageAccount | undefined {
    for (const a of this.storageAccounts.values()) if (a.name.toLowerCase() === name.toLowerCase()) return a;
    return undefined;
  }
  activeDeletedStorageAccounts(): DeletedStorageAccount[] {
    const cutoff = this.now().getTime() - STORAGE_ACCOUNT_RETENTION_DAYS * DAY_MS;
    return this.deletedStorageAccounts.filter((d) => d.deletedAt.getTime() > cutoff);
  }
  /** Disaster: delete a storage account; it stays recoverable (deletedAccounts) for 14 days. */
  deleteStorageAccount(subscriptionId: string, resourceGroup: string, name: string): boolean {
    const k = key(subscriptionId, resourceGroup, name);
    const account = this.storageAccounts.get(k);
    if (!account) return false;
    this.storageAccounts.delete(k);
    // Learn (storage-account-recover): linked private endpoints are removed with the account and not
    // recreated by a recovery. The endpoint resources stay in the customer's network, disconnected.
    account.privateEndpointConnections = [];
    for (const pe of this.privateEndpoints.values())
      if (pe.targetId.toLowerCase() === storageAccountId(account).toLowerCase()) pe.status = "Disconnected";
    this.deletedStorageAccounts.push({
      account,
      deletedAt: this.now(),
      restoreReference: `${guidFrom(account.name + account.createdAt.toISOString())},${account.createdAt.getTime()}`,
    });
    return true;
  }
  /** Recover a deleted account (what a PUT with the deleted account's restoreReference does). */
  recoverStorageAccount(restoreReference: string): StorageAccount | undefined {
    const i = this.activeDeletedStorageAccounts().findIndex((d) => d.restoreReference === restoreReference);
    if (i < 0) return undefined;
    const deleted = this.activeDeletedStorageAccounts()[i]!;
    this.deletedStorageAccounts.splice(this.deletedStorageAccounts.indexOf(deleted), 1);
    const a = deleted.account;
    // Whether data-protection settings survive a recovery is unverified (azure-recovery-facts.md):
    // the simulator takes the stricter reading, so a restore must re-apply them from its backup.
    a.blobService = defaultBlobService();
    a.roleAssignments = [];
    this.storageAccounts.set(key(a.subscriptionId, a.resourceGroup, a.name), a);
    return a;
  }

  // ---- private endpoints --------------------------------------------------------------------
  /**
   * Create (or re-create) a private endpoint to the account, as the customer's IaC does: a new
   * connection on the account, Approved when automatic, Pending when it asks for manual approval.
   */
  connectPrivateEndpoint(
    account: StorageAccount,
    pe: { name: string; resourceGroup: string; subnetId: string; groupIds: string[]; manual?: boolean },
  ): PrivateEndpointResource {
    const id = `/subscriptions/${account.subscriptionId}/resourceGroups/${pe.resourceGroup}/providers/Microsoft.Network/privateEndpoints/${pe.name}`;
    const connectionName = `${pe.name}.${guidFrom(`pec/${id}/${this.nextId()}`)}`;
    const status = pe.manual ? "Pending" : "Approved";
    const resource: PrivateEndpointResource = {
      id,
      name: pe.name,
      location: account.location,
      subnetId: pe.subnetId,
      targetId: storageAccountId(account),
      groupIds: pe.groupIds,
      manual: pe.manual === true,
      connectionName,
      status,
    };
    this.privateEndpoints.set(id.toLowerCase(), resource);
    account.privateEndpointConnections = account.privateEndpointConnections.filter(
      (c) => c.privateEndpointId.toLowerCase() !== id.toLowerCase(),
    );
    account.privateEndpointConnections.push({
      name: connectionName,
      privateEndpointId: id,
      status,
      description: pe.manual ? "Please approve my connection." : "Auto-Approved",
    });
    return resource;
  }

  // ---- blobs ------------------------------------------------------------------------------
  container(account: StorageAccount, name: string, create = false): Container | undefined {
    let c = account.containers.get(name);
    if (!c && create) {
      c = { name, createdAt: this.now(), blobs: new Map() };
      account.containers.set(name, c);
    }
    return c;
  }
  currentVersion(blob: BlobRecord): BlobVersion | undefined {
    const last = blob.history[blob.history.length - 1];
    return last && !last.endedAt ? last : undefined;
  }
  /** Write a blob (a new version when versioning is on; otherwise replaces it). */
  putBlob(
    account: StorageAccount,
    containerName: string,
    name: string,
    content: Buffer,
    contentType = "application/octet-stream",
  ): BlobVersion {
    const container = this.container(account, containerName, true)!;
    const now = this.now();
    const version: BlobVersion = {
      versionId: now.toISOString().replace("Z", "") + this.nextId().slice(-4) + "Z",
      content,
      contentType,
      createdAt: now,
      etag: `"0x${this.nextId().toUpperCase()}"`,
      md5: digestInSlices("md5", content).toString("base64"),
    };
    let blob = container.blobs.get(name);
    if (!blob) {
      blob = { name, history: [] };
      container.blobs.set(name, blob);
    }
    const current = this.currentVersion(blob);
    if (current) current.endedAt = now;
    if (!account.blobService.isVersioningEnabled) blob.history = [];
    blob.history.push(version);
    return version;
  }
  /** Delete a blob: keeps history under versioning / soft delete, otherwise removes it. */
  deleteBlob(account: StorageAccount, containerName: string, name: string): boolean {
    const blob = account.containers.get(containerName)?.blobs.get(name);
    const current = blob && this.currentVersion(blob);
    if (!blob || !current) return false;
    const now = this.now();
    const svc = account.blobService;
    if (!svc.isVersioningEnabled && !svc.deleteRetentionPolicy.enabled) {
      account.containers.get(containerName)!.blobs.delete(name);
      return true;
    }
    current.endedAt = now;
    current.deletedAt = now;
    if (account.isHnsEnabled) current.deletionId = `${now.getTime()}${Number.parseInt(this.nextId(), 16)}`;
    return true;
  }
  /**
   * HNS path undelete (`x-ms-undelete-source: <path>?deletionid=<id>`): restores the soft-deleted
   * path with that deletion id. Directory entries are not modelled: each file is its own path.
   */
  undeletePath(
    account: StorageAccount,
    containerName: string,
    name: string,
    deletionId: string,
  ): "ok" | "missing" | "exists" {
    const blob = account.containers.get(containerName)?.blobs.get(name);
    if (!blob) return "missing";
    if (this.currentVersion(blob)) return "exists";
    const last = blob.history[blob.history.length - 1];
    if (!last?.deletedAt || last.deletionId !== deletionId || !this.withinSoftDelete(account, last.deletedAt))
      return "missing";
    delete last.deletedAt;
    delete last.endedAt;
    delete last.deletionId;
    return "ok";
  }

  // ---- containers -------------------------------------------------------------------------
  /** Delete a container: soft-deleted (restorable) when container soft delete is on, else gone. */
  deleteContainer(account: StorageAccount, name: string): boolean {
    const container = account.containers.get(name);
    if (!container) return false;
    account.containers.delete(name);
    if (account.blobService.containerDeleteRetentionPolicy.enabled)
      account.deletedContainers.push({
        container,
        version: this.nextId("01D").toUpperCase(),
        deletedAt: this.now(),
      });
    return true;
  }
  activeDeletedContainers(account: StorageAccount): DeletedContainer[] {
    const p = account.blobService.containerDeleteRetentionPolicy;
    const days = p.days ?? 7;
    return account.deletedContainers.filter(
      (d) => this.now().getTime() - d.deletedAt.getTime() < days * DAY_MS,
    );
  }
  /** Restore Container: the deleted container (name + version) comes back with its blobs. */
  restoreContainer(account: StorageAccount, name: string, version: string): "ok" | "missing" | "exists" {
    const d = this.activeDeletedContainers(account).find(
      (x) => x.container.name === name && x.version === version,
    );
    if (!d) return "missing";
    if (account.containers.has(name)) return "exists";
    account.deletedContainers.splice(account.deletedContainers.indexOf(d), 1);
    account.containers.set(name, d.container);
    return "ok";
  }

  // ---- geo-replication --------------------------------------------------------------------
  /** The secondary's sync point: pinned, or the replication lag behind now (Bootstrap: none). */
  lastSyncTime(account: StorageAccount): Date | undefined {
    if (account.lastSyncTime) return account.lastSyncTime;
    if ((account.geoReplicationStatus ?? "Live") === "Bootstrap") return undefined;
    return new Date(this.now().getTime() - (account.replicationLagMs ?? 5 * 60_000));
  }
  /**
   * Unplanned failover: the secondary becomes primary, so every write after the last sync time is
   * lost (versions created later disappear; a blob deleted later is current again).
   */
  loseWritesAfter(account: StorageAccount, lastSync: Date): void {
    const t = lastSync.getTime();
    for (const container of account.containers.values())
      for (const [name, blob] of [...container.blobs]) {
        blob.history = blob.history.filter((v) => v.createdAt.getTime() <= t);
        const last = blob.history[blob.history.length - 1];
        if (!last) container.blobs.delete(name);
        else if (last.endedAt && last.endedAt.getTime() > t) {
          delete last.endedAt;
          delete last.deletedAt;
          delete last.deletionId;
        }
      }
  }
  /** Undelete: restores a soft-deleted base blob (without versioning; with versioning a no-op, as in Azure). */
  undeleteBlob(account: StorageAccount, containerName: string, name: string): boolean {
    const blob = account.containers.get(containerName)?.blobs.get(name);
    if (!blob) return false;
    if (account.blobService.isVersioningEnabled) return true;
    const last = blob.history[blob.history.length - 1];
    if (last?.deletedAt && this.withinSoftDelete(account, last.deletedAt)) {
      delete last.deletedAt;
      delete last.endedAt;
      delete last.deletionId;
    }
    return true;
  }
  withinSoftDelete(account: StorageAccount, deletedAt: Date): boolean {
    const p = account.blobService.deleteRetentionPolicy;
    return p.enabled && this.now().getTime() - deletedAt.getTime() < (p.days ?? 7) * DAY_MS;
  }

  // ---- ML workspaces ---------------------------------------------------------------------
  addMlWorkspace(
    w: Partial<MlWorkspace> & Pick<MlWorkspace, "subscriptionId" | "resourceGroup" | "name" | "location">,
  ): MlWorkspace {
    const ws: MlWorkspace = {
      kind: "Default",
      workspaceId: guidFrom(`mlw/${w.subscriptionId}/${w.resourceGroup}/${w.name}`),
      skuName: "Basic",
      tags: {},
      createdAt: this.now(),
      properties: { publicNetworkAccess: "Enabled", hbiWorkspace: false },
      models: new Map(),
      environments: new Map(),
      data: new Map(),
      datastores: new Map(),
      computes: new Map(),
      connections: new Map(),
      onlineEndpoints: new Map(),
      ...w,
    };
    this.mlWorkspaces.set(key(ws.subscriptionId, ws.resourceGroup, ws.name), ws);
    return ws;
  }
  getMlWorkspace(subscriptionId: string, resourceGroup: string, name: string): MlWorkspace | undefined {
    return this.mlWorkspaces.get(key(subscriptionId, resourceGroup, name));
  }
  activeDeletedMlWorkspaces(): DeletedMlWorkspace[] {
    const cutoff = this.now().getTime() - ML_WORKSPACE_RETENTION_DAYS * DAY_MS;
    return this.deletedMlWorkspaces.filter((d) => d.deletedAt.getTime() > cutoff);
  }
  findDeletedMlWorkspace(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
  ): DeletedMlWorkspace | undefined {
    return this.activeDeletedMlWorkspaces().find(
      (d) =>
        key(d.workspace.subscriptionId, d.workspace.resourceGroup, d.workspace.name) ===
        key(subscriptionId, resourceGroup, name),
    );
  }
  /** Disaster: delete an Azure ML workspace (soft delete for 14 days unless purged). */
  deleteMlWorkspace(subscriptionId: string, resourceGroup: string, name: string, purge = false): boolean {
    const k = key(subscriptionId, resourceGroup, name);
    const ws = this.mlWorkspaces.get(k);
    if (!ws) return false;
    this.mlWorkspaces.delete(k);
    if (!purge) this.deletedMlWorkspaces.push({ workspace: ws, deletedAt: this.now() });
    return true;
  }
  /** Recover a soft-deleted workspace (what re-creating it with the same name/RG/region does). */
  recoverMlWorkspace(subscriptionId: string, resourceGroup: string, name: string): MlWorkspace | undefined {
    const d = this.findDeletedMlWorkspace(subscriptionId, resourceGroup, name);
    if (!d) return undefined;
    this.deletedMlWorkspaces.splice(this.deletedMlWorkspaces.indexOf(d), 1);
    this.mlWorkspaces.set(key(subscriptionId, resourceGroup, name), d.workspace);
    return d.workspace;
  }

  // ---- Databricks workspace resources ---------------------------------------------------
  addDatabricksWorkspace(
    w: Partial<DatabricksWorkspace> &
      Pick<DatabricksWorkspace, "subscriptionId" | "resourceGroup" | "name" | "location">,
  ): DatabricksWorkspace {
    const workspaceId =
      w.workspaceId ?? String(1_000_000_000_000_000 + parseInt(sha256(w.name).slice(0, 12), 16));
    const ws: DatabricksWorkspace = {
      skuName: "premium",
      workspaceId,
      workspaceUrl: `adb-${workspaceId}.${parseInt(sha256(w.name).slice(0, 2), 16) % 20}.azuredatabricks.net`,
      managedResourceGroupId: `/subscriptions/${w.subscriptionId}/resourceGroups/databricks-rg-${w.name}`,
      tags: {},
      createdAt: this.now(),
      ...w,
    };
    this.databricksWorkspaces.set(key(ws.subscriptionId, ws.resourceGroup, ws.name), ws);
    return ws;
  }

  // ---- Key Vault ----------------------------------------------------------------------------
  addVault(
    v: Partial<KeyVault> & Pick<KeyVault, "name" | "subscriptionId" | "resourceGroup" | "location">,
  ): KeyVault {
    const vault: KeyVault = {
      tenantId: this.tenantId,
      softDeleteRetentionInDays: 90,
      enableSoftDelete: true,
      enablePurgeProtection: false,
      secrets: new Map(),
      keys: new Map(),
      certificates: new Map(),
      ...v,
    };
    this.vaults.set(vault.name.toLowerCase(), vault);
    return vault;
  }
  getVault(name: string): KeyVault | undefined {
    return this.vaults.get(name.toLowerCase());
  }
  /** A 32-hex-character Key Vault object version. */
  kvVersion(seed: string): string {
    return sha256(`${seed}/${this.nextId()}`).slice(0, 32);
  }
  attributes(overrides: Partial<KvAttributes> = {}): KvAttributes {
    const now = this.now();
    return { enabled: true, created: now, updated: now, ...overrides };
  }
  /** Set a secret: adds a new version (like Set Secret). */
  setSecret(
    vault: KeyVault,
    name: string,
    value: string,
    options: { contentType?: string; tags?: Tags; exp?: Date } = {},
  ): KvSecretVersion {
    let item = vault.secrets.get(name.toLowerCase());
    if (!item || item.deleted) {
      item = { name, versions: [] };
      vault.secrets.set(name.toLowerCase(), item);
    }
    const version: KvSecretVersion = {
      version: this.kvVersion(`${vault.name}/secrets/${name}`),
      value,
      attributes: this.attributes(options.exp ? { exp: options.exp } : {}),
      tags: options.tags ?? {},
      ...(options.contentType ? { contentType: options.contentType } : {}),
    };
    item.versions.push(version);
    return version;
  }
  /** Disaster: delete a Key Vault item (secret, key or certificate): it becomes a deleted item. */
  deleteVaultItem(vault: KeyVault, collection: "secrets" | "keys" | "certificates", name: string): boolean {
    const item = vault[collection].get(name.toLowerCase());
    if (!item || item.deleted) return false;
    const now = this.now();
    item.deleted = {
      deletedDate: now,
      scheduledPurgeDate: new Date(now.getTime() + vault.softDeleteRetentionInDays * DAY_MS),
    };
    return true;
  }
  recoverVaultItem(vault: KeyVault, collection: "secrets" | "keys" | "certificates", name: string): boolean {
    const item = vault[collection].get(name.toLowerCase());
    if (!item?.deleted) return false;
    delete item.deleted;
    return true;
  }
}

const PAIRS: Record<string, string> = {
  westeurope: "northeurope",
  northeurope: "westeurope",
  eastus: "westus",
  westus: "eastus",
  eastus2: "centralus",
  centralus: "eastus2",
  swedencentral: "swedensouth",
  germanywestcentral: "germanynorth",
  uksouth: "ukwest",
  ukwest: "uksouth",
};

export function pairedRegion(location: string): string {
  return PAIRS[location.toLowerCase()] ?? `${location}-paired`;
}

/** A digest of a body of any size (hash.update takes at most 2 GiB − 1 at a time). */
export function digestInSlices(algorithm: "md5" | "sha256", content: Buffer): Buffer {
  const hash = createHash(algorithm);
  for (let offset = 0; offset < content.length; offset += 256 * 1024 * 1024)
    hash.update(content.subarray(offset, offset + 256 * 1024 * 1024));
  return hash.digest();
}
