// Azure ML backups (runbook 4.4), per configured workspace:
// - "azureml-models" (hourly): the workspace definition, every model (archived too) with every
//   version, its tags and properties, and its artifact FILES copied into our store, so a model can
//   be re-registered without the workspace's own storage. Incremental: unchanged files are carried.
// - "azureml-assets" (daily): the workspace definition, environments (image, conda file, Docker
//   build context files copied too), data assets with versions and URIs, datastores without
//   credentials, compute definitions.
// A workspace that is missing or soft-deleted fails the snapshot with a reason that says what to do.
import type { BackupSource, PlanOutput } from "../backup/engine.js";
import type { ArmRef, Json } from "../clients/azure.js";
import { resolveArmResource } from "../config/naming.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { SnapshotRef } from "../store/layout.js";
import type { FailedEntry, ManifestEntry, SkippedEntry } from "../store/manifest.js";
import {
  copyArtifacts,
  datastoreLocations,
  listArtifactFiles,
  planCopies,
  resolveArtifactLocation,
  type CopyWork,
} from "./azure-artifacts.js";
import type { SourceContext } from "./context.js";
import { collect, mapLimit } from "../concurrency.js";

/** The configured workspace behind a source id, name and group resolved from the naming templates. */
export function mlWorkspaceFor(ctx: SourceContext, sourceId: string): ArmRef {
  const entry = ctx.config.azureMl.workspaces.find((w) => w.id === sourceId);
  if (!entry)
    throw new AzdrError(
      "INVALID_INPUT",
      `Azure ML workspace "${sourceId}" is not in azureMl.workspaces (known: ${ctx.config.azureMl.workspaces.map((w) => w.id).join(", ") || "none"})`,
    );
  return resolveArmResource(ctx.config, entry, "mlWorkspace", "aiPlatformResourceGroup");
}

/**
 * The workspace resource, or a non-retryable error that tells the operator what happened and what
 * to do (ARM answers 404 both for a workspace that never existed and for a soft-deleted one).
 */
export async function getWorkspaceOrExplain(
  ctx: SourceContext,
  ws: ArmRef,
  what: "Azure ML workspace" | "AI Foundry hub",
  configKey: string,
): Promise<Json> {
  try {
    return await ctx.azure.ml.getWorkspace(ws);
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND"))
      throw new AzdrError(
        "NOT_FOUND",
        `${what} ${ws.name} was not found in resource group ${ws.resourceGroup} (subscription ${ctx.azure.subscriptionId}): it is missing or soft-deleted. ` +
          `If it was deleted less than 14 days ago, recover it (re-create it with the same name in the same region and resource group, or "Recently deleted" in the portal) and the next run backs it up again; ` +
          `if it was purged, restore it from its last good snapshot; if it was renamed or moved, fix ${configKey}. Nothing was backed up by this run.`,
        { cause: error },
      );
    if (isAzdrError(error, "FORBIDDEN") || isAzdrError(error, "UNAUTHORIZED"))
      throw new AzdrError(
        error.code,
        `${what} ${ws.name}: access denied (${error.message}); the azdr identity needs Reader on the workspace (and AzureML Data Scientist to list assets)`,
        { cause: error },
      );
    throw error;
  }
}

/** The workspace definition as stored: the ARM resource minus runtime-only fields. */
export function workspaceDefinition(resource: Json): Json {
  const properties = { ...((resource["properties"] ?? {}) as Json) };
  delete properties["provisioningState"];
  return { ...resource, properties };
}

function summaryOf(ws: ArmRef, resource: Json): Json {
  const p = (resource["properties"] ?? {}) as Json;
  return {
    workspace: ws.name,
    resourceGroup: ws.resourceGroup,
    location: resource["location"],
    kind: resource["kind"],
    workspaceId: p["workspaceId"],
  };
}

async function previousEntries(ctx: SourceContext, previous: SnapshotRef | undefined) {
  const manifest = previous ? await ctx.store.readManifest(previous) : undefined;
  return new Map((manifest?.entries ?? []).map((e) => [e.path, e]));
}

const seg = (name: string) => encodeURIComponent(name);

/** Versioned assets as (container, versions[]) pairs, each version listed in full. */
async function listVersioned(
  ctx: SourceContext,
  containers: Json[],
  versions: (name: string) => AsyncIterable<Json>,
): Promise<Array<{ container: Json; versions: Json[] }>> {
  return mapLimit(containers, ctx.config.limits.maxConcurrentRequests, async (container) => ({
    container,
    versions: await collect(versions(String(container["name"]))),
  }));
}

export const azureMlModelsSource: BackupSource<SourceContext, CopyWork> = {
  kind: "azureml-models",
  domain: "azureml",
  component: "models",

  async plan(ctx, target, previous): Promise<PlanOutput<CopyWork>> {
    const ws = mlWorkspaceFor(ctx, target.sourceId);
    const resource = await getWorkspaceOrExplain(
      ctx,
      ws,
      "Azure ML workspace",
      `azureMl.workspaces[id=${target.sourceId}]`,
    );
    const before = await previousEntries(ctx, previous);
    const entries: ManifestEntry[] = [];
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const work: CopyWork[] = [];
    entries.push(await ctx.store.putJson("workspace.json", "ml-workspace", workspaceDefinition(resource)));

    const datastores = datastoreLocations(await collect(ctx.azure.ml.listDatastores(ws)));
    const models = await listVersioned(ctx, await collect(ctx.azure.ml.listModels(ws)), (name) =>
      ctx.azure.ml.listModelVersions(ws, name),
    );
    let versionCount = 0;
    let files = 0;
    let bytes = 0;
    const versionJobs: Array<{ model: string; version: Json }> = [];
    for (const { container, versions } of models) {
      const model = String(container["name"]);
      entries.push(
        await ctx.store.putJson(`models/${seg(model)}/model.json`, "ml-model", container, {
          model,
          versions: versions.length,
        }),
      );
      for (const version of versions) versionJobs.push({ model, version });
    }
    // One blob listing per version, a few at a time: the listing is what makes the plan incremental.
    const planned = await mapLimit(
      versionJobs,
      ctx.config.limits.maxConcurrentRequests,
      async ({ model, version }) => {
        const v = String(version["name"]);
        const properties = (version["properties"] ?? {}) as Json;
        const uri = typeof properties["modelUri"] === "string" ? properties["modelUri"] : "";
        const base = `models/${seg(model)}/versions/${seg(v)}/`;
        const entry = await ctx.store.putJson(`${base}version.json`, "ml-model-version", version, {
          model,
          version: v,
          modelUri: uri,
          modelType: properties["modelType"],
        });
        if (uri === "")
          return { entry, skip: { path: `${base}files/`, kind: "ml-model-artifact", reason: "no modelUri" } };
        const location = resolveArtifactLocation(uri, datastores);
        if ("unsupported" in location)
          return {
            entry,
            skip: { path: `${base}files/`, kind: "ml-model-artifact", reason: location.unsupported },
          };
        try {
          const listed = await listArtifactFiles(ctx, location);
          return {
            entry,
            copies: planCopies(listed, {
              basePath: `${base}files/`,
              kind: "ml-model-artifact",
              uri,
              meta: { model, version: v },
              previous: before,
            }),
            listed,
          };
        } catch (error) {
          if (isAzdrError(error) && error.retryable) throw error;
          return {
            entry,
            fail: {
              path: `${base}files/`,
              kind: "ml-model-artifact",
              error: `list ${uri}: ${errorMessage(error)}`,
            },
          };
        }
      },
    );
    let carriedFiles = 0;
    for (const p of planned) {
      versionCount++;
      entries.push(p.entry);
      if (p.skip) skipped.push(p.skip);
      if (p.fail) failed.push(p.fail);
      if (p.copies) {
        entries.push(...p.copies.carried);
        work.push(...p.copies.work);
        carriedFiles += p.copies.carried.length;
        files += p.listed.length;
        bytes += p.listed.reduce((sum, f) => sum + f.size, 0);
      }
    }
    ctx.log.info("azure ml models planned", {
      workspace: ws.name,
      models: models.length,
      versions: versionCount,
      files,
      carried: carriedFiles,
      toCopy: work.length,
    });
    return {
      reused: carriedFiles,
      carried: { entries, skipped, failed },
      work,
      summary: {
        ...summaryOf(ws, resource),
        models: models.length,
        versions: versionCount,
        artifactFiles: files,
        artifactBytes: bytes,
        carriedFiles,
        filesToCopy: work.length,
      },
    };
  },

  async runBatch(ctx, _target, work) {
    return copyArtifacts(ctx, work);
  },
};

export const azureMlAssetsSource: BackupSource<SourceContext, CopyWork> = {
  kind: "azureml-assets",
  domain: "azureml",
  component: "assets",

  async plan(ctx, target, previous): Promise<PlanOutput<CopyWork>> {
    const ws = mlWorkspaceFor(ctx, target.sourceId);
    const resource = await getWorkspaceOrExplain(
      ctx,
      ws,
      "Azure ML workspace",
      `azureMl.workspaces[id=${target.sourceId}]`,
    );
    const before = await previousEntries(ctx, previous);
    const entries: ManifestEntry[] = [];
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const work: CopyWork[] = [];
    const put = async (path: string, kind: string, value: unknown, meta?: Json) =>
      entries.push(await ctx.store.putJson(path, kind, value, meta));
    await put("workspace.json", "ml-workspace", workspaceDefinition(resource));

    const datastoreList = await collect(ctx.azure.ml.listDatastores(ws));
    for (const d of datastoreList) {
      const p = (d["properties"] ?? {}) as Json;
      await put(`datastores/${seg(String(d["name"]))}.json`, "ml-datastore", d, {
        datastoreType: p["datastoreType"],
        accountName: p["accountName"],
      });
    }
    const datastores = datastoreLocations(datastoreList);

    const environments = await listVersioned(ctx, await collect(ctx.azure.ml.listEnvironments(ws)), (name) =>
      ctx.azure.ml.listEnvironmentVersions(ws, name),
    );
    let reusedContextFiles = 0;
    let environmentVersions = 0;
    for (const { container, versions } of environments) {
      const name = String(container["name"]);
      await put(`environments/${seg(name)}/environment.json`, "ml-environment", container, { name });
      for (const version of versions) {
        environmentVersions++;
        const v = String(version["name"]);
        const properties = (version["properties"] ?? {}) as Json;
        const build = properties["build"] as Json | undefined;
        const base = `environments/${seg(name)}/versions/${seg(v)}`;
        await put(`${base}.json`, "ml-environment-version", version, {
          name,
          version: v,
          image: properties["image"],
          build: build?.["contextUri"],
        });
        const contextUri = build?.["contextUri"];
        if (typeof contextUri !== "string") continue;
        // A Docker build context lives in workspace storage: copy its files like model artifacts.
        const location = resolveArtifactLocation(contextUri, datastores);
        if ("unsupported" in location) {
          skipped.push({ path: `${base}/context/`, kind: "ml-build-context", reason: location.unsupported });
          continue;
        }
        try {
          const copies = planCopies(await listArtifactFiles(ctx, location), {
            basePath: `${base}/context/`,
            kind: "ml-build-context",
            uri: contextUri,
            meta: { environment: name, version: v },
            previous: before,
          });
          entries.push(...copies.carried);
          reusedContextFiles += copies.carried.length;
          work.push(...copies.work);
        } catch (error) {
          if (isAzdrError(error) && error.retryable) throw error;
          failed.push({
            path: `${base}/context/`,
            kind: "ml-build-context",
            error: `list ${contextUri}: ${errorMessage(error)}`,
          });
        }
      }
    }

    const data = await listVersioned(ctx, await collect(ctx.azure.ml.listDataAssets(ws)), (name) =>
      ctx.azure.ml.listDataVersions(ws, name),
    );
    let dataVersions = 0;
    for (const { container, versions } of data) {
      const name = String(container["name"]);
      await put(`data/${seg(name)}/data.json`, "ml-data", container, { name });
      for (const version of versions) {
        dataVersions++;
        const properties = (version["properties"] ?? {}) as Json;
        await put(
          `data/${seg(name)}/versions/${seg(String(version["name"]))}.json`,
          "ml-data-version",
          version,
          {
            name,
            version: version["name"],
            dataType: properties["dataType"],
            dataUri: properties["dataUri"],
          },
        );
      }
    }

    const computes = await collect(ctx.azure.ml.listComputes(ws));
    for (const c of computes) {
      const p = (c["properties"] ?? {}) as Json;
      await put(`computes/${seg(String(c["name"]))}.json`, "ml-compute", c, {
        computeType: p["computeType"],
      });
    }

    return {
      reused: reusedContextFiles,
      carried: { entries, skipped, failed },
      work,
      summary: {
        ...summaryOf(ws, resource),
        datastores: datastoreList.length,
        environments: environments.length,
        environmentVersions,
        dataAssets: data.length,
        dataVersions,
        computes: computes.length,
        buildContextFilesToCopy: work.length,
      },
    };
  },

  async runBatch(ctx, _target, work) {
    return copyArtifacts(ctx, work);
  },
};
