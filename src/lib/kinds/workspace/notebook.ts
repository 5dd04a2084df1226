// Notebooks: exported as SOURCE with their language by the workspace-objects snapshot (incrementally:
// unchanged ones are carried by hash), imported as SOURCE with that language, bodies remapped when
// the request opts in (rewriteBodies), validated by language and content hash after the remap.
import { OBJECTS, type WorkspaceKind } from "./context.js";
import { importObject, listObjects, OBJECTS_STEP, planObjects, validateObjects } from "./workspace-object.js";

export const notebook: WorkspaceKind = {
  kind: "NOTEBOOK",
  label: "Notebook",
  domain: "workspace",
  component: OBJECTS,
  step: OBJECTS_STEP,
  coverage: { backup: true, restore: true, validated: true, note: "content by hash, language" },
  entryPath: (path) => path,
  idOf: (path) => path,

  backup: {
    // Listed here (with the object types no handler backs up, skipped with their reason); read by
    // the source's export batches (sources/databricks-workspace.ts exportBatch).
    list: (b) => listObjects(b, "NOTEBOOK"),
  },

  plan: (r, entries) => planObjects(r, "NOTEBOOK", entries),
  apply: (r, item) => importObject(r, item),
  validate: async (r, planned) => [await validateObjects(r, "NOTEBOOK", planned)],
};
