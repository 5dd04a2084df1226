// azdr doctor and the fail-fast before backup/restore: against the simulator (Databricks + Azure)
// and Azurite, plus servers that reset or never answer, to show each probe is one attempt with a
// bounded wait (attempts are counted; the timeout is read back from the error, never timed).
import net from "node:net";
import { afterEach, describe, expect, inject, it } from "vitest";
import { parseConfig } from "../../src/lib/config/index.js";
import { runDoctor, storeContainers, type DoctorDeps } from "../../src/lib/doctor.js";
import { createDoctorDeps } from "../../src/lib/runtime.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli, cliIO } from "./support.js";

let platform: TestPlatform | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await platform?.close();
  platform = undefined;
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A TCP server that counts connections and either resets each at once or never answers. */
async function rogueServer(
  mode: "reset" | "silent",
): Promise<{ url: string; host: string; connections: () => number }> {
  let connections = 0;
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => {
    connections++;
    if (mode === "reset") socket.destroy();
    else held.push(socket);
  });
  closers.push(async () => {
    held.forEach((s) => s.destroy());
    await new Promise((resolve) => server.close(resolve));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, connections: () => connections };
}

async function start(): Promise<TestPlatform> {
  return startTestPlatform({
    sim: { azure: true, workspaces: [{ name: "primary", seed: false }], metastores: [] },
    config: { unityCatalog: { metastores: [] } },
  });
}

/** The CLI's io with the Azure simulator's clients as runtime options. */
function azureIO(p: TestPlatform) {
  const io = cliIO(p);
  return {
    runtime: {
      ...io.runtime,
      azure: { httpClient: p.sim.azure!.httpClient, credential: p.sim.azure!.credential },
    },
    config: parseConfig({
      ...p.config,
      subscriptionId: p.sim.azure!.subscriptionId,
      keyVaults: [{ id: "kv-main", name: "kv-azdr-prod", resourceGroup: "rg-azdr-prod" }],
    }),
  };
}

describe("azdr doctor", () => {
  it("passes on a healthy platform: store, workspace identity, ARM and Key Vault, one line per check", async () => {
    platform = await start();
    const run = await cli(platform, ["doctor"], azureIO(platform));
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    const line = (check: string) => lines.find((l) => l.includes(check)) ?? `(no line for ${check})`;
    expect(line("backup store: reachable")).toMatch(/^OK /);
    // A fresh store: the first backup creates containers and the index table.
    expect(line("backup store: containers")).toMatch(/^WARN .*missing/);
    expect(line("backup store: immutability")).toMatch(/^SKIP .*connection string/);
    expect(line("workspace primary: reachable")).toMatch(/^OK /);
    expect(line("workspace primary: identity")).toMatch(/^OK .*admin@example\.com, member of admins/);
    expect(line("ARM access")).toMatch(/^OK .*reads resource groups/);
    expect(line("key vault kv-main: list")).toMatch(/^OK .*kv-azdr-prod\.vault\.azure\.net/);
    expect(line("app region")).toMatch(/^SKIP .*REGION_NAME unset/);
    expect(run.stdout).toMatch(/0 failed, \d+ warning\(s\)/);
  });

  it("names the host and config key of a wrong workspace URL (DNS) and of a workspace that resets, after one attempt", async () => {
    platform = await start();
    const rogue = await rogueServer("reset");
    const config = parseConfig({
      ...platform.config,
      databricks: {
        workspaces: [
          {
            ...platform.config.databricks.workspaces[0]!,
            url: "https://adb-0000000000000000.0.azuredatabricks.invalid",
          },
          { ...platform.config.databricks.workspaces[0]!, id: "dr", url: rogue.url, role: "secondary" },
        ],
      },
    });
    const run = await cli(platform, ["doctor", "--json"], { config });
    expect(run.code).toBe(1);
    const { checks } = JSON.parse(run.stdout) as {
      checks: { check: string; status: string; detail: string; key?: string }[];
    };
    const primary = checks.find((c) => c.check === "workspace primary: reachable");
    expect(primary).toMatchObject({ status: "fail", key: "databricks.workspaces[0].url" });
    expect(primary?.detail).toMatch(
      /cannot reach adb-0000000000000000\.0\.azuredatabricks\.invalid: DNS lookup failed/,
    );
    const dr = checks.find((c) => c.check === "workspace dr: reachable");
    expect(dr).toMatchObject({ status: "fail", key: "databricks.workspaces[1].url" });
    expect(dr?.detail).toContain(`cannot reach ${rogue.host}`);
    // One connection: no retry loop ran (the backup client would have tried 8 times).
    expect(rogue.connections()).toBe(1);
  });

  it("a token the workspace refuses names the auth setting to fix, not the URL", async () => {
    platform = await start();
    const env = { ...platform.env, AZDR_TEST_DATABRICKS_TOKEN: "dapi-revoked" };
    const run = await cli(platform, ["doctor", "--json"], { env });
    expect(run.code).toBe(1);
    const { checks } = JSON.parse(run.stdout) as {
      checks: { check: string; status: string; fix?: string; key?: string }[];
    };
    const reachable = checks.find((c) => c.check === "workspace primary: reachable");
    expect(reachable).toMatchObject({ status: "fail", key: "databricks.workspaces[0].auth" });
    expect(reachable?.fix).toContain("the token or the identity's workspace access");
  });

  it("reports an unreachable store with its host and the setting that names it, after one attempt", async () => {
    platform = await start();
    const rogue = await rogueServer("reset");
    const config = parseConfig({
      ...platform.config,
      backupStore: { connectionStringSetting: "AZDR_STORE" },
    });
    const bad = inject("azuriteConnectionString").replace(
      /BlobEndpoint=[^;]+/,
      `BlobEndpoint=${rogue.url}/devstoreaccount1`,
    );
    const io = cliIO(platform);
    const run = await cli(platform, ["doctor"], {
      config,
      env: { ...io.env, AZDR_STORE: bad },
      runtime: { databricks: io.runtime!.databricks! },
    });
    expect(run.code).toBe(1);
    const line = run.stdout.split("\n").find((l) => l.includes("backup store: reachable")) ?? "";
    expect(line).toMatch(/^FAIL /);
    expect(line).toContain(`cannot reach ${rogue.host}`);
    expect(line).toContain("[backupStore.connectionStringSetting (AZDR_STORE)]");
    expect(rogue.connections()).toBe(1);
    // Never the connection string or its key.
    expect(run.stdout + run.stderr).not.toContain("AccountKey=");
  });

  it("honours --timeout: a workspace that never answers is reported with that timeout", async () => {
    platform = await start();
    const silent = await rogueServer("silent");
    const config = parseConfig({
      ...platform.config,
      databricks: { workspaces: [{ ...platform.config.databricks.workspaces[0]!, url: silent.url }] },
    });
    const run = await cli(platform, ["doctor", "--timeout", "0.3"], { config });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /FAIL +workspace primary: reachable +cannot reach 127\.0\.0\.1:\d+: no answer within 300 ms \(1 attempt, no retry\) +\[databricks\.workspaces\[0\]\.url\]/,
    );
    expect(silent.connections()).toBe(1);
  });
});

describe("fail fast before backup and restore", () => {
  it("backup and restore stop before starting anything when a workspace is unreachable", async () => {
    platform = await start();
    const config = parseConfig({
      ...platform.config,
      databricks: {
        workspaces: [
          { ...platform.config.databricks.workspaces[0]!, url: "https://adb-1.1.azuredatabricks.invalid" },
        ],
      },
    });
    const backup = await cli(platform, ["backup", "workspace"], { config });
    expect(backup.code).toBe(1);
    expect(backup.stderr).toMatch(
      /workspace primary: reachable: cannot reach adb-1\.1\.azuredatabricks\.invalid: DNS lookup failed.*\[databricks\.workspaces\[0\]\.url\]/,
    );
    expect(backup.stderr).toContain("nothing was started");
    const restore = await cli(
      platform,
      [
        "restore",
        "workspace",
        "--source",
        "primary",
        "--target",
        "primary",
        "--plan",
        "--allow-primary-target",
      ],
      { config },
    );
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("nothing was started");
  });
});

describe("doctor checks in lib", () => {
  it("warns about an unlocked container policy with the lock command, fails on a missing one, passes when locked", async () => {
    platform = await start();
    const azure = platform.sim.azure!;
    const account = azure.state.addStorageAccount({
      subscriptionId: azure.subscriptionId,
      resourceGroup: "rg-azdr-dr",
      location: "canadacentral",
      name: "stazdrbackup",
      skuName: "Standard_RAGZRS",
    });
    const containers = storeContainers();
    for (const name of containers)
      azure.state.container(account, name, true)!.immutabilityPolicy = {
        days: 89,
        state: "Unlocked",
        etag: '"1"',
      };
    const config = parseConfig({
      ...platform.config,
      subscriptionId: azure.subscriptionId,
      backupStore: { accountName: "stazdrbackup" },
    });
    const deps: DoctorDeps = {
      ...createDoctorDeps(config, { azure: { httpClient: azure.httpClient, credential: azure.credential } }),
      // The data plane of this account is not simulated: the check under test is the ARM one.
      storeConnection: () => ({ accountName: "stazdrbackup", credential: azure.credential }),
    };
    const { checkStoreImmutability } = await import("../../src/lib/doctor.js");
    const unlocked = await checkStoreImmutability(deps, containers);
    expect(unlocked).toMatchObject({ status: "warn", key: "backupStore.accountName" });
    expect(unlocked.detail).toContain("policy unlocked on");
    expect(unlocked.fix).toContain(
      "az storage container immutability-policy lock -g rg-azdr-dr --account-name stazdrbackup",
    );
    delete azure.state.container(account, "objects")!.immutabilityPolicy;
    expect(await checkStoreImmutability(deps, containers)).toMatchObject({
      status: "fail",
      detail: "no immutability policy on objects",
    });
    for (const name of containers)
      azure.state.container(account, name, true)!.immutabilityPolicy = {
        days: 89,
        state: "Locked",
        etag: '"2"',
      };
    expect(await checkStoreImmutability(deps, containers)).toMatchObject({ status: "ok" });
  });

  it("fails when the app runs in the primary region", async () => {
    platform = await start();
    const deps = createDoctorDeps(platform.config, {
      env: { ...platform.env, REGION_NAME: "Canada East" },
      storeConnection: {
        connectionString: inject("azuriteConnectionString"),
        containerPrefix: platform.storePrefix,
      },
    });
    const region = (await runDoctor(deps)).find((c) => c.check === "app region");
    expect(region).toMatchObject({ status: "fail", key: "regions.primary" });
    expect(region?.fix).toContain("canadacentral");
  });
});
