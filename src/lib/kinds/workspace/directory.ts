// Folders: backed up from the workspace-objects snapshot's tree walk (stored as empty bodies so
// every entry is verifiable), restored with mkdirs (parents come along), validated by presence.
import type { PlanItem } from "../../restore/engine/plan.js";
import { checkSet } from "../compare.js";
import { OBJECTS, type WorkspaceKind } from "./context.js";
import { DIRECTORIES_STEP, listObjects, targetTree } from "./workspace-object.js";

export const directory: WorkspaceKind = {
  kind: "DIRECTORY",
  label: "Folder",
  domain: "workspace",
  component: OBJECTS,
  step: DIRECTORIES_STEP,
  coverage: { backup: true, restore: true, validated: true, note: "presence" },
  // Workspace objects are keyed by their path in the workspace.
  entryPath: (path) => path,
  idOf: (path) => path,

  backup: {
    // Exports (notebooks and files) go through the source's batches; a folder is its listing.
    list: (b) => listObjects(b, "DIRECTORY"),
  },

  async plan(r, entries) {
    const tree = await targetTree(r);
    const items: PlanItem[] = entries
      .filter((entry) => entry.path !== "/")
      .map((entry) => ({
        step: DIRECTORIES_STEP.name,
        key: entry.path,
        kind: directory.kind,
        target: entry.path,
        ...(tree.has(entry.path)
          ? { action: "skip" as const, reason: "folder exists" }
          : { action: "create" as const, reason: "not in the target" }),
      }));
    return { items };
  },

  async apply(r, item) {
    await r.api.workspace.mkdirs(item.target!);
    return { status: "created" };
  },

  async validate(r, planned) {
    const tree = await targetTree(r);
    return [
      await checkSet("folders present", planned, async (item) =>
        tree.get(item.target!)?.type === "DIRECTORY" ? undefined : "missing",
      ),
    ];
  },
};
