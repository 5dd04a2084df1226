// AI Foundry backup through the engine against sim/azure: hub, projects, connections (metadata
// only, never keys), online endpoints and deployments; a missing hub.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CANARY_CONNECTION_KEY } from "../../../../sim/azure/index.js";
import { BACKUP_KINDS } from "../../../../src/lib/backup/catalog.js";
import { foundrySource } from "../../../../src/lib/sources/foundry-source.js";
import { SECRET_VALUE_ROUTES, runBackup, startAzurePlatform, type AzureTestPlatform } from "./support.js";

let p: AzureTestPlatform;

beforeAll(async () => {
  p = await startAzurePlatform({ sim: { pageSize: { arm: 2 } } });
});
afterAll(async () => p.close());
beforeEach(() => {
  p.sim.clearFaults();
  p.sim.log.clear();
});

describe("foundry", () => {
  test("hub, project, every connection (no keys), endpoints and deployments", async () => {
    expect(BACKUP_KINDS.foundry.source).toBe(foundrySource);
    const run = await runBackup(p.runtime, foundrySource, "hub-main", "20260101t030000z");
    expect(run.commit.phase).toBe("Completed");
    const paths = run.manifest.entries.map((e) => e.path);
    expect(paths).toContain("hub/workspace.json");
    expect(paths).toContain("projects/proj-azdr-chat/workspace.json");
    const connections = run.manifest.entries.filter((e) => e.kind === "foundry-connection");
    expect(connections.map((c) => c.path.split("/").pop()!.replace(".json", "")).sort()).toEqual(
      [...p.sim.seed!.foundry.connections].sort(),
    );
    expect(run.manifest.counts["foundry-endpoint"]).toBe(1);
    expect(run.manifest.counts["foundry-deployment"]).toBe(1);
    expect(run.manifest.summary).toMatchObject({
      hub: "hub-azdr-prod",
      kind: "Hub",
      projects: ["proj-azdr-chat"],
    });

    const aoai = connections.find((c) => c.path === "hub/connections/aoai-primary.json")!;
    expect(aoai.meta).toMatchObject({ category: "AzureOpenAI", authType: "ApiKey" });
    const body = (await p.runtime.store.getObject(aoai.sha256)).toString();
    expect(body).toContain("https://aoai-azdr-prod.openai.azure.com/");
    expect(body).not.toContain(CANARY_CONNECTION_KEY);
    const project = await p.runtime.store.getJson<{ kind: string; properties: { hubResourceId: string } }>(
      run.manifest.entries.find((e) => e.path === "projects/proj-azdr-chat/workspace.json")!.sha256,
    );
    expect(project.kind).toBe("Project");
    expect(project.properties.hubResourceId).toContain("/workspaces/hub-azdr-prod");
    const deployment = await p.runtime.store.getJson<{ properties: { model: string } }>(
      run.manifest.entries.find((e) => e.kind === "foundry-deployment")!.sha256,
    );
    expect(deployment.properties.model).toBe("azureml:churn-classifier:2");

    // The Azure OpenAI / AI Services accounts' model deployments behind the connections.
    expect(run.manifest.skipped).toEqual([]);
    expect(
      run.manifest.entries
        .filter((e) => e.kind === "foundry-model-deployment")
        .map((e) => e.path)
        .sort(),
    ).toEqual([
      "hub/connections/aiservices-primary/deployments/phi-4.json",
      "hub/connections/aoai-primary/deployments/embeddings.json",
      "hub/connections/aoai-primary/deployments/gpt-4o.json",
    ]);

    // Never a key: no listsecrets, no secret read in the simulator.
    expect(p.sim.log.entries.filter((e) => SECRET_VALUE_ROUTES.test(e.route))).toEqual([]);
    expect(p.sim.state.secretReads).toEqual([]);
    // Connections of the hub (3) at 2 per page: followed the nextLink.
    expect(p.sim.log.filter("/connections", "arm").some((e) => e.query.includes("skiptoken"))).toBe(true);
  });

  test("model deployments azdr may not read are skipped with the reason, not a failure", async () => {
    p.sim.addFault("arm", { route: "CognitiveServices/accounts/:account/deployments", status: 403 });
    const run = await runBackup(p.runtime, foundrySource, "hub-main", "20260101t040000z");
    expect(run.commit.phase).toBe("Completed");
    expect(run.manifest.skipped.map((s) => s.path).sort()).toEqual([
      "hub/connections/aiservices-primary/deployments/",
      "hub/connections/aoai-primary/deployments/",
    ]);
    expect(run.manifest.skipped[0]!.reason).toMatch(/model deployments of \w+-azdr-prod not readable: .*403/);
  });

  test("a missing hub is a Failed snapshot with a reason", async () => {
    const q = await startAzurePlatform({
      config: { foundry: { hubs: [{ id: "hub-x", name: "hub-gone" }] } },
    });
    try {
      const run = await runBackup(q.runtime, foundrySource, "hub-x", "20260101t030000z");
      expect(run.commit.phase).toBe("Failed");
      expect(run.plan.fatal).toMatch(/AI Foundry hub hub-gone was not found .*foundry\.hubs\[id=hub-x\]/);
    } finally {
      await q.close();
    }
  });
});
