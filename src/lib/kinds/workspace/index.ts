// The workspace kinds, in restore order: the 7.3 scenario's steps are their steps in this order
// (kinds that share a step share it at its first kind's place), and the workspace backup sources
// list them in this order. A new kind: its own module here, one line below (before permissions:
// ACLs go last, they refer to the new ids of everything above). See src/lib/kinds/README.md.
import type { ItemsStep } from "../../restore/engine/steps.js";
import { cluster } from "./cluster.js";
import { clusterPolicy } from "./cluster-policy.js";
import { CONFIG, OBJECTS, type WorkspaceKind } from "./context.js";
import { clusterLibraries } from "./cluster-libraries.js";
import { dashboard } from "./dashboard.js";
import { globalInitScript } from "./global-init-script.js";
import { instancePool } from "./instance-pool.js";
import { job } from "./job.js";
import { legacyKind } from "./legacy.js";
import { mlflowExperiment } from "./mlflow-experiment.js";
import { pipeline } from "./pipeline.js";
import { repo } from "./repo.js";
import { secretScope } from "./secret-scope.js";
import { sqlWarehouse } from "./sql-warehouse.js";
import { workspaceConf } from "./workspace-conf.js";

const VALIDATED = { backup: true, restore: true, validated: true } as const;

const OBJECTS_STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "objects",
  title: "Notebooks and files",
  why: "Jobs and permissions refer to them by path.",
};

export const WORKSPACE_KINDS: readonly WorkspaceKind[] = [
  legacyKind({
    kind: "DIRECTORY",
    label: "Folder",
    component: OBJECTS,
    step: {
      kind: "items",
      ordering: "parallel",
      name: "directories",
      title: "Folders",
      why: "Parents first: an import into a missing folder fails.",
    },
    coverage: { ...VALIDATED, note: "presence" },
  }),
  legacyKind({
    kind: "NOTEBOOK",
    label: "Notebook",
    component: OBJECTS,
    step: OBJECTS_STEP,
    coverage: { ...VALIDATED, note: "content by hash, language" },
  }),
  legacyKind({
    kind: "FILE",
    label: "Workspace file",
    component: OBJECTS,
    step: OBJECTS_STEP,
    coverage: { ...VALIDATED, note: "imported RAW; content by hash" },
  }),
  clusterPolicy,
  instancePool,
  cluster,
  job,
  secretScope,
  repo,
  globalInitScript,
  sqlWarehouse,
  dashboard,
  pipeline,
  clusterLibraries,
  mlflowExperiment,
  workspaceConf,
  legacyKind({
    kind: "permissions",
    needsIds: true,
    label: "Permissions (direct ACLs)",
    component: CONFIG,
    step: {
      kind: "items",
      ordering: "parallel",
      name: "permissions",
      title: "Permissions",
      why: "Last: ACLs refer to the new ids of everything above.",
    },
    coverage: {
      ...VALIDATED,
      note: "ACL sets of jobs, clusters, policies, pools, notebooks, folders and files",
    },
  }),
];

/** The handler of a manifest entry kind. */
export function workspaceKind(kind: string): WorkspaceKind | undefined {
  return WORKSPACE_KINDS.find((k) => k.kind === kind);
}

/** The 7.3 steps: each kind's step in registry order, a shared step at its first kind's place. */
export function workspaceSteps(kinds: readonly WorkspaceKind[] = WORKSPACE_KINDS): ItemsStep[] {
  const steps: ItemsStep[] = [];
  for (const kind of kinds) if (!steps.some((s) => s.name === kind.step.name)) steps.push(kind.step);
  return steps;
}
