// Every storage path azdr uses, in one place: nothing else builds a container or blob name.
import { AzdrError } from "../errors.js";
import type { Domain } from "../config/schema.js";

/** Content-addressed bodies, shared by every snapshot of every domain. */
export const OBJECTS_CONTAINER = "objects";
/** Restore plans and reports, drill reports. */
export const REPORTS_CONTAINER = "restore-reports";

export interface SnapshotRef {
  domain: Domain;
  /** The config id of what was backed up (workspace, metastore, ML workspace, vault…). */
  sourceId: string;
  /** Which part of the source: workspace-objects, workspace-config, metadata, models… */
  component: string;
  snapshotId: string;
}

const SEGMENT = /^[a-z0-9][a-z0-9.-]*$/;

export function domainContainer(domain: Domain): string {
  return `${domain}-backups`;
}

export function objectPath(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AzdrError("INVALID_INPUT", `not a sha256 digest: ${sha256}`);
  return `sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
}

/** The inverse of objectPath; undefined for names that are not object bodies. */
/**
 * Where a streamed body is written while its sha256 is not known yet; it is copied to its object
 * path at the end. Garbage collection removes staging blobs a crashed upload left behind.
 */
export function stagingObjectPath(id: string): string {
  return `staging/${id}`;
}

export function isStagingObjectPath(name: string): boolean {
  return name.startsWith("staging/");
}

export function shaFromObjectPath(name: string): string | undefined {
  const match = /^sha256\/([0-9a-f]{2})\/([0-9a-f]{62})$/.exec(name);
  return match ? `${match[1]}${match[2]}` : undefined;
}

export function assertRef(ref: SnapshotRef): void {
  for (const [key, value] of [
    ["sourceId", ref.sourceId],
    ["component", ref.component],
    ["snapshotId", ref.snapshotId],
  ] as const) {
    if (!SEGMENT.test(value)) {
      throw new AzdrError(
        "INVALID_INPUT",
        `${key} "${value}" must be lowercase letters, digits, dots and dashes`,
      );
    }
  }
}

export function snapshotPrefix(ref: SnapshotRef): string {
  assertRef(ref);
  return `${ref.sourceId}/${ref.component}/${ref.snapshotId}/`;
}

/** All snapshots of one source component live under this prefix. */
export function componentPrefix(sourceId: string, component: string): string {
  return `${sourceId}/${component}/`;
}

export function manifestPath(ref: SnapshotRef): string {
  return `${snapshotPrefix(ref)}manifest.json`;
}

export function partPath(ref: SnapshotRef, partId: string): string {
  if (!SEGMENT.test(partId))
    throw new AzdrError(
      "INVALID_INPUT",
      `part id "${partId}" must be lowercase letters, digits, dots and dashes`,
    );
  return `${snapshotPrefix(ref)}parts/${partId}.json`;
}

export function partsPrefix(ref: SnapshotRef): string {
  return `${snapshotPrefix(ref)}parts/`;
}

/** An operator's acceptance of a Suspect snapshot (who, when): written once, next to the manifest. */
export function acceptancePath(ref: SnapshotRef): string {
  return `${snapshotPrefix(ref)}accepted.json`;
}

/** A verification that found the snapshot damaged: once damaged, a snapshot is never good again. */
export function damagePath(ref: SnapshotRef): string {
  return `${snapshotPrefix(ref)}damaged.json`;
}

/** Restore pins (in REPORTS_CONTAINER): snapshots a planned, waiting or running restore needs. */
export const PINS_PREFIX = "pins/";

export function pinPath(planId: string): string {
  if (!SEGMENT.test(planId.toLowerCase()))
    throw new AzdrError("INVALID_INPUT", `plan id "${planId}" must be letters, digits, dots and dashes`);
  return `${PINS_PREFIX}${planId}.json`;
}

/** Parse "<source>/<component>/<snapshot>/manifest.json" back into a ref. */
export function refFromManifestPath(domain: Domain, name: string): SnapshotRef | undefined {
  const match = /^([^/]+)\/([^/]+)\/([^/]+)\/manifest\.json$/.exec(name);
  if (!match) return undefined;
  return { domain, sourceId: match[1]!, component: match[2]!, snapshotId: match[3]! };
}

/** Snapshot ids sort by time: 20261126T020000Z, plus an optional suffix. */
export function snapshotIdFor(time: Date, suffix?: string): string {
  const stamp = time
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z")
    .toLowerCase();
  return suffix ? `${stamp}-${suffix}` : stamp;
}

export function reportPath(kind: "plan" | "report" | "drill", id: string, extension: "json" | "md"): string {
  return `${kind}s/${id}.${extension}`;
}

/** Where every report of one kind lives (listing: the dashboard's drill history). */
export function reportsPrefix(kind: "plan" | "report" | "drill"): string {
  return `${kind}s/`;
}

/** Notification state lives beside the reports: dead letters and flood-control windows. */
const NOTIFICATIONS = "notifications";

/** A notification no sink would take after its retry budget (one blob per notification and sink). */
export function notificationDeadLetterPath(at: Date, key: string): string {
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(key))
    throw new AzdrError(
      "INVALID_INPUT",
      `dead-letter key "${key}" must be lowercase letters, digits, dots and dashes`,
    );
  return `${NOTIFICATIONS}/dead-letter/${at.toISOString().slice(0, 10)}/${key}.json`;
}

export const NOTIFICATION_DEAD_LETTER_PREFIX = `${NOTIFICATIONS}/dead-letter/`;

/** Flood control: one window per component and event, keyed by a hash of both. */
export function notificationFloodPath(keyHash: string): string {
  if (!/^[0-9a-f]{16,64}$/.test(keyHash)) throw new AzdrError("INVALID_INPUT", `not a key hash: ${keyHash}`);
  return `${NOTIFICATIONS}/flood/${keyHash}.json`;
}

export const NOTIFICATION_FLOOD_PREFIX = `${NOTIFICATIONS}/flood/`;
/** Everything one restore run records besides its plan and report (results, ids, decision, prior state). */
export function runRecordPath(planId: string, name: string): string {
  return `runs/${planId}/${name}`;
}

/**
 * What restores into one target created, per source object (in REPORTS_CONTAINER): the old id →
 * new id map that lets a later run, or a run resumed after a crash, find its own objects without
 * marking them. Kept per scenario, source and target: ids are only unique within a workspace.
 */
export function restoreLedgerPrefix(scenario: string, source: string, target: string): string {
  for (const [key, value] of [
    ["scenario", scenario],
    ["source", source],
    ["target", target],
  ] as const) {
    if (!SEGMENT.test(value.toLowerCase()))
      throw new AzdrError("INVALID_INPUT", `${key} "${value}" must be letters, digits, dots and dashes`);
  }
  return `ledgers/${scenario}/${source}/${target}/`;
}
