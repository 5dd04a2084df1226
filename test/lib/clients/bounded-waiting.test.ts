// Bounded waiting in azdr's Databricks transport: Retry-After is honoured up to a cap within a
// per-call budget, then the call fails retryable with the reason; only the throttled workspace and
// API family pause; every attempt has a deadline, so a hung response cannot hold a backup.
import { afterEach, describe, expect, it } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { DatabricksClient, resetDatabricksLimiters } from "../../../src/lib/clients/databricks.js";
import { isAzdrError, type AzdrError } from "../../../src/lib/errors.js";
import { startTestPlatform, type TestPlatform } from "../../support/platform.js";

let sim: PlatformSimulator | undefined;
let platform: TestPlatform | undefined;
afterEach(async () => {
  await sim?.close();
  await platform?.close();
  sim = undefined;
  platform = undefined;
  resetDatabricksLimiters();
});

async function start(): Promise<PlatformSimulator> {
  sim = await startPlatformSimulator({
    workspaces: [
      { name: "primary", seed: { notebooks: 2, directories: 1, jobs: 0 } },
      { name: "dr", seed: { notebooks: 2, directories: 1, jobs: 0 } },
    ],
    metastores: [],
  });
  return sim;
}

const client = (
  s: PlatformSimulator,
  name: string,
  options: Partial<ConstructorParameters<typeof DatabricksClient>[0]> = {},
) => new DatabricksClient({ host: s.urls[name]!, auth: { type: "pat", token: s.token }, ...options });

const STATUS = "GET /api/2.0/workspace/get-status";

/** The error a call fails with (a call that succeeds fails the test). */
function failure(call: Promise<unknown>): Promise<AzdrError> {
  return call.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error as AzdrError,
  );
}

describe("Retry-After is bounded", () => {
  it.each([
    ["3600 seconds", "3600", true],
    ["a far-future date", "Fri, 31 Dec 9999 23:59:59 GMT", true],
  ])(
    "%s: each wait is capped, the call gives up retryable with the reason, other families and workspaces go on",
    async (_label, retryAfter) => {
      const s = await start();
      s.faults.add("primary", { route: STATUS, status: 429, retryAfter, times: 1000 });
      // Cap 1 s per wait, 2.5 s per call: two waits, then the call gives up.
      const primary = client(s, "primary", { maxRetryAfterMs: 1000, retryBudgetMs: 2500 });
      const throttled = failure(primary.get(STATUS.slice(4), { path: "/" }));
      // Another family on the same workspace, and the same family on another workspace, meanwhile.
      const otherFamily = primary.get("/api/2.0/workspace/list", { path: "/" });
      const otherWorkspace = client(s, "dr").get(STATUS.slice(4), { path: "/" });
      await Promise.all([otherFamily, otherWorkspace]);
      const error = await throttled;

      expect(isAzdrError(error, "THROTTLED")).toBe(true);
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/gave up after waiting 2 s of this call's 3 s retry budget/);
      expect(error.message).toMatch(
        /Retry-After asked for \d+ s, capped at 1 s: limits.maxRetryAfterSeconds/,
      );
      // Exactly three attempts: capped waits, no busy loop on an overflowing timer.
      const attempts = s.log.filter(STATUS).filter((e) => e.service === "databricks:primary");
      expect(attempts.map((e) => e.status)).toEqual([429, 429, 429]);
      // The other callers were served while the throttled call was still waiting.
      const listed = s.log.filter("GET /api/2.0/workspace/list")[0]!;
      const drStatus = s.log.filter(STATUS).find((e) => e.service === "databricks:dr")!;
      const lastThrottled = attempts[2]!;
      expect(s.log.entries.indexOf(listed)).toBeLessThan(s.log.entries.indexOf(lastThrottled));
      expect(s.log.entries.indexOf(drStatus)).toBeLessThan(s.log.entries.indexOf(lastThrottled));

      // The same family is paused for the capped wait only, not for the hour it was asked for.
      s.faults.clear();
      await expect(primary.get(STATUS.slice(4), { path: "/" })).resolves.toMatchObject({ path: "/" });
    },
  );

  it.each(["soon", "-5", "1e9"])(
    "garbage Retry-After %j falls back to bounded back-off within the budget",
    async (retryAfter) => {
      const s = await start();
      s.faults.add("primary", { route: STATUS, status: 429, retryAfter, times: 1000 });
      const primary = client(s, "primary", { maxRetryAfterMs: 1000, retryBudgetMs: 2500 });
      const error = await failure(primary.get(STATUS.slice(4), { path: "/" }));
      expect(isAzdrError(error, "THROTTLED")).toBe(true);
      expect(error.message).toMatch(/retry budget/);
      // Back-off of 0.25–0.5 s, 0.5–1 s, 1–2 s…: at most four attempts fit the budget (never a tight loop).
      const attempts = s.log.filter(STATUS).length;
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(4);
    },
  );

  it('a throttled workspace\'s pause shows in the progress log: "throttled by primary: waiting 1 s"', async () => {
    platform = await startTestPlatform({
      sim: {
        workspaces: [{ name: "primary", seed: { notebooks: 1, directories: 1, jobs: 0 } }],
        metastores: [],
      },
    });
    platform.sim.faults.add("primary", { route: STATUS, status: 429, retryAfter: "1", times: 1 });
    await platform.runtime.databricks("primary").get(STATUS.slice(4), { path: "/" });
    expect(platform.log.lines.join("\n")).toMatch(
      /warn throttled by primary: waiting 1 s .*"family":"workspace.other"/,
    );
  });
});

describe("request timeout", () => {
  it("a hung response is aborted at the deadline and an idempotent GET is re-sent", async () => {
    const s = await start();
    s.faults.add("primary", { route: STATUS, hang: true, times: 1 });
    const primary = client(s, "primary", { requestTimeoutMs: 300 });
    await expect(primary.get(STATUS.slice(4), { path: "/" })).resolves.toMatchObject({ path: "/" });
    expect(s.log.filter(STATUS).map((e) => e.status)).toEqual([0, 200]);
  });

  it("a hung non-idempotent POST is not re-sent: it fails UNAVAILABLE naming the deadline", async () => {
    const s = await start();
    s.faults.add("primary", { route: "POST /api/2.2/jobs/create", hang: true, times: 1 });
    const primary = client(s, "primary", { requestTimeoutMs: 300 });
    const error = await failure(primary.post("/api/2.2/jobs/create", { name: "x", tasks: [] }));
    expect(isAzdrError(error, "UNAVAILABLE")).toBe(true);
    expect(error.message).toMatch(/no response within 0 s \(limits.requestTimeoutSeconds\)/);
    expect(s.log.count("POST /api/2.2/jobs/create")).toBe(1);
  });
});
