// Every step kind of the restore engine, through durable-functions' own replay in the local host
// (protocol check always on), with the test-only scenario "engine-selftest": registered exactly
// like a runbook scenario (one catalog row, one module). An apply: dependency-ordered items, an
// operation that is started on one host and finished by another after a restart, a checkpoint
// whose post-condition fails once, and a child workspace restore released by the one approval.
import { inject, afterEach, describe, expect, it } from "vitest";
import { BlobInstanceStore, LocalApp, LocalDurableHost } from "../../src/host/index.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreInput, RestoreProgress } from "../../src/orchestrators/restore.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import type { RestorePlan } from "../../src/lib/restore/engine/plan.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import { REPORTS_CONTAINER, reportPath } from "../../src/lib/store/layout.js";
import { appRegistry, startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

type Json = Record<string, unknown>;

let platform: TestPlatform | undefined;
let receiver: WebhookReceiver | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
  await receiver?.close();
  receiver = undefined;
});

const ALICE = { id: "oid-alice", name: "alice@contoso.example", roles: [RESTORE_ROLES.operator] };
const BOB = { id: "oid-bob", name: "bob@contoso.example", roles: [RESTORE_ROLES.approver] };
const as = (who: { id: string; name: string; roles: string[] }) => ({
  "x-ms-client-principal": encodeClientPrincipal(who),
});
const ID = "restore-engine-selftest-dr";

async function setUp(options: { drMetastore?: boolean } = {}): Promise<TestPlatform> {
  receiver = await startWebhookReceiver();
  const p = await startTestPlatform({
    sim: {
      workspaces: [
        {
          name: "primary",
          seed: {
            notebooks: 4,
            directories: 2,
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
        // The operation step runs a SQL statement: the DR workspace has a metastore (unless a test
        // takes it away to make the operation fail).
        { name: "dr", seed: false, ...(options.drMetastore === false ? {} : { metastore: "uc-dr" }) },
      ],
      metastores: [{ name: "uc-dr", region: "northeurope", seed: false }],
    },
    config: {
      unityCatalog: { metastores: [] },
      notifications: { sinks: [{ id: "hook", type: "webhook", urlSetting: "AZDR_WEBHOOK_URL" }] },
    },
    env: { AZDR_WEBHOOK_URL: receiver.url("/hook") },
    runtime: { notify: { sleep: async () => undefined } },
  });
  // The child workspace restore needs a snapshot of the primary's objects.
  const host = await startHost();
  const backupId = "backup-databricks-notebooks-20261126t010000z";
  await host.startNew(ORCHESTRATORS.backupRun, {
    instanceId: backupId,
    input: { kind: "databricks-notebooks", slot: "20261126t010000z", sourceIds: ["primary"] },
  });
  expect((await host.waitForCompletion(backupId)).runtimeStatus).toBe("Completed");
  await host.shutdown();
  return p;
}

/** Runs episodes and activities (never virtual timers) until the predicate holds. */
async function until(
  host: LocalDurableHost,
  what: string,
  predicate: (progress: RestoreProgress | undefined) => boolean,
): Promise<RestoreProgress> {
  for (let i = 0; i < 400; i++) {
    await host.idle();
    const status = await host.getStatus(ID);
    const progress = status?.customStatus as RestoreProgress | undefined;
    if (predicate(progress)) return progress!;
    if (status && ["Completed", "Failed", "Terminated"].includes(status.runtimeStatus))
      throw new Error(`ended (${status.runtimeStatus}) before ${what}: ${JSON.stringify(status.output)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function done(app: LocalApp, step: string, who: { id: string; name: string; roles: string[] } = ALICE) {
  const response = await app.invokeHttp("restoreHttpCheckpointDone", {
    params: { id: ID, step },
    method: "POST",
    body: { comment: "looked at it" },
    headers: as(who),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function stored<T>(p: TestPlatform, path: string): Promise<T> {
  const body = await p.runtime.store.blobs.get(REPORTS_CONTAINER, path);
  if (!body) throw new Error(`${path} is missing`);
  return JSON.parse(body.toString("utf8")) as T;
}

describe("restore engine step kinds (engine-selftest)", () => {
  it("runs items in dependency order, an operation across a host restart, a checkpoint that fails once, and a child restore released by the parent's approval", async () => {
    platform = await setUp();
    process.env.WEBSITE_AUTH_ENABLED = "True";
    const store = BlobInstanceStore.fromConnectionString(
      inject("azuriteConnectionString"),
      `host${platform.storePrefix.slice(1, -1)}`,
    );
    const registry = await appRegistry();
    const first = new LocalDurableHost({ registry, store, timers: "virtual" });
    const firstApp = await LocalApp.start({ host: first });
    const request = parseRestoreRequest(
      { source: "primary", target: "dr", mode: "apply", folder: "/Shared/selftest" },
      platform.config,
      "engine-selftest",
      "test",
    );
    const input: RestoreInput = {
      request,
      requester: { id: ALICE.id, name: ALICE.name, source: "easy-auth" },
      requestHash: requestHash(request),
    };
    await first.startNew(ORCHESTRATORS.restore, { instanceId: ID, input });

    // One plan, one approval: the child's plan is folded into the parent's and its hash covered.
    const gate = await until(first, "the approval gate", (p) => p?.phase === "awaiting-approval");
    const plan = await stored<RestorePlan>(platform, reportPath("plan", gate.planId!, "json"));
    expect(plan.children?.map((c) => [c.step, c.scenario, c.section])).toEqual([
      ["workspace", "workspace", "7.3"],
    ]);
    expect(plan.children?.[0]?.items).toBeGreaterThan(0);
    const markdown = (await platform.runtime.store.blobs.get(
      REPORTS_CONTAINER,
      reportPath("plan", gate.planId!, "md"),
    ))!.toString();
    expect(markdown).toMatch(/Kind: items, in dependency order\./);
    expect(markdown).toMatch(
      /Kind: long-running operation, polled every 30 s for up to 30 min\..*Expected duration: about 30 s\./,
    );
    expect(markdown).toMatch(/What to do by hand:\n\n1\. Open the target workspace/);
    expect(markdown).toMatch(/child restore workspace \(runbook 7\.3\)/);
    // The engine put the notebook after the folder it needs, though the module planned it first.
    expect(plan.items.filter((i) => i.step === "folders").map((i) => i.kind)).toEqual([
      "DIRECTORY",
      "NOTEBOOK",
    ]);
    const approved = await firstApp.invokeHttp("restoreHttpApprove", {
      params: { id: ID },
      method: "POST",
      body: { planHash: gate.gate?.planHash },
      headers: as(BOB),
    });
    expect(approved.status).toBe(200);

    // The operation starts on the first host; then that host "dies" with the poll timer pending.
    const running = await until(first, "the operation", (p) => p?.step === "statement");
    // Progress while a step runs: which step of how many, and the objects done across all steps.
    expect(running).toMatchObject({ phase: "executing", done: 0, stepCount: 4 });
    expect(running.stepIndex).toBe(2);
    expect(running.total).toBeGreaterThan(0);
    const planned = (step: string) => plan.items.filter((i) => i.step === step).length;
    expect(running.overallDone).toBe(planned("folders"));
    expect(running.total).toBe(planned("statement"));
    expect(running.overallTotal).toBeGreaterThan(planned("folders") + planned("statement"));
    await first.idle();
    const drCalls = (route: string) =>
      platform!.sim.log.entries.filter((e) => e.route === route && e.service.includes("dr")).length;
    const starts = () => drCalls("POST /api/2.0/sql/statements");
    expect(starts()).toBe(1);
    expect(drCalls("GET /api/2.0/sql/statements/:id")).toBe(0); // not polled yet: the timer is pending
    await firstApp.close();
    await first.shutdown();

    const second = new LocalDurableHost({ registry, store, timers: "virtual" });
    const app = await LocalApp.start({ host: second });
    cleanups.push(async () => {
      await app.close();
      await second.shutdown();
    });
    expect(await second.resumeAll()).toContain(ID);
    await second.advanceTimers(); // the poll timer, now on the second host
    const waiting = await until(second, "the checkpoint", (p) => p?.phase === "awaiting-checkpoint");
    // Polled, never started again.
    expect(starts()).toBe(1);
    expect(drCalls("GET /api/2.0/sql/statements/:id")).toBeGreaterThan(0);
    expect(waiting.checkpoint).toMatchObject({ step: "confirm", attempt: 1 });
    expect(waiting.checkpoint?.links[0]?.url).toContain("#workspace/Shared/selftest");
    // Folder and notebook exist (dependency order worked).
    const dr = platform.sim.workspace("dr").state;
    expect(dr.tree.objects.get("/Shared/selftest/notes")?.object_type).toBe("NOTEBOOK");

    // "Done" without doing it: the check fails, and the run waits again with the check's answer.
    const early = await done(app, "confirm");
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({
      step: "confirm",
      attempt: 1,
      by: { id: ALICE.id, source: "easy-auth" },
    });
    const again = await until(second, "the second attempt", (p) => p?.checkpoint?.attempt === 2);
    expect(again.phase).toBe("awaiting-checkpoint");
    expect(again.checkpoint?.lastCheck?.ok).toBe(false);
    expect(again.checkpoint?.lastCheck?.by).toContain(ALICE.name);
    expect(again.checkpoint?.lastCheck?.detail).toMatch(/\/Shared\/selftest\/confirmed does not exist/);
    // Wrong step, wrong role, no identity: refused, nothing recorded.
    expect((await done(app, "statement")).status).toBe(409);
    expect((await done(app, "confirm", BOB)).status).toBe(403);

    // Do it, say done again: the check passes, the child restore runs without a gate of its own.
    await platform.runtime
      .databricks("dr")
      .post("/api/2.0/workspace/mkdirs", { path: "/Shared/selftest/confirmed" });
    expect((await done(app, "confirm")).status).toBe(200);
    const final = await second.waitForCompletion(ID, { timeoutMs: 120_000 });
    const report = final.output as RestoreReport;
    expect(report.phase, JSON.stringify(report.reasons)).toBe("Completed");
    expect(report.approval).toMatchObject({ approved: true, by: BOB.name, verified: true });
    const byStep = Object.fromEntries(report.steps.map((s) => [s.name, s]));
    expect(byStep["folders"]).toMatchObject({ created: 2, failed: 0 });
    expect(byStep["statement"]).toMatchObject({ created: 1, failed: 0 });
    expect(byStep["confirm"]).toMatchObject({ updated: 1, failed: 0 });
    expect(byStep["workspace"]!.created).toBeGreaterThan(0);
    // The parent's own checks and its child's, prefixed with the step.
    expect(report.validation.map((v) => v.name)).toContain("folder and notebook present");
    expect(report.validation.filter((v) => v.name.startsWith("workspace: ")).length).toBeGreaterThan(0);
    expect(report.validation.every((v) => v.ok)).toBe(true);
    // The child: a sub-orchestration of its own, released by the parent's approval.
    const child = await second.getStatus(`${ID}:workspace`);
    const childReport = child?.output as RestoreReport;
    expect(childReport.phase).toBe("Completed");
    expect(childReport.parentInstanceId).toBe(ID);
    expect(childReport.approval?.comment).toMatch(
      /released by the approval of restore-engine-selftest-dr's plan/,
    );
    expect(dr.tree.objects.size).toBeGreaterThan(4);
    // Who said done, recorded with each check.
    const checks = await stored<Json>(platform, `runs/${report.planId}/checkpoints/confirm/check-1.json`);
    expect(checks).toMatchObject({ ok: false, attempt: 1, by: { id: ALICE.id } });
    expect(
      await stored<Json>(platform, `runs/${report.planId}/checkpoints/confirm/check-2.json`),
    ).toMatchObject({ ok: true });

    // "Restore waiting at a checkpoint" was announced once per attempt, with the route to answer.
    const messages = receiver!.at("/hook").map((r) => r.json as Json);
    const atCheckpoint = messages.filter((m) => m["event"] === "restore-awaiting-checkpoint");
    expect(atCheckpoint.map((m) => m["id"])).toEqual([
      `${ID}:checkpoint:confirm:1`,
      `${ID}:checkpoint:confirm:2`,
    ]);
    expect(JSON.stringify(atCheckpoint[1])).toMatch(/checkpoints\/confirm\/done/);
    // The child is reported inside its parent: one "finished" message.
    expect(messages.filter((m) => m["event"] === "restore-finished")).toHaveLength(1);
  });

  it("a plan-only run plans the child into the parent's plan and writes nothing; an operation that cannot start stops the run before its checkpoint and child", async () => {
    platform = await setUp({ drMetastore: false });
    const host = await startHost();
    cleanups.push(() => host.shutdown());
    const start = async (mode: "plan" | "apply") => {
      const request = parseRestoreRequest(
        { source: "primary", target: "dr", mode, preApproved: true },
        platform!.config,
        "engine-selftest",
        "test",
      );
      await host.startNew(ORCHESTRATORS.restore, {
        instanceId: ID,
        input: {
          request,
          requester: { id: ALICE.id, name: ALICE.name, source: "azure-login" },
          requestHash: requestHash(request),
        } satisfies RestoreInput,
      });
      return (await host.waitForCompletion(ID, { timeoutMs: 120_000 })).output as RestoreReport;
    };
    const writes = () =>
      platform!.sim.log.entries.filter((e) => e.service.includes("dr") && e.method !== "GET").length;

    const planned = await start("plan");
    expect(planned.phase).toBe("Planned");
    expect(writes()).toBe(0);
    const plan = await stored<RestorePlan>(platform, planned.planPath);
    expect(plan.children?.[0]).toMatchObject({ step: "workspace", scenario: "workspace" });
    expect(planned.counts.create).toBe(plan.counts.create + plan.children![0]!.counts.create);

    // Without a metastore the statement cannot start: the run stops there, nothing after it runs.
    const failed = await start("apply");
    expect(failed.phase).toBe("Failed");
    expect(failed.reasons.join()).toMatch(
      /stopped: [\s\S]*METASTORE_DOES_NOT_EXIST[\s\S]*re-run the same request/,
    );
    const byStep = Object.fromEntries(failed.steps.map((s) => [s.name, s]));
    expect(byStep["folders"]).toMatchObject({ created: 2 });
    expect(byStep["confirm"]).toMatchObject({ created: 0, updated: 0, failed: 0 });
    expect(await host.getStatus(`${ID}:workspace`)).toBeUndefined();
    const messages = receiver!.at("/hook").map((r) => r.json as Json);
    expect(messages.some((m) => m["event"] === "restore-awaiting-checkpoint")).toBe(false);
  });
});
