// Deterministic seed generator: a realistic workspace (notebooks in nested directories with
// unicode and spaces, files, clusters, policies, pools, multi-task jobs that reference them and
// each other, secret scopes with a canary value, repos, init scripts, permissions) and a
// Unity Catalog metastore (catalogs, schemas, managed/external tables with Delta history, views,
// volumes, functions, storage credentials, external locations, connections, grants, owners).
// Writes straight into the state Maps: 10,000 notebooks + 1,000 jobs + 10,000 tables in well
// under a second.
import { createCluster, createInitScript, createPolicy, createPool } from "./compute.js";
import { createJob } from "./jobs.js";
import type { Metastore } from "./metastore.js";
import { createRepo } from "./repos.js";
import { createScope } from "./secrets.js";
import type { Json, WorkspaceState } from "./state.js";
import { prng } from "./util.js";
import { type Language, notebookSource } from "./workspace-tree.js";

/** The secret value seeded in every scope: tests assert it never appears anywhere azdr writes. */
export const CANARY_SECRET = "azdr-canary-NEVER-EXPORT-3f9c1e";

export interface WorkspaceSeedOptions {
  seed?: number;
  notebooks?: number;
  directories?: number;
  /** Plain FILE objects (in addition to notebooks). */
  files?: number;
  jobs?: number;
  /** Tasks per job are 1..maxTasksPerJob. */
  maxTasksPerJob?: number;
  /** Add one job with 130 tasks (exercises 2.2 task paging). */
  bigJob?: boolean;
  clusters?: number;
  policies?: number;
  pools?: number;
  secretScopes?: number;
  secretsPerScope?: number;
  repos?: number;
  initScripts?: number;
  /** Notebooks over the 10 MB export limit (declared size only). */
  oversizedNotebooks?: number;
  users?: string[];
  canary?: string;
  /** SQL warehouses besides the starter warehouse every workspace has (default 1). */
  warehouses?: number;
  /** AI/BI dashboards, the first one published on the first seeded warehouse (default 1). */
  dashboards?: number;
  /** Lakeflow declarative pipelines (default 1). */
  pipelines?: number;
  /** MLflow experiments with tags (default 1). */
  experiments?: number;
  /** Install libraries on the first running and the first terminated cluster (default true). */
  clusterLibraries?: boolean;
  /** Workspace settings changed from their defaults (default true). */
  workspaceConf?: boolean;
  /** An IP access list ("Corp VPN", ALLOW), with enableIpAccessLists left off (default true). */
  ipAccessLists?: boolean;
}

export interface WorkspaceSeedResult {
  notebookPaths: string[];
  directoryPaths: string[];
  filePaths: string[];
  jobIds: number[];
  bigJobId?: number;
  clusterIds: string[];
  policyIds: string[];
  poolIds: string[];
  scopes: string[];
  repoIds: number[];
  oversizedPaths: string[];
  warehouseIds: string[];
  dashboardIds: string[];
  pipelineIds: string[];
  experimentIds: string[];
  /** Clusters the seed installed libraries on. */
  libraryClusterIds: string[];
}

const LANGUAGES: Language[] = ["PYTHON", "SQL", "SCALA", "R"];
const WORDS = [
  "etl",
  "Daten Qualität",
  "ingest",
  "modèle",
  "報告",
  "feature store",
  "bronze",
  "silver",
  "gold",
  "ανάλυση",
  "ml ops",
  "reporting",
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

export function seedWorkspace(
  state: WorkspaceState,
  options: WorkspaceSeedOptions = {},
): WorkspaceSeedResult {
  const rand = prng(options.seed ?? 42);
  const users = options.users ?? ["alice@example.com", "bob@example.com", "carol.o'neil@example.com"];
  const canary = options.canary ?? CANARY_SECRET;
  const result: WorkspaceSeedResult = {
    notebookPaths: [],
    directoryPaths: [],
    filePaths: [],
    jobIds: [],
    clusterIds: [],
    policyIds: [],
    poolIds: [],
    scopes: [],
    repoIds: [],
    oversizedPaths: [],
    warehouseIds: [],
    dashboardIds: [],
    pipelineIds: [],
    experimentIds: [],
    libraryClusterIds: [],
  };
  const tree = state.tree;
  const now = state.clock();

  // Directories: a mix of per-user and shared folders, some nested, with unicode and spaces.
  const dirCount = options.directories ?? 10;
  const roots = [...users.map((u) => `/Users/${u}`), "/Shared"];
  for (let i = 0; i < dirCount; i++) {
    const parent =
      i > roots.length && rand() < 0.4 ? pick(rand, result.directoryPaths) : roots[i % roots.length]!;
    const path = `${parent}/${pick(rand, WORDS)} ${i}`;
    tree.mkdirs(path);
    result.directoryPaths.push(path);
  }
  const dirs = result.directoryPaths.length ? result.directoryPaths : roots;
  for (const r of roots) tree.mkdirs(r);

  const notebooks = options.notebooks ?? 50;
  for (let i = 0; i < notebooks; i++) {
    const language = LANGUAGES[i % LANGUAGES.length]!;
    const dir = dirs[i % dirs.length]!;
    const path = `${dir}/${pick(rand, WORDS)} notebook ${i}`;
    const body = language === "SQL" ? `SELECT ${i} AS n` : language === "SCALA" ? `val n = ${i}` : `n = ${i}`;
    tree.put({
      path,
      object_type: "NOTEBOOK",
      language,
      content: Buffer.from(
        notebookSource(language, [
          body,
          `${language === "SQL" ? "--" : language === "SCALA" ? "//" : "#"} cell 2 of ${path}`,
        ]),
      ),
      created_at: now - 30 * 86_400_000 + i,
      modified_at: now - Math.floor(rand() * 30 * 86_400_000),
    });
    result.notebookPaths.push(path);
  }
  for (let i = 0; i < (options.files ?? Math.ceil(notebooks / 10)); i++) {
    const path = `${dirs[i % dirs.length]!}/data file ${i}.${pick(rand, ["csv", "json", "txt", "yaml"])}`;
    tree.put({ path, object_type: "FILE", content: Buffer.from(`id,value\n${i},${rand()}\n`) });
    result.filePaths.push(path);
  }
  for (let i = 0; i < (options.oversizedNotebooks ?? 0); i++) {
    const path = `/Shared/huge notebook ${i}`;
    tree.put({
      path,
      object_type: "NOTEBOOK",
      language: "PYTHON",
      content: Buffer.from("# Databricks notebook source\n"),
      declaredSize: 11 * 1024 * 1024,
    });
    result.oversizedPaths.push(path);
  }

  // Compute.
  for (let i = 0; i < (options.policies ?? 3); i++) {
    const p = createPolicy(state, {
      name: `policy ${i} ${pick(rand, ["small", "ml", "sql"])}`,
      definition: JSON.stringify({
        spark_version: { type: "unlimited", defaultValue: "15.4.x-scala2.12" },
        autotermination_minutes: { type: "fixed", value: 60 },
      }),
      description: `Seeded policy ${i}`,
      max_clusters_per_user: 5,
    });
    result.policyIds.push(p.policy_id as string);
  }
  for (let i = 0; i < (options.pools ?? 2); i++) {
    const p = createPool(state, {
      instance_pool_name: `pool-${i}`,
      node_type_id: pick(rand, ["Standard_DS3_v2", "Standard_E8ds_v5"]),
      max_capacity: 20,
      azure_attributes: { availability: "ON_DEMAND_AZURE" },
      custom_tags: { team: pick(rand, ["data", "ml"]) },
    });
    result.poolIds.push(p.instance_pool_id as string);
  }
  for (let i = 0; i < (options.clusters ?? 5); i++) {
    const spec: Json = {
      cluster_name: `cluster ${i}`,
      spark_version: "15.4.x-scala2.12",
      num_workers: 1 + (i % 4),
      autotermination_minutes: 60,
      custom_tags: { owner: users[i % users.length]! },
      spark_conf: { "spark.databricks.delta.preview.enabled": "true" },
      data_security_mode: "USER_ISOLATION",
    };
    if (result.poolIds.length && i % 2 === 0)
      spec.instance_pool_id = result.poolIds[i % result.poolIds.length];
    else spec.node_type_id = "Standard_DS3_v2";
    if (result.policyIds.length && i % 3 === 0)
      spec.policy_id = result.policyIds[i % result.policyIds.length];
    const c = createCluster(state, spec, i % 3 === 2 ? "TERMINATED" : "RUNNING");
    result.clusterIds.push(c.cluster_id as string);
  }

  // Jobs: multi-task, with job clusters, existing clusters and run_job_task links to older jobs.
  const strict = { strictReferences: true };
  const jobCount = options.jobs ?? 10;
  const maxTasks = options.maxTasksPerJob ?? 5;
  const notebookPaths = result.notebookPaths.length ? result.notebookPaths : ["/Shared/missing"];
  for (let j = 0; j < jobCount; j++) {
    const taskCount = 1 + Math.floor(rand() * maxTasks);
    const tasks: Json[] = [];
    for (let t = 0; t < taskCount; t++) {
      const task: Json = {
        task_key: `task_${t}`,
        notebook_task: {
          notebook_path: notebookPaths[(j * 7 + t) % notebookPaths.length]!,
          source: "WORKSPACE",
        },
      };
      if (t > 0) task.depends_on = [{ task_key: `task_${Math.floor(rand() * t)}` }];
      if (t % 2 === 0 || result.clusterIds.length === 0) task.job_cluster_key = "main";
      else task.existing_cluster_id = pick(rand, result.clusterIds);
      tasks.push(task);
    }
    if (result.jobIds.length > 0 && rand() < 0.2) {
      delete tasks[tasks.length - 1]!.notebook_task;
      delete tasks[tasks.length - 1]!.job_cluster_key;
      delete tasks[tasks.length - 1]!.existing_cluster_id;
      tasks[tasks.length - 1]!.run_job_task = { job_id: pick(rand, result.jobIds) };
    }
    const jobCluster: Json = {
      spark_version: "15.4.x-scala2.12",
      num_workers: 2,
      node_type_id: "Standard_DS3_v2",
    };
    if (result.policyIds.length && j % 4 === 0) jobCluster.policy_id = pick(rand, result.policyIds);
    if (result.poolIds.length && j % 5 === 0) {
      delete jobCluster.node_type_id;
      jobCluster.instance_pool_id = pick(rand, result.poolIds);
    }
    const job = createJob(
      state,
      {
        name: `${pick(rand, WORDS)} job ${j}`,
        tags: { team: pick(rand, ["data", "ml", "bi"]), env: "prod" },
        tasks,
        job_clusters: [{ job_cluster_key: "main", new_cluster: jobCluster }],
        schedule: {
          quartz_cron_expression: `0 ${j % 60} ${j % 24} * * ?`,
          timezone_id: "UTC",
          pause_status: j % 3 === 0 ? "PAUSED" : "UNPAUSED",
        },
        max_concurrent_runs: 1,
      },
      strict,
      users[j % users.length],
    );
    result.jobIds.push(job.job_id);
    state.permissions.set(`jobs/${job.job_id}`, [
      { user_name: users[j % users.length]!, permission_level: "IS_OWNER" },
      { group_name: "data-engineers", permission_level: "CAN_MANAGE_RUN" },
    ]);
  }
  if (options.bigJob) {
    const tasks: Json[] = Array.from({ length: 130 }, (_, t) => ({
      task_key: `step_${String(t).padStart(3, "0")}`,
      ...(t > 0 ? { depends_on: [{ task_key: `step_${String(t - 1).padStart(3, "0")}` }] } : {}),
      notebook_task: { notebook_path: notebookPaths[t % notebookPaths.length]! },
      job_cluster_key: "big",
    }));
    const job = createJob(
      state,
      {
        name: "big job with 130 tasks",
        tasks,
        job_clusters: [
          {
            job_cluster_key: "big",
            new_cluster: {
              spark_version: "15.4.x-scala2.12",
              num_workers: 8,
              node_type_id: "Standard_E8ds_v5",
            },
          },
        ],
      },
      strict,
    );
    result.bigJobId = job.job_id;
    result.jobIds.push(job.job_id);
  }

  // Secrets: Databricks-backed scopes hold the canary; one Key Vault-backed scope.
  for (let s = 0; s < (options.secretScopes ?? 2); s++) {
    const name = `scope-${s}`;
    const scope = createScope(state, { scope: name, initialManagePrincipal: "users" });
    for (let k = 0; k < (options.secretsPerScope ?? 3); k++)
      scope.secrets.set(`key-${k}`, {
        value: Buffer.from(`${canary}-${s}-${k}`),
        last_updated_timestamp: now - k * 1000,
      });
    scope.acls.set(users[s % users.length]!, "READ");
    result.scopes.push(name);
  }
  if ((options.secretScopes ?? 2) > 0) {
    createScope(state, {
      scope: "akv-scope",
      backend: "AZURE_KEYVAULT",
      keyvault: {
        resource_id:
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dr/providers/Microsoft.KeyVault/vaults/kv-primary",
        dns_name: "https://kv-primary.vault.azure.net/",
      },
    });
    result.scopes.push("akv-scope");
  }

  for (let r = 0; r < (options.repos ?? 2); r++) {
    const repo = createRepo(state, {
      url: `https://github.com/example/repo-${r}.git`,
      provider: "gitHub",
      path: `/Repos/${users[r % users.length]!}/repo-${r}`,
      branch: r % 2 ? "develop" : "main",
    });
    result.repoIds.push(repo.id as number);
  }
  for (let i = 0; i < (options.initScripts ?? 1); i++)
    createInitScript(state, {
      name: `init ${i}`,
      script: Buffer.from(`#!/bin/bash\necho init ${i}\n`).toString("base64"),
      enabled: true,
      position: i,
    });

  seedPlatformObjects(state, options, result, users);

  // Notebook and directory permissions on a sample.
  for (const path of result.directoryPaths.slice(0, 3)) {
    const dir = tree.get(path);
    if (dir)
      state.permissions.set(`directories/${dir.object_id}`, [
        { group_name: "data-engineers", permission_level: "CAN_EDIT" },
      ]);
  }
  for (const path of result.notebookPaths.slice(0, 5)) {
    const nb = tree.get(path);
    if (nb)
      state.permissions.set(`notebooks/${nb.object_id}`, [
        { user_name: users[0]!, permission_level: "CAN_MANAGE" },
      ]);
  }
  for (const path of result.filePaths.slice(0, 2)) {
    const file = tree.get(path);
    if (file)
      state.permissions.set(`files/${file.object_id}`, [
        { group_name: "analysts", permission_level: "CAN_READ" },
      ]);
  }
  for (const id of result.clusterIds.slice(0, 2))
    state.permissions.set(`clusters/${id}`, [
      { group_name: "data-engineers", permission_level: "CAN_RESTART" },
    ]);
  for (const id of result.policyIds)
    state.permissions.set(`cluster-policies/${id}`, [{ group_name: "users", permission_level: "CAN_USE" }]);
  for (const id of result.poolIds)
    state.permissions.set(`instance-pools/${id}`, [
      { group_name: "data-engineers", permission_level: "CAN_ATTACH_TO" },
    ]);
  return result;
}

/** Warehouses, dashboards, pipelines, experiments, cluster libraries and workspace settings. */
function seedPlatformObjects(
  state: WorkspaceState,
  options: WorkspaceSeedOptions,
  result: WorkspaceSeedResult,
  users: string[],
): void {
  for (let i = 0; i < (options.warehouses ?? 1); i++) {
    const w = state.sqlWarehouses.create({
      name: `bi warehouse ${i}`,
      cluster_size: "Medium",
      warehouse_type: "PRO",
      enable_photon: true,
      min_num_clusters: 1,
      max_num_clusters: 3,
      auto_stop_mins: 30,
      spot_instance_policy: "COST_OPTIMIZED",
      channel: { name: "CHANNEL_NAME_CURRENT" },
      tags: { custom_tags: [{ key: "team", value: "bi" }] },
    });
    result.warehouseIds.push(w.id as string);
    if (i === 0)
      state.permissions.set(`warehouses/${String(w.id)}`, [
        { group_name: "analysts", permission_level: "CAN_USE" },
      ]);
  }
  for (let i = 0; i < (options.dashboards ?? 1); i++) {
    const dashboard = state.lakeview.create({
      display_name: `Sales overview ${i}`,
      parent_path: "/Shared",
      ...(result.warehouseIds[0] ? { warehouse_id: result.warehouseIds[0] } : {}),
      serialized_dashboard: JSON.stringify({
        datasets: [
          {
            name: "sales",
            displayName: "Sales",
            queryLines: ["SELECT region, SUM(amount) AS amount FROM main.sales.orders GROUP BY region"],
          },
        ],
        pages: [{ name: "overview", displayName: "Overview", layout: [] }],
      }),
    });
    if (i === 0 && result.warehouseIds[0]) {
      state.lakeview.publish(dashboard.dashboard_id, { embed_credentials: true });
      // A weekday-morning refresh mailed to one user: restored paused, like jobs.
      const schedule = state.lakeview.createSchedule(dashboard.dashboard_id, {
        display_name: "Weekday 7am",
        cron_schedule: { quartz_cron_expression: "0 0 7 ? * MON-FRI", timezone_id: "Europe/Amsterdam" },
        pause_status: "UNPAUSED",
      });
      state.lakeview.subscribe(dashboard.dashboard_id, schedule.schedule_id, {
        subscriber: { user_subscriber: { user_id: 1000000000000002 } },
      });
    }
    result.dashboardIds.push(dashboard.dashboard_id);
    if (i === 0)
      state.permissions.set(`dashboards/${dashboard.dashboard_id}`, [
        { group_name: "analysts", permission_level: "CAN_RUN" },
      ]);
  }
  for (let i = 0; i < (options.pipelines ?? 1); i++) {
    const pipeline = state.pipelines.create({
      name: `bronze ingest ${i}`,
      catalog: "main",
      schema: `bronze_${i}`,
      continuous: false,
      development: false,
      edition: "ADVANCED",
      channel: "CURRENT",
      photon: true,
      configuration: { "source.path": "abfss://raw@stprimary.dfs.core.windows.net/sales" },
      libraries: [{ notebook: { path: result.notebookPaths[0] ?? "/Shared/ingest" } }],
      clusters: [{ label: "default", num_workers: 1, node_type_id: "Standard_DS3_v2" }],
    });
    result.pipelineIds.push(pipeline.pipeline_id);
    if (i === 0)
      state.permissions.set(`pipelines/${pipeline.pipeline_id}`, [
        { group_name: "data-engineers", permission_level: "CAN_RUN" },
      ]);
  }
  for (let i = 0; i < (options.experiments ?? 1); i++) {
    const experiment = state.mlflow.create({
      name: `/Users/${users[i % users.length]!}/churn model ${i}`,
      tags: [
        { key: "team", value: "ml" },
        { key: "mlflow.note.content", value: "Weekly churn model" },
      ],
    });
    result.experimentIds.push(experiment.experiment_id);
    if (i === 0)
      state.permissions.set(`experiments/${experiment.experiment_id}`, [
        { group_name: "data-engineers", permission_level: "CAN_EDIT" },
      ]);
  }
  if (options.clusterLibraries ?? true) {
    const running = result.clusterIds.find((id) => state.clusters.get(id)?.state === "RUNNING");
    const stopped = result.clusterIds.find((id) => state.clusters.get(id)?.state === "TERMINATED");
    if (running) {
      state.libraries.install(running, [
        { pypi: { package: "great-expectations==0.18.12" } },
        { maven: { coordinates: "com.microsoft.azure:azure-eventhubs-spark_2.12:2.3.22" } },
      ]);
      result.libraryClusterIds.push(running);
    }
    if (stopped) {
      state.libraries.install(stopped, [{ whl: "/Workspace/Shared/libs/utils-1.0-py3-none-any.whl" }]);
      result.libraryClusterIds.push(stopped);
    }
  }
  // An allow list, inert: the seed keeps enableIpAccessLists off (a restore never turns it on).
  if (options.ipAccessLists ?? true)
    state.ipAccessLists.create({ label: "Corp VPN", list_type: "ALLOW", ip_addresses: ["10.0.0.0/8"] });
  if (options.workspaceConf ?? true)
    state.workspaceConf.set({
      maxTokenLifetimeDays: "90",
      enableResultsDownloading: "false",
      enableVerboseAuditLogs: "true",
      enableWebTerminal: "true",
    });
}

export interface MetastoreSeedOptions {
  seed?: number;
  catalogs?: number;
  schemasPerCatalog?: number;
  tables?: number;
  /** Share of tables that are views / external tables (0..1). */
  viewShare?: number;
  externalShare?: number;
  volumes?: number;
  functions?: number;
  /** Storage account for external locations, e.g. "stprimarydata". */
  storageAccount?: string;
  accessConnectorId?: string;
}

export interface MetastoreSeedResult {
  catalogs: string[];
  schemas: string[];
  tables: string[];
  views: string[];
  externalTables: string[];
  volumes: string[];
  functions: string[];
  storageCredentials: string[];
  serviceCredentials: string[];
  externalLocations: string[];
  connections: string[];
}

export function seedMetastore(m: Metastore, options: MetastoreSeedOptions = {}): MetastoreSeedResult {
  const rand = prng(options.seed ?? 7);
  const account = options.storageAccount ?? "stprimarydata";
  const result: MetastoreSeedResult = {
    catalogs: [],
    schemas: [],
    tables: [],
    views: [],
    externalTables: [],
    volumes: [],
    functions: [],
    storageCredentials: [],
    serviceCredentials: [],
    externalLocations: [],
    connections: [],
  };
  const connector =
    options.accessConnectorId ??
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Databricks/accessConnectors/ac-primary";
  m.createStorageCredential({
    name: "primary-mi",
    azure_managed_identity: { access_connector_id: connector },
    comment: "Access connector MI",
  });
  result.storageCredentials.push("primary-mi");
  // A service credential (Credentials API, purpose SERVICE): jobs reach Key Vault through it.
  m.createServiceCredential({
    name: "svc-keyvault",
    azure_managed_identity: { access_connector_id: connector },
    comment: "Key Vault access for jobs",
  });
  result.serviceCredentials.push("svc-keyvault");
  for (const [i, container] of ["landing", "external", "volumes"].entries()) {
    const name = `loc-${container}`;
    m.createExternalLocation({
      name,
      url: `abfss://${container}@${account}.dfs.core.windows.net/`,
      credential_name: "primary-mi",
      comment: `external location ${i}`,
    });
    result.externalLocations.push(name);
  }
  m.createConnection({
    name: "sqlserver-erp",
    connection_type: "SQLSERVER",
    options: { host: "erp.database.windows.net", port: "1433", user: "reader", password: "do-not-return" },
  });
  result.connections.push("sqlserver-erp");

  const catalogCount = options.catalogs ?? 3;
  const schemasPer = options.schemasPerCatalog ?? 3;
  for (let c = 0; c < catalogCount; c++) {
    const name = c === 0 ? "main" : `catalog_${c}`;
    m.createCatalog({
      name,
      comment: `Seeded catalog ${c}`,
      owner: "data-platform",
      storage_root: `abfss://managed@${account}.dfs.core.windows.net/${name}`,
    });
    result.catalogs.push(name);
    m.grant("catalog", name, "data-engineers", ["USE_CATALOG", "CREATE_SCHEMA"]);
    m.grant("catalog", name, "analysts", ["USE_CATALOG", "BROWSE"]);
    for (let s = 0; s < schemasPer; s++) {
      const schema = s === 0 ? "default" : `schema_${s}`;
      m.createSchema({
        catalog_name: name,
        name: schema,
        owner: "data-platform",
        comment: `Seeded schema ${s}`,
      });
      result.schemas.push(`${name}.${schema}`);
      m.grant("schema", `${name}.${schema}`, "analysts", ["USE_SCHEMA", "SELECT"]);
    }
  }
  const schemas = result.schemas;
  const tables = options.tables ?? 20;
  const viewShare = options.viewShare ?? 0.1;
  const externalShare = options.externalShare ?? 0.2;
  const columns = [
    { name: "id", type_text: "bigint", type_name: "LONG", position: 0, nullable: false },
    { name: "name", type_text: "string", type_name: "STRING", position: 1, nullable: true },
    { name: "updated_at", type_text: "timestamp", type_name: "TIMESTAMP", position: 2, nullable: true },
  ];
  for (let t = 0; t < tables && schemas.length > 0; t++) {
    const full = schemas[t % schemas.length]!;
    const [catalog_name, schema_name] = full.split(".");
    const r = rand();
    const name = `table_${t}`;
    if (r < viewShare && result.tables.length > 0) {
      const base = pick(rand, result.tables);
      m.createTable({
        catalog_name,
        schema_name,
        name: `view_${t}`,
        table_type: "VIEW",
        view_definition: `SELECT id, name FROM ${base} WHERE id > ${t}`,
        columns: columns.slice(0, 2),
        owner: "analysts",
      });
      result.views.push(`${full}.view_${t}`);
      continue;
    }
    const external = r < viewShare + externalShare;
    const versions = Array.from({ length: 1 + Math.floor(rand() * 4) }, (_, v) => ({
      operation: v === 0 ? "CREATE TABLE AS SELECT" : pick(rand, ["WRITE", "MERGE", "UPDATE", "OPTIMIZE"]),
      rows: 1000 * (t + 1) + v * 100,
    }));
    m.createTable(
      {
        catalog_name,
        schema_name,
        name,
        table_type: external ? "EXTERNAL" : "MANAGED",
        data_source_format: "DELTA",
        columns,
        owner: t % 5 === 0 ? "alice@example.com" : "data-platform",
        ...(external
          ? {
              storage_location: `abfss://external@${account}.dfs.core.windows.net/${catalog_name}/${schema_name}/${name}`,
            }
          : {}),
      },
      { versions },
    );
    result.tables.push(`${full}.${name}`);
    if (external) result.externalTables.push(`${full}.${name}`);
    if (t % 10 === 0) m.grant("table", `${full}.${name}`, "analysts", ["SELECT"]);
  }
  for (let v = 0; v < (options.volumes ?? 3) && schemas.length > 0; v++) {
    const [catalog_name, schema_name] = schemas[v % schemas.length]!.split(".");
    const external = v % 2 === 1;
    const vol = m.createVolume({
      catalog_name,
      schema_name,
      name: `volume_${v}`,
      volume_type: external ? "EXTERNAL" : "MANAGED",
      ...(external
        ? { storage_location: `abfss://volumes@${account}.dfs.core.windows.net/volume_${v}` }
        : {}),
    });
    result.volumes.push(vol.full_name as string);
    m.grant("volume", vol.full_name as string, "data-engineers", ["READ_VOLUME", "WRITE_VOLUME"]);
  }
  for (let f = 0; f < (options.functions ?? 2) && schemas.length > 0; f++) {
    const [catalog_name, schema_name] = schemas[f % schemas.length]!.split(".");
    const fn = m.createFunction({
      catalog_name,
      schema_name,
      name: `mask_${f}`,
      data_type: "STRING",
      full_data_type: "STRING",
      routine_definition: "CASE WHEN is_account_group_member('pii') THEN s ELSE '***' END",
      input_params: {
        parameters: [
          {
            name: "s",
            type_text: "string",
            type_name: "STRING",
            position: 0,
            type_json: '{"name":"s","type":"string","nullable":true,"metadata":{}}',
          },
        ],
      },
    });
    result.functions.push(fn.full_name as string);
    m.grant("function", fn.full_name as string, "analysts", ["EXECUTE"]);
  }
  m.grant("storage_credential", "primary-mi", "data-engineers", ["CREATE_EXTERNAL_LOCATION"]);
  m.grant("credential", "svc-keyvault", "data-engineers", ["ACCESS"]);
  m.grant("external_location", "loc-landing", "data-engineers", ["READ_FILES", "WRITE_FILES"]);
  m.grant("connection", "sqlserver-erp", "analysts", ["USE_CONNECTION"]);
  m.grant("metastore", m.id, "data-platform", ["CREATE_CATALOG", "CREATE_EXTERNAL_LOCATION"]);
  return result;
}
