// One test platform: the simulator (Databricks workspaces + metastores), an isolated backup store
// on the shared Azurite, a runtime built from a real config pointing at both, and the app's own
// registrations running in the local durable host.
import { randomBytes } from "node:crypto";
import { BlobServiceClient } from "@azure/storage-blob";
import { TableServiceClient } from "@azure/data-tables";
import { inject } from "vitest";
import {
  startPlatformSimulator,
  type PlatformSimulator,
  type PlatformSimulatorOptions,
} from "../../sim/index.js";
import { parseConfig, type PlatformConfig, type PlatformConfigInput } from "../../src/lib/config/index.js";
import { PUBLISHED_LIMITS, resetDatabricksLimiters } from "../../src/lib/clients/databricks.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "../../src/lib/runtime.js";
import type { Logger } from "../../src/lib/sources/context.js";
import { useRuntime } from "../../src/orchestrators/runtime.js";
import {
  LocalDurableHost,
  MemoryInstanceStore,
  loadRegisteredApp,
  type FunctionRegistry,
} from "../../src/host/index.js";

export const TOKEN_SETTING = "AZDR_TEST_DATABRICKS_TOKEN";

const UNPACED = Object.fromEntries(Object.keys(PUBLISHED_LIMITS).map((family) => [family, 5000]));

export interface CapturedLog extends Logger {
  lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  const write = (level: string) => (message: string, data?: Record<string, unknown>) =>
    void lines.push(`${level} ${message} ${data ? JSON.stringify(data) : ""}`);
  return { lines, info: write("info"), warn: write("warn"), error: write("error") };
}

export interface TestPlatform {
  sim: PlatformSimulator;
  config: PlatformConfig;
  runtime: Runtime;
  env: Record<string, string>;
  log: CapturedLog;
  storePrefix: string;
  close(): Promise<void>;
}

let registry: FunctionRegistry | undefined;

/** The app's registrations, captured once per test file. */
export async function appRegistry(): Promise<FunctionRegistry> {
  registry ??= await loadRegisteredApp(() => import("../../src/index.js"));
  return registry;
}

export async function startTestPlatform(
  options: {
    sim?: PlatformSimulatorOptions;
    config?: Partial<PlatformConfigInput>;
    runtime?: Partial<RuntimeOptions>;
    /** Extra app settings (webhook URLs for notification sinks…), beside the Databricks token. */
    env?: Record<string, string>;
  } = {},
): Promise<TestPlatform> {
  const sim = await startPlatformSimulator(options.sim ?? {});
  const id = randomBytes(4).toString("hex");
  const storePrefix = `t${id}-`;
  const env = { [TOKEN_SETTING]: sim.token, ...options.env };
  const workspaces = Object.entries(sim.urls).map(([name, url]) => ({
    id: name,
    url,
    role: name === "primary" ? ("primary" as const) : ("secondary" as const),
    auth: { type: "pat" as const, tokenSetting: TOKEN_SETTING },
  }));
  const config = parseConfig({
    env: "test",
    project: "azdr",
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    databricks: { workspaces },
    unityCatalog: {
      metastores: [
        { id: "primary-metastore", workspace: "primary", role: "primary" },
        ...(sim.urls["dr"] ? [{ id: "dr-metastore", workspace: "dr", role: "secondary" as const }] : []),
      ],
    },
    backupStore: { indexTable: `idx${id}` },
    ...options.config,
  });
  const log = captureLog();
  resetDatabricksLimiters();
  const runtime = createRuntime(config, {
    env,
    storeConnection: { connectionString: inject("azuriteConnectionString"), containerPrefix: storePrefix },
    log,
    // Our limiter is tested on its own; here it must not pace the simulator (which has no limits unless asked).
    databricks: { maxAttempts: 8, rateShare: 1, limits: UNPACED },
    // With the Azure side simulated, the ARM / Key Vault / Blob clients talk to it.
    ...(sim.azure
      ? {
          azure: {
            httpClient: sim.azure.httpClient,
            storageHttpClient: sim.azure.storageHttpClient,
            credential: sim.azure.credential,
            retry: { maxRetries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
          },
        }
      : {}),
    ...options.runtime,
  });
  useRuntime(runtime);
  return {
    sim,
    config,
    runtime,
    env,
    log,
    storePrefix,
    close: async () => {
      useRuntime(undefined);
      await sim.close();
      await dropStore(inject("azuriteConnectionString"), storePrefix, config.backupStore.indexTable);
    },
  };
}

/**
 * Delete a platform's containers and index table: the whole run shares one in-memory Azurite, which
 * otherwise holds every test's snapshots until the end and slows to a crawl late in the run.
 */
async function dropStore(connectionString: string, prefix: string, table: string): Promise<void> {
  const blobs = BlobServiceClient.fromConnectionString(connectionString);
  for await (const container of blobs.listContainers({ prefix })) await blobs.deleteContainer(container.name);
  // The SDK treats a table that was never created as deleted.
  await TableServiceClient.fromConnectionString(connectionString, {
    allowInsecureConnection: true,
  }).deleteTable(table);
}

export async function startHost(): Promise<LocalDurableHost> {
  return new LocalDurableHost({
    registry: await appRegistry(),
    store: new MemoryInstanceStore(),
    timers: "virtual",
  });
}
