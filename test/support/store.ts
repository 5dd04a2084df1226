// A backup store on the shared Azurite, isolated by container prefix and table name.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { openBackupStore } from "../../src/lib/store/index.js";
import type { BackupStore } from "../../src/lib/store/index.js";

export function isolatedStore(): {
  store: BackupStore;
  connectionString: string;
  containerPrefix: string;
  table: string;
} {
  const id = randomBytes(4).toString("hex");
  const connectionString = inject("azuriteConnectionString");
  const containerPrefix = `t${id}-`;
  const table = `idx${id}`;
  return {
    store: openBackupStore({ connectionString, containerPrefix }, table),
    connectionString,
    containerPrefix,
    table,
  };
}
