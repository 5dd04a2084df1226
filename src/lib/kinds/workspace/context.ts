// What workspace kind handlers get: the restore context (target client, request, id maps, target
// reads memoised per plan, batch or validation) and the backup context (source client, store,
// previous snapshot). Built by the 7.3 scenario and the workspace backup sources.
import type { DatabricksClient } from "../../clients/databricks.js";
import { databricksApis, type DatabricksApis } from "../../clients/databricks/index.js";
import type { WorkspaceRequest } from "../../restore/catalog.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import type { IdMaps } from "../../restore/engine/remap.js";
import type { Manifests } from "../../restore/engine/steps.js";
import type { SourceContext } from "../../sources/context.js";
import type { SnapshotRef } from "../../store/layout.js";
import type { ManifestEntry } from "../../store/manifest.js";
import type { KindHandler } from "../types.js";
import { IdLedger } from "./ledger.js";

type Json = Record<string, unknown>;

/** The manifests 7.3 restores from (keyed domain/component). */
export const OBJECTS = "databricks/workspace-objects";
export const CONFIG = "databricks/workspace-config";

/** Old → new id maps of a workspace restore: the engine's, plus any a new kind adds. */
export type WorkspaceIds = IdMaps & Partial<Record<string, Record<string, string>>>;

export interface WorkspaceRestore {
  ctx: SourceContext;
  request: WorkspaceRequest;
  /** The target workspace: its typed clients (and `client`, their transport). */
  api: DatabricksApis;
  client: DatabricksClient;
  manifests: Manifests;
  phase: "plan" | "execute" | "validate";
  /** The run's plan id (execute and validate): run-record blobs go under it. */
  planId?: string;
  /** Old → new ids: seeded by the request's rules, learned from the target and by earlier batches. */
  ids: WorkspaceIds;
  /** An id this batch created or took over: kept for later steps and re-runs. */
  learn(kind: string, from: string, to: string): void;
  /** Read something from the target once per plan, batch or validation (keyed by `key`). */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** The old → new record of restores from this source into this target (workspace/ledger.ts). */
  ledger(): Promise<IdLedger>;
}

/** A cache of reads by key: each read runs once, every caller gets its promise. */
function memoiser(): <T>(key: string, read: () => Promise<T>) => Promise<T> {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let hit = cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = read();
      cache.set(key, hit);
    }
    return hit;
  };
}

export function workspaceRestore(
  base: Pick<WorkspaceRestore, "ctx" | "request" | "manifests" | "phase" | "ids" | "planId"> & {
    /** Where learn() also records ids (the run's `learned`), when they must outlive the batch. */
    learned?: Partial<Record<string, Record<string, string>>>;
  },
): WorkspaceRestore {
  const memo = memoiser();
  const { learned, ...rest } = base;
  const client = base.ctx.databricks(base.request.target);
  return {
    ...rest,
    client,
    api: databricksApis(client),
    learn(kind, from, to) {
      (base.ids[kind] ??= {})[from] = to;
      if (learned) (learned[kind] ??= {})[from] = to;
    },
    memo,
    ledger: () =>
      memo("ledger", () => new IdLedger(base.ctx.store, base.request.source, base.request.target).load()),
  };
}

export interface WorkspaceBackup {
  ctx: SourceContext;
  /** The backed-up workspace: its typed clients (and `client`, their transport). */
  api: DatabricksApis;
  client: DatabricksClient;
  /** Its config id. */
  sourceId: string;
  /** The previous snapshot of the same component, for incremental reads. */
  previous?: SnapshotRef;
  /** Read something from the source once per listing (kinds sharing one walk, keyed by `key`). */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
}

export type WorkspaceKind = KindHandler<WorkspaceRestore, WorkspaceBackup>;

// ---- small helpers the handlers share -----------------------------------------------------------

/** `<folder>/<encoded id>.json`, the config snapshot's entry paths. */
export function jsonEntryPath(folder: string, id: string): string {
  return `${folder}/${encodeURIComponent(id)}.json`;
}

export function jsonEntryId(path: string): string {
  return decodeURIComponent(path.replace(/^[^/]+\//, "").replace(/\.json$/, ""));
}

export function nameOf(entry: ManifestEntry): string {
  const name = entry.meta?.["name"];
  return typeof name === "string" ? name : (JSON.stringify(name) ?? "");
}

/**
 * Old → new ids of objects the target already holds under the backup's name (same-named ones, or
 * made by an earlier attempt): `idMap` is the run's map other kinds read references from.
 */
export function learnByName<T>(
  r: WorkspaceRestore,
  idMap: string,
  kind: Pick<WorkspaceKind, "idOf">,
  entries: ManifestEntry[],
  byName: Map<string, T>,
  idOf: (found: T) => string,
): void {
  const map = (r.ids[idMap] ??= {});
  for (const entry of entries) {
    const found = byName.get(nameOf(entry));
    if (found) map[kind.idOf(entry.path)] ??= idOf(found);
  }
}

export function pick(body: Json, keys: string[]): Json {
  const out: Json = {};
  for (const key of keys) if (body[key] !== undefined) out[key] = body[key];
  return out;
}

/** create when absent; when present, update or skip as the request's `existing` says. */
export function existingAction(
  exists: boolean,
  request: WorkspaceRequest,
  what: string,
): Pick<PlanItem, "action" | "reason"> {
  if (!exists) return { action: "create", reason: `not in the target` };
  return request.existing === "update"
    ? { action: "update", reason: `${what} exists in the target and existing=update` }
    : { action: "skip", reason: `${what} already exists in the target (existing=skip)` };
}

/** The plan item of a config entry, without its decision. */
export function itemBase(
  handler: Pick<WorkspaceKind, "step">,
  entry: ManifestEntry,
  target: string,
  sourceId?: string,
): Omit<PlanItem, "action" | "reason"> {
  return {
    step: handler.step.name,
    key: entry.path,
    kind: entry.kind,
    target,
    sha256: entry.sha256,
    ...(sourceId ? { sourceId } : {}),
  };
}

/** The stored body of an entry or item. */
export function bodyOf(r: Pick<WorkspaceRestore, "ctx">, item: { sha256?: string }): Promise<Json> {
  return r.ctx.store.getJson<Json>(item.sha256!);
}

export function workspaceBackup(
  ctx: SourceContext,
  sourceId: string,
  previous?: SnapshotRef,
): WorkspaceBackup {
  const client = ctx.databricks(sourceId);
  return {
    ctx,
    client,
    api: databricksApis(client),
    sourceId,
    ...(previous ? { previous } : {}),
    memo: memoiser(),
  };
}
