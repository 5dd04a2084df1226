// RPO status against the runbook's table, on the simulated platform (Databricks + ARM + Key Vault)
// and Azurite: every row appears with its evidence, the default config is all fresh after one run
// of each timer, and each kind of evidence turns its row stale or partial for its own reason.
import { afterEach, describe, expect, it } from "vitest";
import { BACKUP_KINDS } from "../../src/lib/backup/catalog.js";
import { DEFAULT_RPO } from "../../src/lib/config/schema.js";
import { parseConfig } from "../../src/lib/config/index.js";
import { rpoHealthy, rpoStatus, scheduleWarnings, type RpoRow } from "../../src/lib/rpo.js";
import { createRuntime } from "../../src/lib/runtime.js";
import { backupTimerName } from "../../src/functions/backup-timers.js";
import { LocalApp, type LocalDurableHost } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import { captureLog, startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

const SUBSCRIPTION = "00000000-0000-4000-8000-00000000a2d4"; // the Azure simulator's seeded subscription

let platform: TestPlatform | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
  await platform?.close();
  platform = undefined;
});

/** The whole platform: a workspace and metastore, Azure ML, Foundry, a vault, two geo-redundant accounts. */
function startFullPlatform(): Promise<TestPlatform> {
  return startTestPlatform({
    sim: {
      workspaces: [
        {
          name: "primary",
          metastore: "uc-westeurope",
          seed: { notebooks: 6, directories: 2, jobs: 3, clusters: 1, policies: 1 },
        },
      ],
      metastores: [
        {
          name: "uc-westeurope",
          region: "westeurope",
          seed: { catalogs: 1, schemasPerCatalog: 1, tables: 3 },
        },
      ],
      azure: { seed: { models: 2, versionsPerModel: 1, environments: 1, dataAssets: 1, secrets: 2 } },
    },
    config: {
      env: "prod",
      subscriptionId: SUBSCRIPTION,
      naming: {
        aiPlatformResourceGroup: "rg-{project}-{env}",
        sharedResourceGroup: "rg-{project}-{env}",
        mlWorkspace: "mlw-{project}-{env}",
        foundryHub: "hub-{project}-{env}",
        keyVault: "kv-{project}-{env}",
      },
      azureMl: { workspaces: [{ id: "mlw-main" }] },
      foundry: { hubs: [{ id: "hub-main" }] },
      keyVaults: [{ id: "kv-main" }],
      storageAccounts: [
        { id: "st-ml", name: "stazdrmlprod" },
        { id: "st-lake", name: "stazdrlakeprod" },
      ],
    },
  });
}

async function startApp(): Promise<{ app: LocalApp; host: LocalDurableHost }> {
  const host = await startHost();
  const app = await LocalApp.start({ host });
  close = async () => {
    await app.close();
    await host.shutdown();
  };
  return { app, host };
}

/** Fire every backup timer once and wait for each run, as the scheduler would. */
async function runEveryTimer(app: LocalApp, host: LocalDurableHost): Promise<void> {
  for (const info of Object.values(BACKUP_KINDS)) {
    if (!info.source) continue;
    const before = new Set((await host.listInstances()).map((i) => i.instanceId));
    await app.invokeTimer(backupTimerName(info.kind));
    const started = (await host.listInstances()).find(
      (i) =>
        !before.has(i.instanceId) &&
        i.instanceId.startsWith(`backup-${info.kind}-`) &&
        !i.instanceId.includes(":"),
    );
    expect(started, `the ${info.kind} timer started a backup`).toBeDefined();
    const done = await host.waitForCompletion(started!.instanceId, { timeoutMs: 120_000 });
    expect((done.output as { phase?: string } | undefined)?.phase, info.kind).toBe("Completed");
  }
}

function rowOf(rows: RpoRow[], dataType: string, sourceId?: string): RpoRow {
  const found = rows.find(
    (r) => r.dataType === dataType && (sourceId === undefined || r.sourceId === sourceId),
  );
  if (!found) throw new Error(`no ${dataType}/${sourceId ?? "*"} row in ${JSON.stringify(rows, null, 1)}`);
  return found;
}

/** A row's status and why: its evidence and detail match. */
function expectRow(row: RpoRow, state: RpoRow["state"], why: { evidence?: RegExp; detail?: RegExp }) {
  expect(row.state, `${row.dataType}/${row.sourceId ?? "-"}: ${row.detail ?? ""}`).toBe(state);
  if (why.evidence) expect(row.evidence).toMatch(why.evidence);
  if (why.detail) expect(row.detail).toMatch(why.detail);
}

const summary = (rows: RpoRow[]) =>
  rows.map((r) => `${r.dataType}/${r.sourceId ?? "-"}: ${r.state} ${r.detail ?? ""}`).join("\n");

describe("RPO status: every row of the runbook's table, measured by its own evidence", () => {
  it("default config: all fresh after one run of each timer; replication lag, replication off, soft delete off and age turn rows stale", async () => {
    platform = await startFullPlatform();
    const p = platform;
    const { app, host } = await startApp();
    const viaRoute = async () =>
      (await (await app.invokeHttp("rpoStatusHttp", { method: "GET" })).json()) as {
        healthy: boolean;
        rows: RpoRow[];
      };

    // Before any backup: every runbook row is there; backed-up rows are missing, IaC says why it is unmeasured.
    const before = await viaRoute();
    expect(before.healthy).toBe(false);
    for (const objective of DEFAULT_RPO) rowOf(before.rows, objective.dataType);
    expect(rowOf(before.rows, "infrastructure-as-code")).toMatchObject({
      state: "unmeasured",
      measuredBy: "none",
      detail: "kept in Git; azdr does not measure it",
    });
    expect(rowOf(before.rows, "databricks-jobs", "primary")).toMatchObject({ state: "missing" });
    for (const kind of ["foundry", "key-vault", "storage-protection", "azureml-assets"])
      expect(rowOf(before.rows, kind).state, kind).toBe("missing");

    await runEveryTimer(app, host);

    const rows = await rpoStatus(p.runtime, new Date());
    expect(summary(rows.filter((r) => r.state !== "fresh"))).toBe(
      "infrastructure-as-code/-: unmeasured kept in Git; azdr does not measure it",
    );
    expect(rpoHealthy(rows)).toBe(true);
    // Replication rows: the configured accounts (Application Data) and the datastores' accounts (ML Datasets).
    expect(rowOf(rows, "application-data", "st-ml")).toMatchObject({ measuredBy: "replication" });
    expect(rowOf(rows, "application-data", "st-ml").evidence).toMatch(
      /stazdrmlprod: Standard_RAGRS, geo-replication Live, last sync \d{4}-/,
    );
    expect(rowOf(rows, "ml-datasets", "stazdrlakeprod").evidence).toMatch(
      /Standard_RAGZRS, geo-replication Live.*datastores of mlw-main: curated_lake/,
    );
    expect(rowOf(rows, "ml-datasets", "stazdrmlprod").evidence).toMatch(
      /workspaceblobstore, workspaceartifactstore/,
    );
    expect(rowOf(rows, "key-vault-secrets", "kv-main")).toMatchObject({
      measuredBy: "soft-delete",
      evidence: "kv-azdr-prod: soft delete on (90 days), purge protection on",
    });
    expect(rowOf(rows, "databricks-jobs", "primary")).toMatchObject({
      measuredBy: "snapshot",
      kind: "databricks-config",
    });
    expect(rowOf(rows, "foundry", "hub-main")).toMatchObject({ objectiveHours: 24, state: "fresh" });

    // The route and --json carry the same rows.
    const after = await viaRoute();
    expect(after.healthy).toBe(true);
    expect(after.rows.map((r) => [r.dataType, r.sourceId, r.state, r.measuredBy])).toEqual(
      rows.map((r) => [r.dataType, r.sourceId, r.state, r.measuredBy]),
    );

    // Geo-replication falls 2 hours behind on one account: Application Data (1 h) is stale, ML Datasets (24 h) is not.
    p.sim.azure!.disasters.degradeGeoReplication("stazdrmlprod", { lagMinutes: 120 });
    // The secondary of the lake account becomes unavailable.
    p.sim.azure!.disasters.degradeGeoReplication("stazdrlakeprod", { status: "Unavailable" });
    // Purge protection is turned off on the vault.
    p.sim.azure!.disasters.weakenVault("kv-azdr-prod", { purgeProtection: false });
    const degraded = await rpoStatus(p.runtime, new Date());
    expect(rowOf(degraded, "application-data", "st-ml")).toMatchObject({ state: "stale", ageMinutes: 120 });
    expect(rowOf(degraded, "application-data", "st-ml").detail).toMatch(
      /secondary of stazdrmlprod lags 120 min behind the primary, over the 1 h objective/,
    );
    expect(rowOf(degraded, "ml-datasets", "stazdrmlprod").state).toBe("fresh");
    for (const r of [
      rowOf(degraded, "application-data", "st-lake"),
      rowOf(degraded, "ml-datasets", "stazdrlakeprod"),
    ])
      expectRow(r, "stale", {
        detail: /stazdrlakeprod is Unavailable \(the secondary region is unavailable\)/,
      });
    expectRow(rowOf(degraded, "key-vault-secrets", "kv-main"), "stale", {
      evidence: /^kv-azdr-prod: soft delete on \(90 days\), purge protection OFF$/,
      detail: /purge protection is off.*--enable-purge-protection true/,
    });
    p.sim.azure!.disasters.weakenVault("kv-azdr-prod", { softDelete: false, purgeProtection: true });
    expect(rowOf(await rpoStatus(p.runtime, new Date()), "key-vault-secrets").detail).toMatch(
      /soft delete is off/,
    );
    expect(rpoHealthy(degraded)).toBe(false);

    // An account without geo-redundancy is stale for that reason.
    const zrs = parseConfig({ ...p.config, storageAccounts: [{ id: "st-uc", name: "stazdrucprod" }] });
    const offRows = await rpoStatus({ ...p.runtime, config: zrs }, new Date());
    expectRow(rowOf(offRows, "application-data", "st-uc"), "stale", {
      evidence: /Standard_ZRS, no geo-replication/,
      detail: /no copy outside \w+, so a regional outage loses its data/,
    });

    // Two hours on, the hourly rows are stale by age; the daily ones are not.
    const later = await rpoStatus(p.runtime, new Date(Date.now() + 2 * 3_600_000));
    expectRow(rowOf(later, "databricks-notebooks", "primary"), "stale", {
      detail: /newest good snapshot is 1\d\d min old, over the 1 h objective/,
    });
    expect(rowOf(later, "ml-models", "mlw-main").state).toBe("stale");
    expect(rowOf(later, "unity-catalog-metadata", "primary-metastore").state).toBe("fresh");

    // Nothing configured for a row: unmeasured with the reason, not dropped.
    const bare = parseConfig({
      ...p.config,
      keyVaults: [],
      storageAccounts: [],
      azureMl: { workspaces: [] },
    });
    const bareRows = await rpoStatus({ ...p.runtime, config: bare }, new Date());
    expect(rowOf(bareRows, "key-vault-secrets")).toMatchObject({
      state: "unmeasured",
      detail: "no Key Vault configured (keyVaults)",
    });
    expect(rowOf(bareRows, "ml-datasets").detail).toMatch(/no Azure ML workspace configured/);
    expect(rowOf(bareRows, "ml-models").detail).toMatch(/no source configured in azureMl.workspaces/);
  }, 240_000);

  it("skipped objects and a PartiallyFailed run are partial with what is missing; a shrink is suspect until accepted; a schedule slower than its objective is stale-by-design and a startup warning", async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [
          { name: "primary", seed: { notebooks: 4, directories: 1, jobs: 8, oversizedNotebooks: 1 } },
        ],
        metastores: [],
      },
      config: { unityCatalog: { metastores: [] } },
    });
    const p = platform;
    const host = await startHost();
    close = () => host.shutdown();
    const backup = async (kind: string, slot: string) => {
      const instanceId = `b-${kind}-${slot}`;
      await host.startNew(ORCHESTRATORS.backupRun, {
        instanceId,
        input: { kind, slot, sourceIds: ["primary"] },
      });
      return host.waitForCompletion(instanceId);
    };
    await backup("databricks-notebooks", "20261126t100500z");
    // One job cannot be read (a permanent error): the config snapshot is PartiallyFailed.
    p.sim.faults.add("primary", {
      route: "jobs/get",
      status: 400,
      errorCode: "INVALID_PARAMETER_VALUE",
      times: 1,
    });
    await backup("databricks-config", "20261126t103500z");

    const rows = await rpoStatus(p.runtime, new Date());
    const notebooks = rowOf(rows, "databricks-notebooks", "primary");
    const oversized = p.sim.seeds.workspaces["primary"]!.oversizedPaths[0]!;
    // The oversized notebook is a gap; the Git folders and the AI/BI dashboard are kept by the
    // workspace-config backup.
    expectRow(notebooks, "partial", {
      evidence: /Completed, \d+ objects, 1 skipped, 3 kept by another backup/,
    });
    expect(notebooks.detail).toContain(`1 skipped: ${oversized} (`);
    const jobs = rowOf(rows, "databricks-jobs", "primary");
    expectRow(jobs, "partial", { evidence: /PartiallyFailed/ });
    expect(jobs.detail).toMatch(/1 failed: jobs\/\d+\.json \(.*INVALID_PARAMETER_VALUE/);
    expect(rpoHealthy(rows)).toBe(false);

    // A clean run, then a daily schedule for jobs whose objective is 1 hour.
    await backup("databricks-config", "20261126t113500z");
    expect(rowOf(await rpoStatus(p.runtime, new Date()), "databricks-jobs").state).toBe("fresh");

    // Every job disappears: the shrink guard holds the snapshot back as Suspect, and the row says why.
    p.sim.workspace("primary").state.jobs.clear();
    await backup("databricks-config", "20261126t123500z");
    const ref = "databricks/primary/workspace-config/20261126t123500z";
    expectRow(rowOf(await rpoStatus(p.runtime, new Date()), "databricks-jobs"), "suspect", {
      evidence: /^snapshot 20261126t123500z Suspect, /,
      detail: new RegExp(`Suspect: shrink guard: .*accept it: \`azdr snapshots accept ${ref}\``),
    });
    // The deletion was intended: once accepted, the snapshot is good and the row fresh.
    await p.runtime.store.accept(
      {
        domain: "databricks",
        sourceId: "primary",
        component: "workspace-config",
        snapshotId: "20261126t123500z",
      },
      "alice@contoso.com",
      new Date(),
    );
    expectRow(rowOf(await rpoStatus(p.runtime, new Date()), "databricks-jobs"), "fresh", {
      evidence: /Suspect \(accepted by alice@contoso\.com\)/,
    });
    const daily = parseConfig({
      ...p.config,
      schedules: { ...p.config.schedules, workspaceConfig: "0 30 1 * * *" },
    });
    const byDesign = rowOf(await rpoStatus({ ...p.runtime, config: daily }, new Date()), "databricks-jobs");
    expect(byDesign.state).toBe("stale-by-design");
    expect(byDesign.detail).toMatch(
      /schedules\.workspaceConfig \("0 30 1 \* \* \*"\) runs every 24 h, slower than the 1 h objective.*run it at least every 1 h or raise objectives\.rpo\[3\]\.hours to 24 h/,
    );
    expect(scheduleWarnings(p.config)).toEqual([]);
    expect(scheduleWarnings(daily)).toEqual([`Databricks Jobs: ${byDesign.detail}`]);
    const log = captureLog();
    createRuntime(daily, { env: p.env, log });
    expect(log.lines.join("\n")).toMatch(/^warn config: Databricks Jobs: schedules\.workspaceConfig/m);
  }, 120_000);
});
