// The backup side of the Unity Catalog handlers: each securable handler lists its kind (under its
// parent's objects: catalogs → schemas → tables, volumes, functions) and the batches read what it
// listed. A listed object carries its definition as the listing returned it, so reading it costs
// only its grants (and, when it is ISOLATED, its bindings): no GET per object. The backup source
// (src/lib/sources/unity-catalog-source.ts) walks the handlers in registry order and routes batch
// work back by `kind`.
import { collect } from "../../concurrency.js";
import type { BindingSecurableType, UnityCatalogClient } from "../../clients/databricks/index.js";
import type { MetastoreConfig } from "../../config/schema.js";
import type { SourceContext } from "../../sources/context.js";
import type { ManifestEntry, SkippedEntry } from "../../store/manifest.js";
import { bindingsPath, grantsPath, isolationOf, securablePath, type SecurableType } from "./paths.js";

type Json = Record<string, unknown>;

/** What a Unity Catalog backup run gives its handlers: the store, the metastore read and its client. */
export interface UcBackupRun {
  ctx: SourceContext;
  /** The configured metastore (its workspace is the one the backup reads through). */
  metastore: MetastoreConfig;
  uc: UnityCatalogClient;
}

/**
 * One listed securable, read in a batch. Plain JSON (it crosses activity inputs): `kind` names the
 * handler that listed it and reads it, `path` the entry it reads into (named when it fails).
 */
export interface UcWork {
  kind: string;
  path: string;
  type: SecurableType;
  /** Full name (catalog.schema.table), or the name / id for top-level securables. */
  fullName: string;
  /** As the listing returned it (secrets already removed). */
  definition: Json;
}

export interface UcListing {
  work: UcWork[];
  /** Stored by the listing itself (the metastore assignment). */
  entries?: ManifestEntry[];
  skipped?: SkippedEntry[];
  /** Counts and facts for the snapshot summary (numbers are summed across parents). */
  summary?: Record<string, unknown>;
}

/** What a securable's listing found under one parent (securableKind turns it into work). */
export interface SecurableListing {
  found: { fullName: string; definition: Json }[];
  skipped?: SkippedEntry[];
  summary?: Record<string, unknown>;
}

/** A securable's listing, as its SecurableSpec says it (read is the same for every securable). */
export interface SecurableBackup {
  parent?: SecurableType;
  list(b: UcBackupRun, parent?: UcWork): Promise<SecurableListing>;
}

export interface UcKindBackup {
  /** The securable type this kind is listed under, one listing per listed parent; none: once. */
  parent?: SecurableType;
  list(b: UcBackupRun, parent?: UcWork): Promise<UcListing>;
  /** Read one listed object into the store. Errors propagate: the source classifies them. */
  read(b: UcBackupRun, work: UcWork): Promise<ManifestEntry[]>;
}

/** The catalog and schema names a listed schema's children are listed with. */
export function schemaScope(schema: UcWork): { catalogName: string; schemaName: string } {
  const [catalog = "", name = ""] = schema.fullName.split(".");
  return {
    catalogName:
      typeof schema.definition["catalog_name"] === "string" ? schema.definition["catalog_name"] : catalog,
    schemaName: typeof schema.definition["name"] === "string" ? schema.definition["name"] : name,
  };
}

export function ucWork(kind: string, type: SecurableType, fullName: string, definition: Json): UcWork {
  return { kind, path: securablePath(type, fullName), type, fullName, definition };
}

/**
 * Store one listed securable: its definition (with its owner), its grants, and the workspace
 * bindings of an ISOLATED catalog, credential or external location (without them it would come
 * back OPEN: usable from every workspace on the metastore).
 */
export async function readSecurable(b: UcBackupRun, item: UcWork): Promise<ManifestEntry[]> {
  const { store } = b.ctx;
  const grants = await collect(b.uc.listGrants(item.type, item.fullName));
  const entries = [
    await store.putJson(securablePath(item.type, item.fullName), item.type, item.definition, {
      fullName: item.fullName,
      ...(item.definition["owner"] ? { owner: item.definition["owner"] } : {}),
    }),
    await store.putJson(grantsPath(item.type, item.fullName), "grants", {
      securable_type: item.type,
      full_name: item.fullName,
      privilege_assignments: grants,
    }),
  ];
  const isolation = isolationOf(item.type, item.definition);
  if (isolation) {
    const bindings = await collect(b.uc.listBindings(item.type as BindingSecurableType, item.fullName));
    entries.push(
      await store.putJson(bindingsPath(item.type, item.fullName), "bindings", {
        securable_type: item.type,
        full_name: item.fullName,
        isolation_mode: isolation,
        bindings,
      }),
    );
  }
  return entries;
}
