import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { client, first, raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [{ name: "primary", metastore: "uc-westeurope", seed: { notebooks: 30, jobs: 5 } }],
    metastores: [{ name: "uc-westeurope", region: "westeurope", seed: { tables: 5 } }],
  });
});
afterEach(() => sim.faults.clear());
afterAll(async () => sim?.close());

const exportPath = () =>
  `/api/2.0/workspace/export?format=SOURCE&path=${encodeURIComponent(sim.seeds.workspaces.primary!.notebookPaths[0]!)}`;

describe("fault injection", () => {
  test("429 with Retry-After in seconds, as an HTTP-date, and missing", async () => {
    const date = new Date(Date.now() + 2000).toUTCString();
    sim.faults.add("primary", { route: "workspace/export", status: 429, retryAfter: "1", times: 1 });
    sim.faults.add("primary", { route: "workspace/export", status: 429, retryAfter: date, times: 1 });
    sim.faults.add("primary", { route: "workspace/export", status: 429, times: 1 });
    const seconds = await raw(sim, "GET", exportPath());
    expect(seconds.status).toBe(429);
    expect(seconds.headers.get("retry-after")).toBe("1");
    expect(seconds.body.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
    const httpDate = await raw(sim, "GET", exportPath());
    expect(httpDate.headers.get("retry-after")).toBe(date);
    const missing = await raw(sim, "GET", exportPath());
    expect(missing.status).toBe(429);
    expect(missing.headers.get("retry-after")).toBeNull();
    expect((await raw(sim, "GET", exportPath())).status).toBe(200);
  });

  test("the SDK retries a 429 by itself (backoff ~1 s, Retry-After ignored) and then succeeds", async () => {
    sim.faults.add("primary", {
      route: "GET /api/2.0/workspace/get-status",
      status: 429,
      retryAfter: "30",
      times: 1,
    });
    sim.log.clear();
    const started = Date.now();
    await client(sim).workspace.getStatus({ path: "/Shared" });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(sim.log.filter("workspace/get-status").map((e) => e.status)).toEqual([429, 200]);
  });

  test("500 and 503 reach the caller as ApiError (the SDK does not retry them)", async () => {
    sim.faults.add("primary", { route: "jobs/list", status: 500, times: 1 });
    sim.faults.add("primary", {
      route: "jobs/get",
      status: 503,
      retryAfter: "2",
      errorCode: "TEMPORARILY_UNAVAILABLE",
      times: 1,
    });
    const w = client(sim);
    await expect(first(w.jobs.list({}))).rejects.toMatchObject({
      statusCode: 500,
      errorCode: "TEMPORARILY_UNAVAILABLE",
    });
    await expect(w.jobs.get({ job_id: sim.seeds.workspaces.primary!.jobIds[0]! })).rejects.toMatchObject({
      statusCode: 503,
    });
    const res = await raw(sim, "GET", `/api/2.2/jobs/get?job_id=${sim.seeds.workspaces.primary!.jobIds[0]}`);
    expect(res.status).toBe(200);
  });

  test("every Nth request fails, deterministically", async () => {
    sim.faults.add("primary", { route: "workspace/get-status", status: 503, every: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await raw(sim, "GET", "/api/2.0/workspace/get-status?path=/Shared")).status);
    expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
  });

  test("added latency per route, base latency per call, and a scale factor", async () => {
    sim.faults.add("primary", { route: "workspace/list", latencyMs: 150 });
    let t = Date.now();
    await raw(sim, "GET", "/api/2.0/workspace/list?path=/");
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
    sim.faults.clear();
    sim.faults.latency(200, 0.5);
    t = Date.now();
    await client(sim).workspace.getStatus({ path: "/" });
    const elapsed = Date.now() - t;
    expect(elapsed).toBeGreaterThanOrEqual(90);
    expect(elapsed).toBeLessThan(1000);
  });

  test("connection reset: the SDK call fails, the next one works", async () => {
    sim.faults.add("primary", { route: "workspace/get-status", reset: true, times: 1 });
    const w = client(sim);
    await expect(w.workspace.getStatus({ path: "/" })).rejects.toThrow();
    expect(sim.log.filter("workspace/get-status").at(-1)!.status).toBe(0);
    expect((await w.workspace.getStatus({ path: "/" })).object_type).toBe("DIRECTORY");
  });

  test("published rate limits (export 60/s) answer 429 REQUEST_LIMIT_EXCEEDED over the limit", async () => {
    // The bucket's clock stands still, so the burst is counted exactly however slow the machine is.
    const frozen = Date.now();
    sim.workspace("primary").faults.clock = () => frozen;
    sim.faults.publishedRateLimits(true);
    const results = await Promise.all(Array.from({ length: 150 }, () => raw(sim, "GET", exportPath())));
    const throttled = results.filter((r) => r.status === 429);
    // A token bucket: a burst of 60, and no refill while the clock stands still.
    expect(results.length - throttled.length).toBe(60);
    expect(throttled).toHaveLength(90);
    expect(throttled[0]!.body.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(throttled[0]!.headers.get("retry-after")).toBe("1");
    sim.faults.publishedRateLimits(false);
    expect((await raw(sim, "GET", exportPath())).status).toBe(200);
    sim.faults.publishedRateLimits({ jobs: 2 });
    const jobs = await Promise.all(Array.from({ length: 5 }, () => raw(sim, "GET", "/api/2.1/jobs/list")));
    expect(jobs.filter((r) => r.status === 429)).toHaveLength(3);
  });

  test("the concurrent request limit of 20", async () => {
    sim.faults.concurrencyLimit("primary", 20);
    sim.faults.add("primary", { route: "workspace/get-status", latencyMs: 200 });
    const results = await Promise.all(
      Array.from({ length: 30 }, () => raw(sim, "GET", "/api/2.0/workspace/get-status?path=/")),
    );
    const rejected = results.filter((r) => r.status === 429);
    expect(rejected).toHaveLength(10);
    expect(rejected[0]!.body).toMatchObject({
      error_code: "REQUEST_LIMIT_EXCEEDED",
      message: expect.stringContaining("concurrent request limit of 20") as string,
    });
    expect(sim.workspace("primary").faults.inFlight).toBe(0);
  });
});
