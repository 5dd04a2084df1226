// An account-level Unity Catalog metastore: catalogs, schemas, tables (Delta tables keep a version
// history for DESCRIBE HISTORY / RESTORE / UNDROP), volumes, functions, storage and service
// credentials, external locations, connections and grants. Shared by every workspace it is assigned to.
// Names are case-insensitive (stored lower-case), as in Unity Catalog.
import type { Json } from "./state.js";
import { clone, err, hex, prng, uuid } from "./util.js";

export interface DeltaVersion {
  version: number;
  timestamp: number;
  operation: string;
  operationParameters: Json;
  rows: number;
  userName: string;
}

export interface TableRecord {
  info: Json;
  /** Delta tables only (MANAGED and EXTERNAL with data_source_format DELTA). */
  history?: DeltaVersion[];
}

export interface DroppedTable extends TableRecord {
  droppedAt: number;
}

export type SecurableKind =
  | "metastore"
  | "catalog"
  | "schema"
  | "table"
  | "volume"
  | "function"
  | "storage_credential"
  | "external_location"
  | "connection"
  /** A service credential (purpose SERVICE): the `credential` securable type of grants and bindings. */
  | "credential";

export const PRIVILEGES = new Set([
  "ALL_PRIVILEGES",
  "APPLY_TAG",
  "BROWSE",
  "CREATE_CATALOG",
  "CREATE_CONNECTION",
  "CREATE_EXTERNAL_LOCATION",
  "CREATE_EXTERNAL_TABLE",
  "CREATE_EXTERNAL_VOLUME",
  "CREATE_FOREIGN_CATALOG",
  "CREATE_FUNCTION",
  "CREATE_MANAGED_STORAGE",
  "CREATE_MATERIALIZED_VIEW",
  "CREATE_MODEL",
  "CREATE_PROVIDER",
  "CREATE_RECIPIENT",
  "CREATE_SCHEMA",
  "CREATE_SHARE",
  "CREATE_STORAGE_CREDENTIAL",
  "CREATE_TABLE",
  "CREATE_VOLUME",
  "EXECUTE",
  "MANAGE",
  "MODIFY",
  "READ_FILES",
  "READ_VOLUME",
  "REFRESH",
  "SELECT",
  "USE_CATALOG",
  "USE_CONNECTION",
  "USE_MARKETPLACE_ASSETS",
  "USE_PROVIDER",
  "USE_RECIPIENT",
  "USE_SCHEMA",
  "USE_SHARE",
  "WRITE_FILES",
  "WRITE_VOLUME",
  "CREATE_SERVICE_CREDENTIAL",
  "ACCESS",
  "CREATE_VIEW",
  "EXTERNAL_USE_SCHEMA",
]);

/** Names in Unity Catalog error codes: CATALOG_DOES_NOT_EXIST, TABLE_ALREADY_EXISTS ... */
const CODE: Record<SecurableKind, string> = {
  metastore: "METASTORE",
  catalog: "CATALOG",
  schema: "SCHEMA",
  table: "TABLE",
  volume: "VOLUME",
  function: "FUNCTION",
  storage_credential: "STORAGE_CREDENTIAL",
  external_location: "EXTERNAL_LOCATION",
  connection: "CONNECTION",
  credential: "CREDENTIAL",
};
const LABEL: Record<SecurableKind, string> = {
  metastore: "Metastore",
  catalog: "Catalog",
  schema: "Schema",
  table: "Table",
  volume: "Volume",
  function: "Routine or Model",
  storage_credential: "Storage Credential",
  external_location: "External Location",
  connection: "Connection",
  credential: "Credential",
};

export function notFound(kind: SecurableKind, name: string) {
  return err.notFound(`${LABEL[kind]} '${name}' does not exist.`, `${CODE[kind]}_DOES_NOT_EXIST`);
}
function exists(kind: SecurableKind, name: string) {
  return err.exists(`${LABEL[kind]} '${name}' already exists`, `${CODE[kind]}_ALREADY_EXISTS`);
}

/** Keys of connection options that hold secrets: accepted on create, never returned. */
const SECRET_OPTION = /password|secret|token|private_key|client_secret|pem|credential/i;

/** A JSON value as text: strings and numbers as-is, anything else empty. */
function text(value: unknown): string {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : "";
}

function add(index: Map<string, Set<string>>, parent: string, child: string): void {
  let set = index.get(parent);
  if (!set) index.set(parent, (set = new Set()));
  set.add(child);
}

export interface MetastoreOptions {
  name: string;
  region?: string;
  storageRoot?: string;
  owner?: string;
  id?: string;
  clock?: () => number;
  seed?: number;
}

export class Metastore {
  readonly id: string;
  readonly info: Json;
  readonly clock: () => number;
  readonly rand: () => number;
  readonly catalogs = new Map<string, Json>();
  readonly schemas = new Map<string, Json>();
  readonly tables = new Map<string, TableRecord>();
  readonly volumes = new Map<string, Json>();
  readonly functions = new Map<string, Json>();
  readonly storageCredentials = new Map<string, Json>();
  readonly externalLocations = new Map<string, Json>();
  readonly connections = new Map<string, Json>();
  /**
   * Service credentials (purpose SERVICE), by lower-case name. Names are unique across storage and
   * service credentials; the Credentials API lists both, the Storage Credentials API only these.
   */
  readonly serviceCredentials = new Map<string, Json>();
  /** Grants by "<kind>/<full name>" → principal → privileges. */
  readonly grants = new Map<string, Map<string, Set<string>>>();
  /**
   * Workspace bindings of ISOLATED catalogs: catalog name → workspace id → binding type
   * (BINDING_TYPE_READ_WRITE / BINDING_TYPE_READ_ONLY). An OPEN catalog is reachable from every
   * workspace the metastore is assigned to; an ISOLATED one only from its bound workspaces.
   */
  readonly catalogBindings = new Map<string, Map<number, string>>();
  /**
   * Workspace bindings of storage credentials, service credentials and external locations whose isolation_mode is
   * ISOLATION_MODE_ISOLATED: "<kind>/<lower-case name>" → workspace id → binding type. Such a
   * securable can be used only from its bound workspaces (its metadata stays readable).
   */
  readonly securableBindings = new Map<string, Map<number, string>>();
  /** Dropped managed tables, recoverable with UNDROP TABLE for 7 days. */
  readonly dropped: DroppedTable[] = [];
  readonly schemasByCatalog = new Map<string, Set<string>>();
  readonly tablesBySchema = new Map<string, Set<string>>();
  readonly volumesBySchema = new Map<string, Set<string>>();
  readonly functionsBySchema = new Map<string, Set<string>>();
  deleted = false;
  userName = "admin@example.com";

  constructor(options: MetastoreOptions) {
    this.clock = options.clock ?? Date.now;
    this.rand = prng(options.seed ?? 7);
    this.id = options.id ?? uuid(this.rand);
    const region = options.region ?? "westeurope";
    const now = this.clock();
    this.info = {
      metastore_id: this.id,
      name: options.name,
      owner: options.owner ?? "metastore-admins",
      region,
      cloud: "azure",
      storage_root: options.storageRoot ?? `abfss://metastore@uc${region}.dfs.core.windows.net/${this.id}`,
      global_metastore_id: `azure:${region}:${this.id}`,
      delta_sharing_scope: "INTERNAL",
      privilege_model_version: "1.0",
      created_at: now,
      created_by: this.userName,
      updated_at: now,
      updated_by: this.userName,
    };
    this.catalogs.set("system", {
      name: "system",
      full_name: "system",
      owner: "System user",
      comment: "System catalog (auto-created)",
      catalog_type: "SYSTEM_CATALOG",
      metastore_id: this.id,
      securable_type: "CATALOG",
      isolation_mode: "OPEN",
      created_at: now,
      created_by: "System user",
      id: uuid(this.rand),
    });
  }

  private base(owner?: string): Json {
    const now = this.clock();
    return {
      owner: owner ?? this.userName,
      metastore_id: this.id,
      created_at: now,
      created_by: this.userName,
      updated_at: now,
      updated_by: this.userName,
    };
  }

  catalog(name: string): Json {
    const c = this.catalogs.get(name.toLowerCase());
    if (!c) throw notFound("catalog", name);
    return c;
  }
  /**
   * The catalog, as seen from one workspace: an ISOLATED catalog answers only to the workspaces
   * bound to it ("not accessible in current workspace" elsewhere), whatever the caller's grants.
   */
  catalogFrom(name: string, workspaceId: number): Json {
    const c = this.catalog(name);
    if (c.isolation_mode === "ISOLATED" && !this.catalogBindings.get(String(c.name))?.has(workspaceId))
      throw err.forbidden(`Catalog '${String(c.name)}' is not accessible in current workspace`);
    return c;
  }

  /** Make a catalog ISOLATED; the workspace that does it stays bound (it would lock itself out otherwise). */
  isolateCatalog(name: string, workspaceId: number): void {
    const c = this.catalog(name);
    if (c.isolation_mode === "ISOLATED") return;
    c.isolation_mode = "ISOLATED";
    let bound = this.catalogBindings.get(String(c.name));
    if (!bound) this.catalogBindings.set(String(c.name), (bound = new Map<number, string>()));
    if (bound.size === 0) bound.set(workspaceId, "BINDING_TYPE_READ_WRITE");
  }

  /**
   * Set a storage credential's or external location's isolation mode. Isolating binds the calling
   * workspace when nothing is bound yet (as for catalogs); opening it drops its bindings.
   */
  setIsolation(
    kind: "storage_credential" | "external_location" | "credential",
    name: string,
    mode: "ISOLATION_MODE_OPEN" | "ISOLATION_MODE_ISOLATED",
    workspaceId: number,
  ): void {
    const item = this.securable(kind, name);
    const key = `${kind}/${String(item.name).toLowerCase()}`;
    if (mode === "ISOLATION_MODE_OPEN") {
      item.isolation_mode = mode;
      this.securableBindings.delete(key);
      return;
    }
    if (item.isolation_mode === mode) return;
    item.isolation_mode = mode;
    let bound = this.securableBindings.get(key);
    if (!bound) this.securableBindings.set(key, (bound = new Map<number, string>()));
    if (bound.size === 0) bound.set(workspaceId, "BINDING_TYPE_READ_WRITE");
  }

  schema(full: string): Json {
    const s = this.schemas.get(full.toLowerCase());
    if (!s) throw notFound("schema", full);
    return s;
  }
  table(full: string): TableRecord {
    const t = this.tables.get(full.toLowerCase());
    if (!t) throw notFound("table", full);
    return t;
  }

  createCatalog(spec: Json): Json {
    const name = text(spec.name).toLowerCase();
    if (!name) throw err.invalid("Missing required field: name");
    if (this.catalogs.has(name)) throw exists("catalog", name);
    const catalog: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      full_name: name,
      catalog_type: spec.connection_name
        ? "FOREIGN_CATALOG"
        : spec.share_name
          ? "DELTASHARING_CATALOG"
          : "MANAGED_CATALOG",
      securable_type: "CATALOG",
      isolation_mode: "OPEN",
      id: uuid(this.rand),
    };
    for (const k of [
      "comment",
      "storage_root",
      "properties",
      "options",
      "connection_name",
      "provider_name",
      "share_name",
    ])
      if (spec[k] !== undefined) catalog[k] = clone(spec[k]);
    if (spec.storage_root)
      catalog.storage_location = `${text(spec.storage_root)}/__unitystorage/catalogs/${String(catalog.id)}`;
    this.catalogs.set(name, catalog);
    this.createSchema(
      {
        catalog_name: name,
        name: "information_schema",
        owner: "System user",
        comment: "Information schema (auto-created)",
      },
      true,
    );
    return catalog;
  }

  createSchema(spec: Json, system = false): Json {
    const catalog = this.catalog(text(spec.catalog_name));
    const name = text(spec.name).toLowerCase();
    if (!name) throw err.invalid("Missing required field: name");
    const full = `${String(catalog.name)}.${name}`;
    if (this.schemas.has(full)) throw exists("schema", full);
    const schema: Json = {
      ...this.base((spec.owner as string | undefined) ?? (system ? "System user" : undefined)),
      name,
      catalog_name: catalog.name,
      full_name: full,
      catalog_type: catalog.catalog_type,
      schema_id: uuid(this.rand),
    };
    for (const k of ["comment", "properties", "storage_root"])
      if (spec[k] !== undefined) schema[k] = clone(spec[k]);
    this.schemas.set(full, schema);
    add(this.schemasByCatalog, String(catalog.name), full);
    return schema;
  }

  /** Create a table, view or Delta table with `rows` rows at version 0 (and optional history). */
  createTable(
    spec: Json,
    delta: { rows?: number; versions?: { operation: string; rows: number }[] } = {},
  ): TableRecord {
    const schema = this.schema(`${text(spec.catalog_name)}.${text(spec.schema_name)}`);
    const name = text(spec.name).toLowerCase();
    if (!name) throw err.invalid("Missing required field: name");
    const full = `${String(schema.full_name)}.${name}`;
    if (this.tables.has(full)) throw exists("table", full);
    const type = text(spec.table_type) || "MANAGED";
    const info: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      catalog_name: schema.catalog_name,
      schema_name: schema.name,
      full_name: full,
      table_type: type,
      table_id: uuid(this.rand),
      columns: clone(spec.columns ?? []),
    };
    if (type === "VIEW" || type === "MATERIALIZED_VIEW") {
      info.view_definition = spec.view_definition ?? "SELECT 1";
      if (spec.view_dependencies) info.view_dependencies = clone(spec.view_dependencies);
    } else {
      info.data_source_format = spec.data_source_format ?? "DELTA";
      info.storage_location =
        spec.storage_location ??
        `${String(this.info.storage_root)}/__unitystorage/catalogs/${String(this.catalog(String(schema.catalog_name)).id)}/tables/${String(info.table_id)}`;
    }
    for (const k of ["comment", "properties"]) if (spec[k] !== undefined) info[k] = clone(spec[k]);
    const record: TableRecord = { info };
    if (info.data_source_format === "DELTA") {
      const start = this.clock() - 86_400_000;
      const versions = delta.versions ?? [{ operation: "CREATE TABLE AS SELECT", rows: delta.rows ?? 0 }];
      record.history = versions.map((v, i) => ({
        version: i,
        timestamp: start + i * 3_600_000,
        operation: v.operation,
        operationParameters: {},
        rows: v.rows,
        userName: this.userName,
      }));
    }
    this.tables.set(full, record);
    add(this.tablesBySchema, String(schema.full_name), full);
    return record;
  }

  deleteTable(full: string): DroppedTable {
    const record = this.table(full);
    const key = String(record.info.full_name);
    this.tables.delete(key);
    this.tablesBySchema
      .get(`${String(record.info.catalog_name)}.${String(record.info.schema_name)}`)
      ?.delete(key);
    this.grants.delete(`table/${key}`);
    const dropped = { ...record, droppedAt: this.clock() };
    if (record.info.table_type === "MANAGED") this.dropped.push(dropped);
    return dropped;
  }

  undropTable(full: string): TableRecord {
    const key = full.toLowerCase();
    const i = this.dropped.findLastIndex((d) => d.info.full_name === key);
    if (i < 0) throw notFound("table", full);
    if (this.tables.has(key)) throw exists("table", full);
    const [dropped] = this.dropped.splice(i, 1);
    const record: TableRecord = {
      info: dropped!.info,
      ...(dropped!.history ? { history: dropped!.history } : {}),
    };
    this.tables.set(key, record);
    add(this.tablesBySchema, `${String(record.info.catalog_name)}.${String(record.info.schema_name)}`, key);
    return record;
  }

  /** Append a Delta version (a write, an overwrite, a restore...). */
  commit(full: string, operation: string, rows: number, operationParameters: Json = {}): DeltaVersion {
    const record = this.table(full);
    if (!record.history) throw err.invalid(`Table ${full} is not a Delta table`);
    const last = record.history[record.history.length - 1]!;
    const version: DeltaVersion = {
      version: last.version + 1,
      timestamp: Math.max(this.clock(), last.timestamp + 1),
      operation,
      operationParameters,
      rows,
      userName: this.userName,
    };
    record.history.push(version);
    record.info.updated_at = version.timestamp;
    return version;
  }

  createVolume(spec: Json): Json {
    const schema = this.schema(`${text(spec.catalog_name)}.${text(spec.schema_name)}`);
    const name = text(spec.name).toLowerCase();
    const full = `${String(schema.full_name)}.${name}`;
    if (this.volumes.has(full)) throw exists("volume", full);
    const type = text(spec.volume_type) || "MANAGED";
    if (type === "EXTERNAL" && !spec.storage_location)
      throw err.invalid("storage_location is required for EXTERNAL volumes");
    const volume: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      catalog_name: schema.catalog_name,
      schema_name: schema.name,
      full_name: full,
      volume_type: type,
      volume_id: uuid(this.rand),
    };
    volume.storage_location =
      spec.storage_location ??
      `${String(this.info.storage_root)}/__unitystorage/volumes/${String(volume.volume_id)}`;
    if (spec.comment !== undefined) volume.comment = spec.comment;
    this.volumes.set(full, volume);
    add(this.volumesBySchema, String(schema.full_name), full);
    return volume;
  }

  createFunction(spec: Json): Json {
    const schema = this.schema(`${text(spec.catalog_name)}.${text(spec.schema_name)}`);
    const name = text(spec.name).toLowerCase();
    const full = `${String(schema.full_name)}.${name}`;
    if (this.functions.has(full)) throw exists("function", full);
    const fn: Json = {
      routine_body: "SQL",
      routine_definition: "1",
      data_type: "INT",
      full_data_type: "INT",
      parameter_style: "S",
      is_deterministic: true,
      sql_data_access: "CONTAINS_SQL",
      is_null_call: false,
      security_type: "DEFINER",
      input_params: { parameters: [] },
      ...clone(spec),
      ...this.base(spec.owner as string | undefined),
      name,
      catalog_name: schema.catalog_name,
      schema_name: schema.name,
      full_name: full,
      specific_name: name,
      function_id: uuid(this.rand),
    };
    this.functions.set(full, fn);
    add(this.functionsBySchema, String(schema.full_name), full);
    return fn;
  }

  createStorageCredential(spec: Json): Json {
    const name = text(spec.name);
    if (!name) throw err.invalid("Missing required field: name");
    if (this.storageCredentials.has(name.toLowerCase()) || this.serviceCredentials.has(name.toLowerCase()))
      throw exists("storage_credential", name);
    const cred: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      full_name: name,
      id: uuid(this.rand),
      read_only: spec.read_only === true,
      isolation_mode: "ISOLATION_MODE_OPEN",
      used_for_managed_storage: false,
    };
    if (spec.comment !== undefined) cred.comment = spec.comment;
    this.setIdentity(cred, spec, "storage");
    this.storageCredentials.set(name.toLowerCase(), cred);
    return cred;
  }

  /** A credential's Azure identity: a managed identity, or a service principal whose secret is accepted and never returned. */
  private setIdentity(cred: Json, spec: Json, purpose: "storage" | "service"): void {
    const mi = spec.azure_managed_identity as Json | undefined;
    const sp = spec.azure_service_principal as Json | undefined;
    if (mi) {
      if (!mi.access_connector_id)
        throw err.invalid("azure_managed_identity.access_connector_id is required");
      cred.azure_managed_identity = { ...clone(mi), credential_id: uuid(this.rand) };
    } else if (sp) {
      cred.azure_service_principal = { directory_id: sp.directory_id, application_id: sp.application_id };
    } else
      throw err.invalid(`A ${purpose} credential needs azure_managed_identity or azure_service_principal`);
  }

  /**
   * A service credential (Credentials API, purpose SERVICE): an Azure managed identity (access
   * connector) or a service principal whose client secret is accepted and never returned.
   * `read_only` applies to storage credentials only.
   */
  createServiceCredential(spec: Json): Json {
    const name = text(spec.name);
    if (!name) throw err.invalid("Missing required field: name");
    if (this.storageCredentials.has(name.toLowerCase()) || this.serviceCredentials.has(name.toLowerCase()))
      throw exists("credential", name);
    if (spec.read_only === true)
      throw err.invalid("read_only is only applicable to credentials whose purpose is STORAGE");
    const cred: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      full_name: name,
      id: uuid(this.rand),
      purpose: "SERVICE",
      isolation_mode: "ISOLATION_MODE_OPEN",
    };
    if (spec.comment !== undefined) cred.comment = spec.comment;
    this.setIdentity(cred, spec, "service");
    this.serviceCredentials.set(name.toLowerCase(), cred);
    return cred;
  }

  createExternalLocation(spec: Json): Json {
    const name = text(spec.name);
    if (!name) throw err.invalid("Missing required field: name");
    if (this.externalLocations.has(name.toLowerCase())) throw exists("external_location", name);
    const credName = text(spec.credential_name);
    const cred = this.storageCredentials.get(credName.toLowerCase());
    if (!cred) throw notFound("storage_credential", credName);
    const url = text(spec.url);
    if (!/^abfss:\/\//.test(url)) throw err.invalid(`Invalid external location url: ${url}`);
    for (const other of this.externalLocations.values()) {
      const o = String(other.url);
      if (url.startsWith(o) || o.startsWith(url))
        throw err.invalid(
          `Input path url '${url}' overlaps with an existing external location '${String(other.name)}'`,
        );
    }
    const loc: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      url,
      credential_name: cred.name,
      credential_id: cred.id,
      read_only: spec.read_only === true,
      isolation_mode: "ISOLATION_MODE_OPEN",
      fallback: spec.fallback === true,
    };
    if (spec.comment !== undefined) loc.comment = spec.comment;
    this.externalLocations.set(name.toLowerCase(), loc);
    return loc;
  }

  createConnection(spec: Json): Json {
    const name = text(spec.name);
    if (!name) throw err.invalid("Missing required field: name");
    if (this.connections.has(name.toLowerCase())) throw exists("connection", name);
    const options: Json = {};
    for (const [k, v] of Object.entries((spec.options ?? {}) as Json))
      if (!SECRET_OPTION.test(k)) options[k] = v;
    const conn: Json = {
      ...this.base(spec.owner as string | undefined),
      name,
      full_name: name,
      connection_type: spec.connection_type ?? "SQLSERVER",
      connection_id: uuid(this.rand),
      credential_type: "USERNAME_PASSWORD",
      options,
      read_only: spec.read_only !== false,
      securable_type: "CONNECTION",
      provisioning_info: { state: "ACTIVE" },
    };
    if (options.host) conn.url = `${text(options.host)}:${text(options.port)}`;
    if (spec.comment !== undefined) conn.comment = spec.comment;
    if (spec.properties !== undefined) conn.properties = clone(spec.properties);
    this.connections.set(name.toLowerCase(), conn);
    return conn;
  }

  /** The securable object for grants/owners, or a typed 404. */
  securable(kind: SecurableKind, fullName: string): Json {
    const key = fullName.toLowerCase();
    const found: Json | undefined =
      kind === "metastore"
        ? fullName === this.id || key === String(this.info.name).toLowerCase()
          ? this.info
          : undefined
        : kind === "catalog"
          ? this.catalogs.get(key)
          : kind === "schema"
            ? this.schemas.get(key)
            : kind === "table"
              ? this.tables.get(key)?.info
              : kind === "volume"
                ? this.volumes.get(key)
                : kind === "function"
                  ? this.functions.get(key)
                  : kind === "storage_credential"
                    ? this.storageCredentials.get(key)
                    : kind === "external_location"
                      ? this.externalLocations.get(key)
                      : kind === "credential"
                        ? this.serviceCredentials.get(key)
                        : this.connections.get(key);
    if (!found) throw notFound(kind, fullName);
    return found;
  }

  grantKey(kind: SecurableKind, fullName: string): string {
    return `${kind}/${kind === "metastore" ? this.id : fullName.toLowerCase()}`;
  }

  grant(
    kind: SecurableKind,
    fullName: string,
    principal: string,
    privileges: string[],
    remove: string[] = [],
  ): void {
    this.securable(kind, fullName);
    for (const p of [...privileges, ...remove])
      if (!PRIVILEGES.has(p))
        throw err.invalid(
          `Privilege ${p} is not applicable to this entity [${fullName}:${kind.toUpperCase()}]`,
        );
    const key = this.grantKey(kind, fullName);
    let byPrincipal = this.grants.get(key);
    if (!byPrincipal) this.grants.set(key, (byPrincipal = new Map<string, Set<string>>()));
    let set = byPrincipal.get(principal);
    if (!set) byPrincipal.set(principal, (set = new Set()));
    for (const p of privileges) set.add(p);
    for (const p of remove) set.delete(p);
    if (set.size === 0) byPrincipal.delete(principal);
  }

  privilegeAssignments(kind: SecurableKind, fullName: string): { principal: string; privileges: string[] }[] {
    this.securable(kind, fullName);
    const byPrincipal = this.grants.get(this.grantKey(kind, fullName));
    if (!byPrincipal) return [];
    return [...byPrincipal.entries()].map(([principal, set]) => ({ principal, privileges: [...set].sort() }));
  }

  counts(): Record<string, number> {
    return {
      catalogs: this.catalogs.size,
      schemas: this.schemas.size,
      tables: this.tables.size,
      volumes: this.volumes.size,
      functions: this.functions.size,
      storageCredentials: this.storageCredentials.size,
      externalLocations: this.externalLocations.size,
      connections: this.connections.size,
      serviceCredentials: this.serviceCredentials.size,
    };
  }

  newId(): string {
    return hex(this.rand, 32);
  }
}

/** Account-level state: the metastores and which workspace each is assigned to. */
export class DatabricksAccount {
  readonly metastores = new Map<string, Metastore>();
  /** workspace id → assignment. */
  readonly assignments = new Map<number, { metastore_id: string; default_catalog_name: string }>();
  private seq = 0;

  constructor(readonly clock: () => number = Date.now) {}

  createMetastore(options: Omit<MetastoreOptions, "clock">): Metastore {
    const m = new Metastore({ seed: 1000 + this.seq++, ...options, clock: this.clock });
    for (const other of this.metastores.values())
      if (other.info.region === m.info.region && !other.deleted)
        throw err.invalid(
          `This account already has a metastore in region ${String(m.info.region)}; a region can have only one.`,
        );
    this.metastores.set(m.id, m);
    return m;
  }

  assign(workspaceId: number, metastoreId: string, defaultCatalog = "main"): void {
    const m = this.metastores.get(metastoreId);
    if (!m || m.deleted) throw notFound("metastore", metastoreId);
    this.assignments.set(workspaceId, { metastore_id: metastoreId, default_catalog_name: defaultCatalog });
  }

  unassign(workspaceId: number): void {
    this.assignments.delete(workspaceId);
  }

  /** The metastore serving a workspace, or a METASTORE_DOES_NOT_EXIST 404. */
  forWorkspace(workspaceId: number): Metastore {
    const a = this.assignments.get(workspaceId);
    const m = a ? this.metastores.get(a.metastore_id) : undefined;
    if (!m || m.deleted)
      throw err.notFound("No metastore assigned for the current workspace.", "METASTORE_DOES_NOT_EXIST");
    return m;
  }

  /** Disaster: the metastore and everything in it is gone; assigned workspaces lose Unity Catalog. */
  deleteMetastore(id: string): void {
    const m = this.metastores.get(id);
    if (!m) throw notFound("metastore", id);
    m.deleted = true;
    this.metastores.delete(id);
    for (const [ws, a] of this.assignments) if (a.metastore_id === id) this.assignments.delete(ws);
  }
}
