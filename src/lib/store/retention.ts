// Retention per domain and garbage collection of bodies no manifest references. GC is safe while
// another snapshot is being written because of a grace period, not a lock: anything younger than
// the grace period (bodies, staged parts) is left alone. Neither may destroy the last good copy:
// the newest good snapshot of each component is kept whatever its age, snapshots pinned by a
// restore are kept, and GC deletes no body while any manifest it cannot read might reference it.
import { DOMAINS, type Domain } from "../config/schema.js";
import {
  OBJECTS_CONTAINER,
  domainContainer,
  isStagingObjectPath,
  manifestPath,
  refFromManifestPath,
  shaFromObjectPath,
  snapshotPrefix,
} from "./layout.js";
import { errorMessage } from "../errors.js";
import type { Manifest, SnapshotPart } from "./manifest.js";
import { describeRef, type BackupStore } from "./backup-store.js";
import { activePins, refKey } from "./pins.js";
import { isGood, type SnapshotRow } from "./snapshot-index.js";

export interface RetentionResult {
  deleted: SnapshotRow[];
  kept: number;
  /** Past retention but kept: the newest good snapshot of its component (the last good copy). */
  keptAsLastGood: SnapshotRow[];
  /** Past retention but kept: a planned, waiting or running restore needs it. */
  keptPinned: SnapshotRow[];
  /** Pin records that could not be read (reported; they protect nothing). */
  unreadablePins: string[];
}

/**
 * Delete snapshots older than their domain's retention, never the newest good snapshot of a
 * source component (or, with none, its newest non-Failed one) and never one a restore has pinned.
 * The manifest goes first (the snapshot stops existing), then its other blobs.
 */
export async function applyRetention(
  store: BackupStore,
  days: Partial<Record<Domain, number>>,
  now: Date,
): Promise<RetentionResult> {
  const rows = await store.index.list();
  const groups = new Map<string, SnapshotRow[]>();
  for (const row of rows) {
    const key = `${row.domain}~${row.sourceId}~${row.component}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const { pins, unreadable } = await activePins(store, now);
  const pinned = new Set(pins.flatMap((pin) => pin.snapshots.map(refKey)));
  const deleted: SnapshotRow[] = [];
  const keptAsLastGood: SnapshotRow[] = [];
  const keptPinned: SnapshotRow[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.endedAt < b.endedAt ? 1 : -1));
    // Only a good snapshot is a copy worth keeping: a newer partial or suspect one does not
    // replace it, so it stays whatever its age. With no good one at all, the best there is stays.
    const newestGood = group.find(isGood) ?? group.find((r) => r.phase !== "Failed");
    for (const row of group) {
      const keepDays = days[row.domain];
      if (keepDays === undefined) continue;
      const ageMs = now.getTime() - new Date(row.endedAt).getTime();
      if (ageMs <= keepDays * 86_400_000) continue;
      if (row === newestGood) {
        keptAsLastGood.push(row);
        continue;
      }
      if (pinned.has(refKey(row))) {
        keptPinned.push(row);
        continue;
      }
      const ref = {
        domain: row.domain,
        sourceId: row.sourceId,
        component: row.component,
        snapshotId: row.snapshotId,
      };
      const container = domainContainer(row.domain);
      await store.blobs.delete(container, manifestPath(ref));
      for await (const blob of store.blobs.list(container, snapshotPrefix(ref))) {
        await store.blobs.delete(container, blob.name);
      }
      await store.index.remove(row);
      deleted.push(row);
    }
  }
  return {
    deleted,
    kept: rows.length - deleted.length,
    keptAsLastGood,
    keptPinned,
    unreadablePins: unreadable,
  };
}

export interface GcResult {
  /** Bodies deleted because no manifest (and no recent staged part) references them. */
  deletedObjects: number;
  deletedBytes: number;
  /** Staged blobs of snapshots that never committed (a crashed write), older than the grace period. */
  deletedUncommitted: string[];
  referencedObjects: number;
  /** Unreferenced but younger than the grace period: perhaps part of a write in progress. */
  youngUnreferenced: number;
  /** Unreferenced but still under immutability (WORM): deleted by a later run. */
  protectedObjects: number;
  /**
   * Manifests that could not be read (damaged, not JSON, unreadable blob), with the error. Any one
   * of them might reference any body, so while there are some, GC deletes no body at all.
   */
  unreadableManifests: { snapshot: string; error: string }[];
}

export async function collectGarbage(
  store: BackupStore,
  options: { graceMs: number; now: Date },
): Promise<GcResult> {
  const cutoff = options.now.getTime() - options.graceMs;
  const referenced = new Set<string>();
  const result: GcResult = {
    deletedObjects: 0,
    deletedBytes: 0,
    deletedUncommitted: [],
    referencedObjects: 0,
    youngUnreferenced: 0,
    protectedObjects: 0,
    unreadableManifests: [],
  };

  for (const domain of DOMAINS) {
    const container = domainContainer(domain);
    // Group blobs by snapshot prefix "<source>/<component>/<snapshot>/".
    const snapshots = new Map<string, { names: string[]; newest: number; committed: boolean }>();
    for await (const blob of store.blobs.list(container)) {
      const prefix = blob.name.split("/").slice(0, 3).join("/");
      const entry = snapshots.get(prefix) ?? { names: [], newest: 0, committed: false };
      entry.names.push(blob.name);
      entry.newest = Math.max(entry.newest, blob.lastModified.getTime());
      if (refFromManifestPath(domain, blob.name)) entry.committed = true;
      snapshots.set(prefix, entry);
    }
    for (const [prefix, snapshot] of snapshots) {
      if (snapshot.committed) {
        const ref = refFromManifestPath(domain, `${prefix}/manifest.json`)!;
        let manifest: Manifest | undefined;
        try {
          manifest = await store.readManifest(ref);
        } catch (error) {
          // Go on with the other snapshots; the body sweep below is skipped.
          result.unreadableManifests.push({ snapshot: describeRef(ref), error: errorMessage(error) });
          continue;
        }
        for (const entry of manifest?.entries ?? []) referenced.add(entry.sha256);
      } else if (snapshot.newest >= cutoff) {
        // A write in progress: its staged parts protect their bodies.
        for (const name of snapshot.names) {
          const body = await store.blobs.get(container, name);
          if (!body || !name.endsWith(".json")) continue;
          try {
            const part = JSON.parse(body.toString("utf8")) as SnapshotPart;
            for (const entry of part.entries ?? []) referenced.add(entry.sha256);
          } catch {
            // not a part: nothing to protect
          }
        }
      } else {
        for (const name of snapshot.names) {
          await store.blobs.delete(container, name);
          result.deletedUncommitted.push(`${container}/${name}`);
        }
      }
    }
  }
  result.referencedObjects = referenced.size;
  // Deleting nothing is the only safe answer when a manifest's references are unknown.
  if (result.unreadableManifests.length > 0) return result;
  for await (const blob of store.blobs.list(OBJECTS_CONTAINER)) {
    // A streamed upload that crashed before moving its body to the object path.
    if (isStagingObjectPath(blob.name) && blob.lastModified.getTime() < cutoff) {
      await store.blobs.delete(OBJECTS_CONTAINER, blob.name);
      result.deletedUncommitted.push(`${OBJECTS_CONTAINER}/${blob.name}`);
      continue;
    }
    const sha = shaFromObjectPath(blob.name);
    if (!sha || referenced.has(sha)) continue;
    if (blob.lastModified.getTime() >= cutoff) {
      result.youngUnreferenced++;
      continue;
    }
    // Conditional: a backup that reused this body since the listing touched it, and keeps it.
    const outcome = await store.blobs.deleteIfUnmodifiedSince(OBJECTS_CONTAINER, blob.name, new Date(cutoff));
    if (outcome === "modified") result.youngUnreferenced++;
    else if (outcome === "protected") result.protectedObjects++;
    else if (outcome === "deleted") {
      result.deletedObjects++;
      result.deletedBytes += blob.size;
    }
  }
  return result;
}
