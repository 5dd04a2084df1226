// The local host fails an episode whenever the real Durable Functions extension, which sees only
// the orchestrator's action list (no task ids), would schedule something different from what the
// orchestrator waits for. Each fixture below runs fine on a host that schedules from task ids.
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { LocalDurableHost, loadRegisteredApp, type FunctionRegistry } from "../../src/host/index.js";
import { probe } from "./fixtures/app.js";

let registry: FunctionRegistry;
beforeAll(async () => {
  registry = await loadRegisteredApp(() => import("./fixtures/app.js"));
});
beforeEach(() => probe.reset());

describe("protocol check: what the extension would schedule", () => {
  it("fails an orchestrator that re-yields an in-flight task inside a new Task.any (durable-js#574)", async () => {
    const host = new LocalDurableHost({ registry });
    await host.startNew("hostTest_reyield", { instanceId: "reyield-1" });
    const status = await host.waitForCompletion("reyield-1");
    expect(status.runtimeStatus).toBe("Failed");
    const message = String(status.output);
    expect(message).toMatch(/^Out-of-process protocol violation in "hostTest_reyield" \(reyield-1\)/);
    expect(message).toContain('sends action CallActivity "hostTest_echo" again');
    expect(message).toContain("first sent as task #1, re-sent as task #2");
    expect(message).toContain("azure-functions-durable-js#574");
    // Failed in the episode that re-sent it: the third activity never ran.
    expect(probe.calls.get("echo")).toBe(2);
  });

  it("passes the same fan-out written the right way: one Task.any of fresh tasks, then each on its own", async () => {
    const host = new LocalDurableHost({ registry });
    await host.startNew("hostTest_anyThenEach", { instanceId: "any-each" });
    const status = await host.waitForCompletion("any-each");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual(["one", "two", "three", "last"]);
  });

  it("fails an orchestrator whose replay drops an action it scheduled before", async () => {
    const host = new LocalDurableHost({ registry });
    const random = vi.spyOn(Math, "random");
    random.mockReturnValueOnce(0.1).mockReturnValueOnce(0.9); // first run: a and b; replay: a only
    try {
      await host.startNew("hostTest_drop", { instanceId: "drop-1" });
      const status = await host.waitForCompletion("drop-1");
      expect(status.runtimeStatus).toBe("Failed");
      const message = String(status.output);
      expect(message).toMatch(/^Non-deterministic orchestration detected: "hostTest_drop" \(drop-1\)/);
      expect(message).toContain(
        'History task #1 is CallActivity "hostTest_b", but on replay the extension would schedule nothing as task #1 (a missing action)',
      );
    } finally {
      random.mockRestore();
    }
  });

  it("fails an orchestrator that waits for a task the extension would not schedule yet (Task.all awaits every task)", async () => {
    const host = new LocalDurableHost({ registry });
    await host.startNew("hostTest_allThenCatch", { instanceId: "all-catch" });
    const status = await host.waitForCompletion("all-catch");
    expect(status.runtimeStatus).toBe("Failed");
    const message = String(status.output);
    expect(message).toMatch(/^Out-of-process protocol violation in "hostTest_allThenCatch" \(all-catch\)/);
    expect(message).toContain(
      'waits for CallActivity "hostTest_echo" as task #2, but the extension would schedule nothing as task #2 (a missing action)',
    );
    expect(probe.calls.get("echo")).toBeUndefined();
  });
});

describe("protocol check: what the local host cannot run faithfully fails, never silently differs", () => {
  it("refuses retryTimeoutInMilliseconds (the extension honours it, the library does not)", async () => {
    const host = new LocalDurableHost({ registry });
    await host.startNew("hostTest_retryTimeout", { instanceId: "retry-timeout" });
    const status = await host.waitForCompletion("retry-timeout");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toContain(
      'orchestration "hostTest_retryTimeout" uses CallActivityWithRetry "hostTest_flaky" with retryTimeoutInMilliseconds, which the local host does not support',
    );
    expect(probe.calls.get("flaky")).toBeUndefined();
  });

  it("refuses entity signals instead of dropping them", async () => {
    const host = new LocalDurableHost({ registry });
    await host.startNew("hostTest_signal", { instanceId: "signal-1" });
    const status = await host.waitForCompletion("signal-1");
    expect(status.runtimeStatus).toBe("Failed");
    expect(String(status.output)).toContain("uses SignalEntity, which the local host does not support");
    expect(probe.calls.get("echo")).toBeUndefined();
  });
});
