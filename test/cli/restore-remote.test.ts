// `azdr restore status|approve|reject|cancel <id> --app <url>`: the CLI against a running app over
// HTTP, with an Entra bearer token as the deployed app gets it. The local app stands in for App
// Service authentication: it turns the bearer token into x-ms-client-principal (and drops any
// principal header a caller wrote), as the platform does in front of the Function App.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalApp, type LocalDurableHost } from "../../src/host/index.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreProgress } from "../../src/orchestrators/restore.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "./support.js";

const ROLES: Record<string, string[]> = {
  "token-alice": [RESTORE_ROLES.operator],
  "token-bob": [RESTORE_ROLES.approver],
  "token-carol": [RESTORE_ROLES.operator],
};
const signedIn = (authorization: string | undefined) => {
  const token = authorization?.startsWith("Bearer ") ? authorization.slice("Bearer ".length) : undefined;
  const roles = token ? ROLES[token] : undefined;
  if (!token || !roles) return undefined;
  const name = token.slice("token-".length);
  return encodeClientPrincipal({ id: `oid-${name}`, name, roles });
};

let platform: TestPlatform;
let host: LocalDurableHost;
let app: LocalApp;

beforeAll(async () => {
  platform = await startTestPlatform({
    sim: {
      workspaces: [
        {
          name: "primary",
          seed: {
            notebooks: 8,
            directories: 2,
            jobs: 2,
            clusters: 0,
            policies: 0,
            pools: 0,
            secretScopes: 0,
            repos: 0,
          },
        },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
    config: { unityCatalog: { metastores: [] }, restore: { fourEyes: { workspace: "always" } } },
  });
  host = await startHost();
  app = await LocalApp.start({ host, easyAuth: signedIn });
  for (const kind of ["databricks-notebooks", "databricks-config"]) {
    const instanceId = `backup-${kind}-20261201t090000z`;
    await host.startNew(ORCHESTRATORS.backupRun, {
      instanceId,
      input: { kind, slot: "20261201t090000z", sourceIds: ["primary"] },
    });
    expect((await host.waitForCompletion(instanceId)).runtimeStatus).toBe("Completed");
  }
}, 120_000);
afterAll(async () => {
  await app?.close();
  await host?.shutdown();
  await platform?.close();
});

async function requestRestoreAs(token: string): Promise<string> {
  const response = await fetch(`${app.origin}/api/restore/workspace`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ source: "primary", target: "dr", mode: "apply" }),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  for (let i = 0; i < 400; i++) {
    await host.idle();
    const progress = (await host.getStatus(id))?.customStatus as RestoreProgress | undefined;
    if (progress?.phase === "awaiting-approval") return id;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`restore ${id} never reached its approval gate`);
}

const remote = (token: string, argv: string[]) =>
  cli(platform, ["--json", ...argv, "--app", app.origin, "--scope", "api://azdr-test/.default"], {
    appToken: async (scope) => {
      expect(scope).toBe("api://azdr-test/.default");
      return token;
    },
  });

describe("azdr restore <action> <id> --app", () => {
  it("status, self-approval refused, approval by a DR.Approver, and the loser of the gate told who won", async () => {
    const id = await requestRestoreAs("token-alice");

    const status = await remote("token-carol", ["restore", "status", id]);
    expect(status.code, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout) as { status: number; progress?: RestoreProgress };
    expect(shown.status).toBe(200);
    expect(status.stdout).toContain('"awaiting-approval"');
    expect(status.stdout).toContain("alice"); // the requester, as the gate recorded it
    expect(status.stdout).not.toMatch(/[?&]code=/); // links carry no key

    // An operator cannot approve (role), alice could not even if she were an approver (four eyes).
    const carol = await remote("token-carol", ["restore", "approve", id]);
    expect(carol.code).toBe(1);
    expect(JSON.parse(carol.stdout)).toMatchObject({ status: 403 });
    expect(carol.stdout).toContain(RESTORE_ROLES.approver);

    const bob = await remote("token-bob", ["restore", "approve", id, "--comment", "checked the plan"]);
    expect(bob.code, bob.stdout + bob.stderr).toBe(0);
    expect(JSON.parse(bob.stdout)).toMatchObject({ status: 200 });

    // A second decision loses: 409 naming the decision that won.
    const late = await remote("token-bob", ["restore", "reject", id]);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toMatchObject({ status: 409 });
    expect(late.stdout).toMatch(/already approved by bob/);

    const done = await host.waitForCompletion(id);
    const report = done.output as RestoreReport;
    expect(report.phase).toBe("Completed");
    expect(report.approval).toMatchObject({
      approved: true,
      by: "bob",
      verified: true,
      comment: "checked the plan",
    });
  });

  it("cancel at the gate is a recorded rejection; nothing is written to the target", async () => {
    const writesBefore = platform.sim.log.entries.filter(
      (e) => e.service.includes("dr") && e.method !== "GET",
    ).length;
    await host.purge("restore-workspace-dr").catch(() => false);
    const id = await requestRestoreAs("token-alice");
    const cancel = await remote("token-bob", ["restore", "cancel", id]);
    expect(cancel.code, cancel.stdout).toBe(0);
    const done = await host.waitForCompletion(id);
    expect((done.output as RestoreReport).phase).toBe("Rejected");
    expect(
      platform.sim.log.entries.filter((e) => e.service.includes("dr") && e.method !== "GET").length,
    ).toBe(writesBefore);
  });

  it("refuses plain http to another host and a missing token scope, naming the flag", async () => {
    const http = await cli(platform, [
      "restore",
      "status",
      "x",
      "--app",
      "http://azdr.example.com",
      "--scope",
      "s",
    ]);
    expect(http.code).toBe(2);
    expect(http.stderr).toMatch(/--app.*not https/s);
    const noScope = await cli(platform, ["restore", "status", "x", "--app", app.origin]);
    expect(noScope.code).toBe(2);
    expect(noScope.stderr).toMatch(/--scope/);
    expect(noScope.stderr).toMatch(/AZDR_APP_SCOPE/);
  });
});
