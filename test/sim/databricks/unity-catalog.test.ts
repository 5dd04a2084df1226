import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { client, collect, raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    // Every 3rd page along a token chain is empty but carries a next_page_token.
    unityCatalog: { emptyPageEvery: 3 },
    workspaces: [
      { name: "primary", metastore: "uc-westeurope", seed: { notebooks: 5 } },
      { name: "dr", metastore: "uc-northeurope" },
      { name: "second", metastore: "uc-westeurope" },
      { name: "bare" },
    ],
    metastores: [
      {
        name: "uc-westeurope",
        region: "westeurope",
        seed: { tables: 60, catalogs: 2, schemasPerCatalog: 2 },
      },
      { name: "uc-northeurope", region: "northeurope", seed: false },
    ],
  });
});
afterAll(async () => sim?.close());

/** Follow next_page_token until it is absent, as a correct client must. */
async function allPages(
  path: string,
  key: string,
  workspace = "primary",
): Promise<{ items: unknown[]; pages: number; emptyPages: number }> {
  const items: unknown[] = [];
  let token: string | undefined;
  let pages = 0;
  let emptyPages = 0;
  do {
    const res = await raw(sim, "GET", `${path}${token ? `&page_token=${token}` : ""}`, undefined, {
      workspace,
    });
    expect(res.status).toBe(200);
    const page = (res.body[key] as unknown[] | undefined) ?? [];
    pages++;
    if (page.length === 0) emptyPages++;
    items.push(...page);
    token = res.body.next_page_token as string | undefined;
  } while (token);
  return { items, pages, emptyPages };
}

describe("Unity Catalog", () => {
  test("metastore summary and assignment; no metastore → METASTORE_DOES_NOT_EXIST", async () => {
    const w = client(sim);
    const summary = await w.metastores.summary();
    expect(summary).toMatchObject({ name: "uc-westeurope", cloud: "azure", region: "westeurope" });
    const current = await w.metastores.current();
    expect(current).toMatchObject({
      metastore_id: summary.metastore_id,
      workspace_id: sim.workspace("primary").workspaceId,
      default_catalog_name: "main",
    });
    expect((await client(sim, "second").metastores.summary()).metastore_id).toBe(summary.metastore_id);
    await expect(client(sim, "bare").metastores.summary()).rejects.toMatchObject({
      statusCode: 404,
      errorCode: "METASTORE_DOES_NOT_EXIST",
    });
    await expect(collect(client(sim, "bare").catalogs.list({}))).rejects.toMatchObject({
      errorCode: "METASTORE_DOES_NOT_EXIST",
    });
  });

  test("the SDK iterator stops at an EMPTY page that still has a next_page_token; raw paging continues", async () => {
    const w = client(sim);
    const path = "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=default&max_results=5";
    const full = await allPages(path, "tables");
    expect(full.items).toHaveLength(15);
    expect(full.emptyPages).toBeGreaterThan(0);
    const viaSdk = await collect(
      w.tables.list({ catalog_name: "main", schema_name: "default", max_results: 5 }),
    );
    expect(viaSdk).toHaveLength(10); // pages 1 and 2; page 3 is empty → the SDK stops (known SDK shortfall)
    // Without max_results the API answers everything at once (legacy unpaginated mode).
    expect(await collect(w.tables.list({ catalog_name: "main", schema_name: "default" }))).toHaveLength(15);
  });

  test("catalogs, schemas, volumes, functions, credentials, locations, connections list and get", async () => {
    const w = client(sim);
    const catalogs = (await allPages("/api/2.1/unity-catalog/catalogs?max_results=1", "catalogs")).items as {
      name: string;
    }[];
    expect(catalogs.map((c) => c.name).sort()).toEqual(["catalog_1", "main", "system"]);
    const schemas = await collect(w.schemas.list({ catalog_name: "main" }));
    expect(schemas.map((s) => s.name).sort()).toEqual(["default", "information_schema", "schema_1"]);
    expect(await w.schemas.get({ full_name: "main.default" })).toMatchObject({ owner: "data-platform" });
    expect(await collect(w.volumes.list({ catalog_name: "main", schema_name: "default" }))).not.toHaveLength(
      0,
    );
    const fns = await collect(w.functions.list({ catalog_name: "main", schema_name: "default" }));
    expect(fns[0]).toMatchObject({ full_name: "main.default.mask_0", data_type: "STRING" });
    const creds = await collect(w.storageCredentials.list({}));
    expect(creds[0]!.azure_managed_identity!.access_connector_id).toContain("accessConnectors");
    expect(JSON.stringify(creds)).not.toMatch(/secret/i);
    const locs = await collect(w.externalLocations.list({}));
    expect(locs.map((l) => l.url)).toContain("abfss://landing@stprimarydata.dfs.core.windows.net/");
    const conns = await collect(w.connections.list({}));
    expect(conns[0]!.options).toMatchObject({ host: "erp.database.windows.net" });
    expect(JSON.stringify(conns)).not.toContain("do-not-return");
    await expect(w.catalogs.get({ name: "nope" })).rejects.toMatchObject({
      statusCode: 404,
      errorCode: "CATALOG_DOES_NOT_EXIST",
    });
  });

  test("tables: managed, external and views; get by full name; create EXTERNAL; delete", async () => {
    const w = client(sim);
    const seeded = sim.seeds.metastores["uc-westeurope"]!;
    const [viewCatalog, viewSchema] = seeded.views[0]!.split(".");
    const tables = (
      await allPages(
        `/api/2.1/unity-catalog/tables?catalog_name=${viewCatalog}&schema_name=${viewSchema}&max_results=0`,
        "tables",
      )
    ).items as {
      table_type: string;
      view_definition?: string;
    }[];
    expect(tables.map((t) => t.table_type)).toContain("VIEW");
    expect(new Set(seeded.tables.map((name) => name.split(".").slice(0, 2).join(".")))).toContain(
      `${viewCatalog}.${viewSchema}`,
    );
    expect(tables.find((t) => t.table_type === "VIEW")!.view_definition).toMatch(/^SELECT/);
    const t = await w.tables.get({ full_name: seeded.externalTables[0]! });
    expect(t).toMatchObject({
      table_type: "EXTERNAL",
      data_source_format: "DELTA",
      storage_location: expect.stringMatching(/^abfss:/) as string,
    });

    const dr = client(sim, "dr");
    await dr.catalogs.create({
      name: "main",
      storage_root: "abfss://managed@stdr.dfs.core.windows.net/main",
    });
    await dr.schemas.create({ catalog_name: "main", name: "default" });
    await expect(dr.catalogs.create({ name: "main" })).rejects.toMatchObject({
      errorCode: "CATALOG_ALREADY_EXISTS",
    });
    await dr.tables.create({
      catalog_name: "main",
      schema_name: "default",
      name: "ext",
      table_type: "EXTERNAL",
      data_source_format: "DELTA",
      storage_location: "abfss://external@stdr.dfs.core.windows.net/ext",
      columns: [{ name: "id", type_name: "LONG", type_text: "bigint", position: 0 }],
    });
    await expect(
      dr.tables.create({
        catalog_name: "main",
        schema_name: "default",
        name: "m",
        table_type: "MANAGED",
        data_source_format: "DELTA",
        storage_location: "x",
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect((await dr.tables.exists({ full_name: "main.default.ext" })).table_exists).toBe(true);
    await dr.tables.delete({ full_name: "main.default.ext" });
    await expect(dr.tables.get({ full_name: "main.default.ext" })).rejects.toMatchObject({
      errorCode: "TABLE_DOES_NOT_EXIST",
    });
  });

  test("grants: get through the SDK; update and owners need the request body the SDK drops on PATCH", async () => {
    const w = client(sim);
    const grants = await w.grants.get({ securable_type: "catalog", full_name: "main" });
    expect(grants.privilege_assignments).toEqual(
      expect.arrayContaining([{ principal: "data-engineers", privileges: ["CREATE_SCHEMA", "USE_CATALOG"] }]),
    );
    // SDK 0.17.0 ApiClient only attaches a payload to POST and PUT: this PATCH arrives empty.
    await expect(
      w.grants.update({
        securable_type: "catalog",
        full_name: "main",
        changes: [{ principal: "ops", add: ["USE_CATALOG"] }],
      }),
    ).rejects.toMatchObject({ statusCode: 400, message: "Missing required field: changes" });
    const patched = await raw(sim, "PATCH", "/api/2.1/unity-catalog/permissions/catalog/main", {
      changes: [
        { principal: "ops", add: ["USE_CATALOG", "BROWSE"] },
        { principal: "analysts", remove: ["BROWSE"] },
      ],
    });
    expect(patched.body.privilege_assignments).toEqual(
      expect.arrayContaining([
        { principal: "ops", privileges: ["BROWSE", "USE_CATALOG"] },
        { principal: "analysts", privileges: ["USE_CATALOG"] },
      ]),
    );
    const bad = await raw(sim, "PATCH", "/api/2.1/unity-catalog/permissions/table/main.default.table_0", {
      changes: [{ principal: "x", add: ["FLY"] }],
    });
    expect(bad.status).toBe(400);
    const tableGrants = await w.grants.get({
      securable_type: "table",
      full_name: "main.default.table_0",
      principal: "analysts",
    });
    expect(tableGrants.privilege_assignments).toEqual([{ principal: "analysts", privileges: ["SELECT"] }]);
    expect(
      (await w.grants.get({ securable_type: "external_location", full_name: "loc-landing" }))
        .privilege_assignments,
    ).toHaveLength(1);
    await expect(w.grants.get({ securable_type: "schema", full_name: "main.nope" })).rejects.toMatchObject({
      errorCode: "SCHEMA_DOES_NOT_EXIST",
    });

    const someTable = sim.seeds.metastores["uc-westeurope"]!.tables[1]!;
    const owner = await raw(sim, "PATCH", `/api/2.1/unity-catalog/tables/${someTable}`, {
      owner: "new-owner@example.com",
    });
    expect(owner.status).toBe(200);
    expect((await w.tables.get({ full_name: someTable })).owner).toBe("new-owner@example.com");
    await raw(sim, "PATCH", "/api/2.1/unity-catalog/catalogs/catalog_1", { owner: "platform-owners" });
    expect((await w.catalogs.get({ name: "catalog_1" })).owner).toBe("platform-owners");
  });

  test("the Tables API creates external DELTA tables only: CSV is refused, as documented", async () => {
    const res = await raw(sim, "POST", "/api/2.1/unity-catalog/tables", {
      name: "raw_csv",
      catalog_name: "main",
      schema_name: "default",
      table_type: "EXTERNAL",
      data_source_format: "CSV",
      storage_location: "abfss://external@stprimarydata.dfs.core.windows.net/raw_csv",
      columns: [],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
      message: expect.stringMatching(/DATA_SOURCE_FORMAT=DELTA/) as string,
    });
  });

  test("catalog isolation and workspace bindings: ISOLATED answers only to bound workspaces", async () => {
    const uc = "/api/2.1/unity-catalog";
    expect((await raw(sim, "POST", `${uc}/catalogs`, { name: "isolated_cat" })).status).toBe(200);
    const second = sim.workspace("second").workspaceId;
    const primary = sim.workspace("primary").workspaceId;
    // An OPEN catalog takes no bindings.
    const open = await raw(sim, "PATCH", `${uc}/bindings/catalog/isolated_cat`, {
      add: [{ workspace_id: second }],
    });
    expect(open.status).toBe(400);
    expect(open.body.message).toMatch(/isolation mode OPEN/);
    // Isolating it keeps the workspace that did it bound; the other one loses it.
    const isolated = await raw(sim, "PATCH", `${uc}/catalogs/isolated_cat`, { isolation_mode: "ISOLATED" });
    expect(isolated.body).toMatchObject({ isolation_mode: "ISOLATED" });
    expect((await raw(sim, "GET", `${uc}/bindings/catalog/isolated_cat`)).body).toEqual({
      bindings: [{ workspace_id: primary, binding_type: "BINDING_TYPE_READ_WRITE" }],
    });
    const denied = await raw(sim, "GET", `${uc}/catalogs/isolated_cat`, undefined, { workspace: "second" });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/not accessible in current workspace/);
    // A workspace on another metastore cannot be bound; one on this metastore can.
    const elsewhere = await raw(sim, "PATCH", `${uc}/bindings/catalog/isolated_cat`, {
      add: [{ workspace_id: sim.workspace("dr").workspaceId }],
    });
    expect(elsewhere.status).toBe(400);
    const bound = await raw(sim, "PATCH", `${uc}/bindings/catalog/isolated_cat`, {
      add: [{ workspace_id: second, binding_type: "BINDING_TYPE_READ_ONLY" }],
    });
    expect(bound.body.bindings).toEqual(
      [
        { workspace_id: primary, binding_type: "BINDING_TYPE_READ_WRITE" },
        { workspace_id: second, binding_type: "BINDING_TYPE_READ_ONLY" },
      ].sort((a, b) => a.workspace_id - b.workspace_id),
    );
    expect(
      (await raw(sim, "GET", `${uc}/catalogs/isolated_cat`, undefined, { workspace: "second" })).status,
    ).toBe(200);
    // Paginated form, and the older catalog-only route.
    const paged = await allPages(`${uc}/bindings/catalog/isolated_cat?max_results=1`, "bindings");
    expect(paged.items).toHaveLength(2);
    expect((await raw(sim, "GET", `${uc}/workspace-bindings/catalogs/isolated_cat`)).body).toEqual({
      workspaces: [primary, second].sort((a, b) => a - b),
    });
  });

  test("storage credentials and external locations: ISOLATION_MODE_ISOLATED takes workspace bindings", async () => {
    const uc = "/api/2.1/unity-catalog";
    const second = sim.workspace("second").workspaceId;
    const primary = sim.workspace("primary").workspaceId;
    for (const [type, path, name] of [
      ["external_location", "external-locations", "loc-landing"],
      ["storage_credential", "storage-credentials", "primary-mi"],
    ] as const) {
      // OPEN: no bindings, and none can be added.
      expect((await raw(sim, "GET", `${uc}/bindings/${type}/${name}`)).body).toEqual({ bindings: [] });
      const open = await raw(sim, "PATCH", `${uc}/bindings/${type}/${name}`, {
        add: [{ workspace_id: second }],
      });
      expect(open.status).toBe(400);
      expect(open.body.message).toMatch(/isolation mode OPEN/);
      // The catalog spelling of the mode is refused: these take the IsolationMode enum.
      expect((await raw(sim, "PATCH", `${uc}/${path}/${name}`, { isolation_mode: "ISOLATED" })).status).toBe(
        400,
      );
      const isolated = await raw(sim, "PATCH", `${uc}/${path}/${name}`, {
        isolation_mode: "ISOLATION_MODE_ISOLATED",
      });
      expect(isolated.body).toMatchObject({ isolation_mode: "ISOLATION_MODE_ISOLATED" });
      // The workspace that isolated it stays bound; another on the metastore can be added.
      const bound = await raw(sim, "PATCH", `${uc}/bindings/${type}/${name}`, {
        add: [{ workspace_id: second, binding_type: "BINDING_TYPE_READ_ONLY" }],
      });
      expect(bound.body.bindings).toEqual(
        [
          { workspace_id: primary, binding_type: "BINDING_TYPE_READ_WRITE" },
          { workspace_id: second, binding_type: "BINDING_TYPE_READ_ONLY" },
        ].sort((a, b) => a.workspace_id - b.workspace_id),
      );
      const paged = await allPages(`${uc}/bindings/${type}/${name}?max_results=1`, "bindings");
      expect(paged.items).toHaveLength(2);
      // Opening it again drops the bindings.
      await raw(sim, "PATCH", `${uc}/${path}/${name}`, { isolation_mode: "ISOLATION_MODE_OPEN" });
      expect((await raw(sim, "GET", `${uc}/bindings/${type}/${name}`)).body).toEqual({ bindings: [] });
    }
    expect((await raw(sim, "GET", `${uc}/bindings/schema/main.default`)).status).toBe(400);
    expect((await raw(sim, "GET", `${uc}/bindings/external_location/nope`)).status).toBe(404);
  });

  test("workspace metastore assignment via PUT / DELETE", async () => {
    const bare = sim.workspace("bare");
    const ms = sim.metastore("uc-northeurope");
    const res = await raw(sim, "PUT", `/api/2.1/unity-catalog/workspaces/${bare.workspaceId}/metastore`, {
      metastore_id: ms.id,
      default_catalog_name: "main",
    });
    expect(res.status).toBe(200);
    expect((await client(sim, "bare").metastores.current()).metastore_id).toBe(ms.id);
    await client(sim, "bare").metastores.unassign({ workspace_id: bare.workspaceId, metastore_id: ms.id });
    await expect(client(sim, "bare").metastores.current()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("SQL statements on Delta tables", () => {
  const run = async (statement: string, workspace = "primary") =>
    client(sim, workspace).statementExecution.executeStatement({
      warehouse_id: "sim-warehouse",
      statement,
      wait_timeout: "30s",
    });

  test("DESCRIBE HISTORY, overwrite disaster, RESTORE TO VERSION, COUNT(*)", async () => {
    const table = sim.seeds.metastores["uc-westeurope"]!.tables[3]!;
    const before = await run(`SELECT COUNT(*) FROM ${table}`);
    expect(before.status!.state).toBe("SUCCEEDED");
    expect(before.manifest!.schema!.columns![0]).toMatchObject({ name: "count(1)", type_name: "LONG" });
    const rows = before.result!.data_array![0]![0];

    sim.disasters.overwriteTable(table, 0, "uc-westeurope");
    expect((await run(`SELECT COUNT(*) FROM ${table}`)).result!.data_array).toEqual([["0"]]);
    const history = await run(`DESCRIBE HISTORY ${table}`);
    const latest = history.result!.data_array![0]!;
    expect(latest[4]).toBe("CREATE OR REPLACE TABLE AS SELECT");
    const previous = Number(latest[0]) - 1;
    expect(history.manifest!.schema!.columns!.map((c) => c.name)).toContain("operationMetrics");

    const restored = await run(`RESTORE TABLE ${table} TO VERSION AS OF ${previous}`);
    expect(restored.status!.state).toBe("SUCCEEDED");
    expect(restored.manifest!.schema!.columns![0]!.name).toBe("table_size_after_restore");
    expect((await run(`SELECT COUNT(*) FROM ${table}`)).result!.data_array![0]![0]).toBe(rows);
    expect((await run(`DESCRIBE HISTORY ${table} LIMIT 1`)).result!.data_array![0]![4]).toBe("RESTORE");
  });

  test("RESTORE TO TIMESTAMP AS OF, and time-travel errors as FAILED statements", async () => {
    const table = `\`${sim.seeds.metastores["uc-westeurope"]!.tables[7]!.split(".").join("`.`")}\``;
    const history = (await run(`DESCRIBE HISTORY ${table}`)).result!.data_array!;
    const v0 = history[history.length - 1]!;
    const ok = await run(`RESTORE TABLE ${table} TO TIMESTAMP AS OF '${v0[1]}'`);
    expect(ok.status!.state).toBe("SUCCEEDED");
    const tooLate = await run(`RESTORE TABLE ${table} TO TIMESTAMP AS OF '2999-01-01T00:00:00Z'`);
    expect(tooLate.status).toMatchObject({
      state: "FAILED",
      error: { message: expect.stringContaining("DELTA_TIMESTAMP_GREATER_THAN_COMMIT") as string },
    });
    const noVersion = await run(`RESTORE TABLE ${table} TO VERSION AS OF 999`);
    expect(noVersion.status!.state).toBe("FAILED");
    const missing = await run("SELECT COUNT(*) FROM main.schema_1.nope");
    expect(missing.status).toMatchObject({ state: "FAILED", sql_state: "42P01" });
    expect((await run("DROP DATABASE everything")).status!.state).toBe("FAILED");
  });

  test("drop disaster then UNDROP TABLE; GET /statements/{id}", async () => {
    const seeded = sim.seeds.metastores["uc-westeurope"]!;
    const managed = seeded.tables.find((t) => !seeded.externalTables.includes(t))!;
    const [catalog, schema, name] = managed.split(".");
    sim.disasters.dropTable(managed, "uc-westeurope");
    const w = client(sim);
    await expect(w.tables.get({ full_name: managed })).rejects.toMatchObject({ statusCode: 404 });
    const undrop = await run(`UNDROP TABLE ${managed}`);
    expect(undrop.status!.state).toBe("SUCCEEDED");
    expect((await w.tables.get({ full_name: managed })).name).toBe(name);
    expect((await run(`UNDROP TABLE ${managed}`)).status!.state).toBe("FAILED");
    const pending = await w.statementExecution.executeStatement({
      warehouse_id: "wh",
      statement: `SELECT COUNT(*) FROM ${name}`,
      catalog,
      schema,
      wait_timeout: "0s",
    });
    expect(pending.status!.state).toBe("PENDING");
    const done = await w.statementExecution.getStatement({ statement_id: pending.statement_id! });
    expect(done.status!.state).toBe("SUCCEEDED");
    expect(Number(done.result!.data_array![0]![0])).toBeGreaterThan(0);
  });

  test("COMMENT ON TABLE and ALTER TABLE SET / UNSET TBLPROPERTIES change a table in place", async () => {
    const table = sim.seeds.metastores["uc-westeurope"]!.externalTables[0]!;
    const quoted = `\`${table.split(".").join("`.`")}\``;
    expect((await run(`COMMENT ON TABLE ${quoted} IS 'it\\'s the orders'`)).status!.state).toBe("SUCCEEDED");
    expect(
      (await run(`ALTER TABLE ${quoted} SET TBLPROPERTIES ('quality' = 'gold', 'owner.team' = 'sales')`))
        .status!.state,
    ).toBe("SUCCEEDED");
    expect((await run(`ALTER TABLE ${quoted} UNSET TBLPROPERTIES ('owner.team')`)).status!.state).toBe(
      "SUCCEEDED",
    );
    const info = await client(sim).tables.get({ full_name: table });
    expect(info.comment).toBe("it's the orders");
    expect(info.properties).toEqual({ quality: "gold" });
    expect((await run(`ALTER TABLE ${quoted} UNSET TBLPROPERTIES ('nope')`)).status).toMatchObject({
      state: "FAILED",
      error: { message: expect.stringContaining("UNSET_NONEXISTENT_PROPERTIES") as string },
    });
    expect((await run(`COMMENT ON TABLE ${quoted} IS NULL`)).status!.state).toBe("SUCCEEDED");
    expect((await client(sim).tables.get({ full_name: table })).comment).toBeUndefined();
  });

  test("CREATE VIEW recreates a view", async () => {
    const res = await run("CREATE VIEW main.default.v_restored AS SELECT id FROM main.default.table_0");
    expect(res.status!.state).toBe("SUCCEEDED");
    expect((await client(sim).tables.get({ full_name: "main.default.v_restored" })).view_definition).toBe(
      "SELECT id FROM main.default.table_0",
    );
  });
});

describe("Disasters", () => {
  test("deleting a metastore removes Unity Catalog from every workspace assigned to it", async () => {
    const local = await startPlatformSimulator({
      workspaces: [
        { name: "a", metastore: "m" },
        { name: "b", metastore: "m" },
      ],
      metastores: [{ name: "m", region: "westeurope", seed: { tables: 3 } }],
    });
    try {
      expect(await collect(client(local, "a").catalogs.list({}))).not.toHaveLength(0);
      local.disasters.deleteMetastore("m");
      for (const ws of ["a", "b"])
        await expect(client(local, ws).metastores.summary()).rejects.toMatchObject({
          errorCode: "METASTORE_DOES_NOT_EXIST",
        });
    } finally {
      await local.close();
    }
  });

  test("deleting a workspace: connection refused (default) or 404 to everything", async () => {
    const local = await startPlatformSimulator({
      workspaces: [{ name: "gone" }, { name: "ghost" }],
      metastores: [],
    });
    try {
      await local.disasters.deleteWorkspace("gone");
      await expect(client(local, "gone").workspace.getStatus({ path: "/" })).rejects.toMatchObject({
        code: "ECONNREFUSED",
      });
      await local.disasters.deleteWorkspace("ghost", "not-found");
      await expect(client(local, "ghost").workspace.getStatus({ path: "/" })).rejects.toMatchObject({
        statusCode: 404,
        errorCode: "RESOURCE_DOES_NOT_EXIST",
      });
    } finally {
      await local.close();
    }
  });
  test("Credentials API: storage and service credentials in one namespace, filtered by purpose; a service principal's secret is never returned", async () => {
    const uc = "/api/2.1/unity-catalog";
    const all = await raw(sim, "GET", `${uc}/credentials`);
    const purposes = (all.body.credentials as { name: string; purpose: string }[]).map(
      (c) => `${c.name}:${c.purpose}`,
    );
    expect(purposes).toEqual(expect.arrayContaining(["primary-mi:STORAGE", "svc-keyvault:SERVICE"]));
    const service = await raw(sim, "GET", `${uc}/credentials?purpose=SERVICE`);
    expect((service.body.credentials as { name: string }[]).map((c) => c.name)).toEqual(["svc-keyvault"]);
    // The Storage Credentials API does not list service credentials.
    const storage = await raw(sim, "GET", `${uc}/storage-credentials`);
    expect(JSON.stringify(storage.body)).not.toContain("svc-keyvault");
    const taken = await raw(sim, "POST", `${uc}/credentials`, {
      name: "primary-mi",
      purpose: "SERVICE",
      azure_managed_identity: { access_connector_id: "/ac/x" },
    });
    expect(taken.body).toMatchObject({ error_code: "CREDENTIAL_ALREADY_EXISTS" });
    const sp = await raw(sim, "POST", `${uc}/credentials`, {
      name: "svc-sp",
      purpose: "SERVICE",
      azure_service_principal: { directory_id: "t", application_id: "a", client_secret: "never-back" },
    });
    expect(sp.status).toBe(200);
    expect(JSON.stringify((await raw(sim, "GET", `${uc}/credentials/svc-sp`)).body)).not.toContain(
      "never-back",
    );
    const readOnly = await raw(sim, "PATCH", `${uc}/credentials/svc-sp`, { read_only: true });
    expect(readOnly.status).toBe(400);
    const isolated = await raw(sim, "PATCH", `${uc}/credentials/svc-sp`, {
      isolation_mode: "ISOLATION_MODE_ISOLATED",
    });
    expect(isolated.body).toMatchObject({ purpose: "SERVICE", isolation_mode: "ISOLATION_MODE_ISOLATED" });
    const bindings = await raw(sim, "GET", `${uc}/bindings/credential/svc-sp`);
    expect(bindings.body).toEqual({
      bindings: [
        { workspace_id: sim.workspace("primary").workspaceId, binding_type: "BINDING_TYPE_READ_WRITE" },
      ],
    });
    const grant = await raw(sim, "PATCH", `${uc}/permissions/credential/svc-sp`, {
      changes: [{ principal: "data-engineers", add: ["ACCESS", "CREATE_CONNECTION"] }],
    });
    expect(grant.body).toEqual({
      privilege_assignments: [{ principal: "data-engineers", privileges: ["ACCESS", "CREATE_CONNECTION"] }],
    });
    expect((await raw(sim, "DELETE", `${uc}/credentials/svc-sp`)).status).toBe(200);
    expect((await raw(sim, "GET", `${uc}/credentials/svc-sp`)).status).toBe(404);
  });
});
