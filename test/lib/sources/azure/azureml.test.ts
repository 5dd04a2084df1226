// Azure ML backups through the engine, against sim/azure (real arm-machinelearning, raw ARM and
// storage-blob clients) and Azurite: completeness, byte-for-byte artifacts, dedup, incremental runs,
// throttling and paging, and a missing / soft-deleted workspace.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { deterministicBytes } from "../../../../sim/azure/index.js";
import { BACKUP_KINDS } from "../../../../src/lib/backup/catalog.js";
import { isAzdrError } from "../../../../src/lib/errors.js";
import { azureMlAssetsSource, azureMlModelsSource } from "../../../../src/lib/sources/azureml-source.js";
import { runPlan } from "../../../../src/lib/backup/engine.js";
import type { ManifestEntry } from "../../../../src/lib/store/manifest.js";
import { runBackup, startAzurePlatform, type AzureTestPlatform } from "./support.js";

const BLOB_GET = "GET /:container/*blob";
const MODELS = 4;
const VERSIONS = 3;
const FILES = 3; // MLmodel, model.pkl, conda.yaml (shared by every version of a model)

let p: AzureTestPlatform;

beforeAll(async () => {
  p = await startAzurePlatform({
    sim: {
      seed: {
        models: MODELS,
        versionsPerModel: VERSIONS,
        artifactFilesPerVersion: FILES,
        environments: 3,
        dataAssets: 3,
      },
      pageSize: { arm: 2 },
    },
  });
});
afterAll(async () => p.close());
beforeEach(() => {
  p.sim.clearFaults();
  p.sim.log.clear();
});

const artifacts = (entries: ManifestEntry[]) => entries.filter((e) => e.kind === "ml-model-artifact");

describe("azureml-models", () => {
  test("the catalog runs the models and assets kinds with these sources", () => {
    expect(BACKUP_KINDS["azureml-models"].source).toBe(azureMlModelsSource);
    expect(BACKUP_KINDS["azureml-assets"].source).toBe(azureMlAssetsSource);
    expect(BACKUP_KINDS["azureml-models"].sources(p.config)).toEqual(["mlw-main"]);
  });

  test("first run: every model version with its artifact bytes, byte for byte, deduplicated by hash", async () => {
    const seed = p.sim.seed!;
    const run = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t010000z", 5);
    expect(run.commit.phase).toBe("Completed");
    const { manifest } = run;
    expect(manifest.entries.find((e) => e.path === "workspace.json")?.kind).toBe("ml-workspace");
    expect(manifest.counts["ml-model"]).toBe(MODELS);
    expect(manifest.counts["ml-model-version"]).toBe(seed.counts.modelVersions);
    expect(seed.counts.modelVersions).toBe(MODELS * VERSIONS);

    // Every seeded file, under its model version, with the seed's sha256 and size.
    const byPath = new Map(artifacts(manifest.entries).map((e) => [e.path, e]));
    expect(byPath.size).toBe(seed.counts.artifactFiles);
    for (const a of seed.artifacts) {
      for (const f of a.files) {
        const name = f.path.split("/").pop()!;
        const entry = byPath.get(`models/${a.model}/versions/${a.version}/files/${name}`);
        expect(entry, `${a.model}:${a.version}/${name}`).toBeDefined();
        expect(entry!.sha256).toBe(f.sha256);
        expect(entry!.size).toBe(f.size);
        expect(entry!.meta).toMatchObject({ model: a.model, version: a.version, uri: a.modelUri });
      }
    }
    // Both URI forms were resolved (azureml:// through the datastore, and https blob URLs).
    expect(seed.artifacts.some((a) => a.modelUri.startsWith("azureml://"))).toBe(true);
    expect(seed.artifacts.some((a) => a.modelUri.startsWith("https://"))).toBe(true);

    // Byte for byte: the stored body (getObject re-hashes it) equals the seed's deterministic bytes.
    const first = seed.artifacts[0]!;
    const pkl = byPath.get(`models/${first.model}/versions/${first.version}/files/model.pkl`)!;
    const body = await p.runtime.store.getObject(pkl.sha256);
    expect(
      body.equals(
        deterministicBytes(`${first.workspace}/${first.model}/${first.version}/model.pkl`, pkl.size),
      ),
    ).toBe(true);

    // Model version metadata: tags and properties as registered.
    const version = manifest.entries.find(
      (e) => e.path === `models/${first.model}/versions/${first.version}/version.json`,
    )!;
    const stored = await p.runtime.store.getJson<{
      properties: { tags: Record<string, string>; properties: Record<string, string>; modelUri: string };
    }>(version.sha256);
    expect(stored.properties.modelUri).toBe(first.modelUri);
    expect(stored.properties.tags["commit"]).toBeTruthy();
    expect(stored.properties.properties["azureml.runId"]).toBeTruthy();

    // Dedup: conda.yaml is identical across a model's versions, so fewer bodies than files.
    const unique = new Set(seed.artifacts.flatMap((a) => a.files.map((f) => f.sha256)));
    expect(unique.size).toBe(MODELS * VERSIONS * 2 + MODELS);
    expect(run.stats["copied"]).toBe(seed.counts.artifactFiles);
    expect(run.stats["newBodies"]).toBe(unique.size);
    expect(p.sim.log.count(BLOB_GET, "blob")).toBe(seed.counts.artifactFiles);
    // Batches of 5 files: the work was cut up.
    expect(run.plan.batches).toBe(Math.ceil(seed.counts.artifactFiles / 5));
    // Paging: model containers (4) and versions (3) at 2 per page needed nextLink requests.
    expect(p.sim.log.filter("/models", "arm").some((e) => e.query.includes("skiptoken"))).toBe(true);
  });

  test("second run: unchanged artifacts are neither downloaded nor uploaded again", async () => {
    const run = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t020000z", 5);
    expect(run.commit.phase).toBe("Completed");
    expect(run.plan.previousSnapshotId).toBe("20260101t010000z");
    expect(run.plan.batches).toBe(0);
    expect(p.sim.log.count(BLOB_GET, "blob")).toBe(0);
    expect(run.stats["newBodies"] ?? 0).toBe(0);
    expect(artifacts(run.manifest.entries)).toHaveLength(p.sim.seed!.counts.artifactFiles);
    expect(run.manifest.changes).toEqual({ added: [], modified: [], removed: [] });
  });

  test("third run: an overwritten artifact and a deleted version are the only changes", async () => {
    const a = p.sim.seed!.artifacts.find((x) => x.modelUri.startsWith("https://"))!;
    const pklPath = a.files.find((f) => f.path.endsWith("model.pkl"))!.path;
    p.sim.disasters.overwriteBlob(a.account, a.container, pklPath, Buffer.from("retrained weights"));
    const gone = p.sim.seed!.artifacts.find((x) => x.model !== a.model)!;
    p.sim.disasters.deleteModelVersion(gone.workspace, gone.model, gone.version);

    const run = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t030000z", 5);
    expect(run.commit.phase).toBe("Completed");
    expect(p.sim.log.count(BLOB_GET, "blob")).toBe(1);
    expect(run.stats["newBodies"]).toBe(1);
    const changed = `models/${a.model}/versions/${a.version}/files/model.pkl`;
    expect(run.manifest.changes.modified).toEqual([changed]);
    // Version 1 of another model is gone (its container's latest version is unchanged).
    expect(run.manifest.changes.removed.sort()).toEqual(
      [
        `models/${gone.model}/versions/${gone.version}/version.json`,
        ...gone.files.map(
          (f) => `models/${gone.model}/versions/${gone.version}/files/${f.path.split("/").pop()}`,
        ),
      ].sort(),
    );
    const entry = run.manifest.entries.find((e) => e.path === changed)!;
    expect((await p.runtime.store.getObject(entry.sha256)).toString()).toBe("retrained weights");
  });

  test("ARM throttling: 429 with Retry-After is waited out and retried by the SDK", async () => {
    p.sim.addFault("arm", {
      route: "/models/:name/versions",
      method: "GET",
      status: 429,
      retryAfter: "1",
      times: 1,
    });
    p.sim.addFault("arm", { route: "/datastores", method: "GET", status: 429, retryAfter: "0", times: 2 });
    const started = Date.now();
    const run = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t040000z");
    expect(run.commit.phase).toBe("Completed");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // the Retry-After second was honoured
    expect(p.sim.log.filter("/models/:name/versions", "arm").filter((e) => e.status === 429)).toHaveLength(1);
    // Three datastores at two per page: the second page came through the nextLink.
    expect(p.sim.log.filter("/datastores", "arm").map((e) => e.status)).toEqual([429, 429, 200, 200]);
  });

  test("raw ARM (workspace GET): 429 is retried; throttling that never ends is a retryable error", async () => {
    p.sim.addFault("arm", {
      route: /workspaces\/:ws$/,
      method: "GET",
      status: 429,
      retryAfter: "0",
      times: 2,
    });
    const ok = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t050000z");
    expect(ok.commit.phase).toBe("Completed");
    p.sim.addFault("arm", { route: /workspaces\/:ws$/, method: "GET", status: 429, retryAfter: "0" });
    const target = { kind: "azureml-models" as const, sourceId: "mlw-main", snapshotId: "20260101t060000z" };
    const error: unknown = await runPlan(p.runtime.store, azureMlModelsSource, p.runtime, target, 200).catch(
      (e: unknown) => e,
    );
    expect(isAzdrError(error, "THROTTLED")).toBe(true); // thrown, so the orchestrator retries the activity
  });
});

describe("azureml-assets", () => {
  test("environments, data assets, datastores (no credentials), computes and build contexts", async () => {
    const seed = p.sim.seed!;
    const run = await runBackup(p.runtime, azureMlAssetsSource, "mlw-main", "20260101t010000z");
    expect(run.commit.phase).toBe("Completed");
    const c = run.manifest.counts;
    expect(c["ml-workspace"]).toBe(1);
    expect(c["ml-environment"]).toBe(3);
    expect(c["ml-environment-version"]).toBe(seed.counts.environmentVersions);
    expect(c["ml-data"]).toBe(3);
    expect(c["ml-data-version"]).toBe(seed.counts.dataVersions);
    expect(c["ml-datastore"]).toBe(3);
    expect(c["ml-compute"]).toBe(2);
    // The Docker build context (a Dockerfile in workspace storage) was copied too.
    const dockerfile = run.manifest.entries.find((e) => e.kind === "ml-build-context");
    expect(dockerfile?.path).toMatch(/^environments\/env-pytorch\/versions\/2\/context\/Dockerfile$/);
    expect((await p.runtime.store.getObject(dockerfile!.sha256)).toString()).toContain(
      "FROM mcr.microsoft.com",
    );

    const get = async <T>(path: string) =>
      p.runtime.store.getJson<T>(run.manifest.entries.find((e) => e.path === path)!.sha256);
    const ws = await get<{ properties: Record<string, unknown>; sku: { name: string } }>("workspace.json");
    expect(ws.properties["storageAccount"]).toContain("/storageAccounts/stazdrmlprod");
    expect(ws.properties["keyVault"]).toContain("/vaults/kv-azdr-prod");
    expect(ws.properties["containerRegistry"]).toContain("/registries/crazdrprod");
    expect(ws.properties["applicationInsights"]).toContain("/components/appi-azdr-prod");
    expect(ws.properties["publicNetworkAccess"]).toBe("Enabled");
    const env = await get<{ properties: { image?: string; condaFile?: string } }>(
      "environments/env-sklearn/versions/1.json",
    );
    expect(env.properties.image).toContain("mcr.microsoft.com/azureml");
    expect(env.properties.condaFile).toContain("mlflow==2.1.0");
    const data = await get<{ properties: { dataUri: string; dataType: string } }>(
      "data/dataset-1/versions/2.json",
    );
    expect(data.properties).toMatchObject({ dataType: "uri_file" });
    expect(data.properties.dataUri).toContain("/paths/data/dataset-1/2/data.csv");
    const ds = await get<{ properties: { credentials: unknown; accountName: string } }>(
      "datastores/workspaceblobstore.json",
    );
    expect(ds.properties.credentials).toEqual({ credentialsType: "AccountKey" });
    expect(ds.properties.accountName).toBe("stazdrmlprod");
    expect(p.sim.state.secretReads).toEqual([]);

    // Again: the build context is carried, not downloaded.
    p.sim.log.clear();
    const again = await runBackup(p.runtime, azureMlAssetsSource, "mlw-main", "20260101t020000z");
    expect(again.plan.batches).toBe(0);
    expect(p.sim.log.count(BLOB_GET, "blob")).toBe(0);
  });
});

describe("a workspace that is gone", () => {
  test("a missing workspace fails the snapshot with a reason that says what to do", async () => {
    const q = await startAzurePlatform({
      config: { azureMl: { workspaces: [{ id: "ml-typo", name: "mlw-nope" }] } },
    });
    try {
      const run = await runBackup(q.runtime, azureMlModelsSource, "ml-typo", "20260101t010000z");
      expect(run.commit.phase).toBe("Failed");
      expect(run.plan.fatal).toMatch(
        /Azure ML workspace mlw-nope was not found in resource group rg-azdr-prod/,
      );
      expect(run.plan.fatal).toMatch(/missing or soft-deleted/);
      expect(run.plan.fatal).toMatch(/azureMl\.workspaces\[id=ml-typo\]/);
      expect(run.manifest.reasons[0]).toBe(run.plan.fatal);
      expect(run.manifest.entries).toEqual([]);
    } finally {
      await q.close();
    }
  });

  test("a soft-deleted workspace: Failed with a recovery hint; recovered, it is backed up again", async () => {
    const q = await startAzurePlatform({ sim: { seed: { models: 1, versionsPerModel: 1 } } });
    try {
      const before = await runBackup(q.runtime, azureMlModelsSource, "mlw-main", "20260101t010000z");
      expect(before.commit.phase).toBe("Completed");
      q.sim.disasters.deleteMlWorkspace("mlw-azdr-prod");
      const deleted = await runBackup(q.runtime, azureMlModelsSource, "mlw-main", "20260101t020000z");
      expect(deleted.commit.phase).toBe("Failed");
      expect(deleted.plan.fatal).toMatch(/soft-deleted/);
      expect(deleted.plan.fatal).toMatch(/recover it/);
      const assets = await runBackup(q.runtime, azureMlAssetsSource, "mlw-main", "20260101t020000z");
      expect(assets.commit.phase).toBe("Failed");
      // The last good snapshot stays the one before the deletion (restores use it).
      const latest = await q.runtime.store.latestGood("azureml", "mlw-main", "models");
      expect(latest?.snapshotId).toBe("20260101t010000z");
      // Recovered (same name, group and region): the next run backs it up again, artifacts carried.
      q.sim.state.recoverMlWorkspace(q.sim.subscriptionId, "rg-azdr-prod", "mlw-azdr-prod");
      q.sim.log.clear();
      const after = await runBackup(q.runtime, azureMlModelsSource, "mlw-main", "20260101t030000z");
      expect(after.commit.phase).toBe("Completed");
      expect(after.plan.previousSnapshotId).toBe("20260101t010000z");
      expect(q.sim.log.count(BLOB_GET, "blob")).toBe(0);
    } finally {
      await q.close();
    }
  });
});
