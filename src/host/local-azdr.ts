// azdr in-process: the app's own registrations (timers, HTTP routes, queue, orchestrators,
// activities) running in the local durable host, with a runtime built from a config. The CLI, the
// demo and end-to-end tests all start it; the Function App never loads this module.
import "./registry.js"; // the registration hook must be installed before the app's modules load
import type { PlatformConfig } from "../lib/config/schema.js";
import { createRuntime, type Runtime, type RuntimeOptions } from "../lib/runtime.js";
import { useRuntime } from "../orchestrators/runtime.js";
import { LocalApp, MemoryPoisonSink, type PoisonSink } from "./app.js";
import { LocalDurableHost } from "./host.js";
import type { HostLogger } from "./invocation.js";
import { loadRegisteredApp, type FunctionRegistry } from "./registry.js";
import { MemoryInstanceStore, type InstanceStore } from "./store.js";

export interface LocalAzdrOptions {
  config: PlatformConfig;
  runtime?: RuntimeOptions;
  /** Virtual timers for tests; real ones for the CLI and the demo. */
  timers?: "virtual" | "real";
  /** Where orchestration state lives: memory, or blobs so a restarted CLI resumes. */
  instances?: InstanceStore;
  poison?: PoisonSink;
  log?: HostLogger;
  /** Carry on with unfinished instances at start (default). The CLI resumes only the run it asks for. */
  resumeAll?: boolean;
  /** Play App Service authentication on the loopback routes (see LocalAppOptions.easyAuth). */
  easyAuth?: (authorization: string | undefined) => string | undefined;
  /** Loopback port of the app's HTTP routes (default: any free port). */
  port?: number;
}

export interface LocalAzdr {
  runtime: Runtime;
  registry: FunctionRegistry;
  host: LocalDurableHost;
  app: LocalApp;
  close(): Promise<void>;
}

export async function startLocalAzdr(options: LocalAzdrOptions): Promise<LocalAzdr> {
  const runtime = createRuntime(options.config, options.runtime);
  useRuntime(runtime);
  const registry = await loadRegisteredApp(() => import("../index.js"));
  const host = new LocalDurableHost({
    registry,
    store: options.instances ?? new MemoryInstanceStore(),
    timers: options.timers ?? "real",
    ...(options.log ? { log: options.log } : {}),
  });
  if (options.resumeAll !== false) await host.resumeAll();
  const app = await LocalApp.start({
    host,
    poison: options.poison ?? new MemoryPoisonSink(),
    ...(options.easyAuth ? { easyAuth: options.easyAuth } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return {
    runtime,
    registry,
    host,
    app,
    close: async () => {
      await app.close();
      await host.shutdown();
      useRuntime(undefined);
    },
  };
}
