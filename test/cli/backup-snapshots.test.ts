// azdr backup / snapshots / status, in-process against the simulator and Azurite.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { OBJECTS_CONTAINER, objectPath } from "../../src/lib/store/layout.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "./support.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const SEED = {
  notebooks: 30,
  directories: 5,
  files: 3,
  jobs: 4,
  clusters: 1,
  policies: 1,
  pools: 1,
  secretScopes: 1,
};

async function start(): Promise<TestPlatform> {
  return startTestPlatform({
    sim: { workspaces: [{ name: "primary", seed: SEED }], metastores: [] },
    config: { unityCatalog: { metastores: [] } },
  });
}

describe("azdr backup, snapshots and status", () => {
  it("status is MISSING before backups; backup workspace + snapshots list/show/verify; FRESH after", async () => {
    platform = await start();
    const p = platform;

    const before = await cli(p, ["status"]);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/primary .*MISSING/);
    expect(before.stdout).toContain("azdr backup databricks-notebooks");

    const backup = await cli(p, ["backup", "workspace"]);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(
      /kind\s+source\s+phase\s+objects\s+exported\s+carried\s+skipped\s+failed\s+new bodies\s+bytes/,
    );
    expect(backup.stdout).toMatch(/databricks-notebooks\s+primary\s+Completed\s+\d+/);
    expect(backup.stderr).toMatch(/databricks-notebooks primary\s+(plan|export)/);
    expect(backup.stderr).toMatch(/databricks-notebooks primary\s+Completed \(\d+ objects\)/);

    const half = await cli(p, ["status", "--json"]);
    expect(half.code).toBe(1); // jobs (workspace-config) still missing
    const rows = (JSON.parse(half.stdout) as { rows: { kind: string; state: string }[] }).rows;
    expect(rows.find((r) => r.kind === "databricks-notebooks")?.state).toBe("fresh");
    expect(rows.find((r) => r.kind === "databricks-config")?.state).toBe("missing");

    const list = await cli(p, ["snapshots", "list", "--json", "--domain", "databricks"]);
    expect(list.code).toBe(0);
    const snapshots = JSON.parse(list.stdout) as { ref: string; component: string; objectCount: number }[];
    expect(snapshots).toHaveLength(1);
    const ref = snapshots[0]!.ref;
    expect(ref).toMatch(/^databricks\/primary\/workspace-objects\/\d{8}t\d{6}z$/);
    const table = await cli(p, ["snapshots", "list"]);
    expect(table.stdout).toContain(ref);

    const show = await cli(p, ["snapshots", "show", ref]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/phase\s+Completed/);
    expect(show.stdout).toMatch(/NOTEBOOK\s+30/);
    expect(show.stdout).toMatch(/changes\s+\+\d+ ~0 -0/);
    const latest = await cli(p, [
      "snapshots",
      "show",
      "databricks/primary/workspace-objects/latest",
      "--json",
    ]);
    expect((JSON.parse(latest.stdout) as { ref: string }).ref).toBe(ref);

    const ok = await cli(p, ["snapshots", "verify", ref, "--deep"]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^OK /);

    // Corrupt one body (same size, different bytes): only a re-hash notices.
    const manifest = await p.runtime.store.requireManifest({
      domain: "databricks",
      sourceId: "primary",
      component: "workspace-objects",
      snapshotId: ref.split("/")[3]!,
    });
    const victim = manifest.entries.find((e) => e.kind === "NOTEBOOK" && e.size > 0)!;
    await p.runtime.store.blobs.put(OBJECTS_CONTAINER, objectPath(victim.sha256), "x".repeat(victim.size));
    const shallow = await cli(p, ["snapshots", "verify", ref]);
    expect(shallow.code).toBe(0);
    const deep = await cli(p, ["snapshots", "verify", ref, "--deep"]);
    expect(deep.code).toBe(1);
    expect(deep.stdout).toMatch(/^PROBLEMS /);
    expect(deep.stdout).toContain(victim.path);
    expect(deep.stdout).toMatch(/corrupt\s+content hashes to [0-9a-f]{64}/);
    const sampled = await cli(p, ["snapshots", "verify", ref, "--sample", "1000"]);
    expect(sampled.code).toBe(1);

    const config = await cli(p, ["backup", "workspace-config"]);
    expect(config.code, config.stdout + config.stderr).toBe(0);
    expect(config.stdout).toMatch(/databricks-config\s+primary\s+Completed/);
    const after = await cli(p, ["status"]);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).not.toMatch(/MISSING|STALE|PARTIAL/);
    // Every measured row is fresh; the rows nothing is configured for say so (and do not fail it).
    expect(after.stdout).toMatch(/measured by\s+evidence\s+age\s+status/);
    const measured = rows.filter((r) => r.state !== "unmeasured");
    expect(after.stdout.match(/FRESH/g)?.length).toBe(measured.length);
    expect(after.stdout).toMatch(
      /^UNMEASURED Infrastructure-as-Code: kept in Git; azdr does not measure it$/m,
    );
    expect(after.stdout).toMatch(/^UNMEASURED Key Vault Secrets: no Key Vault configured \(keyVaults\)$/m);
  });

  it("bad input exits 2 with the fix; a config file works and no secret is ever printed", async () => {
    platform = await start();
    const p = platform;
    const unknown = await cli(p, ["backup", "everything"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/what: "everything" is not something azdr backs up/);
    expect(unknown.stderr).toMatch(/fix: use one of: workspace, workspace-config, unity-catalog, azure-ml/);
    const noSource = await cli(p, ["backup", "workspace", "--source", "nope"]);
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toMatch(/--source: "nope" is not a configured source of workspace/);
    const badRef = await cli(p, ["snapshots", "show", "databricks/primary"]);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toMatch(/fix: use <domain>\/<source>\/<component>\/<snapshotId\|latest>/);
    const badFlag = await cli(p, ["snapshots", "verify", "x/y/z/w", "--bogus"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/unknown option '--bogus'/);
    const noConfig = await cli(p, ["status"], { config: undefined, env: {} });
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/fix: pass --config azdr.yaml/);

    // The same platform from a config file (secrets from the environment), verbose.
    const dir = await mkdtemp(join(tmpdir(), "azdr-cli-"));
    const file = join(dir, "azdr.json");
    await writeFile(file, JSON.stringify(p.config));
    const verbose = await cli(p, ["--config", file, "--verbose", "backup", "workspace"], {
      config: undefined,
    });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toContain(`config: ${file}`);
    expect(verbose.stderr).toMatch(/snapshot committed/);
    const everything = verbose.stdout + verbose.stderr;
    expect(everything).not.toContain(p.sim.token);
    const accountKey = /AccountKey=([^;]+)/.exec(inject("azuriteConnectionString"))?.[1];
    expect(accountKey).toBeTruthy();
    expect(everything).not.toContain(accountKey);
    const badConfig = join(dir, "bad.json");
    await writeFile(badConfig, JSON.stringify({ ...p.config, databricks: { workspaces: [{ id: 1 }] } }));
    const invalid = await cli(p, ["--config", badConfig, "status"], { config: undefined });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/Invalid azdr config from .*bad\.json/);
  });
});
