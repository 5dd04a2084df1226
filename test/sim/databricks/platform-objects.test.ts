// The simulator's SQL warehouses, AI/BI (Lakeview) dashboards, pipelines, workspace settings,
// cluster libraries and MLflow experiments, each as the Databricks API reference describes it:
// read through the real SDK where it walks the pages, raw HTTP where the status or error code is
// the point.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { STARTER_WAREHOUSE_NAME } from "../../../sim/databricks/warehouses.js";
import { client, collect, raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [
      { name: "primary", workspaceId: 1234567890123456, seed: { notebooks: 4, jobs: 1, clusters: 3 } },
      { name: "dr", workspaceId: 6543210987654321, seed: false },
    ],
    metastores: [],
  });
});
afterAll(async () => sim?.close());
const dr = { workspace: "dr" };

describe("SQL warehouses", () => {
  test("every workspace has the starter warehouse; create starts a warehouse, stop / start / edit / delete", async () => {
    const listed = await collect(client(sim, "dr").warehouses.list({}));
    expect(listed.map((w) => [w.name, w.state])).toEqual([[STARTER_WAREHOUSE_NAME, "STOPPED"]]);

    const created = await raw(
      sim,
      "POST",
      "/api/2.0/sql/warehouses",
      { name: "etl", cluster_size: "Small", auto_stop_mins: 15 },
      dr,
    );
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    expect((await raw(sim, "GET", `/api/2.0/sql/warehouses/${id}`, undefined, dr)).body).toMatchObject({
      name: "etl",
      state: "RUNNING",
      cluster_size: "Small",
      auto_stop_mins: 15,
      min_num_clusters: 1,
      max_num_clusters: 1,
    });
    await raw(sim, "POST", `/api/2.0/sql/warehouses/${id}/stop`, {}, dr);
    expect(sim.workspace("dr").state.sqlWarehouses.records.get(id)?.state).toBe("STOPPED");
    expect(
      (await raw(sim, "POST", `/api/2.0/sql/warehouses/${id}/edit`, { cluster_size: "Large" }, dr)).status,
    ).toBe(200);
    expect(sim.workspace("dr").state.sqlWarehouses.records.get(id)).toMatchObject({
      cluster_size: "Large",
      name: "etl",
    });
    expect((await raw(sim, "DELETE", `/api/2.0/sql/warehouses/${id}`, undefined, dr)).status).toBe(200);
    const gone = await raw(sim, "GET", `/api/2.0/sql/warehouses/${id}`, undefined, dr);
    expect([gone.status, gone.body.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
  });

  test("the reference's field rules are 400s, and a name is unique", async () => {
    const bad = async (spec: Record<string, unknown>) =>
      (await raw(sim, "POST", "/api/2.0/sql/warehouses", spec, dr)).body;
    expect(await bad({ name: "x", cluster_size: "Huge" })).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
    });
    expect(await bad({ name: "x", cluster_size: "Small", auto_stop_mins: 5 })).toMatchObject({
      message: expect.stringContaining("auto_stop_mins") as string,
    });
    expect(
      await bad({ name: "x", cluster_size: "Small", min_num_clusters: 3, max_num_clusters: 2 }),
    ).toMatchObject({
      message: expect.stringContaining("max_num_clusters") as string,
    });
    expect(await bad({ name: "x", cluster_size: "Small", enable_serverless_compute: true })).toMatchObject({
      message: expect.stringContaining("PRO") as string,
    });
    expect(await bad({ name: STARTER_WAREHOUSE_NAME, cluster_size: "Small" })).toMatchObject({
      error_code: "RESOURCE_ALREADY_EXISTS",
    });
  });
});

describe("AI/BI dashboards", () => {
  test("create a draft, read it through Lakeview and the Workspace API, update, publish, list, trash", async () => {
    const w = client(sim, "dr");
    const body = JSON.stringify({ pages: [{ name: "p", displayName: "P" }], datasets: [] });
    const created = await w.lakeview.create({
      dashboard: { display_name: "Ops", parent_path: "/Shared", serialized_dashboard: body },
    });
    expect(created).toMatchObject({
      display_name: "Ops",
      path: "/Shared/Ops.lvdash.json",
      lifecycle_state: "ACTIVE",
    });
    const id = created.dashboard_id!;
    const status = await raw(
      sim,
      "GET",
      "/api/2.0/workspace/get-status?path=/Shared/Ops.lvdash.json",
      undefined,
      dr,
    );
    expect(status.body).toMatchObject({ object_type: "DASHBOARD", resource_id: id });
    const exported = await raw(
      sim,
      "GET",
      "/api/2.0/workspace/export?path=/Shared/Ops.lvdash.json&format=SOURCE",
      undefined,
      dr,
    );
    expect(Buffer.from(exported.body.content as string, "base64").toString()).toBe(body);

    const notPublished = await raw(sim, "GET", `/api/2.0/lakeview/dashboards/${id}/published`, undefined, dr);
    expect(notPublished.status).toBe(404);
    // Publishing needs a warehouse that exists in this workspace.
    const noWarehouse = await raw(
      sim,
      "POST",
      `/api/2.0/lakeview/dashboards/${id}/published`,
      { warehouse_id: "0123456789abcdef" },
      dr,
    );
    expect([noWarehouse.status, noWarehouse.body.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
    const [starter] = await collect(w.warehouses.list({}));
    await raw(
      sim,
      "PATCH",
      `/api/2.0/lakeview/dashboards/${id}`,
      { warehouse_id: starter!.id, display_name: "Ops v2" },
      dr,
    );
    const published = await raw(
      sim,
      "POST",
      `/api/2.0/lakeview/dashboards/${id}/published`,
      { embed_credentials: false },
      dr,
    );
    expect(published.body).toMatchObject({
      display_name: "Ops v2",
      embed_credentials: false,
      warehouse_id: starter!.id,
    });

    const listed = await collect(w.lakeview.list({ page_size: 1 }));
    expect(listed.map((d) => d.path)).toEqual(["/Shared/Ops v2.lvdash.json"]);
    expect(listed[0]!.serialized_dashboard).toBeUndefined();
    await raw(sim, "DELETE", `/api/2.0/lakeview/dashboards/${id}`, undefined, dr);
    expect(await collect(w.lakeview.list({}))).toEqual([]);
    expect((await collect(w.lakeview.list({ show_trashed: true }))).map((d) => d.lifecycle_state)).toEqual([
      "TRASHED",
    ]);
  });

  test("a missing folder, a taken path and a body that is not JSON are refused", async () => {
    const post = async (spec: Record<string, unknown>) =>
      (await raw(sim, "POST", "/api/2.0/lakeview/dashboards", spec, dr)).body;
    expect(await post({ display_name: "x", parent_path: "/Nowhere" })).toMatchObject({
      error_code: "RESOURCE_DOES_NOT_EXIST",
    });
    expect(await post({ display_name: "dup", parent_path: "/Shared" })).not.toHaveProperty("error_code");
    expect(await post({ display_name: "dup", parent_path: "/Shared" })).toMatchObject({
      error_code: "RESOURCE_ALREADY_EXISTS",
    });
    expect(
      await post({ display_name: "y", parent_path: "/Shared", serialized_dashboard: "{nope" }),
    ).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
    });
  });

  test("lists page by page_size with a token", async () => {
    const primary = sim.workspace("primary").state.lakeview;
    for (let i = 0; i < 3; i++) primary.create({ display_name: `paged ${i}`, parent_path: "/Shared" });
    const first = await raw(sim, "GET", "/api/2.0/lakeview/dashboards?page_size=2");
    expect((first.body.dashboards as unknown[]).length).toBe(2);
    expect(first.body.next_page_token).toEqual(expect.any(String));
    const all = await collect(client(sim, "primary").lakeview.list({ page_size: 2 }));
    expect(all.length).toBe(primary.dashboards.size);
  });
});

describe("pipelines", () => {
  test("create, get, edit, list with filter and pages, delete; creating never starts an update", async () => {
    const w = client(sim, "dr");
    const created = await w.pipelines.create({
      name: "silver",
      catalog: "main",
      schema: "silver",
      libraries: [{ notebook: { path: "/Shared/silver" } }],
      configuration: { a: "1" },
    });
    const id = created.pipeline_id!;
    const got = await w.pipelines.get({ pipeline_id: id });
    expect(got).toMatchObject({
      name: "silver",
      state: "IDLE",
      spec: { id, catalog: "main", schema: "silver" },
    });
    expect(got.latest_updates).toBeUndefined();
    const edited = await raw(
      sim,
      "PUT",
      `/api/2.0/pipelines/${id}`,
      { ...got.spec, configuration: { a: "2" } },
      dr,
    );
    expect(edited.status).toBe(200);
    expect(sim.workspace("dr").state.pipelines.records.get(id)?.spec.configuration).toEqual({ a: "2" });

    for (const name of ["p-a", "p-b", "q-c"]) await w.pipelines.create({ name, schema: "s" });
    const filtered = await collect(w.pipelines.listPipelines({ filter: "name LIKE 'p-%'", max_results: 1 }));
    expect(filtered.map((p) => p.name).sort()).toEqual(["p-a", "p-b"]);
    const tooMany = await raw(sim, "GET", "/api/2.0/pipelines?max_results=101", undefined, dr);
    expect(tooMany.status).toBe(400);

    await w.pipelines.delete({ pipeline_id: id });
    const gone = await raw(sim, "GET", `/api/2.0/pipelines/${id}`, undefined, dr);
    expect([gone.status, gone.body.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
  });

  test("a name in use is refused unless allow_duplicate_names; schema with target and catalog with storage are 400s", async () => {
    await raw(sim, "POST", "/api/2.0/pipelines", { name: "clash", schema: "s" }, dr);
    const clash = await raw(sim, "POST", "/api/2.0/pipelines", { name: "clash", schema: "s" }, dr);
    expect([clash.status, clash.body.error_code]).toEqual([400, "RESOURCE_CONFLICT"]);
    expect(clash.body.message).toContain("allow_duplicate_names");
    const allowed = await raw(
      sim,
      "POST",
      "/api/2.0/pipelines",
      { name: "clash", schema: "s", allow_duplicate_names: true },
      dr,
    );
    expect(allowed.status).toBe(200);
    const both = await raw(sim, "POST", "/api/2.0/pipelines", { name: "t", schema: "a", target: "b" }, dr);
    expect(both.status).toBe(400);
    const storage = await raw(
      sim,
      "POST",
      "/api/2.0/pipelines",
      { name: "u", catalog: "c", schema: "a", storage: "dbfs:/x" },
      dr,
    );
    expect(storage.status).toBe(400);
  });
});

describe("workspace settings", () => {
  test("GET needs keys and answers strings; PATCH answers 204; an unknown key fails the whole call naming it", async () => {
    const got = await raw(
      sim,
      "GET",
      "/api/2.0/workspace-conf?keys=enableTokensConfig,maxTokenLifetimeDays",
      undefined,
      dr,
    );
    expect(got.body).toEqual({ enableTokensConfig: "true", maxTokenLifetimeDays: null });
    const patched = await raw(sim, "PATCH", "/api/2.0/workspace-conf", { maxTokenLifetimeDays: "30" }, dr);
    expect(patched.status).toBe(204);
    expect(sim.workspace("dr").state.workspaceConf.values.get("maxTokenLifetimeDays")).toBe("30");
    const unknown = await raw(
      sim,
      "GET",
      "/api/2.0/workspace-conf?keys=enableTokensConfig,enableTeleport",
      undefined,
      dr,
    );
    expect([unknown.status, unknown.body.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    expect(unknown.body.message).toContain("enableTeleport");
    const badValue = await raw(sim, "PATCH", "/api/2.0/workspace-conf", { enableWebTerminal: "yes" }, dr);
    expect(badValue.status).toBe(400);
    expect((await raw(sim, "GET", "/api/2.0/workspace-conf", undefined, dr)).status).toBe(400);
  });
});

describe("cluster libraries", () => {
  test("install on a running cluster is INSTALLED, on a terminated one PENDING until it starts; uninstall waits for a restart", async () => {
    const state = sim.workspace("primary").state;
    const running = [...state.clusters.values()].find((c) => c.state === "RUNNING")!.cluster_id as string;
    const stopped = [...state.clusters.values()].find((c) => c.state === "TERMINATED")!.cluster_id as string;
    const w = client(sim, "primary");
    await w.libraries.install({ cluster_id: stopped, libraries: [{ pypi: { package: "rich" } }] });
    expect(
      (await collect(w.libraries.clusterStatus({ cluster_id: stopped }))).map((s) => s.status),
    ).toContain("PENDING");
    await raw(sim, "POST", "/api/2.1/clusters/start", { cluster_id: stopped });
    const after = await collect(w.libraries.clusterStatus({ cluster_id: stopped }));
    expect(after.find((s) => s.library?.pypi?.package === "rich")?.status).toBe("INSTALLED");

    await w.libraries.uninstall({
      cluster_id: running,
      libraries: [{ pypi: { package: "great-expectations==0.18.12" } }],
    });
    const statuses = await collect(w.libraries.clusterStatus({ cluster_id: running }));
    expect(statuses.map((s) => s.status)).toEqual(["UNINSTALL_ON_RESTART", "INSTALLED"]);
    const all = await collect(w.libraries.allClusterStatuses());
    expect(all.map((s) => s.cluster_id).sort()).toEqual([running, stopped].sort());
  });

  test("a library must set exactly one kind with its required field; an unknown cluster is a 400", async () => {
    const cluster = [...sim.workspace("primary").state.clusters.keys()][0]!;
    const two = await raw(sim, "POST", "/api/2.0/libraries/install", {
      cluster_id: cluster,
      libraries: [{ jar: "a.jar", whl: "b.whl" }],
    });
    expect(two.status).toBe(400);
    const noPackage = await raw(sim, "POST", "/api/2.0/libraries/install", {
      cluster_id: cluster,
      libraries: [{ pypi: {} }],
    });
    expect(noPackage.body.message).toContain("pypi.package");
    const unknown = await raw(sim, "GET", "/api/2.0/libraries/cluster-status?cluster_id=0000-000000-nope");
    expect([unknown.status, unknown.body.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
  });
});

describe("MLflow experiments", () => {
  test("create in a workspace folder with tags, search (pages, filter, view_type), rename, tag, delete", async () => {
    const w = client(sim, "dr");
    const { experiment_id: id } = await w.experiments.createExperiment({
      name: "/Shared/fraud",
      tags: [{ key: "team", value: "risk" }],
    });
    const got = (await raw(sim, "GET", `/api/2.0/mlflow/experiments/get?experiment_id=${id}`, undefined, dr))
      .body;
    expect(got.experiment).toMatchObject({
      name: "/Shared/fraud",
      lifecycle_stage: "active",
      artifact_location: `dbfs:/databricks/mlflow-tracking/${id}`,
      tags: [{ key: "team", value: "risk" }],
    });
    await w.experiments.createExperiment({
      name: "/Shared/other",
      artifact_location: "abfss://ml@st.dfs.core.windows.net/x",
    });
    const paged = await collect(w.experiments.searchExperiments({ max_results: 1 }));
    expect(paged.map((e) => e.name).sort()).toEqual(["/Shared/fraud", "/Shared/other"]);
    const byTag = await raw(
      sim,
      "POST",
      "/api/2.0/mlflow/experiments/search",
      { filter: "tags.team = 'risk'" },
      dr,
    );
    expect((byTag.body.experiments as { name: string }[]).map((e) => e.name)).toEqual(["/Shared/fraud"]);

    await w.experiments.updateExperiment({ experiment_id: id!, new_name: "/Shared/fraud v2" });
    await w.experiments.setExperimentTag({ experiment_id: id!, key: "stage", value: "prod" });
    await w.experiments.deleteExperiment({ experiment_id: id! });
    const active = await collect(w.experiments.searchExperiments({}));
    expect(active.map((e) => e.name)).toEqual(["/Shared/other"]);
    const deleted = await raw(
      sim,
      "GET",
      "/api/2.0/mlflow/experiments/search?view_type=DELETED_ONLY",
      undefined,
      dr,
    );
    expect(deleted.body.experiments).toEqual([
      expect.objectContaining({
        name: "/Shared/fraud v2",
        lifecycle_stage: "deleted",
        tags: expect.arrayContaining([{ key: "stage", value: "prod" }]) as unknown,
      }),
    ]);
  });

  test("a name in use (a deleted experiment's too), a relative name, a missing folder and an unknown id are refused", async () => {
    const post = async (spec: Record<string, unknown>) =>
      raw(sim, "POST", "/api/2.0/mlflow/experiments/create", spec, dr);
    expect((await post({ name: "/Shared/fraud v2" })).body).toMatchObject({
      error_code: "RESOURCE_ALREADY_EXISTS",
    });
    expect((await post({ name: "relative" })).status).toBe(400);
    expect((await post({ name: "/Nowhere/x" })).body).toMatchObject({
      error_code: "RESOURCE_DOES_NOT_EXIST",
    });
    const missing = await raw(sim, "GET", "/api/2.0/mlflow/experiments/get?experiment_id=42", undefined, dr);
    expect([missing.status, missing.body.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
  });
});

describe("seed", () => {
  test("the seeded workspace has one of each: warehouse, published dashboard, pipeline, experiment, libraries, changed settings", () => {
    const seeded = sim.seeds.workspaces["primary"]!;
    const state = sim.workspace("primary").state;
    expect(seeded.warehouseIds).toHaveLength(1);
    expect(state.lakeview.dashboards.get(seeded.dashboardIds[0]!)?.published).toBeDefined();
    expect(seeded.pipelineIds).toHaveLength(1);
    expect(seeded.experimentIds).toHaveLength(1);
    expect(seeded.libraryClusterIds.length).toBeGreaterThan(0);
    expect(state.workspaceConf.values.get("maxTokenLifetimeDays")).toBe("90");
    // A dashboard schedule with a subscriber, an IP access list kept inert (switch off).
    const schedules = [...state.lakeview.dashboards.get(seeded.dashboardIds[0]!)!.schedules.values()];
    expect(schedules.map((s) => [s.display_name, s.subscriptions.size])).toEqual([["Weekday 7am", 1]]);
    expect([...state.ipAccessLists.lists.values()].map((l) => l.label)).toEqual(["Corp VPN"]);
    expect(state.workspaceConf.values.get("enableIpAccessLists")).toBe("false");
  });

  test("permissions are served for warehouses, pipelines, experiments and dashboards", async () => {
    const seeded = sim.seeds.workspaces["primary"]!;
    for (const [type, id] of [
      ["warehouses", seeded.warehouseIds[0]],
      ["pipelines", seeded.pipelineIds[0]],
      ["experiments", seeded.experimentIds[0]],
      ["dashboards", seeded.dashboardIds[0]],
    ])
      expect((await raw(sim, "GET", `/api/2.0/permissions/${type}/${id}`)).status).toBe(200);
  });

  test("permission levels are each type's own (reference), and a deleted dashboard's ACL goes with it", async () => {
    const put = async (type: string, id: string, level: string) =>
      raw(
        sim,
        "PUT",
        `/api/2.0/permissions/${type}/${id}`,
        { access_control_list: [{ group_name: "analysts", permission_level: level }] },
        dr,
      );
    const warehouse = (
      await raw(sim, "POST", "/api/2.0/sql/warehouses", { name: "acl wh", cluster_size: "Small" }, dr)
    ).body.id as string;
    expect((await put("warehouses", warehouse, "CAN_RUN")).status).toBe(400);
    expect((await put("warehouses", warehouse, "CAN_USE")).status).toBe(200);
    const dashboard = (
      await raw(
        sim,
        "POST",
        "/api/2.0/lakeview/dashboards",
        { display_name: "acl", parent_path: "/Shared" },
        dr,
      )
    ).body;
    const id = dashboard.dashboard_id as string;
    expect((await put("dashboards", id, "CAN_USE")).status).toBe(400);
    expect((await put("dashboards", id, "CAN_RUN")).status).toBe(200);
    await raw(sim, "POST", "/api/2.0/workspace/delete", { path: dashboard.path }, dr);
    expect((await raw(sim, "GET", `/api/2.0/permissions/dashboards/${id}`, undefined, dr)).status).toBe(404);
    expect(sim.workspace("dr").state.permissions.has(`dashboards/${id}`)).toBe(false);
  });
});
