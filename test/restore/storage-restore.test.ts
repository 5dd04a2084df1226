// Runbook 7.2 (the `storage` scenario) end to end against the Azure simulator and the backup store
// on Azurite: the module's hooks driven in the engine's step order (preflight → plan → steps by kind
// → validate), one test per rung. Operations are polled by their persisted handle from a freshly
// built runtime each time, as after a host restart.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { catalogRow, type StorageRequest } from "../../src/lib/restore/catalog.js";
import { decideDeletion } from "../../src/lib/restore/engine/alerts.js";
import { assertSnapshotsExist } from "../../src/lib/restore/engine/engine.js";
import { actionable, type PlanItem } from "../../src/lib/restore/engine/plan.js";
import { parseRestoreRequest, RestoreRequestError } from "../../src/lib/restore/engine/request.js";
import type { Manifests, PlannedWork, RestoreScenario } from "../../src/lib/restore/engine/steps.js";
import { createRuntime } from "../../src/lib/runtime.js";
import type { SourceContext } from "../../src/lib/sources/context.js";
import { storageProtectionSource } from "../../src/lib/sources/storage-protection-source.js";
import {
  RETRY,
  runBackup,
  startAzurePlatform,
  type AzureTestPlatform,
} from "../lib/sources/azure/support.js";

let p: AzureTestPlatform;
beforeEach(async () => {
  p = await startAzurePlatform({ sim: { seed: { models: 1, versionsPerModel: 1 }, lroPolls: 2 } });
});
afterEach(async () => p.close());

const scenario = () => catalogRow("storage").module as unknown as RestoreScenario<StorageRequest>;
const acct = (name: string) => p.sim.state.findStorageAccount(name)!;
const read = (account: string, container: string, name: string) => {
  const blob = acct(account).containers.get(container)?.blobs.get(name);
  const current = blob && p.sim.state.currentVersion(blob);
  return current?.content.toString();
};

/** A runtime built from scratch on the same config and simulator: what a restarted host has. */
function freshRuntime(): SourceContext {
  return createRuntime(p.config, {
    env: {},
    storeConnection: { connectionString: p.connectionString, containerPrefix: p.containerPrefix },
    azure: {
      httpClient: p.sim.httpClient,
      storageHttpClient: p.sim.storageHttpClient,
      credential: p.sim.credential,
      retry: RETRY,
    },
  });
}

function request(source: string, extra: Record<string, unknown> = {}): StorageRequest {
  return parseRestoreRequest(
    { scenario: "storage", source, target: source, mode: "apply", allowPrimaryTarget: true, ...extra },
    p.config,
    undefined,
    "test",
  ) as StorageRequest;
}

async function protectionBackup(sourceId: string): Promise<Manifests> {
  const run = await runBackup(p.runtime, storageProtectionSource, sourceId, "20261201t000000z");
  return { "storage/protection": run.manifest };
}

interface Run {
  planned: PlannedWork;
  stepsRun: string[];
  polls: number;
  validation: Awaited<ReturnType<RestoreScenario["validate"]>>;
}

let runs = 0;

/** The engine's order: preflight (blocking stops), plan, each step with actionable items, validate. */
async function run(
  req: StorageRequest,
  manifests: Manifests,
  operator: (step: string, attempt: number) => Promise<void> | void = () => undefined,
  tolerateFailures = false,
): Promise<Run & { refusals: string[]; failures: string[] }> {
  const module = scenario();
  const checks = await module.preflight(p.runtime, req, manifests);
  const blocking = checks.filter((c) => c.blocking && !c.ok);
  if (blocking.length) throw new Error(`preflight: ${blocking.map((c) => c.detail).join("; ")}`);
  const planned = await module.plan(p.runtime, req, manifests);
  const refusals: string[] = [];
  const failures: string[] = [];
  const stepsRun: string[] = [];
  let polls = 0;
  const state = { planId: `test-${++runs}`, ids: {}, learned: {} };
  for (const step of module.steps) {
    const items = planned.items.filter((i: PlanItem) => i.step === step.name && actionable(i));
    if (!items.length) continue;
    stepsRun.push(step.name);
    if (step.kind === "items") {
      const results = await module.execute(p.runtime, req, step.name, items, state, manifests);
      const failed = results.filter((r) => r.status === "failed");
      if (failed.length && !tolerateFailures) throw new Error(`step ${step.name}: ${JSON.stringify(failed)}`);
      failures.push(...failed.map((f) => `${f.key}: ${f.detail ?? ""}`));
    } else if (step.kind === "operation") {
      const handle = JSON.parse(
        JSON.stringify(await module.startOperation!(p.runtime, req, step.name, items, state)),
      ) as Record<string, string>;
      for (;;) {
        polls++;
        const status = await module.pollOperation!(freshRuntime(), req, step.name, handle);
        if (status.state === "failed") throw new Error(status.detail);
        if (status.state === "succeeded") break;
        if (polls > 20) throw new Error("operation never finished");
      }
    } else if (step.kind === "checkpoint") {
      for (let attempt = 1; ; attempt++) {
        await operator(step.name, attempt);
        const check = await module.checkCheckpoint!(p.runtime, req, step.name, items, state);
        if (check.ok) break;
        refusals.push(check.detail);
        if (attempt > 3) throw new Error(`checkpoint ${step.name}: ${check.detail}`);
      }
    }
  }
  const validation = await module.validate(p.runtime, req, manifests, state);
  return { planned, stepsRun, polls, validation, refusals, failures };
}

describe("rung 1: a deleted account", () => {
  test("checkpoint → the operator recovers it in the portal → settings back; the check refuses before", async () => {
    const manifests = await protectionBackup("st-uc");
    p.sim.state.putBlob(acct("stazdrucprod"), "keep", "k.txt", Buffer.from("kept"));
    const granted = acct("stazdrucprod")
      .roleAssignments.map((r) => r.principalId)
      .sort();
    expect(granted).toHaveLength(2);
    p.sim.disasters.deleteStorageAccount("stazdrucprod");
    const refusals: string[] = [];
    const result = await run(request("st-uc"), manifests, async (step, attempt) => {
      expect(step).toBe("recover-account");
      if (attempt === 1) {
        const check = await scenario().checkCheckpoint!(p.runtime, request("st-uc"), step, [], {
          planId: "t",
          ids: {},
          learned: {},
        });
        refusals.push(check.detail);
        return; // the operator says done too early
      }
      p.sim.disasters.recoverDeletedAccount("stazdrucprod");
    });
    expect(refusals[0]).toMatch(/still deleted .*restore it in the portal/);
    expect(result.planned.checkpoints?.["recover-account"]?.links[0]!.url).toBe(
      "https://portal.azure.com/#browse/Microsoft.Storage%2FStorageAccounts",
    );
    expect(result.stepsRun).toEqual(["recover-account", "reapply-protection", "regrant-roles"]);
    // The recovered account came back without role assignments; the recorded ones are granted again.
    expect(
      acct("stazdrucprod")
        .roleAssignments.map((r) => r.principalId)
        .sort(),
    ).toEqual(granted);
    expect(result.validation.find((c) => c.name === "recorded role assignments present")).toMatchObject({
      ok: true,
      expected: 2,
    });
    // The recovered account came back without versioning (simulator's stricter reading); reapplied.
    expect(acct("stazdrucprod").blobService.isVersioningEnabled).toBe(true);
    expect(read("stazdrucprod", "keep", "k.txt")).toBe("kept");
    expect(result.validation.every((c) => c.ok)).toBe(true);
  });
});

describe("private endpoints after any rung", () => {
  const DFS = `/subscriptions/${"00000000-0000-4000-8000-00000000a2d4"}/resourceGroups/rg-azdr-prod/providers/Microsoft.Network/privateEndpoints/pe-stazdrlakeprod-dfs`;
  const BLOB = DFS.replace(/-dfs$/, "-blob");

  test("a deleted account: the checkpoint names each recorded endpoint (id, group ids, command) and refuses until both are back; the Pending one is approved", async () => {
    const manifests = await protectionBackup("st-lake");
    p.sim.disasters.deleteStorageAccount("stazdrlakeprod");
    const result = await run(request("st-lake"), manifests, (step, attempt) => {
      if (step === "recover-account") p.sim.disasters.recoverDeletedAccount("stazdrlakeprod");
      if (step === "recreate-private-endpoints" && attempt === 1)
        // The network team re-creates the dfs endpoint with a manual request (it waits Pending)…
        p.sim.disasters.recreatePrivateEndpoint("stazdrlakeprod", "pe-stazdrlakeprod-dfs", { manual: true });
      if (step === "recreate-private-endpoints" && attempt === 2)
        p.sim.disasters.recreatePrivateEndpoint("stazdrlakeprod", "pe-stazdrlakeprod-blob");
    });
    const guide = result.planned.checkpoints?.["recreate-private-endpoints"];
    const text = guide!.instructions.join("\n");
    expect(text).toContain(`${DFS}: group id(s) dfs, subnet /subscriptions/`);
    expect(text).toContain(`${BLOB}: group id(s) blob`);
    expect(text).toMatch(
      /az network private-endpoint create --name pe-stazdrlakeprod-dfs --resource-group rg-azdr-prod --subnet \/subscriptions\/.*\/subnets\/snet-private-endpoints --private-connection-resource-id \/subscriptions\/.*\/storageAccounts\/stazdrlakeprod --group-id dfs/,
    );
    expect(result.stepsRun).toEqual([
      "recover-account",
      "reapply-protection",
      "regrant-roles",
      "recreate-private-endpoints",
      "approve-private-endpoints",
    ]);
    // …so the first "done" is refused naming the endpoint still missing.
    expect(result.refusals).toEqual([
      expect.stringMatching(/pe-stazdrlakeprod-blob has no connection to stazdrlakeprod/),
    ]);
    const connections = acct("stazdrlakeprod").privateEndpointConnections;
    expect(connections.map((c) => c.status)).toEqual(["Approved", "Approved"]);
    expect(
      p.sim.log.entries.filter((e) => e.method === "PUT" && e.path.includes("/privateEndpointConnections/")),
    ).toHaveLength(1);
    expect(
      result.validation.find((c) => c.name === "recorded private endpoints connected and approved"),
    ).toMatchObject({ ok: true, expected: 2, actual: 2 });
  });

  test("a live account: a recorded endpoint back Pending is approved, a Pending stranger is not; a missing one fails validation naming it", async () => {
    const manifests = await protectionBackup("st-lake");
    const lake = acct("stazdrlakeprod");
    p.sim.disasters.recreatePrivateEndpoint("stazdrlakeprod", "pe-stazdrlakeprod-dfs", { manual: true });
    p.sim.state.connectPrivateEndpoint(lake, {
      name: "pe-stranger",
      resourceGroup: "rg-elsewhere",
      subnetId:
        "/subscriptions/x/resourceGroups/rg-elsewhere/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
      groupIds: ["blob"],
      manual: true,
    });
    lake.privateEndpointConnections = lake.privateEndpointConnections.filter(
      (c) => !c.name.startsWith("pe-stazdrlakeprod-blob"),
    );
    const result = await run(request("st-lake"), manifests, () => undefined, true).catch((e: unknown) => e);
    // The blob endpoint is gone: the checkpoint waits for it (the operator does nothing here).
    expect(String((result as Error).message)).toMatch(
      /checkpoint recreate-private-endpoints: .*pe-stazdrlakeprod-blob has no connection/,
    );
    const planned = await scenario().plan(p.runtime, request("st-lake"), manifests);
    expect(planned.notes.join(" ")).toMatch(
      /pe-stranger\.[0-9a-f-]+ .* is Pending but the backup did not record that endpoint: azdr does not approve it/,
    );
    const approve = planned.items.filter((i) => i.step === "approve-private-endpoints");
    expect(approve.map((i) => [i.key, i.action])).toEqual([
      [DFS, "update"],
      [BLOB, "update"],
    ]);
    // Executing the approvals (as the engine would once the checkpoint passes): dfs approved, blob fails naming it.
    const results = await scenario().execute(
      p.runtime,
      request("st-lake"),
      "approve-private-endpoints",
      approve,
      { planId: "x", ids: {}, learned: {} },
      manifests,
    );
    expect(results.map((r) => r.status)).toEqual(["updated", "failed"]);
    expect(results[1]!.detail).toMatch(
      /pe-stazdrlakeprod-blob has no connection to stazdrlakeprod: re-create it .*group ids blob/,
    );
    expect(lake.privateEndpointConnections.find((c) => c.name.startsWith("pe-stranger"))!.status).toBe(
      "Pending",
    );
    const validation = await scenario().validate(p.runtime, request("st-lake"), manifests, {
      planId: "x",
      ids: {},
      learned: {},
    });
    expect(
      validation.find((c) => c.name === "recorded private endpoints connected and approved"),
    ).toMatchObject({
      ok: false,
      expected: 2,
      actual: 1,
      detail: `not connected or not approved: ${BLOB}`,
    });
  });
});

describe("rung 2: data deleted or overwritten", () => {
  test("flat account with a restore policy: a deleted container and deleted blobs come back byte for byte (container restore, then PITR polled across restarts)", async () => {
    const ml = acct("stazdrmlprod");
    p.sim.state.putBlob(ml, "docs", "a.txt", Buffer.from("alpha"));
    p.sim.state.putBlob(ml, "data", "p/x.bin", Buffer.from([1, 2, 3, 250]));
    p.sim.state.putBlob(ml, "data", "p/y.bin", Buffer.from("y-original"));
    p.sim.advanceDays(0.1);
    p.sim.disasters.deleteContainer("stazdrmlprod", "docs");
    p.sim.disasters.overwriteBlob("stazdrmlprod", "data", "p/y.bin", Buffer.from("encrypted"));
    p.sim.disasters.deleteBlob("stazdrmlprod", "data", "p/x.bin");

    const result = await run(
      request("st-ml", { containers: [{ container: "docs" }, { container: "data", prefix: "p/" }] }),
      {},
    );
    expect(result.stepsRun).toEqual(["restore-containers", "point-in-time-restore"]);
    expect(result.polls).toBeGreaterThan(1);
    expect(result.planned.destructive.join(" ")).toMatch(
      /Point-in-time restore of \[docs\/, docs0\), \[data\/p\/, data\/p0\)/,
    );
    expect(read("stazdrmlprod", "docs", "a.txt")).toBe("alpha");
    expect(
      acct("stazdrmlprod").containers.get("data")!.blobs.get("p/x.bin")!.history.at(-1)!.content,
    ).toEqual(Buffer.from([1, 2, 3, 250]));
    expect(read("stazdrmlprod", "data", "p/y.bin")).toBe("y-original");
    expect(result.validation.filter((c) => !c.ok)).toEqual([]);
  });

  test("versioned account without PITR: deleted and overwritten blobs come back from their versions", async () => {
    const uc = acct("stazdrucprod");
    p.sim.state.putBlob(uc, "tables", "t1/part-0.parquet", Buffer.from("rows-1"));
    p.sim.state.putBlob(uc, "tables", "t1/part-1.parquet", Buffer.from("rows-2"));
    p.sim.disasters.deleteBlob("stazdrucprod", "tables", "t1/part-0.parquet");
    p.sim.disasters.overwriteBlob("stazdrucprod", "tables", "t1/part-1.parquet", Buffer.from("junk"));
    const result = await run(request("st-uc", { containers: [{ container: "tables" }] }), {});
    expect(result.stepsRun).toEqual(["recover-blobs"]);
    expect(result.planned.destructive).toHaveLength(1);
    expect(read("stazdrucprod", "tables", "t1/part-0.parquet")).toBe("rows-1");
    expect(read("stazdrucprod", "tables", "t1/part-1.parquet")).toBe("rows-2");
  });

  test("ADLS Gen2: deleted paths are undeleted byte for byte, and no point-in-time restore is ever called", async () => {
    const lake = acct("stazdrlakeprod");
    p.sim.state.putBlob(lake, "raw", "bronze/2026/a.parquet", Buffer.from("AAAA"));
    p.sim.state.putBlob(lake, "raw", "bronze/2026/b.parquet", Buffer.from("BBBB"));
    p.sim.disasters.deletePath("stazdrlakeprod", "raw", "bronze/");
    p.sim.log.clear();
    const result = await run(
      request("st-lake", { containers: [{ container: "raw", prefix: "bronze/" }] }),
      {},
    );
    expect(result.stepsRun).toEqual(["undelete-paths"]);
    expect(result.planned.notes.join(" ")).toMatch(
      /Point-in-time restore is never attempted on this account: it has a hierarchical namespace/,
    );
    expect(read("stazdrlakeprod", "raw", "bronze/2026/a.parquet")).toBe("AAAA");
    expect(read("stazdrlakeprod", "raw", "bronze/2026/b.parquet")).toBe("BBBB");
    expect(p.sim.log.count("restoreBlobRanges")).toBe(0);
  });

  test("asking for point-in-time restore on the HNS account is refused naming timeToRestore", async () => {
    await expect(
      scenario().plan(
        p.runtime,
        request("st-lake", { timeToRestore: new Date(Date.now() - 60_000).toISOString() }),
        {},
      ),
    ).rejects.toThrow(/timeToRestore: .*hierarchical namespace/);
    expect(p.sim.log.count("restoreBlobRanges")).toBe(0);
  });

  test("with the protection settings recorded, the request itself is refused (400) naming timeToRestore; a flat account passes", async () => {
    await protectionBackup("st-lake");
    await protectionBackup("st-ml");
    const at = new Date(Date.now() - 60_000).toISOString();
    const refused = await assertSnapshotsExist(
      p.runtime,
      scenario(),
      request("st-lake", { timeToRestore: at }),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRequestError);
    const [problem] = (refused as RestoreRequestError).problems;
    expect(problem?.field).toBe("timeToRestore");
    expect(problem?.message).toMatch(/stazdrlakeprod has a hierarchical namespace/);
    expect(problem?.fix).toMatch(/leave timeToRestore out/);
    await expect(
      assertSnapshotsExist(p.runtime, scenario(), request("st-ml", { timeToRestore: at })),
    ).resolves.toBeUndefined();
    await expect(assertSnapshotsExist(p.runtime, scenario(), request("st-lake"))).resolves.toBeUndefined();
  });
});

describe("rung 3: primary region down", () => {
  test("unplanned failover with the data-loss window shown before approval, then geo-redundancy back", async () => {
    p.sim.disasters.primaryOutage("stazdrmlprod");
    const planned = await scenario().plan(p.runtime, request("st-ml"), {});
    // Before approval: last sync time, the loss window and LRS afterwards are in the plan.
    expect(planned.notes.join(" ")).toMatch(
      /Failover: Unplanned; last sync time 20\d\d-.*may be lost; afterwards Standard_LRS/,
    );
    expect(planned.destructive[0]).toMatch(
      /Unplanned failover of stazdrmlprod to northeurope: writes after the last sync time/,
    );
    const result = await run(request("st-ml"), {});
    expect(result.stepsRun).toEqual(["failover", "restore-geo-redundancy"]);
    const after = acct("stazdrmlprod");
    expect(after.location).toBe("northeurope");
    expect(after.skuName).toBe("Standard_RAGRS");
    expect(result.validation.find((c) => c.name === "primary answers")!.ok).toBe(true);
  });
});

describe("rung 4: nothing left to recover from", () => {
  test("gone past 14 days, redeploy=create: created with the recorded SKU and namespace, protection and roles back, private endpoints re-created at the checkpoint", async () => {
    const manifests = await protectionBackup("st-lake");
    const before = acct("stazdrlakeprod")
      .roleAssignments.map((r) => r.principalId)
      .sort();
    p.sim.disasters.deleteStorageAccount("stazdrlakeprod");
    p.sim.advanceDays(15); // past the 14 days deletedAccounts keeps it
    const result = await run(request("st-lake", { redeploy: "create" }), manifests, (step) => {
      if (step === "recreate-private-endpoints")
        for (const group of ["dfs", "blob"])
          p.sim.disasters.recreatePrivateEndpoint("stazdrlakeprod", `pe-stazdrlakeprod-${group}`);
    });
    expect(result.stepsRun).toEqual([
      "create-account",
      "reapply-protection",
      "regrant-roles",
      "recreate-private-endpoints",
      "approve-private-endpoints", // both came back Approved: nothing to approve
    ]);
    const lake = acct("stazdrlakeprod");
    expect(lake).toMatchObject({ skuName: "Standard_RAGZRS", isHnsEnabled: true, location: "westeurope" });
    expect(lake.blobService.deleteRetentionPolicy).toMatchObject({ enabled: true, days: 14 });
    expect(lake.roleAssignments.map((r) => r.principalId).sort()).toEqual(before);
    expect(result.planned.notes.join(" ")).toMatch(
      /The data of a redeployed account is not restored by azdr/,
    );
    // The new account is empty: the Azure ML datastore on it finds no filesystem, and says so.
    expect(result.validation.filter((c) => !c.ok).map((c) => `${c.name}: ${c.actual}`)).toEqual([
      "Azure ML datastore curated_lake (mlw-azdr-prod) reaches stazdrlakeprod: its filesystem curated does not exist",
    ]);
  });
});

describe("bad input answers 400 naming the field and the fix", () => {
  test("an unknown account, a time in the future, more than ten ranges", () => {
    const parse = (body: Record<string, unknown>) =>
      parseRestoreRequest(
        { scenario: "storage", mode: "plan", allowPrimaryTarget: true, ...body },
        p.config,
        undefined,
        "http",
      );
    expect(() => parse({ source: "st-nope", target: "st-nope" })).toThrow(/source: .*st-nope/);
    expect(() =>
      parse({
        source: "st-ml",
        target: "st-ml",
        timeToRestore: new Date(Date.now() + 86_400_000).toISOString(),
      }),
    ).toThrow(/timeToRestore: .* is in the future: give a past time/);
    expect(() =>
      parse({
        source: "st-ml",
        target: "st-ml",
        containers: Array.from({ length: 11 }, (_, i) => ({ container: `box${i}` })),
      }),
    ).toThrow(/containers: 11 container\/prefix entries, but Azure restores at most 10 ranges/);
    expect(() => parse({ source: "st-ml", target: "st-ml", failover: "sometimes" })).toThrow(/failover/);
  });
});

describe("Event Grid", () => {
  test("a storage account deletion routes to 7.2 in place, in apply mode, waiting for approval", () => {
    const id = `/subscriptions/${p.sim.subscriptionId}/resourceGroups/rg-azdr-prod/providers/Microsoft.Storage/storageAccounts/stazdrucprod`;
    const decision = decideDeletion(p.config, {
      id: "evt-9",
      eventType: "Microsoft.Resources.ResourceDeleteSuccess",
      subject: id,
      data: { operationName: "Microsoft.Storage/storageAccounts/delete", resourceUri: id },
    });
    expect(decision).toMatchObject({
      action: "restore",
      request: {
        scenario: "storage",
        source: "st-uc",
        target: "st-uc",
        mode: "apply",
        allowPrimaryTarget: true,
      },
    });
    if (decision.action !== "restore") throw new Error("unreachable");
    const parsed = parseRestoreRequest(decision.request, p.config, undefined, "event-grid");
    expect(parsed).toMatchObject({ scenario: "storage", preApproved: false });
  });
});
