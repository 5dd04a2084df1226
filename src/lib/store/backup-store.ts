// The backup store: content-addressed bodies, staged parts, manifests written last, and the index.
// Data first, manifest last (restic): a snapshot without a manifest does not exist for readers.
import { createHash, randomUUID } from "node:crypto";
import { mapLimit } from "../concurrency.js";
import { AzdrError } from "../errors.js";
import { DOMAINS, type Domain } from "../config/schema.js";
import type { BlobStorageClient } from "../clients/storage.js";
import {
  OBJECTS_CONTAINER,
  acceptancePath,
  componentPrefix,
  damagePath,
  domainContainer,
  manifestPath,
  objectPath,
  partPath,
  partsPrefix,
  refFromManifestPath,
  stagingObjectPath,
  type SnapshotRef,
} from "./layout.js";
import {
  TOOL_VERSION,
  countByKind,
  diffEntries,
  sha256Hex,
  type FailedEntry,
  type VanishedEntry,
  type Manifest,
  type ManifestEntry,
  type SkippedEntry,
  type SnapshotPart,
  type SnapshotPhase,
} from "./manifest.js";
import {
  rowFromManifest,
  type SnapshotIndex,
  type SnapshotMarks,
  type SnapshotRow,
} from "./snapshot-index.js";

export interface PutObjectResult {
  sha256: string;
  size: number;
  /** False when an identical body was already stored (dedup). */
  written: boolean;
}

export interface CommitInput {
  startedAt: string;
  endedAt: string;
  /** Reasons that make the snapshot Failed regardless of what was captured (e.g. source unreachable). */
  fatalReasons?: string[];
  /** Reasons that make the snapshot PartiallyFailed (e.g. one export batch failed for good). */
  partialReasons?: string[];
  /** Reasons worth recording that do not fail the snapshot. */
  notes?: string[];
  previousSnapshotId?: string;
  summary?: Record<string, unknown>;
  /**
   * Shrink guard: a snapshot with more than this share fewer objects than the newest good one of
   * the same component is committed as Suspect (config integrity.maxShrinkShare). Omit to disable.
   */
  maxShrinkShare?: number;
}

export interface CommitResult {
  ref: SnapshotRef;
  phase: SnapshotPhase;
  /** Every reason recorded in the manifest (fatal, partial, shrink guard, notes). */
  reasons: string[];
  objectCount: number;
  totalBytes: number;
  manifestSha256: string;
  /** True when the manifest already existed: the commit ran before (activities run at least once). */
  alreadyCommitted: boolean;
}

/**
 * Blob round trips run at once when reading or deleting a snapshot's staged parts and work lists:
 * about two per batch (~100 for 10,000 notebooks), independent of each other, so one after the
 * other they put a hundred round trips on the commit path.
 */
const STAGING_IO_CONCURRENCY = 8;

export class BackupStore {
  constructor(
    readonly blobs: BlobStorageClient,
    readonly index: SnapshotIndex,
  ) {}

  // ---- content-addressed bodies -------------------------------------------------------------

  /** Store a body under its sha256; never overwrites (If-None-Match), so identical bodies are stored once. */
  async putObject(body: Buffer | string, options: { checkFirst?: boolean } = {}): Promise<PutObjectResult> {
    const data = typeof body === "string" ? Buffer.from(body) : body;
    const sha256 = sha256Hex(data);
    const name = objectPath(sha256);
    // checkFirst: a cheap existence check before sending a large body.
    const known = options.checkFirst && (await this.blobs.size(OBJECTS_CONTAINER, name)) !== undefined;
    const exists = known || !(await this.blobs.putIfAbsent(OBJECTS_CONTAINER, name, data));
    if (!exists) return { sha256, size: data.length, written: true };
    // Reused body: refresh its age so garbage collection (which deletes only bodies unmodified since
    // its cutoff) cannot remove it under this snapshot. If GC removed it a moment ago, write it again.
    if ((await this.blobs.touch(OBJECTS_CONTAINER, name)) === "absent") {
      await this.blobs.putIfAbsent(OBJECTS_CONTAINER, name, data);
      return { sha256, size: data.length, written: true };
    }
    return { sha256, size: data.length, written: false };
  }

  /**
   * Store a body of any size from a stream, with flat memory: blocks are uploaded to a staging blob
   * while the sha256 is computed on the fly, then copied server-side to the body's object path
   * (create-only, so dedup holds) and the staging blob is deleted.
   */
  async putObjectStream(source: AsyncIterable<Uint8Array>): Promise<PutObjectResult & { blocks: number }> {
    const hash = createHash("sha256");
    let size = 0;
    async function* hashing() {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    }
    const staging = stagingObjectPath(randomUUID());
    try {
      const { blocks } = await this.blobs.uploadStream(OBJECTS_CONTAINER, staging, hashing());
      const sha256 = hash.digest("hex");
      const name = objectPath(sha256);
      if (await this.blobs.copyIfAbsent(OBJECTS_CONTAINER, staging, name))
        return { sha256, size, written: true, blocks };
      // Reused body: refresh its age against GC, as putObject does; if GC just removed it, copy again.
      if ((await this.blobs.touch(OBJECTS_CONTAINER, name)) === "absent") {
        await this.blobs.copyIfAbsent(OBJECTS_CONTAINER, staging, name);
        return { sha256, size, written: true, blocks };
      }
      return { sha256, size, written: false, blocks };
    } finally {
      await this.blobs.delete(OBJECTS_CONTAINER, staging);
    }
  }

  /** The sha256 and size of a stored body, re-hashed as it streams (flat memory); undefined when absent. */
  async hashObject(sha256: string): Promise<{ sha256: string; size: number } | undefined> {
    const stream = await this.blobs.getStream(OBJECTS_CONTAINER, objectPath(sha256));
    if (!stream) return undefined;
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of stream) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { sha256: hash.digest("hex"), size };
  }

  async hasObject(sha256: string): Promise<boolean> {
    return (await this.blobs.size(OBJECTS_CONTAINER, objectPath(sha256))) !== undefined;
  }

  /** Read a body and check it against its name: a corrupt body is an error, never silently restored. */
  async getObject(sha256: string): Promise<Buffer> {
    const body = await this.blobs.get(OBJECTS_CONTAINER, objectPath(sha256));
    if (!body) throw new AzdrError("NOT_FOUND", `object ${sha256} is missing from the store`);
    const actual = sha256Hex(body);
    if (actual !== sha256)
      throw new AzdrError("CORRUPT", `object ${sha256} is corrupt (content hashes to ${actual})`);
    return body;
  }

  /** Store a JSON document as a body; returns its manifest entry. */
  async putJson(
    path: string,
    kind: string,
    value: unknown,
    meta?: Record<string, unknown>,
  ): Promise<ManifestEntry> {
    const { sha256, size } = await this.putObject(`${JSON.stringify(value, null, 2)}\n`);
    return meta ? { path, kind, sha256, size, meta } : { path, kind, sha256, size };
  }

  async getJson<T>(sha256: string): Promise<T> {
    return JSON.parse((await this.getObject(sha256)).toString("utf8")) as T;
  }

  // ---- staging and commit --------------------------------------------------------------------

  /** Stage one activity's results. Overwrites: a retried activity replaces its own part. */
  async writePart(ref: SnapshotRef, partId: string, part: SnapshotPart): Promise<void> {
    await this.blobs.put(
      domainContainer(ref.domain),
      partPath(ref, partId),
      JSON.stringify(part),
      "application/json",
    );
  }

  async readParts(ref: SnapshotRef): Promise<SnapshotPart[]> {
    const container = domainContainer(ref.domain);
    const names: string[] = [];
    for await (const blob of this.blobs.list(container, partsPrefix(ref))) names.push(blob.name);
    names.sort();
    // Independent reads, a few at a time; mapLimit keeps the sorted order.
    const bodies = await mapLimit(names, STAGING_IO_CONCURRENCY, (name) => this.blobs.get(container, name));
    return bodies
      .filter((body): body is Buffer => body !== undefined)
      .map((body) => JSON.parse(body.toString("utf8")) as SnapshotPart);
  }

  /** Delete every blob under a prefix (staged parts, work lists), a few at a time; idempotent. */
  async deleteUnder(container: string, prefix: string): Promise<number> {
    const names: string[] = [];
    for await (const blob of this.blobs.list(container, prefix)) names.push(blob.name);
    await mapLimit(names, STAGING_IO_CONCURRENCY, (name) => this.blobs.delete(container, name));
    return names.length;
  }

  /**
   * Commit: merge the staged parts, compare with the previous snapshot, write the manifest LAST
   * (create-only), then the index row. Running it twice returns the first commit.
   */
  async commit(ref: SnapshotRef, input: CommitInput): Promise<CommitResult> {
    const container = domainContainer(ref.domain);
    const existing = await this.readManifest(ref);
    if (existing) {
      const sha = sha256Hex(await this.manifestBytes(ref));
      await this.index.upsert(rowFromManifest(existing, sha, await this.readMarks(ref)));
      return this.resultFor(ref, existing, sha, true);
    }
    const parts = await this.readParts(ref);
    const byPath = new Map<string, ManifestEntry>();
    const skipped = new Map<string, SkippedEntry>();
    const failed = new Map<string, FailedEntry>();
    const vanished = new Map<string, VanishedEntry>();
    for (const part of parts) {
      for (const entry of part.entries) byPath.set(entry.path, entry);
      for (const s of part.skipped ?? []) skipped.set(s.path, s);
      for (const f of part.failed ?? []) failed.set(f.path, f);
      for (const v of part.vanished ?? []) vanished.set(v.path, v);
    }
    const entries = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const previous = input.previousSnapshotId
      ? await this.readManifest({ ...ref, snapshotId: input.previousSnapshotId })
      : undefined;
    const fatal = input.fatalReasons ?? [];
    const failedList = [...failed.values()];
    const partial = input.partialReasons ?? [];
    // Failed: the source could not be backed up (even if some entries were captured first), or
    // nothing was captured and something failed. Completed only when nothing failed at all.
    let phase: SnapshotPhase =
      fatal.length > 0 || (entries.length === 0 && failedList.length + partial.length > 0)
        ? "Failed"
        : failedList.length + partial.length > 0
          ? "PartiallyFailed"
          : "Completed";
    const reasons = [...fatal, ...partial];
    if (failedList.length > 0) reasons.push(`${failedList.length} object(s) failed: see failed[]`);
    const shrink = await this.shrinkReason(ref, entries.length, input.maxShrinkShare);
    if (shrink && phase !== "Failed") {
      reasons.push(shrink);
      if (phase === "Completed") phase = "Suspect";
    }
    reasons.push(...(input.notes ?? []));
    const manifest: Manifest = {
      schemaVersion: 1,
      tool: { name: "azdr", version: TOOL_VERSION },
      domain: ref.domain,
      sourceId: ref.sourceId,
      component: ref.component,
      snapshotId: ref.snapshotId,
      startedAt: input.startedAt,
      endedAt: input.endedAt,
      phase,
      reasons,
      ...(previous ? { previousSnapshotId: previous.snapshotId } : {}),
      entries,
      skipped: [...skipped.values()],
      failed: failedList,
      ...(vanished.size > 0 ? { vanished: [...vanished.values()] } : {}),
      counts: countByKind(entries),
      totalBytes: entries.reduce((sum, e) => sum + e.size, 0),
      changes: diffEntries(previous?.entries, entries),
      ...(input.summary ? { summary: input.summary } : {}),
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    const manifestSha = sha256Hex(bytes);
    const written = await this.blobs.putIfAbsent(container, manifestPath(ref), bytes, "application/json");
    if (!written) return this.commit(ref, input); // a concurrent attempt committed first: report that one
    await this.index.upsert(rowFromManifest(manifest, manifestSha, {}));
    await this.deleteUnder(container, partsPrefix(ref));
    return this.resultFor(ref, manifest, manifestSha, false);
  }

  /**
   * The shrink guard: a run that lost more than `maxShare` of the objects of the newest good
   * snapshot is not trusted until someone says the loss was intended (`azdr snapshots accept`).
   */
  private async shrinkReason(
    ref: SnapshotRef,
    objectCount: number,
    maxShare: number | undefined,
  ): Promise<string | undefined> {
    if (maxShare === undefined) return undefined;
    const good = await this.index.latestGood(ref.domain, ref.sourceId, ref.component);
    if (!good || good.snapshotId === ref.snapshotId || good.objectCount === 0) return undefined;
    const lost = good.objectCount - objectCount;
    if (lost / good.objectCount <= maxShare) return undefined;
    const percent = Math.round((lost / good.objectCount) * 100);
    return (
      `shrink guard: ${objectCount} object(s) against ${good.objectCount} in the last good snapshot ${good.snapshotId} ` +
      `(-${percent}%, more than the allowed ${Math.round(maxShare * 100)}%); not good until accepted with ` +
      `\`azdr snapshots accept ${describeRef(ref)}\` if the loss was intended`
    );
  }

  private resultFor(
    ref: SnapshotRef,
    manifest: Manifest,
    manifestSha256: string,
    alreadyCommitted: boolean,
  ): CommitResult {
    return {
      ref,
      phase: manifest.phase,
      reasons: manifest.reasons,
      objectCount: manifest.entries.length,
      totalBytes: manifest.totalBytes,
      manifestSha256,
      alreadyCommitted,
    };
  }

  private async manifestBytes(ref: SnapshotRef): Promise<Buffer> {
    const body = await this.blobs.get(domainContainer(ref.domain), manifestPath(ref));
    if (!body) throw new AzdrError("NOT_FOUND", `snapshot ${describeRef(ref)} has no manifest`);
    return body;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The manifest, or undefined when the snapshot was never committed. Throws CORRUPT when unreadable. */
  async readManifest(ref: SnapshotRef): Promise<Manifest | undefined> {
    return (await this.readManifestWithHash(ref))?.manifest;
  }

  /** The manifest and the sha256 of its bytes (to compare with the index row's manifestSha256). */
  async readManifestWithHash(ref: SnapshotRef): Promise<{ manifest: Manifest; sha256: string } | undefined> {
    const body = await this.blobs.get(domainContainer(ref.domain), manifestPath(ref));
    if (!body) return undefined;
    return { manifest: parseManifest(body, describeRef(ref)), sha256: sha256Hex(body) };
  }

  /**
   * The manifest, refused when its bytes no longer hash to what the index recorded at commit (it
   * was altered or damaged since): restore never trusts a manifest it cannot tie to its commit.
   */
  async requireIntactManifest(ref: SnapshotRef): Promise<Manifest> {
    const read = await this.readManifestWithHash(ref);
    if (!read) throw notCommitted(ref);
    const row = await this.index.find(ref.domain, ref.sourceId, ref.component, ref.snapshotId);
    if (row && row.manifestSha256 !== read.sha256) {
      throw new AzdrError(
        "CORRUPT",
        `snapshot ${describeRef(ref)}: its manifest hashes to ${read.sha256}, but the index recorded ${row.manifestSha256} at commit; ` +
          `the manifest was altered or damaged, so it is not restored from. Check it with \`azdr snapshots verify ${describeRef(ref)}\` and pick another snapshot`,
      );
    }
    return read.manifest;
  }

  /** Acceptance and damage records of a snapshot (what the index row adds to the manifest). */
  async readMarks(ref: SnapshotRef): Promise<SnapshotMarks> {
    const container = domainContainer(ref.domain);
    const [accepted, damaged] = await Promise.all([
      this.blobs.get(container, acceptancePath(ref)),
      this.blobs.get(container, damagePath(ref)),
    ]);
    return {
      ...(accepted ? { accepted: JSON.parse(accepted.toString("utf8")) as SnapshotMarks["accepted"] } : {}),
      ...(damaged ? { damaged: JSON.parse(damaged.toString("utf8")) as SnapshotMarks["damaged"] } : {}),
    };
  }

  /**
   * Accept a Suspect snapshot (the shrink was intended): recorded once, with who and when, next to
   * the manifest; its index row then counts as good. Accepting twice returns the first acceptance.
   */
  async accept(ref: SnapshotRef, by: string, at: Date): Promise<SnapshotRow> {
    const read = await this.readManifestWithHash(ref);
    if (!read) throw notCommitted(ref);
    const { manifest, sha256 } = read;
    if (manifest.phase !== "Suspect") {
      throw new AzdrError(
        "INVALID_INPUT",
        `snapshot ${describeRef(ref)} is ${manifest.phase}, not Suspect: only a snapshot held back by the shrink guard can be accepted` +
          (manifest.phase === "Completed"
            ? " (it is good already)"
            : "; run the backup again once its reasons are fixed"),
      );
    }
    const record = { by, at: at.toISOString() };
    await this.blobs.putIfAbsent(
      domainContainer(ref.domain),
      acceptancePath(ref),
      JSON.stringify(record),
      "application/json",
    );
    const row = rowFromManifest(manifest, sha256, await this.readMarks(ref));
    await this.index.upsert(row);
    return row;
  }

  /** Record that verification found a snapshot damaged: it stops being good, for good. */
  async markDamaged(ref: SnapshotRef, detail: string, at: Date): Promise<void> {
    await this.blobs.putIfAbsent(
      domainContainer(ref.domain),
      damagePath(ref),
      JSON.stringify({ at: at.toISOString(), detail }),
      "application/json",
    );
    const row = await this.index.find(ref.domain, ref.sourceId, ref.component, ref.snapshotId);
    // Keep the row's recorded manifest hash (the manifest may be the damaged part).
    if (row)
      await this.index.upsert({ ...row, damaged: (await this.readMarks(ref)).damaged?.detail ?? detail });
  }

  async requireManifest(ref: SnapshotRef): Promise<Manifest> {
    const manifest = await this.readManifest(ref);
    if (!manifest) throw notCommitted(ref);
    return manifest;
  }

  /** Committed snapshots of one source component, oldest first, read from the blobs (the truth). */
  async listCommitted(domain: Domain, sourceId: string, component: string): Promise<SnapshotRef[]> {
    const refs: SnapshotRef[] = [];
    for await (const blob of this.blobs.list(domainContainer(domain), componentPrefix(sourceId, component))) {
      const ref = refFromManifestPath(domain, blob.name);
      if (ref) refs.push(ref);
    }
    return refs.sort((a, b) => (a.snapshotId < b.snapshotId ? -1 : 1));
  }

  /** The newest good snapshot (Completed, or accepted Suspect; never damaged), from the index. */
  async latestGood(domain: Domain, sourceId: string, component: string): Promise<SnapshotRow | undefined> {
    return this.index.latestGood(domain, sourceId, component);
  }

  /**
   * What an incremental backup carries unchanged entries from: the newest snapshot whose entries
   * are all real, stored bodies. That includes PartiallyFailed and Suspect ones (their failed or
   * missing objects are simply not entries, so the next run exports them again) but never a Failed
   * or damaged one. Being "good" is a separate question (isGood): carrying is not restoring.
   */
  async latestCarryBasis(
    domain: Domain,
    sourceId: string,
    component: string,
  ): Promise<SnapshotRow | undefined> {
    for (const row of await this.index.list({ domain, sourceId, component })) {
      if (row.phase !== "Failed" && !row.damaged) return row;
    }
    return undefined;
  }

  /** Rebuild the index from the manifests: the blobs are the truth. Returns rows written. */
  async rebuildIndex(): Promise<number> {
    let rows = 0;
    for (const domain of DOMAINS) {
      for await (const blob of this.blobs.list(domainContainer(domain))) {
        const ref = refFromManifestPath(domain, blob.name);
        if (!ref) continue;
        const bytes = await this.manifestBytes(ref);
        await this.index.upsert(
          rowFromManifest(
            parseManifest(bytes, describeRef(ref)),
            sha256Hex(bytes),
            await this.readMarks(ref),
          ),
        );
        rows++;
      }
    }
    return rows;
  }
}

export function notCommitted(ref: SnapshotRef): AzdrError {
  return new AzdrError(
    "NOT_FOUND",
    `snapshot ${describeRef(ref)} does not exist or was never committed; list snapshots with \`azdr snapshots list\``,
  );
}

/** Parse manifest bytes; anything that is not a manifest is CORRUPT (never a crash further on). */
export function parseManifest(body: Buffer, what: string): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new AzdrError("CORRUPT", `manifest of ${what} is not valid JSON: ${(error as Error).message}`);
  }
  const manifest = parsed as Partial<Manifest> | null;
  if (!manifest || typeof manifest !== "object" || !Array.isArray(manifest.entries)) {
    throw new AzdrError("CORRUPT", `manifest of ${what} has no entries list: it is damaged`);
  }
  return manifest as Manifest;
}

export function describeRef(ref: SnapshotRef): string {
  return `${ref.domain}/${ref.sourceId}/${ref.component}/${ref.snapshotId}`;
}
