// The calls storage recovery (runbook 7.2) makes: ARM through @azure/arm-storage (account state with
// geoReplicationStats, deleted accounts, failover and restoreBlobRanges as long-running operations,
// blob service settings, create / update), the Blob data plane through @azure/storage-blob (deleted
// containers, deleted blobs and versions, container restore, undelete, version promotion) and ADLS
// Gen2 path undelete through @azure/storage-file-datalake. Data-plane endpoints come from the
// account's primaryEndpoints, never from name patterns (sovereign clouds, private DNS).
//
// Long-running operations are started and polled separately: start returns a handle (the SDK
// poller's serialized state: URLs only, no token) that the orchestrator persists, and pollOperation
// restores a poller from it and polls ONCE, so polling runs on durable timers and survives a host
// restart. SDK errors become AzdrError codes here.
import { createHash } from "node:crypto";
import { AuthorizationManagementClient } from "@azure/arm-authorization";
import { StorageManagementClient, restorePoller } from "@azure/arm-storage";
import { BlobServiceClient } from "@azure/storage-blob";
import { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { AzdrError } from "../errors.js";
import {
  ARM_ENDPOINT,
  mapAzureError,
  RawArm,
  toJson,
  type ArmRef,
  type AzureClientOptions,
  type Json,
} from "./azure.js";

/** Microsoft.Network/privateEndpoints (one GET: the group ids and subnet of an endpoint). */
export const NETWORK_API_VERSION = "2024-05-01";

/** What ARM says about a live account (its `$expand=geoReplicationStats` GET). */
export interface StorageAccountState {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  primaryLocation?: string;
  secondaryLocation?: string;
  /** "available" | "unavailable" (ARM's statusOfPrimary). */
  statusOfPrimary?: string;
  skuName?: string;
  kind?: string;
  isHnsEnabled: boolean;
  blobEndpoint?: string;
  dfsEndpoint?: string;
  failoverInProgress: boolean;
  lastGeoFailoverTime?: string;
  geoReplication?: {
    status?: string;
    lastSyncTime?: string;
    canFailover?: boolean;
    canPlannedFailover?: boolean;
    postFailoverRedundancy?: string;
    postPlannedFailoverRedundancy?: string;
  };
  tags: Record<string, string>;
}

export interface DeletedAccountInfo {
  name: string;
  location?: string;
  storageAccountResourceId?: string;
  /** The resource group the account lived in (from storageAccountResourceId). */
  resourceGroup?: string;
  creationTime?: string;
  deletionTime?: string;
}

export interface DeletedContainerInfo {
  name: string;
  version: string;
  deletedOn?: string;
  remainingRetentionDays?: number;
}

/** One listed blob, version or soft-deleted blob. */
export interface BlobEntry {
  name: string;
  versionId?: string;
  isCurrentVersion?: boolean;
  deleted: boolean;
  deletedOn?: string;
  /** When this version/blob was written (Last-Modified). */
  lastModified?: string;
  size?: number;
}

export interface DeletedPathInfo {
  name: string;
  deletionId: string;
  deletedOn?: string;
  remainingRetentionDays?: number;
}

export interface BlobRange {
  startRange: string;
  endRange: string;
}

export type FailoverType = "Planned" | "Unplanned";

/** A role assignment made at the account's own scope (inherited ones are not the account's). */
export interface RoleAssignmentRecord {
  roleDefinitionId: string;
  principalId: string;
  principalType?: string;
}

/** A private endpoint connection on the account (Microsoft.Storage/storageAccounts/privateEndpointConnections). */
export interface PrivateEndpointConnectionInfo {
  /** The connection's name on the account (a re-created endpoint gets a new one). */
  name: string;
  /** The Microsoft.Network/privateEndpoints resource id. */
  privateEndpointId: string;
  /** Pending | Approved | Rejected | Disconnected. */
  status: string;
  description?: string;
}

/** What the endpoint itself says (Microsoft.Network): the sub-resources it connects to and its subnet. */
export interface PrivateEndpointInfo {
  groupIds: string[];
  subnetId?: string;
  location?: string;
  /** Manual connections wait for the account owner's approval. */
  manual: boolean;
}

/** A persisted long-running operation: enough to poll it from another process. */
export interface OperationHandle {
  kind: "failover" | "restoreBlobRanges";
  account: ArmRef;
  /** The SDK poller's serialized state (operation URLs; never a token). */
  state: string;
}

export type OperationStatus =
  { status: "InProgress" } | { status: "Succeeded" } | { status: "Failed"; reason: string };

export interface AccountCreateSettings {
  location: string;
  skuName: string;
  kind: string;
  isHnsEnabled: boolean;
  tags?: Record<string, string>;
}

/** Blob service data-protection settings as ARM takes them (BlobServiceProperties.properties). */
export interface BlobServiceProtection {
  deleteRetentionPolicy?: { enabled: boolean; days?: number };
  containerDeleteRetentionPolicy?: { enabled: boolean; days?: number };
  isVersioningEnabled?: boolean;
  changeFeed?: { enabled: boolean; retentionInDays?: number };
  restorePolicy?: { enabled: boolean; days?: number };
}

export interface StorageRecoveryClient {
  /** The account, or undefined when ARM answers 404 (deleted, or never existed). */
  getAccount(account: ArmRef): Promise<StorageAccountState | undefined>;
  getBlobService(account: ArmRef): Promise<Json>;
  setBlobService(account: ArmRef, settings: BlobServiceProtection): Promise<void>;
  /** The newest entry of the subscription's deletedAccounts with this name. */
  findDeletedAccount(name: string): Promise<DeletedAccountInfo | undefined>;
  resourceGroupExists(name: string): Promise<boolean>;
  /** Storage account names are global: is this one free (a recovery or a re-create needs it)? */
  nameAvailability(name: string): Promise<{ available: boolean; reason?: string }>;
  createAccount(account: ArmRef, settings: AccountCreateSettings): Promise<void>;
  /** Change the replication SKU (re-enabling geo-redundancy after an unplanned failover). */
  updateSku(account: ArmRef, skuName: string): Promise<void>;
  startFailover(account: ArmRef, type: FailoverType): Promise<OperationHandle>;
  startRestoreBlobRanges(
    account: ArmRef,
    timeToRestore: string,
    ranges: BlobRange[],
  ): Promise<OperationHandle>;
  /** One poll of a started operation. */
  pollOperation(handle: OperationHandle): Promise<OperationStatus>;

  /** Role assignments made at the account's scope (atScope(): inherited ones are left out). */
  listRoleAssignments(account: ArmRef): Promise<RoleAssignmentRecord[]>;
  /** Grant a role on the account; one that is already there is "exists" (idempotent). */
  grantRole(account: ArmRef, assignment: RoleAssignmentRecord): Promise<"created" | "exists">;

  listPrivateEndpointConnections(account: ArmRef): Promise<PrivateEndpointConnectionInfo[]>;
  /** Approve a Pending connection (PrivateEndpointConnections_Put with status Approved). */
  approvePrivateEndpointConnection(account: ArmRef, connection: string, description: string): Promise<void>;
  /**
   * The private endpoint resource (Microsoft.Network) and its connection to this account: undefined
   * when it does not exist. azdr only reads it; endpoints belong to the platform's network IaC.
   */
  getPrivateEndpoint(privateEndpointId: string, accountId: string): Promise<PrivateEndpointInfo | undefined>;

  /** Does the primary blob endpoint answer (one small list call)? */
  probeBlobEndpoint(blobEndpoint: string): Promise<{ answers: boolean; reason?: string }>;
  /** Names of the live containers. */
  listContainers(blobEndpoint: string): AsyncIterable<string>;
  listDeletedContainers(blobEndpoint: string, prefix?: string): AsyncIterable<DeletedContainerInfo>;
  containerExists(blobEndpoint: string, container: string): Promise<boolean>;
  restoreContainer(blobEndpoint: string, name: string, version: string): Promise<void>;
  listBlobs(
    blobEndpoint: string,
    container: string,
    options: { prefix?: string; includeDeleted?: boolean; includeVersions?: boolean },
  ): AsyncIterable<BlobEntry>;
  undeleteBlob(blobEndpoint: string, container: string, name: string): Promise<void>;
  /** Copy a previous version over the base blob (destructive: the current content is replaced). */
  promoteVersion(blobEndpoint: string, container: string, name: string, versionId: string): Promise<void>;
  listDeletedPaths(dfsEndpoint: string, filesystem: string, prefix?: string): AsyncIterable<DeletedPathInfo>;
  undeletePath(dfsEndpoint: string, filesystem: string, path: string, deletionId: string): Promise<void>;
}

const iso = (d: Date | undefined) =>
  d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString() : undefined;

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const resourceGroupOf = (id: string | undefined) => /\/resourceGroups\/([^/]+)\//i.exec(id ?? "")?.[1];

export function createStorageRecoveryClient(options: AzureClientOptions): StorageRecoveryClient {
  let arm: StorageManagementClient | undefined;
  const sdk = () =>
    (arm ??= new StorageManagementClient(options.credential, options.subscriptionId, {
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      ...(options.retry ? { retryOptions: options.retry } : {}),
      ...(options.armEndpoint ? { endpoint: options.armEndpoint } : {}),
    }));
  const storageOptions = {
    ...(options.storageHttpClient ? { httpClient: options.storageHttpClient } : {}),
    ...(options.retry
      ? {
          retryOptions: compact({
            maxTries: (options.retry.maxRetries ?? 3) + 1,
            retryDelayInMs: options.retry.retryDelayInMs,
            maxRetryDelayInMs: options.retry.maxRetryDelayInMs,
          }),
        }
      : {}),
  };
  let authorization: AuthorizationManagementClient | undefined;
  const auth = () =>
    (authorization ??= new AuthorizationManagementClient(options.credential, options.subscriptionId, {
      ...(options.httpClient ? { httpClient: options.httpClient } : {}),
      ...(options.retry ? { retryOptions: options.retry } : {}),
      ...(options.armEndpoint ? { endpoint: options.armEndpoint } : {}),
    }));
  // The SDK puts `/{scope}` in the path: the scope goes without its leading slash.
  const scopeOf = (a: ArmRef) =>
    `subscriptions/${options.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${a.name}`;
  const blobServices = new Map<string, BlobServiceClient>();
  const blob = (endpoint: string) => {
    let client = blobServices.get(endpoint);
    if (!client) {
      client = new BlobServiceClient(endpoint, options.credential, storageOptions);
      blobServices.set(endpoint, client);
    }
    return client;
  };
  const lake = (endpoint: string) => new DataLakeServiceClient(endpoint, options.credential, storageOptions);
  let rawArm: RawArm | undefined;
  const raw = () =>
    (rawArm ??= new RawArm((options.armEndpoint ?? ARM_ENDPOINT).replace(/\/$/, ""), options));

  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw mapAzureError(error, what);
    }
  }
  async function* iterate<T, U>(what: string, source: () => AsyncIterable<T>, map: (x: T) => U | undefined) {
    try {
      for await (const item of source()) {
        const out = map(item);
        if (out !== undefined) yield out;
      }
    } catch (error) {
      throw mapAzureError(error, what);
    }
  }

  return {
    async getAccount(account) {
      try {
        const a = await sdk().storageAccounts.getProperties(account.resourceGroup, account.name, {
          expand: "geoReplicationStats",
        });
        const geo = a.geoReplicationStats;
        return compact({
          id: a.id ?? "",
          name: a.name ?? account.name,
          resourceGroup: account.resourceGroup,
          location: a.location ?? "",
          primaryLocation: a.primaryLocation,
          secondaryLocation: a.secondaryLocation,
          statusOfPrimary: a.statusOfPrimary,
          skuName: a.sku?.name,
          kind: a.kind,
          isHnsEnabled: a.isHnsEnabled === true,
          blobEndpoint: a.primaryEndpoints?.blob,
          dfsEndpoint: a.primaryEndpoints?.dfs,
          failoverInProgress: a.failoverInProgress === true,
          lastGeoFailoverTime: iso(a.lastGeoFailoverTime),
          geoReplication: geo
            ? compact({
                status: geo.status,
                lastSyncTime: iso(geo.lastSyncTime),
                canFailover: geo.canFailover,
                canPlannedFailover: geo.canPlannedFailover,
                postFailoverRedundancy: geo.postFailoverRedundancy,
                postPlannedFailoverRedundancy: geo.postPlannedFailoverRedundancy,
              })
            : undefined,
          tags: a.tags ?? {},
        });
      } catch (error) {
        const mapped = mapAzureError(error, `get storage account ${account.name}`);
        if (mapped.code === "NOT_FOUND") return undefined;
        throw mapped;
      }
    },

    getBlobService: (account) =>
      call(`get blob service properties of ${account.name}`, async () =>
        toJson(await sdk().blobServices.getServiceProperties(account.resourceGroup, account.name)),
      ),

    setBlobService: (account, settings) =>
      call(`set blob service properties of ${account.name}`, async () => {
        await sdk().blobServices.setServiceProperties(account.resourceGroup, account.name, settings);
      }),

    findDeletedAccount: (name) =>
      call("list deleted storage accounts", async () => {
        let found: DeletedAccountInfo | undefined;
        for await (const d of sdk().deletedAccounts.list()) {
          if (d.name?.toLowerCase() !== name.toLowerCase()) continue;
          const info = compact({
            name: d.name,
            location: d.location,
            storageAccountResourceId: d.storageAccountResourceId,
            resourceGroup: resourceGroupOf(d.storageAccountResourceId),
            creationTime: d.creationTime,
            deletionTime: d.deletionTime,
          });
          if (!found || (info.deletionTime ?? "") > (found.deletionTime ?? "")) found = info;
        }
        return found;
      }),

    async resourceGroupExists(name) {
      // arm-storage has no resource-group call: a list of the group's accounts answers 404
      // ResourceGroupNotFound when the group is gone.
      try {
        for await (const a of sdk().storageAccounts.listByResourceGroup(name)) {
          void a;
          break;
        }
        return true;
      } catch (error) {
        const mapped = mapAzureError(error, `resource group ${name}`);
        if (mapped.code === "NOT_FOUND") return false;
        throw mapped;
      }
    },

    nameAvailability: (name) =>
      call(`check the name ${name}`, async () => {
        const r = await sdk().storageAccounts.checkNameAvailability({
          name,
          type: "Microsoft.Storage/storageAccounts",
        });
        return compact({ available: r.nameAvailable === true, reason: r.message ?? r.reason });
      }),

    createAccount: (account, s) =>
      call(`create storage account ${account.name}`, async () => {
        await sdk()
          .storageAccounts.create(
            account.resourceGroup,
            account.name,
            compact({
              location: s.location,
              kind: s.kind as "StorageV2",
              sku: { name: s.skuName as "Standard_LRS" },
              isHnsEnabled: s.isHnsEnabled,
              tags: s.tags,
            }),
            { updateIntervalInMs: 1000 },
          )
          .pollUntilDone();
      }),

    updateSku: (account, skuName) =>
      call(`change replication of ${account.name} to ${skuName}`, async () => {
        await sdk().storageAccounts.update(account.resourceGroup, account.name, {
          sku: { name: skuName },
        });
      }),

    startFailover: (account, type) =>
      call(`start ${type.toLowerCase()} failover of ${account.name}`, async () => {
        const poller = sdk().storageAccounts.failover(
          account.resourceGroup,
          account.name,
          type === "Planned" ? { failoverType: "Planned" } : {},
        );
        await poller.submitted();
        return { kind: "failover" as const, account, state: await poller.serialize() };
      }),

    startRestoreBlobRanges: (account, timeToRestore, ranges) =>
      call(`start point-in-time restore of ${account.name}`, async () => {
        const poller = sdk().storageAccounts.restoreBlobRanges(account.resourceGroup, account.name, {
          timeToRestore: new Date(timeToRestore),
          blobRanges: ranges,
        });
        await poller.submitted();
        return { kind: "restoreBlobRanges" as const, account, state: await poller.serialize() };
      }),

    async pollOperation(handle) {
      const client = sdk();
      let poller: {
        poll(): Promise<unknown>;
        isDone: boolean;
        operationState?: { status: string; result?: unknown; error?: Error };
      };
      try {
        poller =
          handle.kind === "failover"
            ? restorePoller(client, handle.state, client.storageAccounts.failover)
            : restorePoller(client, handle.state, client.storageAccounts.restoreBlobRanges);
      } catch (error) {
        throw new AzdrError("INVALID_INPUT", `the ${handle.kind} operation handle cannot be read`, {
          cause: error,
        });
      }
      try {
        await poller.poll();
      } catch (error) {
        const e = error as { statusCode?: number };
        // A failed operation surfaces as an error without an HTTP status; transport errors keep theirs.
        if (typeof e.statusCode === "number")
          throw mapAzureError(error, `poll ${handle.kind} of ${handle.account.name}`);
        return { status: "Failed", reason: (error as Error).message };
      }
      const state = poller.operationState;
      if (!poller.isDone) return { status: "InProgress" };
      if (state?.status === "succeeded") {
        // restoreBlobRanges reports its own outcome in the result body.
        const result = state.result as { status?: string; failureReason?: string } | undefined;
        if (result?.status === "Failed")
          return { status: "Failed", reason: result.failureReason ?? "the restore failed" };
        return { status: "Succeeded" };
      }
      return {
        status: "Failed",
        reason: state?.error?.message ?? `the ${handle.kind} operation ${state?.status}`,
      };
    },

    listRoleAssignments: (account) =>
      call(`list role assignments on ${account.name}`, async () => {
        const out: RoleAssignmentRecord[] = [];
        const scope = `/${scopeOf(account)}`.toLowerCase();
        for await (const r of auth().roleAssignments.listForScope(scopeOf(account), {
          filter: "atScope()",
        })) {
          if ((r.scope ?? "").toLowerCase() !== scope || !r.roleDefinitionId || !r.principalId) continue;
          out.push(
            compact({
              roleDefinitionId: r.roleDefinitionId,
              principalId: r.principalId,
              principalType: r.principalType,
            }),
          );
        }
        return out;
      }),

    async grantRole(account, a) {
      // A name derived from (scope, role, principal): a re-run PUTs the same assignment.
      const h = createHash("sha256")
        .update(`${scopeOf(account)}|${a.roleDefinitionId}|${a.principalId}`.toLowerCase())
        .digest("hex");
      const name = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
      try {
        await auth().roleAssignments.create(scopeOf(account), name, {
          roleDefinitionId: a.roleDefinitionId,
          principalId: a.principalId,
          ...(a.principalType ? { principalType: a.principalType } : {}),
        });
        return "created";
      } catch (error) {
        const mapped = mapAzureError(
          error,
          `grant ${a.roleDefinitionId.split("/").pop()} to ${a.principalId} on ${account.name}`,
        );
        if (mapped.code === "CONFLICT" && /RoleAssignmentExists/.test(mapped.message)) return "exists";
        throw mapped;
      }
    },

    listPrivateEndpointConnections: (account) =>
      call(`list private endpoint connections of ${account.name}`, async () => {
        const out: PrivateEndpointConnectionInfo[] = [];
        for await (const c of sdk().privateEndpointConnections.list(account.resourceGroup, account.name)) {
          if (!c.name || !c.privateEndpoint?.id) continue;
          out.push(
            compact({
              name: c.name,
              privateEndpointId: c.privateEndpoint.id,
              status: c.privateLinkServiceConnectionState?.status ?? "Unknown",
              description: c.privateLinkServiceConnectionState?.description,
            }),
          );
        }
        return out;
      }),

    approvePrivateEndpointConnection: (account, connection, description) =>
      call(`approve private endpoint connection ${connection} on ${account.name}`, async () => {
        await sdk().privateEndpointConnections.put(account.resourceGroup, account.name, connection, {
          privateLinkServiceConnectionState: { status: "Approved", description },
        });
      }),

    async getPrivateEndpoint(id, accountId) {
      let pe: Json;
      try {
        pe = await raw().get(id, NETWORK_API_VERSION, `get private endpoint ${id.split("/").pop()}`);
      } catch (error) {
        if (error instanceof AzdrError && error.code === "NOT_FOUND") return undefined;
        throw error;
      }
      const props = (pe["properties"] ?? {}) as Json;
      const connections = (manual: boolean) =>
        (
          (props[manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"] ??
            []) as Json[]
        ).map((c) => ({ manual, props: (c["properties"] ?? {}) as Json }));
      const toAccount = [...connections(false), ...connections(true)].filter(
        (c) =>
          typeof c.props["privateLinkServiceId"] === "string" &&
          c.props["privateLinkServiceId"].toLowerCase() === accountId.toLowerCase(),
      );
      const subnet = (props["subnet"] as Json | undefined)?.["id"];
      return compact({
        groupIds: [...new Set(toAccount.flatMap((c) => (c.props["groupIds"] as string[] | undefined) ?? []))],
        subnetId: typeof subnet === "string" ? subnet : undefined,
        location: typeof pe["location"] === "string" ? pe["location"] : undefined,
        manual: toAccount.some((c) => c.manual),
      });
    },

    async probeBlobEndpoint(endpoint) {
      try {
        const pages = blob(endpoint).listContainers().byPage({ maxPageSize: 1 });
        await pages.next();
        return { answers: true };
      } catch (error) {
        const mapped = mapAzureError(error, `probe ${endpoint}`);
        if (mapped.code === "UNAVAILABLE") return { answers: false, reason: mapped.message };
        throw mapped;
      }
    },

    listContainers: (endpoint) =>
      iterate(
        `list containers of ${endpoint}`,
        () => blob(endpoint).listContainers(),
        (c) => (c.deleted ? undefined : c.name),
      ),

    listDeletedContainers: (endpoint, prefix) =>
      iterate(
        `list deleted containers of ${endpoint}`,
        () => blob(endpoint).listContainers({ includeDeleted: true, ...(prefix ? { prefix } : {}) }),
        (c) =>
          c.deleted && c.version
            ? compact({
                name: c.name,
                version: c.version,
                deletedOn: iso(c.properties.deletedOn),
                remainingRetentionDays: c.properties.remainingRetentionDays,
              })
            : undefined,
      ),

    containerExists: (endpoint, container) =>
      call(`container ${container}`, () => blob(endpoint).getContainerClient(container).exists()),

    restoreContainer: (endpoint, name, version) =>
      call(`restore container ${name}`, async () => {
        await blob(endpoint).undeleteContainer(name, version);
      }),

    listBlobs: (endpoint, container, o) =>
      iterate(
        `list blobs of ${container}`,
        () =>
          blob(endpoint)
            .getContainerClient(container)
            .listBlobsFlat({
              ...(o.prefix ? { prefix: o.prefix } : {}),
              includeDeleted: o.includeDeleted ?? false,
              includeVersions: o.includeVersions ?? false,
            }),
        (b) =>
          compact({
            name: b.name,
            versionId: b.versionId,
            isCurrentVersion: b.isCurrentVersion,
            deleted: b.deleted === true,
            deletedOn: iso(b.properties.deletedOn),
            lastModified: iso(b.properties.lastModified),
            size: b.properties.contentLength,
          }),
      ),

    undeleteBlob: (endpoint, container, name) =>
      call(`undelete ${container}/${name}`, async () => {
        await blob(endpoint).getContainerClient(container).getBlobClient(name).undelete();
      }),

    promoteVersion: (endpoint, container, name, versionId) =>
      call(`copy version ${versionId} over ${container}/${name}`, async () => {
        const base = blob(endpoint).getContainerClient(container).getBlobClient(name);
        // Copy Blob within the account: the documented way to restore a previous version.
        const poller = await base.beginCopyFromURL(base.withVersion(versionId).url, { intervalInMs: 1000 });
        const result = await poller.pollUntilDone();
        if (result.copyStatus && result.copyStatus !== "success")
          throw new AzdrError("INTERNAL", `copy of ${container}/${name} ended ${result.copyStatus}`);
      }),

    listDeletedPaths: (endpoint, filesystem, prefix) =>
      iterate(
        `list deleted paths of ${filesystem}`,
        () =>
          lake(endpoint)
            .getFileSystemClient(filesystem)
            .listDeletedPaths(prefix ? { prefix } : {}),
        (p) =>
          p.deletionId
            ? compact({
                name: p.name,
                deletionId: p.deletionId,
                deletedOn: iso(p.deletedOn),
                remainingRetentionDays: p.remainingRetentionDays,
              })
            : undefined,
      ),

    undeletePath: (endpoint, filesystem, path, deletionId) =>
      call(`undelete path ${filesystem}/${path}`, async () => {
        await lake(endpoint).getFileSystemClient(filesystem).undeletePath(path, deletionId);
      }),
  };
}
