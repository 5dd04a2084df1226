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
}

// Newest first within a partition: row keys sort ascending, so invert the end time.
const MAX_TIME = 9_999_999_999_999;

export function partitionKey(domain: Domain, sourceId: string, component: string): string {
  return `${domain}~${sourceId}~${component}`;
}

function rowKey(endedAt: string, snapshotId: string): string {
  const inverted = MAX_TIME - new Date(endedAt).getTime();
  return `${String(inverted).padStart(13, "0")}~${snapshotId}`;
}

export function rowFromManifest(manifest: Manifest, manifestSha256: string): SnapshotRow {
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
  };
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
    await this.table.upsert({
      partitionKey: partitionKey(row.domain, row.sourceId, row.component),
      rowKey: rowKey(row.endedAt, row.snapshotId),
      ...row,
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

  async latestGood(domain: Domain, sourceId: string, component: string): Promise<SnapshotRow | undefined> {
    const filter = `PartitionKey eq ${odataString(partitionKey(domain, sourceId, component))} and phase ne 'Failed'`;
    for await (const row of this.table.query(filter, 1)) return fromTable(row);
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
