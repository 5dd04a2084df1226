// Verification: the manifest against the hash the index recorded at commit, structural (every
// manifest entry exists with the right size) and deep (re-hash every body, or a random sample),
// naming exactly what is missing or corrupt.
import { OBJECTS_CONTAINER, objectPath, type SnapshotRef } from "./layout.js";
import type { Manifest } from "./manifest.js";
import { mapLimit } from "../concurrency.js";
import { errorMessage } from "../errors.js";
import { describeRef, notCommitted, type BackupStore } from "./backup-store.js";
import type { Domain } from "../config/schema.js";
import { isGood, type SnapshotRow } from "./snapshot-index.js";

/** The path problems about the manifest itself are reported under. */
export const MANIFEST_PROBLEM_PATH = "manifest.json";

export interface VerifyProblem {
  path: string;
  sha256: string;
  /** manifest-mismatch: the manifest's bytes differ from what was committed (altered or damaged). */
  problem: "missing" | "size-mismatch" | "corrupt" | "manifest-mismatch";
  detail: string;
}

export interface VerifyReport {
  ref: SnapshotRef;
  ok: boolean;
  entries: number;
  /** sha256 of the manifest's bytes, compared with the index row's manifestSha256. */
  manifestSha256: string;
  /** False when the snapshot has no index row to compare with (`azdr` can rebuild the index). */
  indexed: boolean;
  /** Bodies checked by size (structural) and by re-hashing (deep). */
  checkedStructure: number;
  checkedContent: number;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** Re-hash bodies: "all", a sample size, or false for structure only. */
  deep?: "all" | number | false;
  /** Random source for sampling (tests pass a seeded one). */
  random?: () => number;
  concurrency?: number;
}

export async function verifySnapshot(
  store: BackupStore,
  ref: SnapshotRef,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  let read: { manifest: Manifest; sha256: string } | undefined;
  try {
    read = await store.readManifestWithHash(ref);
  } catch (error) {
    // Not even a manifest any more: that is corruption to report, not an error to throw.
    const detail = errorMessage(error);
    return {
      ...emptyReport(ref),
      ok: false,
      problems: [{ path: MANIFEST_PROBLEM_PATH, sha256: "", problem: "corrupt", detail }],
    };
  }
  if (!read) throw notCommitted(ref);
  const { manifest, sha256: manifestSha256 } = read;
  const row = await store.index.find(ref.domain, ref.sourceId, ref.component, ref.snapshotId);
  if (row && row.manifestSha256 !== manifestSha256) {
    problems.push({
      path: MANIFEST_PROBLEM_PATH,
      sha256: manifestSha256,
      problem: "manifest-mismatch",
      detail: `the manifest hashes to ${manifestSha256}, the index recorded ${row.manifestSha256} at commit: it was altered or damaged since`,
    });
  }
  const concurrency = options.concurrency ?? 16;
  // One check per distinct body; report every path that uses a bad body.
  const bySha = new Map<string, { size: number; paths: string[] }>();
  for (const entry of manifest.entries) {
    const known = bySha.get(entry.sha256);
    if (known) known.paths.push(entry.path);
    else bySha.set(entry.sha256, { size: entry.size, paths: [entry.path] });
  }
  const report = (sha256: string, problem: VerifyProblem["problem"], detail: string) => {
    for (const path of bySha.get(sha256)?.paths ?? []) problems.push({ path, sha256, problem, detail });
  };
  const present: string[] = [];
  await mapLimit([...bySha.keys()], concurrency, async (sha256) => {
    const expected = bySha.get(sha256)!.size;
    const size = await store.blobs.size(OBJECTS_CONTAINER, objectPath(sha256));
    if (size === undefined) report(sha256, "missing", `body ${objectPath(sha256)} is not in the store`);
    else if (size !== expected)
      report(sha256, "size-mismatch", `body is ${size} bytes, manifest says ${expected}`);
    else present.push(sha256);
  });
  let toHash: string[] = [];
  if (options.deep === "all") toHash = present;
  else if (typeof options.deep === "number") {
    const random = options.random ?? Math.random;
    const pool = [...present];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    toHash = pool.slice(0, options.deep);
  }
  // Streamed re-hash: a body of any size is checked with flat memory.
  await mapLimit(toHash, concurrency, async (sha256) => {
    const hashed = await store.hashObject(sha256);
    if (!hashed)
      return report(sha256, "missing", `body ${objectPath(sha256)} disappeared during verification`);
    if (hashed.sha256 !== sha256) report(sha256, "corrupt", `content hashes to ${hashed.sha256}`);
  });
  problems.sort((a, b) => (a.path < b.path ? -1 : 1));
  return {
    ref,
    ok: problems.length === 0,
    entries: manifest.entries.length,
    manifestSha256,
    indexed: row !== undefined,
    checkedStructure: bySha.size,
    checkedContent: toHash.length,
    problems,
  };
}

function emptyReport(ref: SnapshotRef): VerifyReport {
  return {
    ref,
    ok: true,
    entries: 0,
    manifestSha256: "",
    indexed: false,
    checkedStructure: 0,
    checkedContent: 0,
    problems: [],
  };
}

/** One line naming a report's first problem: for preflight checks, logs and damage records. */
export function describeProblems(report: VerifyReport): string {
  const first = report.problems[0];
  if (!first) return "no problems";
  const more = report.problems.length > 1 ? ` (and ${report.problems.length - 1} more)` : "";
  return `${first.path} is ${first.problem}: ${first.detail}${more}`;
}

export interface StoreVerifyReport {
  ok: boolean;
  snapshots: number;
  /** Snapshots with at least one problem (the reports name them). */
  damaged: VerifyReport[];
  /** Snapshots that could not be checked at all (store error), with the error. */
  errors: { snapshot: string; error: string }[];
  entries: number;
  checkedStructure: number;
  checkedContent: number;
}

/**
 * Committed snapshots in the index (all, or a sample per component; optionally one domain),
 * verified one after the other.
 * `markDamaged` records each damaged one (index flag + damage record) so it stops being good.
 */
export async function verifyStore(
  store: BackupStore,
  options: VerifyOptions & {
    domain?: Domain;
    /** Per component: its newest and newest good snapshot plus this many others at random. Omit for all. */
    sampleSnapshots?: number;
    /** Record each damaged snapshot (at this time) so it stops being good. */
    markDamaged?: Date;
  } = {},
): Promise<StoreVerifyReport> {
  const all = await store.index.list(options.domain ? { domain: options.domain } : {});
  const rows =
    options.sampleSnapshots === undefined
      ? all
      : sampleRows(all, options.sampleSnapshots, options.random ?? Math.random);
  const result: StoreVerifyReport = {
    ok: true,
    snapshots: rows.length,
    damaged: [],
    errors: [],
    entries: 0,
    checkedStructure: 0,
    checkedContent: 0,
  };
  for (const row of rows) {
    const ref = {
      domain: row.domain,
      sourceId: row.sourceId,
      component: row.component,
      snapshotId: row.snapshotId,
    };
    let report: VerifyReport;
    try {
      report = await verifySnapshot(store, ref, options);
    } catch (error) {
      result.errors.push({ snapshot: describeRef(ref), error: errorMessage(error) });
      continue;
    }
    result.entries += report.entries;
    result.checkedStructure += report.checkedStructure;
    result.checkedContent += report.checkedContent;
    if (report.ok) continue;
    result.damaged.push(report);
    if (options.markDamaged && !row.damaged) {
      await store.markDamaged(ref, describeProblems(report), options.markDamaged);
    }
  }
  result.ok = result.damaged.length === 0 && result.errors.length === 0;
  return result;
}

/** The snapshots a sampled check covers: what restore would pick first, plus a random few. */
function sampleRows(rows: SnapshotRow[], others: number, random: () => number): SnapshotRow[] {
  const groups = new Map<string, SnapshotRow[]>();
  for (const row of rows) {
    const key = `${row.domain}/${row.sourceId}/${row.component}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const picked: SnapshotRow[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.endedAt < b.endedAt ? 1 : -1));
    const first = new Set([group[0], group.find(isGood)].filter((r): r is SnapshotRow => r !== undefined));
    const rest = group.filter((r) => !first.has(r));
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    }
    picked.push(...first, ...rest.slice(0, others));
  }
  return picked;
}
