// The dashboard's routes without a browser: the JSON status API over the local host's HTTP server
// (approvals waiting, restores, snapshots with reasons, RPO rows, dead letters), the page's
// security headers and script, and `azdr dashboard` serving the same page locally.
import { Script } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { LocalApp, type LocalDurableHost } from "../../src/host/index.js";
import type { DashboardStatus } from "../../src/lib/dashboard/status.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreProgress } from "../../src/orchestrators/restore.js";
import { cliIO } from "../cli/support.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

async function started(): Promise<{ p: TestPlatform; host: LocalDurableHost; app: LocalApp }> {
  const p = (platform = await startTestPlatform({
    sim: {
      workspaces: [
        {
          name: "primary",
          seed: {
            notebooks: 4,
            directories: 1,
            jobs: 1,
            clusters: 0,
            policies: 0,
            pools: 0,
            secretScopes: 0,
            repos: 0,
            initScripts: 0,
          },
        },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
    config: {
      unityCatalog: { metastores: [] },
      notifications: { sinks: [{ id: "teams", type: "teams", urlSetting: "AZDR_TEAMS_MISSING" }] },
    },
  }));
  const host = await startHost();
  const app = await LocalApp.start({ host });
  cleanups.push(async () => {
    await app.close();
    await host.shutdown();
  });
  return { p, host, app };
}

async function backup(host: LocalDurableHost, kind: string, slot: string) {
  const instanceId = `backup-${kind}-${slot}`;
  await host.startNew(ORCHESTRATORS.backupRun, { instanceId, input: { kind, slot, sourceIds: ["primary"] } });
  return host.waitForCompletion(instanceId);
}

describe("dashboard routes", () => {
  it("the status API lists approvals waiting, restores, snapshots with reasons, RPO rows and dead letters", async () => {
    const { p, host, app } = await started();
    expect((await backup(host, "databricks-notebooks", "20261201t090000z")).runtimeStatus).toBe("Completed");
    expect((await backup(host, "databricks-config", "20261201t090000z")).runtimeStatus).toBe("Completed");
    p.sim.faults.add("primary", { route: "workspace/list", status: 403 });
    await backup(host, "databricks-notebooks", "20261201t100000z");

    const start = await app.invokeHttp("restoreHttpStart", {
      params: { scenario: "workspace" },
      body: { source: "primary", target: "dr", mode: "apply" },
    });
    const { id } = (await start.json()) as { id: string };
    for (let i = 0; i < 400; i++) {
      await host.idle();
      if (
        ((await host.getStatus(id))?.customStatus as RestoreProgress | undefined)?.phase ===
        "awaiting-approval"
      )
        break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    const response = await fetch(`${app.origin}/api/dashboard/status`);
    expect(response.status).toBe(200);
    const status = (await response.json()) as DashboardStatus;
    expect(status.environment).toEqual({ env: "test", project: "azdr" });
    expect(status.approvals.map((r) => r.instanceId)).toEqual([id]);
    expect(status.approvals[0]?.progress).toMatchObject({
      phase: "awaiting-approval",
      scenario: "workspace",
      target: "dr",
    });
    expect(status.restores.map((r) => r.instanceId)).toEqual([id]);
    const failed = status.snapshots.find((s) => s.snapshotId === "20261201t100000z");
    expect(failed?.phase).toBe("Failed");
    expect(failed?.reasons.length).toBeGreaterThan(0);
    expect(status.snapshots.filter((s) => s.phase === "Completed")).toHaveLength(2);
    expect(status.rpo.rows.some((r) => r.kind === "databricks-notebooks" && r.sourceId === "primary")).toBe(
      true,
    );
    // The Teams setting is empty: the backup failure and the approval wait were dead-lettered.
    expect(status.notifications.sinks).toBe(1);
    expect(status.notifications.deadLetters).toBeGreaterThanOrEqual(2);
    expect(status.notifications.recentDeadLetters[0]?.lastError).toContain("AZDR_TEAMS_MISSING is empty");
  }, 120_000);

  it("serves the page with a nonce CSP, a script that parses, and nothing external", async () => {
    const { app } = await started();
    const response = await fetch(`${app.origin}/api/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = response.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    const html = await response.text();
    const script = new RegExp(`<script nonce="${nonce}">([\\s\\S]*?)</script>`).exec(html)?.[1] ?? "";
    expect(script.length).toBeGreaterThan(1000);
    expect(() => new Script(script)).not.toThrow();
    expect(html).not.toMatch(/\b(src|href)="https?:/);
    // A fresh nonce per response.
    const again = (await fetch(`${app.origin}/api/dashboard`)).headers.get("content-security-policy");
    expect(again).not.toBe(csp);
  });

  it("`azdr dashboard` serves the same page locally until stopped", async () => {
    platform = await startTestPlatform({
      sim: { workspaces: [{ name: "primary", seed: false }], metastores: [] },
      config: { unityCatalog: { metastores: [] } },
    });
    const controller = new AbortController();
    const io = cliIO(platform, { signal: controller.signal });
    const running = main(["--json", "dashboard"], io);
    let url = "";
    for (let i = 0; i < 400 && !url; i++) {
      url = (/"url":\s*"([^"]+)"/.exec(io.out.join("")) ?? [])[1] ?? "";
      if (!url) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/dashboard$/);
    expect(await (await fetch(url)).text()).toContain("<h1>azdr: disaster recovery status</h1>");
    const status = (await (await fetch(`${url}/status`)).json()) as DashboardStatus;
    expect(status.environment.project).toBe("azdr");
    controller.abort();
    expect(await running).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });
});
