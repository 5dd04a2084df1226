// AI Foundry backup (runbook 4.5), per configured hub: the hub and every project (workspace
// definitions), their connections (category, target, auth type, metadata: never keys; the
// listsecrets action is never called), online endpoints with their deployments, and the model
// deployments of Azure OpenAI / AI Services accounts the connections point at, where ARM exposes them.
import type { BackupSource, PlanOutput } from "../backup/engine.js";
import type { ArmRef, Json } from "../clients/azure.js";
import { resolveArmResource } from "../config/naming.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { FailedEntry, ManifestEntry, SkippedEntry } from "../store/manifest.js";
import { collect } from "../concurrency.js";
import { getWorkspaceOrExplain, workspaceDefinition } from "./azureml-source.js";
import type { SourceContext } from "./context.js";

export interface FoundryWork {
  type: "workspace";
  role: "hub" | "project";
  resourceGroup: string;
  name: string;
}

/** Connection categories whose target account has model deployments. */
const DEPLOYMENT_CATEGORIES = new Set(["azureopenai", "aiservices", "cognitiveservice", "cognitiveservices"]);

export function foundryHubFor(ctx: SourceContext, sourceId: string): ArmRef {
  const entry = ctx.config.foundry.hubs.find((h) => h.id === sourceId);
  if (!entry)
    throw new AzdrError(
      "INVALID_INPUT",
      `AI Foundry hub "${sourceId}" is not in foundry.hubs (known: ${ctx.config.foundry.hubs.map((h) => h.id).join(", ") || "none"})`,
    );
  return resolveArmResource(ctx.config, entry, "foundryHub", "aiPlatformResourceGroup");
}

/** "/subscriptions/s/resourceGroups/rg/providers/…/workspaces/name" → { resourceGroup, name }. */
function refFromId(id: string): ArmRef | undefined {
  const m =
    /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/]+)$/i.exec(
      id,
    );
  return m ? { resourceGroup: m[1]!, name: m[2]! } : undefined;
}

const seg = (name: string) => encodeURIComponent(name);
const str = (value: unknown) => (typeof value === "string" ? value : "");

export const foundrySource: BackupSource<SourceContext, FoundryWork> = {
  kind: "foundry",
  domain: "foundry",
  component: "hub",

  async plan(ctx, target): Promise<PlanOutput<FoundryWork>> {
    const hub = foundryHubFor(ctx, target.sourceId);
    const resource = await getWorkspaceOrExplain(
      ctx,
      hub,
      "AI Foundry hub",
      `foundry.hubs[id=${target.sourceId}]`,
    );
    const hubId = str(resource["id"]).toLowerCase();
    const projects = new Map<string, ArmRef>();
    const associated = ((resource["properties"] as Json | undefined)?.["associatedWorkspaces"] ??
      []) as string[];
    for (const id of associated) {
      const ref = refFromId(id);
      if (ref) projects.set(`${ref.resourceGroup}/${ref.name}`.toLowerCase(), ref);
    }
    // Projects in the hub's group that name it as their hub (older APIs do not list them on the hub).
    for (const w of await collect(ctx.azure.ml.listWorkspaces(hub.resourceGroup))) {
      const p = (w["properties"] ?? {}) as Json;
      if (String(w["kind"]).toLowerCase() !== "project") continue;
      if (str(p["hubResourceId"]).toLowerCase() !== hubId) continue;
      const ref = refFromId(str(w["id"]));
      if (ref) projects.set(`${ref.resourceGroup}/${ref.name}`.toLowerCase(), ref);
    }
    const work: FoundryWork[] = [
      { type: "workspace", role: "hub", ...hub },
      ...[...projects.values()].map((p): FoundryWork => ({ type: "workspace", role: "project", ...p })),
    ];
    return {
      carried: { entries: [] },
      work,
      summary: {
        hub: hub.name,
        resourceGroup: hub.resourceGroup,
        location: resource["location"],
        kind: resource["kind"],
        projects: [...projects.values()].map((p) => p.name).sort(),
      },
    };
  },

  async runBatch(ctx, _target, work) {
    const entries: ManifestEntry[] = [];
    const skipped: SkippedEntry[] = [];
    const failed: FailedEntry[] = [];
    const stats = { workspaces: 0, connections: 0, endpoints: 0, deployments: 0, modelDeployments: 0 };
    for (const item of work) {
      const ws: ArmRef = { resourceGroup: item.resourceGroup, name: item.name };
      const base = item.role === "hub" ? "hub/" : `projects/${seg(item.name)}/`;
      const put = async (path: string, kind: string, value: unknown, meta?: Json) =>
        entries.push(await ctx.store.putJson(`${base}${path}`, kind, value, meta));
      try {
        let resource: Json;
        try {
          resource = await ctx.azure.ml.getWorkspace(ws);
        } catch (error) {
          if (isAzdrError(error, "NOT_FOUND") && item.role === "project") {
            skipped.push({
              path: base,
              kind: "foundry-project",
              reason: `project ${item.name} no longer exists`,
            });
            continue;
          }
          throw error;
        }
        await put(
          "workspace.json",
          item.role === "hub" ? "foundry-hub" : "foundry-project",
          workspaceDefinition(resource),
          {
            name: item.name,
            kind: resource["kind"],
          },
        );
        stats.workspaces++;

        for (const c of await collect(ctx.azure.ml.listConnections(ws))) {
          const p = (c["properties"] ?? {}) as Json;
          const name = String(c["name"]);
          await put(`connections/${seg(name)}.json`, "foundry-connection", c, {
            category: p["category"],
            target: p["target"],
            authType: p["authType"],
          });
          stats.connections++;
          const accountId = ((p["metadata"] ?? {}) as Json)["ResourceId"];
          if (
            !DEPLOYMENT_CATEGORIES.has(String(p["category"]).toLowerCase()) ||
            typeof accountId !== "string"
          )
            continue;
          try {
            for (const d of await collect(ctx.azure.ml.listCognitiveDeployments(accountId))) {
              await put(
                `connections/${seg(name)}/deployments/${seg(String(d["name"]))}.json`,
                "foundry-model-deployment",
                d,
                {
                  account: accountId.split("/").pop(),
                  model: ((d["properties"] as Json | undefined)?.["model"] as Json | undefined)?.["name"],
                },
              );
              stats.modelDeployments++;
            }
          } catch (error) {
            if (isAzdrError(error) && error.retryable) throw error;
            // Not exposed to us (no access, or the account is gone): recorded, not a failure.
            skipped.push({
              path: `${base}connections/${seg(name)}/deployments/`,
              kind: "foundry-model-deployment",
              reason: `model deployments of ${accountId.split("/").pop()} not readable: ${errorMessage(error)}`,
            });
          }
        }

        for (const e of await collect(ctx.azure.ml.listOnlineEndpoints(ws))) {
          const endpoint = String(e["name"]);
          await put(`endpoints/${seg(endpoint)}/endpoint.json`, "foundry-endpoint", e);
          stats.endpoints++;
          for (const d of await collect(ctx.azure.ml.listOnlineDeployments(ws, endpoint))) {
            const p = (d["properties"] ?? {}) as Json;
            await put(
              `endpoints/${seg(endpoint)}/deployments/${seg(String(d["name"]))}.json`,
              "foundry-deployment",
              d,
              {
                model: p["model"],
              },
            );
            stats.deployments++;
          }
        }
      } catch (error) {
        if (isAzdrError(error) && error.retryable) throw error;
        failed.push({
          path: base,
          kind: item.role === "hub" ? "foundry-hub" : "foundry-project",
          error: errorMessage(error),
        });
      }
    }
    return { entries, skipped, failed, stats };
  },
};
