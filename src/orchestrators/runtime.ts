// The activities' dependencies. In the Function App they are built once from app settings on first
// use; the local host (CLI, demo, tests) installs its own with useRuntime() before running.
import { loadConfigFromAppSettings } from "../lib/config/load.js";
import { createRuntime, type Runtime } from "../lib/runtime.js";

let current: Runtime | undefined;

export function useRuntime(runtime: Runtime | undefined): void {
  current = runtime;
}

export function runtime(): Runtime {
  current ??= createRuntime(loadConfigFromAppSettings(process.env));
  return current;
}
