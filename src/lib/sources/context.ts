// What every backup and restore source needs, passed as plain parameters (createActivities(deps)
// style) so tests build it from real clients pointed at the simulator and Azurite.
import type { AzureClients } from "../clients/azure.js";
import type { DatabricksClient } from "../clients/databricks.js";
import type { PlatformConfig } from "../config/schema.js";
import type { BackupStore } from "../store/backup-store.js";

export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface SourceContext {
  config: PlatformConfig;
  store: BackupStore;
  /** The client for a configured Databricks workspace id (rate limits shared per workspace). */
  databricks(workspaceId: string): DatabricksClient;
  /** Azure ML / Foundry, Key Vault (properties only), storage accounts and artifact blobs. */
  azure: AzureClients;
  log: Logger;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
