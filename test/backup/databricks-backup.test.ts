import { afterEach, describe, expect, it } from "vitest";
import { startScheduledBackup } from "../../src/functions/backup-timers.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { BackupRunOutput } from "../../src/orchestrators/backup.js";
import { LocalApp } from "../../src/host/index.js";
import { OBJECTS_CONTAINER, domainContainer, type Manifest } from "../../src/lib/store/index.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

async function runBackup(kind: "databricks-notebooks" | "databricks-config" | "unity-catalog", slot: string) {
  const host = await startHost();
  try {
    const instanceId = `backup-${kind}-${slot}`;
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId,
      input: { kind, slot, sourceIds: [kind === "unity-catalog" ? "primary-metastore" : "primary"] },
    });
    const status = await host.waitForCompletion(instanceId, { timeoutMs: 120_000 });
    expect(status.runtimeStatus, JSON.stringify(status.output)).toBe("Completed");
    return status.output as BackupRunOutput;
  } finally {
    await host.shutdown();
  }
}

async function manifestOf(
  p: TestPlatform,
  kind: "workspace-objects" | "workspace-config" | "metadata",
  slot: string,
): Promise<Manifest> {
  const domain = kind === "metadata" ? "unity-catalog" : "databricks";
  const sourceId = kind === "metadata" ? "primary-metastore" : "primary";
  return p.runtime.store.requireManifest({ domain, sourceId, component: kind, snapshotId: slot });
}

describe("Databricks workspace backup (simulator + Azurite + local host)", () => {
  it("stores every notebook and file byte for byte with path and language, skips what cannot be exported", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [
          {
            name: "primary",
            seed: { notebooks: 120, directories: 15, files: 6, oversizedNotebooks: 1, jobs: 0 },
          },
        ],
        metastores: [],
      },
    });
    const out = await runBackup("databricks-notebooks", "20261126t100500z");
    expect(out.phase).toBe("Completed");
    const manifest = await manifestOf(platform, "workspace-objects", "20261126t100500z");
    const tree = platform.sim.workspace("primary").state.tree;
    const seed = platform.sim.seeds.workspaces["primary"]!;
    for (const path of [...seed.notebookPaths, ...seed.filePaths]) {
      const entry = manifest.entries.find((e) => e.path === path);
      expect(entry, path).toBeDefined();
      const object = tree.get(path)!;
      const body = await platform.runtime.store.getObject(entry!.sha256);
      expect(body.equals(object.content!), path).toBe(true);
      if (object.object_type === "NOTEBOOK") expect(entry!.meta?.["language"]).toBe(object.language);
    }
    for (const dir of seed.directoryPaths)
      expect(
        manifest.entries.some((e) => e.path === dir && e.kind === "DIRECTORY"),
        dir,
      ).toBe(true);
    expect(manifest.skipped.map((s) => s.path)).toEqual(expect.arrayContaining(seed.oversizedPaths));
    expect(manifest.skipped.find((s) => s.path === seed.oversizedPaths[0])?.reason).toMatch(/10 MB/);
  });

  it("is incremental: after 20 of 2,000 notebooks change only those 20 are exported and stored; deletions are listed", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 2000, directories: 60, jobs: 0 } }],
        metastores: [],
      },
      config: { limits: { batchSize: 200, databricksRateShare: 1, maxConcurrentRequests: 16 } },
    });
    await runBackup("databricks-notebooks", "20261126t100500z");
    const seed = platform.sim.seeds.workspaces["primary"]!;
    const tree = platform.sim.workspace("primary").state.tree;
    const changed = seed.notebookPaths.slice(0, 20);
    for (const path of changed) {
      const object = tree.get(path)!;
      object.content = Buffer.concat([object.content!, Buffer.from(`\n# edited ${path}\n`)]);
      object.modified_at += 1000;
    }
    const deleted = seed.notebookPaths[100]!;
    tree.delete(deleted, false);
    platform.sim.log.clear();
    const before = await countBlobs(platform, OBJECTS_CONTAINER);
    await runBackup("databricks-notebooks", "20261126t110500z");
    expect(platform.sim.log.count("/api/2.0/workspace/export")).toBe(20);
    expect((await countBlobs(platform, OBJECTS_CONTAINER)) - before).toBe(20);
    const manifest = await manifestOf(platform, "workspace-objects", "20261126t110500z");
    expect(manifest.changes.modified.sort()).toEqual([...changed].sort());
    expect(manifest.changes.removed).toEqual([deleted]);
    expect(manifest.changes.added).toEqual([]);
    expect(manifest.previousSnapshotId).toBe("20261126t100500z");
  });

  it("survives 429 storms in every Retry-After form, 5xx and connection resets with a complete snapshot", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 60, directories: 6, jobs: 0 } }],
        metastores: [],
      },
    });
    const faults = platform.sim.faults;
    faults.add("primary", {
      route: "/api/2.0/workspace/export",
      status: 429,
      retryAfter: "0",
      every: 3,
      times: 6,
    });
    faults.add("primary", {
      route: "/api/2.0/workspace/export",
      status: 429,
      retryAfter: new Date(Date.now() - 1000).toUTCString(),
      every: 5,
      times: 3,
    });
    faults.add("primary", { route: "/api/2.0/workspace/export", status: 429, every: 7, times: 2 });
    faults.add("primary", { route: "/api/2.0/workspace/list", status: 503, every: 4, times: 3 });
    faults.add("primary", { route: "/api/2.0/workspace/export", status: 504, every: 11, times: 2 });
    faults.add("primary", { route: "/api/2.0/workspace/export", reset: true, every: 13, times: 2 });
    const out = await runBackup("databricks-notebooks", "20261126t100500z");
    expect(out.sources[0]).toMatchObject({ phase: "Completed", failed: 0 });
    const manifest = await manifestOf(platform, "workspace-objects", "20261126t100500z");
    const seed = platform.sim.seeds.workspaces["primary"]!;
    expect(manifest.entries.filter((e) => e.kind === "NOTEBOOK").length).toBe(seed.notebookPaths.length);
    expect(
      platform.sim.log.filter("/api/2.0/workspace/export").filter((e) => e.status === 429).length,
    ).toBeGreaterThanOrEqual(8);
  });

  it("a double-fired timer starts one run for the slot", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 10, directories: 2, jobs: 0 } }],
        metastores: [],
      },
    });
    const host = await startHost();
    const app = await LocalApp.start({ host });
    try {
      const fired = new Date("2026-11-26T10:05:00.200Z");
      const first = await startScheduledBackup("databricks-notebooks", fired, app.client());
      const second = await startScheduledBackup(
        "databricks-notebooks",
        new Date(fired.getTime() + 1500),
        app.client(),
      );
      expect(first).toMatchObject({
        started: true,
        instanceId: "backup-databricks-notebooks-20261126t100500z",
      });
      expect(second).toMatchObject({ started: false, instanceId: first.instanceId });
      await host.waitForCompletion(first.instanceId);
      const third = await startScheduledBackup(
        "databricks-notebooks",
        new Date(fired.getTime() + 30_000),
        app.client(),
      );
      expect(third.started).toBe(false);
      const snapshots = await platform.runtime.store.listCommitted(
        "databricks",
        "primary",
        "workspace-objects",
      );
      expect(snapshots.map((s) => s.snapshotId)).toEqual(["20261126t100500z"]);
    } finally {
      await app.close();
      await host.shutdown();
    }
  });
});

describe("Databricks workspace configuration backup", () => {
  it("captures jobs in full (130 tasks), policies, clusters, pools, scopes with ACLs, repos, init scripts and permissions, never a secret value", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [
          {
            name: "primary",
            seed: {
              notebooks: 30,
              directories: 4,
              jobs: 12,
              bigJob: true,
              secretScopes: 3,
              secretsPerScope: 2,
              repos: 2,
              initScripts: 1,
              canary: "CANARY-SECRET-VALUE-7f3a",
            },
          },
        ],
        metastores: [],
      },
    });
    await runBackup("databricks-notebooks", "20261126t010500z");
    const out = await runBackup("databricks-config", "20261126t013000z");
    expect(out.phase).toBe("Completed");
    const manifest = await manifestOf(platform, "workspace-config", "20261126t013000z");
    const state = platform.sim.workspace("primary").state;
    const seed = platform.sim.seeds.workspaces["primary"]!;
    expect(manifest.counts["job"]).toBe(state.jobs.size);
    const big = manifest.entries.find((e) => e.path === `jobs/${seed.bigJobId}.json`)!;
    const bigJob = await platform.runtime.store.getJson<{ settings: { tasks: unknown[] } }>(big.sha256);
    expect(bigJob.settings.tasks).toHaveLength(130);
    expect(manifest.counts["cluster-policy"]).toBe(state.policies.size);
    expect(manifest.counts["instance-pool"]).toBe(state.pools.size);
    expect(manifest.counts["secret-scope"]).toBe(state.scopes.size);
    expect(manifest.counts["repo"]).toBe(state.repos.size);
    expect(manifest.counts["global-init-script"]).toBe(state.initScripts.size);
    const permissionPaths = manifest.entries.filter((e) => e.kind === "permissions").map((e) => e.path);
    for (const jobId of seed.jobIds) expect(permissionPaths).toContain(`permissions/jobs/${jobId}.json`);
    expect(permissionPaths.some((p) => p.startsWith("permissions/notebooks/"))).toBe(true);
    expect(permissionPaths.some((p) => p.startsWith("permissions/directories/"))).toBe(true);
    // Never a secret value: not read, not stored, not logged.
    expect(platform.sim.secretValueReads()).toEqual([]);
    expect(platform.sim.log.count("/api/2.0/secrets/get")).toBe(0);
    expect(await storeContains(platform, "CANARY-SECRET-VALUE-7f3a")).toBe(false);
    expect(platform.log.lines.join("\n")).not.toContain("CANARY-SECRET-VALUE-7f3a");
  });
});

describe("Databricks workspace configuration backup, hourly and incremental", () => {
  it("a first config backup with no notebooks snapshot yet lists the tree itself: every notebook's and folder's permissions are there", async () => {
    platform = await startTestPlatform({
      sim: { workspaces: [{ name: "primary", seed: { notebooks: 12, directories: 3 } }], metastores: [] },
    });
    // As in a first `azdr backup all`: workspace config runs before any workspace-objects snapshot exists.
    const out = await runBackup("databricks-config", "20261126t013000z");
    expect(out.phase).toBe("Completed");
    const manifest = await manifestOf(platform, "workspace-config", "20261126t013000z");
    const permissionPaths = new Set(
      manifest.entries.filter((e) => e.kind === "permissions").map((e) => e.path),
    );
    const tree = platform.sim.workspace("primary").state.tree;
    const expected = [...tree.objects.values()]
      .filter((o) => (o.object_type === "NOTEBOOK" || o.object_type === "DIRECTORY") && o.object_id)
      .map(
        (o) =>
          `permissions/${o.object_type === "NOTEBOOK" ? "notebooks" : "directories"}/${o.object_id}.json`,
      );
    expect(expected.filter((p) => p.startsWith("permissions/notebooks/"))).toHaveLength(12);
    for (const path of expected) expect(permissionPaths).toContain(path);
    expect(manifest.summary?.["objectPermissionsFrom"]).toBe("workspace listing");
  });

  it("reads in full only the jobs whose listed settings changed (and a job too long to list), carries the others, and reads every job's permissions", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 3, directories: 1, jobs: 6, bigJob: true } }],
        metastores: [],
      },
    });
    const p = platform;
    const state = p.sim.workspace("primary").state;
    const seed = p.sim.seeds.workspaces["primary"]!;
    const jobsRead = () =>
      new Set(
        p.sim.log.filter("/api/2.2/jobs/get").map((e) => Number(new URLSearchParams(e.query).get("job_id"))),
      );
    await runBackup("databricks-config", "20261126t013500z");
    expect(jobsRead().size).toBe(state.jobs.size);
    const first = await manifestOf(p, "workspace-config", "20261126t013500z");

    // An hour later, nothing changed: only the job with over 100 tasks (listed truncated) is read again.
    p.sim.log.clear();
    const second = await runBackup("databricks-config", "20261126t023500z");
    expect(second.phase).toBe("Completed");
    expect([...jobsRead()]).toEqual([seed.bigJobId]);
    const jobAclReads = p.sim.log.entries.filter((e) => e.path.startsWith("/api/2.0/permissions/jobs/"));
    expect(jobAclReads).toHaveLength(state.jobs.size);
    const carried = await manifestOf(p, "workspace-config", "20261126t023500z");
    const jobEntries = (m: Manifest) =>
      Object.fromEntries(m.entries.filter((e) => e.kind === "job").map((e) => [e.path, e.sha256]));
    expect(jobEntries(carried)).toEqual(jobEntries(first));
    expect(carried.summary).toMatchObject({ jobs: state.jobs.size, jobsUnchanged: state.jobs.size - 1 });

    // One job's settings change: that job is read again and its new settings are in the snapshot.
    const changedId = seed.jobIds.find((id) => id !== seed.bigJobId)!;
    state.jobs.get(changedId)!.settings["timeout_seconds"] = 4321;
    p.sim.log.clear();
    await runBackup("databricks-config", "20261126t033500z");
    expect([...jobsRead()].sort()).toEqual([changedId, seed.bigJobId].sort());
    const third = await manifestOf(p, "workspace-config", "20261126t033500z");
    const changed = third.entries.find((e) => e.path === `jobs/${changedId}.json`)!;
    expect(changed.sha256).not.toBe(jobEntries(first)[`jobs/${changedId}.json`]);
    const body = await p.runtime.store.getJson<{ settings: { timeout_seconds: number } }>(changed.sha256);
    expect(body.settings.timeout_seconds).toBe(4321);
    expect(third.counts["job"]).toBe(state.jobs.size);
  });
});

describe("Unity Catalog backup", () => {
  it("captures every securable with its grants and owner, across empty pages", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", metastore: "uc", seed: { notebooks: 0, directories: 0, jobs: 0 } }],
        metastores: [
          {
            name: "uc",
            region: "canadaeast",
            seed: { catalogs: 3, schemasPerCatalog: 3, tables: 60, volumes: 4, functions: 3 },
          },
        ],
        unityCatalog: { emptyPageEvery: 2, maxPageSize: 7 },
      },
    });
    const out = await runBackup("unity-catalog", "20261126t020000z");
    expect(out.phase).toBe("Completed");
    const manifest = await manifestOf(platform, "metadata", "20261126t020000z");
    const seed = platform.sim.seeds.metastores["uc"]!;
    const paths = new Set(manifest.entries.map((e) => e.path));
    const expectSecurable = (folder: string, type: string, names: string[]) => {
      for (const name of names) {
        expect(paths.has(`${folder}/${encodeURIComponent(name)}.json`), `${type} ${name}`).toBe(true);
        expect(
          paths.has(`grants/${type}/${encodeURIComponent(name)}.json`),
          `grants of ${type} ${name}`,
        ).toBe(true);
      }
    };
    expectSecurable("catalogs", "catalog", seed.catalogs);
    expectSecurable("schemas", "schema", seed.schemas);
    expectSecurable("tables", "table", [...seed.tables, ...seed.views]);
    expectSecurable("volumes", "volume", seed.volumes);
    expectSecurable("functions", "function", seed.functions);
    expectSecurable("storage-credentials", "storage_credential", seed.storageCredentials);
    expectSecurable("external-locations", "external_location", seed.externalLocations);
    expectSecurable("connections", "connection", seed.connections);
    // Grants equal the simulator's, owners recorded.
    const metastore = platform.sim.metastore("uc");
    const table = seed.tables[0]!;
    const grantsEntry = manifest.entries.find(
      (e) => e.path === `grants/table/${encodeURIComponent(table)}.json`,
    )!;
    const grants = await platform.runtime.store.getJson<{ privilege_assignments: unknown[] }>(
      grantsEntry.sha256,
    );
    expect(grants.privilege_assignments).toEqual(metastore.privilegeAssignments("table", table));
    const tableEntry = manifest.entries.find((e) => e.path === `tables/${encodeURIComponent(table)}.json`)!;
    expect(tableEntry.meta?.["owner"]).toBeTruthy();
  });
});

async function countBlobs(p: TestPlatform, container: string): Promise<number> {
  let n = 0;
  for await (const _ of p.runtime.store.blobs.list(container)) n++;
  return n;
}

async function storeContains(p: TestPlatform, needle: string): Promise<boolean> {
  for (const container of [
    OBJECTS_CONTAINER,
    domainContainer("databricks"),
    domainContainer("unity-catalog"),
  ]) {
    for await (const blob of p.runtime.store.blobs.list(container)) {
      const body = await p.runtime.store.blobs.get(container, blob.name);
      if (body?.includes(needle)) return true;
    }
  }
  return false;
}
