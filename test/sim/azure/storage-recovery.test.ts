// The recovery paths of runbook 7.2 as the simulator serves them, through the real SDK clients:
// geo-replication stats and failover (planned / unplanned, data loss after lastSyncTime), the
// restoreBlobRanges limits, the blob service rules for point-in-time restore, container soft
// delete, ADLS Gen2 path undelete and a deleted account recovered from the portal. Azurite answers
// 501 to container restore and blob undelete, so the simulator serves these data-plane calls.
import { StorageManagementClient } from "@azure/arm-storage";
import { BlobServiceClient } from "@azure/storage-blob";
import { DataLakeServiceClient } from "@azure/storage-file-datalake";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { startAzureSim, type AzureSim } from "../../../sim/azure/index.js";

let sim: AzureSim;
let arm: StorageManagementClient;
const RETRY = { maxTries: 2, retryDelayInMs: 5, maxRetryDelayInMs: 20 };
const rg = () => sim.seed!.resourceGroup;
const blobs = (account: string) =>
  new BlobServiceClient(sim.blobUrl(account), sim.credential, {
    httpClient: sim.storageHttpClient,
    retryOptions: RETRY,
  });

beforeEach(async () => {
  sim = await startAzureSim({ seed: { models: 1, versionsPerModel: 1 }, lroPolls: 1 });
  arm = new StorageManagementClient(sim.credential, sim.subscriptionId, {
    httpClient: sim.httpClient,
    retryOptions: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
});
afterEach(async () => sim.close());

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("geo-replication and failover", () => {
  test("a primary outage: statusOfPrimary unavailable, planned failover refused, unplanned loses writes after lastSyncTime and leaves LRS", async () => {
    const c = blobs("stazdrmlprod").getContainerClient("dr");
    await c.create();
    await c.getBlockBlobClient("synced.txt").upload("synced", 6);
    sim.advanceDays(0.01); // 14 minutes: the 5-minute replication lag has carried synced.txt over
    await c.getBlockBlobClient("late.txt").upload("late", 4);
    sim.disasters.primaryOutage("stazdrmlprod");

    const a = await arm.storageAccounts.getProperties(rg(), "stazdrmlprod", {
      expand: "geoReplicationStats",
    });
    expect(a.statusOfPrimary).toBe("unavailable");
    expect(a.geoReplicationStats).toMatchObject({ canFailover: true, canPlannedFailover: false });
    expect(a.geoReplicationStats?.postFailoverRedundancy).toBe("Standard_LRS");
    const lastSync = a.geoReplicationStats!.lastSyncTime!;
    sim.advanceDays(0.1);
    const later = await arm.storageAccounts.getProperties(rg(), "stazdrmlprod", {
      expand: "geoReplicationStats",
    });
    expect(later.geoReplicationStats?.lastSyncTime).toEqual(lastSync); // frozen at the outage

    // The data plane of the primary does not answer.
    await expect(c.getBlobClient("synced.txt").downloadToBuffer()).rejects.toMatchObject({ statusCode: 503 });
    await expect(
      arm.storageAccounts
        .failover(rg(), "stazdrmlprod", { failoverType: "Planned", updateIntervalInMs: 5 })
        .pollUntilDone(),
    ).rejects.toMatchObject({ statusCode: 400, code: "FailoverNotSupported" });

    await arm.storageAccounts.failover(rg(), "stazdrmlprod", { updateIntervalInMs: 5 }).pollUntilDone();
    const after = await arm.storageAccounts.getProperties(rg(), "stazdrmlprod");
    expect(after.sku?.name).toBe("Standard_LRS");
    expect(after.primaryLocation ?? after.location).toBe("northeurope");
    expect(after.secondaryLocation).toBeUndefined();
    expect((await c.getBlobClient("synced.txt").downloadToBuffer()).toString()).toBe("synced");
    expect(await c.getBlobClient("late.txt").exists()).toBe(false);
  });

  test("a planned failover swaps the regions and stays geo-redundant", async () => {
    await arm.storageAccounts
      .failover(rg(), "stazdrmlprod", { failoverType: "Planned", updateIntervalInMs: 5 })
      .pollUntilDone();
    const a = await arm.storageAccounts.getProperties(rg(), "stazdrmlprod");
    expect(a.sku?.name).toBe("Standard_RAGRS");
    expect(a.location).toBe("northeurope");
    expect(a.secondaryLocation).toBe("westeurope");
    expect(sim.log.filter("failover", "arm")[0]!.query).toContain("failoverType=Planned");
  });

  test("failover is refused while geo-replication is not Live", async () => {
    sim.disasters.degradeGeoReplication("stazdrmlprod", { status: "Unavailable" });
    await expect(
      arm.storageAccounts.failover(rg(), "stazdrmlprod", { updateIntervalInMs: 5 }).pollUntilDone(),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("point-in-time restore rules", () => {
  test("more than ten ranges are refused", async () => {
    const ranges = Array.from({ length: 11 }, (_, i) => ({ startRange: `c/${i}`, endRange: `c/${i}z` }));
    await expect(
      arm.storageAccounts
        .restoreBlobRanges(rg(), "stazdrmlprod", { timeToRestore: sim.state.now(), blobRanges: ranges })
        .pollUntilDone(),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect(sim.state.operations.size).toBe(0);
  });

  test("a range over a deleted container fails: point-in-time restore does not restore containers", async () => {
    const svc = blobs("stazdrmlprod");
    await svc.getContainerClient("gone").create();
    await svc.getContainerClient("gone").getBlockBlobClient("x").upload("x", 1);
    sim.advanceDays(0.01);
    const before = sim.state.now();
    sim.advanceDays(0.01);
    sim.disasters.deleteContainer("stazdrmlprod", "gone");
    await expect(
      arm.storageAccounts
        .restoreBlobRanges(
          rg(),
          "stazdrmlprod",
          { timeToRestore: before, blobRanges: [{ startRange: "gone/", endRange: "gone0" }] },
          { updateIntervalInMs: 5 },
        )
        .pollUntilDone(),
    ).rejects.toThrow(/deleted container/);
    const a = await arm.storageAccounts.getProperties(rg(), "stazdrmlprod", { expand: "blobRestoreStatus" });
    expect(a.blobRestoreStatus).toMatchObject({ status: "Failed" });
    expect(a.blobRestoreStatus?.failureReason).toContain("gone");
  });

  test("the restore policy needs versioning, change feed and soft delete with a longer retention", async () => {
    await expect(
      arm.blobServices.setServiceProperties(rg(), "stazdrscratch", {
        restorePolicy: { enabled: true, days: 3 },
      }),
    ).rejects.toThrow(/versioning/);
    await expect(
      arm.blobServices.setServiceProperties(rg(), "stazdrscratch", {
        isVersioningEnabled: true,
        changeFeed: { enabled: true },
        deleteRetentionPolicy: { enabled: true, days: 3 },
        restorePolicy: { enabled: true, days: 3 },
      }),
    ).rejects.toThrow(/less than/);
    const ok = await arm.blobServices.setServiceProperties(rg(), "stazdrscratch", {
      isVersioningEnabled: true,
      changeFeed: { enabled: true },
      deleteRetentionPolicy: { enabled: true, days: 4 },
      restorePolicy: { enabled: true, days: 3 },
    });
    expect(ok.restorePolicy?.enabled).toBe(true);
  });
});

describe("container soft delete", () => {
  test("a deleted container is listed with its version and restored with its blobs", async () => {
    const svc = blobs("stazdrmlprod");
    await svc.getContainerClient("reports").create();
    await svc.getContainerClient("reports").getBlockBlobClient("q1.csv").upload("a,b", 3);
    await svc.getContainerClient("reports").delete();
    expect((await all(svc.listContainers())).map((c) => c.name)).not.toContain("reports");
    const deleted = (await all(svc.listContainers({ includeDeleted: true }))).filter((c) => c.deleted);
    expect(deleted.map((c) => c.name)).toEqual(["reports"]);
    expect(deleted[0]!.version).toBeTruthy();
    expect(deleted[0]!.properties.remainingRetentionDays).toBe(7);

    // A live container with the same name blocks the restore.
    await svc.getContainerClient("reports").create();
    await expect(svc.undeleteContainer("reports", deleted[0]!.version!)).rejects.toMatchObject({
      statusCode: 409,
    });
    await svc.getContainerClient("reports").delete();
    const again = (await all(svc.listContainers({ includeDeleted: true }))).find(
      (c) => c.deleted && c.version === deleted[0]!.version,
    )!;
    const { containerClient } = await svc.undeleteContainer("reports", again.version!);
    expect((await containerClient.getBlobClient("q1.csv").downloadToBuffer()).toString()).toBe("a,b");
  });

  test("without container soft delete a deleted container is gone", async () => {
    const svc = blobs("stazdrscratch");
    await svc.getContainerClient("tmp").create();
    await svc.getContainerClient("tmp").delete();
    expect((await all(svc.listContainers({ includeDeleted: true }))).map((c) => c.name)).not.toContain("tmp");
  });
});

describe("ADLS Gen2 path undelete", () => {
  test("deleted paths are listed with a deletion id and undeleted through the data-lake client", async () => {
    const fsBlob = blobs("stazdrlakeprod").getContainerClient("lake");
    await fsBlob.create();
    await fsBlob.getBlockBlobClient("bronze/2026/a.parquet").upload("AAAA", 4);
    await fsBlob.getBlockBlobClient("bronze/2026/b.parquet").upload("BBBB", 4);
    sim.disasters.deletePath("stazdrlakeprod", "lake", "bronze/");

    const lake = new DataLakeServiceClient("https://stazdrlakeprod.dfs.core.windows.net", sim.credential, {
      httpClient: sim.storageHttpClient,
      retryOptions: RETRY,
    }).getFileSystemClient("lake");
    const deleted = await all(lake.listDeletedPaths({ prefix: "bronze/" }));
    expect(deleted.map((p) => p.name).sort()).toEqual(["bronze/2026/a.parquet", "bronze/2026/b.parquet"]);
    expect(deleted.every((p) => p.deletionId)).toBe(true);
    for (const p of deleted) await lake.undeletePath(p.name, p.deletionId!);
    expect((await fsBlob.getBlobClient("bronze/2026/a.parquet").downloadToBuffer()).toString()).toBe("AAAA");
    expect(await all(lake.listDeletedPaths({ prefix: "bronze/" }))).toHaveLength(0);
    const undeletes = sim.log
      .filter("/:container/*blob", "blob")
      .filter((e) => e.query.includes("comp=undelete"));
    expect(undeletes).toHaveLength(2);
    // A wrong deletion id does not undelete anything.
    await fsBlob.getBlobClient("bronze/2026/a.parquet").delete();
    await expect(lake.undeletePath("bronze/2026/a.parquet", "12345")).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});

describe("deleted account", () => {
  test("the portal's restore brings the account and its data back, without its protection settings", async () => {
    const svc = blobs("stazdrucprod");
    await svc.getContainerClient("keep").create();
    await svc.getContainerClient("keep").getBlockBlobClient("k.txt").upload("k", 1);
    sim.disasters.deleteStorageAccount("stazdrucprod");
    expect((await all(arm.deletedAccounts.list())).map((d) => d.name)).toEqual(["stazdrucprod"]);
    sim.disasters.recoverDeletedAccount("stazdrucprod");
    expect((await all(arm.deletedAccounts.list())).map((d) => d.name)).toEqual([]);
    expect((await svc.getContainerClient("keep").getBlobClient("k.txt").downloadToBuffer()).toString()).toBe(
      "k",
    );
    const p = await arm.blobServices.getServiceProperties(rg(), "stazdrucprod");
    expect(p.isVersioningEnabled).toBe(false);
  });
});

describe("private endpoint connections", () => {
  test("listed and approved through arm-storage; a deletion drops them and a recovery does not bring them back; a re-created manual one waits Pending", async () => {
    const names = async () =>
      (await all(arm.privateEndpointConnections.list(rg(), "stazdrlakeprod"))).map((c) => [
        c.privateEndpoint?.id?.split("/").pop(),
        c.privateLinkServiceConnectionState?.status,
      ]);
    expect(await names()).toEqual([
      ["pe-stazdrlakeprod-dfs", "Approved"],
      ["pe-stazdrlakeprod-blob", "Approved"],
    ]);
    await expect(
      arm.privateEndpointConnections.put(rg(), "stazdrlakeprod", "nope", {
        privateLinkServiceConnectionState: { status: "Approved" },
      }),
    ).rejects.toMatchObject({ statusCode: 404 });

    sim.disasters.deleteStorageAccount("stazdrlakeprod");
    sim.disasters.recoverDeletedAccount("stazdrlakeprod");
    expect(await names()).toEqual([]);
    sim.disasters.recreatePrivateEndpoint("stazdrlakeprod", "pe-stazdrlakeprod-dfs", { manual: true });
    const [pending] = await all(arm.privateEndpointConnections.list(rg(), "stazdrlakeprod"));
    expect(pending!.privateLinkServiceConnectionState?.status).toBe("Pending");
    const approved = await arm.privateEndpointConnections.put(rg(), "stazdrlakeprod", pending!.name!, {
      privateLinkServiceConnectionState: { status: "Approved", description: "ok" },
    });
    expect(approved.privateLinkServiceConnectionState).toMatchObject({
      status: "Approved",
      description: "ok",
    });
    const account = await arm.storageAccounts.getProperties(rg(), "stazdrlakeprod");
    expect(
      account.privateEndpointConnections?.map((c) => c.privateLinkServiceConnectionState?.status),
    ).toEqual(["Approved"]);
  });
});
