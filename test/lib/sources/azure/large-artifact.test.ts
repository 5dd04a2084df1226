// Model artifacts of any size: the body streams from the source account into the store in blocks,
// hashed on the way (no whole-body buffer, no size limit), and verification re-hashes it streaming.
// A small upload block size makes a few-MB artifact many blocks.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { azureMlModelsSource } from "../../../../src/lib/sources/azureml-source.js";
import { collectGarbage } from "../../../../src/lib/store/retention.js";
import { OBJECTS_CONTAINER, objectPath, stagingObjectPath } from "../../../../src/lib/store/layout.js";
import { verifySnapshot } from "../../../../src/lib/store/verify.js";
import { runBackup, startAzurePlatform, type AzureTestPlatform } from "./support.js";

const BLOCK = 64 * 1024;
// 80 blocks and a bit: the last block is short.
const ARTIFACT_BYTES = 80 * BLOCK + 12_345;

let p: AzureTestPlatform;
beforeAll(async () => {
  p = await startAzurePlatform({
    sim: {
      seed: { models: 1, versionsPerModel: 1, artifactFilesPerVersion: 1, artifactBytes: ARTIFACT_BYTES },
    },
    uploadBlockBytes: BLOCK,
  });
});
afterAll(() => p.close());

describe("large model artifacts", () => {
  test("an artifact 80× the block size is streamed in blocks, stored under its sha256 and verified by re-hashing", async () => {
    const artifact = p.sim.seed!.artifacts[0]!;
    const seeded = artifact.files[0]!;
    expect(seeded.size).toBe(ARTIFACT_BYTES);
    const run = await runBackup(p.runtime, azureMlModelsSource, "mlw-main", "20260101t010000z");
    expect(run.commit.phase).toBe("Completed");
    expect(run.manifest.skipped).toEqual([]);
    const entry = run.manifest.entries.find((e) => e.kind === "ml-model-artifact")!;
    expect(entry).toMatchObject({ sha256: seeded.sha256, size: ARTIFACT_BYTES });
    // Streamed: one staged block per 64 KiB, the last one short.
    expect(run.stats["uploadBlocks"]).toBe(81);
    expect(run.stats["uploadedBytes"]).toBe(ARTIFACT_BYTES);
    // No staging blob is left behind.
    const staging: string[] = [];
    for await (const blob of p.runtime.store.blobs.list(OBJECTS_CONTAINER, stagingObjectPath("")))
      staging.push(blob.name);
    expect(staging).toEqual([]);

    const ref = {
      domain: "azureml" as const,
      sourceId: "mlw-main",
      component: "models",
      snapshotId: "20260101t010000z",
    };
    const verified = await verifySnapshot(p.runtime.store, ref, { deep: "all" });
    expect(verified).toMatchObject({ ok: true, problems: [] });
    expect(verified.checkedContent).toBeGreaterThanOrEqual(2);

    // The same bytes again (a second copy of the file): deduplicated, nothing new written.
    const again = await p.runtime.store.putObjectStream(
      (async function* () {
        const { stream } = await p.runtime.azure.blobs.openRead(
          artifact.account,
          artifact.container,
          seeded.path,
        );
        yield* stream;
      })(),
    );
    expect(again).toMatchObject({ sha256: seeded.sha256, size: ARTIFACT_BYTES, written: false, blocks: 81 });

    // Corrupt the stored body (same size, other bytes): only the streamed re-hash notices.
    await p.runtime.store.blobs.put(
      OBJECTS_CONTAINER,
      objectPath(seeded.sha256),
      Buffer.alloc(ARTIFACT_BYTES, 7),
    );
    const corrupt = await verifySnapshot(p.runtime.store, ref, { deep: "all" });
    expect(corrupt.ok).toBe(false);
    expect(corrupt.problems).toEqual([
      expect.objectContaining({
        path: entry.path,
        problem: "corrupt",
        detail: expect.stringMatching(/^content hashes to [0-9a-f]{64}$/) as unknown as string,
      }),
    ]);
  });

  test("a staging blob a crashed upload left behind is removed by garbage collection after the grace period", async () => {
    const leftover = stagingObjectPath("crashed-upload");
    await p.runtime.store.blobs.put(OBJECTS_CONTAINER, leftover, Buffer.alloc(1000, 1));
    const young = await collectGarbage(p.runtime.store, { graceMs: 3_600_000, now: new Date() });
    expect(young.deletedUncommitted).not.toContain(`${OBJECTS_CONTAINER}/${leftover}`);
    const old = await collectGarbage(p.runtime.store, {
      graceMs: 3_600_000,
      now: new Date(Date.now() + 2 * 3_600_000),
    });
    expect(old.deletedUncommitted).toContain(`${OBJECTS_CONTAINER}/${leftover}`);
    expect(await p.runtime.store.blobs.size(OBJECTS_CONTAINER, leftover)).toBeUndefined();
  });
});
