// The main job on its embedded default: a narrated DR drill against Azurite and the platform
// simulator, driving the app's own registered functions (timers, HTTP routes, orchestrators,
// activities) in the local host. `npm run demo` runs it; test/e2e runs the same path smaller.
import "../src/host/registry.js"; // capture registrations before any app module loads
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startAzurite, type RunningAzurite } from "../sim/azurite.js";
import { startPlatformSimulator, type PlatformSimulator } from "../sim/index.js";
import { BACKUP_KINDS } from "../src/lib/backup/catalog.js";
import { parseConfig, type PlatformConfig } from "../src/lib/config/index.js";
import { buildDrillReport, drillMarkdown, type DrillReport } from "../src/lib/drill.js";
import { drillFinished } from "../src/lib/notify/events.js";
import type { RestoreReport } from "../src/lib/restore/engine/engine.js";
import { rpoHealthy, rpoStatus, rpoTable } from "../src/lib/rpo.js";
import { REPORTS_CONTAINER } from "../src/lib/store/layout.js";
import { backupTimerName } from "../src/functions/backup-timers.js";
import type { BackupRunOutput } from "../src/orchestrators/backup.js";
import type { RestoreProgress } from "../src/orchestrators/restore.js";
import { startLocalAzdr, type LocalAzdr } from "../src/host/local-azdr.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../src/lib/restore/engine/identity.js";

export interface DemoOptions {
  notebooks?: number;
  directories?: number;
  jobs?: number;
  tables?: number;
  /** Where the drill report files go. */
  outDir?: string;
  write?: (line: string) => void;
}

export interface DemoResult {
  exitCode: number;
  drill?: DrillReport;
  files: string[];
}

const TOKEN_SETTING = "AZDR_DEMO_DATABRICKS_TOKEN";
// Two people, as App Service authentication would name them: the on-call operator requests the
// restores, the DR lead approves them (four eyes). Their "tokens" are demo stand-ins for Entra
// tokens; the local host plays App Service authentication and turns them into principals.
interface DemoPerson {
  id: string;
  name: string;
  roles: string[];
}
const DEMO_OPERATOR: DemoPerson = {
  id: "oid-on-call",
  name: "on-call@contoso.example",
  roles: [RESTORE_ROLES.operator],
};
const DEMO_APPROVER: DemoPerson = {
  id: "oid-dr-lead",
  name: "dr-lead@contoso.example",
  roles: [RESTORE_ROLES.approver],
};
const DEMO_TOKENS: Record<string, DemoPerson> = {
  "Bearer demo-operator-token": DEMO_OPERATOR,
  "Bearer demo-approver-token": DEMO_APPROVER,
};
const demoEasyAuth = (authorization: string | undefined) => {
  const who = authorization ? DEMO_TOKENS[authorization] : undefined;
  return who ? encodeClientPrincipal(who) : undefined;
};

function demoConfig(sim: PlatformSimulator): PlatformConfig {
  const azure = sim.azure!;
  const primary = sim.metastore("uc-primary");
  const dr = sim.metastore("uc-dr");
  return parseConfig({
    env: "prod",
    project: "azdr",
    subscriptionId: azure.subscriptionId,
    naming: {
      aiPlatformResourceGroup: "rg-{project}-{env}",
      sharedResourceGroup: "rg-{project}-{env}",
      mlWorkspace: "mlw-{project}-{env}",
      foundryHub: "hub-{project}-{env}",
      keyVault: "kv-{project}-{env}",
    },
    databricks: {
      workspaces: [
        {
          id: "primary",
          url: sim.urls["primary"],
          role: "primary",
          region: "canadaeast",
          auth: { type: "pat", tokenSetting: TOKEN_SETTING },
        },
        {
          id: "dr",
          url: sim.urls["dr"],
          role: "secondary",
          region: "canadacentral",
          auth: { type: "pat", tokenSetting: TOKEN_SETTING },
        },
      ],
    },
    unityCatalog: {
      metastores: [
        { id: "primary-metastore", workspace: "primary", role: "primary", metastoreId: primary.id },
        { id: "dr-metastore", workspace: "dr", role: "secondary", metastoreId: dr.id },
      ],
    },
    azureMl: { workspaces: [{ id: "mlw-main" }] },
    foundry: { hubs: [{ id: "hub-main" }] },
    keyVaults: [{ id: "kv-main" }],
    storageAccounts: [
      { id: "st-ml", name: "stazdrmlprod" },
      { id: "st-lake", name: "stazdrlakeprod" },
    ],
    // The simulator is ours: use its whole published rate (scheduled backups in Azure default to half).
    limits: { databricksRateShare: 1, maxConcurrentRequests: 16 },
  });
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 300_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const outDir = options.outDir ?? path.resolve(".azdr", "demo");
  const files: string[] = [];
  const drillStarted = new Date();
  let azurite: RunningAzurite | undefined;
  let sim: PlatformSimulator | undefined;
  let azdr: LocalAzdr | undefined;
  const failures: string[] = [];
  try {
    write("azdr DR drill on an embedded platform (Azurite + simulator, no Azure account)\n");
    write("[1/4] Starting the platform");
    azurite = await startAzurite();
    sim = await startPlatformSimulator({
      workspaces: [
        {
          name: "primary",
          metastore: "uc-primary",
          seed: {
            notebooks: options.notebooks ?? 300,
            directories: options.directories ?? 30,
            files: 12,
            jobs: options.jobs ?? 24,
            clusters: 4,
            policies: 3,
            pools: 2,
            secretScopes: 2,
            repos: 2,
            initScripts: 1,
            // One of each platform object 7.3 restores besides notebooks and jobs (issue 15).
            warehouses: 1,
            dashboards: 1,
            pipelines: 1,
            experiments: 1,
            clusterLibraries: true,
            workspaceConf: true,
          },
        },
        { name: "dr", metastore: "uc-dr", seed: false },
      ],
      metastores: [
        // External tables: their data lives in (geo-replicated) storage and survives the metastore.
        // Managed tables would be listed as follow-ups needing a data restore (runbook 7.6).
        {
          name: "uc-primary",
          region: "canadaeast",
          seed: {
            catalogs: 3,
            schemasPerCatalog: 3,
            tables: options.tables ?? 48,
            viewShare: 0.15,
            externalShare: 0.85,
            volumes: 4,
            functions: 3,
          },
        },
        { name: "uc-dr", region: "canadacentral", seed: false },
      ],
      latencyMs: 5,
      azure: true,
    });
    // The awkward parts of a real metastore: a catalog reachable only from the primary workspace
    // (ISOLATED, bound to it: it must come back ISOLATED, bound to the DR workspace) and an
    // external CSV table (the Tables API registers only Delta: it comes back through SQL).
    const ucPrimary = sim.metastore("uc-primary");
    ucPrimary.isolateCatalog("catalog_2", sim.workspace("primary").workspaceId);
    ucPrimary.createTable({
      catalog_name: "main",
      schema_name: "default",
      name: "landing_events_csv",
      table_type: "EXTERNAL",
      data_source_format: "CSV",
      storage_location: "abfss://external@stprimarydata.dfs.core.windows.net/landing/events",
      columns: [
        { name: "event_id", type_text: "bigint", type_name: "LONG", position: 0, nullable: false },
        { name: "payload", type_text: "string", type_name: "STRING", position: 1, nullable: true },
      ],
      comment: "raw CSV drops from the event hub capture",
      owner: "data-platform",
    });
    const config = demoConfig(sim);
    const azure = sim.azure!;
    azdr = await startLocalAzdr({
      config,
      timers: "real",
      easyAuth: demoEasyAuth,
      runtime: {
        env: { [TOKEN_SETTING]: sim.token },
        storeConnection: { connectionString: azurite.connectionString },
        azure: {
          httpClient: azure.httpClient,
          storageHttpClient: azure.storageHttpClient,
          credential: azure.credential,
        },
        log: {
          info: () => undefined,
          warn: (m) => write(`      warn: ${m}`),
          error: (m) => write(`      error: ${m}`),
        },
      },
    });
    const seed = sim.seeds.workspaces["primary"]!;
    const uc = sim.seeds.metastores["uc-primary"]!;
    write(
      `      workspace "primary" (${sim.urls["primary"]}): ${seed.notebookPaths.length} notebooks in ${seed.directoryPaths.length} folders, ${seed.jobIds.length} jobs, ${seed.policyIds.length} policies`,
    );
    write(
      `      and ${seed.warehouseIds.length} SQL warehouse, ${seed.dashboardIds.length} published AI/BI dashboard, ${seed.pipelineIds.length} pipeline, ${seed.experimentIds.length} MLflow experiment, libraries on ${seed.libraryClusterIds.length} clusters, non-default workspace settings`,
    );
    write(
      `      metastore "uc-primary": ${uc.catalogs.length} catalogs (catalog_2 ISOLATED to this workspace), ${uc.schemas.length} schemas, ${uc.tables.length + uc.views.length + 1} tables and views (one external CSV table), with grants`,
    );
    write(
      `      Azure ML workspace mlw-azdr-prod with ${azure.seed?.counts.modelVersions ?? 0} model versions; Key Vault kv-azdr-prod`,
    );
    write(
      `      azdr's own functions run in-process: ${azdr.registry.all().length} registrations (timers, HTTP routes, queue, orchestrators, activities)\n`,
    );

    // ---- 1. scheduled backups ----------------------------------------------------------------
    write("[2/4] The scheduled backups run (each timer fires once)");
    const { app, host, runtime } = azdr;
    for (const info of Object.values(BACKUP_KINDS)) {
      if (!info.source || info.sources(config).length === 0) continue;
      const before = new Set((await host.listInstances()).map((i) => i.instanceId));
      const started = Date.now();
      await app.invokeTimer(backupTimerName(info.kind));
      const instance = (await host.listInstances()).find(
        (i) =>
          !before.has(i.instanceId) &&
          i.instanceId.startsWith(`backup-${info.kind}-`) &&
          !i.instanceId.includes(":"),
      );
      if (!instance) {
        failures.push(`the ${info.kind} timer started nothing`);
        continue;
      }
      const done = await host.waitForCompletion(instance.instanceId, { timeoutMs: 300_000 });
      const output = done.output as BackupRunOutput | undefined;
      const summary = (output?.sources ?? [])
        .map((s) => `${s.sourceId}: ${s.objects} objects, ${s.exported} exported, ${s.skipped} skipped`)
        .join("; ");
      write(
        `      ${info.kind.padEnd(22)} ${String(output?.phase ?? done.runtimeStatus).padEnd(15)} ${((Date.now() - started) / 1000).toFixed(1)} s  ${summary}`,
      );
      if (output?.phase !== "Completed")
        failures.push(`backup ${info.kind} ended ${output?.phase ?? done.runtimeStatus}`);
    }
    const rpo = await rpoStatus(runtime, new Date());
    write("\n      RPO status against the runbook's table:");
    for (const line of rpoTable(rpo).split("\n")) write(`      ${line}`);
    if (!rpoHealthy(rpo)) failures.push("not every component was within its RPO after the backups");

    // ---- 2. the disaster ------------------------------------------------------------------
    write("\n[3/4] Disaster: the primary workspace and its Unity Catalog metastore are deleted");
    await sim.disasters.deleteWorkspace("primary");
    sim.disasters.deleteMetastore("uc-primary");
    const disaster = [
      `Databricks workspace "primary" deleted (${sim.urls["primary"]} refuses connections)`,
      `Unity Catalog metastore "uc-primary" deleted with every catalog, schema, table and grant`,
    ];
    for (const line of disaster) write(`      ${line}`);
    const declaredAt = new Date();

    // ---- 3. recovery through the runbook links -------------------------------------------
    write(
      "\n[4/4] Recovery through the runbook HTTP links (7.4 Unity Catalog, 7.3 workspace) into the DR region",
    );
    const requests = [
      {
        scenario: "unity-catalog",
        body: { source: "primary-metastore", target: "dr-metastore", mode: "apply" },
      },
      {
        scenario: "workspace",
        body: { source: "primary", target: "dr", mode: "apply" },
      },
    ];
    const links: { scenario: string; statusUri: string; approveUri: string; id: string }[] = [];
    for (const { scenario, body } of requests) {
      const response = await fetch(`${app.origin}/api/restore/${scenario}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer demo-operator-token" },
        body: JSON.stringify(body),
      });
      const json = (await response.json()) as {
        id: string;
        statusUri: string;
        approveUri: string;
        problems?: unknown;
      };
      if (response.status !== 202)
        throw new Error(`POST /api/restore/${scenario} answered ${response.status}: ${JSON.stringify(json)}`);
      write(`      POST /api/restore/${scenario} → 202, status ${json.statusUri.replace(app.origin, "")}`);
      links.push({ scenario, statusUri: json.statusUri, approveUri: json.approveUri, id: json.id });
    }
    const status = async (uri: string) =>
      (await (await fetch(uri, { headers: { authorization: "Bearer demo-operator-token" } })).json()) as {
        runtimeStatus: string;
        progress?: RestoreProgress;
        output?: RestoreReport;
      };
    for (const link of links) {
      const waiting = await waitFor(`${link.scenario} plan`, async () => {
        const s = await status(link.statusUri);
        if (["Completed", "Failed", "Terminated"].includes(s.runtimeStatus))
          throw new Error(
            `${link.scenario} ended before approval: ${JSON.stringify(s.output?.reasons ?? s.output)}`,
          );
        return s.progress?.phase === "awaiting-approval" ? s.progress : undefined;
      });
      const counts = waiting.counts!;
      write(
        `      plan ${link.scenario}: ${counts.create} to create, ${counts.update} to update, ${counts.skip} to skip, ${counts.conflict} conflicts, ${counts.unsupported} not restorable (${waiting.planPath})`,
      );
      for (const d of waiting.destructive ?? []) write(`        attention: ${d}`);
      const approve = await fetch(link.approveUri, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer demo-approver-token" },
        body: JSON.stringify({ comment: "DR drill", planHash: waiting.gate?.planHash }),
      });
      if (approve.status !== 200)
        throw new Error(`approval of ${link.scenario} answered ${approve.status}: ${await approve.text()}`);
      write(
        `      approved ${link.scenario} as ${DEMO_APPROVER.name} (requested by ${DEMO_OPERATOR.name}; plan ${waiting.gate?.planHash.slice(0, 12)}…)`,
      );
    }
    const reports: { report: RestoreReport; declaredAt: Date }[] = [];
    const lastLine = new Map<string, string>();
    await waitFor("the restores", async () => {
      let running = 0;
      for (const link of links) {
        const s = await status(link.statusUri);
        if (s.runtimeStatus === "Completed" || s.runtimeStatus === "Failed") {
          if (!reports.some((r) => r.report.instanceId === link.id)) {
            if (!s.output) throw new Error(`${link.scenario} ${s.runtimeStatus} without a report`);
            reports.push({ report: s.output, declaredAt });
            write(`      ${link.scenario}: ${s.output.phase} in ${s.output.durationSeconds} s`);
          }
          continue;
        }
        running++;
        const p = s.progress;
        const line =
          p?.phase === "executing" ? `${p.stepTitle} ${p.done}/${p.total}` : (p?.phase ?? "starting");
        if (lastLine.get(link.scenario) !== line) {
          lastLine.set(link.scenario, line);
          write(`      ${link.scenario}: ${line}`);
        }
      }
      return running === 0 ? true : undefined;
    });

    // ---- 4. validation and the drill report ------------------------------------------------
    const drill = buildDrillReport({
      config,
      drillId: `drill-${declaredAt.toISOString().replace(/[-:.]/g, "")}`,
      startedAt: drillStarted,
      endedAt: new Date(),
      disaster,
      rpo,
      restores: reports,
    });
    write("\n      Validation (runbook 8.3) and recovery time against the runbook's RTO:");
    for (const c of drill.components) {
      write(
        `      ${c.label.padEnd(24)} ${c.phase.padEnd(15)} recovered in ${c.measuredSeconds} s (RTO ${c.rtoSeconds / 3600} h) ${c.withinRto ? "within RTO" : "OVER RTO"}, validation ${c.validationOk ? "OK" : "DIFFERENCES"}`,
      );
    }
    for (const v of drill.validation)
      for (const check of v.checks.filter((c) => !c.ok))
        write(`        ${v.component}: ${check.name} expected ${check.expected}, found ${check.actual}`);
    const markdown = drillMarkdown(drill);
    await runtime.store.blobs.put(
      REPORTS_CONTAINER,
      `drills/${drill.drillId}.json`,
      JSON.stringify(drill, null, 2),
    );
    await runtime.store.blobs.put(REPORTS_CONTAINER, `drills/${drill.drillId}.md`, markdown);
    await runtime.notifier.notify(drillFinished(drill));
    await mkdir(outDir, { recursive: true });
    const drillJson = path.join(outDir, "drill-report.json");
    const drillMd = path.join(outDir, "drill-report.md");
    await writeFile(drillJson, JSON.stringify(drill, null, 2));
    await writeFile(drillMd, markdown);
    files.push(drillMd, drillJson);
    for (const { report } of reports) {
      const body = await runtime.store.blobs.get(REPORTS_CONTAINER, report.reportMarkdownPath);
      if (!body) continue;
      const file = path.join(outDir, `restore-${report.scenario}.md`);
      await writeFile(file, body);
      files.push(file);
    }
    write("\n      Reports:");
    for (const file of files) write(`        ${path.relative(process.cwd(), file)}`);
    write(
      `        (also in the backup store: ${REPORTS_CONTAINER}/drills/${drill.drillId}.md and ${REPORTS_CONTAINER}/reports/)`,
    );
    failures.push(...drill.reasons);
    write(
      failures.length
        ? `\nDrill FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`
        : `\nDrill PASSED in ${((Date.now() - drillStarted.getTime()) / 1000).toFixed(0)} s.`,
    );
    return { exitCode: failures.length ? 1 : 0, drill, files };
  } catch (error) {
    write(`\nDrill FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return { exitCode: 1, files };
  } finally {
    await azdr?.close();
    await sim?.close();
    await azurite?.stop();
  }
}
