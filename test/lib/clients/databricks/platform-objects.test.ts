// The typed clients for warehouses, AI/BI dashboards, pipelines, workspace settings, cluster
// libraries and MLflow experiments, against the simulator over HTTP: list iterators walk every
// page, API errors arrive as AzdrError codes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../../sim/index.js";
import { DatabricksClient } from "../../../../src/lib/clients/databricks.js";
import { LakeviewClient } from "../../../../src/lib/clients/databricks/lakeview.js";
import { LibrariesClient } from "../../../../src/lib/clients/databricks/libraries.js";
import { MlflowClient } from "../../../../src/lib/clients/databricks/mlflow.js";
import { PipelinesClient } from "../../../../src/lib/clients/databricks/pipelines.js";
import { WarehousesClient, warehouseSpec } from "../../../../src/lib/clients/databricks/warehouses.js";
import { WorkspaceConfClient } from "../../../../src/lib/clients/databricks/workspace-conf.js";
import { collect } from "../../../../src/lib/concurrency.js";

let sim: PlatformSimulator;
let http: DatabricksClient;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [
      {
        name: "primary",
        workspaceId: 1234567890123456,
        seed: { notebooks: 2, jobs: 1, clusters: 3, dashboards: 3 },
      },
    ],
    metastores: [],
  });
  http = new DatabricksClient({
    host: sim.urls["primary"]!,
    auth: { type: "pat", token: sim.token },
    maxAttempts: 1,
  });
});
afterAll(async () => sim?.close());

describe("typed Databricks clients for the platform objects", () => {
  test("WarehousesClient: list, spec without server-set fields, create, stop; a refused create is an AzdrError", async () => {
    const warehouses = new WarehousesClient(http);
    const listed = await collect(warehouses.listWarehouses());
    expect(listed.length).toBe(2); // the starter warehouse and the seeded one
    const seeded = listed.find((w) => w.name === "bi warehouse 0")!;
    expect(warehouseSpec(seeded)).not.toHaveProperty("state");
    expect(warehouseSpec(seeded)).toMatchObject({ cluster_size: "Medium", max_num_clusters: 3 });
    const id = await warehouses.createWarehouse({ ...warehouseSpec(seeded), name: "copy" });
    await warehouses.stopWarehouse(id);
    expect((await warehouses.getWarehouse(id)).state).toBe("STOPPED");
    await expect(
      warehouses.createWarehouse({ ...warehouseSpec(seeded), name: "copy" }),
    ).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
    sim.faults.add("primary", {
      route: "POST /api/2.0/sql/warehouses",
      status: 403,
      errorCode: "PERMISSION_DENIED",
      times: 1,
    });
    await expect(warehouses.createWarehouse({ name: "x", cluster_size: "Small" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  test("LakeviewClient: pages through dashboards, reads the definition; getPublished is undefined for a draft", async () => {
    const lakeview = new LakeviewClient(http);
    const listed = await collect(lakeview.listDashboards());
    expect(listed).toHaveLength(3);
    const published = listed.find((d) => d.display_name === "Sales overview 0")!;
    expect((await lakeview.getDashboard(published.dashboard_id)).serialized_dashboard).toContain("datasets");
    expect(await lakeview.getPublished(published.dashboard_id)).toMatchObject({ embed_credentials: true });
    const draft = listed.find((d) => d.display_name === "Sales overview 1")!;
    expect(await lakeview.getPublished(draft.dashboard_id)).toBeUndefined();
    await expect(lakeview.getDashboard("nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("PipelinesClient: list, get the spec, create without an update; a name in use is ALREADY_EXISTS", async () => {
    const pipelines = new PipelinesClient(http);
    const [listed] = await collect(pipelines.listPipelines());
    const pipeline = await pipelines.getPipeline(listed!.pipeline_id);
    expect(pipeline.spec).toMatchObject({ name: "bronze ingest 0", catalog: "main" });
    await expect(pipelines.createPipeline(pipeline.spec)).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
    const id = await pipelines.createPipeline({ ...pipeline.spec, name: "copy" });
    expect((await pipelines.getPipeline(id)).state).toBe("IDLE");
    expect(sim.workspace("primary").state.pipelines.records.get(id)?.updates).toEqual([]);
  });

  test("WorkspaceConfClient: reads named keys; an unknown key is named while the known ones are still read", async () => {
    const conf = new WorkspaceConfClient(http);
    expect(await conf.readSettings(["maxTokenLifetimeDays", "enableWebTerminal"])).toEqual({
      values: { maxTokenLifetimeDays: "90", enableWebTerminal: "true" },
      unknown: [],
    });
    expect(await conf.readSettings(["maxTokenLifetimeDays", "enableTeleport"])).toEqual({
      values: { maxTokenLifetimeDays: "90" },
      unknown: ["enableTeleport"],
    });
    await conf.setSettings({ enableWebTerminal: "false" });
    expect(await conf.getSettings(["enableWebTerminal"])).toEqual({ enableWebTerminal: "false" });
    await expect(conf.setSettings({ enableTeleport: "true" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  test("LibrariesClient and MlflowClient: every cluster's libraries; experiments with tags", async () => {
    const libraries = new LibrariesClient(http);
    const all = await collect(libraries.listClusterLibraries());
    expect(all.map((c) => c.cluster_id).sort()).toEqual(
      [...sim.seeds.workspaces["primary"]!.libraryClusterIds].sort(),
    );
    const cluster = all[0]!.cluster_id;
    await libraries.install(cluster, [{ pypi: { package: "rich" } }]);
    expect((await libraries.clusterStatus(cluster)).map((s) => s.library)).toContainEqual({
      pypi: { package: "rich" },
    });
    await expect(libraries.clusterStatus("0000-000000-nope")).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });

    const mlflow = new MlflowClient(http);
    const [experiment] = await collect(mlflow.listExperiments());
    expect(experiment).toMatchObject({ name: "/Users/alice@example.com/churn model 0" });
    expect(experiment!.tags).toContainEqual({ key: "team", value: "ml" });
    await expect(mlflow.createExperiment({ name: experiment!.name })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
  });
});
