// Runbook 7.4 against the simulator and Azurite: back up the seeded metastore A, restore it into
// the empty DR metastore B with principal and storage-account remapping, then re-export B through
// the API and compare. Plan mode writes nothing; a run that fails midway completes when re-run
// with nothing created twice; existing=skip and existing=update behave as documented.
import { afterEach, describe, expect, it } from "vitest";
import { runBatch, runCommit, runPlan } from "../../src/lib/backup/engine.js";
import type { SourceContext } from "../../src/lib/sources/context.js";
import { unityCatalogSource } from "../../src/lib/sources/unity-catalog-source.js";
import type { Manifest } from "../../src/lib/store/manifest.js";
import {
  executeBatch,
  preflightAndPlan,
  readPlan,
  readResults,
  runValidation,
  type BatchOutcome,
  type PlanSummary,
} from "../../src/lib/restore/engine/engine.js";
import { parseRestoreRequest, type RestoreRequestInput } from "../../src/lib/restore/engine/request.js";
import { unityCatalogScenario } from "../../src/lib/restore/scenarios/unity-catalog.js";
import { REPORTS_CONTAINER, runRecordPath } from "../../src/lib/store/layout.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const FAST = { databricks: { maxAttempts: 3, limits: { "unity-catalog": 2000, sql: 2000, other: 2000 } } };
const REMAP = {
  principals: [
    { from: "data-engineers", to: "dr-data-engineers" },
    { from: "alice@example.com", to: "alice.dr@example.com" },
  ],
  storageAccounts: [{ from: "stprimarydata", to: "stdrdata" }],
};
const LEFT_OUT = "left out by the approved plan (see the follow-ups)";
const NO_WRITE_POSTS = [/^POST \/api\/2\.0\/sql\/statements$/];

async function start(options: Parameters<typeof startTestPlatform>[0] = {}): Promise<TestPlatform> {
  platform = await startTestPlatform({
    ...options,
    sim: {
      workspaces: [
        { name: "primary", metastore: "uc-westeurope" },
        { name: "dr", metastore: "uc-northeurope" },
      ],
      ...options.sim,
    },
    runtime: { ...FAST, ...options.runtime },
  });
  return platform;
}

/** A UC metadata backup of a configured metastore, through the backup engine. */
async function backup(p: TestPlatform, sourceId: string, snapshotId: string, ctx: SourceContext = p.runtime) {
  const target = { kind: "unity-catalog" as const, sourceId, snapshotId };
  const planned = await runPlan(p.runtime.store, unityCatalogSource, ctx, target, 200);
  expect(planned.fatal).toBeUndefined();
  for (let b = 0; b < planned.batches; b++)
    await runBatch(p.runtime.store, unityCatalogSource, ctx, target, b);
  const now = new Date().toISOString();
  await runCommit(p.runtime.store, unityCatalogSource, target, { startedAt: now, endedAt: now });
  return p.runtime.store.requireManifest({
    domain: "unity-catalog",
    sourceId,
    component: "metadata",
    snapshotId,
  });
}

let runs = 0;
async function restore(
  p: TestPlatform,
  input: Partial<RestoreRequestInput>,
  ctx: SourceContext = p.runtime,
): Promise<{
  request: ReturnType<typeof parseRestoreRequest>;
  plan: PlanSummary;
  batches: BatchOutcome[];
  validation: Awaited<ReturnType<typeof runValidation>>;
}> {
  const request = parseRestoreRequest(
    { source: "primary-metastore", target: "dr-metastore", mode: "apply", remap: REMAP, ...input },
    p.config,
    "unity-catalog",
  );
  const planId = `plan-${++runs}-${Date.now()}`;
  const plan = await preflightAndPlan(ctx, unityCatalogScenario, request, {
    instanceId: "restore-unity-catalog-dr-metastore",
    planId,
    now: new Date().toISOString(),
  });
  const batches: BatchOutcome[] = [];
  if (request.mode === "apply" && plan.blocking.length === 0) {
    for (const step of plan.steps)
      for (let b = 0; b < step.batches; b++)
        batches.push(await executeBatch(ctx, unityCatalogScenario, request, planId, step.name, b));
  }
  const validation =
    request.mode === "apply" && plan.blocking.length === 0
      ? await runValidation(ctx, unityCatalogScenario, request, planId)
      : [];
  return { request, plan, batches, validation };
}

const failedOf = (batches: BatchOutcome[]) => batches.flatMap((b) => b.failures);

type Json = Record<string, unknown>;
interface Exported {
  definitions: Map<string, Json>;
  grants: Map<string, Map<string, string[]>>;
}

async function exported(p: TestPlatform, manifest: Manifest): Promise<Exported> {
  const out: Exported = { definitions: new Map(), grants: new Map() };
  for (const e of manifest.entries) {
    if (e.path.startsWith("metastore/")) continue;
    const body = await p.runtime.store.getJson<Json>(e.sha256);
    if (e.kind === "grants") {
      const assignments = (body["privilege_assignments"] ?? []) as {
        principal: string;
        privileges: string[];
      }[];
      const byPrincipal = new Map(assignments.map((a) => [a.principal, [...a.privileges].sort()]));
      const key = body["securable_type"] === "metastore" ? "grants/metastore" : e.path;
      out.grants.set(key, byPrincipal);
    } else out.definitions.set(e.path, body);
  }
  return out;
}

/** Where the storage location is ours to set (not derived from a managed root). */
const isExternal = (def: Json) => def["table_type"] === "EXTERNAL" || def["volume_type"] === "EXTERNAL";
const principal = (name: string) => REMAP.principals.find((r) => r.from === name)?.to ?? name;
function remapGrants(grants: Map<string, string[]>): Map<string, string[]> {
  return new Map([...grants].map(([p, privileges]) => [principal(p), privileges]));
}

describe("Unity Catalog recovery (runbook 7.4)", () => {
  it("restores A into an empty B with remapping; re-exported B equals A modulo remapping", async () => {
    const p = await start();
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    // A view over an external table, and a view over that view listed before it.
    const source = p.sim.metastore("uc-westeurope");
    const view = (name: string, from: string) =>
      source.createTable({
        catalog_name: "main",
        schema_name: "default",
        name,
        table_type: "VIEW",
        view_definition: `SELECT id FROM ${from} WHERE id > 1`,
      });
    view("v_a_chained", "main.default.v_external");
    view("v_external", seed.externalTables[0]!);
    seed.views.push("main.default.v_a_chained", "main.default.v_external");
    const a = await backup(p, "primary-metastore", "20261126t020000z");
    const managedTables = seed.tables.filter((t) => !seed.externalTables.includes(t));
    // Views over managed tables cannot be created until that data is back (CREATE VIEW analyses).
    const blockedViews = seed.views.filter((v) =>
      managedTables.some((t) => String(source.table(v).info["view_definition"]).includes(`FROM ${t} `)),
    );
    const managed = [...managedTables, ...blockedViews];
    expect(managedTables.length).toBeGreaterThan(0);
    expect(blockedViews.length).toBeGreaterThan(0);
    expect(seed.views.length).toBeGreaterThan(blockedViews.length);

    const { plan, batches, validation } = await restore(p, {});
    expect(plan.blocking).toEqual([]);
    expect(failedOf(batches)).toEqual([]);
    // Managed tables are reported with what restoring their data needs, not silently dropped.
    const stored = await readPlan(p.runtime, plan.planId);
    const unsupported = stored.items.filter((i) => i.action === "unsupported");
    expect(unsupported.map((i) => i.target).sort()).toEqual([...managed].sort());
    for (const item of unsupported)
      expect(item.reason).toMatch(/(DEEP CLONE|restore its data first).*runbook 7\.6/);
    expect(stored.notes.join("\n")).toMatch(/MANAGED table/);
    expect(stored.notes.join("\n")).toMatch(/sqlserver-erp: re-enter its credentials/);
    // Validation compares what the plan meant to restore: everything present and equal; the
    // managed tables and the views over them, planned unsupported, are listed, not missing (before,
    // they were counted missing and a restore that did exactly what was approved was PartiallyFailed).
    expect(validation.filter((v) => !v.ok)).toEqual([]);
    const leftOut = validation.find((v) => v.name === LEFT_OUT)!;
    expect(leftOut).toMatchObject({ ok: true, expected: managed.length });
    expect(leftOut.detail).toMatch(/^managed_table \S+ \(unsupported\)/);
    // One definitions check per securable kind, each compared field by field.
    const equal = validation.filter((v) => v.name.includes(" equal the backup's ("));
    expect(equal.map((v) => v.name.split(" equal")[0]).sort()).toEqual(
      [
        "catalogs",
        "connections",
        "external locations",
        "external tables",
        "functions",
        "schemas",
        "service credentials",
        "storage credentials",
        "views",
        "volumes",
      ].sort(),
    );
    for (const check of equal) expect(check, check.name).toMatchObject({ ok: true });

    // Views went through the SQL statements API; the chained one after its source (a second pass).
    expect(p.sim.log.count("POST /api/2.0/sql/statements")).toBeGreaterThanOrEqual(3);
    // Re-export B through the API and compare with A.
    const b = await backup(p, "dr-metastore", "20261126t040000z");
    const A = await exported(p, a);
    const B = await exported(p, b);
    for (const [path, def] of A.definitions) {
      const isManaged = managed.includes(String(def["full_name"]));
      const restored = B.definitions.get(path);
      if (isManaged) {
        expect(restored, path).toBeUndefined();
        continue;
      }
      expect(restored, path).toBeDefined();
      expect(restored!["owner"], `owner of ${path}`).toBe(principal(String(def["owner"])));
      const remapped = (s: unknown) => String(s).replaceAll("@stprimarydata.", "@stdrdata.");
      for (const field of ["url", "storage_location", "storage_root"])
        if (def[field] !== undefined && !(field === "storage_location" && !isExternal(def)))
          expect(restored![field], `${field} of ${path}`).toBe(remapped(def[field]));
      for (const field of [
        "comment",
        "view_definition",
        "routine_definition",
        "credential_name",
        "table_type",
      ])
        expect(restored![field], `${field} of ${path}`).toEqual(def[field]);
      if (def["table_type"] === "EXTERNAL") expect(restored!["columns"]).toEqual(def["columns"]);
    }
    expect(B.definitions.size).toBe(A.definitions.size - managed.length);
    for (const [path, grants] of A.grants) {
      if (managed.some((t) => path === `grants/table/${encodeURIComponent(t)}.json`)) continue;
      expect(B.grants.get(path), `grants ${path}`).toEqual(remapGrants(grants));
    }
    // Never a secret: the connection came back without its password.
    const connection = B.definitions.get("connections/sqlserver-erp.json")!;
    expect(JSON.stringify(connection)).not.toContain("do-not-return");
  });

  it("plan mode reads everything and writes nothing", async () => {
    const p = await start();
    await backup(p, "primary-metastore", "20261126t020000z");
    p.sim.log.clear();
    const { plan } = await restore(p, { mode: "plan" });
    expect(plan.blocking).toEqual([]);
    expect(plan.counts.create).toBeGreaterThan(40);
    expect(p.sim.log.entries.length).toBeGreaterThan(5);
    expect(p.sim.log.writes()).toEqual([]);
    expect(p.sim.metastore("uc-northeurope").counts()["catalogs"]).toBe(1); // system only
  });

  it("a warehouse listing that fails is said in the preflight, not read as 'there is none'", async () => {
    const p = await start();
    await backup(p, "primary-metastore", "20261126t020000z");
    p.sim.faults.add("dr", { route: "GET /api/2.0/sql/warehouses", status: 403, times: 10 });
    const { plan } = await restore(p, { mode: "plan" });
    const stored = await readPlan(p.runtime, plan.planId);
    const check = stored.preflight.find((c) => c.name === "SQL warehouse for views and SQL-created tables");
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(/listing its warehouses failed: /);
    expect(check?.detail).not.toMatch(/there is none/);
  });

  it("a run that fails midway completes when re-run, creating nothing twice", async () => {
    const p = await start();
    await backup(p, "primary-metastore", "20261126t020000z");
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    p.sim.faults.add("dr", { route: "POST /api/2.1/unity-catalog/schemas", status: 500, times: 1 });
    p.sim.log.clear();
    const first = await restore(p, {});
    const failures = failedOf(first.batches);
    // The 500 on a non-idempotent POST is not re-sent: one schema fails, and what lives in it.
    expect(p.sim.log.filter("POST /api/2.1/unity-catalog/schemas").length).toBe(seed.schemas.length);
    expect(failures.some((f) => f.key.startsWith("schema/") && /500/.test(f.detail))).toBe(true);
    expect(first.validation.some((v) => v.name === "schemas present" && !v.ok)).toBe(true);

    const second = await restore(p, {});
    expect(failedOf(second.batches)).toEqual([]);
    expect(second.validation.filter((v) => !v.ok).map((v) => v.name)).toEqual([]);
    // Each catalog and schema created exactly once over both runs; grants equal as sets.
    const ok = (route: string) => p.sim.log.filter(route).filter((e) => e.status === 200).length;
    expect(ok("POST /api/2.1/unity-catalog/catalogs")).toBe(seed.catalogs.length);
    expect(ok("POST /api/2.1/unity-catalog/schemas")).toBe(seed.schemas.length);
    const b = p.sim.metastore("uc-northeurope");
    expect(b.counts()["catalogs"]).toBe(seed.catalogs.length + 1);
    expect(b.privilegeAssignments("catalog", "main")).toEqual([
      { principal: "analysts", privileges: ["BROWSE", "USE_CATALOG"] },
      { principal: "dr-data-engineers", privileges: ["CREATE_SCHEMA", "USE_CATALOG"] },
    ]);
    // A third run finds nothing to do.
    p.sim.log.clear();
    const third = await restore(p, {});
    expect(third.plan.counts.create + third.plan.counts.update).toBe(0);
    expect(p.sim.log.writes(NO_WRITE_POSTS)).toEqual([]);
  });

  it("a restore narrowed to existing tables: comment and property drift is fixed with SQL (no DELETE); a location change is a listed replace that saves the prior definition and grants first; a MANAGED table is never dropped", async () => {
    const p = await start();
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    expect(seed.externalTables.length).toBeGreaterThanOrEqual(3);
    const [table, other, moved] = seed.externalTables as [string, string, string];
    const source = p.sim.metastore("uc-westeurope");
    source.table(table).info["comment"] = "orders, cleaned";
    source.table(table).info["properties"] = { quality: "gold", "delta.appendOnly": "true" };
    source.grant("table", moved, "analysts", ["SELECT"]);
    await backup(p, "primary-metastore", "20261126t020000z");
    await restore(p, {});
    const dr = p.sim.metastore("uc-northeurope");
    // Drift in the target after the first restore.
    dr.table(table).info["comment"] = "changed in DR";
    dr.table(table).info["properties"] = { quality: "bronze", "delta.appendOnly": "true", "dr.tag": "x" };
    // Someone made `other` a MANAGED table in DR: dropping it would delete its data.
    dr.table(other).info["comment"] = "managed in DR";
    dr.table(other).info["table_type"] = "MANAGED";
    // `moved` points somewhere else in DR: only a drop + re-create changes an external location.
    const movedLocation = String(dr.table(moved).info["storage_location"]);
    dr.table(moved).info["storage_location"] = "abfss://external@stdrdata.dfs.core.windows.net/elsewhere";
    dr.grant("table", moved, "dr-readers", ["SELECT"]);

    const include = [table, other, moved];
    const narrowed = await restore(p, { include, existing: "update", mode: "plan" });
    const plan = await readPlan(p.runtime, narrowed.plan.planId);
    const item = (name: string) => plan.items.find((i) => i.key === `table/${name}`);
    const destructive = plan.destructive.join("\n");
    // Comment and properties: an in-place update, listed with before and after.
    expect(item(table)).toMatchObject({ action: "update" });
    expect(destructive).toContain(
      `${table} (external_table) is updated in place with SQL (COMMENT ON / ALTER TABLE … SET TBLPROPERTIES): comment: "changed in DR" → "orders, cleaned"; properties: {"quality":"bronze"} → {"quality":"gold"}`,
    );
    expect(destructive).not.toContain(`${table} (external_table) is dropped`);
    // The location: a replace, listed as destructive with before and after.
    expect(item(moved)).toMatchObject({ action: "update" });
    expect(destructive).toContain(
      `${moved} (external_table) is dropped and re-created to change storage_location: "abfss://external@stdrdata.dfs.core.windows.net/elsewhere" → "${movedLocation}"`,
    );
    expect(plan.items.find((i) => i.step === "grants" && i.key === `table/${moved}`)).toMatchObject({
      action: "update",
    });
    expect(item(other)).toMatchObject({ action: "conflict" });
    expect(item(other)!.reason).toMatch(/MANAGED table .* never/);
    expect(destructive).not.toContain(other);

    // The replace's DELETE fails (every retry): the prior definition and grants are already in the run record.
    p.sim.faults.add("dr", { route: "DELETE /api/2.1/unity-catalog/tables", status: 500, times: 3 });
    p.sim.log.clear();
    const applied = await restore(p, { include, existing: "update" });
    const prior = await p.runtime.store.blobs.get(
      REPORTS_CONTAINER,
      runRecordPath(applied.plan.planId, `prior/table/${encodeURIComponent(moved)}.json`),
    );
    expect(prior).toBeDefined();
    const saved = JSON.parse(prior!.toString("utf8")) as Json;
    expect((saved["definition"] as Json)["storage_location"]).toBe(
      "abfss://external@stdrdata.dfs.core.windows.net/elsewhere",
    );
    expect(saved["privilege_assignments"]).toEqual(
      expect.arrayContaining([{ principal: "dr-readers", privileges: ["SELECT"] }]),
    );
    expect(failedOf(applied.batches).map((f) => f.key)).toEqual([`table/${moved}`]);
    expect(dr.table(moved).info["storage_location"]).toBe(
      "abfss://external@stdrdata.dfs.core.windows.net/elsewhere",
    );
    // The drifted comment and properties came back through the SQL statements API, in place.
    expect(dr.table(table).info["comment"]).toBe("orders, cleaned");
    expect(dr.table(table).info["properties"]).toEqual({
      quality: "gold",
      "delta.appendOnly": "true",
      "dr.tag": "x",
    });
    const deletes = p.sim.log.entries.filter((e) => e.method === "DELETE" && e.path.includes("/tables/"));
    expect(new Set(deletes.map((e) => decodeURIComponent(e.path)))).toEqual(
      new Set([`/api/2.1/unity-catalog/tables/${moved}`]),
    );
    expect(dr.table(other).info["table_type"]).toBe("MANAGED");

    // Re-run: the replace goes through; grants and owner come back as in the backup.
    p.sim.log.clear();
    const again = await restore(p, { include, existing: "update" });
    expect(failedOf(again.batches)).toEqual([]);
    expect(dr.table(moved).info["storage_location"]).toBe(movedLocation);
    expect(
      p.sim.log.entries.filter((e) => e.method === "DELETE").map((e) => decodeURIComponent(e.path)),
    ).toEqual([`/api/2.1/unity-catalog/tables/${moved}`]);
    expect(
      p.sim.log.entries.some((e) => e.method === "DELETE" && e.path.includes(encodeURIComponent(table))),
    ).toBe(false);
    expect(again.validation.filter((v) => !v.ok)).toEqual([]);
  });

  it("validation compares what the plan restored and names every object that differs", async () => {
    const p = await start();
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    await backup(p, "primary-metastore", "20261126t020000z");
    const first = await restore(p, {});
    expect(first.validation.filter((v) => !v.ok)).toEqual([]);
    const dr = p.sim.metastore("uc-northeurope");
    // After the restore, someone changes the target behind its back.
    dr.catalog("catalog_1")["comment"] = "edited";
    dr.grant("catalog", "main", "intruder", ["USE_CATALOG"]);
    dr.schema("main.default")["owner"] = "someone-else";
    dr.deleteTable(seed.externalTables[0]!);
    const checks = await runValidation(p.runtime, unityCatalogScenario, first.request, first.plan.planId);
    const bad = new Map(checks.filter((v) => !v.ok).map((v) => [v.name, v]));
    expect([...bad.keys()].sort()).toEqual([
      "catalogs equal the backup's (comment, properties, storage_root, connection_name)",
      "external tables present",
      "grants equal the backup's",
      "owners equal the backup's",
    ]);
    expect(bad.get("external tables present")!.detail).toBe(`missing: ${seed.externalTables[0]}`);
    expect(
      bad.get("catalogs equal the backup's (comment, properties, storage_root, connection_name)")!.detail,
    ).toBe('catalog catalog_1: comment: "edited" → "Seeded catalog 1" (found → expected)');
    expect(bad.get("grants equal the backup's")!.detail).toMatch(
      /^catalog main: grants expected \{.*\}, found \{.*intruder: USE_CATALOG/,
    );
    expect(bad.get("owners equal the backup's")!.detail).toBe(
      "schema main.default: owner expected data-platform, found someone-else",
    );
  });

  it("an ISOLATED catalog comes back ISOLATED with its bindings remapped to DR workspace ids; a CSV table is created with SQL", async () => {
    const p = await start({
      sim: {
        workspaces: [
          { name: "primary", metastore: "uc-westeurope" },
          { name: "analytics", metastore: "uc-westeurope" },
          { name: "dr", metastore: "uc-northeurope" },
          { name: "dr-analytics", metastore: "uc-northeurope" },
        ],
      },
    });
    const id = (name: string) => p.sim.workspace(name).workspaceId;
    const source = p.sim.metastore("uc-westeurope");
    // catalog_1 is reachable only from the primary workspace (read-write), the analytics one
    // (read-only) and a workspace azdr knows nothing about.
    source.isolateCatalog("catalog_1", id("primary"));
    source.catalogBindings.get("catalog_1")!.set(id("analytics"), "BINDING_TYPE_READ_ONLY");
    source.catalogBindings.get("catalog_1")!.set(777, "BINDING_TYPE_READ_WRITE");
    // catalog_2 only from the analytics workspace: the DR workspace azdr restores through stays
    // bound all the same, or the restore would lock itself out (said in the plan).
    source.isolateCatalog("catalog_2", id("analytics"));
    const csvColumns = [
      { name: "event_id", type_text: "bigint", type_name: "LONG", position: 0, nullable: false },
      {
        name: "payload",
        type_text: "string",
        type_name: "STRING",
        position: 1,
        nullable: true,
        comment: "raw JSON",
      },
    ];
    source.createTable({
      catalog_name: "main",
      schema_name: "default",
      name: "raw_events",
      table_type: "EXTERNAL",
      data_source_format: "CSV",
      storage_location: "abfss://external@stprimarydata.dfs.core.windows.net/raw/events",
      columns: csvColumns,
      comment: "landing CSVs, it's raw",
      properties: { "skip.header.line.count": "1" },
      owner: "data-platform",
    });
    const manifest = await backup(p, "primary-metastore", "20261126t020000z");
    expect(manifest.entries.map((e) => e.path)).toContain("bindings/catalog/catalog_1.json");
    // The backup reads through the primary workspace, which catalog_2 is not bound to: the catalog,
    // its grants and bindings are in the snapshot; what is inside it is skipped with the reason.
    expect(manifest.entries.map((e) => e.path)).toContain("bindings/catalog/catalog_2.json");
    expect(manifest.skipped).toEqual([
      expect.objectContaining({
        kind: "schema",
        reason: expect.stringMatching(
          /^catalog catalog_2 is ISOLATED and not bound to workspace "primary"/,
        ) as string,
      }),
    ]);

    const workspaceIds = [{ from: String(id("analytics")), to: String(id("dr-analytics")) }];
    const planned = await restore(p, { mode: "plan", remap: { ...REMAP, workspaceIds } });
    const plan = await readPlan(p.runtime, planned.plan.planId);
    const isolation = plan.items.find(
      (i) => i.step === "workspace-bindings" && i.key === "catalog/catalog_1",
    )!;
    expect(isolation).toMatchObject({ action: "create" });
    expect(isolation.reason).toContain(
      `ISOLATED, bound to ${[
        [id("dr"), "READ_WRITE"],
        [id("dr-analytics"), "READ_ONLY"],
      ]
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([w, t]) => `${w} (${t})`)
        .join(", ")}`,
    );
    expect(isolation.reason).toContain(`workspace ids remapped ${id("primary")} → ${id("dr")}`);
    expect(isolation.reason).toContain(`${id("analytics")} → ${id("dr-analytics")}`);
    expect(isolation.reason).toMatch(/not bound: 777 \(no DR counterpart/);
    expect(plan.notes.join("\n")).toMatch(
      /Catalog catalog_1: workspace\(s\) 777 .* bind their DR counterparts by hand/,
    );
    expect(plan.notes.join("\n")).toContain(
      `Catalog catalog_2: the workspace azdr restores through (${id("dr")}) stays bound (read-write)`,
    );
    expect(plan.notes.join("\n")).not.toMatch(/Catalog catalog_1: the workspace azdr restores through/);
    // Views over catalog_2's tables cannot be created: left out with the reason, not failed.
    const overCatalog2 = plan.items.filter(
      (i) => i.kind === "view" && i.action === "unsupported" && /catalog_2\./.test(i.reason),
    );
    expect(overCatalog2.length).toBeGreaterThan(0);
    for (const v of overCatalog2) expect(v.reason).toMatch(/neither in the backup .* nor in the target/);
    const csv = plan.items.find((i) => i.key === "table/main.default.raw_events")!;
    expect(csv).toMatchObject({ action: "create" });
    expect(csv.reason).toMatch(
      /CREATE TABLE … USING CSV LOCATION 'abfss:\/\/external@stdrdata\.dfs\.core\.windows\.net\/raw\/events'/,
    );
    expect(plan.notes.join("\n")).not.toMatch(/raw_events/);

    const applied = await restore(p, { remap: { ...REMAP, workspaceIds } });
    expect(failedOf(applied.batches)).toEqual([]);
    expect(applied.validation.filter((v) => !v.ok)).toEqual([]);
    expect(
      applied.validation.find((v) => v.name === "isolation and workspace bindings as planned"),
    ).toMatchObject({
      ok: true,
      expected: 2,
    });
    expect(Object.fromEntries(p.sim.metastore("uc-northeurope").catalogBindings.get("catalog_2")!)).toEqual({
      [id("dr")]: "BINDING_TYPE_READ_WRITE",
      [id("dr-analytics")]: "BINDING_TYPE_READ_WRITE",
    });
    const dr = p.sim.metastore("uc-northeurope");
    // Before: catalog_1 came back OPEN, reachable from every workspace on the DR metastore.
    expect(dr.catalog("catalog_1")["isolation_mode"]).toBe("ISOLATED");
    expect(Object.fromEntries(dr.catalogBindings.get("catalog_1")!)).toEqual({
      [id("dr")]: "BINDING_TYPE_READ_WRITE",
      [id("dr-analytics")]: "BINDING_TYPE_READ_ONLY",
    });
    // The CSV table: created with SQL (the Tables API refuses it), remapped, as it was.
    const raw = dr.table("main.default.raw_events").info;
    expect(raw).toMatchObject({
      table_type: "EXTERNAL",
      data_source_format: "CSV",
      storage_location: "abfss://external@stdrdata.dfs.core.windows.net/raw/events",
      comment: "landing CSVs, it's raw",
      properties: { "skip.header.line.count": "1" },
      owner: "data-platform",
    });
    expect(
      (raw["columns"] as Json[]).map((c) => [c["name"], c["type_text"], c["nullable"], c["comment"]]),
    ).toEqual(csvColumns.map((c) => [c.name, c.type_text, c.nullable, c.comment]));
    expect(p.sim.log.filter("POST /api/2.1/unity-catalog/tables").every((e) => e.status === 200)).toBe(true);

    // Someone opens the catalog in DR: validation names it; existing=update isolates it again,
    // listed as destructive with the before and after.
    dr.catalog("catalog_1")["isolation_mode"] = "OPEN";
    dr.catalogBindings.delete("catalog_1");
    const drifted = await runValidation(
      p.runtime,
      unityCatalogScenario,
      applied.request,
      applied.plan.planId,
    );
    expect(drifted.find((v) => !v.ok)).toMatchObject({
      name: "isolation and workspace bindings as planned",
      detail: "catalog catalog_1: isolation_mode expected ISOLATED, found OPEN",
    });
    const again = await restore(p, { existing: "update", remap: { ...REMAP, workspaceIds } });
    const againPlan = await readPlan(p.runtime, again.plan.planId);
    expect(againPlan.destructive.join("\n")).toContain(
      "catalog catalog_1: isolation OPEN → ISOLATED; bindings none → ",
    );
    expect(again.validation.filter((v) => !v.ok)).toEqual([]);
    expect(dr.catalog("catalog_1")["isolation_mode"]).toBe("ISOLATED");
  });

  it("an ISOLATED external location and storage credential come back isolated with their bindings remapped; validation names one opened afterwards", async () => {
    const p = await start({
      sim: {
        workspaces: [
          { name: "primary", metastore: "uc-westeurope" },
          { name: "analytics", metastore: "uc-westeurope" },
          { name: "dr", metastore: "uc-northeurope" },
          { name: "dr-analytics", metastore: "uc-northeurope" },
        ],
      },
    });
    const id = (name: string) => p.sim.workspace(name).workspaceId;
    const source = p.sim.metastore("uc-westeurope");
    source.setIsolation("external_location", "loc-landing", "ISOLATION_MODE_ISOLATED", id("primary"));
    source.securableBindings
      .get("external_location/loc-landing")!
      .set(id("analytics"), "BINDING_TYPE_READ_ONLY");
    source.setIsolation("storage_credential", "primary-mi", "ISOLATION_MODE_ISOLATED", id("analytics"));
    const manifest = await backup(p, "primary-metastore", "20261126t020000z");
    const paths = manifest.entries.map((e) => e.path);
    // Before: only catalogs had their bindings backed up; these came back usable everywhere.
    expect(paths).toContain("bindings/external_location/loc-landing.json");
    expect(paths).toContain("bindings/storage_credential/primary-mi.json");

    const workspaceIds = [{ from: String(id("analytics")), to: String(id("dr-analytics")) }];
    const planned = await restore(p, { mode: "plan", remap: { ...REMAP, workspaceIds } });
    const plan = await readPlan(p.runtime, planned.plan.planId);
    const location = plan.items.find(
      (i) => i.step === "workspace-bindings" && i.key === "external_location/loc-landing",
    )!;
    expect(location).toMatchObject({ action: "create" });
    expect(location.reason).toContain("ISOLATION_MODE_ISOLATED, bound to ");
    expect(location.reason).toContain(`${id("dr-analytics")} (READ_ONLY)`);
    expect(plan.notes.join("\n")).toContain(
      `Storage credential primary-mi: the workspace azdr restores through (${id("dr")}) stays bound (read-write)`,
    );

    const applied = await restore(p, { remap: { ...REMAP, workspaceIds } });
    expect(failedOf(applied.batches)).toEqual([]);
    expect(applied.validation.filter((v) => !v.ok)).toEqual([]);
    expect(
      applied.validation.find((v) => v.name === "isolation and workspace bindings as planned"),
    ).toMatchObject({
      ok: true,
      expected: 2,
    });
    const dr = p.sim.metastore("uc-northeurope");
    expect(dr.externalLocations.get("loc-landing")!["isolation_mode"]).toBe("ISOLATION_MODE_ISOLATED");
    expect(Object.fromEntries(dr.securableBindings.get("external_location/loc-landing")!)).toEqual({
      [id("dr")]: "BINDING_TYPE_READ_WRITE",
      [id("dr-analytics")]: "BINDING_TYPE_READ_ONLY",
    });
    expect(dr.storageCredentials.get("primary-mi")!["isolation_mode"]).toBe("ISOLATION_MODE_ISOLATED");
    expect(Object.fromEntries(dr.securableBindings.get("storage_credential/primary-mi")!)).toEqual({
      [id("dr")]: "BINDING_TYPE_READ_WRITE",
      [id("dr-analytics")]: "BINDING_TYPE_READ_WRITE",
    });
    // Isolated last: every location and table under them was created through the DR workspace.
    const writes = p.sim.log.writes(NO_WRITE_POSTS).map((w) => `${w.method} ${decodeURIComponent(w.path)}`);
    const isolating = writes.indexOf("PATCH /api/2.1/unity-catalog/external-locations/loc-landing");
    expect(isolating).toBeGreaterThan(writes.lastIndexOf("POST /api/2.1/unity-catalog/tables"));

    // Someone opens the location in DR: validation names the object and the field.
    dr.setIsolation("external_location", "loc-landing", "ISOLATION_MODE_OPEN", id("dr"));
    const drifted = await runValidation(
      p.runtime,
      unityCatalogScenario,
      applied.request,
      applied.plan.planId,
    );
    expect(drifted.filter((v) => !v.ok)).toEqual([
      expect.objectContaining({
        name: "isolation and workspace bindings as planned",
        detail:
          "external_location loc-landing: isolation_mode expected ISOLATION_MODE_ISOLATED, found ISOLATION_MODE_OPEN",
      }),
    ]);
    const again = await restore(p, { existing: "update", remap: { ...REMAP, workspaceIds } });
    const againPlan = await readPlan(p.runtime, again.plan.planId);
    expect(againPlan.destructive.join("\n")).toContain(
      "external_location loc-landing: isolation ISOLATION_MODE_OPEN → ISOLATION_MODE_ISOLATED; bindings none → ",
    );
    expect(again.validation.filter((v) => !v.ok)).toEqual([]);
  });

  it("service credentials (purpose SERVICE) are backed up once, never with a secret; an ISOLATED one comes back ISOLATED with its bindings, grants and remapped access connector; validation names a drifted field", async () => {
    const p = await start({
      sim: {
        workspaces: [
          { name: "primary", metastore: "uc-westeurope" },
          { name: "analytics", metastore: "uc-westeurope" },
          { name: "dr", metastore: "uc-northeurope" },
          { name: "dr-analytics", metastore: "uc-northeurope" },
        ],
      },
    });
    const id = (name: string) => p.sim.workspace(name).workspaceId;
    const source = p.sim.metastore("uc-westeurope");
    source.setIsolation("credential", "svc-keyvault", "ISOLATION_MODE_ISOLATED", id("primary"));
    source.securableBindings.get("credential/svc-keyvault")!.set(id("analytics"), "BINDING_TYPE_READ_ONLY");
    source.createServiceCredential({
      name: "svc-sp",
      azure_service_principal: {
        directory_id: "tenant-1",
        application_id: "app-1",
        client_secret: "sp-secret-do-not-store",
      },
    });
    const manifest = await backup(p, "primary-metastore", "20261126t020000z");
    // Before: service credentials were not backed up at all. The Credentials API lists storage
    // credentials too: those stay storage_credential entries, never counted twice.
    const credentials = manifest.entries.filter((e) => e.kind === "credential").map((e) => e.path);
    expect(credentials.sort()).toEqual([
      "service-credentials/svc-keyvault.json",
      "service-credentials/svc-sp.json",
    ]);
    expect(manifest.entries.map((e) => e.path)).toContain("storage-credentials/primary-mi.json");
    expect(
      manifest.entries
        .filter((e) => e.path.includes("primary-mi"))
        .map((e) => e.path)
        .sort(),
    ).toEqual(["grants/storage_credential/primary-mi.json", "storage-credentials/primary-mi.json"]);
    const paths = manifest.entries.map((e) => e.path);
    expect(paths).toContain("bindings/credential/svc-keyvault.json");
    expect(paths).toContain("grants/credential/svc-keyvault.json");
    for (const e of manifest.entries.filter((x) => x.kind === "credential"))
      expect(JSON.stringify(await p.runtime.store.getJson(e.sha256))).not.toContain("sp-secret");

    const connector = String(
      (source.serviceCredentials.get("svc-keyvault")!["azure_managed_identity"] as Json)[
        "access_connector_id"
      ],
    );
    const drConnector = connector.replace("ac-primary", "ac-dr");
    const remap = {
      ...REMAP,
      workspaceIds: [{ from: String(id("analytics")), to: String(id("dr-analytics")) }],
      accessConnectors: [{ from: connector, to: drConnector }],
    };
    const applied = await restore(p, { remap });
    expect(failedOf(applied.batches)).toEqual([]);
    expect(applied.validation.filter((v) => !v.ok)).toEqual([]);
    const plan = await readPlan(p.runtime, applied.plan.planId);
    // A service principal's secret is never in the backup: listed as a follow-up naming it.
    const sp = plan.items.find((i) => i.key === "credential/svc-sp")!;
    expect(sp).toMatchObject({ action: "unsupported", step: "service-credentials" });
    expect(sp.reason).toContain("re-create service credential svc-sp by hand with its secret");
    expect(applied.validation.find((v) => v.name === LEFT_OUT)!.detail).toContain(
      "credential svc-sp (unsupported)",
    );
    expect(applied.validation.find((v) => v.name.startsWith("service credentials equal"))).toMatchObject({
      ok: true,
      expected: 1,
    });
    // Created before the connections that may name it, isolated only at the end.
    const steps = plan.steps.map((s) => s.name);
    expect(steps.indexOf("service-credentials")).toBeLessThan(steps.indexOf("connections"));

    const dr = p.sim.metastore("uc-northeurope");
    const restored = dr.serviceCredentials.get("svc-keyvault")!;
    expect(restored).toMatchObject({
      purpose: "SERVICE",
      comment: "Key Vault access for jobs",
      isolation_mode: "ISOLATION_MODE_ISOLATED",
    });
    expect((restored["azure_managed_identity"] as Json)["access_connector_id"]).toBe(drConnector);
    expect(Object.fromEntries(dr.securableBindings.get("credential/svc-keyvault")!)).toEqual({
      [id("dr")]: "BINDING_TYPE_READ_WRITE",
      [id("dr-analytics")]: "BINDING_TYPE_READ_ONLY",
    });
    expect(dr.privilegeAssignments("credential", "svc-keyvault")).toEqual([
      { principal: "dr-data-engineers", privileges: ["ACCESS"] },
    ]);
    expect(dr.storageCredentials.has("svc-keyvault")).toBe(false);

    // Someone edits it and opens it in DR: validation names the object and each field.
    restored["comment"] = "edited in DR";
    dr.setIsolation("credential", "svc-keyvault", "ISOLATION_MODE_OPEN", id("dr"));
    const drifted = await runValidation(
      p.runtime,
      unityCatalogScenario,
      applied.request,
      applied.plan.planId,
    );
    const bad = new Map(drifted.filter((v) => !v.ok).map((v) => [v.name, v.detail]));
    expect(bad.get("service credentials equal the backup's (comment, azure_managed_identity, purpose)")).toBe(
      'credential svc-keyvault: comment: "edited in DR" → "Key Vault access for jobs" (found → expected)',
    );
    expect(bad.get("isolation and workspace bindings as planned")).toBe(
      "credential svc-keyvault: isolation_mode expected ISOLATION_MODE_ISOLATED, found ISOLATION_MODE_OPEN",
    );
    const again = await restore(p, { existing: "update", remap });
    expect(failedOf(again.batches)).toEqual([]);
    expect(again.validation.filter((v) => !v.ok)).toEqual([]);
    expect(restored["comment"]).toBe("Key Vault access for jobs");
  });

  it("service credentials against a pre-populated target: a miss is named among extra credentials, a same-named storage credential is a conflict", async () => {
    const p = await start();
    await backup(p, "primary-metastore", "20261126t020000z");
    const dr = p.sim.metastore("uc-northeurope");
    // The DR metastore holds more service credentials than the backup, and a storage credential
    // named like a backed-up service credential (one namespace for both).
    for (let i = 0; i < 3; i++)
      dr.createServiceCredential({
        name: `dr-svc-${i}`,
        azure_managed_identity: { access_connector_id: "/ac/dr" },
      });
    const { plan, validation, request } = await restore(p, {});
    expect(validation.filter((v) => !v.ok)).toEqual([]);
    expect(dr.serviceCredentials.has("svc-keyvault")).toBe(true);

    dr.serviceCredentials.delete("svc-keyvault");
    const checks = await runValidation(p.runtime, unityCatalogScenario, request, plan.planId);
    const bad = new Map(checks.filter((v) => !v.ok).map((v) => [v.name, v.detail]));
    expect(bad.get("service credentials present")).toBe("missing: svc-keyvault");

    dr.createStorageCredential({
      name: "svc-keyvault",
      azure_managed_identity: { access_connector_id: "/ac/dr" },
    });
    const planned = await restore(p, { mode: "plan" });
    const item = (await readPlan(p.runtime, planned.plan.planId)).items.find(
      (i) => i.key === "credential/svc-keyvault",
    )!;
    expect(item).toMatchObject({ action: "conflict" });
    expect(item.reason).toContain("a storage credential named svc-keyvault exists in the target");
  });

  it("managedTables=recreate-empty re-creates managed table definitions empty, then the views over them", async () => {
    const p = await start();
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    const source = p.sim.metastore("uc-westeurope");
    await backup(p, "primary-metastore", "20261126t020000z");
    const managedTables = seed.tables.filter((t) => !seed.externalTables.includes(t));
    expect(managedTables.length).toBeGreaterThan(0);

    const { plan, batches, validation } = await restore(p, { managedTables: "recreate-empty" });
    const stored = await readPlan(p.runtime, plan.planId);
    // Nothing is left out any more: the managed tables and the views over them are created.
    expect(stored.items.filter((i) => i.action === "unsupported")).toEqual([]);
    for (const t of managedTables) {
      const item = stored.items.find((i) => i.key === `table/${t}`)!;
      expect(item).toMatchObject({ action: "create" });
      expect(item.reason).toMatch(/EMPTY .* data-recovery scenario \(runbook 7\.6\)/);
    }
    expect(stored.notes[0]).toMatch(/MANAGED table\(s\) are re-created EMPTY .*runbook 7\.6/);
    expect(failedOf(batches)).toEqual([]);
    expect(validation.filter((v) => !v.ok)).toEqual([]);
    expect(validation.find((v) => v.name === "managed tables (re-created empty) present")).toMatchObject({
      ok: true,
      expected: managedTables.length,
    });
    const dr = p.sim.metastore("uc-northeurope");
    for (const t of managedTables) {
      const restored = dr.table(t);
      expect(restored.info["table_type"]).toBe("MANAGED");
      expect(restored.info["columns"]).toEqual(source.table(t).info["columns"]);
      expect(restored.history!.at(-1)!.rows).toBe(0); // empty: the data is runbook 7.6's job
    }
    for (const v of seed.views) expect(dr.tables.has(v)).toBe(true);
  });

  it("a pre-populated target hides no miss: objects are compared by name and field, never by count; view comments and re-created managed tables' columns are checked", async () => {
    const p = await start();
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    const source = p.sim.metastore("uc-westeurope");
    const [external] = seed.externalTables as [string];
    source.createTable({
      catalog_name: "main",
      schema_name: "default",
      name: "v_curated",
      table_type: "VIEW",
      view_definition: `SELECT id FROM ${external} WHERE id > 0`,
      comment: "curated, for reports",
    });
    await backup(p, "primary-metastore", "20261126t020000z");
    // The DR metastore already holds objects of its own, more of each kind than the backup has.
    const dr = p.sim.metastore("uc-northeurope");
    dr.createStorageCredential({ name: "dr-mi", azure_managed_identity: { access_connector_id: "/ac/dr" } });
    for (let i = 0; i < 6; i++) {
      dr.createCatalog({ name: `dr_only_${i}` });
      dr.createSchema({ catalog_name: `dr_only_${i}`, name: "s" });
      dr.createExternalLocation({
        name: `dr-loc-${i}`,
        url: `abfss://dr${i}@stdronly.dfs.core.windows.net/`,
        credential_name: "dr-mi",
      });
    }
    const { plan, validation, request } = await restore(p, { managedTables: "recreate-empty" });
    expect(validation.filter((v) => !v.ok)).toEqual([]);
    // Before: the view came back without its comment (CREATE VIEW had no COMMENT clause).
    expect(dr.table("main.default.v_curated").info["comment"]).toBe("curated, for reports");
    // Re-planned, everything matches: before, every MANAGED volume was a conflict ("differs in
    // storage_location") because the service picks a managed volume's location.
    const again = await restore(p, { managedTables: "recreate-empty", mode: "plan" });
    const replanned = await readPlan(p.runtime, again.plan.planId);
    expect(replanned.items.filter((i) => i.action !== "skip").map((i) => `${i.key}: ${i.reason}`)).toEqual(
      [],
    );

    // After the restore: a restored table and view go, others take their places in the same schema
    // (the target has at least as many tables as the backup), and a re-created table loses a column.
    const managed = seed.tables.find((t) => !seed.externalTables.includes(t))!;
    dr.deleteTable(external);
    dr.deleteTable("main.default.v_curated");
    for (const name of ["dr_extra_1", "dr_extra_2", "dr_extra_3"])
      dr.createTable({
        catalog_name: "main",
        schema_name: "default",
        name,
        table_type: "EXTERNAL",
        storage_location: `abfss://external@stdrdata.dfs.core.windows.net/${name}`,
      });
    const columns = dr.table(managed).info["columns"] as Json[];
    const dropped = columns.pop()!;
    const checks = await runValidation(p.runtime, unityCatalogScenario, request, plan.planId);
    const bad = new Map(checks.filter((v) => !v.ok).map((v) => [v.name, v.detail]));
    expect(bad.get("external tables present")).toBe(`missing: ${external}`);
    expect(bad.get("views present")).toMatch(/missing: .*main\.default\.v_curated/);
    // Before: a re-created managed table's columns were never compared.
    expect(
      bad.get("managed tables (re-created empty) equal the backup's (comment, properties, columns)"),
    ).toContain(`managed_table ${managed}: columns: missing ${String(dropped["name"])} (found → expected)`);
  });

  it("existing=skip keeps what differs; existing=update makes it equal; overlapping locations conflict", async () => {
    const p = await start();
    await backup(p, "primary-metastore", "20261126t020000z");
    await restore(p, {});
    const b = p.sim.metastore("uc-northeurope");
    // Drift in the target after the first restore.
    b.catalog("main")["comment"] = "changed in DR";
    b.grant("catalog", "main", "intruder", ["USE_CATALOG"]);
    b.schema("main.default")["owner"] = "someone-else";
    b.externalLocations.delete("loc-landing");
    b.createExternalLocation({
      name: "landing-dr",
      url: "abfss://landing@stdrdata.dfs.core.windows.net/raw",
      credential_name: "primary-mi",
    });

    const skip = await restore(p, { existing: "skip" });
    const skipPlan = await readPlan(p.runtime, skip.plan.planId);
    const item = (step: string, key: string) => skipPlan.items.find((i) => i.step === step && i.key === key);
    expect(item("catalogs", "catalog/main")).toMatchObject({ action: "skip" });
    expect(item("catalogs", "catalog/main")!.reason).toMatch(/comment.*existing=skip/);
    expect(item("grants", "catalog/main")).toMatchObject({ action: "skip" });
    expect(item("owners", "schema/main.default")).toMatchObject({ action: "skip" });
    expect(item("external-locations", "external_location/loc-landing")).toMatchObject({ action: "conflict" });
    expect(item("external-locations", "external_location/loc-landing")!.reason).toMatch(
      /overlaps.*landing-dr/,
    );
    expect(b.catalog("main")["comment"]).toBe("changed in DR");
    expect(b.privilegeAssignments("catalog", "main").map((a) => a.principal)).toContain("intruder");
    // existing=skip did exactly what was approved: kept the drift, left the conflict out. That is
    // not a validation failure (it was: grants, owners and the location counted as missing/unequal).
    expect(skip.validation.filter((v) => !v.ok)).toEqual([]);
    expect(skip.validation.find((v) => v.name === LEFT_OUT)!.detail).toContain(
      "external_location loc-landing (conflict)",
    );
    expect(skipPlan.notes.join("\n")).toMatch(/Not restored \(conflict\): external_location loc-landing/);

    b.externalLocations.delete("landing-dr");
    const update = await restore(p, { existing: "update" });
    const updatePlan = await readPlan(p.runtime, update.plan.planId);
    expect(updatePlan.destructive.join("\n")).toContain(
      "catalog main: revoke 1 privilege(s) not in the backup (intruder -USE_CATALOG): grants {analysts: BROWSE,USE_CATALOG; dr-data-engineers: CREATE_SCHEMA,USE_CATALOG; intruder: USE_CATALOG} → {analysts: BROWSE,USE_CATALOG; dr-data-engineers: CREATE_SCHEMA,USE_CATALOG}",
    );
    // Every other change to what exists is listed with its before and after too.
    expect(updatePlan.destructive.join("\n")).toContain(
      'main (catalog) is updated in place (PATCH comment): comment: "changed in DR" → "Seeded catalog 0"',
    );
    expect(updatePlan.destructive.join("\n")).toContain(
      "schema main.default: owner someone-else → data-platform",
    );
    expect(failedOf(update.batches)).toEqual([]);
    expect(b.catalog("main")["comment"]).toBe("Seeded catalog 0");
    expect(b.privilegeAssignments("catalog", "main").map((a) => a.principal)).not.toContain("intruder");
    expect(b.schema("main.default")["owner"]).toBe("data-platform");
    expect(update.validation.filter((v) => !v.ok).map((v) => v.name)).toEqual([]);
    const results = await readResults(p.runtime, update.plan.planId);
    expect(results.filter((r) => r.status === "created").map((r) => r.key)).toEqual([
      "external_location/loc-landing",
    ]);
  });

  it("assigns the configured metastore to an unassigned workspace, or says what to run", async () => {
    const p = await start({
      sim: {
        workspaces: [
          { name: "primary", metastore: "uc-westeurope" },
          { name: "dr", workspaceId: 6543210987654321 },
        ],
      },
    });
    await backup(p, "primary-metastore", "20261126t020000z");
    const missing = await restore(p, { mode: "plan" });
    expect(missing.plan.blocking).toHaveLength(1);
    expect(missing.plan.blocking[0]!.fix).toMatch(/7\.4 step 3.*Terraform\/Bicep/);

    // The config names the metastore; the workspace URL carries the workspace id.
    const drMetastore = p.sim.metastore("uc-northeurope").id;
    const config = {
      ...p.config,
      databricks: {
        ...p.config.databricks,
        workspaces: p.config.databricks.workspaces.map((w) =>
          w.id === "dr" ? { ...w, url: "https://adb-6543210987654321.7.azuredatabricks.net" } : w,
        ),
      },
      unityCatalog: {
        metastores: p.config.unityCatalog.metastores.map((m) =>
          m.id === "dr-metastore" ? { ...m, metastoreId: drMetastore } : m,
        ),
      },
    };
    const ctx: SourceContext = { ...p.runtime, config };
    p.sim.log.clear();
    const planned = await restore(p, { mode: "plan" }, ctx);
    expect(planned.plan.blocking).toEqual([]);
    expect(planned.plan.steps[0]).toMatchObject({ name: "metastore-assignment", items: 1 });
    expect(p.sim.log.writes()).toEqual([]);

    const applied = await restore(p, {}, ctx);
    expect(failedOf(applied.batches)).toEqual([]);
    expect(p.sim.account.assignments.get(6543210987654321)?.metastore_id).toBe(drMetastore);
    expect(p.sim.metastore("uc-northeurope").counts()["catalogs"]).toBe(4);
    expect(applied.validation.filter((v) => !v.ok).map((v) => v.name)).toEqual([]);
  });
});
