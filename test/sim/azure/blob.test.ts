// The simulated Blob data plane (what Azurite lacks: versions, soft-deleted listing, undelete,
// point-in-time restore) and model artifact files, through the real @azure/storage-blob client.
import { StorageManagementClient } from "@azure/arm-storage";
import { BlobServiceClient } from "@azure/storage-blob";
import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { startAzureSim, type AzureSim } from "../../../sim/azure/index.js";

let sim: AzureSim;
const blobClient = (account: string) =>
  new BlobServiceClient(sim.blobUrl(account), sim.credential, {
    httpClient: sim.storageHttpClient,
    retryOptions: { maxTries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 50 },
  });

beforeEach(async () => {
  sim = await startAzureSim({
    seed: { models: 2, versionsPerModel: 2, artifactFilesPerVersion: 3, artifactBytes: 10_000 },
  });
});
afterEach(async () => sim.close());

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("model artifact files can be listed by prefix and downloaded with the seeded hashes", async () => {
  const artifact = sim.seed!.artifacts.find((a) => a.modelUri.startsWith("https:"))!;
  expect(artifact.modelUri).toMatch(/^https:\/\/stazdrmlprod\.blob\.core\.windows\.net\//);
  const container = blobClient(artifact.account).getContainerClient(artifact.container);
  const prefix = artifact.files[0]!.path.replace(/[^/]+$/, "");
  const listed = await all(container.listBlobsFlat({ prefix }));
  expect(listed.map((b) => b.name).sort()).toEqual(artifact.files.map((f) => f.path).sort());
  for (const f of artifact.files) {
    const bytes = await container.getBlobClient(f.path).downloadToBuffer();
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(f.sha256);
  }
  // Hierarchical listing works too.
  const top = await all(container.listBlobsByHierarchy("/", { prefix: "models/" }));
  expect(
    top
      .filter((x) => x.kind === "prefix")
      .map((x) => x.name)
      .sort(),
  ).toEqual([...new Set(sim.seed!.artifacts.map((a) => `models/${a.model}/`))].sort());
});

test("a request without a bearer token gets 401", async () => {
  const res = await fetch(`${sim.urls.blob}/?comp=list`, {
    headers: { "x-azdr-sim-host": "stazdrmlprod.blob.core.windows.net" },
  });
  expect(res.status).toBe(401);
});

describe("soft delete without versioning", () => {
  test("deleted blobs are listed with include=deleted and undelete brings them back", async () => {
    // stazdrlakeprod: soft delete 14 days, no versioning.
    const svc = blobClient("stazdrlakeprod");
    const container = svc.getContainerClient("raw");
    await container.create();
    await container.getBlockBlobClient("a/file.csv").upload("x,y\n1,2\n", 8);
    await container.getBlobClient("a/file.csv").delete();
    expect(await all(container.listBlobsFlat())).toHaveLength(0);
    const deleted = await all(container.listBlobsFlat({ includeDeleted: true }));
    expect(deleted.map((b) => [b.name, b.deleted])).toEqual([["a/file.csv", true]]);
    expect(deleted[0]!.properties.remainingRetentionDays).toBe(14);
    await container.getBlobClient("a/file.csv").undelete();
    expect((await container.getBlobClient("a/file.csv").downloadToBuffer()).toString()).toBe("x,y\n1,2\n");
  });

  test("past the retention window a deleted blob is gone", async () => {
    const container = blobClient("stazdrlakeprod").getContainerClient("raw");
    await container.create();
    await container.getBlockBlobClient("b.txt").upload("b", 1);
    await container.getBlobClient("b.txt").delete();
    sim.advanceDays(15);
    expect(await all(container.listBlobsFlat({ includeDeleted: true }))).toHaveLength(0);
  });
});

describe("versioning and point-in-time restore", () => {
  test("versions are listed; a previous version can be read and promoted by copy", async () => {
    const a = sim.seed!.artifacts[0]!;
    const container = blobClient(a.account).getContainerClient(a.container);
    const path = a.files[1]!.path;
    sim.disasters.overwriteBlob(a.account, a.container, path, Buffer.from("corrupted"));
    const versions = (await all(container.listBlobsFlat({ prefix: path, includeVersions: true }))).filter(
      (b) => b.name === path,
    );
    expect(versions).toHaveLength(2);
    const previous = versions.find((v) => !v.isCurrentVersion)!;
    const old = await container.getBlobClient(path).withVersion(previous.versionId!).downloadToBuffer();
    expect(createHash("sha256").update(old).digest("hex")).toBe(a.files[1]!.sha256);
    await container
      .getBlobClient(path)
      .syncCopyFromURL(container.getBlobClient(path).withVersion(previous.versionId!).url);
    const now = await container.getBlobClient(path).downloadToBuffer();
    expect(createHash("sha256").update(now).digest("hex")).toBe(a.files[1]!.sha256);
  });

  test("restoreBlobRanges (ARM LRO) brings a prefix back to a past time", async () => {
    const a = sim.seed!.artifacts[0]!;
    const arm = new StorageManagementClient(sim.credential, sim.subscriptionId, {
      httpClient: sim.httpClient,
    });
    sim.advanceDays(1);
    const before = sim.state.now();
    sim.advanceDays(0.01);
    for (const f of a.files) sim.disasters.deleteBlob(a.account, a.container, f.path);
    sim.disasters.overwriteBlob(a.account, a.container, "models/new-junk.bin", Buffer.from("junk"));
    const container = blobClient(a.account).getContainerClient(a.container);
    expect(
      await all(container.listBlobsFlat({ prefix: a.files[0]!.path.replace(/[^/]+$/, "") })),
    ).toHaveLength(0);

    const result = await arm.storageAccounts
      .restoreBlobRanges(
        sim.seed!.resourceGroup,
        a.account,
        {
          timeToRestore: before,
          blobRanges: [{ startRange: `${a.container}/models/`, endRange: `${a.container}/models0` }],
        },
        { updateIntervalInMs: 5 },
      )
      .pollUntilDone();
    expect(result.status).toBe("Complete");
    for (const f of a.files) {
      const bytes = await container.getBlobClient(f.path).downloadToBuffer();
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(f.sha256);
    }
    expect(await container.getBlobClient("models/new-junk.bin").exists()).toBe(false);
  });

  test("restoreBlobRanges is refused on a hierarchical-namespace account", async () => {
    const arm = new StorageManagementClient(sim.credential, sim.subscriptionId, {
      httpClient: sim.httpClient,
    });
    await expect(
      arm.storageAccounts
        .restoreBlobRanges(sim.seed!.resourceGroup, "stazdrlakeprod", {
          timeToRestore: sim.state.now(),
          blobRanges: [{ startRange: "", endRange: "" }],
        })
        .pollUntilDone(),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
