// Restore pins: a restore that resolved its snapshots records them here so retention cannot delete
// them (or their bodies) while the restore is planned, waits for approval (up to days) or runs.
// A pin is released when the restore ends, and expires on its own if the restore never says so.
// Release overwrites the record instead of deleting it: the reports container is WORM, where a new
// version is allowed and a delete is not.
import { AzdrError } from "../errors.js";
import { PINS_PREFIX, REPORTS_CONTAINER, pinPath, type SnapshotRef } from "./layout.js";
import type { BackupStore } from "./backup-store.js";

export interface RestorePin {
  planId: string;
  instanceId: string;
  snapshots: SnapshotRef[];
  pinnedAt: string;
  /** After this the pin no longer protects anything (a crashed restore cannot pin forever). */
  expiresAt: string;
  releasedAt?: string;
}

export function refKey(ref: SnapshotRef): string {
  return `${ref.domain}/${ref.sourceId}/${ref.component}/${ref.snapshotId}`;
}

export async function pinSnapshots(
  store: BackupStore,
  pin: Omit<RestorePin, "releasedAt">,
): Promise<RestorePin> {
  if (!(new Date(pin.expiresAt).getTime() > new Date(pin.pinnedAt).getTime())) {
    throw new AzdrError("INVALID_INPUT", `pin of ${pin.planId} expires (${pin.expiresAt}) before it starts`);
  }
  // Idempotent: an activity retried after writing re-writes the same record.
  await store.blobs.put(REPORTS_CONTAINER, pinPath(pin.planId), JSON.stringify(pin), "application/json");
  return pin;
}

/** Release a restore's pin; a pin that was never written (planning failed) is fine. */
export async function releasePin(store: BackupStore, planId: string, at: Date): Promise<boolean> {
  const body = await store.blobs.get(REPORTS_CONTAINER, pinPath(planId));
  if (!body) return false;
  const pin = JSON.parse(body.toString("utf8")) as RestorePin;
  if (pin.releasedAt) return true;
  const released: RestorePin = { ...pin, releasedAt: at.toISOString() };
  await store.blobs.put(REPORTS_CONTAINER, pinPath(planId), JSON.stringify(released), "application/json");
  return true;
}

/** Pins neither released nor expired at `now`. An unreadable pin record protects nothing, but is reported. */
export async function activePins(
  store: BackupStore,
  now: Date,
): Promise<{ pins: RestorePin[]; unreadable: string[] }> {
  const pins: RestorePin[] = [];
  const unreadable: string[] = [];
  for await (const blob of store.blobs.list(REPORTS_CONTAINER, PINS_PREFIX)) {
    const body = await store.blobs.get(REPORTS_CONTAINER, blob.name);
    if (!body) continue;
    let pin: RestorePin;
    try {
      pin = JSON.parse(body.toString("utf8")) as RestorePin;
    } catch {
      unreadable.push(blob.name);
      continue;
    }
    if (pin.releasedAt || !Array.isArray(pin.snapshots)) continue;
    if (new Date(pin.expiresAt).getTime() <= now.getTime()) continue;
    pins.push(pin);
  }
  return { pins, unreadable };
}
