// Daily Unity Catalog metadata backup (runbook 4.2): metastore and its workspace assignment,
// storage credentials, service credentials, external locations, connections (no secrets),
// catalogs, schemas, tables and views (type, format, location, columns, properties), volumes,
// functions, and the grants and owner of every securable, and the workspace bindings of ISOLATED
// catalogs, storage and service credentials and external locations.
import type { BackupSource } from "../backup/engine.js";
import {
  databricksApis,
  type BindingSecurableType,
  type UnityCatalogClient,
} from "../clients/databricks/index.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { FailedEntry, ManifestEntry, SkippedEntry, VanishedEntry } from "../store/manifest.js";
import type { SourceContext } from "./context.js";
import { collect, mapLimit } from "../concurrency.js";
import { SourceHealth } from "./source-health.js";

type Json = Record<string, unknown>;

export type SecurableType =
  | "metastore"
  | "storage_credential"
  /** A service credential (Credentials API, purpose SERVICE), as grants and bindings name it. */
  | "credential"
  | "external_location"
  | "connection"
  | "catalog"
  | "schema"
  | "table"
  | "volume"
  | "function";

/** Entry kind and folder of each securable type in the snapshot. */
export const SECURABLE_FOLDERS: Record<SecurableType, string> = {
  metastore: "metastore",
  storage_credential: "storage-credentials",
  credential: "service-credentials",
  external_location: "external-locations",
  connection: "connections",
  catalog: "catalogs",
  schema: "schemas",
  table: "tables",
  volume: "volumes",
  function: "functions",
};

export interface SecurableWork {
  type: SecurableType;
  /** Full name (catalog.schema.table), or the name / id for top-level securables. */
  fullName: string;
  definition: Json;
}

const SYSTEM_CATALOGS = new Set(["system", "__databricks_internal", "samples", "hive_metastore"]);
/** Connection options that could carry credentials: never stored, even if an API returned them. */
const SECRET_OPTION = /pass(word)?|secret|token|key|credential/i;

export function securablePath(type: SecurableType, fullName: string): string {
  return `${SECURABLE_FOLDERS[type]}/${encodeURIComponent(fullName)}.json`;
}

export function grantsPath(type: SecurableType, fullName: string): string {
  return `grants/${type}/${encodeURIComponent(fullName)}.json`;
}

/** Workspace bindings of an ISOLATED securable (catalog, storage or service credential, external location). */
export function bindingsPath(type: SecurableType, fullName: string): string {
  return `bindings/${type}/${encodeURIComponent(fullName)}.json`;
}

/**
 * The isolation mode of a securable that takes workspace bindings, when it is isolated: catalogs
 * say ISOLATED, storage and service credentials and external locations ISOLATION_MODE_ISOLATED.
 */
export function isolationOf(type: SecurableType, definition: Json): string | undefined {
  const mode = definition["isolation_mode"];
  if (type === "catalog" && mode === "ISOLATED") return mode;
  if (
    (type === "storage_credential" || type === "credential" || type === "external_location") &&
    mode === "ISOLATION_MODE_ISOLATED"
  )
    return mode;
  return undefined;
}

/**
 * A service credential as backed up: a service principal's client secret is never returned by the
 * API, and never stored even if it were.
 */
export function credentialWithoutSecrets(credential: Json): Json {
  const sp = credential["azure_service_principal"] as Json | undefined;
  if (!sp) return credential;
  return {
    ...credential,
    azure_service_principal: Object.fromEntries(Object.entries(sp).filter(([k]) => !SECRET_OPTION.test(k))),
  };
}

export function withoutSecrets(connection: Json): Json {
  const options = (connection["options"] ?? {}) as Json;
  const safe: Json = {};
  for (const [key, value] of Object.entries(options)) if (!SECRET_OPTION.test(key)) safe[key] = value;
  return { ...connection, options: safe };
}

/** Resolve the metastore's workspace and check it is assigned; what to do if not. */
export async function currentAssignment(uc: UnityCatalogClient): Promise<Json> {
  try {
    return await uc.currentMetastoreAssignment();
  } catch (error) {
    if (isAzdrError(error, "NOT_FOUND")) {
      throw new AzdrError(
        "NOT_FOUND",
        "the workspace has no Unity Catalog metastore assigned (runbook 7.3 step 2: assign the metastore, then retry)",
        { cause: error },
      );
    }
    throw error;
  }
}

export const unityCatalogSource: BackupSource<SourceContext, SecurableWork> = {
  kind: "unity-catalog",
  domain: "unity-catalog",
  component: "metadata",

  async plan(ctx, target) {
    const metastoreConfig = ctx.config.unityCatalog.metastores.find((m) => m.id === target.sourceId);
    if (!metastoreConfig)
      throw new AzdrError(
        "INVALID_INPUT",
        `metastore "${target.sourceId}" is not in unityCatalog.metastores`,
      );
    const uc = databricksApis(ctx.databricks(metastoreConfig.workspace)).unityCatalog;
    const assignment = await currentAssignment(uc);
    const summary: Json = await uc.metastoreSummary();
    const metastoreId = String(summary["metastore_id"] ?? assignment["metastore_id"]);
    if (metastoreConfig.metastoreId && metastoreConfig.metastoreId !== metastoreId) {
      throw new AzdrError(
        "CONFLICT",
        `workspace "${metastoreConfig.workspace}" is assigned metastore ${metastoreId}, but the config says ${metastoreConfig.metastoreId}; fix unityCatalog.metastores[].metastoreId`,
      );
    }
    const work: SecurableWork[] = [{ type: "metastore", fullName: metastoreId, definition: summary }];
    const entries: ManifestEntry[] = [
      await ctx.store.putJson("metastore/assignment.json", "metastore-assignment", assignment),
    ];

    for (const credential of await collect(uc.listStorageCredentials())) {
      work.push({ type: "storage_credential", fullName: String(credential["name"]), definition: credential });
    }
    // The Credentials API lists storage credentials too (listed above): service ones only here.
    for (const credential of await collect(uc.listCredentials({ purpose: "SERVICE" }))) {
      if (credential["purpose"] !== "SERVICE") continue;
      work.push({
        type: "credential",
        fullName: String(credential["name"]),
        definition: credentialWithoutSecrets(credential),
      });
    }
    for (const location of await collect(uc.listExternalLocations())) {
      work.push({ type: "external_location", fullName: String(location["name"]), definition: location });
    }
    for (const connection of await collect(uc.listConnections())) {
      work.push({
        type: "connection",
        fullName: String(connection["name"]),
        definition: withoutSecrets(connection),
      });
    }
    const catalogs = (await collect(uc.listCatalogs())).filter(
      (c) => !SYSTEM_CATALOGS.has(String(c["name"])) && c["catalog_type"] !== "SYSTEM_CATALOG",
    );
    let schemas = 0;
    let tables = 0;
    const skipped: SkippedEntry[] = [];
    for (const catalog of catalogs) {
      const catalogName = String(catalog["name"]);
      work.push({ type: "catalog", fullName: catalogName, definition: catalog });
      let children: Json[];
      try {
        children = await collect(uc.listSchemas(catalogName));
      } catch (error) {
        // An ISOLATED catalog not bound to the workspace the backup reads through: the catalog
        // itself, its grants and bindings are backed up; what is inside it cannot be read from here.
        if (!(catalog["isolation_mode"] === "ISOLATED" && isAzdrError(error, "FORBIDDEN"))) throw error;
        skipped.push({
          path: `${SECURABLE_FOLDERS.schema}/${encodeURIComponent(catalogName)}.*`,
          kind: "schema",
          reason: `catalog ${catalogName} is ISOLATED and not bound to workspace "${metastoreConfig.workspace}", which the backup reads through: its schemas, tables, volumes and functions are not backed up; bind that workspace to it (read-only is enough) — ${errorMessage(error)}`,
        });
        continue;
      }
      for (const schema of children) {
        const schemaName = String(schema["name"]);
        if (schemaName === "information_schema") continue;
        schemas++;
        work.push({
          type: "schema",
          fullName:
            typeof schema["full_name"] === "string" ? schema["full_name"] : `${catalogName}.${schemaName}`,
          definition: schema,
        });
        const scope = { catalogName, schemaName };
        for (const table of await collect(uc.listTables(scope))) {
          tables++;
          work.push({
            type: "table",
            fullName:
              typeof table["full_name"] === "string"
                ? table["full_name"]
                : `${catalogName}.${schemaName}.${String(table["name"])}`,
            definition: table,
          });
        }
        for (const volume of await collect(uc.listVolumes(scope))) {
          work.push({ type: "volume", fullName: String(volume["full_name"]), definition: volume });
        }
        for (const fn of await collect(uc.listFunctions(scope))) {
          work.push({ type: "function", fullName: String(fn["full_name"]), definition: fn });
        }
      }
    }
    return {
      carried: { entries, ...(skipped.length ? { skipped } : {}) },
      work,
      summary: {
        metastoreId,
        metastoreName: summary["name"],
        workspace: metastoreConfig.workspace,
        catalogs: catalogs.length,
        schemas,
        tables,
      },
    };
  },

  async runBatch(ctx, target, work) {
    const metastoreConfig = ctx.config.unityCatalog.metastores.find((m) => m.id === target.sourceId)!;
    const uc = databricksApis(ctx.databricks(metastoreConfig.workspace)).unityCatalog;
    const entries: ManifestEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    // A securable that answers 404 was dropped during the run only while the metastore still answers.
    const health = new SourceHealth(
      `metastore "${target.sourceId}" (workspace "${metastoreConfig.workspace}")`,
      "metastore_summary",
      async () => {
        await uc.metastoreSummary();
      },
    );
    await mapLimit(work, ctx.config.limits.maxConcurrentRequests, async (item) => {
      try {
        const grants = await collect(uc.listGrants(item.type, item.fullName));
        entries.push(
          await ctx.store.putJson(securablePath(item.type, item.fullName), item.type, item.definition, {
            fullName: item.fullName,
            ...(item.definition["owner"] ? { owner: item.definition["owner"] } : {}),
          }),
        );
        entries.push(
          await ctx.store.putJson(grantsPath(item.type, item.fullName), "grants", {
            securable_type: item.type,
            full_name: item.fullName,
            privilege_assignments: grants,
          }),
        );
        // An ISOLATED catalog, storage credential or external location is usable only from its
        // bound workspaces: without them it would come back OPEN (usable from every workspace on
        // the metastore).
        const isolation = isolationOf(item.type, item.definition);
        if (isolation) {
          const bindings = await collect(uc.listBindings(item.type as BindingSecurableType, item.fullName));
          entries.push(
            await ctx.store.putJson(bindingsPath(item.type, item.fullName), "bindings", {
              securable_type: item.type,
              full_name: item.fullName,
              isolation_mode: isolation,
              bindings,
            }),
          );
        }
      } catch (error) {
        if (isAzdrError(error) && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")) throw error;
        await health.checkAfter(error); // throws when the metastore or its workspace is gone
        if (isAzdrError(error, "NOT_FOUND")) {
          vanished.push({ path: securablePath(item.type, item.fullName), kind: item.type }); // dropped since the plan
          return;
        }
        failed.push({
          path: securablePath(item.type, item.fullName),
          kind: item.type,
          error: errorMessage(error),
        });
      }
    });
    return { entries, failed, vanished };
  },
};
