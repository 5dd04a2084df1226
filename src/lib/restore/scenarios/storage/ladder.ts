// The preflight of runbook 7.2: from what ARM and the data plane say, pick the FIRST rung of the
// recovery ladder that applies, and say for every other rung why it was not taken.
//   1. the account is deleted and still listed in deletedAccounts → a manual recovery checkpoint
//      (Azure documents recovery only in the portal or by a support request), then rung 2;
//   2. the account answers and data was deleted or overwritten → restore containers, undelete
//      blobs / promote versions, point-in-time restore (never on HNS), undelete ADLS paths;
//   3. the primary does not answer (or the operator asks for a failover) → customer-managed
//      failover, with lastSyncTime and the data-loss window shown before approval;
//   4. nothing to recover from → redeploy (IaC checkpoint, or create with the recorded settings),
//      then re-apply the recorded protection settings.
// Framework-free and read-only: it only lists and gets; the plan says what execution will write.
// Facts: /work/shared/azure-recovery-facts.md (Storage accounts) and the Learn pages cited inline.
import type { ArmRef } from "../../../clients/azure.js";
import type {
  AccountCreateSettings,
  BlobEntry,
  BlobRange,
  BlobServiceProtection,
  FailoverType,
  RoleAssignmentRecord,
  StorageAccountState,
  StorageRecoveryClient,
} from "../../../clients/storage-recovery.js";
import { AzdrError } from "../../../errors.js";
import type {
  PrivateEndpointRecord,
  ProtectionSettings,
} from "../../../sources/storage-protection-source.js";
import type { PlanItem, PreflightCheck } from "../../engine/plan.js";
import { RestoreRequestError } from "../../engine/request.js";
import type { StorageOptions } from "./request.js";

export type RungName = "recover-deleted-account" | "recover-data" | "failover" | "redeploy";

export interface RungDecision {
  rung: RungName;
  taken: boolean;
  reason: string;
}

export interface PortalLink {
  label: string;
  url: string;
}

/** Steps in execution order; items point at their step by `PlanItem.step`. */
export type StorageStep =
  | {
      kind: "checkpoint";
      name: string;
      title: string;
      why: string;
      instructions: string[];
      links: PortalLink[];
      /** Checked after the operator says "done". */
      postCondition: "account-exists" | "private-endpoints-connected";
    }
  | { kind: "items"; name: string; title: string; why: string; order: "serial" | "parallel" }
  | { kind: "operation"; name: string; title: string; why: string; operation: StorageOperation };

export type StorageOperation =
  | { type: "failover"; failoverType: FailoverType }
  | { type: "restoreBlobRanges"; timeToRestore: string; ranges: BlobRange[] };

/** What each item's `meta` carries, by `PlanItem.kind`. */
export type StorageItemMeta =
  | { kind: "container"; container: string; version: string }
  | { kind: "blob-undelete"; container: string; name: string }
  | { kind: "blob-version"; container: string; name: string; versionId: string }
  | { kind: "path"; filesystem: string; path: string; deletionId: string }
  | { kind: "blob-service"; settings: BlobServiceProtection }
  | { kind: "replication"; skuName: string }
  | { kind: "account"; settings: AccountCreateSettings }
  | { kind: "role"; assignment: RoleAssignmentRecord }
  | { kind: "private-endpoint"; endpoint: PrivateEndpointRecord }
  | { kind: "failover"; failoverType: FailoverType }
  | { kind: "point-in-time-restore"; timeToRestore: string; ranges: BlobRange[] };

export interface FailoverPlan {
  type: FailoverType;
  lastSyncTime?: string;
  /** Writes between lastSyncTime and now may be lost (unplanned only). */
  dataLossWindow?: { from: string; to: string; minutes: number };
  /** The account's replication after the failover (LRS/ZRS after an unplanned one). */
  resultingSku: string;
  /** The follow-up that makes the account geo-redundant again (unplanned only). */
  restoreSku?: string;
}

export interface StoragePlan {
  account: ArmRef;
  /** The first rung that applies, or none (with the reasons in `rungs`). */
  rung: RungName | "none";
  rungs: RungDecision[];
  steps: StorageStep[];
  items: PlanItem[];
  preflight: PreflightCheck[];
  destructive: string[];
  notes: string[];
  failover?: FailoverPlan;
  pointInTime?: {
    timeToRestore: string;
    ranges: BlobRange[];
    chosenBy: "operator" | "first destructive event";
  };
}

export interface LadderInput {
  client: StorageRecoveryClient;
  account: ArmRef;
  options: StorageOptions;
  /** The protection settings the newest good storage-protection backup recorded, if any. */
  recorded?: ProtectionSettings;
  /** The role assignments the same backup recorded at the account's scope, if any. */
  recordedRoles?: RoleAssignmentRecord[];
  /** The private endpoints the same backup recorded (undefined: a backup older than that record). */
  recordedEndpoints?: PrivateEndpointRecord[];
  now: Date;
  subscriptionId: string;
  /** Portal origin (sovereign clouds differ). */
  portalUrl?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const GEO = /GRS|GZRS/i;
const RECOVER_DOC = "https://learn.microsoft.com/azure/storage/common/storage-account-recover";
const PRIVATE_ENDPOINT_DOC = "https://learn.microsoft.com/azure/storage/common/storage-private-endpoints";
const FAILOVER_DOC = "https://learn.microsoft.com/azure/storage/common/storage-disaster-recovery-guidance";

/** The end of a prefix range: the prefix with its last character incremented (end is exclusive). */
export function rangeEnd(start: string): string {
  if (start === "") return "";
  return start.slice(0, -1) + String.fromCharCode(start.charCodeAt(start.length - 1) + 1);
}

/** One blob range per container/prefix entry; the whole account is one open range. */
export function blobRanges(scope: StorageOptions["containers"]): BlobRange[] {
  if (scope.length === 0) return [{ startRange: "", endRange: "" }];
  return scope.map((s) => {
    const start = `${s.container}/${s.prefix ?? ""}`;
    return { startRange: start, endRange: rangeEnd(start) };
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

function inWindow(time: string | undefined, o: StorageOptions): boolean {
  if (!time) return true; // unknown time: the operator's scope decides
  const t = Date.parse(time);
  if (o.window.from && t < Date.parse(o.window.from)) return false;
  if (o.window.to && t > Date.parse(o.window.to)) return false;
  return true;
}

/** The blob service settings to re-apply, from what the backup recorded (PITR never on HNS). */
export function protectionToApply(recorded: ProtectionSettings): BlobServiceProtection {
  const days = (d: number | undefined) => (d === undefined ? {} : { days: d });
  return {
    deleteRetentionPolicy: {
      enabled: recorded.blobSoftDelete.enabled,
      ...days(recorded.blobSoftDelete.days),
    },
    containerDeleteRetentionPolicy: {
      enabled: recorded.containerSoftDelete.enabled,
      ...days(recorded.containerSoftDelete.days),
    },
    isVersioningEnabled: recorded.versioning,
    changeFeed: {
      enabled: recorded.changeFeed.enabled,
      ...(recorded.changeFeed.retentionInDays !== undefined
        ? { retentionInDays: recorded.changeFeed.retentionInDays }
        : {}),
    },
    ...(recorded.isHnsEnabled
      ? {}
      : {
          restorePolicy: {
            enabled: recorded.pointInTimeRestore.enabled,
            ...days(recorded.pointInTimeRestore.days),
          },
        }),
  };
}

class PlanBuilder {
  readonly rungs: RungDecision[] = [];
  readonly steps: StorageStep[] = [];
  readonly items: PlanItem[] = [];
  readonly preflight: PreflightCheck[] = [];
  readonly destructive: string[] = [];
  readonly notes: string[] = [];
  failover?: FailoverPlan;
  pointInTime?: StoragePlan["pointInTime"];

  constructor(readonly account: ArmRef) {}

  notTaken(rung: RungName, reason: string): void {
    this.rungs.push({ rung, taken: false, reason });
  }
  taken(rung: RungName, reason: string): void {
    this.rungs.push({ rung, taken: true, reason });
  }
  item(step: string, key: string, action: PlanItem["action"], reason: string, meta?: StorageItemMeta): void {
    this.items.push({
      step,
      key,
      kind: meta?.kind ?? step,
      action,
      reason,
      ...(meta ? { meta: meta } : {}),
    });
  }
  build(): StoragePlan {
    const order: RungName[] = ["recover-deleted-account", "recover-data", "failover", "redeploy"];
    const rungs = [...this.rungs].sort((a, b) => order.indexOf(a.rung) - order.indexOf(b.rung));
    return {
      account: this.account,
      rung: rungs.find((r) => r.taken)?.rung ?? "none",
      rungs,
      steps: this.steps,
      items: this.items,
      preflight: this.preflight,
      destructive: this.destructive,
      notes: this.notes,
      ...(this.failover ? { failover: this.failover } : {}),
      ...(this.pointInTime ? { pointInTime: this.pointInTime } : {}),
    };
  }
}

/** Plan the recovery of one account: the first rung that applies, every other rung with its reason. */
export async function planStorageRecovery(input: LadderInput): Promise<StoragePlan> {
  const { client, account, options } = input;
  const plan = new PlanBuilder(account);
  const live = await client.getAccount(account);

  if (!live) {
    const deleted = await client.findDeletedAccount(account.name);
    if (deleted) {
      await planDeletedAccount(input, plan, deleted);
      plan.notTaken(
        "recover-data",
        "the account is deleted: its data can be inspected only once it is back (a re-run after the recovery does it)",
      );
      plan.notTaken(
        "failover",
        "the account is deleted, not unreachable: there is no secondary to fail over to",
      );
      plan.notTaken(
        "redeploy",
        "the account is still recoverable with its data: recover it instead of creating an empty one",
      );
      return finish(input, plan, undefined);
    }
    plan.notTaken(
      "recover-deleted-account",
      `${account.name} is not in the subscription's deletedAccounts: it was deleted more than 14 days ago, or never existed here (Azure keeps a deleted account recoverable for 14 days only, ${RECOVER_DOC})`,
    );
    plan.notTaken("recover-data", "the account does not exist: there is no data left in Azure to recover");
    plan.notTaken("failover", "the account does not exist: there is no secondary to fail over to");
    await planRedeploy(input, plan);
    return finish(input, plan, undefined);
  }

  plan.notTaken(
    "recover-deleted-account",
    `${account.name} exists (${live.skuName ?? "?"} in ${live.location})`,
  );
  const reachability = await primaryReachability(client, live);
  const wantsFailover =
    options.failover === "planned" || options.failover === "unplanned" || !reachability.answers;
  if (wantsFailover) {
    const failed = planFailover(input, plan, live, reachability);
    if (!failed) {
      plan.notTaken(
        "recover-data",
        reachability.answers
          ? "the operator asked for a failover; data recovery needs a separate run"
          : "the primary does not answer: deleted data cannot be read or restored until the account is reachable again (after the failover, run this scenario again)",
      );
      plan.notTaken("redeploy", "the account exists: nothing to redeploy");
      return finish(input, plan, live);
    }
    if (!reachability.answers) {
      plan.notTaken(
        "recover-data",
        "the primary does not answer: nothing can be read or restored until it does",
      );
      plan.notTaken(
        "redeploy",
        "the account exists; wait for the region, or redeploy elsewhere with a new name",
      );
      return finish(input, plan, live);
    }
  } else
    plan.notTaken(
      "failover",
      options.failover === "none"
        ? "the operator chose no failover"
        : "the primary answers: a failover is not needed (ask for failover=planned to run one anyway)",
    );

  await planDataRecovery(input, plan, live);
  plan.notTaken("redeploy", "the account exists: nothing to redeploy");
  return finish(input, plan, live);
}

/** After any rung: the private endpoints the backup recorded, compared with the account's. */
async function finish(
  input: LadderInput,
  plan: PlanBuilder,
  live: StorageAccountState | undefined,
): Promise<StoragePlan> {
  await planPrivateEndpoints(input, plan, live);
  return plan.build();
}

const accountIdOf = (input: LadderInput) =>
  `/subscriptions/${input.subscriptionId}/resourceGroups/${input.account.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${input.account.name}`;

/** The exact command that re-creates one endpoint as it was (the operator runs it, or the IaC does). */
function recreateCommand(r: PrivateEndpointRecord, accountId: string): string {
  const parts = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateEndpoints\/([^/]+)$/i.exec(
    r.privateEndpointId,
  );
  const [rg, name] = parts ? [parts[1], parts[2]] : ["<resource group>", "<name>"];
  return [
    `az network private-endpoint create --name ${name} --resource-group ${rg}`,
    `--subnet ${r.subnetId ?? "<subnet id>"}`,
    `--private-connection-resource-id ${accountId}`,
    `--group-id ${r.groupIds?.length ? r.groupIds.join(" ") : "<group id>"}`,
    `--connection-name ${name}`,
    ...(r.manual ? ["--manual-request"] : []),
    ...(r.location ? [`--location ${r.location}`] : []),
  ].join(" ");
}

/**
 * Private endpoints: a deleted account loses its endpoint connections and neither a recovery nor a
 * new account brings them back (Learn: storage-account-recover). Endpoints are network resources of
 * the platform's IaC (a subnet, private DNS zone groups, rights on the virtual network that azdr does
 * not hold), so azdr does not create them: a checkpoint names each one with the exact command, and
 * once they are back, a Pending connection of a recorded endpoint is approved (a planned write). A
 * Pending connection azdr did not record is never approved: that would open the account to a stranger.
 */
async function planPrivateEndpoints(
  input: LadderInput,
  plan: PlanBuilder,
  live: StorageAccountState | undefined,
): Promise<void> {
  const { recordedEndpoints: recorded, account, client } = input;
  if (!recorded) {
    plan.notes.push(
      `No private endpoints of ${account.name} were recorded (no storage-protection backup, or one older than that record): check its Networking page after the recovery and re-create any private endpoint it had.`,
    );
    return;
  }
  if (!recorded.length) return;
  const accountId = accountIdOf(input);
  const current = live ? await client.listPrivateEndpointConnections(account) : [];
  const find = (r: PrivateEndpointRecord) =>
    current.find((c) => c.privateEndpointId.toLowerCase() === r.privateEndpointId.toLowerCase());
  const missing = recorded.filter((r) => {
    const c = find(r);
    return !c || (c.status !== "Pending" && c.status !== "Approved");
  });
  for (const c of current)
    if (
      c.status === "Pending" &&
      !recorded.some((r) => r.privateEndpointId.toLowerCase() === c.privateEndpointId.toLowerCase())
    )
      plan.notes.push(
        `Private endpoint connection ${c.name} (${c.privateEndpointId}) is Pending but the backup did not record that endpoint: azdr does not approve it; approve it in the portal only if it is yours.`,
      );

  if (missing.length) {
    const portal = (input.portalUrl ?? "https://portal.azure.com").replace(/\/$/, "");
    const why = live
      ? `${missing.length} private endpoint(s) the backup recorded have no working connection to ${account.name}`
      : `a deleted account loses its private endpoint connections, and neither a recovery nor a new account brings them back`;
    plan.steps.push({
      kind: "checkpoint",
      name: "recreate-private-endpoints",
      title: `Re-create ${missing.length} private endpoint(s) of ${account.name}`,
      why: `${why}; private endpoints belong to the platform's network IaC (subnet, private DNS zone groups), which azdr neither holds rights on nor creates`,
      instructions: [
        `Re-create each private endpoint below with the platform's network IaC (same name, subnet and group ids), or with the command given. An endpoint left over from before shows Disconnected: delete it first.`,
        ...missing.map((r) => {
          const c = find(r);
          return `${r.privateEndpointId}: group id(s) ${r.groupIds?.length ? r.groupIds.join(", ") : `unknown (${r.unreadable ?? "not recorded"})`}, subnet ${r.subnetId ?? "unknown"}${c ? `; its connection is ${c.status} now` : ""}. Command: ${recreateCommand(r, accountId)}`;
        }),
        `Then answer "done": azdr checks that each has a connection to ${account.name} again (Pending or Approved); the next step approves the Pending ones.`,
      ],
      links: [
        {
          label: `${account.name}: Networking → Private endpoint connections`,
          url: `${portal}/#resource${accountId}/networking`,
        },
        { label: "Learn: private endpoints for Azure Storage", url: PRIVATE_ENDPOINT_DOC },
      ],
      postCondition: "private-endpoints-connected",
    });
    for (const r of missing)
      plan.item(
        "recreate-private-endpoints",
        r.privateEndpointId,
        "create",
        `re-created by the platform's network IaC (group ids ${r.groupIds?.join(", ") || "unknown"}), then checked`,
        { kind: "private-endpoint", endpoint: r },
      );
  }

  let approvals = 0;
  for (const r of recorded) {
    const c = find(r);
    if (c?.status === "Approved") {
      plan.item("approve-private-endpoints", r.privateEndpointId, "skip", `connection ${c.name} is Approved`);
      continue;
    }
    approvals++;
    plan.item(
      "approve-private-endpoints",
      r.privateEndpointId,
      "update",
      c?.status === "Pending"
        ? `connection ${c.name} is Pending: approve it`
        : "approve its connection if it comes back Pending (already Approved = skipped)",
      { kind: "private-endpoint", endpoint: r },
    );
  }
  if (approvals)
    plan.steps.push({
      kind: "items",
      name: "approve-private-endpoints",
      title: "Approve the recorded private endpoints' Pending connections",
      why: "a re-created endpoint whose creator may not approve it waits Pending; only endpoints the backup recorded are approved",
      order: "parallel",
    });
}

// ---- rung 1: deleted account --------------------------------------------------------------------

async function planDeletedAccount(
  input: LadderInput,
  plan: PlanBuilder,
  deleted: { name: string; location?: string; resourceGroup?: string; deletionTime?: string },
): Promise<void> {
  const { client, account } = input;
  const portal = (input.portalUrl ?? "https://portal.azure.com").replace(/\/$/, "");
  const resourceGroup = deleted.resourceGroup ?? account.resourceGroup;
  const [groupExists, name] = await Promise.all([
    client.resourceGroupExists(resourceGroup),
    client.nameAvailability(account.name),
  ]);
  const left = deleted.deletionTime
    ? Math.max(0, 14 - (input.now.getTime() - Date.parse(deleted.deletionTime)) / DAY_MS)
    : undefined;
  plan.preflight.push(
    {
      name: "resource-group",
      ok: groupExists,
      detail: groupExists
        ? `resource group ${resourceGroup} exists`
        : `resource group ${resourceGroup} does not exist: recovery needs it, and a resource group cannot be recovered`,
      ...(groupExists
        ? {}
        : { fix: `create resource group ${resourceGroup} in ${deleted.location ?? "its region"} first` }),
      blocking: false,
    },
    {
      name: "account-name",
      ok: name.available,
      detail: name.available
        ? `the name ${account.name} is still free`
        : `the name ${account.name} is taken (${name.reason ?? "in use"}): the deleted account cannot be recovered under it`,
      ...(name.available
        ? {}
        : {
            fix: "if the new holder is yours, delete it first; otherwise recovery is impossible: redeploy under a new name (rung 4)",
          }),
      blocking: !name.available,
    },
  );
  // ARM's DeletedAccount.restoreReference is documented as usable "to attempt recovering this
  // deleted account via PutStorageAccount API", but StorageAccountCreateParameters (2025-06-01)
  // has no property to carry it, and Learn documents recovery only in the portal or by a support
  // request, best effort (storage-account-recover). So this is a manual step.
  const instructions = [
    ...(groupExists
      ? []
      : [
          `Create resource group ${resourceGroup} in ${deleted.location ?? "the account's region"} (it was deleted; resource groups cannot be recovered).`,
        ]),
    `In the Azure portal, open Storage accounts and select "Restore" (Restore deleted account).`,
    `Pick subscription ${input.subscriptionId} and the deleted account ${account.name}${deleted.deletionTime ? ` (deleted ${deleted.deletionTime})` : ""}, then Restore.`,
    "If the account used customer-managed keys and the key vault was deleted too, recover the key vault first.",
    "Private endpoints of the account were removed with it and are not re-created by the recovery: the next checkpoint lists them (when the backup recorded them).",
    `If the portal cannot restore it, open a support request: recovery is best effort${left !== undefined ? `, and possible for about ${left.toFixed(1)} more days` : ""}.`,
    'Then answer "done": azdr checks that the account exists again.',
  ];
  plan.taken(
    "recover-deleted-account",
    `${account.name} was deleted${deleted.deletionTime ? ` at ${deleted.deletionTime}` : ""} and is listed in deletedAccounts: recover it (portal or support, within 14 days of deletion)`,
  );
  plan.steps.push({
    kind: "checkpoint",
    name: "recover-account",
    title: `Recover the deleted storage account ${account.name}`,
    why: "Only the portal or a support request can recover a deleted account; everything else needs it back first",
    instructions,
    links: [
      {
        label: "Storage accounts (Restore deleted account)",
        url: `${portal}/#browse/Microsoft.Storage%2FStorageAccounts`,
      },
      ...(groupExists
        ? []
        : [{ label: "Create a resource group", url: `${portal}/#create/Microsoft.ResourceGroup` }]),
      { label: "Learn: recover a deleted storage account", url: RECOVER_DOC },
    ],
    postCondition: "account-exists",
  });
  plan.item(
    "recover-account",
    account.name,
    "create",
    "recovered by an operator in the portal (or by support), then checked",
  );
  planReapplyProtection(
    input,
    plan,
    "the recovery does not bring the data-protection settings back for sure (unverified): they are re-applied from the backup",
  );
  planRegrantRoles(input, plan);
  plan.notes.push(
    "Blob soft delete does not survive an account deletion. Once the account is back, run this scenario again: its plan shows what data is still missing and how it can come back (container restore, versions, point-in-time restore), for approval like any other write.",
  );
}

// ---- rung 2: data deleted or overwritten ---------------------------------------------------------

interface FoundBlob {
  container: string;
  name: string;
  /** When it was deleted or overwritten (as well as Azure tells). */
  eventTime?: string;
  /** A deletion under versioning is not timed by Azure: it happened after this (its last write). */
  after?: string;
  event: "deleted" | "overwritten";
  /** Undelete (soft delete, no versioning) or the version to copy over the base. */
  recovery: { kind: "undelete" } | { kind: "version"; versionId: string };
}

async function planDataRecovery(
  input: LadderInput,
  plan: PlanBuilder,
  live: StorageAccountState,
): Promise<void> {
  const { client, options } = input;
  const blobEndpoint = live.blobEndpoint;
  if (!blobEndpoint)
    throw new AzdrError(
      "UNSUPPORTED",
      `${live.name} has no blob endpoint (kind ${live.kind ?? "?"}): runbook 7.2 covers blob storage`,
    );
  const service = await client.getBlobService(plan.account);
  const svc = readService(service);

  // Containers: restore the newest soft-deleted version of each one in scope that is missing.
  const scopeContainers = new Set(options.containers.map((c) => c.container));
  const deletedContainers = new Map<string, { version: string; deletedOn?: string }>();
  for await (const d of client.listDeletedContainers(blobEndpoint)) {
    if (scopeContainers.size && !scopeContainers.has(d.name)) continue;
    if (!inWindow(d.deletedOn, options)) continue;
    const prev = deletedContainers.get(d.name);
    if (!prev || (d.deletedOn ?? "") > (prev.deletedOn ?? "")) deletedContainers.set(d.name, d);
  }
  const restoredContainers: string[] = [];
  const liveContainers = new Set<string>();
  for (const name of [...new Set([...scopeContainers, ...deletedContainers.keys()])].sort()) {
    const exists = await client.containerExists(blobEndpoint, name);
    const deleted = deletedContainers.get(name);
    if (exists) {
      liveContainers.add(name);
      if (deleted)
        plan.item(
          "restore-containers",
          name,
          "conflict",
          `a live container ${name} exists and a deleted one too (deleted ${deleted.deletedOn ?? "?"}): Azure restores a container only under a free name; rename or delete the live one, then run again`,
        );
      continue;
    }
    if (deleted) {
      restoredContainers.push(name);
      plan.item(
        "restore-containers",
        name,
        "create",
        `soft-deleted ${deleted.deletedOn ?? ""}: restored with its blobs (Restore Container)`.trim(),
        {
          kind: "container",
          container: name,
          version: deleted.version,
        },
      );
    } else
      plan.item(
        "restore-containers",
        name,
        "unsupported",
        svc.containerSoftDelete
          ? `container ${name} does not exist and no soft-deleted version is left (retention ${svc.containerSoftDeleteDays ?? "?"} days)`
          : `container ${name} does not exist and container soft delete is off: Azure has nothing to restore it from`,
      );
  }
  if (restoredContainers.length)
    plan.steps.push({
      kind: "items",
      name: "restore-containers",
      title: "Restore soft-deleted containers",
      why: "first: point-in-time restore and blob recovery need the container to exist (a range over a deleted container fails)",
      order: "parallel",
    });

  // Blobs / paths inside the live containers in scope.
  const scope = options.containers.length
    ? options.containers.filter((c) => liveContainers.has(c.container))
    : [...liveContainers].map((container) => ({ container }));
  if (!options.containers.length)
    for await (const c of client.listContainers(blobEndpoint))
      if (!liveContainers.has(c)) scope.push({ container: c });

  if (live.isHnsEnabled) {
    plan.notes.push(
      "Point-in-time restore is never attempted on this account: it has a hierarchical namespace (ADLS Gen2), and Azure does not support point-in-time restore there (restoreBlobRanges is refused). Soft-deleted paths are undeleted instead; an overwritten file cannot be brought back on HNS without versioning.",
    );
    if (options.timeToRestore)
      throw new RestoreRequestError([
        {
          field: "timeToRestore",
          message: `${live.name} has a hierarchical namespace (ADLS Gen2): point-in-time restore is not supported there`,
          fix: "leave timeToRestore out: azdr undeletes the soft-deleted paths in the window instead",
        },
      ]);
    await planPathUndelete(input, plan, live, scope);
  } else await planBlobRecovery(input, plan, live, scope, svc);

  const actionable = plan.items.some((i) => i.action === "create" || i.action === "update");
  if (actionable || plan.steps.length)
    plan.taken("recover-data", `the account answers; ${describeFindings(plan)}`);
  else
    plan.notTaken(
      "recover-data",
      `nothing deleted or overwritten was found in scope${options.window.from || options.window.to ? " and window" : ""} that Azure can still restore`,
    );
}

function describeFindings(plan: PlanBuilder): string {
  const count = (kind: string) =>
    plan.items.filter((i) => i.kind === kind && (i.action === "create" || i.action === "update")).length;
  const parts = [
    [count("container"), "container(s) to restore"],
    [count("blob-undelete"), "blob(s) to undelete"],
    [count("blob-version"), "blob(s) to bring back from a previous version"],
    [count("path"), "path(s) to undelete"],
  ]
    .filter(([n]) => (n as number) > 0)
    .map(([n, what]) => `${n} ${what}`);
  if (plan.pointInTime)
    parts.push(
      `point-in-time restore of ${plan.pointInTime.ranges.length} range(s) to ${plan.pointInTime.timeToRestore}`,
    );
  return parts.join(", ") || "recovery steps planned";
}

interface ServiceSettings {
  versioning: boolean;
  softDelete: boolean;
  softDeleteDays?: number;
  containerSoftDelete: boolean;
  containerSoftDeleteDays?: number;
  restorePolicy: boolean;
  restoreDays?: number;
  minRestoreTime?: string;
  changeFeed: boolean;
}

function readService(service: Record<string, unknown>): ServiceSettings {
  const policy = (v: unknown) => (v ?? {}) as { enabled?: boolean; days?: number; minRestoreTime?: unknown };
  const del = policy(service["deleteRetentionPolicy"]);
  const cdel = policy(service["containerDeleteRetentionPolicy"]);
  const restore = policy(service["restorePolicy"]);
  const min = restore.minRestoreTime;
  return {
    versioning: service["isVersioningEnabled"] === true,
    softDelete: del.enabled === true,
    ...(del.days !== undefined ? { softDeleteDays: del.days } : {}),
    containerSoftDelete: cdel.enabled === true,
    ...(cdel.days !== undefined ? { containerSoftDeleteDays: cdel.days } : {}),
    restorePolicy: restore.enabled === true,
    ...(restore.days !== undefined ? { restoreDays: restore.days } : {}),
    ...(typeof min === "string" ? { minRestoreTime: min } : {}),
    changeFeed: policy(service["changeFeed"]).enabled === true,
  };
}

async function planBlobRecovery(
  input: LadderInput,
  plan: PlanBuilder,
  live: StorageAccountState,
  scope: Array<{ container: string; prefix?: string }>,
  svc: ServiceSettings,
): Promise<void> {
  const { client, options, now } = input;
  const endpoint = live.blobEndpoint!;
  const found: FoundBlob[] = [];
  for (const s of scope) {
    const byName = new Map<string, BlobEntry[]>();
    for await (const b of client.listBlobs(endpoint, s.container, {
      ...(s.prefix ? { prefix: s.prefix } : {}),
      includeDeleted: svc.softDelete,
      includeVersions: svc.versioning,
    })) {
      const list = byName.get(b.name) ?? [];
      list.push(b);
      byName.set(b.name, list);
    }
    for (const [name, entries] of byName) {
      const f = svc.versioning
        ? versionedFinding(s.container, name, entries)
        : softDeletedFinding(s.container, name, entries);
      if (f && inWindow(f.eventTime, options)) found.push(f);
    }
  }

  const pitr = pitrAvailability(svc, live);
  const overwritesOrVersioned = found.filter((f) => f.recovery.kind === "version");
  const timed = found
    .map((f) => f.eventTime)
    .filter((t): t is string => t !== undefined)
    .sort();
  const firstEvent = timed[0];
  // Deletions under versioning carry no time, only "after its last write": the restore time must
  // come after every such write, or the point-in-time restore would not bring those blobs back.
  const lowerBound = found
    .map((f) => f.after)
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  let timeToRestore = options.timeToRestore;
  const chosenBy = timeToRestore ? "operator" : "first destructive event";
  if (!timeToRestore && (firstEvent || lowerBound)) {
    const beforeFirst = firstEvent ? Date.parse(firstEvent) - 1000 : undefined;
    const afterWrites = lowerBound ? Date.parse(lowerBound) + 1000 : undefined;
    const t = Math.max(beforeFirst ?? -Infinity, afterWrites ?? -Infinity);
    timeToRestore = iso(t);
    if (beforeFirst !== undefined && afterWrites !== undefined && afterWrites > beforeFirst)
      plan.notes.push(
        `A blob deleted under versioning was last written at ${lowerBound}, after the first overwrite (${firstEvent}): the restore time is ${timeToRestore}, so changes between them stay; give timeToRestore to choose otherwise.`,
      );
  }

  let usePitr = false;
  if (!pitr.available) {
    plan.notes.push(`Point-in-time restore is not used: ${pitr.reason}.`);
    if (options.timeToRestore)
      throw new RestoreRequestError([
        {
          field: "timeToRestore",
          message: `point-in-time restore is not available on ${live.name}: ${pitr.reason}`,
          fix: "leave timeToRestore out: azdr restores containers, undeletes blobs and promotes versions instead",
        },
      ]);
  } else if (timeToRestore && (overwritesOrVersioned.length > 0 || options.timeToRestore)) {
    const earliest = Math.max(
      now.getTime() - (svc.restoreDays ?? 0) * DAY_MS,
      svc.minRestoreTime ? Date.parse(svc.minRestoreTime) : 0,
    );
    if (Date.parse(timeToRestore) < earliest) {
      const why = `${timeToRestore} is before the earliest restorable time ${iso(earliest)} (restore policy ${svc.restoreDays ?? "?"} days)`;
      if (options.timeToRestore)
        throw new RestoreRequestError([
          { field: "timeToRestore", message: why, fix: `give a time after ${iso(earliest)}` },
        ]);
      plan.notes.push(
        `Point-in-time restore is not used: ${why}; previous versions are promoted blob by blob instead.`,
      );
    } else usePitr = true;
  }

  if (usePitr && timeToRestore) {
    const ranges = blobRanges(options.containers);
    plan.pointInTime = { timeToRestore, ranges, chosenBy };
    plan.steps.push({
      kind: "operation",
      name: "point-in-time-restore",
      title: `Point-in-time restore of ${ranges.length} range(s) to ${timeToRestore}`,
      why: "one Azure operation brings every block blob in the ranges back to its state at that time",
      operation: { type: "restoreBlobRanges", timeToRestore, ranges },
    });
    plan.destructive.push(
      `Point-in-time restore of ${ranges.map((r) => `[${r.startRange || "(start)"}, ${r.endRange || "(end)"})`).join(", ")} to ${timeToRestore}: every blob in these ranges returns to its state at that time; blobs written after it are overwritten, blobs created after it are deleted.`,
    );
    plan.item(
      "point-in-time-restore",
      ranges.map((r) => `${r.startRange || "(start)"}..${r.endRange || "(end)"}`).join(", "),
      "update",
      `restoreBlobRanges to ${timeToRestore}: ${found.length} deleted or overwritten blob(s) found in scope`,
      { kind: "point-in-time-restore", timeToRestore, ranges },
    );
    const names = found.map(
      (f) =>
        `${f.container}/${f.name} (${f.event}${f.eventTime ? ` ${f.eventTime}` : f.after ? ` after ${f.after}` : ""})`,
    );
    plan.notes.push(
      `Point-in-time restore brings back: ${names.slice(0, 20).join(", ")}${names.length > 20 ? ` and ${names.length - 20} more` : ""}.`,
    );
    return;
  }

  const step = "recover-blobs";
  for (const f of found) {
    const key = `${f.container}/${f.name}`;
    if (f.recovery.kind === "undelete")
      plan.item(step, key, "create", `soft-deleted ${f.eventTime ?? ""}: undelete`.trim(), {
        kind: "blob-undelete",
        container: f.container,
        name: f.name,
      });
    else {
      plan.item(
        step,
        key,
        f.event === "overwritten" ? "update" : "create",
        `${f.event}${f.eventTime ? ` ${f.eventTime}` : ""}: copy version ${f.recovery.versionId} over the base blob`,
        { kind: "blob-version", container: f.container, name: f.name, versionId: f.recovery.versionId },
      );
      if (f.event === "overwritten")
        plan.destructive.push(
          `${key}: the current content is replaced by version ${f.recovery.versionId} (the current one stays as a previous version)`,
        );
    }
  }
  if (found.length)
    plan.steps.push({
      kind: "items",
      name: step,
      title: "Undelete blobs and bring back previous versions",
      why: "after the containers: blobs live in them",
      order: "parallel",
    });
  if (!svc.versioning)
    plan.notes.push(
      "Versioning is off on this account: an overwritten blob cannot be brought back; only soft-deleted blobs can.",
    );
}

/** Versioned account: a blob without a current version was deleted; a current version written in the window overwrote the previous one. */
function versionedFinding(container: string, name: string, entries: BlobEntry[]): FoundBlob | undefined {
  const versions = entries.filter((e) => e.versionId).sort((a, b) => (a.versionId! < b.versionId! ? -1 : 1));
  const current = versions.find((v) => v.isCurrentVersion);
  const previous = versions.filter((v) => !v.isCurrentVersion);
  const last = previous[previous.length - 1];
  if (!last) return undefined;
  if (!current)
    // The deletion time is not listed; it is after the last version was written.
    return {
      container,
      name,
      event: "deleted",
      ...(last.lastModified ? { after: last.lastModified } : {}),
      recovery: { kind: "version", versionId: last.versionId! },
    };
  return {
    container,
    name,
    event: "overwritten",
    ...(current.lastModified ? { eventTime: current.lastModified } : {}),
    recovery: { kind: "version", versionId: last.versionId! },
  };
}

function softDeletedFinding(container: string, name: string, entries: BlobEntry[]): FoundBlob | undefined {
  if (entries.some((e) => !e.deleted)) return undefined;
  const d = entries.find((e) => e.deleted);
  if (!d) return undefined;
  return {
    container,
    name,
    event: "deleted",
    ...(d.deletedOn ? { eventTime: d.deletedOn } : {}),
    recovery: { kind: "undelete" },
  };
}

function pitrAvailability(
  svc: ServiceSettings,
  live: StorageAccountState,
): { available: boolean; reason: string } {
  const missing = [
    live.isHnsEnabled && "the account has a hierarchical namespace (not supported)",
    !svc.restorePolicy && "no restore policy is enabled",
    !svc.versioning && "versioning is off",
    !svc.changeFeed && "change feed is off",
    !svc.softDelete && "blob soft delete is off",
  ].filter((x): x is string => typeof x === "string");
  return missing.length
    ? { available: false, reason: missing.join("; ") }
    : { available: true, reason: "restore policy enabled" };
}

async function planPathUndelete(
  input: LadderInput,
  plan: PlanBuilder,
  live: StorageAccountState,
  scope: Array<{ container: string; prefix?: string }>,
): Promise<void> {
  const { client, options } = input;
  const dfs = live.dfsEndpoint;
  if (!dfs)
    throw new AzdrError("UNSUPPORTED", `${live.name} has a hierarchical namespace but no dfs endpoint`);
  const step = "undelete-paths";
  let count = 0;
  for (const s of scope)
    for await (const p of client.listDeletedPaths(dfs, s.container, s.prefix)) {
      if (!inWindow(p.deletedOn, options)) continue;
      count++;
      plan.item(
        step,
        `${s.container}/${p.name}`,
        "create",
        `soft-deleted ${p.deletedOn ?? ""}: path undelete (deletion id ${p.deletionId})`.trim(),
        {
          kind: "path",
          filesystem: s.container,
          path: p.name,
          deletionId: p.deletionId,
        },
      );
    }
  if (count)
    plan.steps.push({
      kind: "items",
      name: step,
      title: "Undelete soft-deleted ADLS Gen2 paths",
      why: "the data-lake undelete call restores each deleted path by its deletion id",
      order: "parallel",
    });
}

// ---- rung 3: failover ----------------------------------------------------------------------------

async function primaryReachability(
  client: StorageRecoveryClient,
  live: StorageAccountState,
): Promise<{ answers: boolean; reason: string }> {
  if (live.statusOfPrimary && live.statusOfPrimary.toLowerCase() !== "available")
    return { answers: false, reason: `ARM reports statusOfPrimary ${live.statusOfPrimary}` };
  if (!live.blobEndpoint) return { answers: true, reason: "no blob endpoint to probe" };
  const probe = await client.probeBlobEndpoint(live.blobEndpoint);
  return probe.answers
    ? { answers: true, reason: "the primary blob endpoint answers" }
    : { answers: false, reason: `the primary blob endpoint does not answer (${probe.reason ?? "?"})` };
}

/** Plans the failover (returns false) or records why it cannot run (returns true). */
function planFailover(
  input: LadderInput,
  plan: PlanBuilder,
  live: StorageAccountState,
  reachability: { answers: boolean; reason: string },
): boolean {
  const { options, now } = input;
  const geo = live.geoReplication;
  const cannot = (reason: string) => {
    plan.notTaken("failover", reason);
    plan.preflight.push({ name: "failover", ok: false, detail: reason, blocking: true });
    return true;
  };
  if (!GEO.test(live.skuName ?? "") || !live.secondaryLocation)
    return cannot(
      `${reachability.reason}, but ${live.name} is ${live.skuName ?? "?"}, not geo-redundant: there is no secondary to fail over to; wait for the region to recover`,
    );
  if (live.failoverInProgress) return cannot("a failover is already in progress");
  if (options.failover === "none")
    return cannot(`${reachability.reason}, and the operator chose no failover`);
  const type: FailoverType =
    options.failover === "planned"
      ? "Planned"
      : options.failover === "unplanned"
        ? "Unplanned"
        : reachability.answers
          ? "Planned"
          : "Unplanned";
  if (type === "Planned" && (!reachability.answers || geo?.canPlannedFailover === false))
    return cannot(
      `a planned failover needs both regions available (canPlannedFailover ${String(geo?.canPlannedFailover)}; ${reachability.reason}): ask for failover=unplanned`,
    );
  if (type === "Unplanned" && geo?.canFailover === false)
    return cannot(
      `Azure reports canFailover false (geo-replication ${geo.status ?? "?"}): a failover is not possible now`,
    );

  const resultingSku =
    type === "Planned"
      ? (geo?.postPlannedFailoverRedundancy ?? live.skuName!)
      : (geo?.postFailoverRedundancy ?? "Standard_LRS");
  const lastSync = geo?.lastSyncTime;
  const minutes = lastSync
    ? Math.max(0, Math.round((now.getTime() - Date.parse(lastSync)) / 60_000))
    : undefined;
  plan.failover = {
    type,
    ...(lastSync ? { lastSyncTime: lastSync } : {}),
    ...(type === "Unplanned" && lastSync
      ? { dataLossWindow: { from: lastSync, to: iso(now.getTime()), minutes: minutes! } }
      : {}),
    resultingSku,
    ...(type === "Unplanned" ? { restoreSku: live.skuName! } : {}),
  };
  plan.taken(
    "failover",
    `${reachability.reason}: ${type.toLowerCase()} customer-managed failover to ${live.secondaryLocation}`,
  );
  plan.steps.push({
    kind: "operation",
    name: "failover",
    title: `${type} failover of ${live.name} to ${live.secondaryLocation}`,
    why: "the secondary region becomes the primary",
    operation: { type: "failover", failoverType: type },
  });
  plan.item(
    "failover",
    live.name,
    "update",
    `${type.toLowerCase()} failover ${live.location} → ${live.secondaryLocation}`,
    {
      kind: "failover",
      failoverType: type,
    },
  );
  if (type === "Unplanned") {
    plan.destructive.push(
      `Unplanned failover of ${live.name} to ${live.secondaryLocation}: writes after the last sync time ${lastSync ?? "(unknown: geo-replication reports none)"} may be lost${minutes !== undefined ? ` (about ${minutes} minutes of data)` : ""}, and the account becomes ${resultingSku} (no geo-redundancy) until the follow-up step.`,
    );
    plan.notes.push(
      `Data-loss window: ${lastSync ? `${lastSync} → ${iso(now.getTime())}` : "unknown (no lastSyncTime)"}; after the failover the account is ${resultingSku} (${FAILOVER_DOC}).`,
    );
    plan.items.push({
      step: "restore-geo-redundancy",
      key: live.name,
      kind: "replication",
      action: "update",
      reason: `re-enable geo-redundancy: ${resultingSku} → ${live.skuName} (the new secondary is the paired region; it starts with a full copy)`,
      meta: { kind: "replication", skuName: live.skuName! },
    });
    plan.steps.push({
      kind: "items",
      name: "restore-geo-redundancy",
      title: `Make ${live.name} geo-redundant again (${live.skuName})`,
      why: "an unplanned failover leaves the account locally redundant",
      order: "serial",
    });
  } else
    plan.destructive.push(
      `Planned failover of ${live.name}: the primary and secondary regions swap (${live.location} → ${live.secondaryLocation}); the account stays ${resultingSku}. Writes pause during the swap.`,
    );
  return false;
}

// ---- rung 4: redeploy -------------------------------------------------------------------------------

async function planRedeploy(input: LadderInput, plan: PlanBuilder): Promise<void> {
  const { options, recorded, account, client } = input;
  if (options.redeploy === "create" && !recorded) {
    plan.notTaken(
      "redeploy",
      "create was asked, but no storage-protection backup recorded this account's settings: redeploy it with the platform's IaC",
    );
    plan.preflight.push({
      name: "recorded-settings",
      ok: false,
      detail: `no recorded settings for ${account.name}`,
      fix: "redeploy with the platform's IaC (storage.redeploy=checkpoint)",
      blocking: true,
    });
    return;
  }
  const name = await client.nameAvailability(account.name);
  plan.preflight.push({
    name: "account-name",
    ok: name.available,
    detail: name.available
      ? `the name ${account.name} is free`
      : `the name ${account.name} is taken (${name.reason ?? "in use"})`,
    ...(name.available ? {} : { fix: "redeploy under a new name and update storageAccounts in the config" }),
    blocking: !name.available,
  });
  plan.taken(
    "redeploy",
    "nothing is left in Azure to recover from: the account is redeployed empty and its protection settings re-applied",
  );
  plan.notes.push(
    "The data of a redeployed account is not restored by azdr: azdr records storage protection settings, not storage data.",
  );
  if (options.redeploy === "create" && recorded) {
    plan.steps.push({
      kind: "items",
      name: "create-account",
      title: `Create ${account.name} with the recorded settings`,
      why: "first: everything else needs the account",
      order: "serial",
    });
    plan.item(
      "create-account",
      account.name,
      "create",
      `create ${recorded.skuName ?? "?"} ${recorded.kind ?? "StorageV2"} in ${recorded.location ?? "?"}${recorded.isHnsEnabled ? " with hierarchical namespace" : ""}`,
      {
        kind: "account",
        settings: {
          location: recorded.location ?? "",
          skuName: recorded.skuName ?? "Standard_LRS",
          kind: recorded.kind ?? "StorageV2",
          isHnsEnabled: recorded.isHnsEnabled,
        },
      },
    );
  } else {
    const portal = (input.portalUrl ?? "https://portal.azure.com").replace(/\/$/, "");
    plan.steps.push({
      kind: "checkpoint",
      name: "redeploy-account",
      title: `Redeploy ${account.name} with the platform's IaC`,
      why: "the account is gone for good; the platform's own templates know its network and identity settings",
      instructions: [
        `Run the platform's infrastructure deployment that creates ${account.name} in resource group ${account.resourceGroup}${recorded ? ` (recorded: ${recorded.skuName ?? "?"}, ${recorded.location ?? "?"}${recorded.isHnsEnabled ? ", hierarchical namespace" : ""})` : ""}.`,
        'Then answer "done": azdr checks that the account exists and re-applies the recorded protection settings.',
      ],
      links: [{ label: "Storage accounts", url: `${portal}/#browse/Microsoft.Storage%2FStorageAccounts` }],
      postCondition: "account-exists",
    });
    plan.item("redeploy-account", account.name, "create", "redeployed by the platform's IaC, then checked");
  }
  planReapplyProtection(input, plan, "a new account starts without the data-protection settings");
  planRegrantRoles(input, plan);
}

/** Re-apply the recorded protection settings (soft delete, versioning, change feed, restore policy, replication). */
function planReapplyProtection(input: LadderInput, plan: PlanBuilder, why: string): void {
  const { recorded, account } = input;
  if (!recorded) {
    plan.notes.push(
      `No storage-protection backup recorded ${account.name}'s settings: set soft delete, versioning, change feed and the restore policy by hand after the recovery.`,
    );
    return;
  }
  const settings = protectionToApply(recorded);
  plan.steps.push({
    kind: "items",
    name: "reapply-protection",
    title: "Re-apply the recorded protection settings",
    why,
    order: "serial",
  });
  plan.item(
    "reapply-protection",
    `${account.name}/blobServices/default`,
    "update",
    `soft delete ${recorded.blobSoftDelete.enabled ? `${recorded.blobSoftDelete.days ?? "?"} d` : "off"}, container soft delete ${recorded.containerSoftDelete.enabled ? `${recorded.containerSoftDelete.days ?? "?"} d` : "off"}, versioning ${recorded.versioning ? "on" : "off"}, change feed ${recorded.changeFeed.enabled ? "on" : "off"}${recorded.isHnsEnabled ? "" : `, restore policy ${recorded.pointInTimeRestore.enabled ? `${recorded.pointInTimeRestore.days ?? "?"} d` : "off"}`}`,
    { kind: "blob-service", settings },
  );
  if (recorded.skuName)
    plan.item("reapply-protection", `${account.name}/sku`, "update", `replication ${recorded.skuName}`, {
      kind: "replication",
      skuName: recorded.skuName,
    });
}

/** Re-grant the role assignments the backup recorded: a recovered or new account has none for sure. */
function planRegrantRoles(input: LadderInput, plan: PlanBuilder): void {
  const { recordedRoles, account } = input;
  if (!recordedRoles) {
    plan.notes.push(
      `No role assignments of ${account.name} were recorded: re-grant the access connector's, Azure ML's and azdr's roles on it by hand.`,
    );
    return;
  }
  if (!recordedRoles.length) return;
  plan.steps.push({
    kind: "items",
    name: "regrant-roles",
    title: "Re-grant the recorded role assignments",
    why: "role assignments on a deleted account are not known to come back with it (assume not); the platform's identities need them to read the data",
    order: "parallel",
  });
  for (const r of recordedRoles)
    plan.item(
      "regrant-roles",
      `${r.principalId} ${r.roleDefinitionId.split("/").pop()}`,
      "create",
      `${r.principalType ?? "principal"} ${r.principalId}: role ${r.roleDefinitionId.split("/").pop()} at the account (already there = skipped)`,
      { kind: "role", assignment: r },
    );
}
