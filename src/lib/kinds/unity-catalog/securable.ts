// What every securable handler shares (storage credential, external location, connection, catalog,
// schema, table, view, volume, function): check-then-write planning against the target's
// inventory, create / update in place / drop and re-create, and validation that compares the
// restored definition field by field. Each securable's own file says what differs per kind: its
// create body, the fields compared and how they change, how it is created and updated, and what
// keeps it out of a restore.
import { errorMessage } from "../../errors.js";
import type { Remap } from "../../restore/engine/request-schema.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import type { ItemsStep, ValidationCheck } from "../../restore/engine/steps.js";
import { REPORTS_CONTAINER, runRecordPath } from "../../store/layout.js";
import { collect } from "../../concurrency.js";
import type { KindCoverage } from "../types.js";
import { readSecurable, ucWork, type SecurableBackup } from "./backup.js";
import { SECURABLE_FOLDERS, securablePath, type SecurableType } from "./paths.js";
import {
  mustThrow,
  objectKey,
  parseKey,
  planState,
  some,
  type UcKind,
  type UcPlanState,
  type UcRestore,
} from "./context.js";
import {
  beforeAfter,
  deleteObject,
  describeDifference,
  differences,
  getObject,
  isAlreadyExists,
  noDifference,
  securableKey,
  updateObject,
  type Compared,
  type Json,
  type RestoreKind,
  type UcObject,
} from "./model.js";

/** What one securable kind says about itself; `securableKind` turns it into a handler. */
export interface SecurableSpec {
  kind: RestoreKind;
  type: Exclude<SecurableType, "metastore">;
  /** Singular, for the coverage table ("External location"). */
  label: string;
  /** Plural, for validation ("external locations present"). */
  plural: string;
  step: ItemsStep;
  coverage: KindCoverage;
  /** How the backup lists it (the three table handlers share one listing: the external table's). */
  backup?: SecurableBackup;
  compared: Compared;
  /** The create body, remapped. */
  desired(def: Json, remap: Remap): Json;
  /** The part of the create body compared with the target's object (default: all of it). */
  comparable?(desired: Json): Json;
  /** Why the object is left out of this restore, when it is (planned unsupported, or skip if it exists). */
  holdBack?(r: UcRestore, o: UcObject, def: Json, exists: boolean): string | undefined;
  /** A reason the object cannot be created next to what the target holds (a conflict). */
  conflict?(r: UcRestore, desired: Json): string | undefined;
  /** A follow-up for the plan's notes, whatever the action. */
  note?(o: UcObject, def: Json): string | undefined;
  /** The plan's reason for a create (default "create"). */
  createReason?(r: UcRestore, def: Json, desired: Json): string;
  /** How an in-place change is made, for the destructive list (default: PATCH of the fields). */
  inPlace?: string;
  create(r: UcRestore, fullName: string, desired: Json): Promise<void>;
  /** In place (default: PATCH the differing fields). */
  update?(r: UcRestore, fullName: string, desired: Json, fields: string[]): Promise<void>;
  /** Drop and re-create (default: save the prior definition and grants, DELETE, create). */
  replace?(r: UcRestore, fullName: string, desired: Json, existing: Json): Promise<void>;
  /** A detail for a created object's result. */
  createdDetail?: string;
  /** The failure of a create, reworded with what to do (connections: their secrets). */
  createFailed?(error: unknown, desired: Json): string | undefined;
}

function comparableOf(spec: SecurableSpec, desired: Json): Json {
  return spec.comparable ? spec.comparable(desired) : desired;
}

/** Where the definition and grants of an object replaced by this run are kept (to roll back by hand). */
export function priorPath(planId: string, type: SecurableType, fullName: string): string {
  return runRecordPath(planId, `prior/${type}/${encodeURIComponent(fullName)}.json`);
}

/** Save what an object was, and who could use it, to the run record; then drop and re-create it. */
async function dropAndCreate(
  spec: SecurableSpec,
  r: UcRestore,
  fullName: string,
  desired: Json,
  existing: Json,
): Promise<void> {
  const uc = r.target.apis.unityCatalog;
  const grants = await collect(uc.listGrants(spec.type, fullName));
  await r.ctx.store.blobs.put(
    REPORTS_CONTAINER,
    priorPath(r.planId, spec.type, fullName),
    JSON.stringify(
      { securable_type: spec.type, full_name: fullName, definition: existing, privilege_assignments: grants },
      null,
      2,
    ),
    "application/json",
  );
  await deleteObject(uc, spec.type, fullName);
  await spec.create(r, fullName, desired);
}

function planOne(spec: SecurableSpec, r: UcRestore, p: UcPlanState, o: UcObject, def: Json): PlanItem {
  const base = {
    step: spec.step.name,
    key: objectKey(o.type, o.fullName),
    kind: spec.kind,
    target: o.fullName,
    sha256: o.sha256,
  };
  const skey = securableKey(o.type, o.fullName);
  const existing = p.inventory.get(skey);
  if (existing) p.preexisting.add(skey);
  const heldBack = spec.holdBack?.(r, o, def, existing !== undefined);
  if (heldBack) {
    if (existing) p.willExist.add(skey);
    return { ...base, action: existing ? "skip" : "unsupported", reason: heldBack };
  }
  const desired = spec.desired(def, r.request.remap);
  const note = spec.note?.(o, def);
  if (note) p.notes.push(note);

  if (!existing) {
    const conflict = spec.conflict?.(r, desired);
    if (conflict) return { ...base, action: "conflict", reason: conflict };
    p.willExist.add(skey);
    const reason = !p.readable
      ? "create (target metastore not readable until it is assigned; existence is checked again when executing)"
      : (spec.createReason?.(r, def, desired) ?? "create");
    return { ...base, action: "create", reason };
  }
  p.willExist.add(skey);
  const want = comparableOf(spec, desired);
  const d = differences(spec.compared, want, existing);
  if (noDifference(d)) return { ...base, action: "skip", reason: "exists and matches the backup" };
  if (r.request.existing === "skip")
    return { ...base, action: "skip", reason: `exists and ${describeDifference(d)}; existing=skip keeps it` };
  // Dropping a managed table deletes its data: never part of a metadata restore.
  if ((d.replace.length || d.fixed.length) && existing["table_type"] === "MANAGED")
    return {
      ...base,
      action: "conflict",
      reason: `exists as a MANAGED table and ${describeDifference(d)}; changing that means dropping it, which deletes its data, so azdr never does it: align it by hand (ALTER TABLE) or restore its data first (runbook 7.6)`,
    };
  if (d.fixed.length)
    return {
      ...base,
      action: "conflict",
      reason: `exists and ${describeDifference(d)}; drop it in the target (or change the remap rules) to restore the backup's`,
    };
  if (d.replace.length) {
    p.replaced.add(skey);
    p.destructive.push(
      `${o.fullName} (${spec.kind}) is dropped and re-created to change ${beforeAfter(want, existing, [...d.replace, ...d.mutable])}${spec.kind === "external_table" ? " (metadata only: the data at its location is untouched)" : ""}; its current definition and grants are saved to the run record first, and its grants and owner re-applied after`,
    );
  } else {
    p.destructive.push(
      `${o.fullName} (${spec.kind}) is updated in place ${spec.inPlace ?? `(PATCH ${d.mutable.join(", ")})`}: ${beforeAfter(want, existing, d.mutable)}`,
    );
  }
  return { ...base, action: "update", reason: `exists and ${describeDifference(d)}` };
}

async function applyOne(spec: SecurableSpec, r: UcRestore, item: PlanItem) {
  const uc = r.target.apis.unityCatalog;
  const { type, fullName } = parseKey(item.key);
  const desired = spec.desired(await r.definition(item.sha256!), r.request.remap);
  let existing = await getObject(uc, type, fullName);
  if (!existing) {
    try {
      await spec.create(r, fullName, desired);
      return { status: "created" as const, ...(spec.createdDetail ? { detail: spec.createdDetail } : {}) };
    } catch (error) {
      const reworded =
        !isAlreadyExists(error) && !mustThrow(error) ? spec.createFailed?.(error, desired) : undefined;
      if (reworded) return { status: "failed" as const, detail: reworded };
      if (!isAlreadyExists(error)) throw error;
      existing = await getObject(uc, type, fullName);
      if (!existing) throw error;
    }
  }
  // It exists. A "create" item found it absent when planning: an earlier attempt of this restore
  // (or its parent's creation, like a catalog's default schema) made it, so bring it to the
  // backup's definition. An "update" item was approved to change it.
  const d = differences(spec.compared, comparableOf(spec, desired), existing);
  if (noDifference(d)) return { status: "skipped" as const, detail: "already exists and matches the backup" };
  if (item.action === "create" && r.request.existing === "skip" && (d.replace.length || d.fixed.length))
    return {
      status: "skipped" as const,
      detail: `appeared after planning and ${describeDifference(d)}; existing=skip keeps it`,
    };
  if (d.fixed.length)
    return {
      status: "failed" as const,
      detail: `exists and ${describeDifference(d)}; drop it in the target and re-run`,
    };
  if (d.replace.length) {
    // Only a replace the approver saw in the plan: anything else changed since planning.
    if (item.action !== "update" || !item.reason.includes("needs re-creating"))
      return {
        status: "failed" as const,
        detail: `changed since planning: now ${describeDifference(d)}; plan again to review re-creating it`,
      };
    if (existing["table_type"] === "MANAGED")
      return {
        status: "failed" as const,
        detail: `exists as a MANAGED table and ${describeDifference(d)}; azdr never drops a managed table`,
      };
    if (spec.replace) {
      await spec.replace(r, fullName, desired, existing);
      return { status: "updated" as const, detail: `re-created (${d.replace.join(", ")})` };
    }
    await dropAndCreate(spec, r, fullName, desired, existing);
    return {
      status: "updated" as const,
      detail: `re-created (${d.replace.join(", ")}); its prior definition and grants are in ${priorPath(r.planId, type, fullName)}`,
    };
  }
  if (spec.update) await spec.update(r, fullName, desired, d.mutable);
  else {
    const patch: Json = {};
    for (const f of d.mutable) patch[f] = desired[f];
    await updateObject(uc, type, fullName, patch);
  }
  return {
    status: "updated" as const,
    detail: `updated ${d.mutable.join(", ")}${spec.inPlace ? " with SQL" : ""}`,
  };
}

/**
 * What the approved plan meant to be true afterwards, for this kind: what it created, updated or
 * found in place is present and equal to the backup's (fields compared per kind). What the plan
 * left out (unsupported, conflict, kept by existing=skip) is the scenario's "left out" list.
 */
async function validateKind(
  spec: SecurableSpec,
  r: UcRestore,
  planned: PlanItem[],
): Promise<ValidationCheck[]> {
  const { inventory } = r.validation!;
  const expected: string[] = [];
  const missing: string[] = [];
  const differing: string[] = [];
  let compared = 0;
  for (const item of planned) {
    if (item.action === "unsupported" || item.action === "conflict") continue;
    const { type, fullName } = parseKey(item.key);
    expected.push(fullName);
    const existing = inventory.get(securableKey(type, fullName));
    if (!existing) {
      missing.push(fullName);
      continue;
    }
    // Kept as it was by existing=skip: not the backup's, by approval.
    if (item.action === "skip" && item.reason.includes("existing=skip")) continue;
    let want: Json;
    try {
      want = comparableOf(spec, spec.desired(await r.definition(item.sha256!), r.request.remap));
    } catch (error) {
      differing.push(`${spec.kind} ${fullName}: could not be read from the backup (${errorMessage(error)})`);
      continue;
    }
    compared++;
    const d = differences(spec.compared, want, existing);
    const fields = [...d.mutable, ...d.replace, ...d.fixed];
    if (fields.length)
      differing.push(`${spec.kind} ${fullName}: ${beforeAfter(want, existing, fields)} (found → expected)`);
  }
  if (expected.length === 0) return [];
  return [
    {
      name: `${spec.plural} present`,
      ok: missing.length === 0,
      expected: expected.length,
      actual: expected.length - missing.length,
      ...(missing.length ? { detail: `missing: ${some(missing)}` } : {}),
    },
    {
      name: `${spec.plural} equal the backup's (${[...spec.compared.mutable, ...spec.compared.replace, ...spec.compared.fixed].join(", ")})`,
      ok: differing.length === 0,
      expected: compared,
      actual: compared - differing.length,
      ...(differing.length ? { detail: some(differing.sort()) } : {}),
    },
  ];
}

/** The handler of one securable kind. */
export function securableKind(spec: SecurableSpec): UcKind & { spec: SecurableSpec } {
  const folder = SECURABLE_FOLDERS[spec.type];
  return {
    spec,
    // Unique per handler: three share the manifest kind "table" (told apart by their definition).
    kind: spec.kind,
    restoreKind: spec.kind,
    label: spec.label,
    domain: "unity-catalog",
    component: "unity-catalog/metadata",
    step: spec.step,
    coverage: spec.coverage,
    entryPath: (fullName) => securablePath(spec.type, fullName),
    idOf: (path) => decodeURIComponent(path.slice(folder.length + 1).replace(/\.json$/, "")),
    ...(spec.backup
      ? {
          backup: {
            ...(spec.backup.parent ? { parent: spec.backup.parent } : {}),
            async list(b, parent) {
              const listing = await spec.backup!.list(b, parent);
              return {
                work: listing.found.map((f) => ucWork(spec.kind, spec.type, f.fullName, f.definition)),
                ...(listing.skipped ? { skipped: listing.skipped } : {}),
                ...(listing.summary ? { summary: listing.summary } : {}),
              };
            },
            read: readSecurable,
          },
        }
      : {}),
    async plan(r, objects) {
      const p = planState(r);
      const items: PlanItem[] = [];
      for (const o of objects) items.push(planOne(spec, r, p, o, await r.definition(o.sha256)));
      return items;
    },
    apply: (r, item) => applyOne(spec, r, item),
    validate: (r, planned) => validateKind(spec, r, planned),
  };
}
