// The storage recovery client against the simulator: typed account state, deleted accounts,
// operations started in one client and polled from another (a host restart in between), errors
// mapped to AzdrError codes, and the data-plane recovery calls.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { startAzureSim, type AzureSim } from "../../../sim/azure/index.js";
import {
  createStorageRecoveryClient,
  type OperationHandle,
  type OperationStatus,
  type StorageRecoveryClient,
} from "../../../src/lib/clients/storage-recovery.js";
import { isAzdrError } from "../../../src/lib/errors.js";

let sim: AzureSim;
let client: StorageRecoveryClient;
const RETRY = { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 };
const make = () =>
  createStorageRecoveryClient({
    subscriptionId: sim.subscriptionId,
    credential: sim.credential,
    httpClient: sim.httpClient,
    storageHttpClient: sim.storageHttpClient,
    retry: RETRY,
  });
const ref = (name: string) => ({ resourceGroup: sim.seed!.resourceGroup, name });
const blobEndpoint = (name: string) => `https://${name}.blob.core.windows.net/`;

beforeEach(async () => {
  sim = await startAzureSim({ seed: { models: 1, versionsPerModel: 1 }, lroPolls: 2 });
  client = make();
});
afterEach(async () => sim.close());

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Poll like the orchestrator does: each poll from a fresh client (as after a host restart). */
async function pollToEnd(handle: OperationHandle): Promise<{ final: OperationStatus; polls: number }> {
  for (let polls = 1; polls < 20; polls++) {
    const status = await make().pollOperation(JSON.parse(JSON.stringify(handle)) as OperationHandle);
    if (status.status !== "InProgress") return { final: status, polls };
  }
  throw new Error("operation never finished");
}

describe("account state", () => {
  test("geo-replication, endpoints and HNS are typed; a missing account is undefined", async () => {
    const a = (await client.getAccount(ref("stazdrmlprod")))!;
    expect(a).toMatchObject({
      skuName: "Standard_RAGRS",
      isHnsEnabled: false,
      statusOfPrimary: "available",
      blobEndpoint: "https://stazdrmlprod.blob.core.windows.net/",
      geoReplication: { status: "Live", canFailover: true, canPlannedFailover: true },
    });
    expect(Date.parse(a.geoReplication!.lastSyncTime!)).toBeLessThan(sim.state.now().getTime());
    expect((await client.getAccount(ref("stazdrlakeprod")))!.isHnsEnabled).toBe(true);
    expect(await client.getAccount(ref("nosuchaccount"))).toBeUndefined();
  });

  test("a deleted account is found with its resource group; resource groups are checked", async () => {
    sim.disasters.deleteStorageAccount("stazdrucprod");
    expect(await client.getAccount(ref("stazdrucprod"))).toBeUndefined();
    const d = (await client.findDeletedAccount("stazdrucprod"))!;
    expect(d).toMatchObject({
      name: "stazdrucprod",
      resourceGroup: sim.seed!.resourceGroup,
      location: "westeurope",
    });
    expect(d.deletionTime).toBeTruthy();
    expect(await client.findDeletedAccount("stazdrmlprod")).toBeUndefined();
    expect(await client.resourceGroupExists(sim.seed!.resourceGroup)).toBe(true);
    expect(await client.resourceGroupExists("rg-gone")).toBe(false);
    expect(await client.nameAvailability("stazdrucprod")).toEqual({ available: true });
    expect((await client.nameAvailability("stazdrmlprod")).available).toBe(false);
  });

  test("throttling past the retries is THROTTLED, other failures keep their codes", async () => {
    sim.addFault("arm", { route: "storageAccounts/:account", status: 429, retryAfter: "0" });
    await expect(client.getAccount(ref("stazdrmlprod"))).rejects.toSatisfy((e) =>
      isAzdrError(e, "THROTTLED"),
    );
    sim.clearFaults();
    await expect(
      client.setBlobService(ref("stazdrlakeprod"), { restorePolicy: { enabled: true, days: 3 } }),
    ).rejects.toSatisfy((e) => isAzdrError(e, "INVALID_INPUT"));
  });
});

describe("long-running operations survive a restart between start and poll", () => {
  test("unplanned failover: started, polled by handle from fresh clients, account ends LRS", async () => {
    const handle = await client.startFailover(ref("stazdrmlprod"), "Unplanned");
    expect(handle.state).not.toContain(sim.token);
    const { final, polls } = await pollToEnd(handle);
    expect(final).toEqual({ status: "Succeeded" });
    expect(polls).toBeGreaterThan(1);
    expect((await client.getAccount(ref("stazdrmlprod")))!.skuName).toBe("Standard_LRS");
    // The follow-up: geo-redundancy back.
    await client.updateSku(ref("stazdrmlprod"), "Standard_RAGRS");
    const after = (await client.getAccount(ref("stazdrmlprod")))!;
    expect(after.skuName).toBe("Standard_RAGRS");
    expect(after.secondaryLocation).toBe("westeurope");
  });

  test("a planned failover while the primary is down is refused at start", async () => {
    sim.disasters.primaryOutage("stazdrmlprod");
    await expect(client.startFailover(ref("stazdrmlprod"), "Planned")).rejects.toSatisfy((e) =>
      isAzdrError(e, "INVALID_INPUT"),
    );
  });

  test("a point-in-time restore that fails is reported Failed with Azure's reason", async () => {
    const svc = blobEndpoint("stazdrmlprod");
    sim.state.container(sim.state.findStorageAccount("stazdrmlprod")!, "gone", true);
    sim.advanceDays(0.01);
    const t = sim.state.now().toISOString();
    sim.advanceDays(0.01);
    sim.disasters.deleteContainer("stazdrmlprod", "gone");
    expect((await all(client.listDeletedContainers(svc))).map((c) => c.name)).toEqual(["gone"]);
    const handle = await client.startRestoreBlobRanges(ref("stazdrmlprod"), t, [
      { startRange: "gone/", endRange: "gone0" },
    ]);
    const { final } = await pollToEnd(handle);
    expect(final.status).toBe("Failed");
    expect(final.status === "Failed" && final.reason).toContain("deleted container");
  });

  test("a point-in-time restore that succeeds brings the prefix back", async () => {
    const a = sim.state.findStorageAccount("stazdrmlprod")!;
    sim.state.putBlob(a, "data", "p/x.txt", Buffer.from("good"));
    sim.advanceDays(0.01);
    const t = sim.state.now().toISOString();
    sim.advanceDays(0.01);
    sim.disasters.overwriteBlob("stazdrmlprod", "data", "p/x.txt", Buffer.from("bad"));
    const handle = await client.startRestoreBlobRanges(ref("stazdrmlprod"), t, [
      { startRange: "data/p/", endRange: "data/p0" },
    ]);
    expect((await pollToEnd(handle)).final).toEqual({ status: "Succeeded" });
    expect(
      sim.state.currentVersion(a.containers.get("data")!.blobs.get("p/x.txt")!)!.content.toString(),
    ).toBe("good");
  });
});

describe("role assignments", () => {
  test("listed at the account's scope; granting is idempotent; an unknown principal is refused", async () => {
    const roles = await client.listRoleAssignments(ref("stazdrucprod"));
    expect(roles).toHaveLength(2);
    expect(roles[0]!.roleDefinitionId).toMatch(/roleDefinitions\/ba92f5b4/);
    sim.disasters.deleteStorageAccount("stazdrucprod");
    sim.disasters.recoverDeletedAccount("stazdrucprod");
    expect(await client.listRoleAssignments(ref("stazdrucprod"))).toEqual([]);
    expect(await client.grantRole(ref("stazdrucprod"), roles[0]!)).toBe("created");
    expect(await client.grantRole(ref("stazdrucprod"), roles[0]!)).toBe("exists");
    expect(await client.listRoleAssignments(ref("stazdrucprod"))).toEqual([roles[0]]);
    await expect(
      client.grantRole(ref("stazdrucprod"), {
        ...roles[0]!,
        principalId: "00000000-0000-0000-0000-00000000dead",
      }),
    ).rejects.toSatisfy((e) => isAzdrError(e, "INVALID_INPUT") && /PrincipalNotFound/.test(e.message));
  });
});

describe("data plane", () => {
  test("containers, blob versions and undelete; version promotion copies over the base", async () => {
    const ep = blobEndpoint("stazdrmlprod");
    const a = sim.state.findStorageAccount("stazdrmlprod")!;
    sim.state.putBlob(a, "docs", "a.txt", Buffer.from("v1"));
    sim.disasters.overwriteBlob("stazdrmlprod", "docs", "a.txt", Buffer.from("v2"));
    const versions = await all(client.listBlobs(ep, "docs", { includeVersions: true, includeDeleted: true }));
    expect(versions).toHaveLength(2);
    const previous = versions.find((v) => !v.isCurrentVersion)!;
    await client.promoteVersion(ep, "docs", "a.txt", previous.versionId!);
    expect(sim.state.currentVersion(a.containers.get("docs")!.blobs.get("a.txt")!)!.content.toString()).toBe(
      "v1",
    );

    sim.disasters.deleteContainer("stazdrmlprod", "docs");
    expect(await client.containerExists(ep, "docs")).toBe(false);
    const [deleted] = await all(client.listDeletedContainers(ep, "do"));
    await client.restoreContainer(ep, "docs", deleted!.version);
    expect(await client.containerExists(ep, "docs")).toBe(true);
    await expect(client.restoreContainer(ep, "docs", deleted!.version)).rejects.toSatisfy((e) =>
      isAzdrError(e, "NOT_FOUND"),
    );
  });

  test("ADLS paths are listed by deletion id and undeleted; an unreachable primary is reported", async () => {
    const lake = sim.state.findStorageAccount("stazdrlakeprod")!;
    sim.state.putBlob(lake, "raw", "in/a.csv", Buffer.from("a"));
    sim.disasters.deletePath("stazdrlakeprod", "raw", "in/");
    const dfs = "https://stazdrlakeprod.dfs.core.windows.net/";
    const [p] = await all(client.listDeletedPaths(dfs, "raw", "in/"));
    expect(p).toMatchObject({ name: "in/a.csv", remainingRetentionDays: 14 });
    await client.undeletePath(dfs, "raw", p!.name, p!.deletionId);
    expect(await all(client.listDeletedPaths(dfs, "raw", "in/"))).toHaveLength(0);

    expect(await client.probeBlobEndpoint(blobEndpoint("stazdrlakeprod"))).toEqual({ answers: true });
    sim.disasters.primaryOutage("stazdrlakeprod");
    const probe = await client.probeBlobEndpoint(blobEndpoint("stazdrlakeprod"));
    expect(probe.answers).toBe(false);
    expect(probe.reason).toContain("503");
  });
});
