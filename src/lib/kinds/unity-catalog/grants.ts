// Grants of every securable (and the metastore's), as sets: principals remapped, made equal to the
// backup's with existing=update (revokes listed as destructive with the before and after), the
// backup's added to what is there otherwise. Metastore grants are only ever added. A securable
// dropped and re-created by this run gets the backup's grants again.
import { collect, mapLimit } from "../../concurrency.js";
import { errorMessage } from "../../errors.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { grantsPath } from "./paths.js";
import { mustThrow, objectKey, parseKey, planState, some, type UcKind, type UcRestore } from "./context.js";
import {
  describeGrants,
  grantChanges,
  grantSet,
  grantSetsEqual,
  readGrants,
  securableKey,
  type GrantChange,
  type GrantSet,
  type UcObject,
} from "./model.js";

type Assignments = { principal?: string; privileges?: unknown[] }[];

async function desiredGrants(r: UcRestore, sha256: string): Promise<GrantSet> {
  const body = (await r.definition(sha256)) as { privilege_assignments?: Assignments };
  return grantSet(body.privilege_assignments, r.request.remap);
}

function describeChanges(changes: GrantChange[]): string {
  return changes
    .map(
      (c) =>
        `${c.principal}${c.add ? ` +${c.add.join(",")}` : ""}${c.remove ? ` -${c.remove.join(",")}` : ""}`,
    )
    .join("; ");
}

/** The target metastore id the grants of the metastore go to. */
function targetMetastoreId(r: UcRestore): string | undefined {
  return (r.plan?.assignment ?? r.validation?.assignment)?.metastoreId ?? r.target.configuredMetastoreId;
}

export const grants: UcKind = {
  kind: "grants",
  label: "Grants",
  domain: "unity-catalog",
  component: "unity-catalog/metadata",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "grants",
    title: "Grants",
    why: "Privileges attach to securables, so every securable must exist first.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "every securable and the metastore: sets per principal (remapped); revokes with existing=update",
  },
  entryPath: (key) => {
    const { type, fullName } = parseKey(key);
    return grantsPath(type, fullName);
  },
  idOf: (path) => {
    const [, type = "", file = ""] = path.split("/");
    return `${type}/${decodeURIComponent(file.replace(/\.json$/, ""))}`;
  },

  /** `objects`: one per grants entry of the backup (type, full name, sha256 of the grants body). */
  async plan(r, objects: UcObject[]) {
    const p = planState(r);
    const metastoreId = targetMetastoreId(r);
    const planned = await mapLimit(objects, 8, async (g): Promise<PlanItem | undefined> => {
      const isMetastore = g.type === "metastore";
      const targetName = isMetastore ? metastoreId : g.fullName;
      const desired = await desiredGrants(r, g.sha256);
      const base = { step: "grants", key: objectKey(g.type, g.fullName), kind: "grants", sha256: g.sha256 };
      if (!targetName) return { ...base, action: "skip", reason: "no target metastore id known" };
      const skey = securableKey(g.type, g.fullName);
      const exists = isMetastore ? p.readable : p.preexisting.has(skey);
      if (!isMetastore && !p.willExist.has(skey))
        return desired.size
          ? {
              ...base,
              target: targetName,
              action: "skip",
              reason: "its securable is not restored (see its step)",
            }
          : undefined;
      const removeExtras = r.request.existing === "update" && !isMetastore;
      if (!exists) {
        if (desired.size === 0) return undefined;
        return { ...base, target: targetName, action: "create", reason: `grant ${describeGrants(desired)}` };
      }
      const current = await readGrants(r.target.apis.unityCatalog, g.type, targetName);
      const changes = grantChanges(desired, current, removeExtras);
      // A dropped and re-created table loses its grants: grant the backup's again afterwards.
      if (changes.length === 0 && p.replaced.has(skey))
        return desired.size
          ? {
              ...base,
              target: targetName,
              action: "update",
              reason: `re-grant after re-creating it: ${describeGrants(desired)}`,
            }
          : undefined;
      if (changes.length === 0)
        return {
          ...base,
          target: targetName,
          action: "skip",
          reason: grantSetsEqual(desired, current)
            ? "grants already equal the backup's"
            : isMetastore
              ? "the backup's metastore grants are present (metastore grants are only ever added)"
              : "the backup's grants are present; existing=skip keeps the extra ones",
        };
      const adds = changes.reduce((n, c) => n + (c.add?.length ?? 0), 0);
      const removes = changes.reduce((n, c) => n + (c.remove?.length ?? 0), 0);
      if (removes)
        p.destructive.push(
          `${g.type} ${targetName}: revoke ${removes} privilege(s) not in the backup (${changes
            .filter((c) => c.remove)
            .map((c) => `${c.principal} -${c.remove!.join(",")}`)
            .join("; ")}): grants {${describeGrants(current)}} → {${describeGrants(desired)}}`,
        );
      return {
        ...base,
        target: targetName,
        action: "update",
        reason: `add ${adds} privilege(s)${removes ? `, revoke ${removes}` : ""}: ${describeChanges(changes)}`,
      };
    });
    return planned.filter((i): i is PlanItem => i !== undefined);
  },

  async apply(r, item) {
    const uc = r.target.apis.unityCatalog;
    const { type } = parseKey(item.key);
    const targetName = item.target!;
    const desired = await desiredGrants(r, item.sha256!);
    const current = grantSet(await collect(uc.listGrants(type, targetName)));
    const removeExtras = r.request.existing === "update" && type !== "metastore";
    const changes = grantChanges(desired, current, removeExtras);
    if (changes.length === 0) return { status: "skipped", detail: "grants already as in the backup" };
    await uc.updateGrants(type, targetName, changes);
    return { status: item.action === "create" ? "created" : "updated", detail: describeChanges(changes) };
  },

  /**
   * Grants as sets after principal remapping: equal where the plan made them so, the backup's
   * present where it kept extras (existing=skip, metastore grants). A securable found missing is
   * its own kind's failure, not counted again here.
   */
  async validate(r, planned) {
    const { inventory, assignment } = r.validation!;
    const items = planned.filter((i) => {
      const { type, fullName } = parseKey(i.key);
      if (type !== "metastore" && !inventory.has(securableKey(type, fullName))) return false;
      return i.action !== "skip" || !/not restored|no target metastore/.test(i.reason);
    });
    const mismatches: string[] = [];
    await mapLimit(items, 8, async (item) => {
      const { type } = parseKey(item.key);
      const desired = await desiredGrants(r, item.sha256!);
      const name = type === "metastore" ? assignment.metastoreId! : item.target!;
      const exact =
        type !== "metastore" &&
        (item.action === "create" || r.request.existing === "update" || /already equal/.test(item.reason));
      let current: GrantSet;
      try {
        current = await readGrants(r.target.apis.unityCatalog, type, name);
      } catch (error) {
        if (mustThrow(error)) throw error;
        mismatches.push(`${type} ${name}: ${errorMessage(error)}`);
        return;
      }
      const ok = exact
        ? grantSetsEqual(desired, current)
        : grantChanges(desired, current, false).length === 0;
      if (!ok)
        mismatches.push(
          `${type} ${name}: grants expected ${exact ? "" : "at least "}{${describeGrants(desired)}}, found {${describeGrants(current)}}`,
        );
    });
    return [
      {
        name: "grants equal the backup's",
        ok: mismatches.length === 0,
        expected: items.length,
        actual: items.length - mismatches.length,
        ...(mismatches.length ? { detail: some(mismatches.sort()) } : {}),
      },
    ];
  },
};
