// Kind handlers (Velero's item actions): one module per kind of object azdr backs up and restores.
// A handler owns everything about its kind: where its manifest entries live (both ways), how the
// backup lists and reads it, how a restore reads the target, plans, applies and validates it.
// Backup sources and restore scenarios are orchestration over a registry of handlers. How to add a
// kind: src/lib/kinds/README.md. Generic over the two contexts because each domain (workspace,
// Unity Catalog) passes its own: the restore context (client, request, id maps, memoised target
// reads) and the backup context (client, store, previous snapshot).
import type { PlanItem } from "../restore/engine/plan.js";
import type { ItemResult, ItemsStep, ValidationCheck } from "../restore/engine/steps.js";
import type { FailedEntry, ManifestEntry, SkippedEntry, VanishedEntry } from "../store/manifest.js";

export type KindDomain = "workspace" | "unity-catalog";

/** What azdr does for a kind today: the README coverage table is generated from these. */
export interface KindCoverage {
  backup: boolean;
  restore: boolean;
  /** Validation compares the restored objects with the backup's (not just counts). */
  validated: boolean;
  /** One line for the table: what is left out or how it comes back (no pipes). */
  note?: string;
}

/**
 * A unit of backup work (read one object in a batch activity), routed back to the handler whose
 * `kind` it names. Plain JSON: it crosses activity inputs and orchestration history.
 */
export interface KindWork {
  kind: string;
  /** The manifest entry it reads into: named in the snapshot when it fails or vanished. */
  path: string;
  [field: string]: string | number | boolean | undefined;
}

/** What a kind's backup listing found: entries stored right away, work for the batches. */
export interface KindListing {
  entries: ManifestEntry[];
  work: KindWork[];
  skipped?: SkippedEntry[];
  failed?: FailedEntry[];
  vanished?: VanishedEntry[];
  /** Counts and facts for the snapshot summary (e.g. `{ pools: 3 }`). */
  summary?: Record<string, unknown>;
}

export interface KindBackup<Backup> {
  /** List the kind in the source; store what the listing already holds, queue the rest as work. */
  list(b: Backup): Promise<KindListing>;
  /** Read one queued object into the store. Errors propagate: the source classifies them. */
  read?(b: Backup, work: KindWork): Promise<ManifestEntry[]>;
}

/** A kind's share of a restore plan. */
export interface KindPlan {
  items: PlanItem[];
  /** Irreversible changes, listed for the approver. */
  destructive?: string[];
  notes?: string[];
}

/** The outcome of applying one plan item (the scenario adds step and key). */
export type Applied = Pick<ItemResult, "status" | "detail">;

export interface KindHandler<Restore, Backup> {
  /** The kind as manifest entries record it ("job", "cluster-policy", "NOTEBOOK", "catalog"). */
  kind: string;
  /** Its name in the coverage table and reports ("Job", "Cluster policy"). */
  label: string;
  domain: KindDomain;
  /** The manifest its entries live in, `domain/component` ("databricks/workspace-config"). */
  component: string;
  /** The restore step its items go to; kinds that share a step share the same object. */
  step: ItemsStep;
  coverage: KindCoverage;
  /** The manifest entry path of the object with this source id, and back. */
  entryPath(id: string): string;
  idOf(path: string): string;
  backup?: KindBackup<Backup>;
  /**
   * Fill the run's old → new id maps from what the target already holds (objects a restore made
   * earlier, same-named ones). Optional: kinds nothing refers to by id have none.
   */
  learn?(r: Restore, entries: ManifestEntry[]): Promise<void>;
  /** Whether apply needs every kind's learn() first (it maps references to other kinds' ids). */
  needsIds?: boolean;
  /** Plan this kind's selected manifest entries against the target. */
  plan(r: Restore, entries: ManifestEntry[]): Promise<KindPlan>;
  /** Restore one approved item (idempotent: activities run at least once). */
  apply(r: Restore, item: PlanItem): Promise<Applied>;
  /**
   * Compare what the plan set out to create or update (`planned`: actionable items of this kind)
   * with the target, field by field after the remap rules; every problem names the object and the
   * field. Skipped and unsupported items are the plan's own decisions, never failures.
   */
  validate(r: Restore, planned: PlanItem[]): Promise<ValidationCheck[]>;
}

/** The fields the coverage table reads: any domain's handler has them. */
export type KindCoverageRow = Pick<KindHandler<never, never>, "kind" | "label" | "domain" | "coverage">;
