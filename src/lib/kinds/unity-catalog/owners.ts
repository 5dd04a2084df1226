// Owners of every securable, principals remapped, set after the grants (handing ownership away
// first could take away the restoring identity's right to create and grant). A securable dropped
// and re-created by this run gets its owner again.
import { remapPrincipal } from "../../restore/engine/remap.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { objectKey, parseKey, planState, some, type UcKind } from "./context.js";
import { getObject, securableKey, updateObject, type UcObject } from "./model.js";

export const owners: UcKind = {
  kind: "owner",
  label: "Owners",
  domain: "unity-catalog",
  component: "unity-catalog/metadata",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "owners",
    title: "Owners",
    why: "Handing ownership away first could take away the restoring identity's right to create and grant.",
  },
  coverage: { backup: true, restore: true, validated: true, note: "every securable; principal remapped" },
  // An owner is a field of its securable's entry.
  entryPath: (key) => key,
  idOf: (path) => path,

  async plan(r, objects: UcObject[]) {
    const p = planState(r);
    const items: PlanItem[] = [];
    for (const o of objects) {
      const def = await r.definition(o.sha256);
      const owner = typeof def["owner"] === "string" ? def["owner"] : o.owner;
      if (!owner) continue;
      const skey = securableKey(o.type, o.fullName);
      const base = {
        step: "owners",
        key: objectKey(o.type, o.fullName),
        kind: "owner",
        target: o.fullName,
        sha256: o.sha256,
      };
      const wanted = remapPrincipal(owner, r.request.remap);
      if (!p.willExist.has(skey)) {
        items.push({ ...base, action: "skip", reason: "its securable is not restored (see its step)" });
        continue;
      }
      const existing = p.inventory.get(skey);
      if (p.replaced.has(skey)) {
        items.push({ ...base, action: "update", reason: `owner → ${wanted} again after re-creating it` });
        continue;
      }
      if (existing && existing["owner"] === wanted) {
        items.push({ ...base, action: "skip", reason: `owner is already ${wanted}` });
        continue;
      }
      if (existing && r.request.existing === "skip") {
        items.push({
          ...base,
          action: "skip",
          reason: `exists; existing=skip keeps its owner ${String(existing["owner"])} (backup: ${wanted})`,
        });
        continue;
      }
      if (existing)
        p.destructive.push(`${o.type} ${o.fullName}: owner ${String(existing["owner"])} → ${wanted}`);
      items.push({
        ...base,
        action: "update",
        reason: `owner → ${wanted}${wanted !== owner ? ` (remapped from ${owner})` : ""}`,
      });
    }
    return items;
  },

  async apply(r, item) {
    const uc = r.target.apis.unityCatalog;
    const { type, fullName } = parseKey(item.key);
    const def = await r.definition(item.sha256!);
    const owner = remapPrincipal(String(def["owner"]), r.request.remap);
    const existing = await getObject(uc, type, fullName);
    if (!existing) return { status: "failed", detail: `${type} ${fullName} does not exist in the target` };
    if (existing["owner"] === owner) return { status: "skipped", detail: `owner is already ${owner}` };
    await updateObject(uc, type, fullName, { owner });
    return { status: "updated", detail: `owner ${String(existing["owner"])} → ${owner}` };
  },

  /** Owners, after principal remapping, where the plan set or found them. */
  async validate(r, planned) {
    const { inventory } = r.validation!;
    const items = planned.filter((i) => {
      const { type, fullName } = parseKey(i.key);
      if (!inventory.has(securableKey(type, fullName))) return false;
      return i.action === "update" || (i.action === "skip" && i.reason.startsWith("owner is already"));
    });
    const wrong: string[] = [];
    for (const item of items) {
      const { type, fullName } = parseKey(item.key);
      const existing = inventory.get(securableKey(type, fullName));
      const owner = (await r.definition(item.sha256!))["owner"];
      if (typeof owner !== "string") continue;
      const wanted = remapPrincipal(owner, r.request.remap);
      if (existing?.["owner"] !== wanted)
        wrong.push(`${type} ${fullName}: owner expected ${wanted}, found ${String(existing?.["owner"])}`);
    }
    return [
      {
        name: "owners equal the backup's",
        ok: wrong.length === 0,
        expected: items.length,
        actual: items.length - wrong.length,
        ...(wrong.length ? { detail: some(wrong) } : {}),
      },
    ];
  },
};
