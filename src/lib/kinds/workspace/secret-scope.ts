// Secret scopes with their ACLs: backed up as backing (Databricks or Key Vault), ACLs and key NAMES,
// never a value (the secret-value API is never called); restored by name with ACLs re-put (principals
// remapped; a Key Vault-backed scope re-pointed at its vault); validated by ACL set.
import type { AclPermission, CreateScopeRequest } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import { isAzdrError } from "../../errors.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { remapPrincipal } from "../../restore/engine/remap.js";
import { checkSet } from "../compare.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "secret-scopes",
  title: "Secret scopes and ACLs",
  why: "Notebooks read secrets at run time; values are not in backups.",
};

/** The target's scope names. */
function targetScopes(r: WorkspaceRestore): Promise<Set<string>> {
  return r.memo(
    "secret-scopes",
    async () => new Set((await collect(r.api.secrets.listScopes())).map((s) => s.name)),
  );
}

export const secretScope: WorkspaceKind = {
  kind: "secret-scope",
  label: "Secret scope and ACLs",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "ACL set (principals remapped); values are never backed up, key names are",
  },
  entryPath: (id) => jsonEntryPath("secret-scopes", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const scopes = await collect(b.api.secrets.listScopes());
      for (const scope of scopes) {
        const name = scope.name;
        const acls = await collect(b.api.secrets.listAcls(name));
        // Key names and dates only: the client never hands out a value.
        const keys =
          scope.backend_type === "AZURE_KEYVAULT"
            ? []
            : (await collect(b.api.secrets.listSecretKeys(name))).map((s) => ({
                key: s.key,
                last_updated_timestamp: s.last_updated_timestamp,
              }));
        entries.push(
          await b.ctx.store.putJson(secretScope.entryPath(name), secretScope.kind, {
            name,
            backend_type: scope.backend_type ?? "DATABRICKS",
            ...(scope.keyvault_metadata ? { keyvault_metadata: scope.keyvault_metadata } : {}),
            acls,
            keys,
          }),
        );
      }
      return { entries, work: [], summary: { secretScopes: scopes.length } };
    },
  },

  async plan(r, entries) {
    const scopes = await targetScopes(r);
    const items = [];
    const notes: string[] = [];
    for (const entry of entries) {
      const body = await bodyOf(r, entry);
      const name = String(body["name"]);
      items.push({
        ...itemBase(secretScope, entry, name),
        ...existingAction(scopes.has(name), r.request, `scope "${name}"`),
      });
      const keys = (body["keys"] as Json[] | undefined) ?? [];
      if (body["backend_type"] !== "AZURE_KEYVAULT" && keys.length > 0)
        notes.push(
          `Secret scope "${name}" is Databricks-backed: its ${keys.length} secret value(s) (${keys.map((k) => String(k["key"])).join(", ")}) must be re-entered; backups never hold values.`,
        );
    }
    return { items, notes };
  },

  async apply(r, item) {
    const body = await bodyOf(r, item);
    const name = String(body["name"]);
    const existed = (await targetScopes(r)).has(name);
    if (!existed) {
      const create: CreateScopeRequest = { scope: name };
      if (body["backend_type"] === "AZURE_KEYVAULT") {
        const kv = (body["keyvault_metadata"] ?? {}) as Json;
        create.scope_backend_type = "AZURE_KEYVAULT";
        create.backend_azure_keyvault = {
          resource_id: String(kv["resource_id"]),
          dns_name: String(kv["dns_name"]),
        };
      }
      try {
        await r.api.secrets.createScope(create);
      } catch (error) {
        if (!isAzdrError(error, "ALREADY_EXISTS")) throw error;
      }
    }
    for (const acl of (body["acls"] as Json[] | undefined) ?? [])
      await r.api.secrets.putAcl(name, {
        principal: remapPrincipal(String(acl["principal"]), r.request.remap),
        permission: acl["permission"] as AclPermission,
      });
    return {
      status: existed ? "updated" : "created",
      detail:
        body["backend_type"] === "AZURE_KEYVAULT"
          ? "Key Vault-backed: re-pointed"
          : "Databricks-backed: values must be re-entered",
    };
  },

  async validate(r, planned) {
    const scopes = await targetScopes(r);
    return [
      await checkSet("secret scopes restored (with ACLs)", planned, async (item) => {
        const want = await bodyOf(r, item);
        const name = String(want["name"]);
        if (!scopes.has(name)) return "missing";
        const acls = new Map(
          (await collect(r.api.secrets.listAcls(name))).map((a) => [a.principal, String(a.permission)]),
        );
        const missing = ((want["acls"] as Json[] | undefined) ?? [])
          .map((a) => ({
            principal: remapPrincipal(String(a["principal"]), r.request.remap),
            permission: String(a["permission"]),
          }))
          .filter((a) => acls.get(a.principal) !== a.permission)
          .map((a) => `${a.principal} (${a.permission})`);
        return missing.length ? `ACL lacks ${missing.join(", ")}` : undefined;
      }),
    ];
  },
};
