// `azdr snapshots export`: the exported files alone rebuild an empty simulator workspace and
// metastore through the Databricks REST API (workspace/import, jobs/create, the SQL Statement
// Execution API), with no azdr code on the way back; and a damaged snapshot is refused.
import { access, mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildStatements, exportUnityCatalog, renderSql } from "../../src/lib/export/unity-catalog.js";
import type { ExportSink } from "../../src/lib/export/sink.js";
import type { Manifest, ManifestEntry } from "../../src/lib/store/manifest.js";
import { OBJECTS_CONTAINER, objectPath } from "../../src/lib/store/layout.js";
import type { Metastore } from "../../sim/databricks/metastore.js";
import { createPolicy } from "../../sim/databricks/compute.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "../cli/support.js";

type Json = Record<string, unknown>;

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const SEED = {
  notebooks: 24,
  directories: 4,
  files: 4,
  jobs: 5,
  clusters: 1,
  policies: 1,
  pools: 1,
  secretScopes: 1,
};

async function start(): Promise<TestPlatform> {
  return startTestPlatform({
    sim: {
      workspaces: [
        { name: "primary", seed: SEED, metastore: "uc-westeurope" },
        { name: "dr", seed: false, metastore: "uc-northeurope" },
      ],
      metastores: [
        {
          name: "uc-westeurope",
          region: "westeurope",
          seed: { catalogs: 2, schemasPerCatalog: 2, tables: 16, viewShare: 0.3, externalShare: 0.5 },
        },
        { name: "uc-northeurope", region: "northeurope", seed: false },
      ],
    },
  });
}

/** Plain HTTP against one simulated workspace, with its PAT: what anyone without azdr has. */
function rest(p: TestPlatform, workspace: string) {
  const base = p.sim.urls[workspace]!;
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${p.sim.token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as Json;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    get: (path: string) => call("GET", path),
    post: (path: string, body: unknown) => call("POST", path, body),
  };
}

async function exported(p: TestPlatform, ref: string): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), "azdr-export-")), "out");
  const run = await cli(p, ["snapshots", "export", ref, "--to", dir]);
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(run.stdout).toContain(`start with ${dir}/README.md`);
  return dir;
}

/** The old workspace's ids replaced by the new ones, in a JSON text. */
function withNewIds(text: string, ids: Map<string, string>): string {
  let out = text;
  for (const [from, to] of ids) out = out.replaceAll(`"${from}"`, `"${to}"`);
  return out;
}

/** Grants of one securable, in a stable order. */
function grantsOf(m: Metastore, kind: Parameters<Metastore["privilegeAssignments"]>[0], name: string) {
  return m.privilegeAssignments(kind, name).sort((a, b) => a.principal.localeCompare(b.principal));
}

const readJson = async <T>(file: string) => JSON.parse(await readFile(file, "utf8")) as T;

describe("azdr snapshots export", () => {
  it("restores into an empty workspace and metastore with the Databricks REST API alone", async () => {
    platform = await start();
    const p = platform;
    // The awkward ones: a .py workspace FILE that starts with the notebook header, and a family
    // policy (its definition comes from the family: it cannot be sent with policy_family_id).
    const primary = p.sim.workspace("primary").state;
    primary.tree.put({
      path: "/Shared/etl.py",
      object_type: "FILE",
      content: Buffer.from("# Databricks notebook source\nprint('a file')\n"),
    });
    createPolicy(primary, {
      name: "Personal Compute",
      policy_family_id: "personal-vm",
      policy_family_definition_overrides: JSON.stringify({
        autotermination_minutes: { type: "fixed", value: 30 },
      }),
    });
    for (const what of ["workspace", "workspace-config", "unity-catalog"]) {
      const backup = await cli(p, ["backup", what]);
      expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    }
    const source = rest(p, "primary");
    const target = rest(p, "dr");

    // ---- notebooks and files: workspace/import with the exported files ----
    const objects = await exported(p, "databricks/primary/workspace-objects/latest");
    const readme = await readFile(join(objects, "README.md"), "utf8");
    expect(readme).toContain("databricks workspace import-dir");
    const index = await readJson<{ file: string; path: string; type: string; language?: string }[]>(
      join(objects, "workspace-index.json"),
    );
    const notebooks = index.filter((i) => i.type === "NOTEBOOK");
    const files = index.filter((i) => i.type === "FILE");
    expect(notebooks.length).toBe(SEED.notebooks);
    expect(files.length).toBe(SEED.files + 1);
    for (const n of notebooks) {
      const extension = { PYTHON: ".py", SQL: ".sql", SCALA: ".scala", R: ".r" }[n.language!];
      expect(n.file.endsWith(extension!), n.file).toBe(true);
    }
    for (const dir of index.filter((i) => i.type === "DIRECTORY"))
      await target.post("/api/2.0/workspace/mkdirs", { path: dir.path });
    for (const item of [...notebooks, ...files]) {
      const content = (await readFile(join(objects, item.file))).toString("base64");
      await target.post("/api/2.0/workspace/mkdirs", {
        path: item.path.slice(0, item.path.lastIndexOf("/")) || "/",
      });
      await target.post("/api/2.0/workspace/import", {
        path: item.path,
        content,
        ...(item.type === "NOTEBOOK" ? { format: "SOURCE", language: item.language } : { format: "RAW" }),
      });
    }
    for (const item of [...notebooks, ...files]) {
      const q = `path=${encodeURIComponent(item.path)}&format=${item.type === "NOTEBOOK" ? "SOURCE" : "AUTO"}`;
      const before = await source.get(`/api/2.0/workspace/export?${q}`);
      const after = await target.get(`/api/2.0/workspace/export?${q}`);
      expect(after["content"], item.path).toBe(before["content"]);
      // The exported file is the body itself, byte for byte.
      expect((await readFile(join(objects, item.file))).toString("base64")).toBe(before["content"]);
    }

    // ---- jobs: jobs/create with the exported JSON ----
    const config = await exported(p, "databricks/primary/workspace-config/latest");
    const jobFiles = await readdir(join(config, "jobs"));
    expect(jobFiles.length).toBe(SEED.jobs);
    // As the README says: create policies, pools and clusters first, then put their new ids in the
    // jobs (config-index.json names the old ones).
    const configIndex = await readJson<Record<string, Json[]>>(join(config, "config-index.json"));
    const newIds = new Map<string, string>();
    const creates: [string, string, string, string][] = [
      ["cluster-policies", "/api/2.0/policies/clusters/create", "sourcePolicyId", "policy_id"],
      ["instance-pools", "/api/2.0/instance-pools/create", "sourcePoolId", "instance_pool_id"],
      ["clusters", "/api/2.1/clusters/create", "sourceClusterId", "cluster_id"],
    ];
    for (const [folder, path, oldKey, newKey] of creates) {
      for (const row of configIndex[folder] ?? []) {
        const body = await readFile(join(config, String(row["file"])), "utf8");
        const created = await target.post(path, JSON.parse(withNewIds(body, newIds)));
        newIds.set(String(row[oldKey]), String(created[newKey]));
      }
    }
    for (const file of jobFiles)
      await target.post(
        "/api/2.2/jobs/create",
        JSON.parse(withNewIds(await readFile(join(config, "jobs", file), "utf8"), newIds)),
      );
    const settingsByName = async (api: ReturnType<typeof rest>) => {
      const list = ((await api.get("/api/2.2/jobs/list?limit=100"))["jobs"] as Json[]) ?? [];
      const out = new Map<string, Json>();
      for (const job of list) {
        const full = await api.get(`/api/2.2/jobs/get?job_id=${String(job["job_id"])}`);
        const settings = full["settings"] as Json;
        out.set(String(settings["name"]), settings);
      }
      return out;
    };
    const jobsBefore = await settingsByName(source);
    const jobsAfter = await settingsByName(target);
    expect([...jobsAfter.keys()].sort()).toEqual([...jobsBefore.keys()].sort());
    for (const [name, settings] of jobsBefore)
      expect(jobsAfter.get(name), name).toEqual(JSON.parse(withNewIds(JSON.stringify(settings), newIds)));
    for (const folder of ["cluster-policies", "clusters", "instance-pools", "secret-scopes"])
      await access(join(config, folder));
    const scopeFiles = await readdir(join(config, "secret-scopes"));
    await target.post(
      "/api/2.0/secrets/scopes/create",
      await readJson(
        join(
          config,
          "secret-scopes",
          scopeFiles.find((f) => !f.includes(".acls") && !f.includes(".keys"))!,
        ),
      ),
    );

    // ---- Unity Catalog: storage credentials over REST, then the SQL, statement by statement ----
    const uc = await exported(p, "unity-catalog/primary-metastore/metadata/latest");
    for (const file of await readdir(join(uc, "unity-catalog", "storage-credentials")))
      await target.post(
        "/api/2.1/unity-catalog/storage-credentials",
        await readJson(join(uc, "unity-catalog", "storage-credentials", file)),
      );
    for (const file of await readdir(join(uc, "unity-catalog", "service-credentials")))
      await target.post(
        "/api/2.1/unity-catalog/credentials",
        await readJson(join(uc, "unity-catalog", "service-credentials", file)),
      );
    const statements = await readJson<{ statement: string }[]>(join(uc, "unity-catalog-statements.json"));
    for (const { statement } of statements) {
      const answer = await target.post("/api/2.0/sql/statements", { warehouse_id: "any", statement });
      expect((answer["status"] as Json)["state"], `${statement}\n${JSON.stringify(answer)}`).toBe(
        "SUCCEEDED",
      );
    }
    const before = p.sim.metastore("uc-westeurope");
    const after = p.sim.metastore("uc-northeurope");
    const seeded = p.sim.seeds.metastores["uc-westeurope"]!;
    const managed = seeded.tables.filter((t) => !seeded.externalTables.includes(t));
    const blockedViews = seeded.views.filter((v) => {
      const definition = String(before.tables.get(v)!.info["view_definition"]);
      return managed.some((t) => definition.includes(t));
    });
    expect(seeded.externalTables.length).toBeGreaterThan(0);
    expect(seeded.views.length - blockedViews.length).toBeGreaterThan(0);
    for (const name of [...seeded.catalogs]) {
      expect(after.catalogs.get(name)?.["comment"], name).toBe(before.catalogs.get(name)?.["comment"]);
      expect(after.catalogs.get(name)?.["owner"], name).toBe(before.catalogs.get(name)?.["owner"]);
      expect(grantsOf(after, "catalog", name)).toEqual(grantsOf(before, "catalog", name));
    }
    for (const name of seeded.schemas)
      expect(grantsOf(after, "schema", name)).toEqual(grantsOf(before, "schema", name));
    for (const name of seeded.externalTables) {
      const [was, is] = [before.tables.get(name)!.info, after.tables.get(name)?.info];
      expect(is?.["storage_location"], name).toBe(was["storage_location"]);
      expect(is?.["table_type"]).toBe("EXTERNAL");
      expect((is?.["columns"] as Json[]).map((c) => [c["name"], c["type_text"], c["nullable"]])).toEqual(
        (was["columns"] as Json[]).map((c) => [c["name"], c["type_text"], c["nullable"]]),
      );
      expect(is?.["owner"]).toBe(was["owner"]);
      expect(grantsOf(after, "table", name)).toEqual(grantsOf(before, "table", name));
    }
    for (const name of seeded.views.filter((v) => !blockedViews.includes(v)))
      expect(after.tables.get(name)?.info["view_definition"], name).toBe(
        before.tables.get(name)!.info["view_definition"],
      );
    for (const name of [...managed, ...blockedViews]) expect(after.tables.has(name), name).toBe(false);
    for (const name of [...seeded.volumes, ...seeded.functions]) {
      const kind = seeded.volumes.includes(name) ? "volume" : "function";
      expect(grantsOf(after, kind, name)).toEqual(grantsOf(before, kind, name));
    }
    const fn = after.functions.get(seeded.functions[0]!)!;
    expect(fn["routine_definition"]).toBe(before.functions.get(seeded.functions[0]!)!["routine_definition"]);
    expect(grantsOf(after, "metastore", after.id)).toEqual(grantsOf(before, "metastore", before.id));
    const sql = await readFile(join(uc, "unity-catalog.sql"), "utf8");
    expect(sql).toMatch(/-- NOT RUN: MANAGED table/);
    expect(sql).toContain("-- STORAGE CREDENTIAL `primary-mi`");
    expect(sql).toContain("-- SERVICE CREDENTIAL `svc-keyvault`");
    for (const name of seeded.serviceCredentials)
      expect(after.serviceCredentials.get(name)).toMatchObject({
        purpose: "SERVICE",
        comment: before.serviceCredentials.get(name)!["comment"],
      });
  }, 240_000);

  it("refuses a damaged snapshot and leaves nothing behind; a non-empty folder is bad input", async () => {
    platform = await start();
    const p = platform;
    expect((await cli(p, ["backup", "workspace"])).code).toBe(0);
    const list = await cli(p, ["snapshots", "list", "--json", "--domain", "databricks"]);
    const ref = (JSON.parse(list.stdout) as { ref: string }[])[0]!.ref;
    const notEmpty = await mkdtemp(join(tmpdir(), "azdr-export-"));
    await readdir(notEmpty);
    await import("node:fs/promises").then((fs) => fs.writeFile(join(notEmpty, "keep.txt"), "mine"));
    const refused = await cli(p, ["snapshots", "export", ref, "--to", notEmpty]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/the folder is not empty/);
    expect(await readdir(notEmpty)).toEqual(["keep.txt"]);
    const missingTo = await cli(p, ["snapshots", "export", ref]);
    expect(missingTo.code).toBe(2);
    expect(missingTo.stderr).toMatch(/--to: no folder given/);

    const manifest = await p.runtime.store.requireManifest({
      domain: "databricks",
      sourceId: "primary",
      component: "workspace-objects",
      snapshotId: ref.split("/")[3]!,
    });
    const victim = manifest.entries.find((e) => e.kind === "NOTEBOOK" && e.size > 0)!;
    await p.runtime.store.blobs.put(OBJECTS_CONTAINER, objectPath(victim.sha256), "x".repeat(victim.size));
    const parent = await mkdtemp(join(tmpdir(), "azdr-export-"));
    const damaged = await cli(p, ["snapshots", "export", ref, "--to", join(parent, "out")]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`is damaged: ${victim.path}`);
    expect(damaged.stderr).toMatch(/nothing was exported/);
    expect(await readdir(parent)).toEqual([]);
  }, 120_000);
});

describe("Unity Catalog SQL order", () => {
  const table = (name: string, extra: Json = {}) => ({
    type: "table" as const,
    fullName: name,
    def: {
      name: name.split(".")[2],
      full_name: name,
      table_type: "EXTERNAL",
      storage_location: `abfss://x@acct.dfs.core.windows.net/${name}`,
      columns: [{ name: "id", type_text: "bigint", position: 0, nullable: false }],
      ...extra,
    },
  });
  const view = (name: string, reads: string) => ({
    type: "table" as const,
    fullName: name,
    def: {
      name: name.split(".")[2],
      full_name: name,
      table_type: "VIEW",
      view_definition: `SELECT id FROM ${reads}`,
    },
  });

  it("puts every view after the tables and views it reads, and grants and owners last", () => {
    // Names chosen so alphabetical order would be wrong: a_view reads z_view, which reads m_table.
    const { statements } = buildStatements(
      [
        view("c.s.a_view", "c.s.z_view"),
        view("c.s.z_view", "c.s.m_table"),
        table("c.s.m_table", { owner: "alice@example.com" }),
        { type: "schema", fullName: "c.s", def: { name: "s", catalog_name: "c" } },
        { type: "catalog", fullName: "c", def: { name: "c", comment: "it's here" } },
      ],
      [
        {
          type: "table",
          fullName: "c.s.a_view",
          assignments: [{ principal: "analysts", privileges: ["SELECT"] }],
        },
      ],
    );
    const sql = renderSql(statements, ["test"]);
    const at = (needle: string) => {
      const i = sql.indexOf(needle);
      expect(i, needle).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at("CREATE CATALOG IF NOT EXISTS `c` COMMENT 'it\\'s here'")).toBeLessThan(at("CREATE SCHEMA"));
    expect(at("CREATE SCHEMA IF NOT EXISTS `c`.`s`")).toBeLessThan(at("CREATE TABLE"));
    expect(at("CREATE TABLE IF NOT EXISTS `c`.`s`.`m_table`")).toBeLessThan(at("`c`.`s`.`z_view`\nAS"));
    expect(at("`c`.`s`.`z_view`\nAS")).toBeLessThan(at("`c`.`s`.`a_view`\nAS"));
    expect(at("`c`.`s`.`a_view`\nAS")).toBeLessThan(
      at("GRANT SELECT ON TABLE `c`.`s`.`a_view` TO `analysts`"),
    );
    expect(at("GRANT SELECT")).toBeLessThan(at("ALTER TABLE `c`.`s`.`m_table` OWNER TO `alice@example.com`"));
  });

  it("comments out a managed table and the views that read it, with the reason", () => {
    const { statements } = buildStatements(
      [table("c.s.t", { table_type: "MANAGED", storage_location: undefined }), view("c.s.v", "c.s.t")],
      [],
    );
    const sql = renderSql(statements, []);
    expect(sql).toMatch(/-- NOT RUN: MANAGED table[^\n]*\n-- CREATE TABLE IF NOT EXISTS `c`.`s`.`t`/);
    expect(sql).toMatch(/-- NOT RUN: reads c.s.t[^\n]*\n-- CREATE VIEW IF NOT EXISTS `c`.`s`.`v`/);
    expect(statements.filter((s) => !s.disabled)).toEqual([]);
  });

  it("exports the isolation and workspace bindings of ISOLATED securables as the REST requests that set them, last", async () => {
    // Before: the export had no bindings at all, so an exported ISOLATED catalog came back OPEN.
    const bodies = new Map<string, Json>([
      ["catalogs/c.json", { name: "c", isolation_mode: "ISOLATED" }],
      [
        "external-locations/loc.json",
        {
          name: "loc",
          url: "abfss://x@a.dfs.core.windows.net/",
          credential_name: "mi",
          isolation_mode: "ISOLATION_MODE_ISOLATED",
        },
      ],
      [
        "bindings/catalog/c.json",
        {
          securable_type: "catalog",
          full_name: "c",
          isolation_mode: "ISOLATED",
          bindings: [{ workspace_id: 11, binding_type: "BINDING_TYPE_READ_ONLY" }],
        },
      ],
      [
        "bindings/external_location/loc.json",
        {
          securable_type: "external_location",
          full_name: "loc",
          isolation_mode: "ISOLATION_MODE_ISOLATED",
          bindings: [
            { workspace_id: 11, binding_type: "BINDING_TYPE_READ_WRITE" },
            { workspace_id: 12, binding_type: "BINDING_TYPE_READ_WRITE" },
          ],
        },
      ],
    ]);
    const kinds: Record<string, string> = {
      catalogs: "catalog",
      "external-locations": "external_location",
      bindings: "bindings",
    };
    const entries: ManifestEntry[] = [...bodies.keys()].map((path) => ({
      path,
      kind: kinds[path.split("/")[0]!]!,
      sha256: path,
      size: 1,
    }));
    const written = new Map<string, string>();
    const sink: ExportSink = {
      write: (path, body) => {
        written.set(path, body.toString());
        return Promise.resolve();
      },
      folder: () => Promise.resolve(),
      body: (entry) => Promise.resolve(Buffer.from(JSON.stringify(bodies.get(entry.path)))),
      json: <T>(entry: ManifestEntry) => Promise.resolve(bodies.get(entry.path) as T),
      note: () => undefined,
    };
    const manifest = {
      sourceId: "m",
      snapshotId: "s",
      endedAt: "t",
      entries,
      summary: {},
    } as unknown as Manifest;
    const section = await exportUnityCatalog(manifest, sink);
    const location = JSON.parse(written.get("unity-catalog/bindings/external_location/loc.json")!) as Json;
    expect(location["requests"]).toEqual([
      {
        method: "PATCH",
        path: "/api/2.1/unity-catalog/external-locations/loc",
        body: { isolation_mode: "ISOLATION_MODE_ISOLATED" },
      },
      {
        method: "PATCH",
        path: "/api/2.1/unity-catalog/bindings/external_location/loc",
        body: {
          add: [
            { workspace_id: 11, binding_type: "BINDING_TYPE_READ_WRITE" },
            { workspace_id: 12, binding_type: "BINDING_TYPE_READ_WRITE" },
          ],
        },
      },
    ]);
    expect((JSON.parse(written.get("unity-catalog/bindings/catalog/c.json")!) as Json)["requests"]).toEqual([
      { method: "PATCH", path: "/api/2.1/unity-catalog/catalogs/c", body: { isolation_mode: "ISOLATED" } },
      {
        method: "PATCH",
        path: "/api/2.1/unity-catalog/bindings/catalog/c",
        body: { add: [{ workspace_id: 11, binding_type: "BINDING_TYPE_READ_ONLY" }] },
      },
    ]);
    const sql = written.get("unity-catalog.sql")!;
    expect(sql).toContain("-- CATALOG `c` is ISOLATED, bound to workspace(s) 11 (READ_ONLY) in the backup.");
    expect(sql.indexOf("-- ==== workspace bindings")).toBeGreaterThan(sql.indexOf("CREATE CATALOG"));
    expect(section.body.join("\n")).toMatch(/unity-catalog\/bindings\/<type>\/<name>\.json` \(2\)/);
  });
});
