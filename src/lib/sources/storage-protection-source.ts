// Storage account data-protection settings (runbook 4.6 / 7.x): blob and container soft-delete
// windows, versioning, change feed, point-in-time restore, replication SKU, hierarchical namespace
// and the geo-replication last sync time, plus the recovery paths they allow, so that a restore knows
// in advance which path exists (e.g. point-in-time restore never works on an HNS account).
import type { BackupSource, PlanOutput } from "../backup/engine.js";
import type { Json } from "../clients/azure.js";
import { resolveArmResource } from "../config/naming.js";
import { AzdrError, isAzdrError } from "../errors.js";
import type { BackupStore } from "../store/backup-store.js";
import type { SnapshotRef } from "../store/layout.js";
import type { SourceContext } from "./context.js";

export interface ProtectionSettings {
  account: string;
  resourceGroup: string;
  location?: string;
  secondaryLocation?: string;
  skuName?: string;
  kind?: string;
  isHnsEnabled: boolean;
  blobSoftDelete: { enabled: boolean; days?: number };
  containerSoftDelete: { enabled: boolean; days?: number };
  versioning: boolean;
  changeFeed: { enabled: boolean; retentionInDays?: number };
  pointInTimeRestore: { enabled: boolean; days?: number; minRestoreTime?: string };
  geoReplication?: { status?: string; lastSyncTime?: string; canFailover?: boolean };
  lastGeoFailoverTime?: string;
  failoverInProgress?: boolean;
}

export interface RecoveryPath {
  available: boolean;
  /** Why it is (not) available, in words an on-call engineer can act on. */
  reason: string;
  windowDays?: number;
}

export type RecoveryPathName =
  | "blobUndelete"
  | "containerUndelete"
  | "previousVersions"
  | "pointInTimeRestore"
  | "accountFailover"
  | "readFromSecondary";

export function storageAccountFor(
  ctx: SourceContext,
  sourceId: string,
): { name: string; resourceGroup: string } {
  const entry = ctx.config.storageAccounts.find((s) => s.id === sourceId);
  if (!entry)
    throw new AzdrError(
      "INVALID_INPUT",
      `storage account "${sourceId}" is not in storageAccounts (known: ${ctx.config.storageAccounts.map((s) => s.id).join(", ") || "none"})`,
    );
  return resolveArmResource(ctx.config, entry, "sharedStorageAccount", "sharedResourceGroup");
}

const GEO_SKUS = /GRS|GZRS/i;

/** The settings that decide recovery paths, from the account and blob service ARM resources. */
export function protectionSettings(
  account: Json,
  blobService: Json,
  resourceGroup: string,
): ProtectionSettings {
  const policy = (v: unknown) => (v ?? {}) as Json;
  const del = policy(blobService["deleteRetentionPolicy"]);
  const cdel = policy(blobService["containerDeleteRetentionPolicy"]);
  const feed = policy(blobService["changeFeed"]);
  const restore = policy(blobService["restorePolicy"]);
  const geo = account["geoReplicationStats"] as Json | undefined;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const num = (v: unknown) => (typeof v === "number" ? v : undefined);
  const opt = <T extends object>(value: T) =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  return opt({
    account: String(account["name"]),
    resourceGroup,
    location: str(account["primaryLocation"]) ?? str(account["location"]),
    secondaryLocation: str(account["secondaryLocation"]),
    skuName: str((account["sku"] as Json | undefined)?.["name"]),
    kind: str(account["kind"]),
    isHnsEnabled: account["isHnsEnabled"] === true,
    blobSoftDelete: opt({ enabled: del["enabled"] === true, days: num(del["days"]) }),
    containerSoftDelete: opt({ enabled: cdel["enabled"] === true, days: num(cdel["days"]) }),
    versioning: blobService["isVersioningEnabled"] === true,
    changeFeed: opt({ enabled: feed["enabled"] === true, retentionInDays: num(feed["retentionInDays"]) }),
    pointInTimeRestore: opt({
      enabled: restore["enabled"] === true,
      days: num(restore["days"]),
      minRestoreTime: str(restore["minRestoreTime"]),
    }),
    geoReplication: geo
      ? opt({
          status: str(geo["status"]),
          lastSyncTime: str(geo["lastSyncTime"]),
          canFailover: typeof geo["canFailover"] === "boolean" ? geo["canFailover"] : undefined,
        })
      : undefined,
    lastGeoFailoverTime: str(account["lastGeoFailoverTime"]),
    failoverInProgress: account["failoverInProgress"] === true ? true : undefined,
  });
}

/** Which recovery paths the settings allow (pure: restores and preflight read it). */
export function recoveryPaths(s: ProtectionSettings): Record<RecoveryPathName, RecoveryPath> {
  const days = (d: number | undefined) => (d === undefined ? {} : { windowDays: d });
  const pitrMissing = [
    !s.pointInTimeRestore.enabled && "point-in-time restore is not enabled",
    s.isHnsEnabled &&
      "the account has a hierarchical namespace (point-in-time restore is not supported on HNS)",
    !s.versioning && "versioning is off",
    !s.changeFeed.enabled && "change feed is off",
    !s.blobSoftDelete.enabled && "blob soft delete is off",
  ].filter((x): x is string => typeof x === "string");
  const geo = GEO_SKUS.test(s.skuName ?? "");
  return {
    blobUndelete: s.blobSoftDelete.enabled
      ? {
          available: true,
          reason: `deleted blobs can be undeleted for ${s.blobSoftDelete.days ?? "?"} days`,
          ...days(s.blobSoftDelete.days),
        }
      : {
          available: false,
          reason: "blob soft delete is off: a deleted blob is gone unless versioning kept it",
        },
    containerUndelete: s.containerSoftDelete.enabled
      ? {
          available: true,
          reason: `deleted containers can be restored for ${s.containerSoftDelete.days ?? "?"} days`,
          ...days(s.containerSoftDelete.days),
        }
      : { available: false, reason: "container soft delete is off: a deleted container is gone" },
    previousVersions: s.versioning
      ? {
          available: true,
          reason:
            "versioning is on: overwritten or deleted blobs can be restored by copying a previous version",
        }
      : { available: false, reason: "versioning is off: an overwrite is final" },
    pointInTimeRestore:
      pitrMissing.length === 0
        ? {
            available: true,
            reason: `block blobs can be restored to any point in the last ${s.pointInTimeRestore.days ?? "?"} days`,
            ...days(s.pointInTimeRestore.days),
          }
        : { available: false, reason: pitrMissing.join("; ") },
    accountFailover:
      geo && !s.failoverInProgress
        ? {
            available: true,
            reason: `geo-redundant (${s.skuName}): customer-managed failover to ${s.secondaryLocation ?? "the secondary region"}; data after the last sync time${s.geoReplication?.lastSyncTime ? ` (${s.geoReplication.lastSyncTime})` : ""} is lost`,
          }
        : {
            available: false,
            reason: s.failoverInProgress
              ? "a failover is already in progress"
              : `replication ${s.skuName ?? "unknown"} is not geo-redundant: no secondary region to fail over to`,
          },
    readFromSecondary: /^Standard_RA/i.test(s.skuName ?? "")
      ? {
          available: true,
          reason: "read-access geo-redundant: the secondary endpoint is readable without a failover",
        }
      : { available: false, reason: "the secondary region (if any) is not readable without a failover" },
  };
}

/** The account's current protection settings, read through ARM; a deleted account is a NOT_FOUND that says how to recover it. */
export async function readProtection(
  ctx: SourceContext,
  sourceId: string,
): Promise<{
  ref: { name: string; resourceGroup: string };
  account: Json;
  blobService: Json;
  settings: ProtectionSettings;
}> {
  const ref = storageAccountFor(ctx, sourceId);
  let account: Json;
  try {
    account = await ctx.azure.storage.getAccount(ref);
  } catch (error) {
    if (!isAzdrError(error, "NOT_FOUND")) throw error;
    const deleted = await ctx.azure.storage.findDeletedAccount(ref.name).catch(() => undefined);
    const when = deleted?.["deletionTime"];
    throw new AzdrError(
      "NOT_FOUND",
      deleted
        ? `storage account ${ref.name} was deleted${typeof when === "string" ? ` at ${when}` : ""} and is still recoverable (deletedAccounts): recover it within 14 days of deletion (Azure portal: Storage accounts → "Restore deleted account", or a support request; runbook 7.2) before anything else`
        : `storage account ${ref.name} was not found in resource group ${ref.resourceGroup} and is not in the recoverable deleted accounts: if it was renamed or moved, fix storageAccounts[id=${sourceId}]`,
      { cause: error },
    );
  }
  const blobService = await ctx.azure.storage.getBlobService(ref);
  return { ref, account, blobService, settings: protectionSettings(account, blobService, ref.resourceGroup) };
}

export const storageProtectionSource: BackupSource<SourceContext, never> = {
  kind: "storage-protection",
  domain: "storage",
  component: "protection",

  async plan(ctx, target, previous): Promise<PlanOutput<never>> {
    const { ref, account, blobService, settings } = await readProtection(ctx, target.sourceId);
    const paths = recoveryPaths(settings);
    const before = previous ? await recordedProtection(ctx.store, previous) : undefined;
    const weakened = before ? weakenedProtection(before, settings) : [];
    // Role assignments at the account's scope: a recovered or redeployed account has none, and
    // runbook 7.2 re-grants them from this record.
    const roleAssignments = await ctx.azure.storageRecovery.listRoleAssignments(ref);
    // Private endpoints: a deleted account loses them and a recovery does not bring them back;
    // runbook 7.2 tells the operator exactly which to re-create, and approves them once back.
    const privateEndpoints = await recordPrivateEndpoints(
      ctx,
      ref,
      typeof account["id"] === "string" ? account["id"] : "",
    );
    const entries = [
      await ctx.store.putJson("account.json", "storage-account", account, { sku: settings.skuName }),
      await ctx.store.putJson("blob-service.json", "storage-blob-service", blobService),
      await ctx.store.putJson(
        "protection.json",
        "storage-protection",
        { settings, recoveryPaths: paths },
        {
          available: Object.entries(paths)
            .filter(([, p]) => p.available)
            .map(([name]) => name),
        },
      ),
      await ctx.store.putJson(ROLE_ASSIGNMENTS_ENTRY, "storage-role-assignments", roleAssignments, {
        count: roleAssignments.length,
      }),
      await ctx.store.putJson(PRIVATE_ENDPOINTS_ENTRY, "storage-private-endpoints", privateEndpoints, {
        count: privateEndpoints.length,
      }),
    ];
    return {
      carried: { entries },
      work: [],
      summary: {
        account: ref.name,
        resourceGroup: ref.resourceGroup,
        sku: settings.skuName,
        isHnsEnabled: settings.isHnsEnabled,
        lastSyncTime: settings.geoReplication?.lastSyncTime,
        recoveryPaths: Object.fromEntries(Object.entries(paths).map(([k, p]) => [k, p.available])),
        ...(weakened.length ? { protectionWeakened: weakened } : {}),
      },
      ...(weakened.length ? { protectionWeakened: weakened } : {}),
    };
  },

  runBatch(): Promise<never> {
    return Promise.reject(
      new AzdrError("INTERNAL", "storage-protection has no batches: everything is read in plan"),
    );
  },
};

// ---- protection turned off ----------------------------------------------------------------------

function shortened(what: string, before: { enabled: boolean; days?: number }, after: typeof before) {
  if (before.enabled && !after.enabled) return `${what} was turned off (it kept ${before.days ?? "?"} days)`;
  if (before.enabled && after.enabled && (after.days ?? 0) < (before.days ?? 0))
    return `${what} was shortened from ${before.days} to ${after.days} days`;
  return undefined;
}

/**
 * What protects the account less than before: each change a sentence that says what was lost.
 * Turning a setting on, or lengthening a window, is not reported.
 */
export function weakenedProtection(before: ProtectionSettings, after: ProtectionSettings): string[] {
  const lost = [
    shortened("blob soft delete", before.blobSoftDelete, after.blobSoftDelete),
    shortened("container soft delete", before.containerSoftDelete, after.containerSoftDelete),
    before.versioning && !after.versioning
      ? "versioning was turned off: overwrites from now on are final"
      : undefined,
    before.changeFeed.enabled && !after.changeFeed.enabled ? "change feed was turned off" : undefined,
    shortened("point-in-time restore", before.pointInTimeRestore, after.pointInTimeRestore),
    GEO_SKUS.test(before.skuName ?? "") && !GEO_SKUS.test(after.skuName ?? "")
      ? `replication was lowered from ${before.skuName} to ${after.skuName ?? "unknown"}: no secondary region to fail over to`
      : undefined,
  ];
  const paths = { before: recoveryPaths(before), after: recoveryPaths(after) };
  const closed = (Object.keys(paths.before) as RecoveryPathName[])
    .filter((name) => paths.before[name].available && !paths.after[name].available)
    .map((name) => `recovery path ${name} is no longer available: ${paths.after[name].reason}`);
  return [...lost.filter((x): x is string => x !== undefined), ...closed];
}

/** A private endpoint connected to the account, as the backup saw it. */
export interface PrivateEndpointRecord {
  /** The Microsoft.Network/privateEndpoints resource id. */
  privateEndpointId: string;
  /** The connection's name on the account then (a re-created endpoint gets a new one). */
  connectionName: string;
  /** The connection's state then (Approved, Pending…). */
  status: string;
  /** Sub-resources it connects to (blob, dfs…), read from the endpoint itself. */
  groupIds?: string[];
  subnetId?: string;
  location?: string;
  /** A manual connection (approval by the account owner). */
  manual?: boolean;
  /** Why the endpoint's group ids and subnet are not recorded (the endpoint could not be read). */
  unreadable?: string;
}

/** The manifest entry with the account's private endpoints (runbook 7.2 checks them after recovery). */
export const PRIVATE_ENDPOINTS_ENTRY = "private-endpoints.json";

async function recordPrivateEndpoints(
  ctx: SourceContext,
  ref: { name: string; resourceGroup: string },
  accountId: string,
): Promise<PrivateEndpointRecord[]> {
  const client = ctx.azure.storageRecovery;
  const out: PrivateEndpointRecord[] = [];
  for (const c of await client.listPrivateEndpointConnections(ref)) {
    const base = { privateEndpointId: c.privateEndpointId, connectionName: c.name, status: c.status };
    try {
      const pe = await client.getPrivateEndpoint(c.privateEndpointId, accountId);
      out.push(
        pe
          ? {
              ...base,
              groupIds: pe.groupIds,
              ...(pe.subnetId ? { subnetId: pe.subnetId } : {}),
              ...(pe.location ? { location: pe.location } : {}),
              manual: pe.manual,
            }
          : { ...base, unreadable: "the private endpoint resource does not exist" },
      );
    } catch (error) {
      // Endpoints often live in another team's subscription: record what is known and why not more.
      if (!isAzdrError(error, "FORBIDDEN") && !isAzdrError(error, "UNAUTHORIZED")) throw error;
      out.push({ ...base, unreadable: `azdr may not read it: ${error.message}` });
    }
  }
  return out;
}

/** The manifest entry with the account's role assignments (runbook 7.2 re-grants them). */
export const ROLE_ASSIGNMENTS_ENTRY = "role-assignments.json";

/** The protection settings a snapshot recorded, or undefined when it holds none (a failed run). */
export async function recordedProtection(
  store: BackupStore,
  ref: SnapshotRef,
): Promise<ProtectionSettings | undefined> {
  const manifest = await store.readManifest(ref);
  const entry = manifest?.entries.find((e) => e.path === "protection.json");
  if (!entry) return undefined;
  return (await store.getJson<{ settings: ProtectionSettings }>(entry.sha256)).settings;
}
