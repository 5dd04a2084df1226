// azdr's Databricks transport against the simulator: what the SDK does not do for us.
import { afterEach, describe, expect, it } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import {
  AZURE_DATABRICKS_SCOPE,
  DatabricksClient,
  resetDatabricksLimiters,
} from "../../../src/lib/clients/databricks.js";
import { isAzdrError } from "../../../src/lib/errors.js";
import { exportBatch, listTree, planWorkspaceBackup } from "../../../src/lib/sources/databricks-workspace.js";
import { isolatedStore } from "../../support/store.js";

let sim: PlatformSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  resetDatabricksLimiters();
});

async function start(seed: { notebooks: number; directories: number }) {
  sim = await startPlatformSimulator({
    workspaces: [{ name: "primary", metastore: "uc", seed: { ...seed, jobs: 0 } }],
    metastores: [{ name: "uc", region: "x", seed: { catalogs: 1, schemasPerCatalog: 2, tables: 30 } }],
  });
  return sim;
}

const client = (
  s: PlatformSimulator,
  options: Partial<ConstructorParameters<typeof DatabricksClient>[0]> = {},
) => new DatabricksClient({ host: s.urls["primary"]!, auth: { type: "pat", token: s.token }, ...options });

describe("Databricks transport", () => {
  it("two concurrent activities on one workspace share one limiter: within the published limits, no 429", async () => {
    const s = await start({ notebooks: 40, directories: 6 });
    // Scaled-down published limits, the same in the simulator and in our client.
    const limits = { workspaceExport: 12, workspaceList: 10 };
    s.faults.publishedRateLimits(limits);
    const ours = { "workspace.export": 12, "workspace.list": 10 };
    const { store } = isolatedStore();
    const a = client(s, { rateShare: 0.5, limits: ours });
    const b = client(s, { rateShare: 0.5, limits: ours });
    const { objects } = await listTree(a, "/");
    const work = planWorkspaceBackup(objects, undefined).toExport;
    const half = Math.ceil(work.length / 2);
    const [left, right] = await Promise.all([
      exportBatch(a, store, work.slice(0, half)),
      exportBatch(b, store, work.slice(half)),
    ]);
    expect(left.failed.concat(right.failed)).toEqual([]);
    expect(left.entries.length + right.entries.length).toBe(work.length);
    expect(s.log.entries.filter((e) => e.status === 429)).toEqual([]);
  });

  it("control: a client that ignores the shared share does get throttled, and still completes by honouring Retry-After", async () => {
    const s = await start({ notebooks: 60, directories: 4 });
    s.faults.publishedRateLimits({ workspaceExport: 12, workspaceList: 10 });
    const { store } = isolatedStore();
    const greedy = client(s, {
      rateShare: 1,
      limits: { "workspace.export": 500, "workspace.list": 500 },
      maxConcurrent: 16,
    });
    const { objects } = await listTree(greedy, "/");
    const result = await exportBatch(greedy, store, planWorkspaceBackup(objects, undefined).toExport, {
      concurrency: 16,
    });
    expect(result.failed).toEqual([]);
    expect(s.log.entries.filter((e) => e.status === 429).length).toBeGreaterThan(0);
  });

  it("waits as long as Retry-After says (seconds and HTTP-date), and backs off on the concurrent-request limit", async () => {
    const s = await start({ notebooks: 2, directories: 1 });
    s.faults.add("primary", {
      route: "GET /api/2.0/workspace/get-status",
      status: 429,
      retryAfter: "1",
      times: 1,
    });
    const c = client(s);
    await c.get("/api/2.0/workspace/get-status", { path: "/" });
    const calls = s.log.filter("GET /api/2.0/workspace/get-status");
    expect(calls.map((e) => e.status)).toEqual([429, 200]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(900);

    s.log.clear();
    s.faults.add("primary", {
      route: "GET /api/2.0/workspace/list",
      status: 429,
      retryAfter: new Date(Date.now() + 2000).toUTCString(),
      times: 1,
    });
    await c.get("/api/2.0/workspace/list", { path: "/" });
    const listed = s.log.filter("GET /api/2.0/workspace/list");
    expect(listed.map((e) => e.status)).toEqual([429, 200]);
    expect(listed[1]!.at - listed[0]!.at).toBeGreaterThanOrEqual(900);

    s.log.clear();
    s.faults.concurrencyLimit("primary", 2);
    resetDatabricksLimiters(); // the limiter is shared per workspace and family: start a fresh one for the burst
    const burst = client(s, { maxConcurrent: 12, limits: { "workspace.other": 1000 }, rateShare: 1 });
    s.faults.latency(30, 1, "primary");
    const results = await Promise.all(
      Array.from({ length: 24 }, () => burst.get("/api/2.0/workspace/get-status", { path: "/" })),
    );
    expect(results).toHaveLength(24);
    expect(s.log.entries.filter((e) => e.status === 429).length).toBeGreaterThan(0);
    expect(s.log.entries.filter((e) => e.status === 200)).toHaveLength(24);
  });

  it("never re-sends a non-idempotent POST that may have run, but retries one rejected with 429", async () => {
    const s = await start({ notebooks: 0, directories: 0 });
    const c = client(s);
    s.faults.add("primary", { route: "POST /api/2.2/jobs/create", status: 503, times: 1 });
    const error = await c.post("/api/2.2/jobs/create", { name: "x", tasks: [] }).catch((e: unknown) => e);
    expect(isAzdrError(error, "UNAVAILABLE")).toBe(true);
    expect(s.log.count("POST /api/2.2/jobs/create")).toBe(1);
    expect(s.workspace("primary").state.jobs.size).toBe(0);

    s.log.clear();
    s.faults.add("primary", { route: "POST /api/2.2/jobs/create", status: 429, retryAfter: "0", times: 1 });
    await c.post("/api/2.2/jobs/create", { name: "y", tasks: [] });
    expect(s.log.filter("POST /api/2.2/jobs/create").map((e) => e.status)).toEqual([429, 200]);
    expect(s.workspace("primary").state.jobs.size).toBe(1);
  });

  it("pages past an empty page that still carries a next_page_token", async () => {
    sim = await startPlatformSimulator({
      workspaces: [{ name: "primary", metastore: "uc", seed: false }],
      metastores: [{ name: "uc", region: "x", seed: { catalogs: 1, schemasPerCatalog: 1, tables: 25 } }],
      unityCatalog: { emptyPageEvery: 2, maxPageSize: 4 },
    });
    const c = client(sim);
    const catalog = sim.seeds.metastores["uc"]!.schemas[0]!.split(".");
    const tables: unknown[] = [];
    for await (const t of c.paginate("/api/2.1/unity-catalog/tables", "tables", {
      catalog_name: catalog[0]!,
      schema_name: catalog[1]!,
      max_results: 4,
    }))
      tables.push(t);
    expect(tables).toHaveLength(25);
    const pages = sim.log.filter("/api/2.1/unity-catalog/tables");
    expect(pages.length).toBeGreaterThan(Math.ceil(25 / 4));
  });

  it("authenticates with Entra ID tokens for the Azure Databricks resource, and a missing token is a clear 401", async () => {
    const s = await start({ notebooks: 1, directories: 1 });
    const scopes: string[] = [];
    const credential = {
      getToken: async (scope: string | string[]) => {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: s.token, expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const entra = new DatabricksClient({ host: s.urls["primary"]!, auth: { type: "entra", credential } });
    await entra.get("/api/2.0/workspace/get-status", { path: "/" });
    expect(scopes).toEqual([AZURE_DATABRICKS_SCOPE]);
    const wrong = new DatabricksClient({
      host: s.urls["primary"]!,
      auth: { type: "pat", token: "dapi-wrong" },
    });
    const error = await wrong.get("/api/2.0/workspace/get-status", { path: "/" }).catch((e: unknown) => e);
    expect(isAzdrError(error, "UNAUTHORIZED")).toBe(true);
  });

  it("caps requests in flight per workspace across API families, within Databricks' concurrent limit", async () => {
    const s = await start({ notebooks: 2, directories: 1 });
    s.faults.concurrencyLimit("primary", 4);
    s.faults.latency(30, 1, "primary");
    const c = client(s, {
      maxConcurrent: 4,
      rateShare: 1,
      limits: { "workspace.other": 1000, "workspace.list": 1000, jobs: 1000 },
    });
    await Promise.all([
      ...Array.from({ length: 12 }, () => c.get("/api/2.0/workspace/get-status", { path: "/" })),
      ...Array.from({ length: 12 }, () => c.get("/api/2.0/workspace/list", { path: "/" })),
      ...Array.from({ length: 12 }, () => c.get("/api/2.2/jobs/list")),
    ]);
    expect(s.log.entries.filter((e) => e.status === 429)).toEqual([]);
    expect(s.log.entries.filter((e) => e.status === 200)).toHaveLength(36);
  });
});
