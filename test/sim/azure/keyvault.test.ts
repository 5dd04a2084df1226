// Key Vault data plane through the real SecretClient / KeyClient / CertificateClient: challenge
// auth, properties and versions (never values), deleted items and recover, paging and faults.
import { CertificateClient } from "@azure/keyvault-certificates";
import { KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  CANARY_SECRET_VALUE,
  startAzureSim,
  staticTokenCredential,
  type AzureSim,
} from "../../../sim/azure/index.js";

let sim: AzureSim;
let secrets: SecretClient;
let keys: KeyClient;
let certs: CertificateClient;
const RETRY = { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 50 };

beforeAll(async () => {
  sim = await startAzureSim({ seed: { secrets: 12 }, pageSize: { keyVault: 5 } });
  const url = sim.keyVaultUrl(sim.seed!.keyVault);
  const options = { httpClient: sim.httpClient, retryOptions: RETRY };
  secrets = new SecretClient(url, sim.credential, options);
  keys = new KeyClient(url, sim.credential, options);
  certs = new CertificateClient(url, sim.credential, options);
});
afterAll(async () => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.log.clear();
});

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("secrets", () => {
  test("challenge auth: the first request carries no token and gets 401 + WWW-Authenticate", async () => {
    const fresh = new SecretClient(sim.keyVaultUrl(sim.seed!.keyVault), sim.credential, {
      httpClient: sim.httpClient,
    });
    await all(fresh.listPropertiesOfSecrets());
    const [first, second] = sim.log.filter("GET /secrets", "keyvault");
    expect(first!.status).toBe(401);
    expect(second!.status).toBe(200);
  });

  test("list properties pages via nextLink and never reads a value", async () => {
    const props = await all(secrets.listPropertiesOfSecrets());
    expect(props).toHaveLength(sim.seed!.counts.secrets);
    expect(sim.log.count("GET /secrets", "keyvault")).toBeGreaterThanOrEqual(3); // 12 items, 5 per page
    const canary = props.find((p) => p.name === sim.seed!.canary.secretName)!;
    expect(canary.contentType).toBe("text/plain");
    expect(canary.tags).toEqual({ owner: "dba" });
    expect(canary.createdOn).toBeInstanceOf(Date);
    expect(canary.enabled).toBe(true);
    const versions = await all(secrets.listPropertiesOfSecretVersions("app-secret-02"));
    expect(versions).toHaveLength(3);
    expect(new Set(versions.map((v) => v.version)).size).toBe(3);
    expect(JSON.stringify([props, versions])).not.toContain(CANARY_SECRET_VALUE);
    expect(sim.state.secretReads).toHaveLength(0);
  });

  test("getSecret returns the value and is recorded as a value read", async () => {
    const s = await secrets.getSecret(sim.seed!.canary.secretName);
    expect(s.value).toBe(CANARY_SECRET_VALUE);
    expect(sim.state.secretReads.at(-1)).toMatchObject({ kind: "keyvault-secret-value" });
    sim.state.secretReads.length = 0;
  });

  test("delete → listed as deleted → recover", async () => {
    sim.disasters.deleteSecret(sim.seed!.keyVault, "app-secret-03");
    await expect(secrets.getSecret("app-secret-03")).rejects.toMatchObject({
      statusCode: 404,
      code: "SecretNotFound",
    });
    const deleted = await all(secrets.listDeletedSecrets());
    expect(deleted.map((d) => d.name)).toContain("app-secret-03");
    expect(deleted[0]!.properties.recoveryId ?? deleted[0]!.recoveryId).toContain("/deletedsecrets/");
    const poller = await secrets.beginRecoverDeletedSecret("app-secret-03", { intervalInMs: 5 });
    const recovered = await poller.pollUntilDone();
    expect(recovered.name).toBe("app-secret-03");
    expect((await all(secrets.listPropertiesOfSecrets())).map((p) => p.name)).toContain("app-secret-03");
    sim.state.secretReads.length = 0;
  });

  test("delete through the SDK (LRO on deletedsecrets)", async () => {
    const poller = await secrets.beginDeleteSecret("app-secret-05", { intervalInMs: 5 });
    const d = await poller.pollUntilDone();
    expect(d.scheduledPurgeDate).toBeInstanceOf(Date);
    await expect(secrets.setSecret("app-secret-05", "x")).rejects.toMatchObject({ statusCode: 409 });
    sim.state.secretReads.length = 0;
  });

  test("429 with Retry-After and 500 are retried", async () => {
    sim.addFault("keyvault", {
      route: "GET /secrets/:name/versions",
      status: 429,
      retryAfter: "0",
      times: 1,
    });
    sim.addFault("keyvault", { route: "GET /secrets/:name/versions", status: 500, times: 1 });
    expect(await all(secrets.listPropertiesOfSecretVersions("app-secret-01"))).toHaveLength(2);
  });

  test("a wrong token stays 401", async () => {
    const bad = new SecretClient(sim.keyVaultUrl(sim.seed!.keyVault), staticTokenCredential("nope"), {
      httpClient: sim.httpClient,
      retryOptions: RETRY,
    });
    await expect(all(bad.listPropertiesOfSecrets())).rejects.toMatchObject({ statusCode: 401 });
  });
});

describe("keys and certificates", () => {
  test("key properties and versions; delete and recover", async () => {
    const props = await all(keys.listPropertiesOfKeys());
    expect(props.map((k) => k.name).sort()).toEqual(["cmk-0", "cmk-1", "cmk-2"]);
    expect(await all(keys.listPropertiesOfKeyVersions("cmk-1"))).toHaveLength(2);
    const k = await keys.getKey("cmk-0");
    expect(k.keyType).toBe("RSA");
    sim.disasters.deleteVaultItem(sim.seed!.keyVault, "keys", "cmk-2");
    expect((await all(keys.listDeletedKeys())).map((d) => d.name)).toEqual(["cmk-2"]);
    await (await keys.beginRecoverDeletedKey("cmk-2", { intervalInMs: 5 })).pollUntilDone();
    expect(await all(keys.listDeletedKeys())).toHaveLength(0);
  });

  test("certificate properties, versions, get; delete and recover", async () => {
    const props = await all(certs.listPropertiesOfCertificates());
    expect(props.map((c) => c.name).sort()).toEqual(["tls-0", "tls-1"]);
    expect(props[0]!.expiresOn).toBeInstanceOf(Date);
    expect(await all(certs.listPropertiesOfCertificateVersions("tls-0"))).toHaveLength(1);
    const c = await certs.getCertificate("tls-0");
    expect(c.cer?.length).toBe(512);
    expect(c.policy?.subject).toBe("CN=tls-0.azdr.contoso.com");
    sim.disasters.deleteVaultItem(sim.seed!.keyVault, "certificates", "tls-1");
    expect((await all(certs.listDeletedCertificates())).map((d) => d.name)).toEqual(["tls-1"]);
    await (await certs.beginRecoverDeletedCertificate("tls-1", { intervalInMs: 5 })).pollUntilDone();
    expect((await all(certs.listPropertiesOfCertificates())).map((x) => x.name)).toContain("tls-1");
  });
});
