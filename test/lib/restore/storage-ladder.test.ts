// The runbook 7.2 preflight ladder against the simulator through the real clients: for each
// situation, the first rung that applies, why the others do not, what the plan will write, and that
// planning writes nothing.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { startAzureSim, type AzureSim } from "../../../sim/azure/index.js";
import {
  createStorageRecoveryClient,
  type StorageRecoveryClient,
} from "../../../src/lib/clients/storage-recovery.js";
import { isAzdrError } from "../../../src/lib/errors.js";
import {
  blobRanges,
  planStorageRecovery,
  type StoragePlan,
} from "../../../src/lib/restore/scenarios/storage/ladder.js";
import {
  parseStorageOptions,
  type StorageOptionsInput,
} from "../../../src/lib/restore/scenarios/storage/request.js";
import type { ProtectionSettings } from "../../../src/lib/sources/storage-protection-source.js";

let sim: AzureSim;
let client: StorageRecoveryClient;

beforeEach(async () => {
  sim = await startAzureSim({ seed: { models: 1, versionsPerModel: 1 } });
  client = createStorageRecoveryClient({
    subscriptionId: sim.subscriptionId,
    credential: sim.credential,
    httpClient: sim.httpClient,
    storageHttpClient: sim.storageHttpClient,
    retry: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
  });
});
afterEach(async () => sim.close());

const account = (name: string) => ({ resourceGroup: sim.seed!.resourceGroup, name });
const acct = (name: string) => sim.state.findStorageAccount(name)!;

async function ladder(
  name: string,
  options: StorageOptionsInput = {},
  recorded?: ProtectionSettings,
): Promise<StoragePlan> {
  sim.log.clear();
  const plan = await planStorageRecovery({
    client,
    account: account(name),
    options: parseStorageOptions(options, sim.state.now()),
    ...(recorded ? { recorded } : {}),
    now: sim.state.now(),
    subscriptionId: sim.subscriptionId,
  });
  // Planning never writes: every request is a read (checkNameAvailability is a POST that reads).
  const writes = sim.log.entries.filter(
    (e) => e.method !== "GET" && e.method !== "HEAD" && !e.path.endsWith("/checkNameAvailability"),
  );
  expect(writes.map((e) => `${e.method} ${e.path}`)).toEqual([]);
  return plan;
}

const rung = (plan: StoragePlan, name: string) => plan.rungs.find((r) => r.rung === name)!;
const actionable = (plan: StoragePlan) =>
  plan.items.filter((i) => i.action === "create" || i.action === "update");

const RECORDED: ProtectionSettings = {
  account: "stazdrucprod",
  resourceGroup: "rg-azdr-prod",
  location: "westeurope",
  skuName: "Standard_ZRS",
  kind: "StorageV2",
  isHnsEnabled: false,
  blobSoftDelete: { enabled: true, days: 7 },
  containerSoftDelete: { enabled: true, days: 7 },
  versioning: true,
  changeFeed: { enabled: true },
  pointInTimeRestore: { enabled: false },
};

describe("rung 1: deleted account", () => {
  test("a checkpoint with the portal link and instructions, then the recorded settings; the other rungs say why not", async () => {
    sim.disasters.deleteStorageAccount("stazdrucprod");
    const plan = await ladder("stazdrucprod", {}, RECORDED);
    expect(plan.rung).toBe("recover-deleted-account");
    const checkpoint = plan.steps.find((s) => s.kind === "checkpoint")!;
    expect(checkpoint).toMatchObject({ name: "recover-account", postCondition: "account-exists" });
    if (checkpoint.kind !== "checkpoint") throw new Error("unreachable");
    expect(checkpoint.links.map((l) => l.url)).toContain(
      "https://portal.azure.com/#browse/Microsoft.Storage%2FStorageAccounts",
    );
    expect(checkpoint.instructions.join("\n")).toMatch(/Restore deleted account/);
    expect(checkpoint.instructions.join("\n")).toMatch(/Private endpoints/);
    expect(plan.preflight.find((p) => p.name === "account-name")).toMatchObject({ ok: true });
    expect(plan.items.find((i) => i.kind === "blob-service")).toMatchObject({
      step: "reapply-protection",
      action: "update",
    });
    expect(plan.steps.map((s) => s.name)).toEqual(["recover-account", "reapply-protection"]);
    expect(plan.notes.join(" ")).toMatch(/run this scenario again/);
    expect(rung(plan, "recover-data").reason).toMatch(/once it is back/);
    expect(rung(plan, "redeploy").reason).toMatch(/still recoverable/);
    expect(plan.notes.join(" ")).toMatch(/No role assignments of stazdrucprod were recorded/);
    const roles = [
      {
        roleDefinitionId: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4",
        principalId: "p-1",
      },
    ];
    const withRoles = await planStorageRecovery({
      client,
      account: account("stazdrucprod"),
      options: parseStorageOptions({}, sim.state.now()),
      recorded: RECORDED,
      recordedRoles: roles,
      now: sim.state.now(),
      subscriptionId: sim.subscriptionId,
    });
    expect(withRoles.steps.map((s) => s.name)).toEqual([
      "recover-account",
      "reapply-protection",
      "regrant-roles",
    ]);
    expect(withRoles.items.find((i) => i.step === "regrant-roles")).toMatchObject({
      action: "create",
      meta: { kind: "role", assignment: roles[0] },
    });
  });

  test("a missing resource group is created first; a taken name blocks the recovery", async () => {
    sim.disasters.deleteStorageAccount("stazdrucprod");
    sim.state.resourceGroups.clear();
    const plan = await ladder("stazdrucprod");
    const checkpoint = plan.steps[0]!;
    if (checkpoint.kind !== "checkpoint") throw new Error("expected a checkpoint");
    expect(checkpoint.instructions[0]).toMatch(/Create resource group rg-azdr-prod/);
    expect(plan.preflight.find((p) => p.name === "resource-group")).toMatchObject({ ok: false });

    sim.state.addStorageAccount({
      subscriptionId: "other-sub",
      resourceGroup: "x",
      name: "stazdrucprod",
      location: "westeurope",
    });
    const taken = await ladder("stazdrucprod");
    expect(taken.preflight.find((p) => p.name === "account-name")).toMatchObject({
      ok: false,
      blocking: true,
    });
  });
});

describe("rung 2: data deleted or overwritten", () => {
  test("versioned account without PITR: a deleted container is restored, deleted and overwritten blobs come back from versions", async () => {
    const a = acct("stazdrucprod");
    sim.state.putBlob(a, "docs", "keep.txt", Buffer.from("v1"));
    sim.state.putBlob(a, "docs", "gone.txt", Buffer.from("g1"));
    sim.state.putBlob(a, "box", "b.txt", Buffer.from("b"));
    sim.state.putBlob(a, "box", "b2.txt", Buffer.from("b2"));
    // stazdrucprod has no container soft delete: turn it on so the deleted container is kept.
    a.blobService.containerDeleteRetentionPolicy = { enabled: true, days: 7 };
    sim.advanceDays(0.1);
    sim.disasters.overwriteBlob("stazdrucprod", "docs", "keep.txt", Buffer.from("ransom"));
    sim.disasters.deleteBlob("stazdrucprod", "docs", "gone.txt");
    sim.disasters.deleteContainer("stazdrucprod", "box");

    const plan = await ladder("stazdrucprod");
    expect(plan.rung).toBe("recover-data");
    expect(plan.pointInTime).toBeUndefined();
    expect(plan.notes.join(" ")).toMatch(/Point-in-time restore is not used: no restore policy/);
    expect(actionable(plan).map((i) => [i.step, i.key, i.kind, i.action])).toEqual([
      ["restore-containers", "box", "container", "create"],
      ["recover-blobs", "docs/gone.txt", "blob-version", "create"],
      ["recover-blobs", "docs/keep.txt", "blob-version", "update"],
    ]);
    // Overwriting a base blob with a version is destructive and listed.
    expect(plan.destructive).toHaveLength(1);
    expect(plan.destructive[0]).toMatch(/docs\/keep\.txt: the current content is replaced/);
    expect(rung(plan, "failover").reason).toMatch(/primary answers/);
  });

  test("soft delete without versioning: deleted blobs are undeleted; scope and window narrow what counts", async () => {
    const a = acct("stazdrscratch");
    a.blobService.deleteRetentionPolicy = { enabled: true, days: 7 };
    for (const n of ["in/a", "in/b", "out/c"]) sim.state.putBlob(a, "data", n, Buffer.from(n));
    sim.disasters.deleteBlob("stazdrscratch", "data", "in/a");
    sim.advanceDays(2);
    const since = sim.state.now().toISOString();
    sim.advanceDays(0.001); // deletion times are listed to the second
    sim.disasters.deleteBlob("stazdrscratch", "data", "in/b");
    sim.disasters.deleteBlob("stazdrscratch", "data", "out/c");

    const plan = await ladder("stazdrscratch", {
      containers: [{ container: "data", prefix: "in/" }],
      window: { from: since },
    });
    expect(actionable(plan).map((i) => [i.key, i.kind])).toEqual([["data/in/b", "blob-undelete"]]);
    expect(plan.notes.join(" ")).toMatch(/Versioning is off/);
  });

  test("overwritten blobs on an account with a restore policy: PITR just before the first overwrite, over the scope's ranges", async () => {
    const a = acct("stazdrmlprod");
    sim.state.putBlob(a, "data", "p/x.txt", Buffer.from("x1"));
    sim.state.putBlob(a, "data", "p/y.txt", Buffer.from("y1"));
    sim.advanceDays(0.1);
    const firstOverwrite = sim.state.now();
    sim.disasters.overwriteBlob("stazdrmlprod", "data", "p/x.txt", Buffer.from("bad"));
    sim.advanceDays(0.01);
    sim.disasters.overwriteBlob("stazdrmlprod", "data", "p/y.txt", Buffer.from("bad"));

    const plan = await ladder("stazdrmlprod", { containers: [{ container: "data", prefix: "p/" }] });
    expect(plan.pointInTime).toMatchObject({
      ranges: [{ startRange: "data/p/", endRange: "data/p0" }],
      chosenBy: "first destructive event",
    });
    const t = Date.parse(plan.pointInTime!.timeToRestore);
    expect(t).toBeLessThan(firstOverwrite.getTime());
    expect(t).toBeGreaterThan(firstOverwrite.getTime() - 2000);
    expect(plan.steps.map((s) => s.name)).toEqual(["point-in-time-restore"]);
    expect(plan.items.filter((i) => i.step === "point-in-time-restore")).toHaveLength(1);
    expect(plan.notes.join(" ")).toMatch(/brings back: data\/p\/x\.txt \(overwritten/);
    expect(plan.destructive[0]).toMatch(/blobs created after it are deleted/);

    // The operator's own time wins.
    const chosen = new Date(firstOverwrite.getTime() - 60_000).toISOString();
    const own = await ladder("stazdrmlprod", { containers: [{ container: "data" }], timeToRestore: chosen });
    expect(own.pointInTime).toMatchObject({
      timeToRestore: chosen,
      chosenBy: "operator",
      ranges: [{ startRange: "data/", endRange: "data0" }],
    });
  });

  test("ADLS Gen2: paths are undeleted, PITR is never attempted and the plan says why; asking for PITR is a 400 on timeToRestore", async () => {
    const lake = acct("stazdrlakeprod");
    sim.state.putBlob(lake, "raw", "bronze/a.parquet", Buffer.from("a"));
    sim.state.putBlob(lake, "raw", "bronze/b.parquet", Buffer.from("b"));
    sim.disasters.deletePath("stazdrlakeprod", "raw", "bronze/");
    const plan = await ladder("stazdrlakeprod", { containers: [{ container: "raw" }] });
    expect(actionable(plan).map((i) => [i.step, i.key])).toEqual([
      ["undelete-paths", "raw/bronze/a.parquet"],
      ["undelete-paths", "raw/bronze/b.parquet"],
    ]);
    expect(plan.notes.join(" ")).toMatch(/hierarchical namespace .* does not support point-in-time restore/);
    expect(plan.pointInTime).toBeUndefined();
    await expect(
      ladder("stazdrlakeprod", { timeToRestore: new Date(sim.state.now().getTime() - 60_000).toISOString() }),
    ).rejects.toSatisfy(
      (e) =>
        isAzdrError(e, "INVALID_INPUT") &&
        e.message.includes("timeToRestore") &&
        e.message.includes("hierarchical namespace"),
    );
    expect(sim.log.count("restoreBlobRanges")).toBe(0);
  });

  test("a live container with the name of a deleted one is a conflict; nothing found is said", async () => {
    const a = acct("stazdrmlprod");
    sim.state.putBlob(a, "rep", "r.txt", Buffer.from("r"));
    sim.disasters.deleteContainer("stazdrmlprod", "rep");
    sim.state.container(a, "rep", true);
    const plan = await ladder("stazdrmlprod", { containers: [{ container: "rep" }] });
    expect(plan.items.find((i) => i.key === "rep")).toMatchObject({ action: "conflict" });
    expect(plan.rung).toBe("none");
    expect(rung(plan, "recover-data").reason).toMatch(/nothing deleted or overwritten/);
  });
});

describe("rung 3: failover", () => {
  test("primary down: unplanned failover with lastSyncTime, the data-loss window, LRS afterwards and the follow-up", async () => {
    sim.advanceDays(0.01);
    sim.disasters.primaryOutage("stazdrmlprod");
    sim.advanceDays(0.02);
    const plan = await ladder("stazdrmlprod");
    expect(plan.rung).toBe("failover");
    expect(plan.failover).toMatchObject({
      type: "Unplanned",
      resultingSku: "Standard_LRS",
      restoreSku: "Standard_RAGRS",
    });
    expect(plan.failover!.lastSyncTime).toBeTruthy();
    expect(plan.failover!.dataLossWindow!.minutes).toBeGreaterThanOrEqual(28);
    expect(plan.destructive[0]).toMatch(/may be lost .*becomes Standard_LRS/);
    expect(plan.steps.map((s) => s.name)).toEqual(["failover", "restore-geo-redundancy"]);
    expect(plan.items.find((i) => i.step === "restore-geo-redundancy")).toMatchObject({
      meta: { skuName: "Standard_RAGRS" },
    });
    expect(rung(plan, "recover-data").reason).toMatch(/does not answer/);
  });

  test("asked for while the primary answers: planned, no data loss, stays geo-redundant; planned refused when the primary is down", async () => {
    const plan = await ladder("stazdrmlprod", { failover: "planned" });
    expect(plan.failover).toMatchObject({ type: "Planned", resultingSku: "Standard_RAGRS" });
    expect(plan.failover!.dataLossWindow).toBeUndefined();
    expect(plan.steps.map((s) => s.name)).toEqual(["failover"]);

    sim.disasters.primaryOutage("stazdrmlprod");
    const refused = await ladder("stazdrmlprod", { failover: "planned" });
    expect(refused.rung).toBe("none");
    expect(rung(refused, "failover").reason).toMatch(/planned failover needs both regions/);
  });

  test("an LRS account whose primary is down has no failover: the reason says so", async () => {
    sim.disasters.primaryOutage("stazdrscratch");
    const plan = await ladder("stazdrscratch");
    expect(plan.rung).toBe("none");
    expect(rung(plan, "failover").reason).toMatch(/not geo-redundant/);
  });
});

describe("rung 4: nothing to recover from", () => {
  test("gone past 14 days: redeploy checkpoint, or create with the recorded settings, then the protection settings", async () => {
    sim.disasters.deleteStorageAccount("stazdrucprod");
    sim.advanceDays(15);
    const plan = await ladder("stazdrucprod", {}, RECORDED);
    expect(plan.rung).toBe("redeploy");
    expect(rung(plan, "recover-deleted-account").reason).toMatch(/not in the subscription's deletedAccounts/);
    expect(plan.steps.map((s) => s.name)).toEqual(["redeploy-account", "reapply-protection"]);

    const create = await ladder("stazdrucprod", { redeploy: "create" }, RECORDED);
    expect(create.steps.map((s) => s.name)).toEqual(["create-account", "reapply-protection"]);
    expect(create.items.find((i) => i.kind === "account")).toMatchObject({
      meta: { settings: { skuName: "Standard_ZRS", location: "westeurope", isHnsEnabled: false } },
    });
    expect(create.items.find((i) => i.kind === "blob-service")!.meta).toMatchObject({
      settings: { isVersioningEnabled: true, deleteRetentionPolicy: { enabled: true, days: 7 } },
    });

    const blind = await ladder("stazdrucprod", { redeploy: "create" });
    expect(blind.preflight.find((p) => p.name === "recorded-settings")).toMatchObject({
      ok: false,
      blocking: true,
    });
  });
});

describe("request checks", () => {
  test("a time in the future, more than ten ranges and duplicates are 400s naming the field", () => {
    const now = new Date();
    expect(() =>
      parseStorageOptions({ timeToRestore: new Date(now.getTime() + 3_600_000).toISOString() }, now),
    ).toThrow(/timeToRestore: .* is in the future/);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ container: `c${i}xx` }));
    expect(() => parseStorageOptions({ containers: eleven }, now)).toThrow(
      /containers: 11 container\/prefix entries/,
    );
    expect(() =>
      parseStorageOptions({ containers: [{ container: "aaa" }, { container: "aaa" }] }, now),
    ).toThrow(/containers\[1\]: aaa\/ is listed twice/);
    expect(() => parseStorageOptions({ containers: [{ container: "Bad_Name" }] }, now)).toThrow(
      /containers\[0\]\.container/,
    );
  });

  test("ranges: one per container/prefix, end exclusive; the whole account is one open range", () => {
    expect(blobRanges([])).toEqual([{ startRange: "", endRange: "" }]);
    expect(blobRanges([{ container: "c", prefix: "a/b" }])).toEqual([
      { startRange: "c/a/b", endRange: "c/a/c" },
    ]);
  });
});
