// What jobs and clusters share: finding the target object a source one was restored into (the id
// ledger first, then an unclaimed object of the same name), and mapping the policy and pool ids a
// compute spec refers to.
import type { ManifestEntry } from "../../store/manifest.js";
import type { IdMaps } from "../../restore/engine/remap.js";
import { jsonEntryId, nameOf, type WorkspaceRestore } from "./context.js";
import type { IdLedger, LedgerKind, TargetObject } from "./ledger.js";

type Json = Record<string, unknown>;

export type Resolved = { id: string; how: "recorded" | "adopted" | "name" };

/**
 * The target job or cluster a source one corresponds to: the one a restore created for it (ledger),
 * else one of the same name that no restore created for another source object.
 */
export function resolveInTarget(
  ledger: IdLedger,
  kind: LedgerKind,
  sourceId: string,
  name: string,
  objects: TargetObject[],
): Resolved | undefined {
  const ours = ledger.resolve(kind, sourceId, name, objects);
  if (ours) return ours;
  const claimed = ledger.claimed(kind);
  const byName = objects.find((o) => o.name === name && !claimed.has(o.id));
  return byName ? { id: byName.id, how: "name" } : undefined;
}

/**
 * Fill the id map of jobs or clusters from what the target holds. First what restores created
 * (recorded, or adopted after an interrupted create), so a same-named object that belongs to one
 * source object is never matched by name for another; then unclaimed names. Adopted objects are
 * recorded in the ledger during execution (later runs find them directly), claimed in memory else.
 */
export async function learnFromLedger(
  r: WorkspaceRestore,
  kind: "jobs" | "clusters",
  entries: ManifestEntry[],
  objects: TargetObject[],
): Promise<void> {
  const ledger = await r.ledger();
  for (const entry of entries) {
    const sourceId = jsonEntryId(entry.path);
    const ours = ledger.resolve(kind, sourceId, nameOf(entry), objects);
    if (!ours) continue;
    r.ids[kind][sourceId] ??= ours.id;
    if (ours.how === "adopted") {
      if (r.phase === "execute") await ledger.record(kind, sourceId, ours.id);
      else ledger.claim(kind, sourceId, ours.id);
    }
  }
  for (const entry of entries) {
    const sourceId = jsonEntryId(entry.path);
    const found = resolveInTarget(ledger, kind, sourceId, nameOf(entry), objects);
    if (found) r.ids[kind][sourceId] ??= found.id;
  }
}

/** A compute spec with its policy and pool ids mapped to the target's. */
export function remapCompute(spec: Json, ids: IdMaps): Json {
  const out = { ...spec };
  const policy = out["policy_id"];
  if (typeof policy === "string" && ids.policies[policy]) out["policy_id"] = ids.policies[policy];
  for (const key of ["instance_pool_id", "driver_instance_pool_id"]) {
    const pool = out[key];
    if (typeof pool === "string" && ids.pools[pool]) out[key] = ids.pools[pool];
  }
  return out;
}
