// Key Vault data plane stand-in: secrets, keys and certificates with versions, deleted items and
// recover, behind Key Vault's challenge authentication (a request without a token gets 401 with
// WWW-Authenticate naming the tenant and resource; the SDK then retries with a token). One loopback
// server serves every vault: the vault is the first label of the original host, which the
// simulator HttpClient forwards in the x-azdr-sim-host header. Every read of a secret VALUE is
// recorded in state.secretReads (kind "keyvault-secret-value") so tests can prove we never do it.
import { SimService, type SimRequest, type SimResponse } from "../core/server.js";
import type { RequestLog } from "../core/request-log.js";
import { SIM_HOST_HEADER } from "./http-client.js";
import type { AzureState, KeyVault, KvAttributes, KvItem, Tags } from "./state.js";

export interface KeyVaultOptions {
  tokens: string[];
  /** Items per page (Key Vault caps maxresults at 25). */
  pageSize: number;
}

type Collection = "secrets" | "keys" | "certificates";

const secs = (d: Date | undefined) => (d ? Math.floor(d.getTime() / 1000) : undefined);

function attributesJson(a: KvAttributes, vault: KeyVault): Record<string, unknown> {
  return {
    enabled: a.enabled,
    created: secs(a.created),
    updated: secs(a.updated),
    ...(a.nbf ? { nbf: secs(a.nbf) } : {}),
    ...(a.exp ? { exp: secs(a.exp) } : {}),
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: vault.softDeleteRetentionInDays,
  };
}

export function vaultHostSuffix(): string {
  return ".vault.azure.net";
}

export function createKeyVaultService(
  state: AzureState,
  options: KeyVaultOptions,
  log?: RequestLog,
): SimService {
  const svc: SimService = new SimService(
    {
      label: "keyvault",
      tokens: options.tokens,
      errorBody: (_status, code, message) => ({ error: { code, message } }),
      authenticate: (req) => {
        const header = req.headers.authorization ?? "";
        const token = header.startsWith("Bearer ") ? header.slice(7) : "";
        if (options.tokens.includes(token)) return undefined;
        return {
          status: 401,
          headers: {
            "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/${state.tenantId}", resource="https://vault.azure.net"`,
          },
          body: {
            error: {
              code: "Unauthorized",
              message: token
                ? "AKV10032: Invalid issuer or token."
                : "AKV10000: Request is missing a Bearer or PoP token.",
            },
          },
        };
      },
    },
    log,
  );

  const host = (req: SimRequest) => String(req.headers[SIM_HOST_HEADER] ?? req.headers.host ?? "");
  const vaultUrl = (req: SimRequest) => `https://${host(req)}`;
  const resolveVault = (req: SimRequest) => state.getVault(host(req).split(".")[0] ?? "");
  const ok = (body: unknown): SimResponse => ({ status: 200, body });

  const singular: Record<Collection, string> = {
    secrets: "Secret",
    keys: "Key",
    certificates: "Certificate",
  };
  const notFound = (c: Collection, name: string, version?: string) =>
    svc.error(
      404,
      `${singular[c]}NotFound`,
      `A ${singular[c].toLowerCase()} with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault. If you recently deleted this ${singular[c].toLowerCase()} you may be able to recover it using the correct recovery command.`,
    );

  function withVault(fn: (vault: KeyVault, req: SimRequest) => SimResponse) {
    return (req: SimRequest): SimResponse => {
      const vault = resolveVault(req);
      if (!vault) return svc.error(404, "VaultNotFound", `No vault for host '${host(req)}'`);
      return fn(vault, req);
    };
  }

  function page<T>(req: SimRequest, items: T[], map: (t: T) => unknown): SimResponse {
    const skip = Number(req.query.get("$skiptoken") ?? "0") || 0;
    const size = Math.min(
      Number(req.query.get("maxresults") ?? options.pageSize) || options.pageSize,
      options.pageSize,
    );
    const value = items.slice(skip, skip + size).map(map);
    let nextLink: string | null = null;
    if (skip + size < items.length) {
      const q = new URLSearchParams(req.query);
      q.set("$skiptoken", String(skip + size));
      nextLink = `${vaultUrl(req)}${req.path}?${q.toString()}`;
    }
    return ok({ value, nextLink });
  }

  const live = <V>(vault: KeyVault, c: Collection) =>
    [...(vault[c] as Map<string, KvItem<V>>).values()].filter((i) => !i.deleted && i.versions.length > 0);
  const latest = <V>(item: KvItem<V>) => item.versions[item.versions.length - 1]!;

  // Serialisers ----------------------------------------------------------------------------------
  type SecretV = KeyVault["secrets"] extends Map<string, KvItem<infer V>> ? V : never;
  type KeyV = KeyVault["keys"] extends Map<string, KvItem<infer V>> ? V : never;
  type CertV = KeyVault["certificates"] extends Map<string, KvItem<infer V>> ? V : never;
  const base = (req: SimRequest) => vaultUrl(req);

  const secretItem = (req: SimRequest, vault: KeyVault, name: string, v: SecretV, withVersion: boolean) => ({
    id: `${base(req)}/secrets/${name}${withVersion ? `/${v.version}` : ""}`,
    attributes: attributesJson(v.attributes, vault),
    tags: v.tags,
    ...(v.contentType ? { contentType: v.contentType } : {}),
  });
  const secretBundle = (req: SimRequest, vault: KeyVault, name: string, v: SecretV, withValue: boolean) => {
    if (withValue)
      state.recordSecretRead(
        "keyvault",
        "keyvault-secret-value",
        `${vault.name}/secrets/${name}/${v.version}`,
      );
    return {
      ...(withValue ? { value: v.value } : {}),
      id: `${base(req)}/secrets/${name}/${v.version}`,
      attributes: attributesJson(v.attributes, vault),
      tags: v.tags,
      ...(v.contentType ? { contentType: v.contentType } : {}),
    };
  };
  const keyJwk = (req: SimRequest, name: string, v: KeyV) => ({
    kid: `${base(req)}/keys/${name}/${v.version}`,
    kty: v.kty,
    key_ops: v.keyOps,
    n: v.n,
    e: v.e,
  });
  const keyItem = (req: SimRequest, vault: KeyVault, name: string, v: KeyV, withVersion: boolean) => ({
    kid: `${base(req)}/keys/${name}${withVersion ? `/${v.version}` : ""}`,
    attributes: attributesJson(v.attributes, vault),
    tags: v.tags,
  });
  const keyBundle = (req: SimRequest, vault: KeyVault, name: string, v: KeyV) => ({
    key: keyJwk(req, name, v),
    attributes: attributesJson(v.attributes, vault),
    tags: v.tags,
  });
  const certItem = (req: SimRequest, vault: KeyVault, name: string, v: CertV, withVersion: boolean) => ({
    id: `${base(req)}/certificates/${name}${withVersion ? `/${v.version}` : ""}`,
    x5t: v.x5t,
    attributes: attributesJson(v.attributes, vault),
    tags: v.tags,
  });
  const certPolicy = (req: SimRequest, name: string, v: CertV) => ({
    id: `${base(req)}/certificates/${name}/policy`,
    key_props: { exportable: true, kty: "RSA", key_size: 2048, reuse_key: false },
    secret_props: { contentType: "application/x-pkcs12" },
    x509_props: { subject: v.subject, validity_months: 12 },
    issuer: { name: "Self" },
    attributes: { enabled: true },
  });
  const certBundle = (req: SimRequest, vault: KeyVault, name: string, v: CertV) => ({
    id: `${base(req)}/certificates/${name}/${v.version}`,
    kid: `${base(req)}/keys/${name}/${v.version}`,
    sid: `${base(req)}/secrets/${name}/${v.version}`,
    x5t: v.x5t,
    cer: v.cer.toString("base64"),
    contentType: "application/x-pkcs12",
    attributes: attributesJson(v.attributes, vault),
    tags: v.tags,
    policy: certPolicy(req, name, v),
  });
  const deletedInfo = (req: SimRequest, c: Collection, item: KvItem<unknown>) => ({
    recoveryId: `${base(req)}/deleted${c}/${item.name}`,
    deletedDate: secs(item.deleted!.deletedDate),
    scheduledPurgeDate: secs(item.deleted!.scheduledPurgeDate),
  });

  // Generic per-collection routes -----------------------------------------------------------------
  interface Ser<V> {
    item: (
      req: SimRequest,
      vault: KeyVault,
      name: string,
      v: V,
      withVersion: boolean,
    ) => Record<string, unknown>;
    bundle: (
      req: SimRequest,
      vault: KeyVault,
      name: string,
      v: V,
      purpose: "get" | "delete" | "recover",
    ) => Record<string, unknown>;
  }
  function collection<V extends { version: string }>(c: Collection, ser: Ser<V>) {
    const map = (vault: KeyVault) => vault[c] as unknown as Map<string, KvItem<V>>;
    const find = (vault: KeyVault, name: string) => map(vault).get(name.toLowerCase());

    svc.route(
      "GET",
      `/${c}`,
      withVault((vault, req) =>
        page(req, live<V>(vault, c), (i) => ser.item(req, vault, i.name, latest(i), false)),
      ),
    );
    svc.route(
      "GET",
      `/${c}/:name/versions`,
      withVault((vault, req) => {
        const item = find(vault, req.params.name!);
        if (!item || item.deleted) return notFound(c, req.params.name!);
        return page(req, item.versions, (v) => ser.item(req, vault, item.name, v, true));
      }),
    );
    const get = withVault((vault, req) => {
      const item = find(vault, req.params.name!);
      if (!item || item.deleted) return notFound(c, req.params.name!, req.params.version);
      const v = req.params.version
        ? item.versions.find((x) => x.version === req.params.version)
        : latest(item);
      if (!v) return notFound(c, req.params.name!, req.params.version);
      return ok(ser.bundle(req, vault, item.name, v, "get"));
    });
    if (c === "certificates")
      svc.route(
        "GET",
        `/certificates/:name/policy`,
        withVault((vault, req) => {
          const item = find(vault, req.params.name!);
          if (!item || item.deleted) return notFound(c, req.params.name!);
          return ok(certPolicy(req, item.name, latest(item) as unknown as CertV));
        }),
      );
    svc.route("GET", `/${c}/:name/:version`, get);
    svc.route("GET", `/${c}/:name`, get);
    svc.route(
      "DELETE",
      `/${c}/:name`,
      withVault((vault, req) => {
        const item = find(vault, req.params.name!);
        if (!item || item.deleted) return notFound(c, req.params.name!);
        state.deleteVaultItem(vault, c, item.name);
        return ok({
          ...ser.bundle(req, vault, item.name, latest(item), "delete"),
          ...deletedInfo(req, c, item),
        });
      }),
    );
    svc.route(
      "GET",
      `/deleted${c}`,
      withVault((vault, req) =>
        page(
          req,
          [...map(vault).values()].filter((i) => i.deleted),
          (i) => ({ ...ser.item(req, vault, i.name, latest(i), false), ...deletedInfo(req, c, i) }),
        ),
      ),
    );
    svc.route(
      "GET",
      `/deleted${c}/:name`,
      withVault((vault, req) => {
        const item = find(vault, req.params.name!);
        if (!item?.deleted) return notFound(c, req.params.name!);
        return ok({
          ...ser.bundle(req, vault, item.name, latest(item), "delete"),
          ...deletedInfo(req, c, item),
        });
      }),
    );
    svc.route(
      "POST",
      `/deleted${c}/:name/recover`,
      withVault((vault, req) => {
        const item = find(vault, req.params.name!);
        if (!item?.deleted) return notFound(c, req.params.name!);
        state.recoverVaultItem(vault, c, item.name);
        return ok(ser.bundle(req, vault, item.name, latest(item), "recover"));
      }),
    );
    svc.route(
      "DELETE",
      `/deleted${c}/:name`,
      withVault((vault, req) => {
        const item = find(vault, req.params.name!);
        if (!item?.deleted) return notFound(c, req.params.name!);
        map(vault).delete(item.name.toLowerCase());
        return { status: 204 };
      }),
    );
  }

  collection<SecretV>("secrets", {
    item: secretItem,
    // Get and delete responses carry the value (as in Azure): both are recorded as value reads.
    bundle: (req, vault, name, v, purpose) => secretBundle(req, vault, name, v, purpose !== "recover"),
  });
  collection<KeyV>("keys", {
    item: keyItem,
    bundle: (req, vault, name, v) => keyBundle(req, vault, name, v),
  });
  collection<CertV>("certificates", {
    item: certItem,
    bundle: (req, vault, name, v) => certBundle(req, vault, name, v),
  });

  // Writes used by restores and tests: Set Secret (a new version) and Create Key.
  svc.route(
    "PUT",
    "/secrets/:name",
    withVault((vault, req) => {
      const body = (req.body ?? {}) as { value?: string; contentType?: string; tags?: Tags };
      if (typeof body.value !== "string") return svc.error(400, "BadParameter", "value is required");
      const existing = vault.secrets.get(req.params.name!.toLowerCase());
      if (existing?.deleted)
        return svc.error(
          409,
          "Conflict",
          `Secret ${req.params.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        );
      const v = state.setSecret(vault, req.params.name!, body.value, {
        ...(body.contentType ? { contentType: body.contentType } : {}),
        ...(body.tags ? { tags: body.tags } : {}),
      });
      return ok(secretBundle(req, vault, req.params.name!, v, false));
    }),
  );
  svc.route(
    "POST",
    "/keys/:name/create",
    withVault((vault, req) => {
      const body = (req.body ?? {}) as { kty?: string; key_ops?: string[]; tags?: Tags };
      let item = vault.keys.get(req.params.name!.toLowerCase());
      if (item?.deleted)
        return svc.error(
          409,
          "Conflict",
          `Key ${req.params.name} is currently in a deleted but recoverable state.`,
        );
      if (!item) {
        item = { name: req.params.name!, versions: [] };
        vault.keys.set(item.name.toLowerCase(), item);
      }
      const version = state.kvVersion(`${vault.name}/keys/${item.name}`);
      const v = {
        version,
        kty: body.kty ?? "RSA",
        keyOps: body.key_ops ?? ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
        n: Buffer.from(version.repeat(8)).toString("base64url"),
        e: "AQAB",
        attributes: state.attributes(),
        tags: body.tags ?? {},
      };
      item.versions.push(v);
      return ok(keyBundle(req, vault, item.name, v));
    }),
  );

  return svc;
}
