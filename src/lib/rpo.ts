// RPO status: one row per row of the runbook's RPO table (per configured source), each measured by
// the evidence the runbook's method calls for, plus a row per backup that serves no table row:
//  - backups: the newest snapshot covering everything the row names (skips and failures show);
//  - storage replication: redundancy SKU, geo-replication status and last sync time of the accounts;
//  - soft delete: soft delete and purge protection on every configured vault;
//  - what azdr cannot see (Infrastructure-as-Code in Git) is listed as unmeasured, with the reason.
import { BACKUP_KINDS, type BackupKindInfo } from "./backup/catalog.js";
import type { BackupKind } from "./backup/engine.js";
import type { ArmRef, AzureClients, Json } from "./clients/azure.js";
import { resolveArmResource } from "./config/naming.js";
import type { PlatformConfig } from "./config/schema.js";
import { errorMessage, isAzdrError } from "./errors.js";
import { longestGapHours } from "./schedule.js";
import type { BackupStore } from "./store/backup-store.js";
import { describePhase, isGood, type SnapshotRow } from "./store/snapshot-index.js";

export const RPO_STATES = [
  "fresh",
  "stale",
  "partial",
  "suspect",
  "missing",
  "unmeasured",
  "stale-by-design",
] as const;
export type RpoState = (typeof RPO_STATES)[number];

/** What a row is measured by. */
export type RpoEvidenceKind = "snapshot" | "replication" | "soft-delete" | "none";

export interface RpoRow {
  /** The runbook row's data type, or the backup kind for a backup that serves no runbook row. */
  dataType: string;
  label: string;
  objectiveHours: number;
  /** The runbook's method for the row (or "azdr backup"). */
  method: string;
  measuredBy: RpoEvidenceKind;
  /** The backup kind, for rows measured by snapshots. */
  kind?: BackupKind;
  /** Configured id (workspace, metastore, vault, storage account) or, for datastores, the account name. */
  sourceId?: string;
  state: RpoState;
  /** The evidence, in words: which snapshot, which SKU and sync time, which vault settings. */
  evidence: string;
  latestSnapshotId?: string;
  latestEndedAt?: string;
  /** Age of the evidence: of the snapshot, or of the secondary copy (now − lastSyncTime). */
  ageMinutes?: number;
  /** Why the row is not fresh (or not measured), and what to do about it. */
  detail?: string;
}

/** What rpoStatus reads: the config, the store's index and manifests, and ARM. */
export interface RpoContext {
  config: PlatformConfig;
  store: BackupStore;
  azure: AzureClients;
}

/** Data types measured by something other than azdr's backups (the runbook's method column). */
const EVIDENCE_OF_DATA_TYPE: Record<string, RpoEvidenceKind> = {
  "application-data": "replication",
  "ml-datasets": "replication",
  "key-vault-secrets": "soft-delete",
};

const NOT_MEASURED: Record<string, string> = {
  "infrastructure-as-code": "kept in Git; azdr does not measure it",
};

/** Rows that count: every measured row must be fresh; unmeasured rows say why and do not count. */
export function rpoHealthy(rows: RpoRow[]): boolean {
  return rows.every((r) => r.state === "fresh" || r.state === "unmeasured");
}

/** Backup kinds serving a runbook row, and the others with their configured objective. */
function kindsFor(dataType: string): BackupKindInfo[] {
  return Object.values(BACKUP_KINDS).filter((info) => info.rpoDataTypes.includes(dataType));
}

function componentObjectives(config: PlatformConfig): Array<{ info: BackupKindInfo; hours: number }> {
  const backups = config.objectives.backups as Partial<Record<BackupKind, number>>;
  return Object.values(BACKUP_KINDS)
    .filter((info) => info.rpoDataTypes.length === 0 && backups[info.kind] !== undefined)
    .map((info) => ({ info, hours: backups[info.kind]! }));
}

const minutesBetween = (later: Date, earlier: Date) =>
  Math.max(0, Math.round((later.getTime() - earlier.getTime()) / 60_000));

function hoursText(hours: number): string {
  return Number.isInteger(hours) ? `${hours} h` : `${hours.toFixed(2)} h`;
}

/**
 * Schedules that cannot meet their rows' objectives: a snapshot taken every N hours is up to N hours
 * old just before the next run. Returned as config warnings (logged at startup).
 */
export function scheduleWarnings(config: PlatformConfig): string[] {
  const warnings: string[] = [];
  for (const { info, hours, label } of objectivesOfKinds(config)) {
    if (info.sources(config).length === 0) continue;
    const gap = designGap(config, info, hours);
    if (gap !== undefined) warnings.push(`${label}: ${gap}`);
  }
  return warnings;
}

function objectivesOfKinds(
  config: PlatformConfig,
): Array<{ info: BackupKindInfo; hours: number; label: string }> {
  const out: Array<{ info: BackupKindInfo; hours: number; label: string }> = [];
  for (const objective of config.objectives.rpo) {
    if (EVIDENCE_OF_DATA_TYPE[objective.dataType] || objective.hours <= 0) continue;
    for (const info of kindsFor(objective.dataType))
      out.push({ info, hours: objective.hours, label: objective.label });
  }
  for (const { info, hours } of componentObjectives(config)) out.push({ info, hours, label: info.label });
  return out;
}

/** Why the schedule of a kind cannot meet `hours`, with the fix; undefined when it can. */
function designGap(config: PlatformConfig, info: BackupKindInfo, hours: number): string | undefined {
  const schedule = config.schedules[info.schedule];
  const gap = longestGapHours(schedule);
  if (gap <= hours) return undefined;
  const key = objectiveKey(config, info);
  return (
    `schedules.${info.schedule} ("${schedule}") runs every ${hoursText(gap)}, slower than the ${hoursText(hours)} objective, ` +
    `so the ${info.kind} backup is stale for part of every cycle by design: run it at least every ${hoursText(hours)}` +
    `${key ? ` or raise ${key} to ${hoursText(gap)} if the runbook accepts that` : ""}`
  );
}

/** The config key holding the objective a kind is measured against. */
function objectiveKey(config: PlatformConfig, info: BackupKindInfo): string | undefined {
  const i = config.objectives.rpo.findIndex((o) => info.rpoDataTypes.includes(o.dataType));
  if (i >= 0) return `objectives.rpo[${i}].hours`;
  return info.rpoDataTypes.length === 0 ? `objectives.backups.${info.kind}` : undefined;
}

export async function rpoStatus(ctx: RpoContext, now: Date): Promise<RpoRow[]> {
  const rows: RpoRow[] = [];
  for (const objective of ctx.config.objectives.rpo) {
    const base = {
      dataType: objective.dataType,
      label: objective.label,
      objectiveHours: objective.hours,
      method: objective.method,
    };
    const evidence = EVIDENCE_OF_DATA_TYPE[objective.dataType];
    if (evidence === "replication") {
      rows.push(...(await replicationRows(ctx, base, now)));
      continue;
    }
    if (evidence === "soft-delete") {
      rows.push(...(await softDeleteRows(ctx, base)));
      continue;
    }
    const kinds = kindsFor(objective.dataType);
    const reason = NOT_MEASURED[objective.dataType];
    if (reason || kinds.length === 0) {
      rows.push(
        unmeasured(
          base,
          reason ??
            `azdr has no evidence for data type "${objective.dataType}" (it measures ${[
              ...Object.values(BACKUP_KINDS).flatMap((k) => k.rpoDataTypes),
              ...Object.keys(EVIDENCE_OF_DATA_TYPE),
            ].join(", ")})`,
        ),
      );
      continue;
    }
    if (objective.hours <= 0) {
      rows.push(unmeasured(base, "an objective of 0 hours cannot be met by periodic backups"));
      continue;
    }
    for (const info of kinds) rows.push(...(await snapshotRows(ctx, base, info, now)));
  }
  for (const { info, hours } of componentObjectives(ctx.config)) {
    rows.push(
      ...(await snapshotRows(
        ctx,
        { dataType: info.kind, label: info.label, objectiveHours: hours, method: "azdr backup" },
        info,
        now,
      )),
    );
  }
  return rows;
}

type RowBase = Pick<RpoRow, "dataType" | "label" | "objectiveHours" | "method">;

function unmeasured(base: RowBase, reason: string): RpoRow {
  return { ...base, measuredBy: "none", state: "unmeasured", evidence: "—", detail: reason };
}

// ---- backups -----------------------------------------------------------------------------------

async function snapshotRows(
  ctx: RpoContext,
  base: RowBase,
  info: BackupKindInfo,
  now: Date,
): Promise<RpoRow[]> {
  const sources = info.sources(ctx.config);
  if (!info.source) return [unmeasured(base, `the ${info.kind} backup is not implemented yet`)];
  if (sources.length === 0)
    return [
      {
        ...unmeasured(base, `nothing to back up: no source configured in ${info.configKey}`),
        kind: info.kind,
      },
    ];
  const rows: RpoRow[] = [];
  for (const sourceId of sources) rows.push(await snapshotRow(ctx, base, info, sourceId, now));
  return rows;
}

function listSome(items: string[], max = 3): string {
  return items.length <= max
    ? items.join("; ")
    : `${items.slice(0, max).join("; ")}; and ${items.length - max} more`;
}

async function snapshotRow(
  ctx: RpoContext,
  base: RowBase,
  info: BackupKindInfo,
  sourceId: string,
  now: Date,
): Promise<RpoRow> {
  const { domain, component } = info.source!;
  const row = { ...base, measuredBy: "snapshot" as const, kind: info.kind, sourceId };
  const runIt = `run \`azdr backup ${info.kind} --source ${sourceId}\` and check the ${info.kind} timer (schedules.${info.schedule})`;
  const newest = await ctx.store.index.newest(domain, sourceId, component);
  if (!newest)
    return { ...row, state: "missing", evidence: "no snapshot", detail: `no snapshot yet: ${runIt}` };

  // A Failed (or damaged) last snapshot leaves the previous good one as the evidence, with the
  // failure said; PartiallyFailed and unaccepted Suspect snapshots are the row's state themselves.
  let failedRun: string | undefined;
  let subject: SnapshotRow | undefined = newest;
  if (newest.phase === "Failed" || newest.damaged) {
    failedRun = newest.damaged
      ? `the newest snapshot (${newest.snapshotId}) is damaged: ${newest.damaged}`
      : `the last run (${newest.snapshotId}) Failed: ${await firstReasons(ctx, info, newest)}`;
    subject = await ctx.store.latestGood(domain, sourceId, component);
    if (!subject)
      return {
        ...row,
        state: "missing",
        evidence: `no good snapshot; ${failedRun}`,
        detail: `no good snapshot to restore from: ${runIt}`,
      };
  }
  const ageMinutes = minutesBetween(now, new Date(subject.endedAt));
  const measured = {
    ...row,
    latestSnapshotId: subject.snapshotId,
    latestEndedAt: subject.endedAt,
    ageMinutes,
  };
  // Skips another backup covers (Git folders: the workspace-config repos) leave no gap.
  const gaps =
    subject.skippedCount > 0 ? await uncoveredSkips(ctx, info, subject) : { uncovered: 0, covered: 0 };
  const evidence = `snapshot ${subject.snapshotId} ${describePhase(subject)}, ${subject.objectCount} objects${
    gaps.uncovered ? `, ${gaps.uncovered} skipped` : ""
  }${gaps.covered ? `, ${gaps.covered} kept by another backup` : ""}${
    subject.failedCount ? `, ${subject.failedCount} failed` : ""
  }${failedRun ? `; ${failedRun}` : ""}`;

  if (subject.phase === "Suspect" && !isGood(subject)) {
    return {
      ...measured,
      state: "suspect",
      evidence,
      detail: `the snapshot is Suspect: ${await firstReasons(ctx, info, subject)}; inspect it with \`azdr snapshots show ${domain}/${sourceId}/${component}/${subject.snapshotId}\` and, if the change is real, accept it: \`azdr snapshots accept ${domain}/${sourceId}/${component}/${subject.snapshotId}\``,
    };
  }
  if (subject.phase === "PartiallyFailed" || gaps.uncovered > 0 || subject.failedCount > 0) {
    return {
      ...measured,
      state: "partial",
      evidence,
      detail: `${await whatIsMissing(ctx, info, subject)}; the snapshot does not cover everything the row names`,
    };
  }
  const byDesign = designGap(ctx.config, info, base.objectiveHours);
  if (byDesign) return { ...measured, state: "stale-by-design", evidence, detail: byDesign };
  if (ageMinutes > base.objectiveHours * 60)
    return {
      ...measured,
      state: "stale",
      evidence,
      detail: `the newest good snapshot is ${ageMinutes} min old, over the ${hoursText(base.objectiveHours)} objective${failedRun ? ` (${failedRun})` : ""}: ${runIt}`,
    };
  return { ...measured, state: "fresh", evidence, ...(failedRun ? { detail: failedRun } : {}) };
}

async function manifestOf(ctx: RpoContext, info: BackupKindInfo, row: SnapshotRow) {
  return ctx.store.readManifest({
    domain: info.source!.domain,
    sourceId: row.sourceId,
    component: info.source!.component,
    snapshotId: row.snapshotId,
  });
}

async function firstReasons(ctx: RpoContext, info: BackupKindInfo, row: SnapshotRow): Promise<string> {
  // The index row carries the reasons (shortened); older rows may not: read the manifest then.
  if (row.reasons?.length) return listSome(row.reasons, 2);
  const manifest = await manifestOf(ctx, info, row);
  return manifest?.reasons.length ? listSome(manifest.reasons, 2) : "no reason recorded";
}

async function uncoveredSkips(
  ctx: RpoContext,
  info: BackupKindInfo,
  row: SnapshotRow,
): Promise<{ uncovered: number; covered: number }> {
  const manifest = await manifestOf(ctx, info, row);
  if (!manifest) return { uncovered: row.skippedCount, covered: 0 };
  const covered = manifest.skipped.filter((s) => s.coveredBy).length;
  return { uncovered: manifest.skipped.length - covered, covered };
}

/** What a partial snapshot lacks: skipped and failed objects with their reasons. */
async function whatIsMissing(ctx: RpoContext, info: BackupKindInfo, row: SnapshotRow): Promise<string> {
  const manifest = await manifestOf(ctx, info, row);
  if (!manifest) return `${row.skippedCount} skipped, ${row.failedCount} failed (manifest unreadable)`;
  const parts: string[] = [];
  const skipped = manifest.skipped.filter((s) => !s.coveredBy);
  if (skipped.length)
    parts.push(`${skipped.length} skipped: ${listSome(skipped.map((s) => `${s.path} (${s.reason})`))}`);
  if (manifest.failed.length)
    parts.push(
      `${manifest.failed.length} failed: ${listSome(manifest.failed.map((f) => `${f.path} (${f.error})`))}`,
    );
  const other = manifest.reasons.filter((r) => !/object\(s\) failed: see failed\[\]/.test(r));
  if (manifest.phase === "PartiallyFailed" && other.length) parts.push(listSome(other, 2));
  return parts.join("; ") || `phase ${manifest.phase}`;
}

// ---- storage replication -----------------------------------------------------------------------

interface AccountToCheck {
  /** Row source: the configured id, or the account name for a datastore's account. */
  sourceId: string;
  name: string;
  ref?: ArmRef;
  /** Why this account backs the row (config entry, datastores). */
  via: string;
}

async function replicationRows(ctx: RpoContext, base: RowBase, now: Date): Promise<RpoRow[]> {
  const { accounts, problems } =
    base.dataType === "ml-datasets"
      ? await datastoreAccounts(ctx)
      : { accounts: configuredAccounts(ctx), problems: [] };
  const rows: RpoRow[] = problems.map((p) => ({
    ...base,
    measuredBy: "replication" as const,
    sourceId: p.sourceId,
    state: "missing" as const,
    evidence: "no replication evidence",
    detail: p.detail,
  }));
  if (accounts.length === 0 && rows.length === 0)
    return [
      unmeasured(
        base,
        base.dataType === "ml-datasets"
          ? ctx.config.azureMl.workspaces.length === 0
            ? "no Azure ML workspace configured (azureMl.workspaces): its datastores name the storage to measure"
            : "the Azure ML workspaces have no blob or ADLS datastore"
          : "no storage account configured (storageAccounts)",
      ),
    ];
  for (const account of accounts) rows.push(await replicationRow(ctx, base, account, now));
  return rows;
}

function configuredAccounts(ctx: RpoContext): AccountToCheck[] {
  return ctx.config.storageAccounts.map((entry) => {
    const ref = resolveArmResource(ctx.config, entry, "sharedStorageAccount", "sharedResourceGroup");
    return { sourceId: entry.id, name: ref.name, ref, via: "storageAccounts" };
  });
}

/** The storage accounts behind the Azure ML datastores (where the datasets live). */
async function datastoreAccounts(
  ctx: RpoContext,
): Promise<{ accounts: AccountToCheck[]; problems: Array<{ sourceId: string; detail: string }> }> {
  const byName = new Map<string, AccountToCheck>();
  const problems: Array<{ sourceId: string; detail: string }> = [];
  const configured = new Map(configuredAccounts(ctx).map((a) => [a.name.toLowerCase(), a]));
  for (const entry of ctx.config.azureMl.workspaces) {
    const ws = resolveArmResource(ctx.config, entry, "mlWorkspace", "aiPlatformResourceGroup");
    try {
      for await (const datastore of ctx.azure.ml.listDatastores(ws)) {
        const account = ((datastore["properties"] ?? {}) as Json)["accountName"];
        if (typeof account !== "string") continue;
        const key = account.toLowerCase();
        const known = byName.get(key);
        const name = String(datastore["name"]);
        if (known) known.via += `, ${name}`;
        else {
          const ref = configured.get(key)?.ref;
          byName.set(key, {
            sourceId: account,
            name: account,
            ...(ref ? { ref } : {}),
            via: `datastores of ${entry.id}: ${name}`,
          });
        }
      }
    } catch (error) {
      problems.push({
        sourceId: entry.id,
        detail: `could not list the datastores of Azure ML workspace ${ws.name}: ${errorMessage(error)}`,
      });
    }
  }
  return { accounts: [...byName.values()], problems };
}

const GEO_SKU = /GRS|GZRS/i;

async function replicationRow(
  ctx: RpoContext,
  base: RowBase,
  account: AccountToCheck,
  now: Date,
): Promise<RpoRow> {
  const row = { ...base, measuredBy: "replication" as const, sourceId: account.sourceId };
  let resource: Json;
  try {
    const ref = account.ref ?? (await ctx.azure.storage.findAccount(account.name));
    if (!ref)
      return {
        ...row,
        state: "missing",
        evidence: `account ${account.name} (${account.via})`,
        detail: `storage account ${account.name} is not in subscription ${ctx.azure.subscriptionId}: deleted (runbook 7.2) or out of azdr's reach`,
      };
    resource = await ctx.azure.storage.getAccount(ref);
  } catch (error) {
    return {
      ...row,
      state: "missing",
      evidence: `account ${account.name} (${account.via})`,
      detail: isAzdrError(error, "NOT_FOUND")
        ? `storage account ${account.name} does not exist: deleted? (runbook 7.2)`
        : `could not read storage account ${account.name}: ${errorMessage(error)}`,
    };
  }
  const skuName = ((resource["sku"] ?? {}) as Json)["name"];
  const sku = typeof skuName === "string" ? skuName : "unknown SKU";
  // @azure/arm-storage returns the account's properties flattened onto the resource.
  const properties = resource;
  const primary =
    typeof properties["primaryLocation"] === "string" ? properties["primaryLocation"] : "its region";
  if (!GEO_SKU.test(sku))
    return {
      ...row,
      state: "stale",
      evidence: `${account.name}: ${sku}, no geo-replication (${account.via})`,
      detail: `${account.name} is ${sku}: no copy outside ${primary}, so a regional outage loses its data; convert it to a geo-redundant SKU (Standard_GZRS / Standard_RAGZRS, or GRS)`,
    };
  const stats = (properties["geoReplicationStats"] ?? undefined) as Json | undefined;
  const status = typeof stats?.["status"] === "string" ? stats["status"] : undefined;
  const syncText = typeof stats?.["lastSyncTime"] === "string" ? stats["lastSyncTime"] : undefined;
  const lastSync = syncText ? new Date(syncText) : undefined;
  // The service may return a default (year 1) value when it has no sync point.
  const hasSync =
    lastSync !== undefined && !Number.isNaN(lastSync.getTime()) && lastSync.getUTCFullYear() > 2000;
  const ageMinutes = hasSync ? minutesBetween(now, lastSync) : undefined;
  const evidence = `${account.name}: ${sku}, geo-replication ${status ?? "unknown"}${
    hasSync ? `, last sync ${lastSync.toISOString()}` : ", no last sync time"
  }${stats?.["canFailover"] === false ? ", cannot fail over now" : ""}${
    properties["failoverInProgress"] === true ? ", failover in progress" : ""
  } (${account.via})`;
  const measured = { ...row, evidence, ...(ageMinutes !== undefined ? { ageMinutes } : {}) };
  if (status !== "Live")
    return {
      ...measured,
      state: "stale",
      detail: `geo-replication of ${account.name} is ${status ?? "not reported"}${
        status === "Bootstrap"
          ? " (the first sync to the secondary is still running)"
          : status === "Unavailable"
            ? " (the secondary region is unavailable)"
            : ""
      }: data written since ${hasSync ? lastSync.toISOString() : "the account was made geo-redundant"} is not in the secondary yet`,
    };
  if (!hasSync)
    return {
      ...measured,
      state: "stale",
      detail: `${account.name} reports no last sync time: the secondary's age is unknown`,
    };
  if (ageMinutes! > base.objectiveHours * 60)
    return {
      ...measured,
      state: "stale",
      detail: `the secondary of ${account.name} lags ${ageMinutes} min behind the primary, over the ${hoursText(base.objectiveHours)} objective: a failover now would lose the writes since ${lastSync.toISOString()}`,
    };
  return { ...measured, state: "fresh" };
}

// ---- Key Vault soft delete ---------------------------------------------------------------------

async function softDeleteRows(ctx: RpoContext, base: RowBase): Promise<RpoRow[]> {
  if (ctx.config.keyVaults.length === 0) return [unmeasured(base, "no Key Vault configured (keyVaults)")];
  const rows: RpoRow[] = [];
  for (const entry of ctx.config.keyVaults) {
    const ref = resolveArmResource(ctx.config, entry, "keyVault", "sharedResourceGroup");
    const row = { ...base, measuredBy: "soft-delete" as const, sourceId: entry.id };
    let vault: Json;
    try {
      vault = await ctx.azure.vaults.getVault(ref);
    } catch (error) {
      rows.push({
        ...row,
        state: "missing",
        evidence: `vault ${ref.name}`,
        detail: isAzdrError(error, "NOT_FOUND")
          ? `Key Vault ${ref.name} does not exist in ${ref.resourceGroup}: deleted? (recover it: az keyvault recover --name ${ref.name})`
          : `could not read Key Vault ${ref.name}: ${errorMessage(error)}`,
      });
      continue;
    }
    const p = (vault["properties"] ?? {}) as Json;
    // Per the ARM spec enableSoftDelete defaults to true; purge protection is off unless set.
    const softDelete = p["enableSoftDelete"] !== false;
    const purgeProtection = p["enablePurgeProtection"] === true;
    const days = typeof p["softDeleteRetentionInDays"] === "number" ? p["softDeleteRetentionInDays"] : 90;
    const evidence = `${ref.name}: soft delete ${softDelete ? `on (${days} days)` : "OFF"}, purge protection ${purgeProtection ? "on" : "OFF"}`;
    const fixes: string[] = [];
    if (!softDelete)
      fixes.push(
        `soft delete is off: a deleted secret is gone at once (az keyvault update --name ${ref.name} --enable-soft-delete true)`,
      );
    if (!purgeProtection)
      fixes.push(
        `purge protection is off: a deleted secret can be purged before anyone recovers it (az keyvault update --name ${ref.name} --enable-purge-protection true; irreversible)`,
      );
    rows.push(
      fixes.length
        ? { ...row, state: "stale", evidence, detail: fixes.join("; ") }
        : { ...row, state: "fresh", evidence },
    );
  }
  return rows;
}

// ---- rendering ---------------------------------------------------------------------------------

export function ageText(minutes: number | undefined): string {
  if (minutes === undefined) return "—";
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}

/** Markdown table (demo, drill report). */
export function rpoTable(rows: RpoRow[]): string {
  const lines = [
    "| data | source | objective | measured by | evidence | age | status |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.label} | ${row.sourceId ?? "—"} | ${hoursText(row.objectiveHours)} | ${row.measuredBy} | ${row.evidence} | ${ageText(row.ageMinutes)} | ${row.state.toUpperCase()}${row.detail ? ` (${row.detail})` : ""} |`,
    );
  }
  return lines.join("\n");
}
