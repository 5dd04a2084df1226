// `azdr restore checkpoint <id> <step> --done`: a restore saved in the CLI's host state (the backup
// store account) waits at a checkpoint; the command records "done" as the signed-in identity, the
// run checks the post-condition, says what it found when it fails, and finishes once it holds.
import { inject, afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobInstanceStore, LocalDurableHost } from "../../src/host/index.js";
import { CLI_HOST_CONTAINER } from "../../src/cli/context.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import { useRuntime } from "../../src/orchestrators/runtime.js";
import type { RestoreInput, RestoreProgress } from "../../src/orchestrators/restore.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import { appRegistry, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "./support.js";

let platform: TestPlatform;
const ID = "restore-engine-selftest-dr";

beforeAll(async () => {
  platform = await startTestPlatform({
    sim: {
      workspaces: [
        {
          name: "primary",
          seed: {
            notebooks: 2,
            directories: 1,
            files: 0,
            jobs: 0,
            clusters: 0,
            policies: 0,
            pools: 0,
            secretScopes: 0,
            repos: 0,
            initScripts: 0,
          },
        },
        { name: "dr", seed: false, metastore: "uc-dr" },
      ],
      metastores: [{ name: "uc-dr", region: "northeurope", seed: false }],
    },
    config: { unityCatalog: { metastores: [] } },
  });
  const backup = await cli(platform, ["backup", "workspace"]);
  expect(backup.code, backup.stdout + backup.stderr).toBe(0);
});
afterAll(async () => {
  await platform?.close();
});

describe("azdr restore checkpoint", () => {
  it("records done as the signed-in identity; a failing check leaves it waiting with the answer; a passing one finishes the run", async () => {
    // The run is started the way the CLI starts its own, in the CLI's host state, then left waiting.
    const store = BlobInstanceStore.fromConnectionString(
      inject("azuriteConnectionString"),
      `${platform.storePrefix}${CLI_HOST_CONTAINER}`,
    );
    useRuntime(platform.runtime); // the CLI commands above installed (and removed) their own
    const host = new LocalDurableHost({ registry: await appRegistry(), store, timers: "virtual" });
    const request = parseRestoreRequest(
      { source: "primary", target: "dr", mode: "apply", preApproved: true },
      platform.config,
      "engine-selftest",
      "test",
    );
    await host.startNew(ORCHESTRATORS.restore, {
      instanceId: ID,
      input: {
        request,
        requester: { id: "oid-alice", name: "alice", source: "azure-login" },
        requestHash: requestHash(request),
      } satisfies RestoreInput,
    });
    let progress: RestoreProgress | undefined;
    for (let i = 0; i < 2000 && progress?.phase !== "awaiting-checkpoint"; i++) {
      await host.idle();
      const status = await host.getStatus(ID);
      progress = status?.customStatus as RestoreProgress | undefined;
      if (status?.runtimeStatus !== "Running") throw new Error(JSON.stringify(status?.output));
      if (progress?.step === "statement") await host.advanceTimers(); // the operation's poll
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(progress?.phase).toBe("awaiting-checkpoint");
    await host.shutdown();

    const missing = await cli(platform, ["restore", "checkpoint", ID, "confirm"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--done: missing/);

    const early = await cli(platform, ["restore", "checkpoint", ID, "confirm", "--done"]);
    expect(early.code, early.stderr).toBe(4);
    expect(early.stderr).toMatch(/checkpoint confirm marked done by alice \(signed-in Azure identity\)/);
    expect(early.stderr).toMatch(
      /the last "done" \(alice \(signed-in Azure identity\)\) did not pass its check: \/Shared\/azdr-selftest\/confirmed does not exist/,
    );
    expect(early.stderr).toMatch(/azdr restore checkpoint restore-engine-selftest-dr confirm --done/);

    await platform.runtime.databricks("dr").post("/api/2.0/workspace/mkdirs", {
      path: "/Shared/azdr-selftest/confirmed",
    });
    const wrongStep = await cli(platform, ["restore", "checkpoint", ID, "folders", "--done"]);
    expect(wrongStep.code).toBe(1);
    expect(wrongStep.stderr).toMatch(/waits at checkpoint confirm, not folders/);
    const passed = await cli(platform, ["restore", "checkpoint", ID, "confirm", "--done"]);
    expect(passed.code, passed.stderr).toBe(0);
    expect(passed.stdout).toMatch(/^Completed: engine-selftest \(runbook T\.1\) from primary to dr/);
  });
});
