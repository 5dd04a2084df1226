// Azure ML / AI Foundry through @azure/arm-machinelearning (API 2022-10-01) and, for what it does
// not cover (connections of hubs/projects), raw ARM requests through the same HttpClient.
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { ServiceClient } from "@azure/core-client";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CANARY_CONNECTION_KEY, startAzureSim, type AzureSim } from "../../../sim/azure/index.js";

let sim: AzureSim;
let ml: AzureMachineLearningWorkspaces;
let raw: ServiceClient;

beforeAll(async () => {
  sim = await startAzureSim({
    seed: { models: 4, versionsPerModel: 3, environments: 2, dataAssets: 3 },
    pageSize: { arm: 2 },
  });
  ml = new AzureMachineLearningWorkspaces(sim.credential, sim.subscriptionId, {
    httpClient: sim.httpClient,
    retryOptions: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
  });
  raw = new ServiceClient({
    credential: sim.credential,
    credentialScopes: ["https://management.azure.com/.default"],
    httpClient: sim.httpClient,
  });
});
afterAll(async () => sim.close());

const rg = () => sim.seed!.resourceGroup;
const WS = "mlw-azdr-prod";

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function armGet(path: string, apiVersion = "2024-10-01"): Promise<{ status: number; body: unknown }> {
  const res = await raw.sendRequest(
    createPipelineRequest({ url: `${sim.armUrl}${path}?api-version=${apiVersion}` }),
  );
  return { status: res.status, body: res.bodyAsText ? JSON.parse(res.bodyAsText) : undefined };
}

describe("workspaces", () => {
  test("get returns the workspace definition with its linked resources", async () => {
    const w = await ml.workspaces.get(rg(), WS);
    expect(w.storageAccount).toContain("/storageAccounts/stazdrmlprod");
    expect(w.keyVault).toContain("/vaults/kv-azdr-prod");
    expect(w.containerRegistry).toContain("/registries/crazdrprod");
    expect(w.applicationInsights).toContain("/components/appi-azdr-prod");
    expect(w.publicNetworkAccess).toBe("Enabled");
    expect(w.sku?.name).toBe("Basic");
  });

  test("list by resource group pages through nextLink and includes hub and project kinds", async () => {
    const list = await all(ml.workspaces.listByResourceGroup(rg()));
    expect(list.map((w) => w.name).sort()).toEqual(["hub-azdr-prod", "mlw-azdr-prod", "proj-azdr-chat"]);
    // kind and hubResourceId are newer than 2022-10-01: read them raw.
    const { body } = await armGet(
      `/subscriptions/${sim.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.MachineLearningServices/workspaces/proj-azdr-chat`,
    );
    const project = body as { kind: string; properties: { hubResourceId: string } };
    expect(project.kind).toBe("Project");
    expect(project.properties.hubResourceId).toContain("/workspaces/hub-azdr-prod");
  });

  test("a soft-deleted workspace answers 404, and re-creating it in the same region recovers it", async () => {
    const sim2 = await startAzureSim();
    try {
      const c = new AzureMachineLearningWorkspaces(sim2.credential, sim2.subscriptionId, {
        httpClient: sim2.httpClient,
      });
      sim2.disasters.deleteMlWorkspace(WS);
      await expect(c.workspaces.get(sim2.seed!.resourceGroup, WS)).rejects.toMatchObject({ statusCode: 404 });
      expect(sim2.state.activeDeletedMlWorkspaces().map((d) => d.workspace.name)).toEqual([WS]);
      const back = await c.workspaces.beginCreateOrUpdateAndWait(
        sim2.seed!.resourceGroup,
        WS,
        { location: "westeurope" },
        { updateIntervalInMs: 5 },
      );
      expect(back.name).toBe(WS);
      expect((await all(c.modelContainers.list(sim2.seed!.resourceGroup, WS))).length).toBe(3);
    } finally {
      await sim2.close();
    }
  });
});

describe("assets", () => {
  test("every model version with modelUri, tags and properties", async () => {
    const models = await all(ml.modelContainers.list(rg(), WS));
    expect(models.map((m) => m.name)).toHaveLength(4);
    let versions = 0;
    for (const m of models) {
      const vs = await all(ml.modelVersions.list(rg(), WS, m.name!));
      versions += vs.length;
      for (const v of vs) {
        expect(v.properties.modelUri).toMatch(/^(azureml|https):\/\//);
        expect(v.properties.tags?.commit).toBeTruthy();
        expect(v.properties.properties?.["azureml.runId"]).toBeTruthy();
      }
    }
    expect(versions).toBe(sim.seed!.counts.modelVersions);
    const one = await ml.modelVersions.get(rg(), WS, "churn-classifier", "2");
    expect(one.properties.modelType).toBe("mlflow_model");
  });

  test("environments (image + conda, or a Docker build context), data assets, datastores, computes", async () => {
    const envs = await all(ml.environmentContainers.list(rg(), WS));
    const envVersions = (
      await Promise.all(envs.map((e) => all(ml.environmentVersions.list(rg(), WS, e.name!))))
    ).flat();
    expect(envVersions).toHaveLength(sim.seed!.counts.environmentVersions);
    expect(envVersions.some((v) => v.properties.image && v.properties.condaFile)).toBe(true);
    expect(envVersions.some((v) => v.properties.build?.contextUri && v.properties.build.dockerfilePath)).toBe(
      true,
    );

    const data = await all(ml.dataContainers.list(rg(), WS));
    const dataVersions = (
      await Promise.all(data.map((d) => all(ml.dataVersions.list(rg(), WS, d.name!))))
    ).flat();
    expect(dataVersions).toHaveLength(sim.seed!.counts.dataVersions);
    expect(new Set(dataVersions.map((v) => v.properties.dataType))).toEqual(
      new Set(["uri_folder", "uri_file", "mltable"]),
    );

    const stores = await all(ml.datastores.list(rg(), WS));
    const blobstore = stores.find((s) => s.name === "workspaceblobstore")!;
    expect(blobstore.properties).toMatchObject({ datastoreType: "AzureBlob", accountName: "stazdrmlprod" });
    expect(JSON.stringify(stores)).not.toContain("DO-NOT-LEAK");

    const computes = await all(ml.computeOperations.list(rg(), WS));
    expect(computes.map((c) => c.properties?.computeType).sort()).toEqual(["AmlCompute", "ComputeInstance"]);
  });

  test("a missing model version is a 404", async () => {
    await expect(ml.modelVersions.get(rg(), WS, "churn-classifier", "99")).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe("AI Foundry connections", () => {
  test("list returns metadata only; listsecrets is recorded as a secret read", async () => {
    const path = `/subscriptions/${sim.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.MachineLearningServices/workspaces/hub-azdr-prod/connections`;
    const first = await armGet(path);
    const body = first.body as {
      value: Array<{ name: string; properties: Record<string, unknown> }>;
      nextLink?: string;
    };
    expect(body.nextLink).toMatch(/^https:\/\/management\.azure\.com\//);
    const next = await raw.sendRequest(createPipelineRequest({ url: body.nextLink! }));
    const all2 = [...body.value, ...(JSON.parse(next.bodyAsText!) as typeof body).value];
    expect(all2.map((c) => c.name).sort()).toEqual(["aiservices-primary", "aoai-primary", "search-primary"]);
    const aoai = all2.find((c) => c.name === "aoai-primary")!;
    expect(aoai.properties).toMatchObject({ category: "AzureOpenAI", authType: "ApiKey" });
    expect(aoai.properties.target).toContain("openai");
    expect(JSON.stringify(all2)).not.toContain(CANARY_CONNECTION_KEY);
    expect(sim.state.secretReads).toHaveLength(0);

    const post = createPipelineRequest({
      url: `${sim.armUrl}${path}/aoai-primary/listsecrets?api-version=2024-10-01`,
      method: "POST",
    });
    const secrets = await raw.sendRequest(post);
    expect(secrets.bodyAsText).toContain(CANARY_CONNECTION_KEY);
    expect(sim.state.secretReads.map((r) => r.kind)).toEqual(["ml-connection-secrets"]);
  });

  test("ML SDK's workspaceConnections also lists them", async () => {
    const conns = await all(ml.workspaceConnections.list(rg(), "proj-azdr-chat"));
    expect(conns.map((c) => c.name)).toEqual(["blob-docs"]);
    expect(conns[0]!.properties.category).toBe("AzureBlob");
  });
});

test("Databricks workspace resources", async () => {
  const { body } = await armGet(
    `/subscriptions/${sim.subscriptionId}/providers/Microsoft.Databricks/workspaces`,
    "2024-05-01",
  );
  const list = (
    body as { value: Array<{ name: string; properties: { workspaceUrl: string; workspaceId: string } }> }
  ).value;
  expect(list.map((w) => w.name).sort()).toEqual(["dbw-azdr-dr", "dbw-azdr-prod"]);
  expect(list[0]!.properties.workspaceUrl).toMatch(/^adb-\d+\.\d+\.azuredatabricks\.net$/);
});
