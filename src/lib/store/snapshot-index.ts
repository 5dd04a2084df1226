// The snapshot index (Azure Table): one row per committed snapshot, for "latest good snapshot",
// RPO and retention queries without reading manifests. Rebuildable from the manifests.
import type { Domain } from "../config/schema.js";
import { odataString, type TableRow, type TableStorageClient } from "../clients/storage.js";
import type { Manifest, SnapshotPhase } from "./manifest.js";

export interface SnapshotRow {
  domain: Domain;
  sourceId: string;
  component: string;
  snapshotId: string;
  phase: SnapshotPhase;
  startedAt: string;
  endedAt: string;
  objectCount: number;
  skippedCount: number;
  failedCount: number;
  totalBytes: number;
  manifestSha256: string;
  /** Why the phase is what it is (fatal, partial, shrink, notes): shown wherever the row is. */
  reasons: string[];
  /** Set when an operator accepted a Suspect snapshot (`azdr snapshots accept`). */
  acceptedBy?: string;
  acceptedAt?: string;
  /** Set when a verification found the snapshot damaged (missing/corrupt bodies, altered manifest). */
  damaged?: string;
}

/** Records kept next to a manifest that change what its row says (see layout: accepted, damaged). */
export interface SnapshotMarks {
  accepted?: { by: string; at: string };
  damaged?: { at: string; detail: string };
}

/**
 * "Good" = safe to restore from and to count for RPO and retention: Completed, or Suspect accepted
 * by an operator, and never found damaged. PartiallyFailed and Failed are never good.
 */
export function isGood(row: Pick<SnapshotRow, "phase" | "acceptedBy" | "damaged">): boolean {
  if (row.damaged) return false;
  return row.phase === "Completed" || (row.phase === "Suspect" && Boolean(row.acceptedBy));
}

/** The phase as people should read it: "Suspect (accepted by …)", "Completed (damaged)". */
export function describePhase(row: Pick<SnapshotRow, "phase" | "acceptedBy" | "damaged">): string {
  const marks = [
    ...(row.acceptedBy ? [`accepted by ${row.acceptedBy}`] : []),
    ...(row.damaged ? ["DAMAGED"] : []),
  ];
  return marks.length ? `${row.phase} (${marks.join(", ")})` : row.phase;
}

// Table properties hold at most 64 KiB: keep the reasons short (the manifest has them all).
const MAX_ROW_REASONS = 20;
const MAX_REASON_CHARS = 500;

// Newest first within a partition: row keys sort ascending, so invert the end time.
const MAX_TIME = 9_999_999_999_999;

export function partitionKey(domain: Domain, sourceId: string, component: string): string {
  return `${domain}~${sourceId}~${component}`;
}

function rowKey(endedAt: string, snapshotId: string): string {
  const inverted = MAX_TIME - new Date(endedAt).getTime();
  return `${String(inverted).padStart(13, "0")}~${snapshotId}`;
}

export function rowFromManifest(
  manifest: Manifest,
  manifestSha256: string,
  marks: SnapshotMarks = {},
): SnapshotRow {
  const reasons = manifest.reasons
    .slice(0, MAX_ROW_REASONS)
    .map((r) => (r.length > MAX_REASON_CHARS ? `${r.slice(0, MAX_REASON_CHARS - 1)}…` : r));
  if (manifest.reasons.length > MAX_ROW_REASONS)
    reasons.push(`… ${manifest.reasons.length - MAX_ROW_REASONS} more in the manifest`);
  return {
    domain: manifest.domain,
    sourceId: manifest.sourceId,
    component: manifest.component,
    snapshotId: manifest.snapshotId,
    phase: manifest.phase,
    startedAt: manifest.startedAt,
    endedAt: manifest.endedAt,
    objectCount: manifest.entries.length,
    skippedCount: manifest.skipped.length,
    failedCount: manifest.failed.length,
    totalBytes: manifest.totalBytes,
    manifestSha256,
    reasons,
    ...(marks.accepted ? { acceptedBy: marks.accepted.by, acceptedAt: marks.accepted.at } : {}),
    ...(marks.damaged ? { damaged: marks.damaged.detail } : {}),
  };
}

function parseReasons(value: unknown): string[] {
  if (typeof value !== "string" || value === "") return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [value];
  }
}

function fromTable(row: TableRow): SnapshotRow {
  return {
    domain: row["domain"] as Domain,
    sourceId: String(row["sourceId"]),
    component: String(row["component"]),
    snapshotId: String(row["snapshotId"]),
    phase: row["phase"] as SnapshotPhase,
    startedAt: String(row["startedAt"]),
    endedAt: String(row["endedAt"]),
    objectCount: Number(row["objectCount"]),
    skippedCount: Number(row["skippedCount"]),
    failedCount: Number(row["failedCount"]),
    totalBytes: Number(row["totalBytes"]),
    manifestSha256: String(row["manifestSha256"]),
    reasons: parseReasons(row["reasons"]),
    ...(row["acceptedBy"] ? { acceptedBy: String(row["acceptedBy"]) } : {}),
    ...(row["acceptedAt"] ? { acceptedAt: String(row["acceptedAt"]) } : {}),
    ...(row["damaged"] ? { damaged: String(row["damaged"]) } : {}),
  };
}

export interface IndexQuery {
  domain?: Domain;
  sourceId?: string;
  component?: string;
  /** Only snapshots that ended at or after this time. */
  since?: Date;
}

export class SnapshotIndex {
  constructor(private readonly table: TableStorageClient) {}

  async upsert(row: SnapshotRow): Promise<void> {
    const { reasons, ...rest } = row;
    await this.table.upsert({
      partitionKey: partitionKey(row.domain, row.sourceId, row.component),
      rowKey: rowKey(row.endedAt, row.snapshotId),
      ...rest,
      reasons: JSON.stringify(reasons),
    });
  }

  async remove(row: SnapshotRow): Promise<void> {
    await this.table.delete(
      partitionKey(row.domain, row.sourceId, row.component),
      rowKey(row.endedAt, row.snapshotId),
    );
  }

  /** Newest first within each source component. */
  async list(query: IndexQuery = {}): Promise<SnapshotRow[]> {
    const clauses: string[] = [];
    if (query.domain && query.sourceId && query.component) {
      clauses.push(
        `PartitionKey eq ${odataString(partitionKey(query.domain, query.sourceId, query.component))}`,
      );
    } else {
      if (query.domain) clauses.push(`domain eq ${odataString(query.domain)}`);
      if (query.sourceId) clauses.push(`sourceId eq ${odataString(query.sourceId)}`);
      if (query.component) clauses.push(`component eq ${odataString(query.component)}`);
    }
    if (query.since) clauses.push(`endedAt ge ${odataString(query.since.toISOString())}`);
    const rows: SnapshotRow[] = [];
    for await (const row of this.table.query(clauses.join(" and ") || undefined)) rows.push(fromTable(row));
    return rows;
  }

  /** The newest good snapshot (see isGood): what "latest", RPO and incremental carry build on. */
  async latestGood(domain: Domain, sourceId: string, component: string): Promise<SnapshotRow | undefined> {
    return this.firstMatching(domain, sourceId, component, isGood);
  }

  /** Rows come newest first (row keys invert the end time), so the first match is the newest. */
  private async firstMatching(
    domain: Domain,
    sourceId: string,
    component: string,
    accept: (row: SnapshotRow) => boolean,
  ): Promise<SnapshotRow | undefined> {
    const filter = `PartitionKey eq ${odataString(partitionKey(domain, sourceId, component))}`;
    for await (const row of this.table.query(filter)) {
      const parsed = fromTable(row);
      if (accept(parsed)) return parsed;
    }
    return undefined;
  }

  /** The newest snapshot whatever its phase (RPO status reports a Failed or partial last run). */
  async newest(domain: Domain, sourceId: string, component: string): Promise<SnapshotRow | undefined> {
    const filter = `PartitionKey eq ${odataString(partitionKey(domain, sourceId, component))}`;
    for await (const row of this.table.query(filter, 1)) return fromTable(row);
    return undefined;
  }

  async find(
    domain: Domain,
    sourceId: string,
    component: string,
    snapshotId: string,
  ): Promise<SnapshotRow | undefined> {
    const filter = `PartitionKey eq ${odataString(partitionKey(domain, sourceId, component))} and snapshotId eq ${odataString(snapshotId)}`;
    for await (const row of this.table.query(filter, 1)) return fromTable(row);
    return undefined;
  }
}
