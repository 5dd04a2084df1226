import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LocalDurableHost, loadRegisteredApp, type FunctionRegistry } from "../../src/host/index.js";
import { probe } from "./fixtures/app.js";

let registry: FunctionRegistry;
beforeAll(async () => {
  registry = await loadRegisteredApp(() => import("./fixtures/app.js"));
});
beforeEach(() => probe.reset());

const newHost = (options: { activityConcurrency?: number } = {}) => new LocalDurableHost({ registry, ...options });

describe("LocalDurableHost replay loop", () => {
  it("fans out 50 activities and fans in their results in order, within the concurrency limit", async () => {
    const host = newHost({ activityConcurrency: 7 });
    await host.startNew("hostTest_fanOut", { instanceId: "fan-50", input: 50 });
    const status = await host.waitForCompletion("fan-50");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(probe.calls.get("double")).toBe(50);
    expect(probe.maxActive).toBeGreaterThan(1);
    expect(probe.maxActive).toBeLessThanOrEqual(7);
  });
});
