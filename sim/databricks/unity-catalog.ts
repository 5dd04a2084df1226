// Unity Catalog 2.1 routes served by every workspace for its assigned metastore.
// Lists page with max_results/page_token; without max_results they return everything (the
// legacy unpaginated mode the docs still describe). Every `emptyPageEvery`-th page along a token
// chain is EMPTY but carries a next_page_token, as the real service sometimes answers: the SDK's
// own iterators stop there; a correct client keeps going until next_page_token is absent.
import type { SimRequest, SimService } from "../core/server.js";
import { type DatabricksAccount, type Metastore, type SecurableKind, notFound } from "./metastore.js";
import type { Json } from "./state.js";
import { registerStorageValidationRoutes } from "./storage-validation.js";
import { body, bool, clone, err, num, ok, paginate, str } from "./util.js";

export interface UnityCatalogOptions {
  /** Page size when max_results=0 (server default). */
  defaultPageSize: number;
  /** Largest page served; bigger max_results are clamped. */
  maxPageSize: number;
  /** Every Nth page is empty with a next_page_token (0 = never). */
  emptyPageEvery: number;
  /** Without max_results, return everything in one response (true, like the real API today). */
  unpaginatedWithoutMaxResults: boolean;
}

const KINDS: Record<string, SecurableKind> = {
  metastore: "metastore",
  catalog: "catalog",
  schema: "schema",
  table: "table",
  view: "table",
  materialized_view: "table",
  volume: "volume",
  function: "function",
  storage_credential: "storage_credential",
  external_location: "external_location",
  connection: "connection",
  credential: "credential",
};

export function registerUnityCatalogRoutes(
  service: SimService,
  account: DatabricksAccount,
  workspaceId: () => number,
  options: UnityCatalogOptions,
): void {
  const uc = "/api/2.1/unity-catalog";
  const ms = (): Metastore => account.forWorkspace(workspaceId());
  /** A catalog this workspace may use (an ISOLATED catalog answers only to its bound workspaces). */
  const reach = (catalog: unknown): Json =>
    ms().catalogFrom(typeof catalog === "string" ? catalog : "", workspaceId());
  /** The catalog part of a schema's or table's full name, checked for reach. */
  const reachParent = (fullName: string | undefined): void => {
    const catalog = (fullName ?? "").split(".")[0] ?? "";
    if (ms().catalogs.has(catalog.toLowerCase())) reach(catalog);
  };

  const list = (req: SimRequest, all: readonly Json[], key: string) => {
    const maxRaw = req.query.get("max_results");
    const token = req.query.get("page_token");
    if (maxRaw === null && !token && options.unpaginatedWithoutMaxResults)
      return ok(all.length ? { [key]: all } : {});
    let max = num(maxRaw, "max_results") ?? 0;
    if (max < 0) throw err.invalid("max_results must be greater than or equal to 0");
    if (max === 0) max = options.defaultPageSize;
    max = Math.min(max, options.maxPageSize);
    const page = paginate(all, token, { pageSize: max, emptyPageEvery: options.emptyPageEvery });
    const out: Json = {};
    if (page.items.length) out[key] = page.items;
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return ok(out);
  };
  const children = <T>(index: Map<string, Set<string>>, parent: string, map: Map<string, T>): T[] =>
    [...(index.get(parent) ?? [])].map((k) => map.get(k)!).filter((x) => x !== undefined);
  const schemaOf = (req: SimRequest): string => {
    const catalog = str(req.query.get("catalog_name"), "catalog_name", true);
    const schema = str(req.query.get("schema_name"), "schema_name", true);
    reach(catalog);
    return ms().schema(`${catalog}.${schema}`).full_name as string;
  };
  const patch = (target: Json, b: Json, fields: string[]) => {
    for (const f of fields) if (b[f] !== undefined) target[f] = clone(b[f]);
    target.updated_at = ms().clock();
    target.updated_by = ms().userName;
    return target;
  };

  // Validate Storage Credential (sim/databricks/storage-validation.ts, the storage helper's block).
  registerStorageValidationRoutes(service, account, ms);

  // Metastores and assignments.
  service.route("GET", `${uc}/metastore_summary`, () => ok(ms().info));
  service.route("GET", `${uc}/current-metastore-assignment`, () => {
    const m = ms();
    const a = account.assignments.get(workspaceId())!;
    return ok({
      workspace_id: workspaceId(),
      metastore_id: m.id,
      default_catalog_name: a.default_catalog_name,
    });
  });
  const assign = (req: SimRequest) => {
    const id = Number(req.params.workspace_id);
    const b = body(req);
    const metastoreId = str(b.metastore_id, "metastore_id", true);
    const current = account.assignments.get(id);
    account.assign(
      id,
      metastoreId,
      str(b.default_catalog_name, "default_catalog_name") ?? current?.default_catalog_name ?? "main",
    );
    return ok({});
  };
  service.route("PUT", `${uc}/workspaces/:workspace_id/metastore`, assign);
  service.route("PATCH", `${uc}/workspaces/:workspace_id/metastore`, assign);
  service.route("DELETE", `${uc}/workspaces/:workspace_id/metastore`, (req) => {
    const id = Number(req.params.workspace_id);
    const a = account.assignments.get(id);
    const metastoreId = req.query.get("metastore_id");
    if (!a || (metastoreId && a.metastore_id !== metastoreId))
      throw err.notFound(
        `Workspace ${id} is not assigned to metastore ${metastoreId ?? ""}`,
        "METASTORE_DOES_NOT_EXIST",
      );
    account.unassign(id);
    return ok({});
  });
  service.route("GET", `${uc}/metastores`, (req) =>
    list(
      req,
      [...account.metastores.values()].map((m) => m.info),
      "metastores",
    ),
  );
  service.route("POST", `${uc}/metastores`, (req) => {
    const b = body(req);
    const region = str(b.region, "region");
    const root = str(b.storage_root, "storage_root");
    const m = account.createMetastore({
      name: str(b.name, "name", true),
      ...(region ? { region } : {}),
      ...(root ? { storageRoot: root } : {}),
    });
    return ok(m.info);
  });
  const metastoreById = (id: string | undefined): Metastore => {
    const m = account.metastores.get(id ?? "");
    if (!m) throw notFound("metastore", id ?? "");
    return m;
  };
  service.route("GET", `${uc}/metastores/:id`, (req) => ok(metastoreById(req.params.id).info));
  service.route("PATCH", `${uc}/metastores/:id`, (req) => {
    const m = metastoreById(req.params.id);
    const b = body(req);
    if (b.new_name !== undefined) m.info.name = b.new_name;
    return ok(patch(m.info, b, ["owner", "delta_sharing_scope", "privilege_model_version"]));
  });
  service.route("DELETE", `${uc}/metastores/:id`, (req) => {
    const m = metastoreById(req.params.id);
    const userCatalogs = [...m.catalogs.values()].filter((c) => c.catalog_type !== "SYSTEM_CATALOG").length;
    if (userCatalogs > 0 && !bool(req.query.get("force")))
      throw err.bad(
        `Metastore ${m.id} is not empty: it has ${userCatalogs} catalog(s). Use force=true to delete it.`,
        "METASTORE_NOT_EMPTY",
      );
    account.deleteMetastore(m.id);
    return ok({});
  });

  // Catalogs.
  service.route("GET", `${uc}/catalogs`, (req) => list(req, [...ms().catalogs.values()], "catalogs"));
  service.route("POST", `${uc}/catalogs`, (req) => ok(ms().createCatalog(body(req))));
  service.route("GET", `${uc}/catalogs/:name`, (req) => ok(reach(req.params.name)));
  service.route("PATCH", `${uc}/catalogs/:name`, (req) => {
    const catalog = reach(req.params.name);
    const b = body(req);
    const mode = str(b.isolation_mode, "isolation_mode");
    if (mode !== undefined && mode !== "OPEN" && mode !== "ISOLATED")
      throw err.invalid(`Invalid isolation_mode: ${mode} (OPEN or ISOLATED)`);
    if (mode === "ISOLATED") ms().isolateCatalog(String(catalog.name), workspaceId());
    if (mode === "OPEN") {
      catalog.isolation_mode = "OPEN";
      ms().catalogBindings.delete(String(catalog.name));
    }
    return ok(patch(catalog, b, ["owner", "comment", "properties", "options"]));
  });
  service.route("DELETE", `${uc}/catalogs/:name`, (req) => {
    const m = ms();
    const catalog = m.catalog(req.params.name ?? "");
    if (catalog.catalog_type === "SYSTEM_CATALOG")
      throw err.forbidden("The system catalog cannot be deleted.");
    const schemas = [...(m.schemasByCatalog.get(String(catalog.name)) ?? [])].filter(
      (s) => !s.endsWith(".information_schema"),
    );
    if (schemas.length > 0 && !bool(req.query.get("force")))
      throw err.bad(
        `Catalog '${String(catalog.name)}' is not empty. The catalog has ${schemas.length} schemas(s).`,
        "CATALOG_NOT_EMPTY",
      );
    for (const s of m.schemasByCatalog.get(String(catalog.name)) ?? []) dropSchema(m, s);
    m.schemasByCatalog.delete(String(catalog.name));
    m.catalogs.delete(String(catalog.name));
    m.catalogBindings.delete(String(catalog.name));
    m.grants.delete(`catalog/${String(catalog.name)}`);
    return ok({});
  });

  // Schemas.
  service.route("GET", `${uc}/schemas`, (req) => {
    const catalog = reach(str(req.query.get("catalog_name"), "catalog_name", true)).name as string;
    return list(req, children(ms().schemasByCatalog, catalog, ms().schemas), "schemas");
  });
  service.route("POST", `${uc}/schemas`, (req) => {
    const b = body(req);
    reachParent(str(b.catalog_name, "catalog_name"));
    return ok(ms().createSchema(b));
  });
  service.route("GET", `${uc}/schemas/:full`, (req) => {
    reachParent(req.params.full);
    return ok(ms().schema(req.params.full ?? ""));
  });
  service.route("PATCH", `${uc}/schemas/:full`, (req) =>
    ok(patch(ms().schema(req.params.full ?? ""), body(req), ["owner", "comment", "properties"])),
  );
  service.route("DELETE", `${uc}/schemas/:full`, (req) => {
    const m = ms();
    const schema = m.schema(req.params.full ?? "");
    const full = String(schema.full_name);
    const n =
      (m.tablesBySchema.get(full)?.size ?? 0) +
      (m.volumesBySchema.get(full)?.size ?? 0) +
      (m.functionsBySchema.get(full)?.size ?? 0);
    if (n > 0 && !bool(req.query.get("force")))
      throw err.bad(
        `Schema '${full}' is not empty. The schema has ${n} tables(s), volumes(s) or functions(s).`,
        "SCHEMA_NOT_EMPTY",
      );
    dropSchema(m, full);
    m.schemasByCatalog.get(String(schema.catalog_name))?.delete(full);
    return ok({});
  });

  // Tables and views.
  const tableOut = (info: Json, req: SimRequest): Json => {
    if (!bool(req.query.get("omit_columns"))) return info;
    const { columns: _c, ...rest } = info;
    return rest;
  };
  service.route("GET", `${uc}/tables`, (req) => {
    const parent = schemaOf(req);
    const m = ms();
    const all = [...(m.tablesBySchema.get(parent) ?? [])].map((k) => tableOut(m.tables.get(k)!.info, req));
    return list(req, all, "tables");
  });
  service.route("POST", `${uc}/tables`, (req) => {
    const b = body(req);
    // As documented: "This API only supports creating external Delta tables. Only
    // TABLE_TYPE=EXTERNAL and DATA_SOURCE_FORMAT=DELTA are supported."
    if (b.table_type !== "EXTERNAL")
      throw err.invalid(
        "Only EXTERNAL tables can be created through this API; create MANAGED tables and views with SQL.",
      );
    const format = str(b.data_source_format, "data_source_format", true);
    if (format !== "DELTA")
      throw err.invalid(
        `Only DATA_SOURCE_FORMAT=DELTA is supported by this API (got ${format}); create ${format} tables with SQL (CREATE TABLE … USING ${format} LOCATION …).`,
      );
    if (!b.storage_location) throw err.invalid("Missing required field: storage_location");
    reachParent(str(b.catalog_name, "catalog_name"));
    return ok(ms().createTable(b).info);
  });
  service.route("GET", `${uc}/tables/:full/exists`, (req) =>
    ok({ table_exists: ms().tables.has((req.params.full ?? "").toLowerCase()) }),
  );
  service.route("GET", `${uc}/tables/:full`, (req) => {
    reachParent(req.params.full);
    return ok(tableOut(ms().table(req.params.full ?? "").info, req));
  });
  service.route("PATCH", `${uc}/tables/:full`, (req) => {
    patch(ms().table(req.params.full ?? "").info, body(req), ["owner"]);
    return ok({});
  });
  service.route("DELETE", `${uc}/tables/:full`, (req) => {
    ms().deleteTable(req.params.full ?? "");
    return ok({});
  });

  // Volumes.
  service.route("GET", `${uc}/volumes`, (req) =>
    list(req, children(ms().volumesBySchema, schemaOf(req), ms().volumes), "volumes"),
  );
  service.route("POST", `${uc}/volumes`, (req) => ok(ms().createVolume(body(req))));
  service.route("GET", `${uc}/volumes/:full`, (req) => ok(ms().securable("volume", req.params.full ?? "")));
  service.route("PATCH", `${uc}/volumes/:full`, (req) =>
    ok(patch(ms().securable("volume", req.params.full ?? ""), body(req), ["owner", "comment"])),
  );
  service.route("DELETE", `${uc}/volumes/:full`, (req) => {
    const m = ms();
    const v = m.securable("volume", req.params.full ?? "");
    m.volumes.delete(String(v.full_name));
    m.volumesBySchema.get(`${String(v.catalog_name)}.${String(v.schema_name)}`)?.delete(String(v.full_name));
    return ok({});
  });

  // Functions (create wraps the spec in function_info).
  service.route("GET", `${uc}/functions`, (req) =>
    list(req, children(ms().functionsBySchema, schemaOf(req), ms().functions), "functions"),
  );
  service.route("POST", `${uc}/functions`, (req) => {
    const info = body(req).function_info as Json | undefined;
    if (!info) throw err.invalid("Missing required field: function_info");
    return ok(ms().createFunction(info));
  });
  service.route("GET", `${uc}/functions/:full`, (req) =>
    ok(ms().securable("function", req.params.full ?? "")),
  );
  service.route("PATCH", `${uc}/functions/:full`, (req) =>
    ok(patch(ms().securable("function", req.params.full ?? ""), body(req), ["owner"])),
  );
  service.route("DELETE", `${uc}/functions/:full`, (req) => {
    const m = ms();
    const f = m.securable("function", req.params.full ?? "");
    m.functions.delete(String(f.full_name));
    m.functionsBySchema
      .get(`${String(f.catalog_name)}.${String(f.schema_name)}`)
      ?.delete(String(f.full_name));
    return ok({});
  });

  // Storage credentials, external locations, connections (metastore-level, by name).
  const byName = (
    path: string,
    kind: SecurableKind,
    key: string,
    map: () => Map<string, Json>,
    create: (b: Json) => Json,
    fields: string[],
  ) => {
    service.route("GET", `${uc}/${path}`, (req) => list(req, [...map().values()], key));
    service.route("POST", `${uc}/${path}`, (req) => ok(create(body(req))));
    service.route("GET", `${uc}/${path}/:name`, (req) => ok(ms().securable(kind, req.params.name ?? "")));
    service.route("PATCH", `${uc}/${path}/:name`, (req) => {
      const item = ms().securable(kind, req.params.name ?? "");
      const b = body(req);
      const mode = str(b.isolation_mode, "isolation_mode");
      if (mode !== undefined) {
        // Storage credentials and external locations take isolation_mode (IsolationMode enum).
        if (kind !== "storage_credential" && kind !== "external_location")
          throw err.invalid(`isolation_mode cannot be set on a ${kind}`);
        if (mode !== "ISOLATION_MODE_OPEN" && mode !== "ISOLATION_MODE_ISOLATED")
          throw err.invalid(
            `Invalid isolation_mode: ${mode} (ISOLATION_MODE_OPEN or ISOLATION_MODE_ISOLATED)`,
          );
        ms().setIsolation(kind, String(item.name), mode, workspaceId());
      }
      return ok(patch(item, b, fields));
    });
    service.route("DELETE", `${uc}/${path}/:name`, (req) => {
      const item = ms().securable(kind, req.params.name ?? "");
      map().delete(String(item.name).toLowerCase());
      ms().grants.delete(`${kind}/${String(item.name).toLowerCase()}`);
      ms().securableBindings.delete(`${kind}/${String(item.name).toLowerCase()}`);
      return ok({});
    });
  };
  byName(
    "storage-credentials",
    "storage_credential",
    "storage_credentials",
    () => ms().storageCredentials,
    (b) => ms().createStorageCredential(b),
    ["owner", "comment", "read_only", "azure_managed_identity"],
  );
  byName(
    "external-locations",
    "external_location",
    "external_locations",
    () => ms().externalLocations,
    (b) => ms().createExternalLocation(b),
    ["owner", "comment", "read_only", "url", "credential_name"],
  );
  byName(
    "connections",
    "connection",
    "connections",
    () => ms().connections,
    (b) => ms().createConnection(b),
    ["owner"],
  );

  // Credentials API: storage and service credentials in one namespace, told apart by `purpose`
  // (list filters on it). Service credentials live only here; a storage credential answers here
  // too, with purpose STORAGE. PATCH takes owner, comment, azure_managed_identity, isolation_mode
  // (read_only for storage credentials only).
  const credentialOf = (
    name: string | undefined,
  ): { kind: "storage_credential" | "credential"; item: Json } => {
    const m = ms();
    const key = (name ?? "").toLowerCase();
    const service = m.serviceCredentials.get(key);
    if (service) return { kind: "credential", item: service };
    const storage = m.storageCredentials.get(key);
    if (storage) return { kind: "storage_credential", item: storage };
    throw notFound("credential", name ?? "");
  };
  const credentialOut = (c: { kind: "storage_credential" | "credential"; item: Json }): Json =>
    c.kind === "credential" ? c.item : { ...c.item, purpose: "STORAGE" };
  const purposeOf = (raw: unknown, required: boolean): string | undefined => {
    const purpose = required ? str(raw, "purpose", true) : str(raw, "purpose");
    if (purpose !== undefined && purpose !== "STORAGE" && purpose !== "SERVICE")
      throw err.invalid(`Invalid purpose: ${purpose} (STORAGE or SERVICE)`);
    return purpose;
  };
  service.route("GET", `${uc}/credentials`, (req) => {
    const purpose = purposeOf(req.query.get("purpose") ?? undefined, false);
    const m = ms();
    const all = [
      ...[...m.storageCredentials.values()].map((item) =>
        credentialOut({ kind: "storage_credential", item }),
      ),
      ...[...m.serviceCredentials.values()].map((item) => credentialOut({ kind: "credential", item })),
    ].filter((c) => !purpose || c.purpose === purpose);
    return list(req, all, "credentials");
  });
  service.route("POST", `${uc}/credentials`, (req) => {
    const b = body(req);
    const purpose = purposeOf(b.purpose, true);
    if (purpose === "STORAGE")
      return ok(credentialOut({ kind: "storage_credential", item: ms().createStorageCredential(b) }));
    return ok(ms().createServiceCredential(b));
  });
  service.route("GET", `${uc}/credentials/:name`, (req) => ok(credentialOut(credentialOf(req.params.name))));
  service.route("PATCH", `${uc}/credentials/:name`, (req) => {
    const found = credentialOf(req.params.name);
    const b = body(req);
    if (b.read_only !== undefined && found.kind === "credential")
      throw err.invalid("read_only is only applicable to credentials whose purpose is STORAGE");
    const mode = str(b.isolation_mode, "isolation_mode");
    if (mode !== undefined) {
      if (mode !== "ISOLATION_MODE_OPEN" && mode !== "ISOLATION_MODE_ISOLATED")
        throw err.invalid(`Invalid isolation_mode: ${mode} (ISOLATION_MODE_OPEN or ISOLATION_MODE_ISOLATED)`);
      ms().setIsolation(found.kind, String(found.item.name), mode, workspaceId());
    }
    patch(found.item, b, ["owner", "comment", "read_only", "azure_managed_identity"]);
    return ok(credentialOut(found));
  });
  service.route("DELETE", `${uc}/credentials/:name`, (req) => {
    const { kind, item } = credentialOf(req.params.name);
    const key = String(item.name).toLowerCase();
    const m = ms();
    (kind === "credential" ? m.serviceCredentials : m.storageCredentials).delete(key);
    m.grants.delete(`${kind}/${key}`);
    m.securableBindings.delete(`${kind}/${key}`);
    return ok({});
  });

  // Workspace bindings of catalogs, storage credentials, service credentials (`credential`) and
  // external locations. The securable must be ISOLATED (ISOLATION_MODE_ISOLATED) to take
  // bindings, and a bound workspace must be assigned to this metastore.
  const bindingsOf = (type: string | undefined, name: string | undefined) => {
    const kind = (type ?? "").toLowerCase();
    const m = ms();
    if (kind === "catalog") {
      const catalog = m.catalog(name ?? "");
      const key = String(catalog.name);
      return {
        label: `Catalog '${key}'`,
        isolated: () => catalog.isolation_mode === "ISOLATED",
        bound: () => m.catalogBindings.get(key),
        create: () => {
          const made = new Map<number, string>();
          m.catalogBindings.set(key, made);
          return made;
        },
      };
    }
    if (kind !== "storage_credential" && kind !== "external_location" && kind !== "credential")
      throw err.invalid(
        `Invalid securable type: ${type} (catalog, storage_credential, credential or external_location)`,
      );
    const item = m.securable(kind, name ?? "");
    const key = `${kind}/${String(item.name).toLowerCase()}`;
    const labels = {
      storage_credential: "Storage credential",
      external_location: "External location",
      credential: "Credential",
    };
    return {
      label: `${labels[kind]} '${String(item.name)}'`,
      isolated: () => item.isolation_mode === "ISOLATION_MODE_ISOLATED",
      bound: () => m.securableBindings.get(key),
      create: () => {
        const made = new Map<number, string>();
        m.securableBindings.set(key, made);
        return made;
      },
    };
  };
  type Bindable = ReturnType<typeof bindingsOf>;
  const bindingList = (target: Bindable): Json[] =>
    [...(target.bound() ?? new Map<number, string>())]
      .sort(([a], [b]) => a - b)
      .map(([workspace_id, binding_type]) => ({ workspace_id, binding_type }));
  const rebind = (
    target: Bindable,
    add: { workspace_id: number; binding_type: string }[],
    remove: number[],
  ) => {
    if (add.length && !target.isolated())
      throw err.invalid(
        `${target.label} has isolation mode OPEN: set it to ISOLATED before binding workspaces to it`,
      );
    const m = ms();
    for (const a of add) {
      if (!Number.isInteger(a.workspace_id)) throw err.invalid("Missing required field: workspace_id");
      if (account.assignments.get(a.workspace_id)?.metastore_id !== m.id)
        throw err.invalid(`Workspace ${a.workspace_id} is not assigned to metastore ${m.id}`);
      if (!["BINDING_TYPE_READ_WRITE", "BINDING_TYPE_READ_ONLY"].includes(a.binding_type))
        throw err.invalid(`Invalid binding_type: ${a.binding_type}`);
    }
    const bound = target.bound() ?? target.create();
    for (const id of remove) bound.delete(id);
    for (const a of add) bound.set(a.workspace_id, a.binding_type);
  };
  service.route("GET", `${uc}/bindings/:type/:name`, (req) => {
    const target = bindingsOf(req.params.type, req.params.name);
    if (req.query.get("max_results") === null && !req.query.get("page_token"))
      return ok({ bindings: bindingList(target) });
    return list(req, bindingList(target), "bindings");
  });
  service.route("PATCH", `${uc}/bindings/:type/:name`, (req) => {
    const target = bindingsOf(req.params.type, req.params.name);
    const b = body(req);
    const entries = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
    const type = (t: unknown) =>
      t === undefined || t === "BINDING_TYPE_UNSPECIFIED"
        ? "BINDING_TYPE_READ_WRITE"
        : typeof t === "string"
          ? t
          : JSON.stringify(t);
    rebind(
      target,
      entries(b.add).map((a) => ({
        workspace_id: Number(a.workspace_id),
        binding_type: type(a.binding_type),
      })),
      entries(b.remove).map((r) => Number(r.workspace_id)),
    );
    return ok({ bindings: bindingList(target) });
  });
  // The older catalog-only form: workspace ids, read-write.
  service.route("GET", `${uc}/workspace-bindings/catalogs/:name`, (req) => {
    const target = bindingsOf("catalog", req.params.name);
    return ok({ workspaces: bindingList(target).map((b) => b.workspace_id) });
  });
  service.route("PATCH", `${uc}/workspace-bindings/catalogs/:name`, (req) => {
    const target = bindingsOf("catalog", req.params.name);
    const b = body(req);
    const ids = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number) : []);
    rebind(
      target,
      ids(b.assign_workspaces).map((workspace_id) => ({
        workspace_id,
        binding_type: "BINDING_TYPE_READ_WRITE",
      })),
      ids(b.unassign_workspaces),
    );
    return ok({ workspaces: bindingList(target).map((x) => x.workspace_id) });
  });

  // Grants.
  const kindOf = (raw: string | undefined): SecurableKind => {
    const kind = KINDS[(raw ?? "").toLowerCase()];
    if (!kind) throw err.invalid(`Invalid securable type: ${raw}`);
    return kind;
  };
  service.route("GET", `${uc}/permissions/:type/:full`, (req) => {
    const kind = kindOf(req.params.type);
    const principal = req.query.get("principal");
    const all = ms()
      .privilegeAssignments(kind, req.params.full ?? "")
      .filter((a) => !principal || a.principal === principal);
    if (req.query.get("max_results") === null && !req.query.get("page_token"))
      return ok({ privilege_assignments: all });
    return list(req, all, "privilege_assignments");
  });
  service.route("PATCH", `${uc}/permissions/:type/:full`, (req) => {
    const kind = kindOf(req.params.type);
    const full = req.params.full ?? "";
    const changes = body(req).changes;
    if (!Array.isArray(changes)) throw err.invalid("Missing required field: changes");
    const m = ms();
    for (const c of changes as Json[]) {
      const principal = str(c.principal, "principal", true);
      m.grant(
        kind,
        full,
        principal,
        (c.add as string[] | undefined) ?? [],
        (c.remove as string[] | undefined) ?? [],
      );
    }
    return ok({ privilege_assignments: m.privilegeAssignments(kind, full) });
  });
}

function dropSchema(m: Metastore, full: string): void {
  for (const t of [...(m.tablesBySchema.get(full) ?? [])]) m.deleteTable(t);
  for (const v of m.volumesBySchema.get(full) ?? []) m.volumes.delete(v);
  for (const f of m.functionsBySchema.get(full) ?? []) m.functions.delete(f);
  m.tablesBySchema.delete(full);
  m.volumesBySchema.delete(full);
  m.functionsBySchema.delete(full);
  m.schemas.delete(full);
  m.grants.delete(`schema/${full}`);
}
