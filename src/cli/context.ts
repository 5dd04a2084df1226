// What every command needs: the config (from --config, AZDR_CONFIG or AZDR__ app settings), the
// secrets to redact, a runtime, and for commands that run orchestrations the app's own
// registrations in the local durable host.
import { BlobServiceClient } from "@azure/storage-blob";
import { APP_SETTINGS_PREFIX, loadConfigFile, loadConfigFromAppSettings } from "../lib/config/load.js";
import type { PlatformConfig } from "../lib/config/schema.js";
import type { StorageConnection } from "../lib/clients/storage.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "../lib/runtime.js";
import type { Logger } from "../lib/sources/context.js";
import { storeConnection } from "../lib/store/open.js";
import { startLocalAzdr, type LocalAzdr } from "../host/local-azdr.js";
import { BlobInstanceStore, MemoryInstanceStore, type InstanceStore } from "../host/store.js";
import { CliUsageError, type CliIO, type Output } from "./io.js";

/** Where the CLI keeps restore orchestration state, in the backup store account. */
export const CLI_HOST_CONTAINER = "azdr-cli-host";

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  verbose?: boolean;
}

export interface CliContext {
  io: CliIO;
  out: Output;
  env: Record<string, string | undefined>;
  config: PlatformConfig;
  configSource: string;
  runtimeOptions: RuntimeOptions;
  now(): Date;
  signal: AbortSignal | undefined;
}

/** --config FILE, else $AZDR_CONFIG, else AZDR__ app settings in the environment. */
export async function resolveConfig(
  io: CliIO,
  options: GlobalOptions,
): Promise<{ config: PlatformConfig; source: string }> {
  if (io.config && !options.config) return { config: io.config, source: "(injected)" };
  const env = io.env ?? process.env;
  const file = options.config ?? env["AZDR_CONFIG"];
  if (file) return { config: await loadConfigFile(file), source: file };
  if (Object.keys(env).some((k) => k.startsWith(APP_SETTINGS_PREFIX) && env[k]?.trim())) {
    return { config: loadConfigFromAppSettings(env), source: "AZDR__ app settings" };
  }
  throw new CliUsageError("no azdr config", [
    {
      field: "--config",
      message: "no config file given and no AZDR__ app settings in the environment",
      fix: "pass --config azdr.yaml (JSON or YAML), set AZDR_CONFIG=azdr.yaml, or export the AZDR__* app settings (see local.settings.sample.json)",
    },
  ]);
}

/** Every secret value the config points at, so no output ever shows one. */
export function secretValues(
  config: PlatformConfig,
  env: Record<string, string | undefined>,
  runtime: Partial<RuntimeOptions> | undefined,
): string[] {
  const out: (string | undefined)[] = [];
  for (const w of config.databricks.workspaces) {
    if (w.auth.type === "pat") out.push(env[w.auth.tokenSetting]);
  }
  const setting = config.backupStore.connectionStringSetting;
  if (setting) out.push(env[setting]);
  out.push(runtime?.storeConnection?.connectionString);
  for (const [key, value] of Object.entries(env)) {
    if (/TOKEN|SECRET|PASSWORD|CONNECTION_?STRING|CONNECTIONSTRING|ACCOUNT_?KEY|_KEY$|SAS/i.test(key)) {
      out.push(value);
    }
  }
  // Account keys inside connection strings, on their own.
  for (const value of [...out]) {
    const key = value ? /AccountKey=([^;]+)/i.exec(value)?.[1] : undefined;
    if (key) out.push(key);
  }
  return out.filter((v): v is string => !!v);
}

export async function createContext(io: CliIO, options: GlobalOptions, out: Output): Promise<CliContext> {
  const env = io.env ?? process.env;
  const { config, source } = await resolveConfig(io, options);
  out.setSecrets(secretValues(config, env, io.runtime));
  out.debug(`config: ${source}`);
  const log: Logger = {
    info: (message, data) => out.debug(`info  ${message}${data ? ` ${JSON.stringify(data)}` : ""}`),
    // Warnings (a throttled workspace's pause, config problems) show without --verbose.
    warn: (message, data) =>
      out.verbose ? out.err(`warn  ${message}${data ? ` ${JSON.stringify(data)}` : ""}`) : out.err(message),
    error: (message, data) => out.debug(`error ${message}${data ? ` ${JSON.stringify(data)}` : ""}`),
  };
  return {
    io,
    out,
    env,
    config,
    configSource: source,
    runtimeOptions: { env, log, ...io.runtime },
    now: io.now ?? (() => new Date()),
    signal: io.signal,
  };
}

export function openRuntime(ctx: CliContext): Runtime {
  return createRuntime(ctx.config, ctx.runtimeOptions);
}

/** The backup store connection the runtime uses (config or override). */
function connectionOf(ctx: CliContext): StorageConnection {
  return ctx.runtimeOptions.storeConnection ?? storeConnection(ctx.config, ctx.env);
}

/** Instance records in the backup store account, so an interrupted CLI restore resumes next run. */
export function blobInstanceStore(ctx: CliContext): InstanceStore {
  const connection = connectionOf(ctx);
  const name = `${connection.containerPrefix ?? ""}${CLI_HOST_CONTAINER}`;
  let service: BlobServiceClient;
  if (connection.connectionString)
    service = BlobServiceClient.fromConnectionString(connection.connectionString);
  else if (connection.accountName && connection.credential)
    service = new BlobServiceClient(
      `https://${connection.accountName}.blob.core.windows.net`,
      connection.credential,
    );
  else return new MemoryInstanceStore();
  return new BlobInstanceStore(service.getContainerClient(name));
}

/** The app's registrations in the local host, with real timers. */
export async function startAzdr(
  ctx: CliContext,
  instances: "memory" | "blob",
  port?: number,
): Promise<LocalAzdr> {
  return startLocalAzdr({
    ...(port !== undefined ? { port } : {}),
    config: ctx.config,
    runtime: ctx.runtimeOptions,
    timers: "real",
    instances: instances === "blob" ? blobInstanceStore(ctx) : new MemoryInstanceStore(),
    log: (level, message) => ctx.out.debug(`host ${level} ${message}`),
  });
}
