// Verification: structural (every manifest entry exists with the right size) and deep (re-hash
// every body, or a random sample), naming exactly what is missing or corrupt.
import { OBJECTS_CONTAINER, objectPath, type SnapshotRef } from "./layout.js";
import { mapLimit } from "../concurrency.js";
import type { BackupStore } from "./backup-store.js";

export interface VerifyProblem {
  path: string;
  sha256: string;
  problem: "missing" | "size-mismatch" | "corrupt";
  detail: string;
}

export interface VerifyReport {
  ref: SnapshotRef;
  ok: boolean;
  entries: number;
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
  const manifest = await store.requireManifest(ref);
  const problems: VerifyProblem[] = [];
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
    checkedStructure: bySha.size,
    checkedContent: toHash.length,
    problems,
  };
}
