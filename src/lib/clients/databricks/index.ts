// Typed Databricks clients, one per API area, over one DatabricksClient transport (so they share
// its rate limits, retries and pagination fixes). Callers get them all from the transport the
// SourceContext hands out: `const dbx = databricksApis(ctx.databricks(workspaceId))`.
import type { DatabricksClient } from "../databricks.js";
import { ClustersClient, GlobalInitScriptsClient, InstancePoolsClient, PoliciesClient } from "./compute.js";
import { IpAccessListsClient } from "./ip-access-lists.js";
import { JobsClient } from "./jobs.js";
import { LakeviewClient } from "./lakeview.js";
import { LibrariesClient } from "./libraries.js";
import { MlflowClient } from "./mlflow.js";
import { PipelinesClient } from "./pipelines.js";
import { WorkspaceConfClient } from "./workspace-conf.js";
import { PermissionsClient } from "./permissions.js";
import { ReposClient } from "./repos.js";
import { ScimClient } from "./scim.js";
import { SecretsClient } from "./secrets.js";
import { SqlStatementsClient, WarehousesClient } from "./sql.js";
import { UnityCatalogClient } from "./unity-catalog.js";
import { WorkspaceClient } from "./workspace.js";

export interface DatabricksApis {
  /** The transport underneath (host, request counters). */
  readonly transport: DatabricksClient;
  readonly workspace: WorkspaceClient;
  readonly jobs: JobsClient;
  readonly clusters: ClustersClient;
  readonly policies: PoliciesClient;
  readonly instancePools: InstancePoolsClient;
  readonly globalInitScripts: GlobalInitScriptsClient;
  readonly secrets: SecretsClient;
  readonly permissions: PermissionsClient;
  readonly repos: ReposClient;
  readonly unityCatalog: UnityCatalogClient;
  readonly warehouses: WarehousesClient;
  readonly sql: SqlStatementsClient;
  readonly scim: ScimClient;
  readonly lakeview: LakeviewClient;
  readonly pipelines: PipelinesClient;
  readonly workspaceConf: WorkspaceConfClient;
  readonly libraries: LibrariesClient;
  readonly mlflow: MlflowClient;
  readonly ipAccessLists: IpAccessListsClient;
}

// One set per transport: cheap to ask for again, and no client holds state of its own.
const cache = new WeakMap<DatabricksClient, DatabricksApis>();

export function databricksApis(transport: DatabricksClient): DatabricksApis {
  let apis = cache.get(transport);
  if (!apis) {
    apis = {
      transport,
      workspace: new WorkspaceClient(transport),
      jobs: new JobsClient(transport),
      clusters: new ClustersClient(transport),
      policies: new PoliciesClient(transport),
      instancePools: new InstancePoolsClient(transport),
      globalInitScripts: new GlobalInitScriptsClient(transport),
      secrets: new SecretsClient(transport),
      permissions: new PermissionsClient(transport),
      repos: new ReposClient(transport),
      unityCatalog: new UnityCatalogClient(transport),
      warehouses: new WarehousesClient(transport),
      sql: new SqlStatementsClient(transport),
      scim: new ScimClient(transport),
      lakeview: new LakeviewClient(transport),
      pipelines: new PipelinesClient(transport),
      workspaceConf: new WorkspaceConfClient(transport),
      libraries: new LibrariesClient(transport),
      mlflow: new MlflowClient(transport),
      ipAccessLists: new IpAccessListsClient(transport),
    };
    cache.set(transport, apis);
  }
  return apis;
}

export * from "./common.js";
export * from "./compute.js";
export * from "./ip-access-lists.js";
export * from "./jobs.js";
export * from "./lakeview.js";
export * from "./libraries.js";
export * from "./mlflow.js";
export * from "./pipelines.js";
export * from "./workspace-conf.js";
export * from "./permissions.js";
export * from "./repos.js";
export * from "./scim.js";
export * from "./secrets.js";
export * from "./sql.js";
export * from "./unity-catalog.js";
export * from "./workspace.js";
