// The old id → new id record of workspace restores into one target, kept in the backup store (never
// as tags in the customer's jobs and clusters). jobs/create and clusters/create have no idempotency
// token, so each create is bracketed: an intent blob is written first, the new id right after. A
// run that stopped between the two (a crash, a lost response) finds the object it created by name
// among the target's objects created after the intent, and adopts it instead of creating another.
// One blob per fact, its name carrying the fact: a single listing reads the whole ledger.
import type { BackupStore } from "../../store/backup-store.js";
import { REPORTS_CONTAINER, restoreLedgerPrefix } from "../../store/layout.js";

/** Dashboards: so a re-run knows which dashboard at a path this restore made (and may finish). */
export type LedgerKind = "jobs" | "clusters" | "dashboards";
const LEDGER_KINDS: readonly LedgerKind[] = ["jobs", "clusters", "dashboards"];

/** Allowance between the store's clock (intent time) and the workspace's (created time). */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface LedgerFact {
  /** The new id in the target, once recorded. */
  targetId?: string;
  /** When the last create attempt was announced (the intent blob's time), if any. */
  intentAt?: number;
}

/** A target object as the adoption lookup sees it. */
export interface TargetObject {
  id: string;
  name: string;
  /** Creation time in the workspace (jobs: created_time; clusters: start_time), epoch ms. */
  createdAt: number;
}

export class IdLedger {
  private readonly prefix: string;
  private facts: Record<LedgerKind, Map<string, LedgerFact>> | undefined;

  constructor(
    private readonly store: BackupStore,
    source: string,
    target: string,
  ) {
    this.prefix = restoreLedgerPrefix("workspace", source, target);
  }

  private path(kind: LedgerKind, sourceId: string, leaf: string): string {
    return `${this.prefix}${kind}/${encodeURIComponent(sourceId)}/${leaf}`;
  }

  /** Read the whole ledger (one listing). */
  async load(): Promise<this> {
    const facts: Record<LedgerKind, Map<string, LedgerFact>> = {
      jobs: new Map(),
      clusters: new Map(),
      dashboards: new Map(),
    };
    const newest = new Map<string, number>();
    for await (const blob of this.store.blobs.list(REPORTS_CONTAINER, this.prefix)) {
      const [kind, encoded, leaf] = blob.name.slice(this.prefix.length).split("/");
      if (!LEDGER_KINDS.includes(kind as LedgerKind) || !encoded || !leaf) continue;
      const sourceId = decodeURIComponent(encoded);
      const fact = facts[kind as LedgerKind].get(sourceId) ?? {};
      const at = blob.lastModified.getTime();
      if (leaf === "intent") fact.intentAt = at;
      else if (leaf.startsWith("id-")) {
        // Re-created after someone deleted it: the newest record wins.
        const key = `${kind}/${sourceId}`;
        if ((newest.get(key) ?? -1) <= at) {
          newest.set(key, at);
          fact.targetId = decodeURIComponent(leaf.slice(3));
        }
      }
      facts[kind as LedgerKind].set(sourceId, fact);
    }
    this.facts = facts;
    return this;
  }

  private loaded(): Record<LedgerKind, Map<string, LedgerFact>> {
    if (!this.facts) throw new Error("IdLedger.load() first");
    return this.facts;
  }

  fact(kind: LedgerKind, sourceId: string): LedgerFact | undefined {
    return this.loaded()[kind].get(sourceId);
  }

  /** Target ids recorded for any source object: never matched by name for another one. */
  claimed(kind: LedgerKind): Set<string> {
    return new Set(
      [...this.loaded()[kind].values()].map((f) => f.targetId).filter((id): id is string => !!id),
    );
  }

  /** Written before a create: a run that stops before recording the id can still find the object. */
  async intend(kind: LedgerKind, sourceId: string): Promise<void> {
    await this.store.blobs.put(REPORTS_CONTAINER, this.path(kind, sourceId, "intent"), "", "text/plain");
    const fact = this.loaded()[kind].get(sourceId) ?? {};
    fact.intentAt = Date.now();
    this.loaded()[kind].set(sourceId, fact);
  }

  /** Claim a target object for a source object in memory only (plan and validation write nothing). */
  claim(kind: LedgerKind, sourceId: string, targetId: string): void {
    const fact = this.loaded()[kind].get(sourceId) ?? {};
    fact.targetId = targetId;
    this.loaded()[kind].set(sourceId, fact);
  }

  async record(kind: LedgerKind, sourceId: string, targetId: string): Promise<void> {
    await this.store.blobs.put(
      REPORTS_CONTAINER,
      this.path(kind, sourceId, `id-${encodeURIComponent(targetId)}`),
      "",
      "text/plain",
    );
    this.claim(kind, sourceId, targetId);
  }

  /**
   * The target object a source object was restored into, if it still exists: the recorded id, or
   * (an intent without an id) the earliest object of that name created after the intent and not
   * claimed by another source object.
   */
  resolve(
    kind: LedgerKind,
    sourceId: string,
    name: string,
    objects: TargetObject[],
  ): { id: string; how: "recorded" | "adopted" } | undefined {
    const fact = this.fact(kind, sourceId);
    if (!fact) return undefined;
    if (fact.targetId && objects.some((o) => o.id === fact.targetId))
      return { id: fact.targetId, how: "recorded" };
    if (fact.intentAt === undefined) return undefined;
    const claimed = this.claimed(kind);
    const candidates = objects
      .filter((o) => o.name === name && !claimed.has(o.id) && o.createdAt >= fact.intentAt! - CLOCK_SKEW_MS)
      .sort((a, b) => a.createdAt - b.createdAt);
    return candidates[0] ? { id: candidates[0].id, how: "adopted" } : undefined;
  }
}
