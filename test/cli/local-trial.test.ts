// The local trial as `npm run sim` starts it (sim/trial.ts): the written config file and
// environment alone take the CLI to every part of the simulator (Databricks, Unity Catalog, Azure
// ML, AI Foundry, Key Vault, storage accounts) and to Azurite, in-process.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalTrial, TRIAL_SETTINGS, type LocalTrial } from "../../sim/trial.js";
import { main } from "../../src/cli/main.js";
import { loadConfigFile } from "../../src/lib/config/index.js";

let trial: LocalTrial;
beforeAll(async () => {
  trial = await startLocalTrial({ dir: await mkdtemp(join(tmpdir(), "azdr-trial-")) });
}, 60_000);
afterAll(() => trial?.close());

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // Only what local-env.sh exports: no injected config or runtime options.
  const code = await main(argv, {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    stdinIsTTY: false,
    env: { ...trial.env },
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

describe("npm run sim's local trial", () => {
  it("writes a valid config and an env file exporting every setting it names", async () => {
    const config = await loadConfigFile(trial.configPath);
    expect(config.azure?.simulatorRoutes?.["https://management.azure.com"]).toBe(trial.sim.azure!.urls.arm);
    const envFile = await readFile(trial.envPath, "utf8");
    for (const name of ["AZDR_CONFIG", ...Object.values(TRIAL_SETTINGS)])
      expect(envFile).toMatch(new RegExp(`^export ${name}='`, "m"));
  });

  it("backs up everything and reports every objective fresh, through the config file alone", async () => {
    const backup = await cli(["backup", "all"]);
    expect(backup.stderr).not.toMatch(/error/i);
    expect(backup.code).toBe(0);
    for (const kind of [
      "databricks-notebooks",
      "databricks-config",
      "unity-catalog",
      "azureml-models",
      "azureml-assets",
      "foundry",
      "key-vault",
      "storage-protection",
    ])
      expect(backup.stdout).toMatch(new RegExp(`^${kind} +\\S+ +Completed`, "m"));
    const status = await cli(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).not.toMatch(/STALE|MISSING/);
    // Nothing reached the real cloud: every Azure call landed in the simulator.
    expect(trial.sim.azure!.log.entries.filter((e) => e.service === "arm").length).toBeGreaterThan(0);
  }, 240_000);
});
