// Issue 11, store side: a snapshot is good only when complete (or accepted), retention never
// destroys the last good copy or a pinned one, GC deletes nothing it cannot prove unreferenced,
// and a manifest that no longer matches its commit is refused.
import { describe, expect, it } from "vitest";
import {
  OBJECTS_CONTAINER,
  activePins,
  applyRetention,
  collectGarbage,
  domainContainer,
  manifestPath,
  objectPath,
  openBackupStore,
  pinSnapshots,
  releasePin,
  sha256Hex,
  verifySnapshot,
  verifyStore,
  type BackupStore,
  type SnapshotRef,
} from "../../../src/lib/store/index.js";
import { isolatedStore } from "../../support/store.js";

const ref = (snapshotId: string, component = "workspace-objects"): SnapshotRef => ({
  domain: "databricks",
  sourceId: "primary",
  component,
  snapshotId,
});

const SHRINK = 0.2;

/** Commit a snapshot of `files` (path → body), with optional failures. */
async function snapshot(
  store: BackupStore,
  at: SnapshotRef,
  files: Record<string, string>,
  options: { endedAt?: string; failed?: string[]; fatal?: string[]; guard?: boolean } = {},
) {
  const entries = [];
  for (const [path, body] of Object.entries(files)) {
    const put = await store.putObject(body);
    entries.push({ path, kind: "NOTEBOOK", sha256: put.sha256, size: put.size });
  }
  await store.writePart(at, "batch-00000", {
    entries,
    failed: (options.failed ?? []).map((path) => ({
      path,
      kind: "NOTEBOOK",
      error: "HTTP 500 after retries",
    })),
  });
  const endedAt = options.endedAt ?? "2026-11-26T10:01:00.000Z";
  return store.commit(at, {
    startedAt: endedAt,
    endedAt,
    ...(options.fatal ? { fatalReasons: options.fatal } : {}),
    ...(options.guard === false ? {} : { maxShrinkShare: SHRINK }),
  });
}

const files = (n: number, tag = "v1") =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`/n${i}.py`, `${tag}-${i}`]));

async function tamperManifest(store: BackupStore, at: SnapshotRef, keep: number): Promise<void> {
  const manifest = await store.requireManifest(at);
  const altered = { ...manifest, entries: manifest.entries.slice(0, keep) };
  await store.blobs.put(domainContainer(at.domain), manifestPath(at), JSON.stringify(altered));
}

describe("phases carry their reasons; the shrink guard", () => {
  it("every phase's reasons reach the index row; fatal reasons fail a run that captured entries", async () => {
    const { store } = isolatedStore();
    const partial = await snapshot(store, ref("20261126t100000z"), files(3), { failed: ["/x.py"] });
    expect(partial.phase).toBe("PartiallyFailed");
    expect(partial.reasons).toEqual(["1 object(s) failed: see failed[]"]);
    const failed = await snapshot(store, ref("20261126t110000z"), files(3), {
      endedAt: "2026-11-26T11:01:00.000Z",
      fatal: ["workspace answered 404 ENDPOINT_NOT_FOUND at its root"],
    });
    expect(failed.phase).toBe("Failed");
    const rows = await store.index.list({
      domain: "databricks",
      sourceId: "primary",
      component: "workspace-objects",
    });
    expect(rows.map((r) => [r.phase, r.reasons])).toEqual([
      ["Failed", ["workspace answered 404 ENDPOINT_NOT_FOUND at its root"]],
      ["PartiallyFailed", ["1 object(s) failed: see failed[]"]],
    ]);
    // Neither is good: nothing to restore as "latest", nothing fresh for RPO.
    expect(await store.latestGood("databricks", "primary", "workspace-objects")).toBeUndefined();
    expect((await store.index.newest("databricks", "primary", "workspace-objects"))?.phase).toBe("Failed");
  });

  it("a snapshot that shrank by more than the allowed share is Suspect until accepted, with who and when", async () => {
    const { store, connectionString, containerPrefix, table } = isolatedStore();
    const good = await snapshot(store, ref("20261126t100000z"), files(64));
    expect(good.phase).toBe("Completed");
    // 52 of 64 (-19%) is within the guard; 16 of 64 is not.
    const small = await snapshot(store, ref("20261126t110000z"), files(52), {
      endedAt: "2026-11-26T11:01:00.000Z",
    });
    expect(small.phase).toBe("Completed");
    const shrunk = await snapshot(store, ref("20261126t120000z"), files(16), {
      endedAt: "2026-11-26T12:01:00.000Z",
    });
    expect(shrunk.phase).toBe("Suspect");
    expect(shrunk.reasons.join()).toMatch(
      /16 object\(s\) against 52 in the last good snapshot 20261126t110000z/,
    );
    expect(shrunk.reasons.join()).toMatch(
      /azdr snapshots accept databricks\/primary\/workspace-objects\/20261126t120000z/,
    );
    expect((await store.latestGood("databricks", "primary", "workspace-objects"))?.snapshotId).toBe(
      "20261126t110000z",
    );
    // The next run compares with the last GOOD snapshot, not with the suspect one.
    const again = await snapshot(store, ref("20261126t130000z"), files(16), {
      endedAt: "2026-11-26T13:01:00.000Z",
    });
    expect(again.phase).toBe("Suspect");

    // Only a Suspect snapshot can be accepted.
    await expect(store.accept(ref("20261126t100000z"), "alice", new Date())).rejects.toThrow(
      /is Completed, not Suspect/,
    );
    const accepted = await store.accept(
      ref("20261126t130000z"),
      "alice",
      new Date("2026-11-26T14:00:00.000Z"),
    );
    expect(accepted).toMatchObject({
      phase: "Suspect",
      acceptedBy: "alice",
      acceptedAt: "2026-11-26T14:00:00.000Z",
    });
    // Accepting again keeps the first record.
    expect(await store.accept(ref("20261126t130000z"), "bob", new Date())).toMatchObject({
      acceptedBy: "alice",
    });
    expect((await store.latestGood("databricks", "primary", "workspace-objects"))?.snapshotId).toBe(
      "20261126t130000z",
    );
    // The accepted count is the new baseline.
    const after = await snapshot(store, ref("20261126t140000z"), files(15), {
      endedAt: "2026-11-26T14:01:00.000Z",
    });
    expect(after.phase).toBe("Completed");

    // The acceptance lives in the store: a rebuilt index still knows it.
    const fresh = openBackupStore({ connectionString, containerPrefix }, `${table}b`);
    await fresh.rebuildIndex();
    const row = await fresh.index.find("databricks", "primary", "workspace-objects", "20261126t130000z");
    expect(row).toMatchObject({ acceptedBy: "alice" });
  });
});

describe("retention and GC never destroy the last good copy", () => {
  it("with a partial newest, the last complete snapshot and the bodies only it holds survive retention and GC", async () => {
    const { store } = isolatedStore();
    await snapshot(
      store,
      ref("20260101t000000z"),
      { "/a.py": "only-in-complete", "/b.py": "shared" },
      {
        endedAt: "2026-01-01T00:00:00.000Z",
      },
    );
    const partial = await snapshot(
      store,
      ref("20260102t000000z"),
      { "/b.py": "shared" },
      {
        endedAt: "2026-01-02T00:00:00.000Z",
        failed: ["/a.py"],
        guard: false,
      },
    );
    expect(partial.phase).toBe("PartiallyFailed");
    const result = await applyRetention(store, { databricks: 90 }, new Date("2026-06-01T00:00:00.000Z"));
    expect(result.deleted.map((r) => r.snapshotId)).toEqual(["20260102t000000z"]);
    expect(result.keptAsLastGood.map((r) => r.snapshotId)).toEqual(["20260101t000000z"]);
    const gc = await collectGarbage(store, { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(gc.deletedObjects).toBe(0);
    expect(await store.hasObject(sha256Hex("only-in-complete"))).toBe(true);
    expect((await verifySnapshot(store, ref("20260101t000000z"), { deep: "all" })).ok).toBe(true);
  });

  it("a pinned snapshot is kept past retention until its restore releases it or the pin expires", async () => {
    const { store } = isolatedStore();
    await snapshot(
      store,
      ref("20260101t000000z"),
      { "/a.py": "old" },
      { endedAt: "2026-01-01T00:00:00.000Z" },
    );
    await snapshot(
      store,
      ref("20260301t000000z"),
      { "/a.py": "new" },
      { endedAt: "2026-03-01T00:00:00.000Z" },
    );
    const now = new Date("2026-06-01T00:00:00.000Z");
    await pinSnapshots(store, {
      planId: "restore-workspace-dr-20260525t000000z",
      instanceId: "restore-workspace-dr",
      snapshots: [ref("20260101t000000z")],
      pinnedAt: "2026-05-25T00:00:00.000Z",
      expiresAt: "2026-06-03T00:00:00.000Z",
    });
    expect((await activePins(store, now)).pins).toHaveLength(1);
    const pinned = await applyRetention(store, { databricks: 30 }, now);
    expect(pinned.deleted).toEqual([]);
    expect(pinned.keptPinned.map((r) => r.snapshotId)).toEqual(["20260101t000000z"]);
    await collectGarbage(store, { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(await store.hasObject(sha256Hex("old"))).toBe(true);

    // An expired pin protects nothing (a crashed restore cannot pin forever).
    expect((await activePins(store, new Date("2026-06-04T00:00:00.000Z"))).pins).toEqual([]);
    // Released: the next retention run deletes it.
    expect(await releasePin(store, "restore-workspace-dr-20260525t000000z", now)).toBe(true);
    expect(await releasePin(store, "never-pinned-20260525t000000z", now)).toBe(false);
    const released = await applyRetention(store, { databricks: 30 }, now);
    expect(released.deleted.map((r) => r.snapshotId)).toEqual(["20260101t000000z"]);
  });

  it("GC with an unreadable manifest reports it, goes on, and deletes no body", async () => {
    const { store } = isolatedStore();
    await snapshot(store, ref("20261126t100000z"), { "/a.py": "kept-a" });
    await snapshot(store, ref("20261126t100000z", "workspace-config"), { "/jobs/1.json": "kept-job" });
    // An unreferenced body (its snapshot expired) and a crashed, uncommitted run.
    const orphan = await store.putObject("unreferenced");
    await store.writePart(ref("20261126t090000z"), "batch-00000", { entries: [] });
    // The config snapshot's manifest is damaged: it could reference anything.
    await store.blobs.put(
      domainContainer("databricks"),
      manifestPath(ref("20261126t100000z", "workspace-config")),
      "{ not json",
    );
    const gc = await collectGarbage(store, { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(gc.unreadableManifests).toEqual([
      {
        snapshot: "databricks/primary/workspace-config/20261126t100000z",
        error: expect.stringMatching(/not valid JSON/) as unknown,
      },
    ]);
    expect(gc.deletedUncommitted).toHaveLength(1); // the rest of GC went on
    expect(gc.deletedObjects).toBe(0);
    for (const body of ["kept-a", "kept-job", "unreferenced"])
      expect(await store.hasObject(sha256Hex(body))).toBe(true);
    expect(orphan.written).toBe(true);

    // Once the manifest is readable again, the unreferenced body goes.
    await store.blobs.delete(
      domainContainer("databricks"),
      manifestPath(ref("20261126t100000z", "workspace-config")),
    );
    const next = await collectGarbage(store, { graceMs: 0, now: new Date(Date.now() + 1000) });
    expect(next.unreadableManifests).toEqual([]);
    expect(await store.hasObject(sha256Hex("unreferenced"))).toBe(false);
    expect(await store.hasObject(sha256Hex("kept-a"))).toBe(true);
  });
});

describe("integrity end to end", () => {
  it("a manifest rewritten with entries removed fails verify and is refused for restore", async () => {
    const { store } = isolatedStore();
    const at = ref("20261126t100000z");
    const committed = await snapshot(store, at, files(38));
    await tamperManifest(store, at, 12);
    // Every remaining body is present and intact: only the manifest hash can tell.
    const report = await verifySnapshot(store, at, { deep: "all" });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        path: "manifest.json",
        problem: "manifest-mismatch",
        detail: expect.stringContaining(committed.manifestSha256) as unknown,
      }),
    ]);
    await expect(store.requireIntactManifest(at)).rejects.toThrow(
      /databricks\/primary\/workspace-objects\/20261126t100000z: its manifest hashes to .*azdr snapshots verify/,
    );
    // A manifest that is not even JSON is reported, not thrown.
    await store.blobs.put(domainContainer("databricks"), manifestPath(at), "garbage");
    expect((await verifySnapshot(store, at)).problems[0]).toMatchObject({ problem: "corrupt" });
  });

  it("the store-wide check finds damaged snapshots, marks them, and they stop being good", async () => {
    const { store } = isolatedStore();
    await snapshot(store, ref("20261126t100000z"), files(5, "old"), { endedAt: "2026-11-26T10:01:00.000Z" });
    await snapshot(store, ref("20261126t110000z"), files(5, "new"), { endedAt: "2026-11-26T11:01:00.000Z" });
    await snapshot(store, ref("20261126t110000z", "workspace-config"), { "/jobs/1.json": "job" });
    expect((await verifyStore(store, { deep: "all" })).ok).toBe(true);
    // The newest notebooks snapshot loses a body.
    await store.blobs.delete(OBJECTS_CONTAINER, objectPath(sha256Hex("new-3")));
    const report = await verifyStore(store, {
      deep: 2,
      sampleSnapshots: 0,
      markDamaged: new Date("2026-11-29T06:00:00.000Z"),
    });
    expect(report.ok).toBe(false);
    expect(report.damaged.map((d) => `${d.ref.component}/${d.ref.snapshotId}`)).toEqual([
      "workspace-objects/20261126t110000z",
    ]);
    const row = await store.index.find("databricks", "primary", "workspace-objects", "20261126t110000z");
    expect(row?.damaged).toMatch(/\/n3\.py is missing/);
    // No longer good: "latest" falls back to the older intact snapshot.
    expect((await store.latestGood("databricks", "primary", "workspace-objects"))?.snapshotId).toBe(
      "20261126t100000z",
    );
    // The mark survives a later commit path re-indexing nothing else, and a re-run reports it again.
    expect((await verifyStore(store, {})).damaged).toHaveLength(1);
  });
});
