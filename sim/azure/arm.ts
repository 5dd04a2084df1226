// Azure Resource Manager stand-in: resource groups, Microsoft.Storage (accounts, blob service
// properties, deletedAccounts, failover and restoreBlobRanges as LROs), Microsoft.MachineLearningServices
// (workspaces incl. Hub/Project kinds, models, environments, data, datastores, computes,
// connections, online endpoints) and Microsoft.Databricks/workspaces. Shapes follow the Azure REST
// API specs: errors {"error":{"code","message"}}, paging via absolute `nextLink`, LROs via
// Location / Azure-AsyncOperation URLs that point back at https://management.azure.com.
import { SimService, type SimRequest, type SimResponse } from "../core/server.js";
import type { RequestLog } from "../core/request-log.js";
import { SIM_HOST_HEADER } from "./http-client.js";
import {
  DAY_MS,
  type AssetContainer,
  type AzureState,
  type MlWorkspace,
  type StorageAccount,
  type BlobRange,
  type PrivateEndpointConnection,
  type Tags,
  guidFrom,
  defaultBlobService,
  pairedRegion,
} from "./state.js";

export interface ArmOptions {
  tokens: string[];
  /** Items per page in list responses (the rest follows via nextLink). */
  pageSize: number;
  /** Polls an LRO answers "InProgress" before it completes. */
  lroPolls: number;
  /** Retry-After (seconds) sent with 202 LRO responses. 0 lets the client's interval rule. */
  lroRetryAfterSeconds: number;
}

const ARM_CODES: Record<number, string> = {
  400: "BadRequest",
  401: "AuthenticationFailed",
  403: "AuthorizationFailed",
  404: "ResourceNotFound",
  409: "Conflict",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** ARM error body; simulator-core codes (UPPER_SNAKE) are mapped to ARM's PascalCase codes. */
export function armErrorBody(status: number, code: string, message: string): unknown {
  const armCode = /^[A-Z_]+$/.test(code) ? (ARM_CODES[status] ?? code) : code;
  return { error: { code: armCode, message } };
}

const SUB = "/subscriptions/:sub";
const RG = `${SUB}/resourceGroups/:rg`;
const ST = `${RG}/providers/Microsoft.Storage/storageAccounts/:account`;
const MLW = `${RG}/providers/Microsoft.MachineLearningServices/workspaces/:ws`;

function iso(d: Date | undefined): string | undefined {
  return d?.toISOString();
}

export function createArmService(state: AzureState, options: ArmOptions, log?: RequestLog): SimService {
  const svc: SimService = new SimService(
    {
      label: "arm",
      tokens: options.tokens,
      errorBody: armErrorBody,
      authenticate: (req): SimResponse | undefined => {
        const header = req.headers.authorization ?? "";
        if (!header.startsWith("Bearer "))
          return svc.error(
            401,
            "AuthenticationFailed",
            "Authentication failed. The 'Authorization' header is missing.",
          );
        if (!options.tokens.includes(header.slice(7)))
          return svc.error(401, "InvalidAuthenticationToken", "The access token is invalid.");
        return undefined;
      },
    },
    log,
  );

  const base = (req: SimRequest) =>
    `https://${String(req.headers[SIM_HOST_HEADER] ?? "management.azure.com")}`;
  const apiVersion = (req: SimRequest) => req.query.get("api-version") ?? "2024-01-01";
  const ok = (body: unknown, status = 200): SimResponse => ({ status, body });
  const notFound = (type: string, name: string, rg?: string) =>
    svc.error(
      404,
      "ResourceNotFound",
      `The Resource '${type}/${name}' under resource group '${rg ?? "?"}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );

  /** One page of `items`; `nextLink` is an absolute https URL carrying $skiptoken. */
  function page<T>(req: SimRequest, items: T[], map: (item: T) => unknown): SimResponse {
    const skip = Number(req.query.get("$skiptoken") ?? "0") || 0;
    const value = items.slice(skip, skip + options.pageSize).map(map);
    const body: { value: unknown[]; nextLink?: string } = { value };
    if (skip + options.pageSize < items.length) {
      const q = new URLSearchParams(req.query);
      q.set("$skiptoken", String(skip + options.pageSize));
      body.nextLink = `${base(req)}${req.path}?${q.toString()}`;
    }
    return ok(body);
  }

  // ---- long-running operations ------------------------------------------------------------
  function startOperation(
    req: SimRequest,
    location: string,
    complete: () => unknown,
    initialBody?: unknown,
  ): SimResponse {
    const id = guidFrom(`op/${state.nextId()}`);
    state.operations.set(id, {
      id,
      subscriptionId: req.params.sub!,
      location,
      status: "InProgress",
      pollsLeft: options.lroPolls,
      startTime: state.now(),
      complete,
    });
    const opUrl = `${base(req)}/subscriptions/${req.params.sub}/providers/Microsoft.Storage/locations/${location}/asyncoperations/${id}`;
    return {
      status: 202,
      headers: {
        location: `${opUrl}?monitor=true&api-version=${apiVersion(req)}`,
        "azure-asyncoperation": `${opUrl}?api-version=${apiVersion(req)}`,
        "retry-after": String(options.lroRetryAfterSeconds),
      },
      ...(initialBody === undefined ? {} : { body: initialBody }),
    };
  }

  svc.route("GET", `${SUB}/providers/:provider/locations/:location/asyncoperations/:id`, (req) => {
    const op = state.operations.get(req.params.id!);
    if (!op) return svc.error(404, "ResourceNotFound", `Operation ${req.params.id} not found`);
    if (op.status === "InProgress") {
      if (op.pollsLeft <= 0) {
        try {
          op.result = op.complete();
          op.status = "Succeeded";
        } catch (error) {
          op.status = "Failed";
          op.error = { code: "OperationFailed", message: (error as Error).message };
        }
        op.endTime = state.now();
      } else op.pollsLeft -= 1;
    }
    if (req.query.get("monitor") === "true") {
      if (op.status === "InProgress")
        return {
          status: 202,
          headers: {
            location: `${base(req)}${req.path}?${req.query.toString()}`,
            "retry-after": String(options.lroRetryAfterSeconds),
          },
        };
      if (op.status === "Failed") return svc.error(500, op.error!.code, op.error!.message);
      return op.result === undefined ? { status: 200 } : ok(op.result);
    }
    return ok({
      id: `${req.path}`,
      name: op.id,
      status: op.status,
      startTime: iso(op.startTime),
      ...(op.endTime ? { endTime: iso(op.endTime) } : {}),
      ...(op.error ? { error: op.error } : {}),
    });
  });

  // ---- resource groups ----------------------------------------------------------------------
  const rgJson = (rg: { subscriptionId: string; name: string; location: string; tags: Tags }) => ({
    id: `/subscriptions/${rg.subscriptionId}/resourceGroups/${rg.name}`,
    name: rg.name,
    type: "Microsoft.Resources/resourceGroups",
    location: rg.location,
    tags: rg.tags,
    properties: { provisioningState: "Succeeded" },
  });
  svc.route("GET", `${SUB}/resourcegroups`, (req) =>
    page(
      req,
      [...state.resourceGroups.values()].filter((r) => r.subscriptionId === req.params.sub),
      rgJson,
    ),
  );
  svc.route("GET", `${SUB}/resourcegroups/:rg`, (req) => {
    const rg = state.getResourceGroup(req.params.sub!, req.params.rg!);
    return rg
      ? ok(rgJson(rg))
      : svc.error(404, "ResourceGroupNotFound", `Resource group '${req.params.rg}' could not be found.`);
  });

  // ---- storage accounts ---------------------------------------------------------------------
  const accountId = (a: StorageAccount) =>
    `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${a.name}`;
  const endpoints = (name: string) => ({
    blob: `https://${name}.blob.core.windows.net/`,
    dfs: `https://${name}.dfs.core.windows.net/`,
    queue: `https://${name}.queue.core.windows.net/`,
    table: `https://${name}.table.core.windows.net/`,
    file: `https://${name}.file.core.windows.net/`,
    web: `https://${name}.z6.web.core.windows.net/`,
  });
  function accountJson(a: StorageAccount, expand: string | null): unknown {
    const expands = (expand ?? "").toLowerCase().split(",");
    const geo = a.secondaryLocation !== undefined;
    const properties: Record<string, unknown> = {
      provisioningState: "Succeeded",
      creationTime: iso(a.createdAt),
      primaryEndpoints: endpoints(a.name),
      primaryLocation: a.location,
      statusOfPrimary: a.primaryDown ? "unavailable" : "available",
      isHnsEnabled: a.isHnsEnabled,
      supportsHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      accessTier: "Hot",
      encryption: {
        keySource: "Microsoft.Storage",
        services: {
          blob: { enabled: true, keyType: "Account" },
          file: { enabled: true, keyType: "Account" },
        },
      },
    };
    if (geo) {
      properties.secondaryLocation = a.secondaryLocation;
      properties.statusOfSecondary = "available";
      if (a.skuName.includes("RA")) properties.secondaryEndpoints = endpoints(`${a.name}-secondary`);
    }
    if (a.lastGeoFailoverTime) properties.lastGeoFailoverTime = iso(a.lastGeoFailoverTime);
    properties.privateEndpointConnections = a.privateEndpointConnections.map((c) =>
      privateEndpointConnectionJson(a, c),
    );
    if (a.failoverInProgress) properties.failoverInProgress = true;
    if (expands.includes("georeplicationstats") && geo) {
      const status = a.geoReplicationStatus ?? "Live";
      // Bootstrap has no sync point yet; Unavailable keeps the last one it had.
      const lastSync = state.lastSyncTime(a);
      properties.geoReplicationStats = {
        status,
        ...(lastSync ? { lastSyncTime: iso(lastSync) } : {}),
        canFailover: !a.failoverInProgress && status === "Live",
        // A planned failover needs both regions up (storage-disaster-recovery-guidance).
        canPlannedFailover: !a.failoverInProgress && status === "Live" && !a.primaryDown,
        postFailoverRedundancy: a.skuName.includes("GZRS") ? "Standard_ZRS" : "Standard_LRS",
        postPlannedFailoverRedundancy: a.skuName,
      };
    }
    if (expands.includes("blobrestorestatus") && a.lastRestore)
      properties.blobRestoreStatus = {
        status: a.lastRestore.status,
        restoreId: a.lastRestore.restoreId,
        parameters: { timeToRestore: a.lastRestore.timeToRestore, blobRanges: a.lastRestore.blobRanges },
        ...(a.lastRestore.failureReason ? { failureReason: a.lastRestore.failureReason } : {}),
      };
    return {
      id: accountId(a),
      name: a.name,
      type: "Microsoft.Storage/storageAccounts",
      location: a.location,
      tags: a.tags,
      sku: { name: a.skuName, tier: a.skuName.startsWith("Premium") ? "Premium" : "Standard" },
      kind: a.kind,
      properties,
    };
  }
  const account = (req: SimRequest) =>
    state.getStorageAccount(req.params.sub!, req.params.rg!, req.params.account!);
  const accountNotFound = (req: SimRequest) =>
    notFound("Microsoft.Storage/storageAccounts", req.params.account!, req.params.rg);

  svc.route("GET", `${SUB}/providers/Microsoft.Storage/storageAccounts`, (req) =>
    page(
      req,
      [...state.storageAccounts.values()].filter((a) => a.subscriptionId === req.params.sub),
      (a) => accountJson(a, null),
    ),
  );
  svc.route("GET", `${RG}/providers/Microsoft.Storage/storageAccounts`, (req) =>
    // ARM answers 404 ResourceGroupNotFound for a list under a group that does not exist.
    !state.getResourceGroup(req.params.sub!, req.params.rg!)
      ? svc.error(404, "ResourceGroupNotFound", `Resource group '${req.params.rg}' could not be found.`)
      : page(
          req,
          [...state.storageAccounts.values()].filter(
            (a) =>
              a.subscriptionId === req.params.sub &&
              a.resourceGroup.toLowerCase() === req.params.rg!.toLowerCase(),
          ),
          (a) => accountJson(a, null),
        ),
  );
  svc.route("GET", ST, (req) => {
    const a = account(req);
    return a ? ok(accountJson(a, req.query.get("$expand"))) : accountNotFound(req);
  });
  svc.route("PUT", ST, (req) => {
    const body = (req.body ?? {}) as {
      location?: string;
      kind?: string;
      sku?: { name?: string };
      tags?: Tags;
      properties?: { isHnsEnabled?: boolean; restoreReference?: string };
    };
    const existing = account(req);
    if (existing) {
      if (body.tags) existing.tags = body.tags;
      return ok(accountJson(existing, null));
    }
    // Recovery of a deleted account: PUT with the deleted account's restoreReference.
    const ref = body.properties?.restoreReference;
    if (ref) {
      const recovered = state.recoverStorageAccount(ref);
      if (!recovered)
        return svc.error(
          400,
          "InvalidRestoreReference",
          `No deleted account matches restoreReference '${ref}'.`,
        );
      return ok(accountJson(recovered, null));
    }
    if (state.findStorageAccount(req.params.account!))
      return svc.error(
        409,
        "StorageAccountAlreadyTaken",
        `The storage account named ${req.params.account} is already taken.`,
      );
    if (!body.location) return svc.error(400, "InvalidRequestContent", "location is required");
    const created = state.addStorageAccount({
      subscriptionId: req.params.sub!,
      resourceGroup: req.params.rg!,
      name: req.params.account!,
      location: body.location,
      kind: body.kind ?? "StorageV2",
      skuName: body.sku?.name ?? "Standard_LRS",
      isHnsEnabled: body.properties?.isHnsEnabled ?? false,
      tags: body.tags ?? {},
    });
    return ok(accountJson(created, null));
  });
  // StorageAccounts_Update (PATCH): replication SKU and tags. Converting to a geo-redundant SKU
  // gives the account a secondary in its paired region (re-enabling geo-redundancy after a failover).
  svc.route("PATCH", ST, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const body = (req.body ?? {}) as { sku?: { name?: string }; tags?: Tags };
    if (body.tags) a.tags = body.tags;
    const sku = body.sku?.name;
    if (sku && sku !== a.skuName) {
      if (a.failoverInProgress)
        return svc.error(409, "FailoverInProgress", `A failover is in progress for account ${a.name}.`);
      a.skuName = sku;
      if (/GRS|GZRS/.test(sku)) a.secondaryLocation ??= pairedRegion(a.location);
      else delete a.secondaryLocation;
    }
    return ok(accountJson(a, null));
  });
  svc.route("DELETE", ST, (req) => {
    const a = account(req);
    if (!a) return { status: 204 };
    state.deleteStorageAccount(a.subscriptionId, a.resourceGroup, a.name);
    return { status: 200 };
  });
  svc.route("POST", `${ST}/listKeys`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    state.recordSecretRead("arm", "storage-account-keys", accountId(a));
    const k = Buffer.from(guidFrom(`key/${a.name}`)).toString("base64");
    return ok({
      keys: [
        { keyName: "key1", value: k, permissions: "FULL" },
        { keyName: "key2", value: k.split("").reverse().join(""), permissions: "FULL" },
      ],
    });
  });

  const blobServiceJson = (a: StorageAccount) => ({
    id: `${accountId(a)}/blobServices/default`,
    name: "default",
    type: "Microsoft.Storage/storageAccounts/blobServices",
    sku: { name: a.skuName, tier: a.skuName.startsWith("Premium") ? "Premium" : "Standard" },
    properties: {
      cors: { corsRules: [] },
      deleteRetentionPolicy: { ...a.blobService.deleteRetentionPolicy, allowPermanentDelete: false },
      containerDeleteRetentionPolicy: a.blobService.containerDeleteRetentionPolicy,
      isVersioningEnabled: a.blobService.isVersioningEnabled,
      changeFeed: a.blobService.changeFeed,
      restorePolicy: a.blobService.restorePolicy,
    },
  });
  svc.route("GET", `${ST}/blobServices`, (req) => {
    const a = account(req);
    return a ? ok({ value: [blobServiceJson(a)] }) : accountNotFound(req);
  });
  // BlobContainers_GetImmutabilityPolicy: the container's default policy; a container without one
  // answers 404 ImmutabilityPolicyNotFound (azure-rest-api-specs, storage blob.json).
  svc.route("GET", `${ST}/blobServices/default/containers/:container/immutabilityPolicies/default`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const c = a.containers.get(req.params.container!);
    if (!c)
      return notFound("Microsoft.Storage/storageAccounts/blobServices/containers", req.params.container!);
    const policy = c.immutabilityPolicy;
    if (!policy)
      return svc.error(404, "ImmutabilityPolicyNotFound", "The immutability policy does not exist.");
    return ok({
      id: `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${a.name}/blobServices/default/containers/${c.name}/immutabilityPolicies/default`,
      name: "default",
      type: "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
      etag: policy.etag,
      properties: {
        immutabilityPeriodSinceCreationInDays: policy.days,
        state: policy.state,
        allowProtectedAppendWrites: false,
      },
    });
  });
  svc.route("GET", `${ST}/blobServices/default`, (req) => {
    const a = account(req);
    return a ? ok(blobServiceJson(a)) : accountNotFound(req);
  });
  svc.route("PUT", `${ST}/blobServices/default`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const p = ((req.body ?? {}) as { properties?: Partial<StorageAccount["blobService"]> }).properties ?? {};
    if (p.restorePolicy?.enabled && a.isHnsEnabled)
      return svc.error(
        400,
        "FeatureNotSupportedForAccount",
        "Point-in-time restore is not supported for accounts with hierarchical namespace enabled.",
      );
    const next = { ...defaultBlobService(), ...a.blobService, ...p };
    // Enabling point-in-time restore needs versioning, change feed and blob soft delete, with fewer
    // restore days than delete-retention days (point-in-time-restore-overview). Whether ARM refuses
    // turning a prerequisite off while the policy stays on is unverified: that is let through.
    if (p.restorePolicy?.enabled) {
      const missing = [
        !next.isVersioningEnabled && "versioning",
        !next.changeFeed.enabled && "change feed",
        !next.deleteRetentionPolicy.enabled && "blob soft delete",
      ].filter(Boolean);
      if (missing.length > 0)
        return svc.error(
          400,
          "InvalidBlobServiceProperties",
          `Point-in-time restore requires ${missing.join(", ")} to be enabled.`,
        );
      if ((next.restorePolicy.days ?? 0) >= (next.deleteRetentionPolicy.days ?? 0))
        return svc.error(
          400,
          "InvalidBlobServiceProperties",
          "restorePolicy.days must be less than deleteRetentionPolicy.days.",
        );
    }
    if (p.restorePolicy?.enabled && !a.blobService.restorePolicy.enabled) {
      next.restorePolicy = {
        ...p.restorePolicy,
        lastEnabledTime: state.now().toISOString(),
        minRestoreTime: state.now().toISOString(),
      };
    }
    a.blobService = next;
    return ok(blobServiceJson(a));
  });

  // Failover (unplanned: the secondary becomes primary and the account becomes LRS; Planned: swap).
  svc.route("POST", `${ST}/failover`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    if (!a.secondaryLocation)
      return svc.error(
        400,
        "FailoverNotSupported",
        `Failover is not supported for account ${a.name} with replication ${a.skuName}: a geo-redundant SKU is required.`,
      );
    if (a.failoverInProgress)
      return svc.error(409, "FailoverInProgress", `A failover is already in progress for account ${a.name}.`);
    const planned = req.query.get("failoverType") === "Planned";
    if ((a.geoReplicationStatus ?? "Live") !== "Live")
      return svc.error(
        400,
        "FailoverNotSupported",
        `Failover is not possible while geo-replication is ${a.geoReplicationStatus} (canFailover is false).`,
      );
    if (planned && a.primaryDown)
      return svc.error(
        400,
        "FailoverNotSupported",
        "A planned failover needs both the primary and the secondary region available (canPlannedFailover is false); use an unplanned failover.",
      );
    a.failoverInProgress = true;
    return startOperation(req, a.location, () => {
      const primary = a.location;
      a.location = a.secondaryLocation!;
      a.failoverInProgress = false;
      a.lastGeoFailoverTime = state.now();
      if (planned) a.secondaryLocation = primary;
      else {
        // The secondary becomes primary: writes after the last sync time are lost, and the account
        // is locally redundant in its new region until geo-redundancy is configured again.
        const lastSync = state.lastSyncTime(a);
        if (lastSync) state.loseWritesAfter(a, lastSync);
        delete a.secondaryLocation;
        delete a.lastSyncTime;
        delete a.geoReplicationStatus;
        a.primaryDown = false;
        a.skuName = a.skuName.includes("GZRS")
          ? a.skuName.replace(/RA-?GZRS|GZRS/, "ZRS")
          : a.skuName.replace(/RAGRS|GRS/, "LRS");
      }
      return undefined;
    });
  });

  // Point-in-time restore of block blobs in ranges ("container/prefix" … "container/prefix").
  svc.route("POST", `${ST}/restoreBlobRanges`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const body = (req.body ?? {}) as { timeToRestore?: string; blobRanges?: BlobRange[] };
    if (a.isHnsEnabled)
      return svc.error(
        400,
        "FeatureNotSupportedForAccount",
        "Blob restore is not supported for accounts with hierarchical namespace enabled.",
      );
    const policy = a.blobService.restorePolicy;
    if (!policy.enabled)
      return svc.error(
        400,
        "BlobRestoreNotEnabled",
        `Point-in-time restore is not enabled for account ${a.name}.`,
      );
    const t = new Date(body.timeToRestore ?? "");
    if (Number.isNaN(t.getTime()) || !body.blobRanges?.length)
      return svc.error(400, "InvalidRequestContent", "timeToRestore and blobRanges are required.");
    if (body.blobRanges.length > MAX_BLOB_RESTORE_RANGES)
      return svc.error(
        400,
        "InvalidRequestContent",
        `At most ${MAX_BLOB_RESTORE_RANGES} blob ranges can be restored in one request (got ${body.blobRanges.length}).`,
      );
    const earliest = Math.max(
      state.now().getTime() - (policy.days ?? 0) * DAY_MS,
      policy.minRestoreTime ? Date.parse(policy.minRestoreTime) : 0,
    );
    if (t.getTime() < earliest || t.getTime() > state.now().getTime())
      return svc.error(
        400,
        "InvalidTimeToRestore",
        `timeToRestore ${t.toISOString()} is outside the restorable window (${new Date(earliest).toISOString()} to now).`,
      );
    const restoreId = guidFrom(`restore/${state.nextId()}`);
    const parameters = { timeToRestore: t.toISOString(), blobRanges: body.blobRanges };
    a.lastRestore = { restoreId, status: "InProgress", ...parameters };
    const ranges = body.blobRanges;
    return startOperation(
      req,
      a.location,
      () => {
        // Point-in-time restore does not restore containers: a range over a deleted container fails.
        const deleted = state
          .activeDeletedContainers(a)
          .map((d) => d.container.name)
          .filter((c) => !a.containers.has(c) && rangesTouchContainer(ranges, c));
        if (deleted.length > 0) {
          a.lastRestore!.status = "Failed";
          a.lastRestore!.failureReason = `The range includes deleted container(s) ${deleted.join(", ")}: restore them first.`;
          throw new Error(a.lastRestore!.failureReason);
        }
        restoreRanges(state, a, t, ranges);
        a.lastRestore!.status = "Complete";
        return { status: "Complete", restoreId, parameters };
      },
      { status: "InProgress", restoreId, parameters },
    );
  });

  // Role assignments at the account scope (Microsoft.Authorization 2022-04-01): one per (role,
  // principal); a duplicate answers 409 RoleAssignmentExists, an unknown principal 400 PrincipalNotFound.
  const roleAssignmentJson = (a: StorageAccount, r: StorageAccount["roleAssignments"][number]) => ({
    id: `${accountId(a)}/providers/Microsoft.Authorization/roleAssignments/${r.name}`,
    name: r.name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      scope: accountId(a),
      roleDefinitionId: r.roleDefinitionId,
      principalId: r.principalId,
      principalType: r.principalType,
    },
  });
  svc.route("GET", `${ST}/providers/Microsoft.Authorization/roleAssignments`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    return page(req, a.roleAssignments, (r) => roleAssignmentJson(a, r));
  });
  svc.route("PUT", `${ST}/providers/Microsoft.Authorization/roleAssignments/:name`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const p =
      (
        (req.body ?? {}) as {
          properties?: { roleDefinitionId?: string; principalId?: string; principalType?: string };
        }
      ).properties ?? {};
    if (!p.roleDefinitionId || !p.principalId)
      return svc.error(400, "InvalidRoleAssignmentRequest", "roleDefinitionId and principalId are required.");
    if (!state.principals.has(p.principalId))
      return svc.error(
        400,
        "PrincipalNotFound",
        `Principal ${p.principalId} does not exist in the directory ${state.tenantId}.`,
      );
    const same = a.roleAssignments.find(
      (r) =>
        r.principalId === p.principalId &&
        r.roleDefinitionId.toLowerCase() === p.roleDefinitionId!.toLowerCase(),
    );
    if (same) return svc.error(409, "RoleAssignmentExists", "The role assignment already exists.");
    const created = {
      name: req.params.name!,
      roleDefinitionId: p.roleDefinitionId,
      principalId: p.principalId,
      principalType: p.principalType ?? "ServicePrincipal",
    };
    a.roleAssignments.push(created);
    return ok(roleAssignmentJson(a, created), 201);
  });

  // Private endpoint connections (Microsoft.Storage 2025-06-01, PrivateEndpointConnections_List / Get /
  // Put): the list is one page of `value`; PUT only changes the state of an existing connection (a
  // connection is created from the endpoint's side, Microsoft.Network); an unknown name is 404.
  function privateEndpointConnectionJson(a: StorageAccount, c: PrivateEndpointConnection): unknown {
    return {
      id: `${accountId(a)}/privateEndpointConnections/${c.name}`,
      name: c.name,
      type: "Microsoft.Storage/storageAccounts/privateEndpointConnections",
      properties: {
        provisioningState: "Succeeded",
        privateEndpoint: { id: c.privateEndpointId },
        privateLinkServiceConnectionState: {
          status: c.status,
          description: c.description,
          actionRequired: "None",
        },
      },
    };
  }
  const connectionNotFound = (req: SimRequest) =>
    notFound(
      "Microsoft.Storage/storageAccounts/privateEndpointConnections",
      req.params.connection!,
      req.params.rg,
    );
  svc.route("GET", `${ST}/privateEndpointConnections`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    return ok({ value: a.privateEndpointConnections.map((c) => privateEndpointConnectionJson(a, c)) });
  });
  svc.route("GET", `${ST}/privateEndpointConnections/:connection`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const c = a.privateEndpointConnections.find((x) => x.name === req.params.connection);
    return c ? ok(privateEndpointConnectionJson(a, c)) : connectionNotFound(req);
  });
  svc.route("PUT", `${ST}/privateEndpointConnections/:connection`, (req) => {
    const a = account(req);
    if (!a) return accountNotFound(req);
    const c = a.privateEndpointConnections.find((x) => x.name === req.params.connection);
    if (!c) return connectionNotFound(req);
    const wanted = (
      (req.body ?? {}) as {
        properties?: { privateLinkServiceConnectionState?: { status?: string; description?: string } };
      }
    ).properties?.privateLinkServiceConnectionState;
    if (!wanted?.status || !["Pending", "Approved", "Rejected"].includes(wanted.status))
      return svc.error(
        400,
        "InvalidRequestContent",
        "properties.privateLinkServiceConnectionState.status must be Pending, Approved or Rejected.",
      );
    c.status = wanted.status as PrivateEndpointConnection["status"];
    if (wanted.description !== undefined) c.description = wanted.description;
    const endpoint = state.privateEndpoints.get(c.privateEndpointId.toLowerCase());
    if (endpoint) endpoint.status = c.status;
    return ok(privateEndpointConnectionJson(a, c));
  });

  // Microsoft.Network/privateEndpoints GET (2024-05-01 shape): the endpoint names its subnet and, per
  // connection, the target resource and the group ids (sub-resources) it connects to.
  svc.route("GET", `${RG}/providers/Microsoft.Network/privateEndpoints/:pe`, (req) => {
    const id = `/subscriptions/${req.params.sub}/resourceGroups/${req.params.rg}/providers/Microsoft.Network/privateEndpoints/${req.params.pe}`;
    const pe = state.privateEndpoints.get(id.toLowerCase());
    if (!pe) return notFound("Microsoft.Network/privateEndpoints", req.params.pe!, req.params.rg);
    const connection = {
      id: `${pe.id}/${pe.manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"}/${pe.connectionName}`,
      name: pe.connectionName,
      type: "Microsoft.Network/privateEndpoints/privateLinkServiceConnections",
      properties: {
        provisioningState: "Succeeded",
        privateLinkServiceId: pe.targetId,
        groupIds: pe.groupIds,
        privateLinkServiceConnectionState: {
          status: pe.status,
          description: pe.status === "Disconnected" ? "The target resource was deleted." : "",
          actionsRequired: "None",
        },
      },
    };
    return ok({
      id: pe.id,
      name: pe.name,
      type: "Microsoft.Network/privateEndpoints",
      location: pe.location,
      properties: {
        provisioningState: "Succeeded",
        subnet: { id: pe.subnetId },
        privateLinkServiceConnections: pe.manual ? [] : [connection],
        manualPrivateLinkServiceConnections: pe.manual ? [connection] : [],
        customDnsConfigs: [],
      },
    });
  });

  // StorageAccounts_CheckNameAvailability: names are global; a live account holds its name.
  svc.route("POST", `${SUB}/providers/Microsoft.Storage/checkNameAvailability`, (req) => {
    const requested = ((req.body ?? {}) as { name?: unknown }).name;
    const name = typeof requested === "string" ? requested : "";
    if (!/^[a-z0-9]{3,24}$/.test(name))
      return ok({
        nameAvailable: false,
        reason: "AccountNameInvalid",
        message: `${name} is not a valid storage account name.`,
      });
    return state.findStorageAccount(name)
      ? ok({
          nameAvailable: false,
          reason: "AlreadyExists",
          message: `The storage account named ${name} is already taken.`,
        })
      : ok({ nameAvailable: true });
  });

  // ---- deleted accounts -----------------------------------------------------------------------
  const deletedJson = (d: { account: StorageAccount; deletedAt: Date; restoreReference: string }) => ({
    id: `/subscriptions/${d.account.subscriptionId}/providers/Microsoft.Storage/locations/${d.account.location}/deletedAccounts/${d.account.name}`,
    name: d.account.name,
    type: "Microsoft.Storage/deletedAccounts",
    properties: {
      storageAccountResourceId: accountId(d.account),
      location: d.account.location,
      restoreReference: d.restoreReference,
      creationTime: iso(d.account.createdAt),
      deletionTime: iso(d.deletedAt),
    },
  });
  svc.route("GET", `${SUB}/providers/Microsoft.Storage/deletedAccounts`, (req) =>
    page(
      req,
      state.activeDeletedStorageAccounts().filter((d) => d.account.subscriptionId === req.params.sub),
      deletedJson,
    ),
  );
  svc.route("GET", `${SUB}/providers/Microsoft.Storage/locations/:location/deletedAccounts/:name`, (req) => {
    const d = state
      .activeDeletedStorageAccounts()
      .filter(
        (x) =>
          x.account.subscriptionId === req.params.sub &&
          x.account.name.toLowerCase() === req.params.name!.toLowerCase() &&
          x.account.location.toLowerCase() === req.params.location!.toLowerCase(),
      )
      .pop();
    return d ? ok(deletedJson(d)) : notFound("Microsoft.Storage/deletedAccounts", req.params.name!);
  });

  // ---- Azure ML / AI Foundry workspaces --------------------------------------------------------
  const wsId = (w: MlWorkspace) =>
    `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${w.name}`;
  const systemData = (created: Date) => ({
    createdAt: iso(created),
    createdBy: "sim@contoso.com",
    createdByType: "User",
    lastModifiedAt: iso(created),
    lastModifiedBy: "sim@contoso.com",
    lastModifiedByType: "User",
  });
  function workspaceJson(w: MlWorkspace): unknown {
    const id = wsId(w);
    const associated =
      w.kind === "Hub"
        ? [...state.mlWorkspaces.values()]
            .filter((p) => p.properties.hubResourceId?.toLowerCase() === id.toLowerCase())
            .map(wsId)
        : undefined;
    return {
      id,
      name: w.name,
      type: "Microsoft.MachineLearningServices/workspaces",
      location: w.location,
      kind: w.kind,
      tags: w.tags,
      sku: { name: w.skuName, tier: w.skuName },
      identity: { type: "SystemAssigned", principalId: guidFrom(`mi/${id}`), tenantId: state.tenantId },
      systemData: systemData(w.createdAt),
      properties: {
        workspaceId: w.workspaceId,
        provisioningState: "Succeeded",
        discoveryUrl: `https://${w.location}.api.azureml.ms/discovery`,
        mlFlowTrackingUri: `azureml://${w.location}.api.azureml.ms/mlflow/v1.0${id}`,
        v1LegacyMode: false,
        softDeleteRetentionInDays: 14,
        ...w.properties,
        ...(associated ? { associatedWorkspaces: associated } : {}),
      },
    };
  }
  const workspace = (req: SimRequest) =>
    state.getMlWorkspace(req.params.sub!, req.params.rg!, req.params.ws!);
  const wsNotFound = (req: SimRequest) =>
    notFound("Microsoft.MachineLearningServices/workspaces", req.params.ws!, req.params.rg);
  /** Run `fn` with the addressed workspace, or answer 404. */
  const withWs =
    (fn: (w: MlWorkspace, req: SimRequest) => SimResponse) =>
    (req: SimRequest): SimResponse => {
      const w = workspace(req);
      return w ? fn(w, req) : wsNotFound(req);
    };

  svc.route("GET", `${SUB}/providers/Microsoft.MachineLearningServices/workspaces`, (req) =>
    page(
      req,
      [...state.mlWorkspaces.values()].filter((w) => w.subscriptionId === req.params.sub),
      workspaceJson,
    ),
  );
  svc.route("GET", `${RG}/providers/Microsoft.MachineLearningServices/workspaces`, (req) =>
    page(
      req,
      [...state.mlWorkspaces.values()].filter(
        (w) =>
          w.subscriptionId === req.params.sub &&
          w.resourceGroup.toLowerCase() === req.params.rg!.toLowerCase(),
      ),
      workspaceJson,
    ),
  );
  svc.route(
    "GET",
    MLW,
    withWs((w) => ok(workspaceJson(w))),
  );
  svc.route("PUT", MLW, (req) => {
    const body = (req.body ?? {}) as {
      location?: string;
      kind?: MlWorkspace["kind"];
      tags?: Tags;
      sku?: { name?: string };
      properties?: Partial<MlWorkspace["properties"]>;
    };
    const existing = workspace(req);
    if (existing) {
      if (body.tags) existing.tags = body.tags;
      return ok(workspaceJson(existing));
    }
    const deleted = state.findDeletedMlWorkspace(req.params.sub!, req.params.rg!, req.params.ws!);
    if (deleted) {
      // Re-creating a soft-deleted workspace with the same name, group and region recovers it.
      if (body.location && body.location.toLowerCase() !== deleted.workspace.location.toLowerCase())
        return svc.error(
          409,
          "SoftDeletedWorkspaceExists",
          `A soft-deleted workspace named ${req.params.ws} exists in ${deleted.workspace.location}; recover it in that region or purge it first.`,
        );
      return ok(workspaceJson(state.recoverMlWorkspace(req.params.sub!, req.params.rg!, req.params.ws!)!));
    }
    if (!body.location) return svc.error(400, "BadRequest", "location is required");
    const created = state.addMlWorkspace({
      subscriptionId: req.params.sub!,
      resourceGroup: req.params.rg!,
      name: req.params.ws!,
      location: body.location,
      kind: body.kind ?? "Default",
      tags: body.tags ?? {},
      skuName: body.sku?.name ?? "Basic",
      properties: { publicNetworkAccess: "Enabled", hbiWorkspace: false, ...body.properties },
    });
    return ok(workspaceJson(created));
  });
  svc.route("DELETE", MLW, (req) => {
    const w = workspace(req);
    if (!w) return { status: 204 };
    state.deleteMlWorkspace(
      w.subscriptionId,
      w.resourceGroup,
      w.name,
      req.query.get("forceToPurge") === "true",
    );
    return { status: 200 };
  });
  svc.route(
    "POST",
    `${MLW}/listKeys`,
    withWs((w) => {
      state.recordSecretRead("arm", "ml-workspace-keys", wsId(w));
      return ok({
        userStorageKey: "sim-user-storage-key",
        userStorageResourceId: w.properties.storageAccount,
      });
    }),
  );

  // Versioned assets: models, environments, data — containers and their versions.
  for (const [segment, field, typeName] of [
    ["models", "models", "models"],
    ["environments", "environments", "environments"],
    ["data", "data", "data"],
  ] as const) {
    const containerJson = (w: MlWorkspace, c: AssetContainer) => {
      const versions = [...c.versions.keys()];
      const numeric = versions.map(Number).filter((n) => Number.isFinite(n));
      const latest = numeric.length ? String(Math.max(...numeric)) : versions[versions.length - 1];
      return {
        id: `${wsId(w)}/${segment}/${c.name}`,
        name: c.name,
        type: `Microsoft.MachineLearningServices/workspaces/${typeName}`,
        systemData: systemData(c.createdAt),
        properties: {
          description: c.description ?? null,
          tags: c.tags,
          properties: {},
          isArchived: c.isArchived,
          latestVersion: latest ?? null,
          nextVersion: numeric.length ? String(Math.max(...numeric) + 1) : "1",
        },
      };
    };
    const versionJson = (
      w: MlWorkspace,
      c: AssetContainer,
      v: { version: string; properties: Record<string, unknown>; createdAt: Date },
    ) => ({
      id: `${wsId(w)}/${segment}/${c.name}/versions/${v.version}`,
      name: v.version,
      type: `Microsoft.MachineLearningServices/workspaces/${typeName}/versions`,
      systemData: systemData(v.createdAt),
      properties: { isAnonymous: false, isArchived: false, tags: {}, properties: {}, ...v.properties },
    });
    const view = (req: SimRequest, archived: boolean) => {
      const t = (req.query.get("listViewType") ?? "ActiveOnly").toLowerCase();
      return t === "all" || (t === "archivedonly" ? archived : !archived);
    };
    const assetNotFound = (req: SimRequest) =>
      svc.error(
        404,
        "UserError",
        `Could not find asset with name ${req.params.name}${req.params.version ? ` and version ${req.params.version}` : ""}`,
      );

    svc.route(
      "GET",
      `${MLW}/${segment}`,
      withWs((w, req) =>
        page(
          req,
          [...w[field].values()].filter((c) => view(req, c.isArchived)),
          (c) => containerJson(w, c),
        ),
      ),
    );
    svc.route(
      "GET",
      `${MLW}/${segment}/:name`,
      withWs((w, req) => {
        const c = w[field].get(req.params.name!);
        return c ? ok(containerJson(w, c)) : assetNotFound(req);
      }),
    );
    svc.route(
      "PUT",
      `${MLW}/${segment}/:name`,
      withWs((w, req) => {
        const p =
          ((req.body ?? {}) as { properties?: { description?: string; tags?: Tags; isArchived?: boolean } })
            .properties ?? {};
        let c = w[field].get(req.params.name!);
        if (!c) {
          c = {
            name: req.params.name!,
            tags: {},
            isArchived: false,
            versions: new Map(),
            createdAt: state.now(),
          };
          w[field].set(c.name, c);
        }
        if (p.description !== undefined) c.description = p.description;
        if (p.tags) c.tags = p.tags;
        if (p.isArchived !== undefined) c.isArchived = p.isArchived;
        return ok(containerJson(w, c));
      }),
    );
    svc.route(
      "GET",
      `${MLW}/${segment}/:name/versions`,
      withWs((w, req) => {
        const c = w[field].get(req.params.name!);
        if (!c) return assetNotFound(req);
        const versions = [...c.versions.values()]
          .filter((v) => view(req, v.properties.isArchived === true))
          .sort((x, y) => Number(y.version) - Number(x.version) || y.version.localeCompare(x.version));
        return page(req, versions, (v) => versionJson(w, c, v));
      }),
    );
    svc.route(
      "GET",
      `${MLW}/${segment}/:name/versions/:version`,
      withWs((w, req) => {
        const v = w[field].get(req.params.name!)?.versions.get(req.params.version!);
        return v ? ok(versionJson(w, w[field].get(req.params.name!)!, v)) : assetNotFound(req);
      }),
    );
    svc.route(
      "PUT",
      `${MLW}/${segment}/:name/versions/:version`,
      withWs((w, req) => {
        const properties = ((req.body ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
        let c = w[field].get(req.params.name!);
        if (!c) {
          c = {
            name: req.params.name!,
            tags: {},
            isArchived: false,
            versions: new Map(),
            createdAt: state.now(),
          };
          w[field].set(c.name, c);
        }
        const existing = c.versions.get(req.params.version!);
        const v = { version: req.params.version!, properties, createdAt: existing?.createdAt ?? state.now() };
        c.versions.set(v.version, v);
        return ok(versionJson(w, c, v), existing ? 200 : 201);
      }),
    );
  }

  // Datastores (credentials without secrets; listSecrets is a logged secret read).
  const datastoreJson = (w: MlWorkspace, name: string, properties: Record<string, unknown>) => ({
    id: `${wsId(w)}/datastores/${name}`,
    name,
    type: "Microsoft.MachineLearningServices/workspaces/datastores",
    systemData: systemData(w.createdAt),
    properties,
  });
  svc.route(
    "GET",
    `${MLW}/datastores`,
    withWs((w, req) =>
      page(req, [...w.datastores.entries()], ([name, d]) => datastoreJson(w, name, d.properties)),
    ),
  );
  svc.route(
    "GET",
    `${MLW}/datastores/:name`,
    withWs((w, req) => {
      const d = w.datastores.get(req.params.name!);
      return d
        ? ok(datastoreJson(w, req.params.name!, d.properties))
        : svc.error(404, "UserError", `Datastore ${req.params.name} not found`);
    }),
  );
  svc.route(
    "PUT",
    `${MLW}/datastores/:name`,
    withWs((w, req) => {
      const properties = ((req.body ?? {}) as { properties?: Record<string, unknown> }).properties ?? {};
      w.datastores.set(req.params.name!, { properties });
      return ok(datastoreJson(w, req.params.name!, properties));
    }),
  );
  svc.route(
    "POST",
    `${MLW}/datastores/:name/listSecrets`,
    withWs((w, req) => {
      const d = w.datastores.get(req.params.name!);
      if (!d) return svc.error(404, "UserError", `Datastore ${req.params.name} not found`);
      state.recordSecretRead("arm", "ml-datastore-secrets", `${wsId(w)}/datastores/${req.params.name}`);
      return ok({ secretsType: "AccountKey", ...(d.secrets ?? {}) });
    }),
  );

  // Computes.
  const computeJson = (
    w: MlWorkspace,
    name: string,
    c: { location: string; properties: Record<string, unknown> },
  ) => ({
    id: `${wsId(w)}/computes/${name}`,
    name,
    type: "Microsoft.MachineLearningServices/workspaces/computes",
    location: c.location,
    systemData: systemData(w.createdAt),
    properties: { provisioningState: "Succeeded", computeLocation: c.location, ...c.properties },
  });
  svc.route(
    "GET",
    `${MLW}/computes`,
    withWs((w, req) => page(req, [...w.computes.entries()], ([name, c]) => computeJson(w, name, c))),
  );
  svc.route(
    "GET",
    `${MLW}/computes/:name`,
    withWs((w, req) => {
      const c = w.computes.get(req.params.name!);
      return c
        ? ok(computeJson(w, req.params.name!, c))
        : svc.error(404, "ResourceNotFound", `Compute ${req.params.name} not found`);
    }),
  );
  svc.route(
    "PUT",
    `${MLW}/computes/:name`,
    withWs((w, req) => {
      const body = (req.body ?? {}) as { location?: string; properties?: Record<string, unknown> };
      const c = { location: body.location ?? w.location, properties: body.properties ?? {} };
      w.computes.set(req.params.name!, c);
      return ok(computeJson(w, req.params.name!, c));
    }),
  );

  // Connections (AI Foundry hubs/projects): metadata only; listsecrets is a logged secret read.
  const connectionJson = (
    w: MlWorkspace,
    c: MlWorkspace["connections"] extends Map<string, infer C> ? C : never,
  ) => ({
    id: `${wsId(w)}/connections/${c.name}`,
    name: c.name,
    type: "Microsoft.MachineLearningServices/workspaces/connections",
    systemData: systemData(w.createdAt),
    properties: {
      authType: c.authType,
      category: c.category,
      target: c.target,
      isSharedToAll: c.isSharedToAll,
      metadata: c.metadata,
      ...(c.credentials ? { credentials: null } : {}),
    },
  });
  svc.route(
    "GET",
    `${MLW}/connections`,
    withWs((w, req) => {
      const category = req.query.get("category");
      const items = [...w.connections.values()].filter(
        (c) => !category || c.category.toLowerCase() === category.toLowerCase(),
      );
      return page(req, items, (c) => connectionJson(w, c));
    }),
  );
  svc.route(
    "GET",
    `${MLW}/connections/:name`,
    withWs((w, req) => {
      const c = w.connections.get(req.params.name!);
      return c
        ? ok(connectionJson(w, c))
        : svc.error(404, "UserError", `Connection ${req.params.name} not found`);
    }),
  );
  svc.route(
    "PUT",
    `${MLW}/connections/:name`,
    withWs((w, req) => {
      const p =
        ((req.body ?? {}) as { properties?: Record<string, string | boolean | Record<string, string>> })
          .properties ?? {};
      const str = (v: unknown, d: string) => (typeof v === "string" ? v : d);
      const c = {
        name: req.params.name!,
        category: str(p.category, "CustomKeys"),
        target: str(p.target, ""),
        authType: str(p.authType, "None"),
        isSharedToAll: p.isSharedToAll === true,
        metadata: (p.metadata ?? {}) as Record<string, string>,
        ...(p.credentials ? { credentials: p.credentials as Record<string, string> } : {}),
      };
      w.connections.set(c.name, c);
      return ok(connectionJson(w, c));
    }),
  );
  svc.route(
    "POST",
    `${MLW}/connections/:name/listsecrets`,
    withWs((w, req) => {
      const c = w.connections.get(req.params.name!);
      if (!c) return svc.error(404, "UserError", `Connection ${req.params.name} not found`);
      state.recordSecretRead("arm", "ml-connection-secrets", `${wsId(w)}/connections/${c.name}`);
      return ok({
        ...connectionJson(w, c),
        properties: { ...connectionJson(w, c).properties, credentials: c.credentials ?? null },
      });
    }),
  );

  // Online endpoints and deployments (read-only).
  svc.route(
    "GET",
    `${MLW}/onlineEndpoints`,
    withWs((w, req) =>
      page(req, [...w.onlineEndpoints.entries()], ([name, e]) => ({
        id: `${wsId(w)}/onlineEndpoints/${name}`,
        name,
        type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        location: w.location,
        properties: e.properties,
      })),
    ),
  );
  svc.route(
    "GET",
    `${MLW}/onlineEndpoints/:endpoint/deployments`,
    withWs((w, req) => {
      const e = w.onlineEndpoints.get(req.params.endpoint!);
      if (!e) return svc.error(404, "UserError", `Endpoint ${req.params.endpoint} not found`);
      return page(req, [...e.deployments.entries()], ([name, properties]) => ({
        id: `${wsId(w)}/onlineEndpoints/${req.params.endpoint}/deployments/${name}`,
        name,
        type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
        location: w.location,
        properties,
      }));
    }),
  );

  // ---- Databricks workspace resources -----------------------------------------------------------
  const dbxJson = (d: ReturnType<typeof state.addDatabricksWorkspace>) => ({
    id: `/subscriptions/${d.subscriptionId}/resourceGroups/${d.resourceGroup}/providers/Microsoft.Databricks/workspaces/${d.name}`,
    name: d.name,
    type: "Microsoft.Databricks/workspaces",
    location: d.location,
    tags: d.tags,
    sku: { name: d.skuName },
    properties: {
      managedResourceGroupId: d.managedResourceGroupId,
      workspaceId: d.workspaceId,
      workspaceUrl: d.workspaceUrl,
      provisioningState: "Succeeded",
      createdDateTime: iso(d.createdAt),
      parameters: { enableNoPublicIp: { type: "Bool", value: true } },
    },
  });
  svc.route("GET", `${SUB}/providers/Microsoft.Databricks/workspaces`, (req) =>
    page(
      req,
      [...state.databricksWorkspaces.values()].filter((d) => d.subscriptionId === req.params.sub),
      dbxJson,
    ),
  );
  svc.route("GET", `${RG}/providers/Microsoft.Databricks/workspaces`, (req) =>
    page(
      req,
      [...state.databricksWorkspaces.values()].filter(
        (d) =>
          d.subscriptionId === req.params.sub &&
          d.resourceGroup.toLowerCase() === req.params.rg!.toLowerCase(),
      ),
      dbxJson,
    ),
  );
  svc.route("GET", `${RG}/providers/Microsoft.Databricks/workspaces/:name`, (req) => {
    const d = [...state.databricksWorkspaces.values()].find(
      (x) =>
        x.subscriptionId === req.params.sub &&
        x.resourceGroup.toLowerCase() === req.params.rg!.toLowerCase() &&
        x.name.toLowerCase() === req.params.name!.toLowerCase(),
    );
    return d ? ok(dbxJson(d)) : notFound("Microsoft.Databricks/workspaces", req.params.name!, req.params.rg);
  });

  // ---- Azure OpenAI / AI Services model deployments (Foundry connections point at them) -------
  svc.route("GET", `${RG}/providers/Microsoft.CognitiveServices/accounts/:account/deployments`, (req) => {
    const id = `/subscriptions/${req.params.sub}/resourceGroups/${req.params.rg}/providers/Microsoft.CognitiveServices/accounts/${req.params.account}`;
    const deployments = state.cognitiveDeployments.get(id.toLowerCase());
    return deployments
      ? page(req, deployments, (d) => d)
      : notFound("Microsoft.CognitiveServices/accounts", req.params.account!, req.params.rg);
  });

  // ---- Key Vault (control plane): the vault resource and its deletion protection ------------
  svc.route("GET", `${RG}/providers/Microsoft.KeyVault/vaults/:vault`, (req) => {
    const v = state.getVault(req.params.vault!);
    if (
      !v ||
      v.subscriptionId !== req.params.sub ||
      v.resourceGroup.toLowerCase() !== req.params.rg!.toLowerCase()
    )
      return notFound("Microsoft.KeyVault/vaults", req.params.vault!, req.params.rg);
    // VaultProperties as in the 2023-07-01 spec: enablePurgeProtection is omitted unless set.
    return ok({
      id: `/subscriptions/${v.subscriptionId}/resourceGroups/${v.resourceGroup}/providers/Microsoft.KeyVault/vaults/${v.name}`,
      name: v.name,
      type: "Microsoft.KeyVault/vaults",
      location: v.location,
      tags: {},
      properties: {
        tenantId: v.tenantId,
        sku: { family: "A", name: "standard" },
        vaultUri: `https://${v.name}.vault.azure.net/`,
        enableSoftDelete: v.enableSoftDelete,
        softDeleteRetentionInDays: v.softDeleteRetentionInDays,
        enableRbacAuthorization: true,
        ...(v.enablePurgeProtection ? { enablePurgeProtection: true } : {}),
        provisioningState: "Succeeded",
        publicNetworkAccess: "Enabled",
      },
    });
  });

  return svc;
}

/** restoreBlobRanges takes at most 10 ranges (BlobRestoreParameters, point-in-time-restore-overview). */
export const MAX_BLOB_RESTORE_RANGES = 10;

/** Whether any range (start inclusive, end exclusive, "" = open) covers a name in `container`. */
function rangesTouchContainer(ranges: BlobRange[], container: string): boolean {
  const lo = `${container}/`;
  const hi = `${container}0`; // "0" sorts right after "/"
  return ranges.some(
    (r) => (r.endRange === "" || r.endRange > lo) && (r.startRange === "" || r.startRange < hi),
  );
}

/** Bring every blob in the ranges back to its state at time `t` (needs versioning history). */
export function restoreRanges(state: AzureState, a: StorageAccount, t: Date, ranges: BlobRange[]): number {
  let changed = 0;
  const inRange = (full: string) =>
    ranges.some(
      (r) => (r.startRange === "" || full >= r.startRange) && (r.endRange === "" || full < r.endRange),
    );
  for (const container of a.containers.values()) {
    for (const blob of [...container.blobs.values()]) {
      if (!inRange(`${container.name}/${blob.name}`)) continue;
      const atT = blob.history.find(
        (v) => v.createdAt.getTime() <= t.getTime() && (!v.endedAt || v.endedAt.getTime() > t.getTime()),
      );
      const current = state.currentVersion(blob);
      if (atT && atT !== current) {
        state.putBlob(a, container.name, blob.name, atT.content, atT.contentType);
        changed++;
      } else if (!atT && current) {
        state.deleteBlob(a, container.name, blob.name);
        changed++;
      }
    }
  }
  return changed;
}
