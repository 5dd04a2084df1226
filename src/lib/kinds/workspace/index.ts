// The workspace kinds, in restore order: the 7.3 scenario's steps are their steps in this order
// (kinds that share a step share it at its first kind's place), and the workspace backup sources
// list them in this order. A new kind: its own module here, one line below (before permissions:
// ACLs go last, they refer to the new ids of everything above). See src/lib/kinds/README.md.
import type { ItemsStep } from "../../restore/engine/steps.js";
import { cluster } from "./cluster.js";
import { clusterPolicy } from "./cluster-policy.js";
import type { WorkspaceKind } from "./context.js";
import { clusterLibraries } from "./cluster-libraries.js";
import { dashboard } from "./dashboard.js";
import { directory } from "./directory.js";
import { file } from "./file.js";
import { globalInitScript } from "./global-init-script.js";
import { instancePool } from "./instance-pool.js";
import { ipAccessList } from "./ip-access-list.js";
import { job } from "./job.js";
import { mlflowExperiment } from "./mlflow-experiment.js";
import { notebook } from "./notebook.js";
import { permissions } from "./permissions.js";
import { pipeline } from "./pipeline.js";
import { repo } from "./repo.js";
import { secretScope } from "./secret-scope.js";
import { sqlWarehouse } from "./sql-warehouse.js";
import { workspaceConf } from "./workspace-conf.js";

export const WORKSPACE_KINDS: readonly WorkspaceKind[] = [
  directory,
  notebook,
  file,
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
  ipAccessList,
  workspaceConf,
  permissions,
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
