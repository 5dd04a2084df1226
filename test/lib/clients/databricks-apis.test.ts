// The typed Databricks clients against the simulator: every API area, its async iterators, the
// AzdrError codes callers branch on, and abortSignal.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { DatabricksClient, resetDatabricksLimiters } from "../../../src/lib/clients/databricks.js";
import {
  databricksApis,
  SqlStatementError,
  type DatabricksApis,
} from "../../../src/lib/clients/databricks/index.js";
import { collect } from "../../../src/lib/concurrency.js";
import { isAzdrError } from "../../../src/lib/errors.js";

let sim: PlatformSimulator;
let dbx: DatabricksApis;
let dr: DatabricksApis;

const connect = (workspace: string, maxAttempts = 3) =>
  databricksApis(
    new DatabricksClient({
      host: sim.urls[workspace]!,
      auth: { type: "pat", token: sim.token },
      maxAttempts,
      rateShare: 1,
    }),
  );

/** The AzdrError code a call fails with (fails the test when it succeeds). */
async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (isAzdrError(error)) return error.code;
    throw error;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [
      {
        name: "primary",
        metastore: "uc",
        seed: { notebooks: 6, directories: 2, files: 2, jobs: 3, bigJob: true, oversizedNotebooks: 1 },
      },
      { name: "dr", metastore: "uc", seed: false },
    ],
    metastores: [
      { name: "uc", region: "westeurope", seed: { catalogs: 2, schemasPerCatalog: 2, tables: 6 } },
    ],
    // Empty pages that still carry a next_page_token, as Unity Catalog sends them.
    unityCatalog: { emptyPageEvery: 2 },
  });
  dbx = connect("primary");
  dr = connect("dr");
});
afterAll(async () => {
  await sim.close();
  resetDatabricksLimiters();
});
afterEach(() => sim.faults.clear());

describe("databricksApis", () => {
  it("hands out one set of clients per transport", () => {
    expect(databricksApis(dbx.transport)).toBe(dbx);
    expect(dbx.workspace).not.toBe(dr.workspace);
  });
});

describe("WorkspaceClient", () => {
  it("lists a folder, reads status, and says NOT_FOUND / exists for missing paths", async () => {
    const root = await collect(dbx.workspace.list("/"));
    expect(root.length).toBeGreaterThan(0);
    expect(root.every((o) => typeof o.path === "string" && typeof o.object_type === "string")).toBe(true);
    const notebook = sim.seeds.workspaces["primary"]!.notebookPaths[0]!;
    expect((await dbx.workspace.getStatus(notebook)).object_type).toBe("NOTEBOOK");
    expect(await codeOf(dbx.workspace.getStatus("/no/such/path"))).toBe("NOT_FOUND");
    expect(await dbx.workspace.exists("/no/such/path")).toBe(false);
    expect(await dbx.workspace.exists(notebook)).toBe(true);
  });

  it("mkdirs, imports a RAW file that looks like a notebook, exports it back unchanged, refuses a second import, deletes", async () => {
    const body = "# Databricks notebook source\nprint('a file, not a notebook')\n";
    const content = Buffer.from(body).toString("base64");
    await dr.workspace.mkdirs("/Shared/typed");
    await dr.workspace.import({ path: "/Shared/typed/tool.py", format: "RAW", content });
    const status = await dr.workspace.getStatus("/Shared/typed/tool.py");
    expect(status.object_type).toBe("FILE");
    const exported = await dr.workspace.export("/Shared/typed/tool.py", "RAW");
    expect(Buffer.from(exported.content ?? "", "base64").toString()).toBe(body);
    expect(await codeOf(dr.workspace.import({ path: "/Shared/typed/tool.py", format: "RAW", content }))).toBe(
      "ALREADY_EXISTS",
    );
    await dr.workspace.import({ path: "/Shared/typed/tool.py", format: "RAW", content, overwrite: true });
    await dr.workspace.delete("/Shared/typed", { recursive: true });
    expect(await dr.workspace.exists("/Shared/typed")).toBe(false);
  });

  it("an export over the size limit fails TOO_LARGE", async () => {
    const oversized = sim.seeds.workspaces["primary"]!.oversizedPaths[0]!;
    expect(await codeOf(dbx.workspace.export(oversized, "SOURCE"))).toBe("TOO_LARGE");
  });
});

describe("JobsClient", () => {
  it("lists every job and reads a job with over 100 tasks whole (every jobs/get page merged)", async () => {
    const seed = sim.seeds.workspaces["primary"]!;
    const jobs = await collect(dbx.jobs.list({ expandTasks: true }));
    expect(jobs.map((j) => j.job_id).sort()).toEqual([...seed.jobIds].sort());
    const big = await dbx.jobs.get(seed.bigJobId!);
    expect(big.settings?.tasks).toHaveLength(130);
    expect(big).not.toHaveProperty("next_page_token");
    const firstPage = await dbx.jobs.getPage(seed.bigJobId!);
    expect(firstPage.settings?.tasks?.length).toBeLessThan(130);
  });

  it("creates, resets, deletes; a deleted job is NOT_FOUND", async () => {
    const { job_id } = await dr.jobs.create({ name: "typed-job", tags: { team: "data" } });
    await dr.jobs.reset(job_id, { name: "typed-job-renamed" });
    const job = await dr.jobs.get(job_id);
    expect(job.settings?.name).toBe("typed-job-renamed");
    expect(job.settings?.tags).toBeUndefined();
    await dr.jobs.delete(job_id);
    expect(await codeOf(dr.jobs.get(job_id))).toBe("NOT_FOUND");
  });

  it("does not re-send a create whose answer was lost (it could create the job twice)", async () => {
    sim.faults.add("dr", { route: "POST /api/2.2/jobs/create", status: 503, times: 1 });
    const before = sim.log.entries.filter((e) => e.route === "POST /api/2.2/jobs/create").length;
    expect(await codeOf(dr.jobs.create({ name: "once" }))).toBe("UNAVAILABLE");
    expect(sim.log.entries.filter((e) => e.route === "POST /api/2.2/jobs/create").length).toBe(before + 1);
  });
});

describe("compute clients", () => {
  it("lists clusters, policies, families, pools and init scripts (without bodies until get)", async () => {
    const seed = sim.seeds.workspaces["primary"]!;
    const clusters = await collect(dbx.clusters.list());
    expect(clusters.map((c) => c.cluster_id)).toEqual(expect.arrayContaining(seed.clusterIds));
    expect((await dbx.clusters.get(seed.clusterIds[0]!)).cluster_id).toBe(seed.clusterIds[0]);
    // The API answers an unknown cluster with a 400; callers test for NOT_FOUND.
    expect(await codeOf(dbx.clusters.get("0000-000000-nosuch"))).toBe("NOT_FOUND");
    const policies = await collect(dbx.policies.list());
    expect(policies.map((p) => p.policy_id)).toEqual(expect.arrayContaining(seed.policyIds));
    const families = await collect(dbx.policies.listFamilies());
    expect(families.map((f) => f.name)).toContain("Personal Compute");
    const pools = await collect(dbx.instancePools.list());
    expect(pools.map((p) => p.instance_pool_id).sort()).toEqual([...seed.poolIds].sort());
    const scripts = await collect(dbx.globalInitScripts.list());
    expect(scripts.length).toBeGreaterThan(0);
    const full = await dbx.globalInitScripts.get(scripts[0]!.script_id);
    expect(typeof full.script).toBe("string");
  });

  it("a policy name that is taken is ALREADY_EXISTS (the API answers 400)", async () => {
    const definition = JSON.stringify({ spark_version: { type: "unlimited" } });
    const { policy_id } = await dr.policies.create({ name: "typed-policy", definition });
    expect(await codeOf(dr.policies.create({ name: "typed-policy", definition }))).toBe("ALREADY_EXISTS");
    await dr.policies.delete(policy_id);
    expect(await codeOf(dr.policies.get(policy_id))).toBe("NOT_FOUND");
  });
});

describe("SecretsClient", () => {
  it("lists scopes, ACLs and key names, and never reads a value", async () => {
    const seed = sim.seeds.workspaces["primary"]!;
    const scopes = await collect(dbx.secrets.listScopes());
    expect(scopes.map((s) => s.name)).toEqual(expect.arrayContaining(seed.scopes));
    const databricksScope = scopes.find((s) => s.backend_type !== "AZURE_KEYVAULT")!;
    const keys = await collect(dbx.secrets.listSecretKeys(databricksScope.name));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(Object.keys(key).sort()).not.toContain("value");
    const acls = await collect(dbx.secrets.listAcls(databricksScope.name));
    expect(acls.every((a) => typeof a.principal === "string")).toBe(true);
    expect(sim.secretValueReads()).toEqual([]);
    expect("getSecret" in dbx.secrets).toBe(false);
  });

  it("a scope that exists is ALREADY_EXISTS; ACLs are put and listed", async () => {
    await dr.secrets.createScope({ scope: "typed-scope", initial_manage_principal: "users" });
    expect(await codeOf(dr.secrets.createScope({ scope: "typed-scope" }))).toBe("ALREADY_EXISTS");
    await dr.secrets.putAcl("typed-scope", { principal: "data-engineers", permission: "READ" });
    const acls = await collect(dr.secrets.listAcls("typed-scope"));
    expect(acls).toContainEqual(expect.objectContaining({ principal: "data-engineers", permission: "READ" }));
    await dr.secrets.deleteScope("typed-scope");
  });
});

describe("PermissionsClient and ReposClient", () => {
  it("reads, sets and updates an object's ACL", async () => {
    const jobId = sim.seeds.workspaces["primary"]!.jobIds[0]!;
    const before = await dbx.permissions.get("jobs", jobId);
    expect(Array.isArray(before.access_control_list)).toBe(true);
    await dbx.permissions.update("jobs", jobId, [
      { group_name: "typed-readers", permission_level: "CAN_VIEW" },
    ]);
    const after = await dbx.permissions.get("jobs", jobId);
    expect(after.access_control_list?.map((a) => a.group_name)).toContain("typed-readers");
    expect(await codeOf(dbx.permissions.get("jobs", 999_999_999))).toBe("NOT_FOUND");
  });

  it("lists and reads repos", async () => {
    const seed = sim.seeds.workspaces["primary"]!;
    const repos = await collect(dbx.repos.list());
    expect(repos.map((r) => r.id).sort()).toEqual([...seed.repoIds].sort());
    expect((await dbx.repos.get(seed.repoIds[0]!)).id).toBe(seed.repoIds[0]);
  });
});

describe("UnityCatalogClient", () => {
  it("walks catalogs, schemas and tables across empty pages", async () => {
    const seed = sim.seeds.metastores["uc"]!;
    const catalogs = (await collect(dbx.unityCatalog.listCatalogs({ pageSize: 1 }))).map((c) => c.name);
    expect(catalogs).toEqual(expect.arrayContaining(seed.catalogs));
    const tables: string[] = [];
    for (const catalog of seed.catalogs)
      for await (const schema of dbx.unityCatalog.listSchemas(catalog, { pageSize: 1 }))
        for await (const table of dbx.unityCatalog.listTables({
          catalogName: catalog,
          schemaName: schema.name,
          pageSize: 1,
        }))
          tables.push(table.full_name ?? "");
    expect(tables).toEqual(expect.arrayContaining(seed.tables));
    expect(await dbx.unityCatalog.tableExists(seed.tables[0]!)).toBe(true);
    const credentials = await collect(dbx.unityCatalog.listStorageCredentials());
    expect(credentials.map((c) => c.name)).toEqual(expect.arrayContaining(seed.storageCredentials));
    const locations = await collect(dbx.unityCatalog.listExternalLocations());
    expect(locations.map((l) => l.name)).toEqual(expect.arrayContaining(seed.externalLocations));
  });

  it("maps CATALOG_ALREADY_EXISTS and *_DOES_NOT_EXIST to ALREADY_EXISTS and NOT_FOUND", async () => {
    await dbx.unityCatalog.createCatalog({ name: "typed_cat" });
    expect(await codeOf(dbx.unityCatalog.createCatalog({ name: "typed_cat" }))).toBe("ALREADY_EXISTS");
    expect(await codeOf(dbx.unityCatalog.getCatalog("no_such_catalog"))).toBe("NOT_FOUND");
    expect(await codeOf(dbx.unityCatalog.getSchema("typed_cat.no_such_schema"))).toBe("NOT_FOUND");
  });

  it("grants, isolation mode and workspace bindings", async () => {
    await dbx.unityCatalog.createCatalog({ name: "typed_iso" });
    await dbx.unityCatalog.updateGrants("catalog", "typed_iso", [
      { principal: "analysts", add: ["USE_CATALOG"] },
    ]);
    const grants = await collect(dbx.unityCatalog.listGrants("catalog", "typed_iso"));
    expect(grants).toContainEqual(
      expect.objectContaining({ principal: "analysts", privileges: ["USE_CATALOG"] }),
    );
    const assignment = await dbx.unityCatalog.currentMetastoreAssignment();
    expect(typeof assignment.metastore_id).toBe("string");
    await dbx.unityCatalog.updateCatalog("typed_iso", { isolation_mode: "ISOLATED" });
    expect((await dbx.unityCatalog.getCatalog("typed_iso")).isolation_mode).toBe("ISOLATED");
    await dbx.unityCatalog.updateBindings("catalog", "typed_iso", {
      add: [{ workspace_id: assignment.workspace_id, binding_type: "BINDING_TYPE_READ_ONLY" }],
    });
    const bindings = await collect(dbx.unityCatalog.listBindings("catalog", "typed_iso"));
    expect(bindings).toEqual([
      expect.objectContaining({
        workspace_id: assignment.workspace_id,
        binding_type: "BINDING_TYPE_READ_ONLY",
      }),
    ]);
    expect((await dbx.unityCatalog.metastoreSummary()).metastore_id).toBe(assignment.metastore_id);
  });
});

describe("SqlStatementsClient", () => {
  const warehouse = async () => (await collect(dbx.warehouses.list()))[0]!.id;

  it("runs a statement to its result, polling when the submit answers PENDING", async () => {
    const table = sim.seeds.metastores["uc"]!.tables[0]!;
    const result = await dbx.sql.run(
      { warehouseId: await warehouse(), statement: `SELECT COUNT(*) FROM ${table}`, waitTimeout: "0s" },
      { pollIntervalMs: 1 },
    );
    expect(result.status.state).toBe("SUCCEEDED");
    expect(result.result?.data_array?.[0]?.[0]).toMatch(/^\d+$/);
  });

  it("a failed statement is a SqlStatementError carrying its SQLSTATE and a matching code", async () => {
    const id = await warehouse();
    const missing = await dbx.sql
      .run({ warehouseId: id, statement: "SELECT COUNT(*) FROM typed_cat.nope.nothing" })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(SqlStatementError);
    expect(missing).toMatchObject({ code: "NOT_FOUND", sqlState: "42P01", state: "FAILED" });
    const [table, other] = sim.seeds.metastores["uc"]!.tables;
    const exists = await dbx.sql
      .run({ warehouseId: id, statement: `CREATE VIEW ${table} AS SELECT * FROM ${other}` })
      .catch((error: unknown) => error);
    expect(exists).toMatchObject({ code: "ALREADY_EXISTS", sqlState: "42P07" });
    expect((exists as Error).message).toContain("42P07");
  });

  it("abortSignal stops the polling, and nothing is polled after it", async () => {
    const table = sim.seeds.metastores["uc"]!.tables[0]!;
    const controller = new AbortController();
    const submits = () => sim.log.entries.filter((e) => e.route === "POST /api/2.0/sql/statements").length;
    const polls = () => sim.log.entries.filter((e) => e.route === "GET /api/2.0/sql/statements/:id").length;
    const [submitsBefore, before] = [submits(), polls()];
    const running = dbx.sql.run(
      { warehouseId: await warehouse(), statement: `SELECT COUNT(*) FROM ${table}`, waitTimeout: "0s" },
      // An hour between polls: only the abort can end this wait.
      { pollIntervalMs: 3_600_000, abortSignal: controller.signal },
    );
    while (submits() === submitsBefore) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(new Error("operator cancelled"));
    await expect(running).rejects.toThrow("operator cancelled");
    expect(polls()).toBe(before);
  });
});

describe("ScimClient and call options", () => {
  it("answers who the client is", async () => {
    expect((await dbx.scim.me()).userName).toMatch(/@/);
  });

  it("an aborted signal stops a list before it sends anything", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const sent = sim.log.entries.length;
    await expect(collect(dbx.jobs.list({ abortSignal: controller.signal }))).rejects.toThrow(/stop|abort/i);
    expect(sim.log.entries.length).toBe(sent);
  });

  it("throttling that outlasts the attempts is THROTTLED, with the server's Retry-After", async () => {
    const once = connect("primary", 1);
    sim.faults.add("primary", {
      route: "GET /api/2.0/preview/scim/v2/Me",
      status: 429,
      retryAfter: "7",
      times: 1,
    });
    const error = await once.scim.me().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "THROTTLED", retryAfterSeconds: 7 });
  });
});
