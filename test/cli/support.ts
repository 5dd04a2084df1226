// Runs `main(argv, io)` in-process against a test platform (simulator + isolated Azurite store),
// capturing stdout and stderr.
import { inject } from "vitest";
import { main, type CliIO } from "../../src/cli/main.js";
import { PUBLISHED_LIMITS } from "../../src/lib/clients/databricks.js";
import type { TestPlatform } from "../support/platform.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const UNPACED = Object.fromEntries(Object.keys(PUBLISHED_LIMITS).map((family) => [family, 5000]));

export function cliIO(
  platform: TestPlatform,
  extra: Partial<CliIO> = {},
): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    stdinIsTTY: false,
    env: { ...platform.env },
    config: platform.config,
    runtime: {
      storeConnection: {
        connectionString: inject("azuriteConnectionString"),
        containerPrefix: platform.storePrefix,
      },
      databricks: { maxAttempts: 8, rateShare: 1, limits: UNPACED },
    },
    signedIn: async () => ({ id: "oid-alice", name: "alice", roles: [], source: "azure-login" }),
    pollMs: 40,
    ...extra,
  };
}

export async function cli(
  platform: TestPlatform,
  argv: string[],
  extra: Partial<CliIO> = {},
): Promise<CliRun> {
  const io = cliIO(platform, extra);
  const code = await main(argv, io);
  return { code, stdout: io.out.join(""), stderr: io.err.join("") };
}
