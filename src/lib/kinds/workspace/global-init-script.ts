// Global init scripts: backed up in full (the listing has no script body), restored by name
// (create, or update with existing=update), validated by their script content.
import type { GlobalInitScriptSpec } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import { checkSet, differingFields } from "../compare.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  pick,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "global-init-scripts",
  title: "Global init scripts",
  why: "Apply to clusters started after the restore.",
};

/** What a create or update takes. */
const SCRIPT_SPEC = ["name", "script", "enabled", "position"];

/** The target's scripts: name → script id. */
function targetScripts(r: WorkspaceRestore): Promise<Map<string, string>> {
  return r.memo("global-init-scripts", async () => {
    const byName = new Map<string, string>();
    for await (const s of r.api.globalInitScripts.list()) byName.set(s.name, s.script_id);
    return byName;
  });
}

export const globalInitScript: WorkspaceKind = {
  kind: "global-init-script",
  label: "Global init script",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: { backup: true, restore: true, validated: true, note: "script content, enabled, position" },
  entryPath: (id) => jsonEntryPath("global-init-scripts", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const scripts = await collect(b.api.globalInitScripts.list());
      for (const script of scripts) {
        const id = script.script_id;
        const full = await b.api.globalInitScripts.get(id);
        entries.push(
          await b.ctx.store.putJson(globalInitScript.entryPath(id), globalInitScript.kind, full, {
            name: script.name,
          }),
        );
      }
      return { entries, work: [], summary: { globalInitScripts: scripts.length } };
    },
  },

  async plan(r, entries) {
    const scripts = await targetScripts(r);
    const items = [];
    for (const entry of entries) {
      const name = String((await bodyOf(r, entry))["name"]);
      items.push({
        ...itemBase(globalInitScript, entry, name),
        ...existingAction(scripts.has(name), r.request, `init script "${name}"`),
      });
    }
    return { items };
  },

  async apply(r, item) {
    const spec = pick(await bodyOf(r, item), SCRIPT_SPEC) as unknown as GlobalInitScriptSpec;
    const existing = (await targetScripts(r)).get(item.target!);
    if (existing) {
      await r.api.globalInitScripts.update(existing, spec);
      return { status: "updated" };
    }
    await r.api.globalInitScripts.create(spec);
    return { status: "created" };
  },

  async validate(r, planned) {
    const scripts = await targetScripts(r);
    return [
      await checkSet("global init scripts restored (content)", planned, async (item) => {
        const id = scripts.get(item.target!);
        if (!id) return "missing";
        const have = await r.api.globalInitScripts.get(id);
        const fields = differingFields(pick(await bodyOf(r, item), SCRIPT_SPEC), have);
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
