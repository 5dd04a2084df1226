// Where Unity Catalog securables live in a metadata snapshot (the manifest entry paths the backup
// writes and the restore reads: never change them, existing snapshots must restore), and what of a
// listed securable is stored (never a secret). Shared by the handlers and the backup source.
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
