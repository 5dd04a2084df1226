// The typed clients for warehouses, AI/BI dashboards, pipelines, workspace settings, cluster
// libraries and MLflow experiments, against the simulator over HTTP: list iterators walk every
// page, API errors arrive as AzdrError codes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../../sim/index.js";
import { DatabricksClient } from "../../../../src/lib/clients/databricks.js";
import {
  databricksApis,
  warehouseSpec,
  type DatabricksApis,
} from "../../../../src/lib/clients/databricks/index.js";
import { collect } from "../../../../src/lib/concurrency.js";

let sim: PlatformSimulator;
let dbx: DatabricksApis;
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
  dbx = databricksApis(
    new DatabricksClient({
      host: sim.urls["primary"]!,
      auth: { type: "pat", token: sim.token },
      maxAttempts: 1,
    }),
  );
});
afterAll(async () => sim?.close());

describe("typed Databricks clients for the platform objects", () => {
  test("WarehousesClient: list, spec without server-set fields, create, stop; a refused create is an AzdrError", async () => {
    const warehouses = dbx.warehouses;
    const listed = await collect(warehouses.list());
    expect(listed.length).toBe(2); // the starter warehouse and the seeded one
    const seeded = listed.find((w) => w.name === "bi warehouse 0")!;
    expect(warehouseSpec(seeded)).not.toHaveProperty("state");
    expect(warehouseSpec(seeded)).toMatchObject({ cluster_size: "Medium", max_num_clusters: 3 });
    const id = await warehouses.create({ ...warehouseSpec(seeded), name: "copy" });
    await warehouses.stop(id);
    expect((await warehouses.get(id)).state).toBe("STOPPED");
    await expect(warehouses.create({ ...warehouseSpec(seeded), name: "copy" })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
    sim.faults.add("primary", {
      route: "POST /api/2.0/sql/warehouses",
      status: 403,
      errorCode: "PERMISSION_DENIED",
      times: 1,
    });
    await expect(warehouses.create({ name: "x", cluster_size: "Small" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  test("LakeviewClient: pages through dashboards, reads the definition; getPublished is undefined for a draft", async () => {
    const lakeview = dbx.lakeview;
    const listed = await collect(lakeview.list({ pageSize: 2 }));
    expect(listed).toHaveLength(3);
    const published = listed.find((d) => d.display_name === "Sales overview 0")!;
    expect((await lakeview.get(published.dashboard_id)).serialized_dashboard).toContain("datasets");
    expect(await lakeview.getPublished(published.dashboard_id)).toMatchObject({ embed_credentials: true });
    const draft = listed.find((d) => d.display_name === "Sales overview 1")!;
    expect(await lakeview.getPublished(draft.dashboard_id)).toBeUndefined();
    await expect(lakeview.get("nope")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("PipelinesClient: list, get the spec, create without an update; a name in use is ALREADY_EXISTS", async () => {
    const pipelines = dbx.pipelines;
    const [listed] = await collect(pipelines.list());
    const pipeline = await pipelines.get(listed!.pipeline_id);
    expect(pipeline.spec).toMatchObject({ name: "bronze ingest 0", catalog: "main" });
    await expect(pipelines.create(pipeline.spec)).rejects.toMatchObject({ code: "ALREADY_EXISTS" });
    const id = await pipelines.create({ ...pipeline.spec, name: "copy" });
    expect((await pipelines.get(id)).state).toBe("IDLE");
    expect(sim.workspace("primary").state.pipelines.records.get(id)?.updates).toEqual([]);
  });

  test("WorkspaceConfClient: reads named keys; an unknown key is named while the known ones are still read", async () => {
    const conf = dbx.workspaceConf;
    expect(await conf.read(["maxTokenLifetimeDays", "enableWebTerminal"])).toEqual({
      values: { maxTokenLifetimeDays: "90", enableWebTerminal: "true" },
      unknown: [],
    });
    expect(await conf.read(["maxTokenLifetimeDays", "enableTeleport"])).toEqual({
      values: { maxTokenLifetimeDays: "90" },
      unknown: ["enableTeleport"],
    });
    await conf.set({ enableWebTerminal: "false" });
    expect(await conf.get(["enableWebTerminal"])).toEqual({ enableWebTerminal: "false" });
    await expect(conf.set({ enableTeleport: "true" })).rejects.toMatchObject({
      code: "INVALID_INPUT",
    });
  });

  test("LibrariesClient and MlflowClient: every cluster's libraries; experiments with tags", async () => {
    const libraries = dbx.libraries;
    const all = await collect(libraries.listAll());
    expect(all.map((c) => c.cluster_id).sort()).toEqual(
      [...sim.seeds.workspaces["primary"]!.libraryClusterIds].sort(),
    );
    const cluster = all[0]!.cluster_id;
    await libraries.install(cluster, [{ pypi: { package: "rich" } }]);
    expect((await libraries.clusterStatus(cluster)).map((s) => s.library)).toContainEqual({
      pypi: { package: "rich" },
    });
    await expect(libraries.clusterStatus("0000-000000-nope")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const mlflow = dbx.mlflow;
    const [experiment] = await collect(mlflow.list());
    expect(experiment).toMatchObject({ name: "/Users/alice@example.com/churn model 0" });
    expect(experiment!.tags).toContainEqual({ key: "team", value: "ml" });
    await expect(mlflow.create({ name: experiment!.name })).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
  });
});
