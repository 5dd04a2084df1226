// Build the backup store from the platform config: a connection string from an app setting
// (Azurite, local runs) or the account name with a managed identity / developer credential.
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { AzdrError } from "../errors.js";
import { BlobStorageClient, TableStorageClient, type StorageConnection } from "../clients/storage.js";
import { backupStoreAccountName } from "../config/naming.js";
import type { PlatformConfig } from "../config/schema.js";
import { BackupStore } from "./backup-store.js";
import { SnapshotIndex } from "./snapshot-index.js";

export function storeConnection(
  config: PlatformConfig,
  env: Record<string, string | undefined> = process.env,
): StorageConnection {
  const setting = config.backupStore.connectionStringSetting;
  if (setting) {
    const connectionString = env[setting];
    if (!connectionString) {
      throw new AzdrError(
        "INVALID_CONFIG",
        `backupStore.connectionStringSetting names "${setting}", but that setting is empty; set it or remove connectionStringSetting to use managed identity`,
      );
    }
    return { connectionString };
  }
  const clientId = config.backupStore.managedIdentityClientId;
  return {
    accountName: backupStoreAccountName(config),
    credential: clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential(),
  };
}

export function openBackupStore(connection: StorageConnection, indexTable: string): BackupStore {
  return new BackupStore(
    new BlobStorageClient(connection),
    new SnapshotIndex(new TableStorageClient(connection, indexTable)),
  );
}
