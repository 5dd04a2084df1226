// The Databricks half of the platform simulator: workspaces (one SimService each) and the
// account-level Unity Catalog metastores they share.
export { DatabricksWorkspaceSim, PUBLISHED_RATE_LIMITS, DEFAULT_UC_OPTIONS } from "./workspace-sim.js";
export type { DatabricksWorkspaceOptions, RateLimits, WorkspaceDeletion } from "./workspace-sim.js";
export { DatabricksAccount, Metastore, PRIVILEGES } from "./metastore.js";
export type {
  DeltaVersion,
  TableRecord,
  DroppedTable,
  SecurableKind,
  MetastoreOptions,
} from "./metastore.js";
export { WorkspaceState } from "./state.js";
export type { JobRecord, SecretScope, SecretValueRead, AccessControlEntry } from "./state.js";
export { WorkspaceTree, MAX_EXPORT_BYTES, notebookSource, objectInfo } from "./workspace-tree.js";
export type { WsObject, ObjectType, Language } from "./workspace-tree.js";
export { seedWorkspace, seedMetastore, CANARY_SECRET } from "./seed.js";
export type {
  WorkspaceSeedOptions,
  WorkspaceSeedResult,
  MetastoreSeedOptions,
  MetastoreSeedResult,
} from "./seed.js";
export type { UnityCatalogOptions } from "./unity-catalog.js";
export { JOB_ARRAY_PAGE } from "./jobs.js";
