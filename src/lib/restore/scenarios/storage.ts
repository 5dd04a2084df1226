// Runbook 7.2: storage account recovery, one account per run, in place (source = target = a
// storageAccounts id). The preflight ladder (storage/ladder.ts) picks the first rung that applies;
// this module turns its plan into the engine's steps and carries them out:
//   checkpoints  recover-account (portal), redeploy-account (IaC), recreate-private-endpoints
//                (the platform's network IaC)
//   items        create-account, reapply-protection, regrant-roles, approve-private-endpoints,
//                restore-geo-redundancy, restore-containers, recover-blobs, undelete-paths
//   operations   failover, point-in-time-restore (started once, polled by handle on durable timers)
// Only the steps of the chosen rung have actionable items; the engine skips the others.
import type { ArmRef } from "../../clients/azure.js";
import type {
  OperationHandle as ClientHandle,
  RoleAssignmentRecord,
  StorageRecoveryClient,
} from "../../clients/storage-recovery.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import type { SourceContext } from "../../sources/context.js";
import {
  PRIVATE_ENDPOINTS_ENTRY,
  recordedProtection,
  ROLE_ASSIGNMENTS_ENTRY,
  type PrivateEndpointRecord,
  storageAccountFor,
  type ProtectionSettings,
} from "../../sources/storage-protection-source.js";
import type { StorageRequest } from "../catalog.js";
import type { RequestProblem } from "../engine/request.js";
import type { PlanItem, PreflightCheck } from "../engine/plan.js";
import type {
  CheckResult,
  ItemResult,
  Manifests,
  OperationHandle,
  OperationStatus,
  PlannedWork,
  PlanStep,
  RestoreScenario,
  ValidationCheck,
} from "../engine/steps.js";
import { validateDatastores, validateExternalLocations } from "./storage/consumers.js";
import { planStorageRecovery, type StorageItemMeta, type StoragePlan } from "./storage/ladder.js";
import type { StorageOptions } from "./storage/request.js";

const STEPS: PlanStep[] = [
  {
    kind: "checkpoint",
    name: "recover-account",
    title: "Recover the deleted storage account (portal)",
    why: "Rung 1. Azure documents recovery of a deleted account only in the portal or by a support request; everything else needs the account back first.",
    timeoutMinutes: 24 * 60,
  },
  {
    kind: "checkpoint",
    name: "redeploy-account",
    title: "Redeploy the storage account (the platform's IaC)",
    why: "Rung 4, when nothing is left to recover from and the operator keeps redeployment with the platform's templates.",
    timeoutMinutes: 24 * 60,
  },
  {
    kind: "items",
    name: "create-account",
    title: "Create the storage account with the recorded settings",
    why: "Rung 4, when the operator asks azdr to create it: before its protection settings.",
    ordering: "serial",
  },
  {
    kind: "items",
    name: "reapply-protection",
    title: "Re-apply the recorded protection settings",
    why: "After the account is back (rungs 1 and 4): soft delete, versioning, change feed, restore policy and replication as the backup recorded them.",
    ordering: "serial",
  },
  {
    kind: "items",
    name: "regrant-roles",
    title: "Re-grant the recorded role assignments",
    why: "After the account is back (rungs 1 and 4): the access connector, Azure ML and azdr need their roles on it again.",
    ordering: "parallel",
  },
  {
    kind: "checkpoint",
    name: "recreate-private-endpoints",
    title: "Re-create the account's private endpoints (the platform's network IaC)",
    why: "After the account is back, or when a recorded endpoint lost its connection: endpoints are network resources azdr does not create.",
    timeoutMinutes: 24 * 60,
  },
  {
    kind: "items",
    name: "approve-private-endpoints",
    title: "Approve the recorded private endpoints' Pending connections",
    why: "After they are re-created: a connection waits Pending until the account's owner approves it.",
    ordering: "parallel",
  },
  {
    kind: "operation",
    name: "failover",
    title: "Customer-managed failover",
    why: "Rung 3: the primary does not answer (or a failover was asked for); the secondary becomes primary.",
    does: "Starts the account failover (planned or unplanned) and polls it until Azure reports it done.",
    pollSeconds: 60,
    timeoutMinutes: 6 * 60,
    expectedSeconds: 3600,
  },
  {
    kind: "items",
    name: "restore-geo-redundancy",
    title: "Make the account geo-redundant again",
    why: "After an unplanned failover the account is locally redundant.",
    ordering: "serial",
  },
  {
    kind: "items",
    name: "restore-containers",
    title: "Restore soft-deleted containers",
    why: "Rung 2, first: blobs live in containers, and a point-in-time restore over a deleted container fails.",
    ordering: "parallel",
  },
  {
    kind: "items",
    name: "recover-blobs",
    title: "Undelete blobs and bring back previous versions",
    why: "Rung 2, after the containers.",
    ordering: "parallel",
  },
  {
    kind: "items",
    name: "undelete-paths",
    title: "Undelete ADLS Gen2 paths",
    why: "Rung 2 on hierarchical-namespace accounts (point-in-time restore is not supported there).",
    ordering: "parallel",
  },
  {
    kind: "operation",
    name: "point-in-time-restore",
    title: "Point-in-time restore of block blobs",
    why: "Rung 2 on accounts with a restore policy, after the containers it needs exist.",
    does: "Starts restoreBlobRanges for the planned ranges and time, and polls it until Azure reports it done.",
    pollSeconds: 30,
    timeoutMinutes: 12 * 60,
  },
];

const client = (ctx: SourceContext): StorageRecoveryClient => ctx.azure.storageRecovery;
const accountOf = (ctx: SourceContext, request: StorageRequest): ArmRef =>
  storageAccountFor(ctx, request.target);

function optionsOf(request: StorageRequest): StorageOptions {
  return {
    containers: request.containers,
    window: request.window,
    failover: request.failover,
    redeploy: request.redeploy,
    ...(request.timeToRestore ? { timeToRestore: request.timeToRestore } : {}),
  };
}

/** The protection settings the newest good storage-protection snapshot recorded (optional input). */
async function recordedSettings(
  ctx: SourceContext,
  manifests: Manifests,
): Promise<ProtectionSettings | undefined> {
  const entry = manifests["storage/protection"]?.entries.find((e) => e.path === "protection.json");
  if (!entry) return undefined;
  return (await ctx.store.getJson<{ settings: ProtectionSettings }>(entry.sha256)).settings;
}

/** The portal of the ARM endpoint's cloud (deep links in checkpoints). */
function portalFor(armEndpoint: string | undefined): string {
  const host = armEndpoint ? new URL(armEndpoint).hostname : "management.azure.com";
  if (host.endsWith("usgovcloudapi.net")) return "https://portal.azure.us";
  if (host.endsWith("chinacloudapi.cn")) return "https://portal.azure.cn";
  return "https://portal.azure.com";
}

/** The role assignments the same snapshot recorded (snapshots older than that field have none). */
async function recordedRoles(
  ctx: SourceContext,
  manifests: Manifests,
): Promise<RoleAssignmentRecord[] | undefined> {
  const entry = manifests["storage/protection"]?.entries.find((e) => e.path === ROLE_ASSIGNMENTS_ENTRY);
  if (!entry) return undefined;
  return ctx.store.getJson<RoleAssignmentRecord[]>(entry.sha256);
}

/** The private endpoints the same snapshot recorded (snapshots older than that field have none). */
async function recordedEndpoints(
  ctx: SourceContext,
  manifests: Manifests,
): Promise<PrivateEndpointRecord[] | undefined> {
  const entry = manifests["storage/protection"]?.entries.find((e) => e.path === PRIVATE_ENDPOINTS_ENTRY);
  if (!entry) return undefined;
  return ctx.store.getJson<PrivateEndpointRecord[]>(entry.sha256);
}

async function ladder(
  ctx: SourceContext,
  request: StorageRequest,
  manifests: Manifests,
): Promise<StoragePlan> {
  const recorded = await recordedSettings(ctx, manifests);
  const roles = await recordedRoles(ctx, manifests);
  const endpoints = await recordedEndpoints(ctx, manifests);
  return planStorageRecovery({
    ...(roles ? { recordedRoles: roles } : {}),
    ...(endpoints ? { recordedEndpoints: endpoints } : {}),
    client: client(ctx),
    account: accountOf(ctx, request),
    options: optionsOf(request),
    ...(recorded ? { recorded } : {}),
    now: new Date(),
    subscriptionId: ctx.azure.subscriptionId,
    portalUrl: portalFor(ctx.config.azure?.armEndpoint),
  });
}

async function preflight(
  ctx: SourceContext,
  request: StorageRequest,
  manifests: Manifests,
): Promise<PreflightCheck[]> {
  if (request.source !== request.target)
    return [
      {
        name: "in-place",
        ok: false,
        blocking: true,
        detail: `storage recovery works on one account in place; source ${request.source} and target ${request.target} differ`,
        fix: "give the same storageAccounts id as source and target",
      },
    ];
  const plan = await ladder(ctx, request, manifests);
  return [
    ...plan.preflight,
    {
      name: "recovery-ladder",
      ok: plan.rung !== "none",
      blocking: false,
      detail: plan.rungs.map((r) => `${r.taken ? "TAKEN" : "not taken"} ${r.rung}: ${r.reason}`).join(" | "),
    },
  ];
}

async function plan(ctx: SourceContext, request: StorageRequest, manifests: Manifests): Promise<PlannedWork> {
  const p = await ladder(ctx, request, manifests);
  const checkpoints: NonNullable<PlannedWork["checkpoints"]> = {};
  for (const step of p.steps)
    if (step.kind === "checkpoint")
      checkpoints[step.name] = { instructions: step.instructions, links: step.links };
  return {
    items: p.items,
    destructive: p.destructive,
    notes: [
      ...p.rungs.map((r) => `Rung ${r.rung}: ${r.taken ? "taken" : "not taken"}: ${r.reason}`),
      ...(p.failover
        ? [
            `Failover: ${p.failover.type}; last sync time ${p.failover.lastSyncTime ?? "unknown"}${p.failover.dataLossWindow ? `; data written ${p.failover.dataLossWindow.from} → ${p.failover.dataLossWindow.to} (about ${p.failover.dataLossWindow.minutes} min) may be lost` : ""}; afterwards ${p.failover.resultingSku}.`,
          ]
        : []),
      ...p.notes,
    ],
    ...(Object.keys(checkpoints).length ? { checkpoints } : {}),
  };
}

const metaOf = (item: PlanItem) => item.meta as StorageItemMeta | undefined;

async function endpointsOf(ctx: SourceContext, account: ArmRef): Promise<{ blob: string; dfs?: string }> {
  const live = await client(ctx).getAccount(account);
  if (!live?.blobEndpoint)
    throw new AzdrError(
      "NOT_FOUND",
      `storage account ${account.name} does not exist (or has no blob endpoint)`,
    );
  return { blob: live.blobEndpoint, ...(live.dfsEndpoint ? { dfs: live.dfsEndpoint } : {}) };
}

/** One item, idempotently: "already there" is success (activities run at least once). */
async function executeOne(
  ctx: SourceContext,
  account: ArmRef,
  endpoints: () => Promise<{ blob: string; dfs?: string }>,
  meta: StorageItemMeta,
): Promise<"created" | "updated" | "skipped"> {
  const c = client(ctx);
  switch (meta.kind) {
    case "container": {
      const { blob } = await endpoints();
      if (await c.containerExists(blob, meta.container)) return "skipped";
      await c.restoreContainer(blob, meta.container, meta.version);
      return "created";
    }
    case "blob-undelete":
      await c.undeleteBlob((await endpoints()).blob, meta.container, meta.name);
      return "created";
    case "blob-version":
      await c.promoteVersion((await endpoints()).blob, meta.container, meta.name, meta.versionId);
      return "updated";
    case "path": {
      const { dfs } = await endpoints();
      if (!dfs) throw new AzdrError("UNSUPPORTED", `${account.name} has no dfs endpoint`);
      try {
        await c.undeletePath(dfs, meta.filesystem, meta.path, meta.deletionId);
        return "created";
      } catch (error) {
        // 409: a path with that name exists (undeleted by an earlier attempt of this batch).
        if (isAzdrError(error, "CONFLICT")) return "skipped";
        throw error;
      }
    }
    case "blob-service":
      await c.setBlobService(account, meta.settings);
      return "updated";
    case "role":
      return (await c.grantRole(account, meta.assignment)) === "created" ? "created" : "skipped";
    case "private-endpoint": {
      const id = meta.endpoint.privateEndpointId;
      const connection = (await c.listPrivateEndpointConnections(account)).find(
        (x) => x.privateEndpointId.toLowerCase() === id.toLowerCase(),
      );
      if (!connection)
        throw new AzdrError(
          "NOT_FOUND",
          `private endpoint ${id} has no connection to ${account.name}: re-create it with the platform's network IaC (group ids ${meta.endpoint.groupIds?.join(", ") || "unknown"})`,
        );
      if (connection.status === "Approved") return "skipped";
      if (connection.status !== "Pending")
        throw new AzdrError(
          "CONFLICT",
          `private endpoint ${id}'s connection ${connection.name} is ${connection.status}: delete the endpoint and create it again`,
        );
      await c.approvePrivateEndpointConnection(
        account,
        connection.name,
        "Approved by an azdr restore (runbook 7.2): the storage-protection backup recorded this endpoint",
      );
      return "updated";
    }
    case "replication": {
      const live = await c.getAccount(account);
      if (live?.skuName === meta.skuName) return "skipped";
      await c.updateSku(account, meta.skuName);
      return "updated";
    }
    case "account": {
      if (await c.getAccount(account)) return "skipped";
      await c.createAccount(account, meta.settings);
      return "created";
    }
    default:
      throw new AzdrError("INTERNAL", `item kind ${meta.kind} is not executed by an items step`);
  }
}

async function execute(
  ctx: SourceContext,
  request: StorageRequest,
  step: string,
  items: PlanItem[],
): Promise<ItemResult[]> {
  const account = accountOf(ctx, request);
  let cached: Promise<{ blob: string; dfs?: string }> | undefined;
  const endpoints = () => (cached ??= endpointsOf(ctx, account));
  const results: ItemResult[] = [];
  for (const item of items) {
    const meta = metaOf(item);
    if (!meta) {
      results.push({ step, key: item.key, status: "skipped", detail: "nothing to do" });
      continue;
    }
    try {
      const status = await executeOne(ctx, account, endpoints, meta);
      results.push({ step, key: item.key, status });
    } catch (error) {
      if (isAzdrError(error) && error.retryable) throw error;
      results.push({ step, key: item.key, status: "failed", detail: errorMessage(error) });
    }
  }
  return results;
}

async function startOperation(
  ctx: SourceContext,
  request: StorageRequest,
  step: string,
  items: PlanItem[],
): Promise<OperationHandle> {
  const account = accountOf(ctx, request);
  const meta = items.map(metaOf).find((m) => m?.kind === "failover" || m?.kind === "point-in-time-restore");
  if (!meta) throw new AzdrError("INTERNAL", `step ${step} has no operation item`);
  const handle =
    meta.kind === "failover"
      ? await client(ctx).startFailover(account, meta.failoverType)
      : meta.kind === "point-in-time-restore"
        ? await client(ctx).startRestoreBlobRanges(account, meta.timeToRestore, meta.ranges)
        : undefined;
  if (!handle) throw new AzdrError("INTERNAL", `step ${step} has no operation item`);
  return { kind: handle.kind, resourceGroup: account.resourceGroup, name: account.name, state: handle.state };
}

async function pollOperation(
  ctx: SourceContext,
  _request: StorageRequest,
  step: string,
  handle: OperationHandle,
): Promise<OperationStatus> {
  const kind = handle["kind"];
  if (kind !== "failover" && kind !== "restoreBlobRanges")
    throw new AzdrError("INVALID_INPUT", `step ${step}: the operation handle has no known kind`);
  const clientHandle: ClientHandle = {
    kind,
    account: { resourceGroup: String(handle["resourceGroup"]), name: String(handle["name"]) },
    state: String(handle["state"]),
  };
  const status = await client(ctx).pollOperation(clientHandle);
  if (status.status === "InProgress")
    return { state: "running", detail: `${kind} of ${clientHandle.account.name} in progress` };
  if (status.status === "Succeeded")
    return { state: "succeeded", detail: `${kind} of ${clientHandle.account.name} succeeded` };
  return { state: "failed", detail: `${kind} of ${clientHandle.account.name} failed: ${status.reason}` };
}

/** The endpoints the approved plan asked the operator to re-create. */
function plannedEndpoints(items: PlanItem[]): PrivateEndpointRecord[] {
  return items.map(metaOf).flatMap((m) => (m?.kind === "private-endpoint" ? [m.endpoint] : []));
}

async function checkEndpoints(ctx: SourceContext, account: ArmRef, items: PlanItem[]): Promise<CheckResult> {
  const wanted = plannedEndpoints(items);
  const now = await client(ctx).listPrivateEndpointConnections(account);
  const problems = wanted.flatMap((r) => {
    const c = now.find((x) => x.privateEndpointId.toLowerCase() === r.privateEndpointId.toLowerCase());
    if (!c) return [`${r.privateEndpointId} has no connection to ${account.name}`];
    if (c.status !== "Pending" && c.status !== "Approved")
      return [`${r.privateEndpointId}'s connection is ${c.status} (delete the endpoint and create it again)`];
    return [];
  });
  return problems.length
    ? { ok: false, detail: `${problems.join("; ")}: re-create it, then say done again` }
    : {
        ok: true,
        detail: `${wanted.length} private endpoint(s) connected to ${account.name} again (Pending ones are approved next)`,
      };
}

async function checkCheckpoint(
  ctx: SourceContext,
  request: StorageRequest,
  step: string,
  items: PlanItem[],
): Promise<CheckResult> {
  const account = accountOf(ctx, request);
  if (step === "recreate-private-endpoints") return checkEndpoints(ctx, account, items);
  const live = await client(ctx).getAccount(account);
  if (live)
    return { ok: true, detail: `${account.name} exists again (${live.skuName ?? "?"} in ${live.location})` };
  const deleted = await client(ctx).findDeletedAccount(account.name);
  return {
    ok: false,
    detail:
      step === "recover-account" && deleted
        ? `${account.name} is still deleted (deletedAccounts lists it, deleted ${deleted.deletionTime ?? "?"}): restore it in the portal, then say done again`
        : `${account.name} does not exist in resource group ${account.resourceGroup}: create it, then say done again`,
  };
}

async function validate(
  ctx: SourceContext,
  request: StorageRequest,
  manifests: Manifests,
): Promise<ValidationCheck[]> {
  const account = accountOf(ctx, request);
  const c = client(ctx);
  const live = await c.getAccount(account);
  const checks: ValidationCheck[] = [
    {
      name: "account exists",
      ok: live !== undefined,
      expected: "exists",
      actual: live ? "exists" : "missing",
    },
  ];
  if (!live) return checks;
  const probe = live.blobEndpoint
    ? await c.probeBlobEndpoint(live.blobEndpoint)
    : { answers: false, reason: "no blob endpoint" };
  checks.push({
    name: "primary answers",
    ok: probe.answers,
    expected: "answers",
    actual: probe.answers ? "answers" : "does not answer",
    ...(probe.reason ? { detail: probe.reason } : {}),
  });
  const recorded = await recordedSettings(ctx, manifests);
  if (recorded) {
    const svc = await c.getBlobService(account);
    const enabled = (v: unknown) => (v as { enabled?: boolean } | undefined)?.enabled === true;
    const pairs: Array<[string, boolean, boolean]> = [
      ["blob soft delete", recorded.blobSoftDelete.enabled, enabled(svc["deleteRetentionPolicy"])],
      [
        "container soft delete",
        recorded.containerSoftDelete.enabled,
        enabled(svc["containerDeleteRetentionPolicy"]),
      ],
      ["versioning", recorded.versioning, svc["isVersioningEnabled"] === true],
      ["change feed", recorded.changeFeed.enabled, enabled(svc["changeFeed"])],
    ];
    for (const [name, want, got] of pairs)
      checks.push({
        name: `${name} as recorded`,
        ok: want === got,
        expected: want ? "on" : "off",
        actual: got ? "on" : "off",
      });
  }
  const roles = await recordedRoles(ctx, manifests);
  if (roles?.length) {
    const now = await c.listRoleAssignments(account);
    const has = (r: RoleAssignmentRecord) =>
      now.some(
        (x) =>
          x.principalId === r.principalId &&
          x.roleDefinitionId.toLowerCase() === r.roleDefinitionId.toLowerCase(),
      );
    const missing = roles.filter((r) => !has(r));
    checks.push({
      name: "recorded role assignments present",
      ok: missing.length === 0,
      expected: roles.length,
      actual: roles.length - missing.length,
      ...(missing.length
        ? {
            detail: `missing: ${missing.map((r) => `${r.principalId} ${r.roleDefinitionId.split("/").pop()}`).join(", ")}`,
          }
        : {}),
    });
  }
  const endpoints = await recordedEndpoints(ctx, manifests);
  if (endpoints?.length) {
    const now = await c.listPrivateEndpointConnections(account);
    const notApproved = endpoints.filter(
      (r) =>
        now.find((x) => x.privateEndpointId.toLowerCase() === r.privateEndpointId.toLowerCase())?.status !==
        "Approved",
    );
    checks.push({
      name: "recorded private endpoints connected and approved",
      ok: notApproved.length === 0,
      expected: endpoints.length,
      actual: endpoints.length - notApproved.length,
      ...(notApproved.length
        ? {
            detail: `not connected or not approved: ${notApproved.map((r) => r.privateEndpointId).join(", ")}`,
          }
        : {}),
    });
  }
  // The platform parts that read the account: Unity Catalog external locations, Azure ML datastores.
  checks.push(...(await validateExternalLocations(ctx, account)));
  checks.push(
    ...(await validateDatastores(ctx, account, live.blobEndpoint, await c.listRoleAssignments(account))),
  );
  // Nothing soft-deleted left in scope that this run was to bring back.
  const scope = new Set(request.containers.map((s) => s.container));
  if (live.blobEndpoint && probe.answers && scope.size) {
    let left = 0;
    for await (const d of c.listDeletedContainers(live.blobEndpoint))
      if (scope.has(d.name) && !(await c.containerExists(live.blobEndpoint, d.name))) left++;
    checks.push({ name: "deleted containers left in scope", ok: left === 0, expected: 0, actual: left });
  }
  return checks;
}

/**
 * Point-in-time restore asked of an ADLS Gen2 account is a 400 at request time: the last protection
 * snapshot recorded the hierarchical namespace, which Azure's restoreBlobRanges does not support.
 */
async function requestProblems(ctx: SourceContext, request: StorageRequest): Promise<RequestProblem[]> {
  if (!request.timeToRestore) return [];
  const latest = await ctx.store.latestGood("storage", request.source, "protection");
  if (!latest) return []; // nothing recorded yet: preflight reads the account itself
  const recorded = await recordedProtection(ctx.store, latest);
  if (!recorded?.isHnsEnabled) return [];
  return [
    {
      field: "timeToRestore",
      message: `storage account ${recorded.account} has a hierarchical namespace (ADLS Gen2, recorded by protection snapshot ${latest.snapshotId}): Azure does not support point-in-time restore there`,
      fix: "leave timeToRestore out: azdr undeletes the soft-deleted paths in the window instead",
    },
  ];
}

export const storageScenario: RestoreScenario<StorageRequest> = {
  name: "storage",
  steps: STEPS,
  requestProblems,
  preflight,
  plan,
  execute,
  startOperation,
  pollOperation,
  checkCheckpoint,
  validate,
};
