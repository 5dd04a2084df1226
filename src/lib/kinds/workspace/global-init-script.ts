// Global init scripts: backed up in full (the listing has no script body), restored by name
// (create, or update with existing=update), validated by their script content.
import { checkSet } from "../compare.js";
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

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "global-init-scripts",
  title: "Global init scripts",
  why: "Apply to clusters started after the restore.",
};

/** What a create or update takes. */
const SCRIPT_SPEC = ["name", "script", "enabled", "position"];

async function listScripts(client: WorkspaceRestore["client"]): Promise<Json[]> {
  return ((await client.get<Json>("/api/2.0/global-init-scripts"))["scripts"] as Json[] | undefined) ?? [];
}

/** The target's scripts: name → script id. */
function targetScripts(r: WorkspaceRestore): Promise<Map<string, string>> {
  return r.memo("global-init-scripts", async () => {
    const byName = new Map<string, string>();
    for (const s of await listScripts(r.client)) byName.set(String(s["name"]), String(s["script_id"]));
    return byName;
  });
}

export const globalInitScript: WorkspaceKind = {
  kind: "global-init-script",
  label: "Global init script",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: { backup: true, restore: true, validated: true, note: "script content" },
  entryPath: (id) => jsonEntryPath("global-init-scripts", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const scripts = await listScripts(b.client);
      for (const script of scripts) {
        const id = String(script["script_id"]);
        const full = await b.client.get<Json>(`/api/2.0/global-init-scripts/${id}`);
        entries.push(
          await b.ctx.store.putJson(globalInitScript.entryPath(id), globalInitScript.kind, full, {
            name: script["name"],
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
    const spec = pick(await bodyOf(r, item), SCRIPT_SPEC);
    const existing = (await targetScripts(r)).get(item.target!);
    if (existing) {
      await r.client.request("PATCH", `/api/2.0/global-init-scripts/${existing}`, { body: spec });
      return { status: "updated" };
    }
    await r.client.post("/api/2.0/global-init-scripts", spec);
    return { status: "created" };
  },

  async validate(r, planned) {
    const scripts = await targetScripts(r);
    return [
      await checkSet("global init scripts restored (content)", planned, async (item) => {
        const id = scripts.get(item.target!);
        if (!id) return "missing";
        const have = await r.client.get<Json>(`/api/2.0/global-init-scripts/${id}`);
        return have["script"] === (await bodyOf(r, item))["script"] ? undefined : "script differs";
      }),
    ];
  },
};
