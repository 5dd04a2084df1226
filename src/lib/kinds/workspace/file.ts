// Workspace files: exported by the workspace-objects snapshot (incrementally), imported RAW (never
// AUTO: a `.py` file with a notebook header would come back as a notebook), bodies remapped when
// the request opts in, validated by type (still a file) and content hash after the remap.
import { OBJECTS, type WorkspaceKind } from "./context.js";
import { importObject, listObjects, OBJECTS_STEP, planObjects, validateObjects } from "./workspace-object.js";

export const file: WorkspaceKind = {
  kind: "FILE",
  label: "Workspace file",
  domain: "workspace",
  component: OBJECTS,
  step: OBJECTS_STEP,
  coverage: { backup: true, restore: true, validated: true, note: "imported RAW; content by hash" },
  entryPath: (path) => path,
  idOf: (path) => path,

  backup: {
    list: (b) => listObjects(b, "FILE"),
  },

  plan: (r, entries) => planObjects(r, "FILE", entries),
  apply: (r, item) => importObject(r, item),
  validate: async (r, planned) => [await validateObjects(r, "FILE", planned)],
};
