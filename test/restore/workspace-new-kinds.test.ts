// 7.3 for the kinds issue 15 added (item 5): SQL warehouses, AI/BI dashboards, pipelines, cluster
// libraries, MLflow experiments and workspace settings are backed up from the primary, restored into
// an empty DR workspace with ids remapped (the dashboard runs on the restored warehouse, libraries go
// to the restored cluster's new id, the pipeline reads DR storage) and validated field by field; and
// each fails or skips with its reason when the target refuses or already holds something.
import { afterEach, describe, expect, it } from "vitest";
import { readPlan, readResults, type RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { parseRestoreRequest } from "../../src/lib/restore/engine/request.js";
import { WORKSPACE_CONF_KEYS } from "../../src/lib/kinds/workspace/workspace-conf.js";
import type { WorkspaceState } from "../../sim/databricks/state.js";
import { STARTER_WAREHOUSE_NAME } from "../../sim/databricks/warehouses.js";
import type { TestPlatform } from "../support/platform.js";
import { backedUpWorkspaces, restoreThroughHost } from "../support/workspace-dr.js";

type Json = Record<string, unknown>;

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

// One of each new kind (the seed's defaults), little else.
const SEED = {
  notebooks: 4,
  directories: 2,
  files: 0,
  jobs: 1,
  clusters: 3,
  policies: 1,
  pools: 1,
  repos: 0,
  secretScopes: 0,
  initScripts: 0,
};
const REMAP = { storageAccounts: [{ from: "stprimary", to: "stdr" }] };

const backedUp = (prepare: (primary: WorkspaceState, dr: WorkspaceState) => void = () => {}) =>
  backedUpWorkspaces({
    seed: SEED,
    prepare: (primary, dr) => {
      // A custom artifact location on ADLS: restored through the storage remap rules.
      primary.mlflow.create({
        name: "/Shared/forecast",
        artifact_location: "abfss://ml@stprimary.dfs.core.windows.net/forecast",
        tags: [{ key: "team", value: "fc" }],
      });
      prepare(primary, dr);
    },
  });

const restore = async (p: TestPlatform, body: Json): Promise<RestoreReport> =>
  (await restoreThroughHost(p, body, { cleanups })).report;

const NEW_CHECKS = [
  "SQL warehouses restored (configuration)",
  "AI/BI dashboards restored (definition, warehouse, published)",
  "pipelines restored (spec)",
  "cluster libraries restored (set per cluster)",
  "MLflow experiments restored (artifact location, tags)",
  "workspace settings restored",
];

describe("7.3 restore of warehouses, dashboards, pipelines, libraries, experiments and settings", () => {
  it("backs each up, restores it into an empty DR workspace with ids remapped, and validates it field by field", async () => {
    platform = await backedUp();
    const primary = platform.sim.workspace("primary").state;
    const dr = platform.sim.workspace("dr").state;
    const report = await restore(platform, { mode: "apply", preApproved: true, remap: REMAP });
    expect(report.phase, JSON.stringify({ reasons: report.reasons, validation: report.validation })).toBe(
      "Completed",
    );
    const checks = new Map(report.validation.map((v) => [v.name, v]));
    for (const name of NEW_CHECKS) expect(checks.get(name), name).toMatchObject({ ok: true });
    const plan = await readPlan(platform.runtime, report.planId);
    const item = (kind: string, target: string) =>
      plan.items.find((i) => i.kind === kind && i.target === target);

    // SQL warehouse: same configuration, created then stopped; the starter warehouse both have is skipped.
    const warehouse = [...dr.sqlWarehouses.records.values()].find((w) => w.name === "bi warehouse 0")!;
    const source = [...primary.sqlWarehouses.records.values()].find((w) => w.name === "bi warehouse 0")!;
    expect(warehouse).toMatchObject({
      state: "STOPPED",
      cluster_size: "Medium",
      max_num_clusters: 3,
      auto_stop_mins: 30,
      enable_photon: true,
      tags: source.tags,
    });
    expect(item("sql-warehouse", STARTER_WAREHOUSE_NAME)).toMatchObject({
      action: "skip",
      reason: expect.stringContaining("already exists") as string,
    });

    // Dashboard: same path and definition, on the RESTORED warehouse, published again.
    const [dashboard] = [...dr.lakeview.dashboards.values()];
    const primaryDashboard = [...primary.lakeview.dashboards.values()][0]!;
    expect(dashboard).toBeDefined();
    expect(dr.tree.byId.get(dashboard!.objectId)?.path).toBe("/Shared/Sales overview 0.lvdash.json");
    expect(dr.tree.byId.get(dashboard!.objectId)?.content?.toString()).toBe(
      primary.tree.byId.get(primaryDashboard.objectId)?.content?.toString(),
    );
    expect(dashboard!.warehouse_id).toBe(warehouse.id);
    expect(dashboard!.published).toMatchObject({ embed_credentials: true });
    expect(item("dashboard", "/Shared/Sales overview 0.lvdash.json")?.reason).toMatch(/published again/);
    // Not also planned "unsupported" from the workspace-objects listing, which leaves it to this step.
    expect(plan.items.filter((i) => i.kind === "DASHBOARD")).toEqual([]);

    // Pipeline: spec with DR storage, created idle, no update started.
    const [pipeline] = [...dr.pipelines.records.values()];
    expect(pipeline?.spec).toMatchObject({
      name: "bronze ingest 0",
      catalog: "main",
      configuration: { "source.path": "abfss://raw@stdr.dfs.core.windows.net/sales" },
    });
    expect(pipeline?.updates).toEqual([]);
    expect(platform.sim.log.count("POST /api/2.0/pipelines/:id/updates")).toBe(0);

    // Libraries: on the restored clusters' NEW ids, pending until they start (restored terminated).
    for (const clusterId of platform.sim.seeds.workspaces["primary"]!.libraryClusterIds) {
      const name = primary.clusters.get(clusterId)!.cluster_name;
      const restored = [...dr.clusters.values()].find((c) => c.cluster_name === name)!;
      expect(restored.cluster_id).not.toBe(clusterId);
      expect(dr.libraries.statuses(String(restored.cluster_id)).map((s) => s.library)).toEqual(
        primary.libraries.statuses(clusterId).map((s) => s.library),
      );
      expect(dr.libraries.statuses(String(restored.cluster_id)).every((s) => s.status === "PENDING")).toBe(
        true,
      );
    }

    // Experiments: names, tags; the default artifact location is the target's own, a custom one remapped.
    const experiments = new Map([...dr.mlflow.experiments.values()].map((e) => [e.name, e]));
    const churn = experiments.get("/Users/alice@example.com/churn model 0")!;
    expect(Object.fromEntries(churn.tags)).toEqual({
      team: "ml",
      "mlflow.note.content": "Weekly churn model",
    });
    expect(churn.artifact_location).toBe(`dbfs:/databricks/mlflow-tracking/${churn.experiment_id}`);
    expect(experiments.get("/Shared/forecast")?.artifact_location).toBe(
      "abfss://ml@stdr.dfs.core.windows.net/forecast",
    );
    expect(plan.notes.join(" ")).toMatch(/runs, metrics and artifacts are data and are not restored/);

    // Direct ACLs of the warehouse, dashboard, pipeline and experiment (the seed gives each one):
    // backed up under their source ids, put on the objects' NEW ids.
    const primaryPipeline = [...primary.pipelines.records.values()][0]!;
    const primaryChurn = [...primary.mlflow.experiments.values()].find((e) => e.name === churn.name)!;
    const acls: [string, string, string][] = [
      [`warehouses/${String(source.id)}`, `warehouses/${String(warehouse.id)}`, "CAN_USE"],
      [`dashboards/${primaryDashboard.dashboard_id}`, `dashboards/${dashboard!.dashboard_id}`, "CAN_RUN"],
      [`pipelines/${primaryPipeline.pipeline_id}`, `pipelines/${pipeline!.pipeline_id}`, "CAN_RUN"],
      [`experiments/${primaryChurn.experiment_id}`, `experiments/${churn.experiment_id}`, "CAN_EDIT"],
    ];
    for (const [from, to, level] of acls) {
      expect(from).not.toBe(to);
      expect(plan.items.find((i) => i.key === `permissions/${from}.json`)?.step, from).toBe("permissions");
      expect(dr.permissions.get(to), to).toEqual(primary.permissions.get(from));
      expect(dr.permissions.get(to)?.[0]?.permission_level).toBe(level);
      expect(dr.permissions.has(from), from).toBe(false);
    }
    expect(checks.get("permissions restored (direct ACL sets)")).toMatchObject({ ok: true });
    // An empty target: every ACL it changes goes on an object this restore creates, so the plan says
    // "create" (an approver reads "update" as an overwrite), and so do the results. The folders and
    // the starter warehouse both workspaces have carry the same (empty) ACL: skipped as equal.
    const aclItems = plan.items.filter((i) => i.step === "permissions");
    const created = aclItems.filter((i) => i.action === "create");
    expect(created.length).toBeGreaterThan(acls.length);
    expect(aclItems.filter((i) => i.action === "update").map((i) => i.key)).toEqual([]);
    expect(new Set(aclItems.filter((i) => i.action === "skip").map((i) => i.reason))).toEqual(
      new Set(["direct ACL already equal to the backup's"]),
    );
    expect(created[0]?.reason).toMatch(/^object created by this restore/);
    // Applied as creates too (an object whose backed-up ACL is empty is skipped as already equal).
    const aclStep = report.steps.find((s) => s.name === "permissions")!;
    expect(aclStep).toMatchObject({ updated: 0, failed: 0 });
    expect(aclStep.created).toBeGreaterThanOrEqual(acls.length);
    expect(aclStep.created + aclStep.skipped).toBe(created.length);

    // Settings: every key read equals the primary's; unchanged ones were skipped as equal.
    for (const key of WORKSPACE_CONF_KEYS)
      expect(dr.workspaceConf.values.get(key), key).toBe(primary.workspaceConf.values.get(key));
    expect(plan.items.find((i) => i.key.endsWith("#maxTokenLifetimeDays"))).toMatchObject({
      action: "update",
      reason: "set to 90 (target has no value)",
    });
    expect(plan.items.find((i) => i.key.endsWith("#enableTokensConfig"))).toMatchObject({
      action: "skip",
      reason: "already true in the target",
    });

    // Someone changes things behind the restore's back: validation names the object and the field.
    dr.sqlWarehouses.records.get(String(warehouse.id))!.cluster_size = "Small";
    delete dashboard!.published;
    dr.pipelines.records.get(pipeline!.pipeline_id)!.spec.configuration = {};
    dr.workspaceConf.values.set("enableResultsDownloading", "true");
    dr.permissions.set(`dashboards/${dashboard!.dashboard_id}`, [
      { group_name: "analysts", permission_level: "CAN_EDIT" },
    ]);
    const { runValidation } = await import("../../src/lib/restore/engine/engine.js");
    const { scenarioFor } = await import("../../src/lib/restore/catalog.js");
    const parsed = parseRestoreRequest(
      { scenario: "workspace", source: "primary", target: "dr", mode: "apply", remap: REMAP },
      platform.config,
      undefined,
      "cli",
    );
    const again = new Map(
      (await runValidation(platform.runtime, scenarioFor("workspace"), parsed, report.planId)).map((c) => [
        c.name,
        c,
      ]),
    );
    expect(again.get(NEW_CHECKS[0]!)?.detail).toBe("bi warehouse 0: differs in cluster_size");
    expect(again.get(NEW_CHECKS[1]!)?.detail).toBe(
      "/Shared/Sales overview 0.lvdash.json: differs in published (not published)",
    );
    expect(again.get(NEW_CHECKS[2]!)?.detail).toBe("bronze ingest 0: differs in configuration");
    expect(again.get(NEW_CHECKS[5]!)?.detail).toBe("enableResultsDownloading: is true, expected false");
    expect(again.get("permissions restored (direct ACL sets)")?.detail).toBe(
      `AI/BI dashboard /Shared/Sales overview 0.lvdash.json: dashboards ${dashboard!.dashboard_id}: lacks group analysts (CAN_RUN); also has group analysts (CAN_EDIT)`,
    );
  });

  it("failure paths: a refused warehouse create, a pipeline name clash, a setting the target does not know, an experiment name held by a deleted one", async () => {
    platform = await backedUp((primary, dr) => {
      primary.workspaceConf.values.set("enableTokensConfig", "false");
      dr.pipelines.create({ name: "bronze ingest 0", schema: "other" });
      dr.workspaceConf.values.delete("enableWebTerminal");
      dr.tree.mkdirs("/Users/alice@example.com");
      const held = dr.mlflow.create({ name: "/Users/alice@example.com/churn model 0" });
      held.lifecycle_stage = "deleted";
    });
    platform.sim.faults.add("dr", {
      route: "POST /api/2.0/sql/warehouses",
      method: "POST",
      status: 403,
      errorCode: "PERMISSION_DENIED",
      message: "Warehouse creation is disabled for this workspace",
    });
    const dr = platform.sim.workspace("dr").state;
    const report = await restore(platform, { mode: "apply", preApproved: true });
    expect(report.phase).toBe("PartiallyFailed");
    const plan = await readPlan(platform.runtime, report.planId);
    const steps = new Map(report.steps.map((s) => [s.name, s]));
    const failures = (await readResults(platform.runtime, report.planId)).filter(
      (r) => r.status === "failed",
    );
    const reasons = failures.map((f) => `${f.key}: ${f.detail ?? ""}`).join("\n");

    // The warehouse create was refused: failed with the service's answer; the dashboard that ran on it
    // comes back as a draft, and validation says it is not published because its warehouse is missing.
    expect(steps.get("sql-warehouses")?.failed).toBe(1);
    expect(reasons).toMatch(/Warehouse creation is disabled/);
    const [dashboard] = [...dr.lakeview.dashboards.values()];
    expect(dashboard?.published).toBeUndefined();
    const checks = new Map(report.validation.map((v) => [v.name, v]));
    expect(checks.get(NEW_CHECKS[0]!)?.detail).toBe("bi warehouse 0: missing");
    expect(checks.get(NEW_CHECKS[1]!)?.detail).toMatch(/not published: warehouse \w+ was not restored/);

    // The pipeline name is taken in DR: skipped with the reason, never duplicated or overwritten.
    expect(plan.items.find((i) => i.kind === "pipeline")).toMatchObject({
      action: "skip",
      reason: 'pipeline "bronze ingest 0" already exists in the target (existing=skip)',
    });
    expect([...dr.pipelines.records.values()].map((p) => p.spec.schema)).toEqual(["other"]);
    expect(checks.get(NEW_CHECKS[2]!)?.ok).toBe(true);

    // A setting the DR workspace does not know: skipped with that reason; the others are set.
    expect(plan.items.find((i) => i.key.endsWith("#enableWebTerminal"))).toMatchObject({
      action: "skip",
      reason: "the target workspace does not know this setting",
    });
    expect(dr.workspaceConf.values.get("maxTokenLifetimeDays")).toBe("90");
    // Tokens off in the backup, but azdr reaches DR with a token: never turned off by the restore
    // (it would lock azdr out before permissions and validation); a follow-up says what to do.
    const tokens = plan.items.find((i) => i.key.endsWith("#enableTokensConfig"));
    expect(tokens?.action).toBe("unsupported");
    expect(tokens?.reason).toMatch(/lock azdr out.*Set enableTokensConfig=false by hand/);
    expect(dr.workspaceConf.values.get("enableTokensConfig")).toBe("true");
    expect(checks.get(NEW_CHECKS[5]!)?.ok).toBe(true);

    // The experiment's name is held by a deleted experiment: failed, with what to do.
    expect(steps.get("mlflow-experiments")?.failed).toBe(1);
    expect(reasons).toMatch(/restore or permanently delete it/);
  });
  it("a warehouse create whose answer is lost is taken over and stopped, never created twice", async () => {
    platform = await backedUp();
    // The create runs, the answer never arrives (a POST is not re-sent: it could create twice).
    platform.sim.faults.add("dr", {
      route: "POST /api/2.0/sql/warehouses",
      method: "POST",
      resetAfterHandling: true,
      times: 1,
    });
    const dr = platform.sim.workspace("dr").state;
    platform.sim.log.clear();
    const report = await restore(platform, { mode: "apply", preApproved: true });
    expect(report.phase, JSON.stringify({ reasons: report.reasons, validation: report.validation })).toBe(
      "Completed",
    );
    // The retried batch found the warehouse the lost create made: one, stopped, POSTed once.
    const named = [...dr.sqlWarehouses.records.values()].filter((w) => w.name === "bi warehouse 0");
    expect(named.map((w) => w.state)).toEqual(["STOPPED"]);
    expect(platform.sim.log.count(/^POST \/api\/2\.0\/sql\/warehouses$/)).toBe(1);
    // The dashboard that runs on it is published on that warehouse.
    expect(
      [...dr.lakeview.dashboards.values()].map((d) => [d.warehouse_id, d.published !== undefined]),
    ).toEqual([[named[0]!.id, true]]);
  });
});
