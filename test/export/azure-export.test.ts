// Azure ML snapshots export as the Azure ML CLI's YAML (artifact files byte for byte beside their
// model.yml); Key Vault inventories export as their JSON documents.
import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse } from "yaml";
import { exportSnapshot } from "../../src/lib/export/index.js";
import { azureMlAssetsSource, azureMlModelsSource } from "../../src/lib/sources/azureml-source.js";
import { keyVaultSource } from "../../src/lib/sources/key-vault-source.js";
import { runBackup, startAzurePlatform, type AzureTestPlatform } from "../lib/sources/azure/support.js";

let p: AzureTestPlatform;
beforeAll(async () => {
  p = await startAzurePlatform({
    sim: {
      seed: { models: 2, versionsPerModel: 2, artifactFilesPerVersion: 2, environments: 2, dataAssets: 3 },
    },
  });
});
afterAll(async () => p.close());

const out = async () => join(await mkdtemp(join(tmpdir(), "azdr-export-")), "out");

describe("export of Azure snapshots", () => {
  test("Azure ML models: model.yml per version with its files byte for byte", async () => {
    const run = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t010000z");
    const dir = await out();
    const result = await exportSnapshot(p.runtime.store, run.commit.ref, dir);
    const versions = run.manifest.entries.filter((e) => e.kind === "ml-model-version");
    expect(versions.length).toBe(4);
    for (const version of versions) {
      const model = String(version.meta?.["model"]);
      const v = String(version.meta?.["version"]);
      const yaml = parse(
        await readFile(join(dir, "azure-ml", "models", model, v, "model.yml"), "utf8"),
      ) as Record<string, unknown>;
      expect(yaml).toMatchObject({ name: model, version: v, path: "files" });
      expect(String(yaml["$schema"])).toMatch(/model\.schema\.json$/);
      expect(["custom_model", "mlflow_model", "triton_model"]).toContain(yaml["type"]);
      const files = run.manifest.entries.filter(
        (e) =>
          e.kind === "ml-model-artifact" &&
          e.path.startsWith(version.path.replace(/version\.json$/, "files/")),
      );
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const relative = file.path.split("/files/")[1]!;
        const bytes = await readFile(join(dir, "azure-ml", "models", model, v, "files", relative));
        expect(bytes.equals(await p.runtime.store.getObject(file.sha256))).toBe(true);
      }
    }
    expect(await readFile(join(dir, "README.md"), "utf8")).toContain("az ml model create --file model.yml");
    expect(result.files).toBeGreaterThan(versions.length);
  });

  test("Azure ML assets: environment, data and datastore YAML in the az ml shapes", async () => {
    const run = await runBackup(p.runtime, azureMlAssetsSource, "mlw-main", "20260101t020000z");
    const dir = await out();
    await exportSnapshot(p.runtime.store, run.commit.ref, dir);
    const data = run.manifest.entries.filter((e) => e.kind === "ml-data-version");
    expect(data.length).toBeGreaterThan(0);
    for (const entry of data) {
      const name = String(entry.meta?.["name"]);
      const v = String(entry.meta?.["version"]);
      const yaml = parse(await readFile(join(dir, "azure-ml", "data", name, `${v}.yml`), "utf8")) as Record<
        string,
        unknown
      >;
      expect(yaml).toMatchObject({
        name,
        version: v,
        type: entry.meta?.["dataType"],
        path: entry.meta?.["dataUri"],
      });
    }
    const environments = await readdir(join(dir, "azure-ml", "environments"));
    expect(environments.length).toBe(2);
    const first = join(dir, "azure-ml", "environments", environments[0]!);
    const version = (await readdir(first))[0]!;
    const env = parse(await readFile(join(first, version, "environment.yml"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(env["name"]).toBe(environments[0]);
    if (env["conda_file"])
      expect(await readFile(join(first, version, "conda.yml"), "utf8")).toMatch(/dependencies/);
    const stores = await readdir(join(dir, "azure-ml", "datastores"));
    expect(stores.length).toBeGreaterThan(0);
    for (const file of stores.filter((f) => f.endsWith(".yml"))) {
      const yaml = parse(await readFile(join(dir, "azure-ml", "datastores", file), "utf8")) as Record<
        string,
        unknown
      >;
      expect(["azure_blob", "azure_data_lake_gen2", "azure_file"]).toContain(yaml["type"]);
      expect(JSON.stringify(yaml)).not.toMatch(/key|secret|sas/i);
    }
  });

  test("Key Vault inventory: its JSON documents as they are, with a README", async () => {
    const run = await runBackup(p.runtime, keyVaultSource, "kv-main", "20260101t030000z");
    const dir = await out();
    await exportSnapshot(p.runtime.store, run.commit.ref, dir);
    for (const entry of run.manifest.entries) {
      const bytes = await readFile(join(dir, run.commit.ref.component, entry.path));
      expect(bytes.equals(await p.runtime.store.getObject(entry.sha256)), entry.path).toBe(true);
    }
    const summary = JSON.parse(await readFile(join(dir, "azdr-export.json"), "utf8")) as { snapshot: string };
    expect(summary.snapshot).toBe(`keyvault/kv-main/${run.commit.ref.component}/20260101t030000z`);
  });
});
