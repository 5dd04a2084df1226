// Runbook 7.3, Databricks workspace recovery: folders, notebooks and files, cluster policies,
// pools, clusters (created terminated), jobs (created paused, references remapped), secret scopes
// and ACLs (no values: backups never hold them), repos, global init scripts and permissions.
// Steps 7.3.1/7.3.2 (redeploy the workspace, assign the metastore) are infrastructure: preflight
// checks them and says what to run.
// Nothing of azdr's is written into the customer's objects: which job or cluster a restore created
// for which source id is kept in the backup store (workspace/ledger.ts), so re-runs stay idempotent.
import type { DatabricksClient } from "../../clients/databricks.js";
import { AzdrError, errorMessage, isAzdrError } from "../../errors.js";
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";
import { sha256Hex, type ManifestEntry } from "../../store/manifest.js";
import type { SourceContext } from "../../sources/context.js";
import { importObject, listTree, mkdirs } from "../../sources/databricks-workspace.js";
import { readPlan } from "../engine/engine.js";
import type {
  ItemResult,
  Manifests,
  PlanStep,
  RestoreScenario,
  RunState as EngineRunState,
  ValidationCheck,
} from "../engine/steps.js";
import { actionable, selected, type PlanItem, type PreflightCheck } from "../engine/plan.js";
import { emptyIdMaps, remapPrincipal, type IdMaps } from "../engine/remap.js";
import type { WorkspaceRequest as RestoreRequest } from "../catalog.js";
import { mapLimit } from "../../concurrency.js";
import { checkSet, some, text } from "../../kinds/compare.js";
import {
  aclDiff,
  describeList,
  directEntries,
  sameAcl,
  toPutBody,
  type AclEntry,
} from "../../kinds/workspace/acl.js";
import { bodyRules, remapBody, rewritesBodies } from "../../kinds/workspace/bodies.js";
import {
  workspaceRestore,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "../../kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceKind, workspaceSteps } from "../../kinds/workspace/index.js";
import { isLegacy } from "../../kinds/workspace/legacy.js";

type Json = Record<string, unknown>;
/** This scenario's id maps (jobs, clusters, policies, pools), namespaced under "workspace" in a run. */
type RunState = EngineRunState<IdMaps>;

/** The manifests this scenario restores from (keyed domain/component). */
const OBJECTS = "databricks/workspace-objects";
const CONFIG = "databricks/workspace-config";

const STEPS: PlanStep[] = workspaceSteps();

/** Files a plan note names one by one (the rest are counted). */
const BODY_LIST = 50;

function workspaceOf(ctx: SourceContext, id: string) {
  const ws = ctx.config.databricks.workspaces.find((w) => w.id === id);
  if (!ws) throw new AzdrError("INVALID_INPUT", `workspace "${id}" is not in databricks.workspaces`);
  return ws;
}

/** The entries of a handler's kind in its manifest (all of them: include/exclude is the caller's). */
function entriesOf(handler: WorkspaceKind, manifests: Manifests): ManifestEntry[] {
  return (manifests[handler.component]?.entries ?? []).filter((e) => e.kind === handler.kind);
}

/** Every handler's learn(): old → new ids of what the target already holds. */
async function learnFromHandlers(r: WorkspaceRestore): Promise<void> {
  for (const handler of WORKSPACE_KINDS)
    if (!isLegacy(handler) && handler.learn) await handler.learn(r, entriesOf(handler, r.manifests));
}

/** The target's workspace tree by path (object type, id, language), read once per plan or validation. */
type TargetTree = Map<string, { type: string; objectId: number; language?: string }>;

function targetTree(r: WorkspaceRestore): Promise<TargetTree> {
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

function existingAction(
  exists: boolean,
  request: RestoreRequest,
  what: string,
): Pick<PlanItem, "action" | "reason"> {
  if (!exists) return { action: "create", reason: `not in the target` };
  return request.existing === "update"
    ? { action: "update", reason: `${what} exists in the target and existing=update` }
    : { action: "skip", reason: `${what} already exists in the target (existing=skip)` };
}

// ---- plan ---------------------------------------------------------------------------------------

/** Where a permissions entry points: its object type and source id (permissions/<type>/<id>.json). */
function permissionOf(entry: { key: string }): { objectType: string; sourceId: string } {
  const [, objectType = "", file = ""] = entry.key.split("/");
  return { objectType, sourceId: decodeURIComponent(file.replace(/\.json$/, "")) };
}

const WORKSPACE_OBJECT_TYPES: Record<string, string> = {
  notebooks: "NOTEBOOK",
  directories: "DIRECTORY",
  files: "FILE",
};

/** The target id an ACL goes on, or undefined when the object is not (yet) in the target. */
async function permissionTarget(
  objectType: string,
  sourceId: string,
  label: string,
  ids: IdMaps,
  objectIdAt: (path: string, type: string) => Promise<number | undefined>,
): Promise<string | undefined> {
  switch (objectType) {
    case "jobs":
      return ids.jobs[sourceId];
    case "clusters":
      return ids.clusters[sourceId];
    case "cluster-policies":
      return ids.policies[sourceId];
    case "instance-pools":
      return ids.pools[sourceId];
    default: {
      const type = WORKSPACE_OBJECT_TYPES[objectType];
      if (!type) return undefined;
      const id = await objectIdAt(label, type);
      return id === undefined ? undefined : String(id);
    }
  }
}

async function currentAcl(client: DatabricksClient, objectType: string, id: string): Promise<AclEntry[]> {
  return directEntries(await client.get<Json>(`/api/2.0/permissions/${objectType}/${id}`));
}

async function plan(ctx: SourceContext, request: RestoreRequest, manifests: Manifests) {
  const r = workspaceRestore({ ctx, request, manifests, phase: "plan", ids: emptyIdMaps(request.remap) });
  const client = r.client;
  const target = { paths: await targetTree(r) };
  const items: PlanItem[] = [];
  const notes: string[] = [];
  const destructive: string[] = [];
  const objects = manifests[OBJECTS];
  const config = manifests[CONFIG];
  const rewriting = rewritesBodies(request.remap);
  let overwrites = 0;

  const objectEntries = (objects?.entries ?? []).filter(
    (e) => e.path !== "/" && selected(e.path, request.include, request.exclude),
  );
  const objectItems = await mapLimit(objectEntries, 16, async (entry): Promise<PlanItem> => {
    if (entry.kind === "DIRECTORY") {
      return {
        step: "directories",
        key: entry.path,
        kind: "DIRECTORY",
        target: entry.path,
        ...(target.paths.has(entry.path)
          ? { action: "skip", reason: "folder exists" }
          : { action: "create", reason: "not in the target" }),
      };
    }
    const decision = existingAction(
      target.paths.has(entry.path),
      request,
      entry.kind === "NOTEBOOK" ? "notebook" : "file",
    );
    const language = entry.meta?.["language"];
    const item: PlanItem = {
      step: "objects",
      key: entry.path,
      kind: entry.kind,
      target: entry.path,
      sha256: entry.sha256,
      ...(typeof language === "string" ? { meta: { language } } : {}),
      ...decision,
    };
    // The remap rules' reach into bodies, per object: rewritten (rewriteBodies), or references to
    // the primary the restored body still holds (so nobody is surprised).
    if (rewriting && actionable(item)) {
      const { replacements, binary } = remapBody(await ctx.store.getObject(entry.sha256), request.remap);
      if (replacements > 0 && request.rewriteBodies) {
        item.reason += `; body rewritten by the remap rules (${replacements} reference(s))`;
        item.meta = { ...item.meta, rewrites: replacements };
      } else if (replacements > 0) {
        item.reason += `; body still references the primary: ${replacements} reference(s) the remap rules match, not rewritten (rewriteBodies is off)`;
        item.meta = { ...item.meta, primaryReferences: replacements };
      } else if (binary && request.rewriteBodies)
        item.reason += "; binary file: restored byte for byte, remap rules not applied";
    }
    return item;
  });
  const rewritten: string[] = [];
  const stale: string[] = [];
  for (const item of objectItems) {
    if (item.action === "update") overwrites++;
    if (typeof item.meta?.["rewrites"] === "number") rewritten.push(`${item.key} (${item.meta["rewrites"]})`);
    if (typeof item.meta?.["primaryReferences"] === "number")
      stale.push(`${item.key} (${item.meta["primaryReferences"]})`);
    items.push(item);
  }
  for (const skipped of objects?.skipped ?? []) {
    if (!selected(skipped.path, request.include, request.exclude)) continue;
    // Git folders (repos step) and AI/BI dashboards (dashboards step) come from the config snapshot.
    if ((skipped.kind === "REPO" || skipped.kind === "DASHBOARD") && config) continue;
    items.push({
      step: "objects",
      key: skipped.path,
      kind: skipped.kind,
      action: "unsupported",
      reason: `not in the backup: ${skipped.reason}`,
    });
  }
  // Notes go to the report's follow-ups too: each file is named there, with its reference count.
  if (rewritten.length > 0)
    notes.push(
      `${rewritten.length} notebook(s)/file(s) are restored with workspace URLs or storage paths rewritten by the remap rules (rewriteBodies; references per file): ${some(rewritten, BODY_LIST)}.`,
    );
  if (stale.length > 0)
    notes.push(
      `${stale.length} notebook(s)/file(s) still reference the primary after the restore: the remap rules apply to job and cluster settings only, not to bodies (references per file): ${some(stale, BODY_LIST)}. Re-run with --rewrite-bodies (rewriteBodies: true) to rewrite them, or edit them by hand.`,
    );

  if (!config) {
    notes.push(
      "No workspace-config snapshot: jobs, policies, pools, clusters, scopes, repos and permissions are not restored. Run `azdr backup workspace` (config) first.",
    );
  }
  // Old → new ids of what already exists, for permissions of existing objects.
  const ids = r.ids;
  await learnFromHandlers(r);
  const permissionEntries = (config?.entries ?? []).filter(
    (e) => e.kind === "permissions" && selected(e.path, request.include, request.exclude),
  );

  // Permissions: a PUT replaces the object's whole direct ACL. Where the object already exists, the
  // plan reads its ACL and says what the PUT takes away and adds.
  const objectIdAt = async (path: string, type: string) => {
    const found = target.paths.get(path);
    return found && found.type === type ? found.objectId : undefined;
  };
  const permissionItems = await mapLimit(
    permissionEntries,
    8,
    async (entry): Promise<{ item: PlanItem; destructive?: string }> => {
      const { objectType, sourceId } = permissionOf({ key: entry.path });
      const label = typeof entry.meta?.["label"] === "string" ? entry.meta["label"] : entry.path;
      const base = {
        step: "permissions",
        key: entry.path,
        kind: entry.kind,
        target: label,
        sha256: entry.sha256,
      };
      const targetId = await permissionTarget(objectType, sourceId, label, ids, objectIdAt);
      if (!targetId)
        return {
          item: {
            ...base,
            action: "update" as const,
            reason:
              "object created by this restore: its direct ACL is set to the backup's (principals remapped)",
          },
        };
      const wanted = directEntries(await ctx.store.getJson<Json>(entry.sha256), (p) =>
        remapPrincipal(p, request.remap),
      );
      const current = await currentAcl(client, objectType, targetId);
      const { lost, gained } = aclDiff(current, wanted);
      if (lost.length === 0 && gained.length === 0)
        return {
          item: { ...base, action: "skip" as const, reason: "direct ACL already equal to the backup's" },
        };
      const change = `before: ${describeList(current)}; after: ${describeList(wanted)}`;
      return {
        item: {
          ...base,
          action: "update" as const,
          reason: lost.length
            ? `REPLACES the existing direct ACL: loses ${describeList(lost)}; gains ${describeList(gained)} (${change})`
            : `adds ${describeList(gained)} to the existing direct ACL (${change})`,
          // What the approver saw: execution refuses to take away anything else.
          meta: { aclBefore: current },
        },
        ...(lost.length
          ? {
              destructive: `ACL of ${label} (${objectType} ${targetId}) REPLACED: loses ${describeList(lost)}; gains ${describeList(gained)}. Before: ${describeList(current)}. After: ${describeList(wanted)}.`,
            }
          : {}),
      };
    },
  );
  for (const { item, destructive: line } of permissionItems) {
    items.push(item);
    if (line) destructive.push(line);
  }
  for (const handler of WORKSPACE_KINDS) {
    if (isLegacy(handler)) continue;
    const entries = entriesOf(handler, manifests).filter((e) =>
      selected(e.path, request.include, request.exclude),
    );
    const planned = await handler.plan(r, entries);
    items.push(...planned.items);
    destructive.push(...(planned.destructive ?? []));
    notes.push(...(planned.notes ?? []));
  }

  if (overwrites > 0)
    destructive.unshift(
      `${overwrites} notebook(s)/file(s) in the target will be OVERWRITTEN (existing=update): ${some(
        items.filter((i) => i.step === "objects" && i.action === "update").map((i) => i.key),
      )}.`,
    );
  // Only existing=update replaces configuration; other updates (stopping a cluster an earlier attempt
  // left running, a pristine family policy's overrides) change nothing a person made.
  const replaced = items.filter(
    (i) =>
      i.action === "update" &&
      !["objects", "permissions", "cluster-policies"].includes(i.step) &&
      !i.reason.startsWith("created by an earlier attempt"),
  );
  if (request.existing === "update" && replaced.length > 0)
    destructive.push(
      `${replaced.length} existing configuration object(s) in the target will be replaced by the backup's settings: ${some(replaced.map((i) => `${i.kind} "${i.target ?? i.key}"`))}.`,
    );
  const replacedPolicies = items.filter(
    (i) =>
      i.step === "cluster-policies" &&
      i.action === "update" &&
      i.reason.includes("exists in the target and existing=update"),
  );
  if (replacedPolicies.length > 0 && request.existing === "update")
    destructive.push(
      `${replacedPolicies.length} cluster polic(y/ies) in the target will be replaced by the backup's: ${some(replacedPolicies.map((i) => `"${i.target}"`))}.`,
    );
  return { items, destructive, notes };
}

async function preflight(ctx: SourceContext, request: RestoreRequest): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const ws = workspaceOf(ctx, request.target);
  const client = ctx.databricks(request.target);
  try {
    await client.get("/api/2.0/workspace/get-status", { path: "/" }, { idempotent: true });
    checks.push({ name: "target workspace reachable", ok: true, blocking: true, detail: ws.url });
  } catch (error) {
    checks.push({
      name: "target workspace reachable",
      ok: false,
      blocking: true,
      detail: `${ws.url}: ${errorMessage(error)}`,
      fix: "runbook 7.3 step 1: redeploy the workspace from Bicep (az deployment group create -g rg-{env}-{project}-databricks --template-file infra/main.bicep), then update databricks.workspaces[].url",
    });
    return checks;
  }
  try {
    const assignment = await client.get<Json>("/api/2.1/unity-catalog/current-metastore-assignment");
    checks.push({
      name: "metastore assigned",
      ok: true,
      blocking: false,
      detail: `metastore ${String(assignment["metastore_id"])}`,
    });
  } catch (error) {
    if (!isAzdrError(error, "NOT_FOUND")) throw error;
    checks.push({
      name: "metastore assigned",
      ok: false,
      blocking: false,
      detail: "the target workspace has no Unity Catalog metastore",
      fix: "runbook 7.3 step 2: assign the metastore (or run the unity-catalog restore, which assigns it); jobs that read UC tables fail until then",
    });
  }
  return checks;
}

// ---- execution ----------------------------------------------------------------------------------

/** Direct (non-inherited) ACL entries, principals remapped, in the PUT shape. */
export function directAcl(acl: Json, request: RestoreRequest): Json[] {
  return toPutBody(directEntries(acl, (p) => remapPrincipal(p, request.remap)));
}

async function objectIdAtPath(
  client: DatabricksClient,
  path: string,
  type: string,
): Promise<number | undefined> {
  try {
    const status = await client.get<Json>("/api/2.0/workspace/get-status", { path });
    return status["object_type"] === type ? Number(status["object_id"]) : undefined;
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) return undefined;
    throw error;
  }
}

async function execute(
  ctx: SourceContext,
  request: RestoreRequest,
  step: string,
  items: PlanItem[],
  run: RunState,
  manifests: Manifests,
): Promise<ItemResult[]> {
  const r = workspaceRestore({
    ctx,
    request,
    manifests,
    phase: "execute",
    ids: run.ids,
    learned: run.learned,
    planId: run.planId,
  });
  const client = r.client;
  // Objects that already existed (skipped, or created by an earlier attempt) still map old → new ids.
  if (WORKSPACE_KINDS.some((k) => k.step.name === step && k.needsIds)) await learnFromHandlers(r);

  const one = async (item: PlanItem): Promise<ItemResult> => {
    const ok = (status: ItemResult["status"], detail?: string): ItemResult => ({
      step,
      key: item.key,
      status,
      ...(detail ? { detail } : {}),
    });
    try {
      const handler = workspaceKind(item.kind);
      if (handler && !isLegacy(handler)) {
        const applied = await handler.apply(r, item);
        return ok(applied.status, applied.detail);
      }
      switch (step) {
        case "directories":
          await mkdirs(client, item.target!);
          return ok("created");
        case "objects": {
          const stored = await ctx.store.getObject(item.sha256!);
          const { body, replacements } = remapBody(stored, bodyRules(request));
          const entry = {
            path: item.key,
            kind: item.kind,
            sha256: item.sha256!,
            size: body.length,
            ...(item.meta ? { meta: item.meta } : {}),
          };
          const outcome = await importObject(client, entry, body, item.target!, item.action === "update");
          const stale = item.meta?.["primaryReferences"];
          const bodyNote =
            replacements > 0
              ? `body rewritten (${replacements} reference(s))`
              : typeof stale === "number"
                ? `body still references the primary (${stale} reference(s); rewriteBodies is off)`
                : undefined;
          return outcome === "exists"
            ? ok("skipped", "already exists (created by an earlier attempt?)")
            : ok(item.action === "update" ? "updated" : "created", bodyNote);
        }
        case "permissions": {
          const acl = await ctx.store.getJson<Json>(item.sha256!);
          const { objectType, sourceId } = permissionOf(item);
          const targetId = await permissionTarget(objectType, sourceId, item.target!, run.ids, (path, type) =>
            objectIdAtPath(client, path, type),
          );
          if (!targetId) return ok("skipped", `${objectType} ${sourceId} was not restored`);
          const wanted = directEntries(acl, (p) => remapPrincipal(p, request.remap));
          const current = await currentAcl(client, objectType, targetId);
          if (sameAcl(current, wanted)) return ok("skipped", "direct ACL already equal to the backup's");
          // The approved plan showed what this PUT takes away; access granted since then is not
          // revoked behind the approver's back.
          const seen = item.meta?.["aclBefore"] as AclEntry[] | undefined;
          const unseen = aclDiff(seen ?? [], aclDiff(current, wanted).lost).gained;
          if (seen && unseen.length)
            return ok(
              "failed",
              `the direct ACL changed since the plan was approved: replacing it now would also remove ${describeList(unseen)}; left as it is (now: ${describeList(current)}). Re-run the restore to plan it again.`,
            );
          // The ACL being replaced goes to the run record first: what an undo needs.
          await ctx.store.blobs.put(
            REPORTS_CONTAINER,
            runRecordPath(run.planId, `prior/permissions/${objectType}/${encodeURIComponent(targetId)}.json`),
            JSON.stringify({
              objectType,
              objectId: targetId,
              label: item.target,
              readAt: new Date().toISOString(),
              access_control_list: toPutBody(current),
            }),
            "application/json",
          );
          await client.request("PUT", `/api/2.0/permissions/${objectType}/${targetId}`, {
            body: { access_control_list: toPutBody(wanted) },
          });
          const { lost } = aclDiff(current, wanted);
          return ok("updated", lost.length ? `replaced; removed ${describeList(lost)}` : undefined);
        }
        default:
          return ok("failed", `unknown step ${step}`);
      }
    } catch (error) {
      if (isAzdrError(error) && error.retryable) throw error;
      return ok("failed", errorMessage(error));
    }
  };

  // Steps ordered serially or by dependency run one at a time in plan order (a job may trigger one
  // created just before); parallel steps run concurrently.
  const ordering = STEPS.find((s) => s.name === step);
  const concurrency =
    ordering?.kind === "items" && ordering.ordering !== "parallel"
      ? 1
      : Math.max(1, ctx.config.limits.maxConcurrentRequests);
  return mapLimit(items, concurrency, one);
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

async function exportedSha(client: DatabricksClient, path: string, format: string): Promise<string> {
  const response = await client.get<{ content?: string }>("/api/2.0/workspace/export", { path, format });
  return sha256Hex(Buffer.from(response.content ?? "", "base64"));
}

async function validate(
  ctx: SourceContext,
  request: RestoreRequest,
  manifests: Manifests,
  run: RunState,
): Promise<ValidationCheck[]> {
  const r = workspaceRestore({
    ctx,
    request,
    manifests,
    phase: "validate",
    ids: run.ids,
    planId: run.planId,
  });
  const client = r.client;
  const target = { paths: await targetTree(r) };
  await learnFromHandlers(r);
  const plan = await readPlan(ctx, run.planId);
  const planned = (step: string, kind?: string) =>
    plan.items.filter((i) => i.step === step && actionable(i) && (!kind || i.kind === kind));
  const checks: ValidationCheck[] = [];

  checks.push(
    await checkSet("folders present", planned("directories"), async (item) =>
      target.paths.get(item.target!)?.type === "DIRECTORY" ? undefined : "missing",
    ),
  );
  // Bodies by hash, after the remap rules: what the restore meant to write, byte for byte. Every
  // object's presence and type is checked from the listing; contents are exported for all of them
  // up to CONTENT_CHECKS per kind (one validation activity must end well within the host's
  // timeout), beyond that for a sample fixed by hash plus every body the remap rules rewrote.
  const expectedSha = async (item: PlanItem) =>
    sha256Hex(remapBody(await ctx.store.getObject(item.sha256!), bodyRules(request)).body);
  const objectCheck = async (kind: "NOTEBOOK" | "FILE") => {
    const items = planned("objects", kind);
    const exported = contentSample(items);
    const what = kind === "NOTEBOOK" ? "notebooks restored" : "files restored (as files";
    const sampled = exported.size < items.length ? `, ${exported.size} of ${items.length} sampled` : "";
    const name =
      kind === "NOTEBOOK" ? `${what} (content by hash${sampled})` : `${what}, content by hash${sampled})`;
    return checkSet(name, items, async (item) => {
      const found = target.paths.get(item.target!);
      if (!found) return "missing";
      if (found.type !== kind)
        return kind === "FILE"
          ? `came back as a ${found.type}, not a file`
          : `is a ${found.type}, not a notebook`;
      const language = item.meta?.["language"];
      if (kind === "NOTEBOOK" && language && found.language !== language)
        return `language ${found.language}, expected ${text(language)}`;
      if (!exported.has(item)) return undefined;
      const format = kind === "NOTEBOOK" ? "SOURCE" : "AUTO";
      return (await exportedSha(client, item.target!, format)) === (await expectedSha(item))
        ? undefined
        : "content differs from the backup";
    });
  };
  checks.push(await objectCheck("NOTEBOOK"));
  checks.push(await objectCheck("FILE"));

  checks.push(
    await checkSet("permissions restored (direct ACL sets)", planned("permissions"), async (item) => {
      const { objectType, sourceId } = permissionOf(item);
      const id = await permissionTarget(objectType, sourceId, item.target!, run.ids, async (path, type) => {
        const found = target.paths.get(path);
        return found?.type === type ? found.objectId : undefined;
      });
      if (!id) return `${objectType} ${sourceId} is not in the target`;
      const wanted = directEntries(await ctx.store.getJson<Json>(item.sha256!), (p) =>
        remapPrincipal(p, request.remap),
      );
      let current: AclEntry[];
      try {
        current = await currentAcl(client, objectType, id);
      } catch (error) {
        if (isAzdrError(error, "NOT_FOUND")) return `${objectType} ${id} is not in the target`;
        throw error;
      }
      const { lost, gained } = aclDiff(current, wanted);
      if (!lost.length && !gained.length) return undefined;
      return `${objectType} ${id}: ${gained.length ? `lacks ${describeList(gained)}` : ""}${gained.length && lost.length ? "; " : ""}${lost.length ? `also has ${describeList(lost)}` : ""}`;
    }),
  );
  // Checks in registry order: each kind still handled here made exactly one check above, in order.
  const legacyChecks = [...checks];
  const ordered: ValidationCheck[] = [];
  for (const handler of WORKSPACE_KINDS) {
    if (isLegacy(handler)) ordered.push(legacyChecks.shift()!);
    else ordered.push(...(await handler.validate(r, planned(handler.step.name, handler.kind))));
  }
  return ordered;
}

export const workspaceScenario: RestoreScenario<RestoreRequest, IdMaps> = {
  name: "workspace",
  steps: STEPS,
  seedIds: (request) => emptyIdMaps(request.remap),
  preflight,
  plan,
  execute,
  validate,
};
