// The Unity Catalog backup is orchestration over the kind handlers: each lists its kind under what
// its parent kind listed (catalogs → schemas → tables, volumes, functions) and reads what it
// listed, routed back by `work.kind`. The walk costs one list call per kind and parent (no GET per
// object: a listed definition is stored as listed), plus each object's grants and an ISOLATED
// object's bindings; the snapshot's entries keep their paths and kinds.
import { afterEach, describe, expect, it } from "vitest";
import { runBatch, runCommit, runPlan } from "../../src/lib/backup/engine.js";
import { UNITY_CATALOG_KINDS } from "../../src/lib/kinds/unity-catalog/index.js";
import { unityCatalogSource } from "../../src/lib/sources/unity-catalog-source.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

const UC = "/api/2.1/unity-catalog";

describe("Unity Catalog backup listing (per handler)", () => {
  it("lists each kind once per parent, reads grants (and bindings of ISOLATED objects) only, and routes every object back to the handler that listed it", async () => {
    const p = (platform = await startTestPlatform({
      sim: { workspaces: [{ name: "primary", metastore: "uc-westeurope" }] },
    }));
    const seed = p.sim.seeds.metastores["uc-westeurope"]!;
    p.sim
      .metastore("uc-westeurope")
      .setIsolation(
        "external_location",
        "loc-landing",
        "ISOLATION_MODE_ISOLATED",
        p.sim.workspace("primary").workspaceId,
      );
    const target = {
      kind: "unity-catalog" as const,
      sourceId: "primary-metastore",
      snapshotId: "20261126t020000z",
    };
    p.sim.log.clear();
    const planned = await runPlan(p.runtime.store, unityCatalogSource, p.runtime, target, 200);
    expect(planned.fatal).toBeUndefined();
    const calls = () => {
      const counts: Record<string, number> = {};
      for (const e of p.sim.log.entries) {
        const route = `${e.method} ${e.path.split("?")[0]!.replace(/\/(permissions|bindings)\/.*/, "/$1/…")}`;
        counts[route] = (counts[route] ?? 0) + 1;
      }
      return counts;
    };
    const schemas = seed.schemas.length;
    expect(calls()).toEqual({
      [`GET ${UC}/current-metastore-assignment`]: 1,
      [`GET ${UC}/metastore_summary`]: 1,
      [`GET ${UC}/storage-credentials`]: 1,
      [`GET ${UC}/credentials`]: 1,
      [`GET ${UC}/external-locations`]: 1,
      [`GET ${UC}/connections`]: 1,
      [`GET ${UC}/catalogs`]: 1,
      [`GET ${UC}/schemas`]: seed.catalogs.length,
      [`GET ${UC}/tables`]: schemas,
      [`GET ${UC}/volumes`]: schemas,
      [`GET ${UC}/functions`]: schemas,
    });

    p.sim.log.clear();
    for (let b = 0; b < planned.batches; b++)
      await runBatch(p.runtime.store, unityCatalogSource, p.runtime, target, b);
    const securables =
      1 + // the metastore
      seed.storageCredentials.length +
      seed.serviceCredentials.length +
      seed.externalLocations.length +
      seed.connections.length +
      seed.catalogs.length +
      schemas +
      seed.tables.length +
      seed.views.length +
      seed.volumes.length +
      seed.functions.length;
    expect(calls()).toEqual({
      [`GET ${UC}/permissions/…`]: securables,
      [`GET ${UC}/bindings/…`]: 1,
    });

    const now = new Date().toISOString();
    await runCommit(p.runtime.store, unityCatalogSource, target, { startedAt: now, endedAt: now });
    const manifest = await p.runtime.store.requireManifest({
      domain: "unity-catalog",
      sourceId: "primary-metastore",
      component: "metadata",
      snapshotId: target.snapshotId,
    });
    const kinds = new Map<string, number>();
    for (const e of manifest.entries) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    // Manifest kinds as before the split: the securable type (a view is a `table` entry).
    expect(Object.fromEntries(kinds)).toEqual({
      "metastore-assignment": 1,
      metastore: 1,
      storage_credential: seed.storageCredentials.length,
      credential: seed.serviceCredentials.length,
      external_location: seed.externalLocations.length,
      connection: seed.connections.length,
      catalog: seed.catalogs.length,
      schema: schemas,
      table: seed.tables.length + seed.views.length,
      volume: seed.volumes.length,
      function: seed.functions.length,
      grants: securables,
      bindings: 1,
    });
    expect(manifest.summary).toMatchObject({
      metastoreName: "uc-westeurope",
      workspace: "primary",
      catalogs: seed.catalogs.length,
      schemas,
      tables: seed.tables.length + seed.views.length,
    });
    // Every kind the walk lists has a handler that reads it (the source is orchestration only).
    const listing = UNITY_CATALOG_KINDS.filter((k) => k.backup).map((k) => k.kind);
    expect(listing).toEqual([
      "metastore-assignment",
      "storage_credential",
      "credential",
      "external_location",
      "connection",
      "catalog",
      "schema",
      "external_table",
      "volume",
      "function",
    ]);
  });
});
