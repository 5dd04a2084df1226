// Runbook 7.2, after any rung: the platform parts that read the account must reach it again.
// Unity Catalog validates each external location on the account itself (Validate Storage
// Credential, answered by the Databricks simulator from the simulated Azure account: the account,
// the access connector's data role, the filesystem); each Azure ML datastore on the account is
// checked as far as Azure ML's public API allows. Failures name the location or datastore and the
// reason, and a restore whose validation fails ends PartiallyFailed.
import { afterEach, describe, expect, it } from "vitest";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreInput, RestoreProgress } from "../../src/orchestrators/restore.js";
import { LocalApp } from "../../src/host/index.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import { catalogRow, type StorageRequest } from "../../src/lib/restore/catalog.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import type { RestoreScenario } from "../../src/lib/restore/engine/steps.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

const SUBSCRIPTION = "00000000-0000-4000-8000-00000000a2d4"; // the Azure simulator's seeded subscription
const ACCESS_CONNECTOR = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-azdr-prod/providers/Microsoft.Databricks/accessConnectors/ac-azdr-prod`;

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.close();
  platform = undefined;
});

async function setUp(): Promise<TestPlatform> {
  const p = await startTestPlatform({
    sim: {
      workspaces: [{ name: "primary", metastore: "uc-westeurope", seed: false }],
      metastores: [
        {
          name: "uc-westeurope",
          region: "westeurope",
          // Its external locations (landing, external, volumes) live on the lake account.
          seed: { catalogs: 0, storageAccount: "stazdrlakeprod", accessConnectorId: ACCESS_CONNECTOR },
        },
      ],
      azure: { seed: { models: 1, versionsPerModel: 1 } },
    },
    config: {
      subscriptionId: SUBSCRIPTION,
      unityCatalog: { metastores: [{ id: "uc", workspace: "primary" }] },
      azureMl: { workspaces: [{ id: "mlw", name: "mlw-azdr-prod", resourceGroup: "rg-azdr-prod" }] },
      storageAccounts: [
        { id: "st-lake", name: "stazdrlakeprod", resourceGroup: "rg-azdr-prod" },
        { id: "st-ml", name: "stazdrmlprod", resourceGroup: "rg-azdr-prod" },
      ],
    },
  });
  const lake = p.sim.azure!.state.findStorageAccount("stazdrlakeprod")!;
  for (const fs of ["landing", "external", "volumes", "curated"])
    p.sim.azure!.state.putBlob(lake, fs, "_keep", Buffer.from("x"));
  return p;
}

const scenario = () => catalogRow("storage").module as unknown as RestoreScenario<StorageRequest>;
const request = (p: TestPlatform, source: string) =>
  parseRestoreRequest(
    { scenario: "storage", source, target: source, mode: "apply", allowPrimaryTarget: true },
    p.config,
    undefined,
    "test",
  ) as StorageRequest;
const validate = (p: TestPlatform, source: string) =>
  scenario().validate(p.runtime, request(p, source), {}, { planId: "t", ids: {}, learned: {} });

describe("7.2 validation: who reads the account", () => {
  it("every Unity Catalog external location on the lake passes Unity Catalog's own read-only validation; the ML datastores are checked with what was not checked said", async () => {
    platform = await setUp();
    const checks = await validate(platform, "st-lake");
    const uc = checks.filter((c) => c.name.startsWith("Unity Catalog external location"));
    expect(uc.map((c) => [c.name, c.ok, c.actual])).toEqual(
      ["loc-landing", "loc-external", "loc-volumes"].map((l) => [
        `Unity Catalog external location ${l} (uc) reads stazdrlakeprod`,
        true,
        "PASS LIST, READ, PATH_EXISTS",
      ]),
    );
    const calls = platform.sim.log.entries.filter((e) => e.path.endsWith("/validate-storage-credentials"));
    expect(calls).toHaveLength(3);
    const lakeStore = checks.find(
      (c) => c.name === "Azure ML datastore curated_lake (mlw-azdr-prod) reaches stazdrlakeprod",
    );
    expect(lakeStore).toMatchObject({ ok: true, actual: "defined, curated answers" });
    expect(lakeStore!.detail).toMatch(
      /^not checked: listing a path through Azure ML itself .*; the access of whoever reads it \(credential-less/,
    );
    // The ML account's default datastore is read as the workspace's identity: its role is checked.
    const ml = await validate(platform, "st-ml");
    expect(ml.find((c) => c.name.startsWith("Azure ML datastore workspaceblobstore"))).toMatchObject({
      ok: true,
    });
    expect(ml.filter((c) => c.name.startsWith("Unity Catalog"))).toEqual([]);
    // azdr never read a datastore secret.
    expect(platform.sim.azure!.state.secretReads).toEqual([]);
  });

  it("roles not re-granted and a filesystem gone: each failing location and datastore is named with the reason", async () => {
    platform = await setUp();
    const azure = platform.sim.azure!;
    const lake = azure.state.findStorageAccount("stazdrlakeprod")!;
    const connector = azure.state.managedIdentities.get(ACCESS_CONNECTOR.toLowerCase());
    lake.roleAssignments = lake.roleAssignments.filter((r) => r.principalId !== connector);
    lake.containers.delete("curated");
    const checks = await validate(platform, "st-lake");
    const failed = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.actual}`);
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Unity Catalog external location loc-landing \(uc\) reads stazdrlakeprod: FAIL LIST: AuthorizationPermissionMismatch/,
        ),
        "Azure ML datastore curated_lake (mlw-azdr-prod) reaches stazdrlakeprod: its filesystem curated does not exist",
      ]),
    );
    expect(failed).toHaveLength(4);

    // The ML workspace's identity loses its data role on the ML account: its default datastore fails.
    const ml = azure.state.findStorageAccount("stazdrmlprod")!;
    const mlIdentity = (
      await platform.runtime.azure.ml.getWorkspace({ resourceGroup: "rg-azdr-prod", name: "mlw-azdr-prod" })
    )["identity"] as { principalId: string };
    ml.roleAssignments = ml.roleAssignments.filter((r) => r.principalId !== mlIdentity.principalId);
    const mlChecks = await validate(platform, "st-ml");
    expect(mlChecks.find((c) => c.name.startsWith("Azure ML datastore workspaceblobstore"))!.actual).toMatch(
      /reads it as the workspace's identity \(.*\), which holds no Storage Blob Data role on stazdrmlprod/,
    );
  });

  it("through the local host: a restore whose validation finds a location that cannot read ends PartiallyFailed naming it", async () => {
    platform = await setUp();
    const azure = platform.sim.azure!;
    const lake = azure.state.findStorageAccount("stazdrlakeprod")!;
    lake.containers.delete("volumes");
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const host = await startHost();
    const app = await LocalApp.start({ host });
    try {
      const req = parseRestoreRequest(
        { mode: "apply", allowPrimaryTarget: true, source: "st-lake", target: "st-lake" },
        platform.config,
        "storage",
        "test",
      );
      const input: RestoreInput = {
        request: req,
        requester: { id: "oid-alice", name: "alice@contoso.example", source: "easy-auth" },
        requestHash: requestHash(req),
      };
      const id = "st-lake-validate";
      await host.startNew(ORCHESTRATORS.restore, { instanceId: id, input });
      let gate: RestoreProgress | undefined;
      for (let i = 0; i < 400 && gate?.phase !== "awaiting-approval"; i++) {
        await host.idle();
        gate = (await host.getStatus(id))?.customStatus as RestoreProgress | undefined;
        if (gate?.phase !== "awaiting-approval") await new Promise((r) => setTimeout(r, 25));
      }
      const approved = await app.invokeHttp("restoreHttpApprove", {
        params: { id },
        method: "POST",
        body: { planHash: gate!.gate?.planHash },
        headers: {
          "x-ms-client-principal": encodeClientPrincipal({
            id: "oid-bob",
            name: "bob@contoso.example",
            roles: [RESTORE_ROLES.approver],
          }),
        },
      });
      expect(approved.status).toBe(200);
      const final = await host.waitForCompletion(id, { timeoutMs: 120_000 });
      const report = final.output as RestoreReport;
      expect(report.phase).toBe("PartiallyFailed");
      expect(report.reasons.join(" ")).toMatch(
        /validation: Unity Catalog external location loc-volumes \(uc\) reads stazdrlakeprod expected LIST, READ and PATH_EXISTS pass, found FAIL LIST: FilesystemNotFound/,
      );
    } finally {
      delete process.env.WEBSITE_AUTH_ENABLED;
      await app.close();
      await host.shutdown();
    }
  });
});
