// Storage protection settings and the recovery paths they allow, through the engine against
// sim/azure's ARM (real arm-storage client); a deleted account is reported as recoverable.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { BACKUP_KINDS } from "../../../../src/lib/backup/catalog.js";
import {
  recoveryPaths,
  storageProtectionSource,
  type PrivateEndpointRecord,
  type ProtectionSettings,
  type RecoveryPath,
  type RecoveryPathName,
} from "../../../../src/lib/sources/storage-protection-source.js";
import { SECRET_VALUE_ROUTES, runBackup, startAzurePlatform, type AzureTestPlatform } from "./support.js";

let p: AzureTestPlatform;

beforeAll(async () => {
  p = await startAzurePlatform();
});
afterAll(async () => p.close());
beforeEach(() => {
  p.sim.clearFaults();
  p.sim.log.clear();
});

async function protection(sourceId: string, snapshotId = "20260101t040000z") {
  const run = await runBackup(p.runtime, storageProtectionSource, sourceId, snapshotId);
  const entry = run.manifest.entries.find((e) => e.path === "protection.json");
  return {
    run,
    body: entry
      ? await p.runtime.store.getJson<{
          settings: ProtectionSettings;
          recoveryPaths: Record<RecoveryPathName, RecoveryPath>;
        }>(entry.sha256)
      : undefined,
  };
}

describe("storage-protection", () => {
  test("the ML account: every setting, and point-in-time restore available", async () => {
    expect(BACKUP_KINDS["storage-protection"].sources(p.config)).toHaveLength(4);
    const { run, body } = await protection("st-ml");
    expect(run.commit.phase).toBe("Completed");
    expect(run.manifest.counts).toEqual({
      "storage-account": 1,
      "storage-blob-service": 1,
      "storage-private-endpoints": 1,
      "storage-protection": 1,
      "storage-role-assignments": 1,
    });
    // The account's own role assignments (runbook 7.2 re-grants them after a recovery).
    const roles = run.manifest.entries.find((e) => e.path === "role-assignments.json")!;
    const recorded = await p.runtime.store.getJson<{ principalId: string }[]>(roles.sha256);
    expect(recorded).toHaveLength(3);
    expect(body!.settings).toMatchObject({
      account: "stazdrmlprod",
      skuName: "Standard_RAGRS",
      isHnsEnabled: false,
      blobSoftDelete: { enabled: true, days: 7 },
      containerSoftDelete: { enabled: true, days: 7 },
      versioning: true,
      changeFeed: { enabled: true, retentionInDays: 14 },
      pointInTimeRestore: { enabled: true, days: 6 },
      secondaryLocation: "northeurope",
    });
    expect(body!.settings.geoReplication?.lastSyncTime).toMatch(/^\d{4}-/);
    expect(body!.recoveryPaths.pointInTimeRestore).toMatchObject({ available: true, windowDays: 6 });
    expect(body!.recoveryPaths.accountFailover.available).toBe(true);
    expect(body!.recoveryPaths.readFromSecondary.available).toBe(true);
    expect(run.manifest.summary).toMatchObject({
      account: "stazdrmlprod",
      recoveryPaths: { pointInTimeRestore: true },
    });
    // No account keys were listed.
    expect(p.sim.log.entries.filter((e) => SECRET_VALUE_ROUTES.test(e.route))).toEqual([]);
  });

  test("the lake's private endpoints are recorded with the group ids and subnet read from each endpoint; an unreadable endpoint is recorded with the reason", async () => {
    const { run } = await protection("st-lake");
    const entry = run.manifest.entries.find((e) => e.path === "private-endpoints.json")!;
    const recorded = await p.runtime.store.getJson<PrivateEndpointRecord[]>(entry.sha256);
    expect(recorded.map((r) => r.privateEndpointId.split("/").pop())).toEqual([
      "pe-stazdrlakeprod-dfs",
      "pe-stazdrlakeprod-blob",
    ]);
    expect(recorded.map((r) => r.groupIds)).toEqual([["dfs"], ["blob"]]);
    expect(recorded[0]).toMatchObject({ status: "Approved", manual: false });
    expect(recorded[0]!.connectionName).toMatch(/^pe-stazdrlakeprod-dfs\./);
    expect(recorded[0]!.subnetId).toMatch(/\/subnets\/snet-private-endpoints$/);
    // The endpoint lives where azdr may not read it: the backup still completes and says why.
    p.sim.addFault("arm", {
      route: "GET /subscriptions/:sub/resourceGroups/:rg/providers/Microsoft.Network/privateEndpoints/:pe",
      status: 403,
    });
    const denied = await protection("st-lake", "20260101t050000z");
    expect(denied.run.commit.phase).toBe("Completed");
    const again = denied.run.manifest.entries.find((e) => e.path === "private-endpoints.json")!;
    const partial = await p.runtime.store.getJson<PrivateEndpointRecord[]>(again.sha256);
    expect(partial[0]!.status).toBe("Approved");
    expect(partial[0]!.unreadable).toMatch(/^azdr may not read it: .*403/);
    expect(partial[0]!.groupIds).toBeUndefined();
  });

  test("HNS lake: no point-in-time restore, and the reason says why", async () => {
    const { body } = await protection("st-lake");
    expect(body!.settings).toMatchObject({ isHnsEnabled: true, skuName: "Standard_RAGZRS" });
    expect(body!.recoveryPaths.pointInTimeRestore.available).toBe(false);
    expect(body!.recoveryPaths.pointInTimeRestore.reason).toMatch(/hierarchical namespace/);
    expect(body!.recoveryPaths.blobUndelete).toMatchObject({ available: true, windowDays: 14 });
    expect(body!.recoveryPaths.accountFailover.available).toBe(true);
  });

  test("ZRS with versioning, and an unprotected LRS scratch account", async () => {
    const uc = (await protection("st-uc")).body!;
    expect(uc.recoveryPaths.previousVersions.available).toBe(true);
    expect(uc.recoveryPaths.pointInTimeRestore.available).toBe(false);
    expect(uc.recoveryPaths.accountFailover.available).toBe(false);
    const scratch = (await protection("st-scratch")).body!;
    expect(Object.values(scratch.recoveryPaths).every((r) => !r.available)).toBe(true);
    expect(scratch.recoveryPaths.blobUndelete.reason).toMatch(/soft delete is off/);
  });

  test("429 with Retry-After on the account GET is retried", async () => {
    p.sim.addFault("arm", {
      route: "storageAccounts/:account",
      method: "GET",
      status: 429,
      retryAfter: "0",
      times: 2,
    });
    const { run } = await protection("st-scratch", "20260101t050000z");
    expect(run.commit.phase).toBe("Completed");
    expect(
      p.sim.log
        .filter("storageAccounts/:account", "arm")
        .map((e) => e.status)
        .slice(0, 3),
    ).toEqual([429, 429, 200]);
  });

  test("a deleted account fails the snapshot and says it is still recoverable", async () => {
    p.sim.disasters.deleteStorageAccount("stazdrucprod");
    const { run } = await protection("st-uc", "20260101t060000z");
    expect(run.commit.phase).toBe("Failed");
    expect(run.plan.fatal).toMatch(/stazdrucprod was deleted at .* still recoverable/);
  });
});

describe("recoveryPaths (pure)", () => {
  test("point-in-time restore needs versioning, change feed and soft delete too", () => {
    const s: ProtectionSettings = {
      account: "x",
      resourceGroup: "rg",
      skuName: "Standard_GRS",
      isHnsEnabled: false,
      blobSoftDelete: { enabled: true, days: 7 },
      containerSoftDelete: { enabled: false },
      versioning: false,
      changeFeed: { enabled: false },
      pointInTimeRestore: { enabled: true, days: 5 },
    };
    const paths = recoveryPaths(s);
    expect(paths.pointInTimeRestore).toEqual({
      available: false,
      reason: "versioning is off; change feed is off",
    });
    expect(paths.accountFailover.available).toBe(true);
    expect(paths.readFromSecondary.available).toBe(false);
    expect(recoveryPaths({ ...s, failoverInProgress: true }).accountFailover.reason).toMatch(/in progress/);
  });
});
