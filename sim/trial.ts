// The local trial behind `npm run sim`: Azurite (the backup store) and the whole platform simulator
// (two Databricks workspaces with Unity Catalog, ARM with Azure ML / AI Foundry / storage accounts,
// Key Vault), plus a ready-to-use azdr config file and the environment it reads, so the CLI reaches
// every part of the simulator with `source .azdr/local-env.sh`. The test of the trial starts it the
// same way (test/cli/local-trial.test.ts).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import type { PlatformConfigInput } from "../src/lib/config/schema.js";
import { startAzurite, type RunningAzurite } from "./azurite.js";
import { startPlatformSimulator, type PlatformSimulator, type PlatformSimulatorOptions } from "./index.js";

/** The settings the trial config names (secrets stay in the environment, as in Azure). */
export const TRIAL_SETTINGS = {
  databricksToken: "AZDR_SIM_DATABRICKS_TOKEN",
  azureToken: "AZDR_SIM_AZURE_TOKEN",
  store: "AZDR_SIM_STORE",
} as const;

export interface LocalTrial {
  sim: PlatformSimulator;
  azurite: RunningAzurite;
  /** The config document written to configPath. */
  config: PlatformConfigInput;
  configPath: string;
  /** A shell file exporting `env` (and AZDR_CONFIG). */
  envPath: string;
  /** What the CLI needs in its environment. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The azdr config of the simulated platform: names as the simulator seeds them. */
export function trialConfig(sim: PlatformSimulator): PlatformConfigInput {
  const azure = sim.azure;
  if (!azure) throw new Error("the trial needs the simulator's Azure side (azure: true)");
  return {
    env: "prod",
    project: "azdr",
    subscriptionId: azure.subscriptionId,
    regions: { primary: "westeurope", secondary: "northeurope" },
    // The seeded Azure resources are named {project}-{env} (rg-azdr-prod, mlw-azdr-prod…).
    naming: {
      sharedResourceGroup: "rg-{project}-{env}",
      aiPlatformResourceGroup: "rg-{project}-{env}",
      mlWorkspace: "mlw-{project}-{env}",
      foundryHub: "hub-{project}-{env}",
      keyVault: "kv-{project}-{env}",
    },
    databricks: {
      workspaces: Object.entries(sim.urls).map(([name, url]) => ({
        id: name,
        url,
        role: name === "primary" ? ("primary" as const) : ("secondary" as const),
        auth: { type: "pat" as const, tokenSetting: TRIAL_SETTINGS.databricksToken },
      })),
    },
    unityCatalog: {
      metastores: [
        { id: "primary-metastore", workspace: "primary", role: "primary" },
        { id: "dr-metastore", workspace: "dr", role: "secondary" },
      ],
    },
    azureMl: { workspaces: [{ id: "mlw-main" }] },
    foundry: { hubs: [{ id: "hub-main" }] },
    keyVaults: [{ id: "kv-main" }],
    storageAccounts: [
      { id: "st-ml", name: "stazdrmlprod" },
      { id: "st-lake", name: "stazdrlakeprod" },
    ],
    azure: {
      simulatorRoutes: {
        "https://management.azure.com": azure.urls.arm,
        "https://*.vault.azure.net": azure.urls.keyvault,
        "https://*.blob.core.windows.net": azure.urls.blob,
      },
      tokenSetting: TRIAL_SETTINGS.azureToken,
    },
    backupStore: { connectionStringSetting: TRIAL_SETTINGS.store },
    // The simulator is ours: use its whole published rate (scheduled backups in Azure use half).
    limits: { databricksRateShare: 1, maxConcurrentRequests: 16 },
  };
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export async function startLocalTrial(
  options: { dir?: string; sim?: Omit<PlatformSimulatorOptions, "azure"> } = {},
): Promise<LocalTrial> {
  const dir = path.resolve(options.dir ?? ".azdr");
  const azurite = await startAzurite();
  let sim: PlatformSimulator;
  try {
    sim = await startPlatformSimulator({ ...options.sim, azure: true });
  } catch (error) {
    await azurite.stop();
    throw error;
  }
  const config = trialConfig(sim);
  const configPath = path.join(dir, "local-config.yaml");
  const envPath = path.join(dir, "local-env.sh");
  const env = {
    AZDR_CONFIG: configPath,
    [TRIAL_SETTINGS.databricksToken]: sim.token,
    [TRIAL_SETTINGS.azureToken]: sim.azure!.token,
    [TRIAL_SETTINGS.store]: azurite.connectionString,
  };
  await mkdir(dir, { recursive: true });
  await writeFile(
    configPath,
    `# Written by \`npm run sim\`: the simulated platform, valid while that command runs.\n${stringify(config)}`,
  );
  await writeFile(
    envPath,
    `# Written by \`npm run sim\`: source it in the shell you run azdr from.\n${Object.entries(env)
      .map(([k, v]) => `export ${k}=${quote(v)}`)
      .join("\n")}\n`,
  );
  return {
    sim,
    azurite,
    config,
    configPath,
    envPath,
    env,
    async close() {
      await sim.close();
      await azurite.stop();
    },
  };
}
