// Unity Catalog API (/api/2.1/unity-catalog): securables, grants, workspace bindings and the
// workspace's metastore assignment. Names of schemas, tables, volumes and functions are full
// names (catalog.schema[.object]).
import type { DatabricksClient } from "../databricks.js";
import { Transport, segment, type CallOptions, type Json, type ListOptions, type Open } from "./common.js";

const UC = "/api/2.1/unity-catalog";
/** Securable lists ask this many per page unless told otherwise (the API's common maximum). */
const PAGE = 1000;

export type IsolationMode = "OPEN" | "ISOLATED" | "ISOLATION_MODE_OPEN" | "ISOLATION_MODE_ISOLATED";

interface Owned {
  owner?: string;
  comment?: string;
  metastore_id?: string;
  created_at?: number;
  created_by?: string;
  updated_at?: number;
  updated_by?: string;
}

export type CatalogInfo = Open<
  Owned & {
    name: string;
    full_name?: string;
    catalog_type?: string;
    isolation_mode?: IsolationMode;
    storage_root?: string;
    storage_location?: string;
    properties?: Record<string, string>;
    options?: Record<string, string>;
    connection_name?: string;
    provider_name?: string;
    share_name?: string;
  }
>;

export type SchemaInfo = Open<
  Owned & {
    name: string;
    catalog_name: string;
    full_name?: string;
    storage_root?: string;
    storage_location?: string;
    properties?: Record<string, string>;
  }
>;

export type TableInfo = Open<
  Owned & {
    name: string;
    catalog_name: string;
    schema_name: string;
    full_name?: string;
    /** MANAGED, EXTERNAL, VIEW, MATERIALIZED_VIEW, STREAMING_TABLE, FOREIGN… */
    table_type?: string;
    /** DELTA, CSV, JSON, PARQUET, ORC, AVRO, TEXT… */
    data_source_format?: string;
    columns?: Json[];
    storage_location?: string;
    view_definition?: string;
    properties?: Record<string, string>;
  }
>;

export type VolumeInfo = Open<
  Owned & {
    name: string;
    catalog_name: string;
    schema_name: string;
    full_name?: string;
    volume_type?: "MANAGED" | "EXTERNAL";
    storage_location?: string;
  }
>;

export type FunctionInfo = Open<
  Owned & {
    name: string;
    catalog_name: string;
    schema_name: string;
    full_name?: string;
    routine_body?: string;
    routine_definition?: string;
    data_type?: string;
  }
>;

export type StorageCredentialInfo = Open<
  Owned & {
    name: string;
    azure_managed_identity?: Open<{ access_connector_id: string; managed_identity_id?: string }>;
    azure_service_principal?: Open<{ directory_id: string; application_id: string }>;
    read_only?: boolean;
    isolation_mode?: IsolationMode;
  }
>;

export type ExternalLocationInfo = Open<
  Owned & {
    name: string;
    url: string;
    credential_name: string;
    read_only?: boolean;
    isolation_mode?: IsolationMode;
  }
>;

/** What a credential of the Credentials API is for: external storage, or cloud services through SDKs. */
export type CredentialPurpose = "STORAGE" | "SERVICE";

/**
 * A credential of the Credentials API (/credentials), which lists storage and service credentials
 * alike (names are unique across both); `purpose` tells them apart. An Azure service principal's
 * client secret is accepted on create and never returned.
 */
export type CredentialInfo = Open<
  Owned & {
    name: string;
    full_name?: string;
    id?: string;
    purpose?: CredentialPurpose;
    azure_managed_identity?: Open<{ access_connector_id: string; managed_identity_id?: string }>;
    azure_service_principal?: Open<{ directory_id: string; application_id: string }>;
    /** Storage credentials only. */
    read_only?: boolean;
    isolation_mode?: IsolationMode;
    used_for_managed_storage?: boolean;
  }
>;

/** One file operation of Validate Storage Credential (LIST, READ, WRITE, DELETE, PATH_EXISTS…). */
export type StorageValidationResult = Open<{
  operation?: string;
  result?: "PASS" | "FAIL" | "SKIP";
  message?: string;
}>;
export type StorageValidation = Open<{ isDir?: boolean; results?: StorageValidationResult[] }>;

export type ConnectionInfo = Open<
  Owned & { name: string; connection_type?: string; options?: Record<string, string>; read_only?: boolean }
>;

export type MetastoreInfo = Open<
  Owned & {
    metastore_id: string;
    name: string;
    region?: string;
    storage_root?: string;
    default_data_access_config_id?: string;
  }
>;

export type MetastoreAssignment = Open<{
  workspace_id: number;
  metastore_id: string;
  default_catalog_name?: string;
}>;

/** Securable types of the grants API (lower case, as in its path). */
export type GrantSecurableType =
  | "metastore"
  | "catalog"
  | "schema"
  | "table"
  | "volume"
  | "function"
  | "storage_credential"
  | "external_location"
  | "connection"
  /** Service credentials (ACCESS, CREATE_CONNECTION, MANAGE). */
  | "credential";

export type PrivilegeAssignment = Open<{ principal: string; privileges: string[] }>;
export interface PermissionsChange {
  principal: string;
  add?: string[];
  remove?: string[];
}

/** Securable types of the workspace bindings API. */
export type BindingSecurableType = "catalog" | "external_location" | "storage_credential" | "credential";
export type BindingType = "BINDING_TYPE_READ_WRITE" | "BINDING_TYPE_READ_ONLY" | "BINDING_TYPE_UNSPECIFIED";
export type WorkspaceBinding = Open<{ workspace_id: number; binding_type?: BindingType }>;

type ListScope = ListOptions;
type SchemaScope = ListOptions & { catalogName: string; schemaName: string };

export class UnityCatalogClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "unity-catalog");
  }

  // Catalogs
  listCatalogs(options: ListScope = {}): AsyncIterableIterator<CatalogInfo> {
    return this.list("catalogs", "catalogs", {}, options);
  }
  getCatalog(name: string, options: CallOptions = {}): Promise<CatalogInfo> {
    return this.get("catalogs", name, options);
  }
  createCatalog(body: Json & { name: string }, options: CallOptions = {}): Promise<CatalogInfo> {
    return this.create("catalogs", body, options);
  }
  updateCatalog(name: string, patch: Json, options: CallOptions = {}): Promise<CatalogInfo> {
    return this.update("catalogs", name, patch, options);
  }
  deleteCatalog(name: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.delete("catalogs", name, options);
  }

  // Schemas
  listSchemas(catalogName: string, options: ListScope = {}): AsyncIterableIterator<SchemaInfo> {
    return this.list("schemas", "schemas", { catalog_name: catalogName }, options);
  }
  getSchema(fullName: string, options: CallOptions = {}): Promise<SchemaInfo> {
    return this.get("schemas", fullName, options);
  }
  createSchema(
    body: Json & { name: string; catalog_name: string },
    options: CallOptions = {},
  ): Promise<SchemaInfo> {
    return this.create("schemas", body, options);
  }
  updateSchema(fullName: string, patch: Json, options: CallOptions = {}): Promise<SchemaInfo> {
    return this.update("schemas", fullName, patch, options);
  }
  deleteSchema(fullName: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.delete("schemas", fullName, options);
  }

  // Tables and views
  listTables(scope: SchemaScope): AsyncIterableIterator<TableInfo> {
    return this.list(
      "tables",
      "tables",
      { catalog_name: scope.catalogName, schema_name: scope.schemaName },
      scope,
    );
  }
  getTable(fullName: string, options: CallOptions = {}): Promise<TableInfo> {
    return this.get("tables", fullName, options);
  }
  async tableExists(fullName: string, options: CallOptions = {}): Promise<boolean> {
    const response = await this.http.get<{ table_exists?: boolean }>(
      `${UC}/tables/${segment(fullName)}/exists`,
      {},
      options,
    );
    return response.table_exists === true;
  }
  /** The REST create takes external Delta tables only; other tables and views need SQL. */
  createTable(
    body: Json & { name: string; catalog_name: string; schema_name: string },
    options: CallOptions = {},
  ) {
    return this.create<TableInfo>("tables", body, options);
  }
  /** Only the owner can be changed through REST. */
  updateTable(fullName: string, patch: { owner: string }, options: CallOptions = {}): Promise<void> {
    return this.update<unknown>("tables", fullName, patch, options).then(() => undefined);
  }
  deleteTable(fullName: string, options: CallOptions = {}): Promise<void> {
    return this.delete("tables", fullName, options);
  }

  // Volumes
  listVolumes(scope: SchemaScope): AsyncIterableIterator<VolumeInfo> {
    return this.list(
      "volumes",
      "volumes",
      { catalog_name: scope.catalogName, schema_name: scope.schemaName },
      scope,
    );
  }
  getVolume(fullName: string, options: CallOptions = {}): Promise<VolumeInfo> {
    return this.get("volumes", fullName, options);
  }
  createVolume(
    body: Json & {
      name: string;
      catalog_name: string;
      schema_name: string;
      volume_type: "MANAGED" | "EXTERNAL";
    },
    options: CallOptions = {},
  ): Promise<VolumeInfo> {
    return this.create("volumes", body, options);
  }
  updateVolume(fullName: string, patch: Json, options: CallOptions = {}): Promise<VolumeInfo> {
    return this.update("volumes", fullName, patch, options);
  }
  deleteVolume(fullName: string, options: CallOptions = {}): Promise<void> {
    return this.delete("volumes", fullName, options);
  }

  // Functions
  listFunctions(scope: SchemaScope): AsyncIterableIterator<FunctionInfo> {
    return this.list(
      "functions",
      "functions",
      { catalog_name: scope.catalogName, schema_name: scope.schemaName },
      scope,
    );
  }
  getFunction(fullName: string, options: CallOptions = {}): Promise<FunctionInfo> {
    return this.get("functions", fullName, options);
  }
  /** The API takes the definition wrapped: { function_info: {...} }. */
  createFunction(functionInfo: Json, options: CallOptions = {}): Promise<FunctionInfo> {
    return this.create("functions", { function_info: functionInfo }, options);
  }
  updateFunction(
    fullName: string,
    patch: { owner: string },
    options: CallOptions = {},
  ): Promise<FunctionInfo> {
    return this.update("functions", fullName, patch, options);
  }
  deleteFunction(fullName: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.delete("functions", fullName, options);
  }

  // Storage credentials, external locations, connections (metastore level, by name)
  listStorageCredentials(options: ListScope = {}): AsyncIterableIterator<StorageCredentialInfo> {
    return this.list("storage-credentials", "storage_credentials", {}, options);
  }
  getStorageCredential(name: string, options: CallOptions = {}): Promise<StorageCredentialInfo> {
    return this.get("storage-credentials", name, options);
  }
  createStorageCredential(
    body: Json & { name: string },
    options: CallOptions = {},
  ): Promise<StorageCredentialInfo> {
    return this.create("storage-credentials", body, options);
  }
  updateStorageCredential(
    name: string,
    patch: Json,
    options: CallOptions = {},
  ): Promise<StorageCredentialInfo> {
    return this.update("storage-credentials", name, patch, options);
  }
  deleteStorageCredential(name: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.delete("storage-credentials", name, options);
  }

  listExternalLocations(options: ListScope = {}): AsyncIterableIterator<ExternalLocationInfo> {
    return this.list("external-locations", "external_locations", {}, options);
  }
  getExternalLocation(name: string, options: CallOptions = {}): Promise<ExternalLocationInfo> {
    return this.get("external-locations", name, options);
  }
  createExternalLocation(
    body: Json & { name: string; url: string; credential_name: string },
    options: CallOptions = {},
  ): Promise<ExternalLocationInfo> {
    return this.create("external-locations", body, options);
  }
  updateExternalLocation(
    name: string,
    patch: Json,
    options: CallOptions = {},
  ): Promise<ExternalLocationInfo> {
    return this.update("external-locations", name, patch, options);
  }
  deleteExternalLocation(name: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.delete("external-locations", name, options);
  }
  /**
   * Validate Storage Credential: Unity Catalog reaches the storage at an external location (or url)
   * through the credential and reports each file operation. `read_only` skips the write and delete
   * of a test file. Safe to re-send: it changes nothing when read-only.
   */
  validateStorageCredential(
    body: {
      storage_credential_name: string;
      external_location_name?: string;
      url?: string;
      read_only?: boolean;
    },
    options: CallOptions = {},
  ): Promise<StorageValidation> {
    return this.http.post<StorageValidation>(`${UC}/validate-storage-credentials`, body, {
      ...options,
      idempotent: body.read_only === true,
    });
  }

  // Credentials (storage and service alike; `purpose` filters)
  listCredentials(
    options: ListScope & { purpose?: CredentialPurpose } = {},
  ): AsyncIterableIterator<CredentialInfo> {
    return this.list(
      "credentials",
      "credentials",
      options.purpose ? { purpose: options.purpose } : {},
      options,
    );
  }
  getCredential(name: string, options: CallOptions = {}): Promise<CredentialInfo> {
    return this.get("credentials", name, options);
  }
  createCredential(
    body: Json & { name: string; purpose: CredentialPurpose },
    options: CallOptions = {},
  ): Promise<CredentialInfo> {
    return this.create("credentials", body, options);
  }
  updateCredential(name: string, patch: Json, options: CallOptions = {}): Promise<CredentialInfo> {
    return this.update("credentials", name, patch, options);
  }
  deleteCredential(name: string, options: CallOptions & { force?: boolean } = {}): Promise<void> {
    return this.delete("credentials", name, options);
  }

  listConnections(options: ListScope = {}): AsyncIterableIterator<ConnectionInfo> {
    return this.list("connections", "connections", {}, options);
  }
  getConnection(name: string, options: CallOptions = {}): Promise<ConnectionInfo> {
    return this.get("connections", name, options);
  }
  createConnection(body: Json & { name: string; connection_type: string }, options: CallOptions = {}) {
    return this.create<ConnectionInfo>("connections", body, options);
  }
  updateConnection(name: string, patch: Json, options: CallOptions = {}): Promise<ConnectionInfo> {
    return this.update("connections", name, patch, options);
  }
  deleteConnection(name: string, options: CallOptions = {}): Promise<void> {
    return this.delete("connections", name, options);
  }

  // Grants
  /** Direct privilege assignments on one securable. */
  listGrants(type: GrantSecurableType, fullName: string, options: ListOptions & { principal?: string } = {}) {
    return this.http.paginate<PrivilegeAssignment>(
      `${UC}/permissions/${type}/${segment(fullName)}`,
      "privilege_assignments",
      {
        // 0: the server's page size (the documented recommendation).
        max_results: options.pageSize ?? 0,
        ...(options.principal !== undefined ? { principal: options.principal } : {}),
      },
      options,
    );
  }
  /** Adds and removes privileges; answers the assignments after the change. */
  async updateGrants(
    type: GrantSecurableType,
    fullName: string,
    changes: PermissionsChange[],
    options: CallOptions = {},
  ): Promise<PrivilegeAssignment[]> {
    const response = await this.http.send<{ privilege_assignments?: PrivilegeAssignment[] }>(
      "PATCH",
      `${UC}/permissions/${type}/${segment(fullName)}`,
      { changes },
      options,
    );
    return response.privilege_assignments ?? [];
  }

  // Workspace bindings (for ISOLATED catalogs, external locations, credentials)
  listBindings(type: BindingSecurableType, name: string, options: ListOptions = {}) {
    return this.http.paginate<WorkspaceBinding>(
      `${UC}/bindings/${type}/${segment(name)}`,
      "bindings",
      { max_results: options.pageSize ?? 0 },
      options,
    );
  }
  async updateBindings(
    type: BindingSecurableType,
    name: string,
    change: { add?: WorkspaceBinding[]; remove?: WorkspaceBinding[] },
    options: CallOptions = {},
  ): Promise<WorkspaceBinding[]> {
    const response = await this.http.send<{ bindings?: WorkspaceBinding[] }>(
      "PATCH",
      `${UC}/bindings/${type}/${segment(name)}`,
      change,
      options,
    );
    return response.bindings ?? [];
  }

  // Metastores and the workspace's assignment
  /** NOT_FOUND when the workspace has no metastore. */
  currentMetastoreAssignment(options: CallOptions = {}): Promise<MetastoreAssignment> {
    return this.http.get(`${UC}/current-metastore-assignment`, {}, options);
  }
  metastoreSummary(options: CallOptions = {}): Promise<MetastoreInfo> {
    return this.http.get(`${UC}/metastore_summary`, {}, options);
  }
  async *listMetastores(options: CallOptions = {}): AsyncIterableIterator<MetastoreInfo> {
    const response = await this.http.get<{ metastores?: MetastoreInfo[] }>(`${UC}/metastores`, {}, options);
    yield* response.metastores ?? [];
  }
  getMetastore(id: string, options: CallOptions = {}): Promise<MetastoreInfo> {
    return this.get("metastores", id, options);
  }
  updateMetastore(id: string, patch: Json, options: CallOptions = {}): Promise<MetastoreInfo> {
    return this.update("metastores", id, patch, options);
  }
  async assignMetastore(
    workspaceId: number,
    assignment: { metastore_id: string; default_catalog_name?: string },
    options: CallOptions = {},
  ): Promise<void> {
    await this.http.send("PUT", `${UC}/workspaces/${segment(workspaceId)}/metastore`, assignment, options);
  }

  private list<T>(
    path: string,
    key: string,
    query: Record<string, string>,
    options: ListOptions,
  ): AsyncIterableIterator<T> {
    return this.http.paginate<T>(
      `${UC}/${path}`,
      key,
      { max_results: options.pageSize ?? PAGE, ...query },
      options,
    );
  }
  private get<T>(path: string, name: string, options: CallOptions): Promise<T> {
    return this.http.get<T>(`${UC}/${path}/${segment(name)}`, {}, options);
  }
  /** ALREADY_EXISTS when the name is taken. Not re-sent after a failure that may have reached the server. */
  private create<T>(path: string, body: Json, options: CallOptions): Promise<T> {
    return this.http.post<T>(`${UC}/${path}`, body, options);
  }
  private update<T>(path: string, name: string, patch: Json, options: CallOptions): Promise<T> {
    return this.http.send<T>("PATCH", `${UC}/${path}/${segment(name)}`, patch, options);
  }
  private async delete(
    path: string,
    name: string,
    options: CallOptions & { force?: boolean },
  ): Promise<void> {
    const query = options.force ? `?force=true` : "";
    await this.http.send("DELETE", `${UC}/${path}/${segment(name)}${query}`, undefined, options);
  }
}

/**
 * Paths of Unity Catalog calls azdr writes down for people to make without it (the snapshot
 * export's request files), kept here with every other REST path.
 */
export const unityCatalogRequestPaths = {
  securable: (
    collection: "catalogs" | "storage-credentials" | "external-locations" | "credentials",
    name: string,
  ): string => `${UC}/${collection}/${segment(name)}`,
  bindings: (type: BindingSecurableType, name: string): string => `${UC}/bindings/${type}/${segment(name)}`,
};
