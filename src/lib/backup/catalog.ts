// Which backups exist: per kind, its source module, its schedule and the configured sources it
// covers. Timers, the CLI and RPO status all read this one table.
import type { PlatformConfig } from "../config/schema.js";
import type { SourceContext } from "../sources/context.js";
import { azureMlAssetsSource, azureMlModelsSource } from "../sources/azureml-source.js";
import { configSource } from "../sources/databricks-config-source.js";
import { notebooksSource } from "../sources/databricks-notebooks-source.js";
import { foundrySource } from "../sources/foundry-source.js";
import { keyVaultSource } from "../sources/key-vault-source.js";
import { storageProtectionSource } from "../sources/storage-protection-source.js";
import { unityCatalogSource } from "../sources/unity-catalog-source.js";
import type { BackupKind, BackupSource } from "./engine.js";

export interface BackupKindInfo {
  kind: BackupKind;
  /** What it backs up, in words (RPO status rows of its own). */
  label: string;
  /** Where its sources are configured, for "nothing configured" reasons. */
  configKey: string;
  /** The schedules key in the config. */
  schedule: keyof PlatformConfig["schedules"];
  /** The RPO table rows this backup serves. */
  rpoDataTypes: string[];
  source: BackupSource<SourceContext, never> | undefined;
  /** Configured sources this kind backs up. */
  sources(config: PlatformConfig): string[];
}

const primaryWorkspaces = (config: PlatformConfig) =>
  config.databricks.workspaces.filter((w) => w.role === "primary").map((w) => w.id);

export const BACKUP_KINDS: Record<BackupKind, BackupKindInfo> = {
  "databricks-notebooks": {
    kind: "databricks-notebooks",
    label: "Databricks notebooks and files",
    configKey: "databricks.workspaces (role primary)",
    schedule: "notebooks",
    rpoDataTypes: ["databricks-notebooks"],
    source: notebooksSource as BackupSource<SourceContext, never>,
    sources: primaryWorkspaces,
  },
  "databricks-config": {
    kind: "databricks-config",
    label: "Databricks jobs and workspace configuration",
    configKey: "databricks.workspaces (role primary)",
    schedule: "workspaceConfig",
    rpoDataTypes: ["databricks-jobs"],
    source: configSource as BackupSource<SourceContext, never>,
    sources: primaryWorkspaces,
  },
  "unity-catalog": {
    kind: "unity-catalog",
    label: "Unity Catalog metadata",
    configKey: "unityCatalog.metastores (role primary)",
    schedule: "unityCatalog",
    rpoDataTypes: ["unity-catalog-metadata"],
    source: unityCatalogSource as BackupSource<SourceContext, never>,
    sources: (config) => config.unityCatalog.metastores.filter((m) => m.role === "primary").map((m) => m.id),
  },
  "azureml-models": {
    kind: "azureml-models",
    label: "Azure ML models and artifacts",
    configKey: "azureMl.workspaces",
    schedule: "azureMlModels",
    rpoDataTypes: ["ml-models"],
    source: azureMlModelsSource as BackupSource<SourceContext, never>,
    sources: (config) => config.azureMl.workspaces.map((w) => w.id),
  },
  "azureml-assets": {
    kind: "azureml-assets",
    label: "Azure ML assets (environments, data asset metadata, datastores, computes)",
    configKey: "azureMl.workspaces",
    schedule: "azureMlAssets",
    // ML Datasets are measured by the replication of their storage (the runbook's method), not here.
    rpoDataTypes: [],
    source: azureMlAssetsSource as BackupSource<SourceContext, never>,
    sources: (config) => config.azureMl.workspaces.map((w) => w.id),
  },
  foundry: {
    kind: "foundry",
    label: "AI Foundry hubs, projects and connections",
    configKey: "foundry.hubs",
    schedule: "foundry",
    rpoDataTypes: [],
    source: foundrySource as BackupSource<SourceContext, never>,
    sources: (config) => config.foundry.hubs.map((h) => h.id),
  },
  "key-vault": {
    kind: "key-vault",
    label: "Key Vault inventory (names and versions)",
    configKey: "keyVaults",
    schedule: "keyVault",
    rpoDataTypes: [],
    source: keyVaultSource as BackupSource<SourceContext, never>,
    sources: (config) => config.keyVaults.map((k) => k.id),
  },
  "storage-protection": {
    kind: "storage-protection",
    label: "Storage protection settings",
    configKey: "storageAccounts",
    schedule: "storage",
    rpoDataTypes: [],
    source: storageProtectionSource,
    sources: (config) => config.storageAccounts.map((s) => s.id),
  },
};

export function backupSourceFor(kind: BackupKind): BackupSource<SourceContext, never> {
  const source = BACKUP_KINDS[kind]?.source;
  if (!source) throw new Error(`backup kind "${kind}" is not implemented yet`);
  return source;
}

export function isBackupKind(value: string): value is BackupKind {
  return Object.hasOwn(BACKUP_KINDS, value);
}
