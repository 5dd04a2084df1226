import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  closestKey,
  configJsonSchema,
  documentFromAppSettings,
  loadConfigFile,
  loadConfigFromAppSettings,
  parseConfig,
  requiredAppSettings,
  resolveArmResource,
  templateName,
} from "../../../src/lib/config/index.js";

const minimal = { env: "prod", project: "dataplat", subscriptionId: "00000000-0000-0000-0000-000000000000" };

describe("platform config", () => {
  it("accepts local.settings.sample.json as app settings", async () => {
    const sample = JSON.parse(await readFile("local.settings.sample.json", "utf8")) as {
      Values: Record<string, string>;
    };
    const config = loadConfigFromAppSettings(sample.Values);
    expect(config.databricks.workspaces.map((w) => w.id)).toEqual(["primary", "dr"]);
    expect(config.databricks.workspaces[0]?.auth).toEqual({
      type: "pat",
      tokenSetting: "DATABRICKS_TOKEN_PRIMARY",
    });
    expect(config.unityCatalog.metastores[0]?.workspace).toBe("primary");
    expect(config.schedules.unityCatalog).toBe("0 0 2 * * *");
  });

  it("fills the runbook's defaults: regions, retention, RTO and RPO tables", () => {
    const config = parseConfig(minimal);
    expect(config.regions).toEqual({ primary: "canadaeast", secondary: "canadacentral" });
    expect(config.retention.days["unity-catalog"]).toBe(30);
    expect(config.retention.days.databricks).toBe(90);
    expect(config.objectives.rto.find((r) => r.component === "databricks-workspace")?.hours).toBe(3);
    expect(config.objectives.rpo.find((r) => r.dataType === "unity-catalog-metadata")?.hours).toBe(24);
    expect(config.limits.databricksRateShare).toBe(0.5);
  });

  it("derives resource names from the naming templates unless overridden", () => {
    const config = parseConfig({
      ...minimal,
      keyVaults: [{ id: "kv-main" }, { id: "kv-other", name: "kv-special" }],
    });
    expect(templateName(config, "sharedResourceGroup")).toBe("rg-prod-dataplat-shared");
    expect(templateName(config, "sharedStorageAccount")).toBe("stproddataplatshared");
    expect(resolveArmResource(config, config.keyVaults[0]!, "keyVault", "sharedResourceGroup")).toEqual({
      name: "kv-prod-dataplat",
      resourceGroup: "rg-prod-dataplat-shared",
    });
    expect(resolveArmResource(config, config.keyVaults[1]!, "keyVault", "sharedResourceGroup").name).toBe(
      "kv-special",
    );
  });

  it("lists every problem at once with its path, what is wrong and a valid example", () => {
    let error: unknown;
    try {
      parseConfig(
        {
          env: "Prod!",
          subscriptionId: "not-a-guid",
          databricks: { workspaces: [{ id: "primary", url: "nope", auth: { type: "pat" } }] },
          unityCatalog: { metastores: [{ id: "m", workspace: "missing" }] },
          schedules: { notebooks: "hourly" },
        },
        "test.json",
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath)).toEqual(
      expect.arrayContaining([
        "env",
        "project",
        "subscriptionId",
        "databricks.workspaces[0].url",
        "databricks.workspaces[0].auth.tokenSetting",
        "schedules.notebooks",
      ]),
    );
    expect(byPath["env"]?.example).toBe('"prod"');
    expect(byPath["schedules.notebooks"]?.message).toMatch(/NCRONTAB/);
    expect(byPath["databricks.workspaces[0].url"]?.example).toContain("azuredatabricks.net");
    expect((error as ConfigError).message).toContain("test.json");
    expect((error as ConfigError).message).toMatch(/example: /);
  });

  it("has a four-eyes key for storage: always by default, and a weaker value is refused naming the key", () => {
    expect(parseConfig(minimal).restore.fourEyes.storage).toBe("always");
    let error: unknown;
    try {
      parseConfig({ ...minimal, restore: { fourEyes: { storage: "never" } } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problem = (error as ConfigError).problems.find((p) => p.path === "restore.fourEyes.storage");
    expect(problem?.message).toMatch(/production account in place, so a second approver is always required/);
  });

  it("reports a metastore that names an unknown workspace", () => {
    expect(() =>
      parseConfig({
        ...minimal,
        databricks: {
          workspaces: [{ id: "primary", url: "https://x.azuredatabricks.net", auth: { type: "entra" } }],
        },
        unityCatalog: { metastores: [{ id: "m", workspace: "dr" }] },
      }),
    ).toThrow(/unityCatalog\.metastores\[0\]\.workspace: names workspace "dr".*known: primary/);
  });

  it("loads YAML and JSON files and names an unreadable or malformed file", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "azdr-config-"));
    const yamlFile = path.join(dir, "platform.yaml");
    await writeFile(
      yamlFile,
      "env: prod\nproject: dataplat\nsubscriptionId: 00000000-0000-0000-0000-000000000000\n",
    );
    expect((await loadConfigFile(yamlFile)).env).toBe("prod");
    const badJson = path.join(dir, "bad.json");
    await writeFile(badJson, "{ nope");
    await expect(loadConfigFile(badJson)).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(loadConfigFile(path.join(dir, "missing.json"))).rejects.toThrow(/Cannot read config file/);
  });

  it("maps nested app settings, arrays and JSON values", () => {
    const doc = documentFromAppSettings({
      AZDR__env: "prod",
      AZDR__limits__batchSize: "50",
      AZDR__keyVaults: '[{"id":"kv-a"}]',
      AZDR__databricks__workspaces__1__id: "dr",
      OTHER: "ignored",
    });
    expect(doc).toEqual({
      env: "prod",
      limits: { batchSize: 50 },
      keyVaults: [{ id: "kv-a" }],
      databricks: { workspaces: [undefined, { id: "dr" }] },
    });
  });

  it("names the app settings a deployment must provide", () => {
    expect(requiredAppSettings().sort()).toEqual(["AZDR__env", "AZDR__project", "AZDR__subscriptionId"]);
  });
});

describe("unknown keys", () => {
  const problemsOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return Object.fromEntries((error as ConfigError).problems.map((p) => [p.path, p.message]));
    }
    throw new Error("expected a ConfigError");
  };

  it("rejects unknown keys at every level, all at once, each with the closest valid name", () => {
    const problems = problemsOf(() =>
      parseConfig({
        ...minimal,
        unityCatalogs: { metastores: [] },
        databricks: {
          workspaces: [
            {
              id: "primary",
              url: "https://adb-1.1.azuredatabricks.net",
              auth: { type: "pat", tokenSetting: "T", managedIdentityClientId: "x" },
              backupRoots: "/",
            },
          ],
        },
        backupStore: { connectionString: "AZDR_STORE" },
        retention: {
          days: {
            "unity-catalog": 30,
            databricks: 90,
            azureml: 90,
            foundry: 90,
            keyvault: 90,
            storage: 90,
            uc: 3,
          },
        },
        schedules: { notebook: "0 5 * * * *" },
        zzz: 1,
      }),
    );
    expect(problems).toEqual({
      unityCatalogs: "unknown key; did you mean unityCatalog?",
      "databricks.workspaces[0].backupRoots":
        "unknown key; did you mean databricks.workspaces[0].backupRoot?",
      // The pat variant has no managedIdentityClientId (only entra has): the pat keys are listed.
      "databricks.workspaces[0].auth.managedIdentityClientId":
        "unknown key; valid keys here: type, tokenSetting",
      "backupStore.connectionString": "unknown key; did you mean backupStore.connectionStringSetting?",
      "retention.days.uc":
        "unknown key; valid keys here: unity-catalog, databricks, azureml, foundry, keyvault, storage",
      "schedules.notebook": "unknown key; did you mean schedules.notebooks?",
      zzz: expect.any(String) as unknown,
    });
    expect(problems["zzz"]).toMatch(/^unknown key; valid keys here: env, project, /);
  });

  it("names the app setting that maps to no key and the setting it probably meant", () => {
    const problems = problemsOf(() =>
      loadConfigFromAppSettings({
        AZDR__env: "prod",
        AZDR__project: "dataplat",
        AZDR__subscriptionId: "00000000-0000-0000-0000-000000000000",
        AZDR__unityCatalogs__metastores__0__id: "m",
        AZDR__backupStore__connectionString: "AZDR_STORE",
        AZDR__keyVaults: '[{"id":"kv-a","nmae":"kv"}]',
      }),
    );
    expect(problems).toEqual({
      unityCatalogs:
        "unknown key (set by AZDR__unityCatalogs__metastores__0__id); did you mean AZDR__unityCatalog__metastores__0__id?",
      "backupStore.connectionString":
        "unknown key (set by AZDR__backupStore__connectionString); did you mean AZDR__backupStore__connectionStringSetting?",
      // Inside a JSON-valued setting the fix is a key path, not a setting name.
      "keyVaults[0].nmae": "unknown key (set by AZDR__keyVaults); did you mean keyVaults[0].name?",
    });
  });

  it("suggests only names that are close", () => {
    expect(closestKey("unityCatalogs", ["unityCatalog", "databricks"])).toBe("unityCatalog");
    expect(closestKey("connectionString", ["accountName", "connectionStringSetting"])).toBe(
      "connectionStringSetting",
    );
    expect(closestKey("UNITYCATALOG", ["unityCatalog"])).toBe("unityCatalog");
    expect(closestKey("banana", ["unityCatalog", "databricks"])).toBeUndefined();
  });

  it("keeps every config object strict, keys added later included", () => {
    const loose: string[] = [];
    const walk = (node: Record<string, unknown>, at: string) => {
      if (node["type"] === "object" && node["properties"] && node["additionalProperties"] !== false)
        loose.push(at || "(root)");
      for (const [key, child] of Object.entries((node["properties"] as object) ?? {}))
        walk(child as Record<string, unknown>, `${at}.${key}`);
      for (const k of ["items", "additionalProperties"])
        if (node[k] && typeof node[k] === "object") walk(node[k] as Record<string, unknown>, `${at}[]`);
      for (const k of ["anyOf", "oneOf"])
        for (const child of (node[k] as Record<string, unknown>[] | undefined) ?? []) walk(child, at);
    };
    walk(configJsonSchema(), "");
    expect(loose).toEqual([]);
  });
});

describe("azure endpoints", () => {
  it("accepts sovereign-cloud endpoints and loopback simulator routes, and rejects anything else", () => {
    const ok = parseConfig({
      ...minimal,
      azure: {
        armEndpoint: "https://management.usgovcloudapi.net",
        keyVaultDnsSuffix: "vault.usgovcloudapi.net",
        simulatorRoutes: { "https://*.vault.azure.net": "http://127.0.0.1:41001" },
        tokenSetting: "AZDR_SIM_AZURE_TOKEN",
      },
    });
    expect(ok.azure?.simulatorRoutes).toEqual({ "https://*.vault.azure.net": "http://127.0.0.1:41001" });
    let error: unknown;
    try {
      parseConfig({
        ...minimal,
        azure: {
          armEndpoint: "http://management.azure.com",
          simulatorRoutes: { "https://management.azure.com": "http://evil.example.com:80" },
        },
      });
    } catch (e) {
      error = e;
    }
    const problems = Object.fromEntries((error as ConfigError).problems.map((p) => [p.path, p.message]));
    expect(problems["azure.armEndpoint"]).toMatch(/https/);
    expect(problems["azure.simulatorRoutes.https://management.azure.com"]).toMatch(/loopback/);
  });
});

describe("app settings the host resolves", () => {
  it("names every timer schedule, and an empty app setting counts as not set", async () => {
    const { hostResolvedAppSettings } = await import("../../../src/lib/config/index.js");
    expect(hostResolvedAppSettings()).toEqual(
      expect.arrayContaining(["AZDR_SCHEDULE_NOTEBOOKS", "AZDR_SCHEDULE_UNITY_CATALOG"]),
    );
    const config = loadConfigFromAppSettings({
      AZDR__env: "prod",
      AZDR__project: "dataplat",
      AZDR__subscriptionId: "00000000-0000-0000-0000-000000000000",
      AZDR__keyVaults__0__id: "kv-main",
      AZDR__keyVaults__0__name: "",
    });
    expect(config.keyVaults[0]).toEqual({ id: "kv-main" });
  });
});
