// Key Vault inventory through the engine against sim/azure: every secret, key and certificate with
// every version (never a value), paging and throttling, and diffInventories between two snapshots.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { CANARY_SECRET_VALUE } from "../../../../sim/azure/index.js";
import { BACKUP_KINDS } from "../../../../src/lib/backup/catalog.js";
import {
  diffInventories,
  keyVaultSource,
  readInventory,
  type VaultInventory,
} from "../../../../src/lib/sources/key-vault-source.js";
import { SECRET_VALUE_ROUTES, runBackup, startAzurePlatform, type AzureTestPlatform } from "./support.js";

let p: AzureTestPlatform;
const VAULT = "kv-azdr-prod";

beforeAll(async () => {
  p = await startAzurePlatform({
    sim: { seed: { secrets: 12, keys: 3, certificates: 2 }, pageSize: { keyVault: 5 } },
  });
});
afterAll(async () => p.close());
beforeEach(() => {
  p.sim.clearFaults();
  p.sim.log.clear();
});

describe("key-vault inventory", () => {
  let first: VaultInventory;

  test("every secret, key and certificate with every version, and no value anywhere", async () => {
    expect(BACKUP_KINDS["key-vault"].source).toBe(keyVaultSource);
    const seed = p.sim.seed!;
    const vault = p.sim.state.getVault(VAULT)!;
    const run = await runBackup(p.runtime, keyVaultSource, "kv-main", "20260101t033000z", 4);
    expect(run.commit.phase).toBe("Completed");
    expect(run.manifest.counts["kv-secret"]).toBe(seed.counts.secrets);
    expect(run.manifest.counts["kv-key"]).toBe(seed.counts.keys);
    expect(run.manifest.counts["kv-certificate"]).toBe(seed.counts.certificates);
    expect(run.plan.batches).toBe(
      Math.ceil((seed.counts.secrets + seed.counts.keys + seed.counts.certificates) / 4),
    );

    first = await readInventory(p.runtime.store, run.manifest);
    expect(first.vault).toBe(VAULT);
    for (const [kind, items] of [
      ["secret", vault.secrets],
      ["key", vault.keys],
      ["certificate", vault.certificates],
    ] as const) {
      for (const [, item] of items) {
        const got = first.items.find((i) => i.kind === kind && i.name === item.name);
        expect(got, `${kind} ${item.name}`).toBeDefined();
        expect(got!.versions.map((v) => v.version).sort()).toEqual(
          item.versions.map((v) => v.version).sort(),
        );
      }
    }
    const canary = first.items.find((i) => i.name === seed.canary.secretName)!;
    expect(canary).toMatchObject({
      kind: "secret",
      enabled: true,
      contentType: "text/plain",
      tags: { owner: "dba" },
    });
    expect(canary.createdOn).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(first.items.find((i) => i.name === "app-secret-01")?.expiresOn).toBeTruthy();
    expect(first.items.find((i) => i.name === "app-secret-02")?.versions).toHaveLength(3);

    // No value: neither in the stored inventory nor read from the vault.
    const bodies = await Promise.all(run.manifest.entries.map((e) => p.runtime.store.getObject(e.sha256)));
    expect(bodies.some((b) => b.toString().includes(CANARY_SECRET_VALUE))).toBe(false);
    expect(bodies.some((b) => /"value"\s*:/.test(b.toString()))).toBe(false);
    expect(p.sim.state.secretReads).toEqual([]);
    expect(p.sim.log.entries.filter((e) => SECRET_VALUE_ROUTES.test(e.route))).toEqual([]);
    // 12 secrets at 5 per page: the list followed nextLink.
    expect(
      p.sim.log.filter(/^GET \/secrets$/, "keyvault").filter((e) => e.status === 200).length,
    ).toBeGreaterThanOrEqual(3);
  });

  test("throttled Key Vault lists (429 + Retry-After) are retried", async () => {
    p.sim.addFault("keyvault", { route: /^GET \/keys$/, status: 429, retryAfter: "0", times: 2 });
    p.sim.addFault("keyvault", { route: "/versions", status: 429, retryAfter: "0", times: 3 });
    const run = await runBackup(p.runtime, keyVaultSource, "kv-main", "20260101t043000z");
    expect(run.commit.phase).toBe("Completed");
    expect(run.manifest.changes).toEqual({ added: [], modified: [], removed: [] });
    expect(p.sim.log.filter(/^GET \/keys$/, "keyvault").filter((e) => e.status === 429)).toHaveLength(2);
  });

  test("two inventories diff into deleted (recoverable), changed and added", async () => {
    const vault = p.sim.state.getVault(VAULT)!;
    p.sim.disasters.deleteSecret(VAULT, "app-secret-03");
    // Rotated without a content type (it was application/json): both show in the diff.
    p.sim.state.setSecret(vault, "app-secret-04", "rotated", { tags: { app: "app0" } });
    p.sim.state.setSecret(vault, "brand-new", "x", {});
    const run = await runBackup(p.runtime, keyVaultSource, "kv-main", "20260102t033000z");
    expect(run.commit.phase).toBe("Completed");
    const second = await readInventory(p.runtime.store, run.manifest);
    expect(second.deleted.map((d) => `${d.kind}/${d.name}`)).toEqual(["secret/app-secret-03"]);
    const diff = diffInventories(first, second);
    expect(diff.deleted).toEqual([
      expect.objectContaining({ kind: "secret", name: "app-secret-03", recoverable: true }),
    ]);
    expect(diff.deleted[0]!.scheduledPurgeDate).toBeTruthy();
    expect(diff.added).toEqual([{ kind: "secret", name: "brand-new" }]);
    expect(diff.changed).toEqual([
      { kind: "secret", name: "app-secret-04", changes: ["contentType", "versions +1 -0"] },
    ]);
    expect(run.manifest.changes.removed).toEqual(["secrets/app-secret-03.json"]);
    expect(p.sim.state.secretReads).toEqual([]);
  });
});

describe("diffInventories (pure)", () => {
  const item = (name: string, extra: Record<string, unknown> = {}) => ({
    kind: "secret" as const,
    name,
    enabled: true,
    tags: { a: "1" },
    versions: [{ version: "v1", enabled: true }],
    ...extra,
  });
  test("attribute changes, purged deletions and case-insensitive names", () => {
    const a: VaultInventory = { vault: "kv", items: [item("One"), item("two"), item("three")], deleted: [] };
    const b: VaultInventory = {
      vault: "kv",
      items: [
        item("one", { enabled: false, tags: { a: "2" } }),
        item("three", { versions: [{ version: "v1", enabled: false }] }),
      ],
      deleted: [],
    };
    expect(diffInventories(a, b)).toEqual({
      deleted: [{ kind: "secret", name: "two", recoverable: false }],
      changed: [
        { kind: "secret", name: "One", changes: ["enabled", "tags"] },
        { kind: "secret", name: "three", changes: ["version attributes"] },
      ],
      added: [],
    });
    expect(diffInventories(a, a)).toEqual({ deleted: [], changed: [], added: [] });
  });
});
