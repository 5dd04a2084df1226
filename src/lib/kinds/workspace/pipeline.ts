// Lakeflow declarative pipelines (DLT): backed up as their spec (pipelines/get), restored by name
// WITHOUT starting an update (nothing runs, nothing writes to tables, until someone starts it), with
// the remap rules applied to every string of the spec (storage, abfss paths in configuration,
// workspace URLs) and instance pool / cluster policy ids mapped to the restored ones. The catalog and
// schema names stay: 7.4 restores Unity Catalog under the same names. Validated field by field on
// the spec after remap. Event logs, update history and table data are not configuration.
import { databricksApis, type Pipeline, type PipelineSpec } from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import { remapDeep, remapStorage } from "../../restore/engine/remap.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet, differingFields } from "../compare.js";
import { mapLimit } from "../../concurrency.js";
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

/** The id map the permissions step reads: source pipeline id → target pipeline id. */
export const PIPELINE_IDS = "pipelines";

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "pipelines",
  title: "Pipelines (created, no update started)",
  why: "After notebooks, pools and policies they refer to; nothing runs until someone starts an update.",
};

function targetPipelines(r: WorkspaceRestore): Promise<Map<string, string>> {
  return r.memo(STEP.name, async () => {
    const byName = new Map<string, string>();
    for await (const p of databricksApis(r.client).pipelines.list())
      if (p.name) byName.set(p.name, p.pipeline_id);
    return byName;
  });
}

/** The spec as the target gets it: remap rules on every string, pool and policy ids mapped. */
export function restoredSpec(r: Pick<WorkspaceRestore, "request" | "ids">, spec: PipelineSpec): PipelineSpec {
  const { id: _sourceId, ...rest } = spec;
  const out = remapDeep(rest, (s) => remapStorage(s, r.request.remap)) as PipelineSpec;
  out.clusters = (out.clusters ?? []).map((cluster) => {
    const c: Json = { ...cluster };
    for (const [field, map] of [
      ["instance_pool_id", r.ids.pools],
      ["driver_instance_pool_id", r.ids.pools],
      ["policy_id", r.ids.policies],
    ] as const) {
      const from = c[field];
      if (typeof from === "string" && map[from]) c[field] = map[from];
    }
    return c;
  });
  if (!spec.clusters) delete out.clusters;
  return out;
}

export const pipeline: WorkspaceKind = {
  kind: "pipeline",
  label: "Pipeline (Lakeflow / DLT)",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  needsIds: true,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "spec field by field after remap; created without starting an update",
  },
  entryPath: (id) => jsonEntryPath("pipelines", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const api = databricksApis(b.client).pipelines;
      const ids: string[] = [];
      const work = [];
      for await (const p of api.list()) {
        ids.push(p.pipeline_id);
        work.push(permissionsWork("pipelines", p.pipeline_id, `pipeline ${p.name ?? p.pipeline_id}`));
      }
      const entries = await mapLimit(ids, 4, async (id) => {
        const full: Pipeline = await api.get(id);
        return b.ctx.store.putJson(pipeline.entryPath(id), pipeline.kind, full.spec, {
          name: full.spec.name,
        });
      });
      return { entries, work, summary: { pipelines: entries.length } };
    },
  },

  async learn(r, entries) {
    learnByName(r, PIPELINE_IDS, pipeline, entries, await targetPipelines(r), (id) => id);
  },

  async plan(r, entries) {
    const existing = await targetPipelines(r);
    const items = [];
    for (const entry of entries) {
      const name = nameOf(entry);
      const decision = existingAction(existing.has(name), r.request, `pipeline "${name}"`);
      items.push({
        ...itemBase(pipeline, entry, name, pipeline.idOf(entry.path)),
        ...decision,
        ...(decision.action === "create" ? { reason: `${decision.reason}; no update is started` } : {}),
      });
    }
    return { items };
  },

  async apply(r, item) {
    const api = databricksApis(r.client).pipelines;
    const spec = restoredSpec(r, (await bodyOf(r, item)) as PipelineSpec);
    const existing = (await targetPipelines(r)).get(item.target!);
    if (existing) {
      if (item.action !== "update")
        return { status: "skipped", detail: "already exists (created by an earlier attempt?)" };
      await api.edit(existing, spec);
      r.learn(PIPELINE_IDS, item.sourceId!, existing);
      return { status: "updated" };
    }
    try {
      r.learn(PIPELINE_IDS, item.sourceId!, await api.create(spec));
    } catch (error) {
      // The name was taken after the plan read the target (or by an earlier attempt's lost answer).
      if (isAzdrError(error, "ALREADY_EXISTS"))
        return {
          status: "skipped",
          detail: `a pipeline named "${item.target}" exists in the target: not duplicated`,
        };
      throw error;
    }
    return { status: "created", detail: "no update started" };
  },

  async validate(r, planned) {
    const api = databricksApis(r.client).pipelines;
    const existing = await targetPipelines(r);
    return [
      await checkSet("pipelines restored (spec)", planned, async (item) => {
        const id = existing.get(item.target!);
        if (!id) return "missing";
        const want = restoredSpec(r, (await bodyOf(r, item)) as PipelineSpec);
        const fields = differingFields(want, (await api.get(id)).spec);
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
