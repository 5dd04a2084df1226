// What the folder, notebook and workspace file handlers share: the workspace-objects snapshot's
// one tree walk (backup), the target's tree (restore, read once per plan, batch or validation),
// and for notebooks and files, which share the `objects` step: planning with the remap rules'
// reach into bodies, importing, and comparing contents by hash.
import type { ImportFormat, NotebookLanguage } from "../../clients/databricks/index.js";
import { mapLimit } from "../../concurrency.js";
import { AzdrError, isAzdrError } from "../../errors.js";
import { actionable, selected, type PlanItem } from "../../restore/engine/plan.js";
import type { ItemsStep, ValidationCheck } from "../../restore/engine/steps.js";
import {
  listTree,
  planWorkspaceBackup,
  workspaceConfigFor,
  workspaceHealth,
  workspaceLabel,
  type WorkspacePlan,
} from "../../sources/databricks-workspace.js";
import { sha256Hex, type FailedEntry, type VanishedEntry } from "../../store/manifest.js";
import { checkSet, some, text } from "../compare.js";
import type { KindListing, KindPlan } from "../types.js";
import { bodyRules, remapBody, rewritesBodies } from "./bodies.js";
import { CONFIG, existingAction, OBJECTS, type WorkspaceBackup, type WorkspaceRestore } from "./context.js";

export type ObjectKind = "DIRECTORY" | "NOTEBOOK" | "FILE";

export const DIRECTORIES_STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "directories",
  title: "Folders",
  why: "Parents first: an import into a missing folder fails.",
};

/** Notebooks and files: one step, one object (kinds that share a step share the same object). */
export const OBJECTS_STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "objects",
  title: "Notebooks and files",
  why: "Jobs and permissions refer to them by path.",
};

/**
 * Which handler an object type of the snapshot belongs to (its listing, its skipped objects): the
 * folder and file handlers their own, the notebook handler (the objects step's first kind) every
 * other type as well (libraries, Git folders, dashboards: skipped with their reason).
 */
export function ownerOf(objectType: string): ObjectKind {
  return objectType === "DIRECTORY" || objectType === "FILE" ? objectType : "NOTEBOOK";
}

// ---- backup -------------------------------------------------------------------------------------

/**
 * The workspace's tree under its backup root, compared with the previous snapshot: listed once per
 * backup run, whichever of the three handlers asks first (the source lists them in turn).
 */
function objectsListing(
  b: WorkspaceBackup,
): Promise<WorkspacePlan & { failed: FailedEntry[]; vanished: VanishedEntry[] }> {
  return b.memo("tree", async () => {
    const workspace = workspaceConfigFor(b.ctx, b.sourceId);
    // As many directories in flight as the export batches use: at a realistic ~200 ms per call, a
    // fixed 8 capped listing at 40/s, below workspace/list's published 50/s. The shared per-family
    // limiter still sets the pace (and caps in-flight requests at the same number).
    const listing = await listTree(b.client, workspace.backupRoot, {
      concurrency: b.ctx.config.limits.maxConcurrentRequests,
      health: workspaceHealth(b.client, workspaceLabel(workspace), workspace.backupRoot),
    });
    const previous = b.previous ? await b.ctx.store.readManifest(b.previous) : undefined;
    return {
      ...planWorkspaceBackup(listing.objects, previous),
      listCalls: listing.calls,
      failed: listing.failed,
      vanished: listing.vanished,
    };
  });
}

/** A handler's share of the tree walk: its entries carried or queued for export, its skipped objects. */
export async function listObjects(b: WorkspaceBackup, kind: ObjectKind): Promise<KindListing> {
  const listing = await objectsListing(b);
  const mine = (e: { kind: string }) => ownerOf(e.kind) === kind;
  const part: KindListing = {
    entries: listing.carried.filter(mine),
    work: listing.toExport.filter(mine),
    skipped: listing.skipped.filter(mine),
  };
  if (kind !== "DIRECTORY") return part;
  // Folders are stored as empty bodies so every entry is verifiable: stored once. The walk's own
  // facts (folders gone while it ran, its calls) are the folder handler's.
  await b.ctx.store.putObject("");
  return {
    ...part,
    failed: listing.failed,
    vanished: listing.vanished,
    summary: { listCalls: listing.listCalls, listed: listing.listed, directories: listing.directories },
  };
}

// ---- restore: the target -------------------------------------------------------------------------

/** The target's workspace tree by path (object type, id, language). */
export type TargetTree = Map<string, { type: string; objectId: number; language?: string }>;

/** The target's tree, read once per plan, batch or validation (permissions read it too). */
export function targetTree(r: WorkspaceRestore): Promise<TargetTree> {
  return r.memo("tree", async () => {
    const paths: TargetTree = new Map();
    const { objects } = await listTree(r.client, "/");
    for (const o of objects)
      if (o.path)
        paths.set(o.path, {
          type: String(o.object_type),
          objectId: Number(o.object_id),
          ...(o.language ? { language: String(o.language) } : {}),
        });
    return paths;
  });
}

// ---- restore: notebooks and files ----------------------------------------------------------------

/**
 * The plan items of notebook or file entries: created, or overwritten / skipped by `existing`, and
 * per object the remap rules' reach into its body (rewritten with rewriteBodies, else the references
 * to the primary it still holds, so nobody is surprised). Then the objects of this handler's types
 * the backup skipped, as unsupported with their reason.
 */
export async function planObjects(
  r: WorkspaceRestore,
  kind: "NOTEBOOK" | "FILE",
  entries: { path: string; kind: string; sha256: string; meta?: Record<string, unknown> }[],
): Promise<KindPlan> {
  const tree = await targetTree(r);
  const rewriting = rewritesBodies(r.request.remap);
  const items = await mapLimit(entries, 16, async (entry): Promise<PlanItem> => {
    const language = entry.meta?.["language"];
    const item: PlanItem = {
      step: OBJECTS_STEP.name,
      key: entry.path,
      kind: entry.kind,
      target: entry.path,
      sha256: entry.sha256,
      ...(typeof language === "string" ? { meta: { language } } : {}),
      ...existingAction(tree.has(entry.path), r.request, kind === "NOTEBOOK" ? "notebook" : "file"),
    };
    if (rewriting && actionable(item)) {
      const { replacements, binary } = remapBody(await r.ctx.store.getObject(entry.sha256), r.request.remap);
      if (replacements > 0 && r.request.rewriteBodies) {
        item.reason += `; body rewritten by the remap rules (${replacements} reference(s))`;
        item.meta = { ...item.meta, rewrites: replacements };
      } else if (replacements > 0) {
        item.reason += `; body still references the primary: ${replacements} reference(s) the remap rules match, not rewritten (rewriteBodies is off)`;
        item.meta = { ...item.meta, primaryReferences: replacements };
      } else if (binary && r.request.rewriteBodies)
        item.reason += "; binary file: restored byte for byte, remap rules not applied";
    }
    return item;
  });
  return { items: [...items, ...unsupportedObjects(r, kind)] };
}

/**
 * The snapshot's skipped objects this handler owns, planned unsupported with the backup's reason:
 * Git folders and AI/BI dashboards only when no config snapshot restores them (repos, dashboards).
 */
function unsupportedObjects(r: WorkspaceRestore, kind: ObjectKind): PlanItem[] {
  const hasConfig = r.manifests[CONFIG] !== undefined;
  return (r.manifests[OBJECTS]?.skipped ?? [])
    .filter((s) => ownerOf(s.kind) === kind && selected(s.path, r.request.include, r.request.exclude))
    .filter((s) => !(hasConfig && (s.kind === "REPO" || s.kind === "DASHBOARD")))
    .map((s) => ({
      step: OBJECTS_STEP.name,
      key: s.path,
      kind: s.kind,
      action: "unsupported" as const,
      reason: `not in the backup: ${s.reason}`,
    }));
}

/** Files a plan note names one by one (the rest are counted). */
const BODY_LIST = 50;

/**
 * The objects step's lines for the whole plan (notebooks and files together): what existing=update
 * overwrites (destructive), and which bodies the remap rules rewrite or leave pointing at the
 * primary, each named with its count (notes: the report's follow-ups too).
 */
export function objectsSummary(items: PlanItem[]): { destructive: string[]; notes: string[] } {
  const objects = items.filter((i) => i.step === OBJECTS_STEP.name).sort((a, b) => (a.key < b.key ? -1 : 1));
  const overwritten = objects.filter((i) => i.action === "update").map((i) => i.key);
  const counted = (field: string) =>
    objects
      .filter((i) => typeof i.meta?.[field] === "number")
      .map((i) => `${i.key} (${text(i.meta![field])})`);
  const rewritten = counted("rewrites");
  const stale = counted("primaryReferences");
  const notes: string[] = [];
  if (rewritten.length > 0)
    notes.push(
      `${rewritten.length} notebook(s)/file(s) are restored with workspace URLs or storage paths rewritten by the remap rules (rewriteBodies; references per file): ${some(rewritten, BODY_LIST)}.`,
    );
  if (stale.length > 0)
    notes.push(
      `${stale.length} notebook(s)/file(s) still reference the primary after the restore: the remap rules apply to job and cluster settings only, not to bodies (references per file): ${some(stale, BODY_LIST)}. Re-run with --rewrite-bodies (rewriteBodies: true) to rewrite them, or edit them by hand.`,
    );
  return {
    destructive: overwritten.length
      ? [
          `${overwritten.length} notebook(s)/file(s) in the target will be OVERWRITTEN (existing=update): ${some(overwritten)}.`,
        ]
      : [],
    notes,
  };
}

/**
 * Import a notebook (SOURCE, with its language) or a file (RAW: with AUTO the service decides by
 * extension and header, and a `.py` file that starts with "# Databricks notebook source" would
 * come back as a notebook without its extension), its body remapped when the request opts in.
 * overwrite=true (existing=update) makes it idempotent; without it an existing path is a skip.
 */
export async function importObject(
  r: WorkspaceRestore,
  item: PlanItem,
): Promise<{ status: "created" | "updated" | "skipped"; detail?: string }> {
  const stored = await r.ctx.store.getObject(item.sha256!);
  const { body, replacements } = remapBody(stored, bodyRules(r.request));
  const notebook = item.kind === "NOTEBOOK";
  const language = item.meta?.["language"];
  if (notebook && typeof language !== "string")
    throw new AzdrError(
      "INVALID_INPUT",
      `notebook ${item.key} has no language in the manifest; cannot import as SOURCE`,
    );
  const format: ImportFormat = notebook ? "SOURCE" : "RAW";
  try {
    await r.api.workspace.import({
      path: item.target!,
      format,
      ...(notebook ? { language: language as NotebookLanguage } : {}),
      content: body.toString("base64"),
      overwrite: item.action === "update",
    });
  } catch (error) {
    if (isAzdrError(error, "ALREADY_EXISTS"))
      return { status: "skipped", detail: "already exists (created by an earlier attempt?)" };
    throw error;
  }
  const stale = item.meta?.["primaryReferences"];
  const detail =
    replacements > 0
      ? `body rewritten (${replacements} reference(s))`
      : typeof stale === "number"
        ? `body still references the primary (${stale} reference(s); rewriteBodies is off)`
        : undefined;
  return { status: item.action === "update" ? "updated" : "created", ...(detail ? { detail } : {}) };
}

// ---- validation ---------------------------------------------------------------------------------

/** Content exports per kind that one validation makes in full; more are sampled. */
export const CONTENT_CHECKS = 2000;

/** Which objects get their content compared: all up to CONTENT_CHECKS, else a sample fixed by hash. */
export function contentSample(items: PlanItem[]): Set<PlanItem> {
  if (items.length <= CONTENT_CHECKS) return new Set(items);
  const rewritten = items.filter((i) => typeof i.meta?.["rewrites"] === "number");
  const rest = items
    .filter((i) => typeof i.meta?.["rewrites"] !== "number")
    .sort((a, b) => (sha256Hex(a.key) < sha256Hex(b.key) ? -1 : 1));
  return new Set([...rewritten, ...rest.slice(0, Math.max(0, CONTENT_CHECKS - rewritten.length))]);
}

/**
 * Bodies by hash, after the remap rules: what the restore meant to write, byte for byte. Every
 * object's presence and type is checked from the listing; contents are exported for all of them up
 * to CONTENT_CHECKS per kind (one validation activity must end well within the host's timeout),
 * beyond that for a sample fixed by hash plus every body the remap rules rewrote.
 */
export async function validateObjects(
  r: WorkspaceRestore,
  kind: "NOTEBOOK" | "FILE",
  planned: PlanItem[],
): Promise<ValidationCheck> {
  const tree = await targetTree(r);
  const exported = contentSample(planned);
  const sampled = exported.size < planned.length ? `, ${exported.size} of ${planned.length} sampled` : "";
  const name =
    kind === "NOTEBOOK"
      ? `notebooks restored (content by hash${sampled})`
      : `files restored (as files, content by hash${sampled})`;
  return checkSet(name, planned, async (item) => {
    const found = tree.get(item.target!);
    if (!found) return "missing";
    if (found.type !== kind)
      return kind === "FILE"
        ? `came back as a ${found.type}, not a file`
        : `is a ${found.type}, not a notebook`;
    const language = item.meta?.["language"];
    if (kind === "NOTEBOOK" && language && found.language !== language)
      return `language ${found.language}, expected ${text(language)}`;
    if (!exported.has(item)) return undefined;
    const response = await r.api.workspace.export(item.target!, kind === "NOTEBOOK" ? "SOURCE" : "AUTO");
    const restored = sha256Hex(Buffer.from(response.content ?? "", "base64"));
    const expected = sha256Hex(
      remapBody(await r.ctx.store.getObject(item.sha256!), bodyRules(r.request)).body,
    );
    return restored === expected ? undefined : "content differs from the backup";
  });
}
