// The 7.3 test setup the workspace restore tests share: a primary workspace backed up through the
// backup orchestrator and an empty DR workspace (no metastores), and a restore started through the
// local durable host or run step by step through the engine.
import { expect } from "vitest";
import type { LocalDurableHost } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import {
  executeBatch,
  preflightAndPlan,
  runValidation,
  type RestoreReport,
} from "../../src/lib/restore/engine/engine.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";
import type { WorkspaceSeedOptions } from "../../sim/databricks/seed.js";
import type { WorkspaceState } from "../../sim/databricks/state.js";
import { startHost, startTestPlatform, type TestPlatform } from "./platform.js";

type Json = Record<string, unknown>;

/** Host shutdowns a test file runs in its afterEach. */
export type Cleanups = (() => Promise<void>)[];

export const BACKUP_SLOT = "20261126t010000z";

/**
 * A primary seeded with `seed` and an empty DR workspace; `prepare` shapes both before the primary
 * is backed up (each of `kinds`, through the backup orchestrator, which must complete).
 */
export async function backedUpWorkspaces(options: {
  seed: WorkspaceSeedOptions | false;
  prepare?: (primary: WorkspaceState, dr: WorkspaceState) => void;
  /** 7.3 restores from both workspace manifests; a test of workspace objects needs only those. */
  kinds?: readonly ("databricks-notebooks" | "databricks-config")[];
}): Promise<TestPlatform> {
  const p = await startTestPlatform({
    sim: {
      workspaces: [
        { name: "primary", seed: options.seed },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
    config: { unityCatalog: { metastores: [] } },
  });
  options.prepare?.(p.sim.workspace("primary").state, p.sim.workspace("dr").state);
  const host = await startHost();
  try {
    for (const kind of options.kinds ?? (["databricks-notebooks", "databricks-config"] as const)) {
      const instanceId = `backup-${kind}-${BACKUP_SLOT}`;
      await host.startNew(ORCHESTRATORS.backupRun, {
        instanceId,
        input: { kind, slot: BACKUP_SLOT, sourceIds: ["primary"] },
      });
      expect((await host.waitForCompletion(instanceId)).runtimeStatus).toBe("Completed");
    }
  } finally {
    await host.shutdown();
  }
  return p;
}

/** A workspace restore request from primary to dr, as the CLI would parse it. */
export function workspaceRequest(p: TestPlatform, body: Json = {}) {
  return parseRestoreRequest(
    { scenario: "workspace", source: "primary", target: "dr", ...body },
    p.config,
    undefined,
    "cli",
  );
}

/**
 * Run a workspace restore through the restore orchestrator (requested by alice) to its end. A host
 * is started (its shutdown goes to `cleanups`) unless one is given.
 */
export async function restoreThroughHost(
  p: TestPlatform,
  body: Json,
  options: { cleanups: Cleanups; host?: LocalDurableHost; instanceId?: string },
): Promise<{ report: RestoreReport; host: LocalDurableHost }> {
  let host = options.host;
  if (!host) {
    const started = await startHost();
    options.cleanups.push(() => started.shutdown());
    host = started;
  }
  const parsed = workspaceRequest(p, body);
  const instanceId = options.instanceId ?? "restore-workspace-dr";
  await host.startNew(ORCHESTRATORS.restore, {
    instanceId,
    input: {
      request: parsed,
      requester: { id: "oid-alice", name: "alice", source: "azure-login" },
      requestHash: requestHash(parsed),
    },
  });
  const done = await host.waitForCompletion(instanceId, { timeoutMs: 120_000 });
  return { report: done.output as RestoreReport, host };
}

/** An approved apply run step by step through the engine (plan, every batch, validation). */
export async function restoreApproved(p: TestPlatform, body: Json) {
  const scenario = scenarioFor("workspace");
  const parsed = workspaceRequest(p, { mode: "apply", ...body });
  const planId = `plan-approved-${Date.now()}`;
  const plan = await preflightAndPlan(p.runtime, scenario, parsed, {
    instanceId: "restore-workspace-dr",
    planId,
    now: new Date().toISOString(),
  });
  const failures = [];
  for (const step of plan.steps)
    for (let b = 0; b < step.batches; b++)
      failures.push(...(await executeBatch(p.runtime, scenario, parsed, planId, step.name, b)).failures);
  return { planId, plan, failures, validation: await runValidation(p.runtime, scenario, parsed, planId) };
}
