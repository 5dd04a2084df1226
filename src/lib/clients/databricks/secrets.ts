// Secrets API (/api/2.0/secrets): scopes, their ACLs and the names of their keys. Deliberately no
// method reads a secret value: values never enter a backup, a log or a report.
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions, type Open } from "./common.js";

const BASE = "/api/2.0/secrets";

export type SecretScopeBackend = "DATABRICKS" | "AZURE_KEYVAULT";
export type AclPermission = "READ" | "WRITE" | "MANAGE";

export type SecretScope = Open<{
  name: string;
  backend_type?: SecretScopeBackend;
  keyvault_metadata?: { resource_id: string; dns_name: string };
}>;

export interface CreateScopeRequest {
  scope: string;
  initial_manage_principal?: string;
  scope_backend_type?: SecretScopeBackend;
  backend_azure_keyvault?: { resource_id: string; dns_name: string };
}

export type AclItem = Open<{ principal: string; permission: AclPermission }>;
/** A key's metadata; the value is never read. */
export type SecretKey = Open<{ key: string; last_updated_timestamp?: number }>;

export class SecretsClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "secrets");
  }

  /** The API returns every scope in one answer. */
  async *listScopes(options: CallOptions = {}): AsyncIterableIterator<SecretScope> {
    const response = await this.http.get<{ scopes?: SecretScope[] }>(`${BASE}/scopes/list`, {}, options);
    yield* response.scopes ?? [];
  }

  /** ALREADY_EXISTS when the scope exists. */
  async createScope(request: CreateScopeRequest, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/scopes/create`, request, options);
  }

  async deleteScope(scope: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/scopes/delete`, { scope }, { ...options, idempotent: true });
  }

  async *listAcls(scope: string, options: CallOptions = {}): AsyncIterableIterator<AclItem> {
    const response = await this.http.get<{ items?: AclItem[] }>(`${BASE}/acls/list`, { scope }, options);
    yield* response.items ?? [];
  }

  /** Creates or replaces the principal's permission on the scope. */
  async putAcl(
    scope: string,
    acl: { principal: string; permission: AclPermission },
    options: CallOptions = {},
  ) {
    await this.http.post(`${BASE}/acls/put`, { scope, ...acl }, { ...options, idempotent: true });
  }

  async deleteAcl(scope: string, principal: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/acls/delete`, { scope, principal }, { ...options, idempotent: true });
  }

  /** The keys of a Databricks-backed scope (names and dates only). */
  async *listSecretKeys(scope: string, options: CallOptions = {}): AsyncIterableIterator<SecretKey> {
    const response = await this.http.get<{ secrets?: SecretKey[] }>(`${BASE}/list`, { scope }, options);
    for (const secret of response.secrets ?? []) {
      // Defensive: keep only metadata even if a service ever returned more.
      const { value: _value, string_value: _string, bytes_value: _bytes, ...metadata } = secret;
      yield metadata;
    }
  }
}
