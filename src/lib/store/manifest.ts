// The snapshot manifest: the commit point of a snapshot and the list of everything in it.
import { createHash } from "node:crypto";
import type { Domain } from "../config/schema.js";

/**
 * Completed: everything listed was captured (skips with reasons allowed). PartiallyFailed: some
 * objects failed. Suspect: complete by its own account, but far smaller than the last good snapshot
 * (the shrink guard); good only once accepted. Failed: the source could not be backed up.
 */
export type SnapshotPhase = "Completed" | "PartiallyFailed" | "Suspect" | "Failed";

export interface ManifestEntry {
  /** Logical path inside the source, e.g. "/Users/a/etl.py" or "jobs/123.json". */
  path: string;
  /** Object kind: NOTEBOOK, FILE, DIRECTORY, job, cluster-policy, catalog, grant… */
  kind: string;
  sha256: string;
  size: number;
  /** Source metadata (object id, modified time, language…): never secret values. */
  meta?: Record<string, unknown>;
}

export interface SkippedEntry {
  path: string;
  kind: string;
  reason: string;
  /**
   * Set when another backup captures the object (a Git folder: the repos of the workspace-config
   * snapshot), so the skip leaves no gap; RPO status does not count it against the snapshot.
   */
  coveredBy?: string;
}

export interface FailedEntry {
  path: string;
  kind: string;
  error: string;
}

/**
 * Listed, then gone before it could be read (deleted during the run) while its parent was still
 * there: not in this snapshot, and not a failure.
 */
export interface VanishedEntry {
  path: string;
  kind: string;
}

export interface ChangeSummary {
  added: string[];
  modified: string[];
  removed: string[];
}

/** What activities stage under parts/ before the commit. */
export interface SnapshotPart {
  entries: ManifestEntry[];
  skipped?: SkippedEntry[];
  failed?: FailedEntry[];
  vanished?: VanishedEntry[];
}

export interface Manifest {
  schemaVersion: 1;
  tool: { name: "azdr"; version: string };
  domain: Domain;
  sourceId: string;
  component: string;
  snapshotId: string;
  startedAt: string;
  endedAt: string;
  phase: SnapshotPhase;
  reasons: string[];
  previousSnapshotId?: string;
  entries: ManifestEntry[];
  skipped: SkippedEntry[];
  failed: FailedEntry[];
  /** Objects deleted during the run (absent in manifests written before this field existed). */
  vanished?: VanishedEntry[];
  counts: Record<string, number>;
  totalBytes: number;
  changes: ChangeSummary;
  /** Free-form per-source summary (e.g. the workspace URL, metastore id). */
  summary?: Record<string, unknown>;
}

export const TOOL_VERSION = "0.1.0";

export function sha256Hex(body: Buffer | string): string {
  return createHash("sha256").update(body).digest("hex");
}

export function countByKind(entries: ManifestEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of entries) counts[entry.kind] = (counts[entry.kind] ?? 0) + 1;
  return counts;
}

/** Added / modified / removed paths between two entry lists (by path, then content hash). */
export function diffEntries(previous: ManifestEntry[] | undefined, current: ManifestEntry[]): ChangeSummary {
  const before = new Map((previous ?? []).map((e) => [e.path, e.sha256]));
  const after = new Set<string>();
  const changes: ChangeSummary = { added: [], modified: [], removed: [] };
  for (const entry of current) {
    after.add(entry.path);
    const old = before.get(entry.path);
    if (old === undefined) changes.added.push(entry.path);
    else if (old !== entry.sha256) changes.modified.push(entry.path);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.removed.push(path);
  return changes;
}
