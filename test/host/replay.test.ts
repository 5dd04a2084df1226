import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LocalDurableHost, loadRegisteredApp, type FunctionRegistry } from "../../src/host/index.js";
import { probe } from "./fixtures/app.js";

let registry: FunctionRegistry;
beforeAll(async () => {
  registry = await loadRegisteredApp(() => import("./fixtures/app.js"));
});
beforeEach(() => probe.reset());

const newHost = (options: { activityConcurrency?: number } = {}) =>
  new LocalDurableHost({ registry, ...options });

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

describe("activities, retries, timers, events, sub-orchestrations", () => {
  it("lets the orchestrator catch an activity failure (TaskFailed with the message)", async () => {
    const host = newHost();
    await host.startNew("hostTest_catch", { instanceId: "catch-1" });
    const status = await host.waitForCompletion("catch-1");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as { caught: string; echoed: unknown };
    expect(output.caught).toContain("Activity function 'hostTest_fail' failed: boom");
    // JSON round trip of inputs and results, like production (a Date becomes a string).
    expect(output.echoed).toEqual({ got: "after", at: "1970-01-01T00:00:00.000Z" });
  });

  it("fails the instance when the orchestrator does not catch", async () => {
    const host = newHost();
    await host.startNew("hostTest_uncaught", { instanceId: "uncaught-1" });
    const status = await host.waitForCompletion("uncaught-1");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toContain("kaput");
  });

  it("retries callActivityWithRetry on the library's retry timers, then succeeds", async () => {
    const host = newHost();
    probe.flakyFailuresLeft = 2;
    const started = Date.now();
    await host.startNew("hostTest_retry", { instanceId: "retry-1" });
    const status = await host.waitForCompletion("retry-1", { timeoutMs: 5000 });
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe("ok:x");
    expect(probe.calls.get("flaky")).toBe(3);
    // Virtual clock: the host's clock moved past the 1 s + 2 s of backoff without waiting for it.
    expect(host.now().getTime() - started).toBeGreaterThanOrEqual(3000);
    const history = (await host.getStatus("retry-1", { showHistory: true }))?.history ?? [];
    const timers = history
      .filter((e) => e.EventType === 10)
      // FireAt comes from the orchestrator's clock, Timestamp from when the event was written: allow a few ms.
      .map((e) => Math.round((Date.parse(String(e.FireAt)) - Date.parse(e.Timestamp)) / 100) * 100);
    expect(timers).toEqual([1000, 2000]); // first interval, then × backoffCoefficient
  });

  it("gives up after maxNumberOfAttempts and surfaces the last failure", async () => {
    const host = newHost();
    probe.flakyFailuresLeft = 10;
    await host.startNew("hostTest_retry", { instanceId: "retry-2" });
    const status = await host.waitForCompletion("retry-2");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toContain("transient");
    expect(probe.calls.get("flaky")).toBe(4);
  });

  it("fires a one-hour timer instantly on the virtual clock", async () => {
    const host = newHost();
    const started = Date.now();
    await host.startNew("hostTest_timer", { instanceId: "timer-1" });
    const status = await host.waitForCompletion("timer-1");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBeGreaterThanOrEqual(60 * 60 * 1000);
    expect(Date.now() - started).toBeLessThan(60_000); // far below the hour a real timer would take
  });

  it("waitForExternalEvent with a timeout: the event wins", async () => {
    const host = newHost();
    await host.startNew("hostTest_approval", { instanceId: "approval-yes" });
    await host.idle(); // the orchestrator now waits; virtual time does not move on its own
    expect((await host.getStatus("approval-yes"))?.customStatus).toEqual({ step: "waiting for approval" });
    await host.raiseEvent("approval-yes", "approval", { who: "alice" });
    const status = await host.waitForCompletion("approval-yes");
    expect(status.output).toEqual({ approved: true, by: { who: "alice" } });
    expect(status.customStatus).toEqual({ step: "approved" });
  });

  it("waitForExternalEvent with a timeout: the timer wins", async () => {
    const host = newHost();
    await host.startNew("hostTest_approval", { instanceId: "approval-no" });
    const status = await host.waitForCompletion("approval-no");
    expect(status.output).toEqual({ approved: false });
    expect(status.customStatus).toEqual({ step: "timed out" });
    // a late approval is accepted and ignored (HTTP 410 semantics)
    expect(await host.raiseEvent("approval-no", "approval", "late")).toBe(false);
  });

  it("keeps an event raised before the orchestrator waits for it", async () => {
    const host = newHost();
    await host.startNew("hostTest_wait", { instanceId: "wait-early" });
    await host.raiseEvent("wait-early", "go", 42);
    expect((await host.waitForCompletion("wait-early")).output).toBe(42);
  });

  it("runs sub-orchestrations, with results and failures reported to the parent", async () => {
    const host = newHost();
    await host.startNew("hostTest_parent", { instanceId: "parent-1" });
    const status = await host.waitForCompletion("parent-1");
    expect(status.runtimeStatus).toBe("Completed");
    const output = status.output as { one: unknown; failure: string };
    expect(output.one).toEqual({ doubled: 42, parent: "parent-1" });
    expect(output.failure).toContain("child refused 1");
    expect((await host.getStatus("parent-1:0"))?.runtimeStatus).toBe("Completed"); // default child id
    expect((await host.getStatus("parent-1-bad"))?.runtimeStatus).toBe("Failed");
  });

  it("supports continueAsNew", async () => {
    const host = newHost();
    await host.startNew("hostTest_counter", { instanceId: "counter", input: 1 });
    const status = await host.waitForCompletion("counter");
    expect(status.output).toBe("counted to 3");
    expect(probe.calls.get("echo")).toBe(3);
  });

  it("refuses to start an instance id that is already running, and allows it once finished", async () => {
    const host = newHost();
    await host.startNew("hostTest_wait", { instanceId: "singleton" });
    await expect(host.startNew("hostTest_wait", { instanceId: "singleton" })).rejects.toThrow(
      /"singleton" already exists and is (Pending|Running)/,
    );
    await host.terminate("singleton", "test over");
    expect((await host.getStatus("singleton"))?.runtimeStatus).toBe("Terminated");
    await host.startNew("hostTest_wait", { instanceId: "singleton" });
    await host.raiseEvent("singleton", "go", "again");
    expect((await host.waitForCompletion("singleton")).output).toBe("again");
  });

  it("reports an instance that waits on something that never comes", async () => {
    const host = newHost();
    await host.startNew("hostTest_wait", { instanceId: "stuck" });
    await expect(host.waitForCompletion("stuck", { timeoutMs: 50 })).rejects.toThrow(
      /waiting for external event\(s\) "go"/,
    );
  });
});

describe("non-determinism guard", () => {
  it("fails an orchestrator whose replay schedules a different activity, with a clear message", async () => {
    const host = newHost();
    const random = vi.spyOn(Math, "random");
    random.mockReturnValueOnce(0.1).mockReturnValueOnce(0.9); // first run: a, replay: b
    try {
      await host.startNew("hostTest_random", { instanceId: "random-1" });
      const status = await host.waitForCompletion("random-1");
      expect(status.runtimeStatus).toBe("Failed");
      expect(String(status.output)).toMatch(
        /^Non-deterministic orchestration detected: "hostTest_random" \(random-1\)/,
      );
      expect(String(status.output)).toContain('History task #0 is CallActivity "hostTest_a"');
      expect(String(status.output)).toContain(
        'on replay the extension would schedule CallActivity "hostTest_b" as task #0 (a different action)',
      );
      expect(probe.calls.get("echo")).toBeUndefined(); // it stopped before doing anything else
    } finally {
      random.mockRestore();
    }
  });
});

describe("real timers (the CLI's mode)", () => {
  it("waits for a timer on the wall clock", async () => {
    const host = new LocalDurableHost({ registry, timers: "real" });
    const started = Date.now();
    await host.startNew("hostTest_shortTimer", { instanceId: "real-timer", input: 150 });
    expect((await host.waitForCompletion("real-timer", { timeoutMs: 5000 })).output).toBe("rang");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await host.shutdown();
  });
});
