// MLflow experiments' METADATA: name (a workspace path), artifact location, tags. Restored by name
// after the folders; an artifact location Databricks chose (dbfs:/databricks/mlflow-tracking/<id>)
// is left for the target to choose again, a custom one (abfss://…) goes through the storage remap
// rules. Tags the service sets itself (owner, experiment type, source) are neither restored nor
// compared. Runs, metrics, models logged to runs and artifacts are DATA: not in this backup (the
// artifacts stay in their storage; runs would need the MLflow export tools). Validated per
// experiment: artifact location and user tags.
import { databricksApis, type Experiment, type ExperimentTag } from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import { remapStorage } from "../../restore/engine/remap.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet, some } from "../compare.js";
import { permissionsWork } from "./permissions-work.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  nameOf,
  type WorkspaceKind,
  type WorkspaceRestore,
  learnByName,
} from "./context.js";

/** The id map the permissions step reads: source experiment id → target experiment id. */
export const EXPERIMENT_IDS = "experiments";

interface ExperimentBackup {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  tags: ExperimentTag[];
}

/** Tags the tracking service sets on its own: never restored, never compared. */
const SERVER_TAGS = /^mlflow\.(ownerId|ownerEmail|experimentType|experiment\.source(Name|Id|Type))$/;
const DEFAULT_LOCATION = /^dbfs:\/databricks\/mlflow-tracking\/\d+$/;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "mlflow-experiments",
  title: "MLflow experiments (metadata; runs are data)",
  why: "After folders: an experiment's name is a workspace path.",
};

function targetExperiments(r: WorkspaceRestore): Promise<Map<string, Experiment>> {
  return r.memo(STEP.name, async () => {
    const byName = new Map<string, Experiment>();
    for await (const e of databricksApis(r.client).mlflow.list()) byName.set(e.name, e);
    return byName;
  });
}

/** The artifact location to create with: undefined lets the target choose its default. */
function locationFor(r: WorkspaceRestore, backup: ExperimentBackup): string | undefined {
  const location = backup.artifact_location;
  if (!location || DEFAULT_LOCATION.test(location)) return undefined;
  return remapStorage(location, r.request.remap);
}

export const mlflowExperiment: WorkspaceKind = {
  kind: "mlflow-experiment",
  label: "MLflow experiment (metadata)",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "name, artifact location, tags; runs and artifacts are data, not restored",
  },
  entryPath: (id) => jsonEntryPath("mlflow-experiments", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const work = [];
      for await (const e of databricksApis(b.client).mlflow.list()) {
        work.push(permissionsWork("experiments", e.experiment_id, `experiment ${e.name}`));
        const body: ExperimentBackup = {
          experiment_id: e.experiment_id,
          name: e.name,
          ...(e.artifact_location ? { artifact_location: e.artifact_location } : {}),
          tags: (e.tags ?? []).filter((t) => !SERVER_TAGS.test(t.key)),
        };
        entries.push(
          await b.ctx.store.putJson(
            mlflowExperiment.entryPath(e.experiment_id),
            mlflowExperiment.kind,
            body,
            {
              name: e.name,
            },
          ),
        );
      }
      return { entries, work, summary: { mlflowExperiments: entries.length } };
    },
  },

  async learn(r, entries) {
    learnByName(
      r,
      EXPERIMENT_IDS,
      mlflowExperiment,
      entries,
      await targetExperiments(r),
      (e) => e.experiment_id,
    );
  },

  async plan(r, entries) {
    const existing = await targetExperiments(r);
    const items = [];
    for (const entry of entries) {
      const name = nameOf(entry);
      const decision = existingAction(existing.has(name), r.request, `experiment "${name}"`);
      items.push({
        ...itemBase(mlflowExperiment, entry, name, mlflowExperiment.idOf(entry.path)),
        ...decision,
        ...(decision.action !== "skip"
          ? { reason: `${decision.reason}; metadata only (runs and artifacts are data)` }
          : {}),
      });
    }
    return {
      items,
      ...(items.length
        ? {
            notes: [
              "MLflow experiments come back as metadata (name, artifact location, tags): their runs, metrics and artifacts are data and are not restored.",
            ],
          }
        : {}),
    };
  },

  async apply(r, item) {
    const api = databricksApis(r.client).mlflow;
    const backup = (await bodyOf(r, item)) as unknown as ExperimentBackup;
    const existing = (await targetExperiments(r)).get(backup.name);
    if (existing) {
      if (item.action !== "update")
        return { status: "skipped", detail: "already exists (created by an earlier attempt?)" };
      for (const tag of backup.tags) await api.setTag(existing.experiment_id, tag);
      r.learn(EXPERIMENT_IDS, item.sourceId!, existing.experiment_id);
      return {
        status: "updated",
        detail: "tags set (the artifact location of an existing experiment cannot change)",
      };
    }
    const location = locationFor(r, backup);
    try {
      const created = await api.create({
        name: backup.name,
        tags: backup.tags,
        ...(location ? { artifact_location: location } : {}),
      });
      r.learn(EXPERIMENT_IDS, item.sourceId!, created);
    } catch (error) {
      if (!isAzdrError(error, "ALREADY_EXISTS")) throw error;
      // Not among the active experiments the plan read: a deleted one holds the name.
      return {
        status: "failed",
        detail: `the name is held by an experiment in the target that is not active (deleted, or made since the plan): restore or permanently delete it, then run again`,
      };
    }
    return { status: "created" };
  },

  async validate(r, planned) {
    const existing = await targetExperiments(r);
    return [
      await checkSet("MLflow experiments restored (artifact location, tags)", planned, async (item) => {
        const backup = (await bodyOf(r, item)) as unknown as ExperimentBackup;
        const have = existing.get(backup.name);
        if (!have) return "missing";
        const problems: string[] = [];
        const location = locationFor(r, backup);
        if (location && have.artifact_location !== location && item.action === "create")
          problems.push(`artifact_location is ${String(have.artifact_location)}, expected ${location}`);
        const tags = new Map((have.tags ?? []).map((t) => [t.key, t.value]));
        const differing = backup.tags.filter((t) => tags.get(t.key) !== t.value).map((t) => t.key);
        if (differing.length) problems.push(`tags ${some(differing)}`);
        return problems.length ? `differs in ${problems.join("; ")}` : undefined;
      }),
    ];
  },
};
