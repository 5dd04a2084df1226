// Secret scopes (Databricks-backed and Azure Key Vault-backed), secrets (metadata only in list)
// and secret ACLs. GET /api/2.0/secrets/get exists ONLY so tests can prove azdr never reads a
// value: every read is recorded in state.secretValueReads.
import type { SimService } from "../core/server.js";
import type { SecretScope, WorkspaceState } from "./state.js";
import { body, err, ok, str } from "./util.js";

const PERMISSIONS = ["READ", "WRITE", "MANAGE"] as const;

function getScope(state: WorkspaceState, name: unknown): SecretScope {
  const scope = str(name, "scope", true);
  const s = state.scopes.get(scope);
  if (!s) throw err.notFound(`Scope ${scope} does not exist!`);
  return s;
}

export function createScope(
  state: WorkspaceState,
  spec: {
    scope: string;
    backend?: "DATABRICKS" | "AZURE_KEYVAULT";
    keyvault?: { resource_id: string; dns_name: string };
    initialManagePrincipal?: string;
  },
): SecretScope {
  if (!/^[\w.@-]{1,128}$/.test(spec.scope))
    throw err.invalid(
      `Scope name '${spec.scope}' must consist of alphanumeric characters, dashes, underscores, @, and periods`,
    );
  if (state.scopes.has(spec.scope)) throw err.exists(`Scope ${spec.scope} already exists!`);
  const backend = spec.backend ?? "DATABRICKS";
  if (backend === "AZURE_KEYVAULT" && (!spec.keyvault?.resource_id || !spec.keyvault.dns_name))
    throw err.invalid(
      "backend_azure_keyvault with resource_id and dns_name is required for AZURE_KEYVAULT scopes",
    );
  const scope: SecretScope = { name: spec.scope, backend_type: backend, secrets: new Map(), acls: new Map() };
  if (spec.keyvault)
    scope.keyvault_metadata = { resource_id: spec.keyvault.resource_id, dns_name: spec.keyvault.dns_name };
  scope.acls.set(spec.initialManagePrincipal ?? state.userName, "MANAGE");
  state.scopes.set(scope.name, scope);
  return scope;
}

export function registerSecretRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/secrets";
  service.route("POST", `${base}/scopes/create`, (req) => {
    const b = body(req);
    const kv = b.backend_azure_keyvault as { resource_id: string; dns_name: string } | undefined;
    const backend = (str(b.scope_backend_type, "scope_backend_type") ??
      (kv ? "AZURE_KEYVAULT" : "DATABRICKS")) as SecretScope["backend_type"];
    if (backend !== "DATABRICKS" && backend !== "AZURE_KEYVAULT")
      throw err.invalid(`Invalid scope_backend_type ${String(backend)}`);
    const manage = str(b.initial_manage_principal, "initial_manage_principal");
    createScope(state, {
      scope: str(b.scope, "scope", true),
      backend,
      ...(kv ? { keyvault: kv } : {}),
      ...(manage ? { initialManagePrincipal: manage } : {}),
    });
    return ok({});
  });
  service.route("GET", `${base}/scopes/list`, () => {
    const scopes = [...state.scopes.values()].map((s) => ({
      name: s.name,
      backend_type: s.backend_type,
      ...(s.keyvault_metadata ? { keyvault_metadata: s.keyvault_metadata } : {}),
    }));
    return ok(scopes.length ? { scopes } : {});
  });
  service.route("POST", `${base}/scopes/delete`, (req) => {
    state.scopes.delete(getScope(state, body(req).scope).name);
    return ok({});
  });
  service.route("POST", `${base}/put`, (req) => {
    const b = body(req);
    const scope = getScope(state, b.scope);
    if (scope.backend_type === "AZURE_KEYVAULT")
      throw err.bad(
        `Scope ${scope.name} is an Azure KeyVault-backed scope, which is read-only through the Databricks API.`,
      );
    const key = str(b.key, "key", true);
    if (!/^[\w.-]{1,128}$/.test(key)) throw err.invalid(`Invalid secret key '${key}'`);
    const value =
      b.string_value !== undefined
        ? Buffer.from(str(b.string_value, "string_value") ?? "", "utf8")
        : Buffer.from(str(b.bytes_value, "bytes_value") ?? "", "base64");
    scope.secrets.set(key, { value, last_updated_timestamp: state.clock() });
    return ok({});
  });
  service.route("GET", `${base}/list`, (req) => {
    const scope = getScope(state, req.query.get("scope"));
    const secrets = [...scope.secrets.entries()].map(([key, s]) => ({
      key,
      last_updated_timestamp: s.last_updated_timestamp,
    }));
    return ok(secrets.length ? { secrets } : {});
  });
  service.route("POST", `${base}/delete`, (req) => {
    const b = body(req);
    const scope = getScope(state, b.scope);
    const key = str(b.key, "key", true);
    if (!scope.secrets.delete(key))
      throw err.notFound(`Secret ${key} does not exist in scope ${scope.name}!`);
    return ok({});
  });
  service.route("GET", `${base}/get`, (req) => {
    const scope = getScope(state, req.query.get("scope"));
    const key = str(req.query.get("key"), "key", true);
    const secret = scope.secrets.get(key);
    if (!secret) throw err.notFound(`Secret ${key} does not exist in scope ${scope.name}!`);
    state.secretValueReads.push({ scope: scope.name, key, at: state.clock() });
    return ok({ key, value: secret.value.toString("base64") });
  });

  service.route("GET", `${base}/acls/list`, (req) => {
    const scope = getScope(state, req.query.get("scope"));
    const items = [...scope.acls.entries()].map(([principal, permission]) => ({ principal, permission }));
    return ok(items.length ? { items } : {});
  });
  service.route("GET", `${base}/acls/get`, (req) => {
    const scope = getScope(state, req.query.get("scope"));
    const principal = str(req.query.get("principal"), "principal", true);
    const permission = scope.acls.get(principal);
    if (!permission)
      throw err.notFound(`Failed to get secret acl for principal ${principal}. ACL does not exist.`);
    return ok({ principal, permission });
  });
  service.route("POST", `${base}/acls/put`, (req) => {
    const b = body(req);
    const scope = getScope(state, b.scope);
    const principal = str(b.principal, "principal", true);
    const permission = str(b.permission, "permission", true) as (typeof PERMISSIONS)[number];
    if (!PERMISSIONS.includes(permission)) throw err.invalid(`Invalid permission ${permission}`);
    scope.acls.set(principal, permission);
    return ok({});
  });
  service.route("POST", `${base}/acls/delete`, (req) => {
    const b = body(req);
    const scope = getScope(state, b.scope);
    const principal = str(b.principal, "principal", true);
    if (!scope.acls.delete(principal))
      throw err.notFound(`ACL for principal ${principal} does not exist in scope ${scope.name}`);
    return ok({});
  });
}
