// The status dashboard in a real browser (headless Chromium from Debian, driven by playwright-core)
// against the app's own registrations in the local host, the simulator and Azurite: the page loads
// with no console errors and no request beyond the app, shows every component, approves a waiting
// restore through the same route as the API, refuses a requester approving their own restore, and
// shows progress while a restore runs, and lets an operator mark a manual step (checkpoint) done,
// showing the check's answer when it does not hold. It takes a screenshot each run; with UPDATE_SCREENSHOTS=1 it
// replaces the README's (docs/dashboard.png), so a plain test run leaves the work tree clean.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { LocalApp, type LocalDurableHost } from "../../src/host/index.js";
import type { DrillReport } from "../../src/lib/drill.js";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { encodeClientPrincipal, RESTORE_ROLES } from "../../src/lib/restore/engine/identity.js";
import { rpoStatus } from "../../src/lib/rpo.js";
import { REPORTS_CONTAINER, reportPath } from "../../src/lib/store/layout.js";
import { ORCHESTRATORS } from "../../src/orchestrators/names.js";
import type { RestoreInput, RestoreProgress } from "../../src/orchestrators/restore.js";
import { parseRestoreRequest, requestHash } from "../../src/lib/restore/engine/request.js";
import { browserSkipReason, launchChromium } from "../support/browser.js";
import { startHost, startTestPlatform, type TestPlatform } from "../support/platform.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const skip = browserSkipReason();

let platform: TestPlatform;
let host: LocalDurableHost;
let app: LocalApp;
let browser: Awaited<ReturnType<typeof launchChromium>>;

// The local app plays App Service authentication: "Bearer <name>" signs in as that person, with
// both restore roles, so only the four-eyes rule tells requester and approver apart.
function principalOf(name: string): string {
  return encodeClientPrincipal({
    id: name,
    name,
    roles: [RESTORE_ROLES.operator, RESTORE_ROLES.approver],
  });
}
const signedIn = (authorization: string | undefined) =>
  authorization?.startsWith("Bearer ") ? principalOf(authorization.slice("Bearer ".length)) : undefined;

function drill(id: string, endedAt: string, measured: [number, number], passed = true): DrillReport {
  const component = (key: string, label: string, scenario: string, seconds: number, rto: number) => ({
    component: key,
    label,
    scenario,
    instanceId: `restore-${scenario}`,
    phase: "Completed" as const,
    rtoSeconds: rto,
    measuredSeconds: seconds,
    withinRto: seconds <= rto,
    validationOk: true,
    reportPath: "reports/x.md",
  });
  return {
    drillId: id,
    startedAt: endedAt,
    endedAt,
    disaster: ["primary workspace deleted"],
    rpoBeforeDisaster: [],
    components: [
      component("databricks-workspace", "Databricks Workspace", "workspace", measured[0], 3 * 3600),
      component("unity-catalog", "Unity Catalog", "unity-catalog", measured[1], 2 * 3600),
    ],
    validation: [],
    passed,
    reasons: passed ? [] : ["unity-catalog: validation found differences"],
  };
}

async function backup(kind: string, slot: string): Promise<void> {
  const instanceId = `backup-${kind}-${slot}`;
  await host.startNew(ORCHESTRATORS.backupRun, { instanceId, input: { kind, slot, sourceIds: ["primary"] } });
  expect((await host.waitForCompletion(instanceId)).runtimeStatus).toBe("Completed");
}

async function startRestore(requestedBy: string): Promise<string> {
  const response = await app.invokeHttp("restoreHttpStart", {
    params: { scenario: "workspace" },
    headers: { "x-ms-client-principal": principalOf(requestedBy) },
    body: { source: "primary", target: "dr", mode: "apply", existing: "update" },
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

/** A page that records console errors, page errors and every request it makes. */
async function openDashboard(
  query = "",
  as = "viewer@contoso.com",
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.context.newPage();
  // The browser's App Service sign-in, as the platform would attach it to every request.
  await page.setExtraHTTPHeaders({ authorization: `Bearer ${as}` });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(`${app.origin}/api/dashboard${query}`);
  await page.waitForSelector("body[data-loaded=true]", { timeout: 45_000 }).catch(async (error: Error) => {
    const shown = await page.textContent("#announcer").catch(() => "");
    throw new Error(`${error.message}\nannouncer: ${shown}\nerrors: ${errors.join("\n")}`);
  });
  return { page, errors, requests };
}

describe.skipIf(skip !== undefined)(
  `dashboard in headless Chromium${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    beforeAll(async () => {
      browser = await launchChromium();
      platform = await startTestPlatform({
        sim: {
          workspaces: [
            {
              name: "primary",
              seed: {
                notebooks: 40,
                directories: 4,
                files: 2,
                jobs: 6,
                clusters: 2,
                policies: 2,
                pools: 1,
                secretScopes: 1,
                repos: 1,
                initScripts: 1,
              },
            },
            // The engine self-test's operation step runs a SQL statement there.
            { name: "dr", seed: false, metastore: "uc-dr" },
          ],
          metastores: [{ name: "uc-dr", region: "northeurope", seed: false }],
        },
        // Every apply needs a second person here, so the page's refusal of self-approval shows.
        config: { unityCatalog: { metastores: [] }, restore: { fourEyes: { workspace: "always" } } },
      });
      host = await startHost();
      app = await LocalApp.start({ host, easyAuth: signedIn });
      await backup("databricks-notebooks", "20261201t090000z");
      await backup("databricks-config", "20261201t090000z");
      const blobs = platform.runtime.store.blobs;
      for (const report of [
        drill("drill-20261015t090000z", "2026-10-15T10:10:00.000Z", [2900, 2400]),
        drill("drill-20261112t090000z", "2026-11-12T09:50:00.000Z", [2100, 2250], false),
        drill("drill-20261130t090000z", "2026-11-30T09:40:00.000Z", [1500, 1800]),
      ])
        await blobs.put(
          REPORTS_CONTAINER,
          reportPath("drill", report.drillId, "json"),
          JSON.stringify(report),
        );
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await host?.shutdown();
      await platform?.close();
    });

    it("loads with no console errors, fetches nothing but the app, and shows every component", async () => {
      const { page, errors, requests } = await openDashboard();
      const rows = await rpoStatus(platform.runtime, new Date());
      const rpoText = (await page.textContent("#rpo-table")) ?? "";
      for (const row of rows) {
        expect(rpoText).toContain(row.label);
        if (row.sourceId) expect(rpoText).toContain(row.sourceId);
      }
      const snapshots = (await page.textContent("#snapshot-table")) ?? "";
      expect(snapshots).toContain("databricks / primary / workspace-objects");
      expect(snapshots).toContain("databricks / primary / workspace-config");
      const trends = (await page.textContent("#trend-table")) ?? "";
      expect(trends).toContain("Databricks Workspace");
      expect(trends).toContain("48 min → 35 min → 25 min");
      expect(await page.locator("h2").allTextContents()).toEqual([
        "Summary",
        "Waiting for approval",
        "Waiting at a manual step",
        "Restores",
        "Recovery point objectives",
        "Recent snapshots",
        "Drills and recovery time",
        "Notifications",
      ]);
      expect(errors).toEqual([]);
      expect(requests.filter((url) => !url.startsWith(app.origin))).toEqual([]);
      await page.close();
    });

    it("approves a waiting restore from the page and shows its progress while it runs", async () => {
      const id = await startRestore("alice@contoso.com");
      // Writes into the DR workspace are slowed so the run spans many page refreshes.
      platform.sim.faults.add("dr", { route: /^POST /, latencyMs: 30 });
      const { page, errors } = await openDashboard("?refresh=700", "bob@contoso.com");
      const approve = page.getByRole("button", { name: `Approve restore ${id}` });
      await approve.waitFor();
      expect(await page.textContent("#approval-list")).toContain("workspace → dr");

      const shots =
        process.env.UPDATE_SCREENSHOTS === "1"
          ? path.join(repo, "docs")
          : await mkdtemp(path.join(tmpdir(), "azdr-shot-"));
      await mkdir(shots, { recursive: true });
      await page.screenshot({ path: path.join(shots, "dashboard.png"), fullPage: true });

      // Record every progress text the restore row shows from now on.
      // (In the page's own JavaScript: this test file is compiled without DOM types.)
      await page.evaluate(`(() => {
        const rowId = ${JSON.stringify(`restore=${id}`)};
        const seen = (window.progressSeen = []);
        new MutationObserver(() => {
          const cells = document.getElementById("restore-table").querySelector('[id="' + rowId + '"]')?.querySelectorAll("td");
          if (!cells) return;
          const text = cells[3].textContent + " " + cells[4].textContent;
          if (text !== seen[seen.length - 1]) seen.push(text);
        }).observe(document.getElementById("restore-table"), { childList: true, subtree: true });
      })()`);

      await approve.click();
      await page.getByText(`Restore ${id} approved by bob@contoso.com.`).waitFor();
      const report = (await host.waitForCompletion(id)).output as RestoreReport;
      expect(report.approval).toMatchObject({ approved: true, by: "bob@contoso.com", verified: true });
      await page.locator(`[id="restore=${id}"] .state`).filter({ hasText: report.phase }).waitFor();

      const seen = await page.evaluate<string[]>("window.progressSeen");
      const executing = [...new Set(seen.filter((s) => /\d+\/\d+/.test(s)))];
      expect(executing.length, `progress states shown: ${JSON.stringify(seen)}`).toBeGreaterThanOrEqual(2);
      expect(errors).toEqual([]);
      await page.close();
    }, 240_000);

    it("refuses the requester approving their own restore (four eyes), then another person rejects it from the page", async () => {
      const id = await startRestore("carol@contoso.com");
      const own = await openDashboard("", "carol@contoso.com");
      await own.page.getByRole("button", { name: `Approve restore ${id}` }).click();
      await own.page.getByText(/^Refused \(403\): .*four-eyes/).waitFor();
      expect(((await host.getStatus(id))?.customStatus as RestoreProgress).phase).toBe("awaiting-approval");
      expect(own.errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
      await own.page.close();

      const { page, errors } = await openDashboard("", "dave@contoso.com");
      await page.getByRole("button", { name: `Reject restore ${id}` }).click();
      await page.getByText(`Restore ${id} rejected by dave@contoso.com.`).waitFor();
      const report = (await host.waitForCompletion(id)).output as RestoreReport;
      expect(report).toMatchObject({
        phase: "Rejected",
        approval: { approved: false, by: "dave@contoso.com" },
      });
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);

    it("shows a restore waiting at a manual step; Done that does not hold shows the check's answer, Done after the work lets it go on", async () => {
      const id = "restore-engine-selftest-dr";
      const request = parseRestoreRequest(
        { source: "primary", target: "dr", mode: "apply", folder: "/Shared/selftest" },
        platform.config,
        "engine-selftest",
        "test",
      );
      await host.startNew(ORCHESTRATORS.restore, {
        instanceId: id,
        input: {
          request,
          requester: { id: "erin@contoso.com", name: "erin@contoso.com", source: "easy-auth" },
          requestHash: requestHash(request),
        } satisfies RestoreInput,
      });
      // Runs the host until the restore shows what is wanted; with pollTimers, moves the virtual
      // clock 31 s at a time, enough for the operation's 30 s polls and never near the approval's or
      // the checkpoint's deadline.
      const until = async (
        what: string,
        wanted: (p: RestoreProgress | undefined) => boolean,
        pollTimers = false,
      ) => {
        for (let i = 0; i < 400; i++) {
          await host.idle();
          const progress = (await host.getStatus(id))?.customStatus as RestoreProgress | undefined;
          if (wanted(progress)) return progress!;
          if (pollTimers) await host.advanceTimers(31_000);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        throw new Error(`restore ${id} never reached ${what}`);
      };
      const gate = await until("its approval gate", (p) => p?.phase === "awaiting-approval");
      const approved = await app.invokeHttp("restoreHttpApprove", {
        params: { id },
        method: "POST",
        headers: { "x-ms-client-principal": principalOf("frank@contoso.com") },
        body: { planHash: gate.gate?.planHash },
      });
      expect(approved.status).toBe(200);
      await until("its checkpoint", (p) => p?.phase === "awaiting-checkpoint", true);

      const { page, errors } = await openDashboard("?refresh=500", "erin@contoso.com");
      const done = page.getByRole("button", { name: `Mark step Confirm by hand of ${id} done` });
      await done.waitFor();
      const card = page.locator(`[id="checkpoint=${id}"]`);
      const text = (await card.textContent()) ?? "";
      expect(text).toContain("Open the target workspace");
      expect(text).toContain("#workspace/Shared/selftest"); // the deep link, shown
      // The simulator's workspace URL is plain http: shown as text, never made a link.
      expect(await card.locator("a").count()).toBe(0);

      // "Done" before doing it: azdr checks, finds nothing, and asks again with the check's answer.
      await done.click();
      await page.getByText(`Step confirm of ${id} marked done`).waitFor();
      await until("its second attempt", (p) => p?.checkpoint?.attempt === 2);
      await page
        .getByText(/Attempt 1 \(done by erin@contoso\.com .*\) did not hold: .*confirmed does not exist/)
        .waitFor();

      await platform.runtime
        .databricks("dr")
        .post("/api/2.0/workspace/mkdirs", { path: "/Shared/selftest/confirmed" });
      await page.getByRole("button", { name: `Mark step Confirm by hand of ${id} done` }).click();
      // Wait for the "done" to arrive before letting the host run to the end: waitForCompletion fires
      // pending virtual timers, and the checkpoint's deadline is one until then.
      await until("the check to pass", (p) => p?.phase !== "awaiting-checkpoint");
      const report = (await host.waitForCompletion(id, { timeoutMs: 180_000 })).output as RestoreReport;
      expect(report.phase, JSON.stringify(report.reasons)).toBe("Completed");
      await page.getByText("No restore is waiting at a manual step.").waitFor();
      expect(errors).toEqual([]);
      await page.close();
    }, 240_000);
  },
);
