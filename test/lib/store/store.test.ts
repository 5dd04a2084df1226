import { describe, expect, it } from "vitest";
import {
  OBJECTS_CONTAINER,
  applyRetention,
  collectGarbage,
  objectPath,
  sha256Hex,
  verifySnapshot,
  type SnapshotRef,
} from "../../../src/lib/store/index.js";
import { openBackupStore } from "../../../src/lib/store/index.js";
import { isolatedStore } from "../../support/store.js";

const ref = (snapshotId: string, sourceId = "primary"): SnapshotRef => ({
  domain: "databricks",
  sourceId,
  component: "workspace-objects",
  snapshotId,
});

async function countObjects(store: ReturnType<typeof isolatedStore>["store"]): Promise<number> {
  let n = 0;
  for await (const _ of store.blobs.list(OBJECTS_CONTAINER)) n++;
  return n;
}

async function backUp(
  store: ReturnType<typeof isolatedStore>["store"],
  snapshot: SnapshotRef,
  files: Record<string, string>,
  options: { previous?: string; endedAt?: string } = {},
) {
  const entries = [];
  for (const [path, body] of Object.entries(files)) {
    const put = await store.putObject(body);
    entries.push({
      path,
      kind: "NOTEBOOK",
      sha256: put.sha256,
      size: put.size,
      meta: { language: "PYTHON" },
    });
  }
  await store.writePart(snapshot, "batch-0000", {
    entries,
    skipped: [{ path: "/big", kind: "NOTEBOOK", reason: "over 10 MB" }],
  });
  return store.commit(snapshot, {
    startedAt: "2026-11-26T10:00:00.000Z",
    endedAt: options.endedAt ?? "2026-11-26T10:01:00.000Z",
    ...(options.previous ? { previousSnapshotId: options.previous } : {}),
  });
}

describe("backup store (Azurite)", () => {
  it("round-trips a snapshot: bodies by hash, manifest with counts, skipped and index row", async () => {
    const { store } = isolatedStore();
    const result = await backUp(store, ref("20261126t100000z"), {
      "/a.py": "print(1)",
      "/dir/b.py": "print('é')",
    });
    expect(result).toMatchObject({ phase: "Completed", objectCount: 2, alreadyCommitted: false });
    const manifest = await store.requireManifest(ref("20261126t100000z"));
    expect(manifest.entries.map((e) => e.path)).toEqual(["/a.py", "/dir/b.py"]);
    expect(manifest.counts).toEqual({ NOTEBOOK: 2 });
    expect(manifest.skipped).toEqual([{ path: "/big", kind: "NOTEBOOK", reason: "over 10 MB" }]);
    expect(manifest.changes.added).toEqual(["/a.py", "/dir/b.py"]);
    const body = await store.getObject(manifest.entries[1]!.sha256);
    expect(body.toString("utf8")).toBe("print('é')");
    const latest = await store.latestGood("databricks", "primary", "workspace-objects");
    expect(latest).toMatchObject({
      snapshotId: "20261126t100000z",
      objectCount: 2,
      skippedCount: 1,
      manifestSha256: result.manifestSha256,
    });
  });

  it("dedups: a second snapshot of unchanged content writes no new bodies and records the changes", async () => {
    const { store } = isolatedStore();
    await backUp(store, ref("20261126t100000z"), { "/a.py": "one", "/b.py": "two" });
    const before = await countObjects(store);
    const puts = await Promise.all(["one", "two"].map((b) => store.putObject(b)));
    expect(puts.map((p) => p.written)).toEqual([false, false]);
    await backUp(
      store,
      ref("20261126t110000z"),
      { "/a.py": "one", "/b.py": "two" },
      { previous: "20261126t100000z", endedAt: "2026-11-26T11:01:00.000Z" },
    );
    expect(await countObjects(store)).toBe(before);
    await backUp(
      store,
      ref("20261126t120000z"),
      { "/a.py": "one!", "/c.py": "three" },
      { previous: "20261126t110000z", endedAt: "2026-11-26T12:01:00.000Z" },
    );
    const third = await store.requireManifest(ref("20261126t120000z"));
    expect(third.changes).toEqual({ added: ["/c.py"], modified: ["/a.py"], removed: ["/b.py"] });
  });

  it("a crash before the manifest leaves nothing visible, and GC removes its bodies after the grace period", async () => {
    const { store } = isolatedStore();
    await backUp(store, ref("20261126t100000z"), { "/kept.py": "kept" });
    const crashed = ref("20261126t110000z");
    const orphan = await store.putObject("written by a run that crashed");
    await store.writePart(crashed, "batch-0000", {
      entries: [{ path: "/x.py", kind: "NOTEBOOK", sha256: orphan.sha256, size: orphan.size }],
    });
    expect(await store.readManifest(crashed)).toBeUndefined();
    expect(
      (await store.listCommitted("databricks", "primary", "workspace-objects")).map((r) => r.snapshotId),
    ).toEqual(["20261126t100000z"]);
    await expect(store.requireManifest(crashed)).rejects.toThrow(/never committed/);

    // Within the grace period the in-flight write is protected.
    const early = await collectGarbage(store, { graceMs: 3_600_000, now: new Date() });
    expect(early.deletedObjects).toBe(0);
    expect(await store.hasObject(orphan.sha256)).toBe(true);

    const late = await collectGarbage(store, { graceMs: 3_600_000, now: new Date(Date.now() + 7_200_000) });
    expect(late.deletedUncommitted).toHaveLength(1);
    expect(late.deletedObjects).toBe(1);
    expect(await store.hasObject(orphan.sha256)).toBe(false);
    expect(await store.hasObject(sha256Hex("kept"))).toBe(true);
  });

  it("verify names missing and corrupt bodies by path; deep sampling re-hashes", async () => {
    const { store } = isolatedStore();
    await backUp(store, ref("20261126t100000z"), {
      "/ok.py": "fine",
      "/gone.py": "will vanish",
      "/bad.py": "will rot",
    });
    expect((await verifySnapshot(store, ref("20261126t100000z"), { deep: "all" })).ok).toBe(true);
    await store.blobs.delete(OBJECTS_CONTAINER, objectPath(sha256Hex("will vanish")));
    // Same size, different bytes: only a deep check can see it.
    await store.blobs.put(OBJECTS_CONTAINER, objectPath(sha256Hex("will rot")), "will ROT");
    const structural = await verifySnapshot(store, ref("20261126t100000z"));
    expect(structural.problems).toEqual([expect.objectContaining({ path: "/gone.py", problem: "missing" })]);
    const deep = await verifySnapshot(store, ref("20261126t100000z"), { deep: "all" });
    expect(deep.ok).toBe(false);
    expect(deep.problems.map((p) => [p.path, p.problem])).toEqual([
      ["/bad.py", "corrupt"],
      ["/gone.py", "missing"],
    ]);
    await expect(store.getObject(sha256Hex("will rot"))).rejects.toThrow(/corrupt/);
    const sample = await verifySnapshot(store, ref("20261126t100000z"), { deep: 1, random: () => 0 });
    expect(sample.checkedContent).toBe(1);
  });

  it("retention deletes old snapshots but keeps the newest good one of each source", async () => {
    const { store } = isolatedStore();
    await backUp(store, ref("20260101t000000z"), { "/a.py": "v1" }, { endedAt: "2026-01-01T00:00:00.000Z" });
    await backUp(store, ref("20260201t000000z"), { "/a.py": "v2" }, { endedAt: "2026-02-01T00:00:00.000Z" });
    await backUp(
      store,
      ref("20260101t000000z", "other"),
      { "/z.py": "z" },
      { endedAt: "2026-01-01T00:00:00.000Z" },
    );
    // A newer snapshot that failed must not count as "newest good".
    await store.writePart(ref("20260301t000000z"), "batch-0000", {
      entries: [],
      failed: [{ path: "/a.py", kind: "NOTEBOOK", error: "boom" }],
    });
    const failed = await store.commit(ref("20260301t000000z"), {
      startedAt: "2026-03-01T00:00:00.000Z",
      endedAt: "2026-03-01T00:00:00.000Z",
    });
    expect(failed.phase).toBe("Failed");
    const result = await applyRetention(store, { databricks: 30 }, new Date("2026-06-01T00:00:00.000Z"));
    expect(result.deleted.map((r) => `${r.sourceId}/${r.snapshotId}`).sort()).toEqual([
      "primary/20260101t000000z",
      "primary/20260301t000000z",
    ]);
    expect(
      (await store.listCommitted("databricks", "primary", "workspace-objects")).map((r) => r.snapshotId),
    ).toEqual(["20260201t000000z"]);
    expect(
      (await store.listCommitted("databricks", "other", "workspace-objects")).map((r) => r.snapshotId),
    ).toEqual(["20260101t000000z"]);
    const gc = await collectGarbage(store, { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(gc.deletedObjects).toBe(1); // "v1" only
    expect(await store.hasObject(sha256Hex("v2"))).toBe(true);
  });

  it("two sources snapshotting at once do not interfere", async () => {
    const { store } = isolatedStore();
    const files = (tag: string) =>
      Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`/n${i}.py`, `${tag}-${i % 10}`]));
    const [a, b] = await Promise.all([
      backUp(store, ref("20261126t100000z", "ws-a"), files("a")),
      backUp(store, ref("20261126t100000z", "ws-b"), files("b")),
    ]);
    expect([a.objectCount, b.objectCount]).toEqual([30, 30]);
    expect(await countObjects(store)).toBe(20);
    expect((await verifySnapshot(store, a.ref, { deep: "all" })).ok).toBe(true);
    expect((await verifySnapshot(store, b.ref, { deep: "all" })).ok).toBe(true);
  });

  it("writing the same snapshot twice is idempotent: the first commit stands", async () => {
    const { store } = isolatedStore();
    const first = await backUp(store, ref("20261126t100000z"), { "/a.py": "one" });
    const second = await backUp(store, ref("20261126t100000z"), { "/a.py": "one" });
    expect(second).toMatchObject({
      alreadyCommitted: true,
      manifestSha256: first.manifestSha256,
      objectCount: 1,
    });
    const rows = await store.index.list({
      domain: "databricks",
      sourceId: "primary",
      component: "workspace-objects",
    });
    expect(rows).toHaveLength(1);
  });

  it("rebuilds the index from the manifests alone", async () => {
    const { store, connectionString, containerPrefix, table } = isolatedStore();
    await backUp(store, ref("20261126t100000z"), { "/a.py": "one" });
    const fresh = openBackupStore({ connectionString, containerPrefix }, `${table}b`);
    expect(await fresh.latestGood("databricks", "primary", "workspace-objects")).toBeUndefined();
    expect(await fresh.rebuildIndex()).toBe(1);
    expect((await fresh.latestGood("databricks", "primary", "workspace-objects"))?.snapshotId).toBe(
      "20261126t100000z",
    );
  });

  it("rejects path segments that would escape the layout", async () => {
    const { store } = isolatedStore();
    await expect(store.writePart(ref("../../etc"), "p", { entries: [] })).rejects.toThrow(
      /snapshotId "..\/..\/etc"/,
    );
  });
});

describe("garbage collection and a backup reusing an old body", () => {
  it("a body reused after it became unreferenced is touched and survives GC", async () => {
    const { store } = isolatedStore();
    const body = `reverted notebook ${Math.random()}`;
    const first = await store.putObject(body);
    expect(first.written).toBe(true);
    const writtenAt = Date.now();
    // Last-modified has one-second resolution: make the reuse land in a later second.
    await new Promise((r) => setTimeout(r, 2100));
    const reuse = await store.putObject(body);
    expect(reuse.written).toBe(false);
    // GC's cutoff falls between the first write and the reuse: without the touch the body would be deleted.
    const graceMs = 60_000;
    const gc = await collectGarbage(store, { graceMs, now: new Date(writtenAt + 1000 + graceMs) });
    expect(gc.deletedObjects).toBe(0);
    expect(await store.hasObject(first.sha256)).toBe(true);
    // Once nothing reuses it past the grace period, it goes.
    const later = await collectGarbage(store, { graceMs, now: new Date(Date.now() + 2000 + graceMs) });
    expect(later.deletedObjects).toBe(1);
    // And a reuse after it was collected writes it again rather than pointing at nothing.
    const again = await store.putObject(body);
    expect(again.written).toBe(true);
    expect((await store.getObject(first.sha256)).toString()).toBe(body);
  });
});
