import { inject, afterEach, describe, expect, it } from "vitest";
import { BlobInstanceStore, LocalApp, LocalDurableHost, MemoryPoisonSink } from "../../src/host/index.js";
import { ORCHESTRATORS, RESTORE_QUEUE } from "../../src/orchestrators/names.js";
import type { RestoreProgress } from "../../src/orchestrators/restore.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { REPORTS_CONTAINER } from "../../src/lib/store/layout.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import { requestHash } from "../../src/lib/restore/engine/request.js";
import { appRegistry, startHost, type TestPlatform } from "../support/platform.js";
import { backedUpWorkspaces } from "../support/workspace-dr.js";

type Json = Record<string, unknown>;

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  delete process.env.WEBSITE_AUTH_ENABLED;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

const SEED = {
  notebooks: 60,
  directories: 8,
  files: 4,
  jobs: 10,
  clusters: 3,
  policies: 2,
  pools: 2,
  secretScopes: 2,
  secretsPerScope: 2,
  repos: 2,
  initScripts: 1,
};

const backedUpPlatform = () => backedUpWorkspaces({ seed: SEED });

async function startApp(
  host?: LocalDurableHost,
): Promise<{ host: LocalDurableHost; app: LocalApp; poison: MemoryPoisonSink }> {
  const h = host ?? (await startHost());
  const poison = new MemoryPoisonSink();
  const app = await LocalApp.start({ host: h, poison });
  cleanups.push(async () => {
    await app.close();
    await h.shutdown();
  });
  return { host: h, app, poison };
}

/** What App Service authentication injects for a signed-in caller (trusted only when it is on). */
const ALICE = { id: "oid-alice", name: "alice@contoso.example", roles: [RESTORE_ROLES.operator] };
const BOB = { id: "oid-bob", name: "bob@contoso.example", roles: [RESTORE_ROLES.approver] };
const as = (who: { id: string; name: string; roles: string[] }) => ({
  "x-ms-client-principal": encodeClientPrincipal(who),
});

/** App Service authentication on, as App Service signals it (WEBSITE_AUTH_ENABLED). */
function authenticationOn(): void {
  process.env.WEBSITE_AUTH_ENABLED = "True";
}

async function post(
  app: LocalApp,
  scenario: string,
  body: unknown,
  headers: Record<string, string> = as(ALICE),
) {
  const response = await app.invokeHttp("restoreHttpStart", {
    params: { scenario },
    body,
    method: "POST",
    headers,
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function decide(
  app: LocalApp,
  id: string,
  approved: boolean,
  who: { id: string; name: string; roles: string[] } | undefined,
  body: Json = {},
) {
  const response = await app.invokeHttp(approved ? "restoreHttpApprove" : "restoreHttpReject", {
    params: { id },
    body,
    method: "POST",
    ...(who ? { headers: as(who) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function waitForPhase(
  host: LocalDurableHost,
  id: string,
  phase: RestoreProgress["phase"],
): Promise<RestoreProgress> {
  for (let i = 0; i < 400; i++) {
    await host.idle();
    const status = await host.getStatus(id);
    const progress = status?.customStatus as RestoreProgress | undefined;
    if (progress?.phase === phase) return progress;
    if (status && ["Completed", "Failed", "Terminated"].includes(status.runtimeStatus)) {
      throw new Error(
        `instance ended (${status.runtimeStatus}) before phase ${phase}: ${JSON.stringify(status.output)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${phase}`);
}

/** Everything the dr workspace holds, read back through the API shapes the backup uses. */
function drWrites(p: TestPlatform) {
  return p.sim.log.entries.filter(
    (e) => e.service.includes("dr") && e.method !== "GET" && e.method !== "HEAD",
  );
}

describe("7.3 Databricks workspace restore", () => {
  it("plan mode reads the target and writes nothing anywhere in it", async () => {
    platform = await backedUpPlatform();
    const { host, app } = await startApp();
    platform.sim.log.clear();
    const started = await post(app, "workspace", { source: "primary", target: "dr", mode: "plan" });
    expect(started.status).toBe(202);
    expect(started.body["approveUri"]).toMatch(/\/api\/restore\/instances\/restore-workspace-dr\/approve/);
    const done = await host.waitForCompletion(String(started.body["id"]));
    const report = done.output as RestoreReport;
    expect(report.phase).toBe("Planned");
    expect(report.counts.create).toBeGreaterThan(SEED.notebooks);
    expect(platform.sim.log.entries.some((e) => e.service.includes("dr"))).toBe(true);
    expect(drWrites(platform)).toEqual([]);
    const markdown = await platform.runtime.store.blobs.get(REPORTS_CONTAINER, `plans/${report.planId}.md`);
    expect(markdown?.toString()).toMatch(/# Restore plan: workspace \(runbook 7\.3\)/);
  });

  it("restores into an empty workspace after approval: objects byte-identical, jobs paused and remapped, config equal", async () => {
    platform = await backedUpPlatform();
    authenticationOn();
    const { host, app } = await startApp();
    const started = await post(app, "workspace", {
      source: "primary",
      target: "dr",
      mode: "apply",
      remap: { principals: [{ from: "bob@example.com", to: "bob@dr.example.com" }] },
    });
    expect(started.status).toBe(202);
    const id = String(started.body["id"]);
    const waiting = await waitForPhase(host, id, "awaiting-approval");
    expect(waiting.counts?.create).toBeGreaterThan(0);
    expect(drWrites(platform)).toEqual([]);

    const second = await post(app, "workspace", { source: "primary", target: "dr", mode: "apply" });
    expect(second.status).toBe(409);
    expect(second.body["statusUri"]).toMatch(/restore-workspace-dr/);

    const anonymous = await decide(app, id, true, undefined, { by: "oncall@example.com" });
    expect(anonymous.status).toBe(401);
    const operatorOnly = await decide(app, id, true, { ...BOB, roles: [RESTORE_ROLES.operator] });
    expect(operatorOnly.status).toBe(403);
    expect(operatorOnly.body["message"]).toMatch(/lacks the app role DR\.Approver/);
    const approved = await decide(app, id, true, BOB, { comment: "drill" });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ approved: true, by: { name: BOB.name, source: "easy-auth" } });
    const done = await host.waitForCompletion(id, { timeoutMs: 120_000 });
    const report = done.output as RestoreReport;
    expect(report.phase, JSON.stringify(report.reasons)).toBe("Completed");
    expect(report.approval).toMatchObject({ approved: true, by: BOB.name, comment: "drill", verified: true });
    expect(report.validation.every((v) => v.ok)).toBe(true);

    const source = platform.sim.workspace("primary").state;
    const target = platform.sim.workspace("dr").state;
    // Notebooks and files byte-identical, languages kept, empty folders present.
    for (const [path, object] of source.tree.objects) {
      if (object.object_type === "NOTEBOOK" || object.object_type === "FILE") {
        const restored = target.tree.get(path);
        expect(restored, path).toBeDefined();
        expect(restored!.content!.equals(object.content!), path).toBe(true);
        if (object.language) expect(restored!.language, path).toBe(object.language);
      }
      if (object.object_type === "DIRECTORY")
        expect(target.tree.get(path)?.object_type, path).toBe("DIRECTORY");
    }
    // Jobs: equal by settings modulo remapped ids, paused, and carrying none of azdr's own tags.
    expect(target.jobs.size).toBe(source.jobs.size);
    const targetIdByName = new Map([...target.jobs].map(([id, job]) => [job.settings["name"], id]));
    const newIdOf = new Map<string, number>();
    for (const [id, job] of source.jobs) newIdOf.set(String(id), targetIdByName.get(job.settings["name"])!);
    for (const job of target.jobs.values())
      expect(Object.keys((job.settings["tags"] ?? {}) as Json).filter((t) => t.startsWith("azdr"))).toEqual(
        [],
      );
    for (const cluster of target.clusters.values())
      expect(Object.keys((cluster["custom_tags"] ?? {}) as Json).filter((t) => t.startsWith("azdr"))).toEqual(
        [],
      );
    for (const [sourceId, job] of source.jobs) {
      const restoredId = newIdOf.get(String(sourceId));
      expect(restoredId, `job ${sourceId}`).toBeDefined();
      const restored = target.jobs.get(restoredId!)!.settings;
      expect(restored["name"]).toBe(job.settings["name"]);
      const tasks = restored["tasks"] as Json[];
      const sourceTasks = job.settings["tasks"] as Json[];
      expect(tasks.map((t) => t["task_key"])).toEqual(sourceTasks.map((t) => t["task_key"]));
      tasks.forEach((task, i) => {
        const original = sourceTasks[i]!;
        expect(task["notebook_task"]).toEqual(original["notebook_task"]);
        const runJob = original["run_job_task"] as Json | undefined;
        if (runJob)
          expect((task["run_job_task"] as Json)["job_id"]).toBe(newIdOf.get(String(runJob["job_id"])));
        if (original["existing_cluster_id"]) {
          expect(task["existing_cluster_id"]).not.toBe(original["existing_cluster_id"]);
          expect(target.clusters.has(String(task["existing_cluster_id"]))).toBe(true);
        }
      });
      if (job.settings["schedule"]) expect((restored["schedule"] as Json)["pause_status"]).toBe("PAUSED");
    }
    // Policies, pools and clusters equal by name and definition; clusters created terminated.
    const byName = (m: Map<string, Json>, key: string) =>
      new Map([...m.values()].map((v) => [String(v[key]), v]));
    const targetPolicies = byName(target.policies, "name");
    for (const policy of source.policies.values())
      expect(targetPolicies.get(String(policy["name"]))?.["definition"]).toEqual(policy["definition"]);
    const targetPools = byName(target.pools, "instance_pool_name");
    for (const pool of source.pools.values())
      expect(targetPools.get(String(pool["instance_pool_name"]))?.["node_type_id"]).toBe(
        pool["node_type_id"],
      );
    const targetClusters = byName(target.clusters, "cluster_name");
    for (const cluster of source.clusters.values()) {
      const restored = targetClusters.get(String(cluster["cluster_name"]));
      expect(restored?.["spark_version"]).toBe(cluster["spark_version"]);
      expect(restored?.["state"]).toBe("TERMINATED");
    }
    // Scopes exist with their ACLs (principals remapped); no secret value was read anywhere.
    for (const [name, scope] of source.scopes) {
      const restored = target.scopes.get(name);
      expect(restored, name).toBeDefined();
      // Every backed-up ACL is there, principals remapped (the creator's own MANAGE comes on top, as in Databricks).
      for (const [principal, permission] of scope.acls) {
        const expected = principal === "bob@example.com" ? "bob@dr.example.com" : principal;
        expect(restored!.acls.get(expected), `${name} ${expected}`).toBe(permission);
      }
    }
    expect(platform.sim.secretValueReads()).toEqual([]);
    // Direct ACLs of notebooks, folders and jobs equal the source's, on the new ids, principals remapped.
    const remapAcl = (acl: { user_name?: string; group_name?: string; permission_level: string }[]) =>
      acl
        .map((e) => ({
          ...e,
          ...(e.user_name === "bob@example.com" ? { user_name: "bob@dr.example.com" } : {}),
        }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    let comparedAcls = 0;
    for (const [key, acl] of source.permissions) {
      const [type, id] = key.split("/") as [string, string];
      let targetKey: string | undefined;
      if (type === "notebooks" || type === "directories") {
        const path = [...source.tree.objects.values()].find((o) => String(o.object_id) === id)?.path;
        const restored = path ? target.tree.get(path) : undefined;
        if (restored) targetKey = `${type}/${restored.object_id}`;
      } else if (type === "jobs") {
        targetKey = `jobs/${newIdOf.get(id)}`;
      }
      if (!targetKey) continue;
      const restoredAcl = [...(target.permissions.get(targetKey) ?? [])].sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      );
      expect(restoredAcl, key).toEqual(remapAcl(acl));
      comparedAcls++;
    }
    expect(comparedAcls).toBeGreaterThan(5);
    // Repos re-pointed at their remotes.
    expect([...target.repos.values()].map((r) => r["url"]).sort()).toEqual(
      [...source.repos.values()].map((r) => r["url"]).sort(),
    );
    // The report is stored as JSON and Markdown and lists the Databricks-backed secrets to re-enter.
    const markdown = await platform.runtime.store.blobs.get(REPORTS_CONTAINER, report.reportMarkdownPath);
    expect(markdown?.toString()).toMatch(/Phase: \*\*Completed\*\*/);
    expect(report.followUps.some((f) => /must be re-entered/.test(f))).toBe(true);
  });

  it("a restore that fails midway and runs again after a host restart creates nothing twice", async () => {
    platform = await backedUpPlatform();
    const store = BlobInstanceStore.fromConnectionString(
      inject("azuriteConnectionString"),
      `host${platform.storePrefix.slice(1, -1)}`,
    );
    const first = new LocalDurableHost({ registry: await appRegistry(), store, timers: "virtual" });
    // Clusters get created but stopping them is throttled for good: the clusters step fails after
    // every retry, leaving created clusters running (a crash between create and terminate).
    platform.sim.faults.add("dr", {
      route: "POST /api/2.1/clusters/delete",
      status: 429,
      retryAfter: "0",
      times: 100_000,
    });
    const request = {
      scenario: "workspace",
      source: "primary",
      target: "dr",
      mode: "apply",
      preApproved: true,
    };
    const { parseRestoreRequest } = await import("../../src/lib/restore/engine/request.js");
    // Pre-approval is the in-process CLI's: the request is parsed as the CLI does.
    const parsed = parseRestoreRequest(request, platform.config, undefined, "cli");
    const input = {
      request: parsed,
      requester: { id: "oid-alice", name: "alice", source: "azure-login" },
      requestHash: requestHash(parsed),
    };
    await first.startNew(ORCHESTRATORS.restore, { instanceId: "restore-workspace-dr", input });
    const failed = await first.waitForCompletion("restore-workspace-dr", { timeoutMs: 120_000 });
    expect((failed.output as RestoreReport).phase).toBe("Failed");
    expect((failed.output as RestoreReport).reasons.join()).toMatch(/re-run the same request/);
    await first.shutdown();

    platform.sim.faults.clear();
    const target = platform.sim.workspace("dr").state;
    const notebooksBefore = [...target.tree.objects.values()].filter(
      (o) => o.object_type === "NOTEBOOK",
    ).length;
    expect([...target.clusters.values()].some((c) => c["state"] === "RUNNING")).toBe(true);
    expect(notebooksBefore).toBeGreaterThan(0);

    // A new host process over the same instance store runs the same request again.
    const second = new LocalDurableHost({ registry: await appRegistry(), store, timers: "virtual" });
    cleanups.push(() => second.shutdown());
    await second.startNew(ORCHESTRATORS.restore, { instanceId: "restore-workspace-dr", input });
    const done = await second.waitForCompletion("restore-workspace-dr", { timeoutMs: 120_000 });
    const report = done.output as RestoreReport;
    const failures = await platform.runtime.store.blobs.get(REPORTS_CONTAINER, report.reportPath);
    expect(report.phase, failures?.toString().slice(-3000)).toBe("Completed");
    const source = platform.sim.workspace("primary").state;
    expect(target.jobs.size).toBe(source.jobs.size);
    expect(target.policies.size).toBe(source.policies.size);
    expect(target.pools.size).toBe(source.pools.size);
    expect(target.clusters.size).toBe(source.clusters.size);
    expect([...target.tree.objects.values()].filter((o) => o.object_type === "NOTEBOOK").length).toBe(
      notebooksBefore,
    );

    // The clusters the first attempt left running were stopped.
    expect([...target.clusters.values()].map((c) => c["state"])).toEqual(
      [...target.clusters.values()].map(() => "TERMINATED"),
    );
    // And once more: everything is skipped, still nothing duplicated.
    await second.startNew(ORCHESTRATORS.restore, { instanceId: "restore-workspace-dr", input });
    await second.waitForCompletion("restore-workspace-dr", { timeoutMs: 120_000 });
    expect(target.jobs.size).toBe(source.jobs.size);
    expect(target.clusters.size).toBe(source.clusters.size);
  });

  it("a rejected or unanswered approval changes nothing", async () => {
    platform = await backedUpPlatform();
    authenticationOn();
    const { host, app } = await startApp();
    // Two simultaneous requests for one target: one starts, the other gets 409 (never a 500).
    const raced = await Promise.all(
      [1, 2].map(() => post(app, "workspace", { source: "primary", target: "dr", mode: "plan" })),
    );
    expect(raced.map((r) => r.status).sort()).toEqual([202, 409]);
    await host.waitForCompletion("restore-workspace-dr");
    const started = await post(app, "workspace", {
      source: "primary",
      target: "dr",
      mode: "apply",
      approvalTimeoutMinutes: 30,
    });
    const id = String(started.body["id"]);
    await waitForPhase(host, id, "awaiting-approval");
    const rejection = await decide(app, id, false, BOB, { comment: "wrong target" });
    expect(rejection.status).toBe(200);
    const rejected = (await host.waitForCompletion(id)).output as RestoreReport;
    expect(rejected.phase).toBe("Rejected");
    expect(rejected.approval).toMatchObject({ approved: false, by: BOB.name });
    // The gate is closed: a late approval is told what won.
    const late = await decide(app, id, true, BOB);
    expect(late.status).toBe(409);
    expect(late.body["message"]).toMatch(/already rejected by bob@contoso\.example .* at /);

    const again = await post(app, "workspace", {
      source: "primary",
      target: "dr",
      mode: "apply",
      approvalTimeoutMinutes: 30,
    });
    expect(again.status).toBe(202);
    // Nobody answers: the virtual clock reaches the deadline; the gate records its own timeout.
    const timedOut = (await host.waitForCompletion(String(again.body["id"]))).output as RestoreReport;
    expect(timedOut.phase).toBe("TimedOut");
    const afterTimeout = await decide(app, String(again.body["id"]), true, BOB);
    expect(afterTimeout.status).toBe(409);
    expect(afterTimeout.body["message"]).toMatch(/timed out/);
    expect(drWrites(platform)).toEqual([]);
  });

  it("preApproved is refused over HTTP and from the queue; the request starts nothing", async () => {
    platform = await backedUpPlatform();
    const { host, app, poison } = await startApp();
    const http = await post(app, "workspace", {
      source: "primary",
      target: "dr",
      mode: "apply",
      preApproved: true,
    });
    expect(http.status).toBe(400);
    const problems = http.body["problems"] as { field: string; message: string }[];
    expect(problems.map((p) => p.field)).toEqual(["preApproved"]);
    expect(problems[0]?.message).toMatch(/not accepted from an HTTP caller: only the in-process azdr CLI/);
    const queued = await app.invokeQueue("restoreQueueStart", {
      scenario: "workspace",
      source: "primary",
      target: "dr",
      mode: "apply",
      preApproved: true,
    });
    expect(queued.outcome).toBe("poisoned");
    expect(poison.messages(`${RESTORE_QUEUE}-poison`)[0]?.reason).toMatch(
      /preApproved: is not accepted from a queue message/,
    );
    expect(await host.listInstances()).toEqual([]);
    expect(drWrites(platform)).toEqual([]);
  });

  it("a primary target is refused, then accepted with allowPrimaryTarget and released only by a second approver", async () => {
    platform = await backedUpPlatform();
    authenticationOn();
    const { host, app } = await startApp();
    platform.sim.log.clear();
    const refused = await post(app, "workspace", { source: "primary", target: "primary", mode: "apply" });
    expect(refused.status).toBe(400);
    expect(refused.body["problems"]).toEqual([
      expect.objectContaining({
        field: "target",
        message: '"primary" is the source itself: this restore would write to PRODUCTION',
      }),
    ]);
    const started = await post(app, "workspace", {
      source: "primary",
      target: "primary",
      mode: "apply",
      allowPrimaryTarget: true,
    });
    expect(started.status).toBe(202);
    const id = String(started.body["id"]);
    const waiting = await waitForPhase(host, id, "awaiting-approval");
    expect(waiting.gate).toMatchObject({
      primaryTarget: true,
      fourEyes: true,
      requester: { name: ALICE.name, source: "easy-auth" },
    });
    const markdown = await platform.runtime.store.blobs.get(REPORTS_CONTAINER, `plans/${waiting.planId}.md`);
    expect(markdown?.toString()).toMatch(/WARNING: this restore writes to PRODUCTION \(`primary`\)/);
    // The requester, even holding DR.Approver, cannot release it.
    const self = await decide(app, id, true, {
      ...ALICE,
      roles: [RESTORE_ROLES.operator, RESTORE_ROLES.approver],
    });
    expect(self.status).toBe(403);
    expect(self.body).toMatchObject({ rule: "four-eyes" });
    expect(self.body["message"]).toMatch(/four-eyes rule: alice@contoso\.example requested this restore/);
    // A decision about another plan cannot release this one.
    const stale = await decide(app, id, true, BOB, { planHash: "0".repeat(64) });
    expect(stale.status).toBe(409);
    expect(stale.body["error"]).toBe("PLAN_CHANGED");
    const approved = await decide(app, id, true, BOB, { planHash: waiting.gate?.planHash });
    expect(approved.status).toBe(200);
    const report = (await host.waitForCompletion(id, { timeoutMs: 120_000 })).output as RestoreReport;
    // Released and executed (restoring a workspace onto itself skips what exists, so validation
    // may find untagged jobs: PartiallyFailed is that, not the gate).
    expect(["Completed", "PartiallyFailed"], JSON.stringify(report.reasons)).toContain(report.phase);
    expect(report.approval).toMatchObject({ by: BOB.name, planHash: waiting.gate?.planHash });
  });

  it("concurrent approvals and rejections: exactly one wins, every other caller is told which", async () => {
    platform = await backedUpPlatform();
    authenticationOn();
    const { host, app } = await startApp();
    const approvers = [1, 2, 3, 4, 5, 6].map((n) => ({
      id: `oid-approver-${n}`,
      name: `approver${n}@contoso.example`,
      roles: [RESTORE_ROLES.approver],
    }));
    for (let round = 0; round < 8; round++) {
      // A narrow restore (nothing selected), so an approved round finishes at once.
      const started = await post(app, "workspace", {
        source: "primary",
        target: "dr",
        mode: "apply",
        include: ["/nothing-selected"],
      });
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      const id = String(started.body["id"]);
      await waitForPhase(host, id, "awaiting-approval");
      const answers = await Promise.all(
        approvers.map((who, i) => decide(app, id, (i + round) % 2 === 0, who)),
      );
      const winners = answers.filter((a) => a.status === 200);
      expect(winners, JSON.stringify(answers.map((a) => [a.status, a.body]))).toHaveLength(1);
      const winner = winners[0]!.body as { approved: boolean; by: { name: string } };
      for (const loser of answers.filter((a) => a.status !== 200)) {
        expect(loser.status).toBe(409);
        expect(loser.body["message"]).toMatch(
          new RegExp(
            `^already ${winner.approved ? "approved" : "rejected"} by ${winner.by.name.replace(".", "\\.")} .* at `,
          ),
        );
      }
      const report = (await host.waitForCompletion(id)).output as RestoreReport;
      expect(report.phase).toBe(winner.approved ? "Completed" : "Rejected");
      expect(report.approval?.by).toBe(winner.by.name);
    }
  });

  it("without App Service authentication a principal header or a body `by` names nobody, and links carry no key", async () => {
    platform = await backedUpPlatform();
    const { host, app } = await startApp();
    const forged = {
      "x-ms-client-principal": encodeClientPrincipal(BOB),
      "x-ms-client-principal-name": BOB.name,
    };
    const response = await app.invokeHttp("restoreHttpStart", {
      params: { scenario: "workspace" },
      body: { source: "primary", target: "dr", mode: "apply", requestedBy: BOB.name },
      method: "POST",
      headers: forged,
      query: { code: "SECRET-FUNCTION-KEY" },
    });
    expect(response.status).toBe(202);
    const texts: string[] = [JSON.stringify([...response.headers.entries()]), await response.text()];
    const id = "restore-workspace-dr";
    const waiting = await waitForPhase(host, id, "awaiting-approval");
    // The forged name is not the requester: a function-key caller, unverified.
    expect(waiting.gate?.requester).toMatchObject({ id: "function-key", source: "function-key" });
    const status = await app.invokeHttp("restoreHttpStatus", {
      params: { id },
      query: { code: "SECRET-FUNCTION-KEY" },
    });
    texts.push(JSON.stringify([...status.headers.entries()]), await status.text());
    for (const approved of [true, false]) {
      const decision = await app.invokeHttp(approved ? "restoreHttpApprove" : "restoreHttpReject", {
        params: { id },
        body: { by: BOB.name },
        method: "POST",
        headers: forged,
        query: { code: "SECRET-FUNCTION-KEY" },
      });
      expect(decision.status).toBe(401);
      texts.push(JSON.stringify([...decision.headers.entries()]), await decision.text());
    }
    const again = await app.invokeHttp("restoreHttpStart", {
      params: { scenario: "workspace" },
      body: { source: "primary", target: "dr", mode: "plan" },
      method: "POST",
      query: { code: "SECRET-FUNCTION-KEY" },
    });
    expect(again.status).toBe(409);
    texts.push(JSON.stringify([...again.headers.entries()]), await again.text());
    for (const text of texts) {
      expect(text).not.toMatch(/SECRET-FUNCTION-KEY/);
      expect(text).not.toMatch(/code=/);
    }
    expect(texts.join()).toMatch(/\/api\/restore\/instances\/restore-workspace-dr\/approve/);
    expect(drWrites(platform)).toEqual([]);
    await host.terminate(id, "test over");
  });

  it("bad requests get a 4xx naming the field and the fix, and start nothing", async () => {
    platform = await backedUpPlatform();
    const { host, app, poison } = await startApp();
    const cases: [string, unknown, number, string][] = [
      ["nonsense", { source: "primary", target: "dr" }, 404, "scenario"],
      ["workspace", "{not json", 400, "(body)"],
      ["workspace", { source: "primary", target: "nowhere" }, 400, "target"],
      ["workspace", { source: "primary", target: "dr", snapshot: "20200101t000000z" }, 400, "snapshot"],
      [
        "workspace",
        { source: "primary", target: "dr", remap: { storageAccounts: [{ from: "Bad Name", to: "ok" }] } },
        400,
        "remap.storageAccounts[0].from",
      ],
      ["workspace", { source: "primary", target: "dr", mode: "yolo" }, 400, "mode"],
      ["workspace", { source: "primary", target: "dr", colour: "blue" }, 400, "colour"],
    ];
    for (const [scenario, body, status, field] of cases) {
      const response = await app.invokeHttp("restoreHttpStart", {
        params: { scenario },
        body: body as string,
        method: "POST",
      });
      const text = await response.text();
      expect(response.status, `${scenario} ${JSON.stringify(body)}: ${text}`).toBe(status);
      const json = JSON.parse(text) as { problems: { field: string; fix: string }[] };
      expect(json.problems.map((p) => p.field)).toContain(field);
      expect(json.problems.every((p) => p.fix.length > 0)).toBe(true);
    }
    // The same through the queue: not retried, poisoned with the reason.
    const outcome = await app.invokeQueue("restoreQueueStart", {
      scenario: "workspace",
      source: "primary",
      target: "nowhere",
    });
    expect(outcome.outcome).toBe("poisoned");
    expect(poison.messages(`${RESTORE_QUEUE}-poison`)[0]?.reason).toMatch(
      /target: "nowhere" is not in databricks\.workspaces/,
    );
    expect(outcome.attempts).toBe(1);
    expect(await host.listInstances()).toEqual([]);
    // A valid queue message starts the restore.
    const ok = await app.invokeQueue("restoreQueueStart", {
      scenario: "workspace",
      source: "primary",
      target: "dr",
      mode: "plan",
    });
    expect(ok.outcome).toBe("completed");
    expect(((await host.waitForCompletion("restore-workspace-dr")).output as RestoreReport).phase).toBe(
      "Planned",
    );
  });
});
