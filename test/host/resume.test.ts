import { randomUUID } from "node:crypto";
import { beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import {
  BlobInstanceStore,
  LocalDurableHost,
  loadRegisteredApp,
  type FunctionRegistry,
} from "../../src/host/index.js";
import { probe } from "./fixtures/app.js";

let registry: FunctionRegistry;
let store: BlobInstanceStore;
beforeAll(async () => {
  registry = await loadRegisteredApp(() => import("./fixtures/app.js"));
  // One container per run: records are blobs in Azurite, like a host's task hub in Azure Storage.
  store = BlobInstanceStore.fromConnectionString(
    inject("azuriteConnectionString"),
    `azdr-local-host-${randomUUID().slice(0, 8)}`,
  );
});
beforeEach(() => probe.reset());

describe("crash and resume over the blob-backed store", () => {
  it("a new host finishes an instance the previous host left mid-activity, without re-running completed activities", async () => {
    const first = new LocalDurableHost({ registry, store });
    probe.gate = new Promise<void>(() => undefined); // the gate activity never returns on this host
    await first.startNew("hostTest_resumable", { instanceId: "resume-1" });
    // Let host 1 get as far as it can: step1 completes, step2 (the gate) is in flight.
    for (let i = 0; i < 50 && probe.calls.get("gate") !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(probe.calls.get("echo")).toBe(1);
    expect(probe.calls.get("gate")).toBe(1);
    await first.shutdown(); // the process "dies"; the gate's result would be lost

    const persisted = await store.get("resume-1");
    expect(persisted?.status).toBe("Running");

    probe.gate = undefined;
    const second = new LocalDurableHost({ registry, store });
    expect(await second.resumeAll()).toContain("resume-1");
    const status = await second.waitForCompletion("resume-1");
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual({
      first: { got: "step1", at: "1970-01-01T00:00:00.000Z" },
      second: "passed:step2",
    });
    expect(probe.calls.get("echo")).toBe(1); // step1 was NOT executed again
    expect(probe.calls.get("gate")).toBe(2); // step2 ran again (at-least-once)
    await second.shutdown();
  });

  it("an instance that failed permanently can be started again with the same id by a new host", async () => {
    const first = new LocalDurableHost({ registry, store });
    probe.gateFailures = 1;
    await first.startNew("hostTest_resumable", { instanceId: "rerun-1" });
    expect((await first.waitForCompletion("rerun-1")).runtimeStatus).toBe("Failed");
    await first.shutdown();

    const second = new LocalDurableHost({ registry, store });
    await second.startNew("hostTest_resumable", { instanceId: "rerun-1" });
    expect((await second.waitForCompletion("rerun-1")).runtimeStatus).toBe("Completed");
    await second.shutdown();
  });

  it("refuses, on another host over the same store, to start an id that is running", async () => {
    const first = new LocalDurableHost({ registry, store });
    await first.startNew("hostTest_wait", { instanceId: "running-elsewhere" });
    await first.idle();
    await first.shutdown();
    const second = new LocalDurableHost({ registry, store });
    await expect(second.startNew("hostTest_wait", { instanceId: "running-elsewhere" })).rejects.toThrow(
      /already exists and is Running/,
    );
    // ...but it can talk to it: the event resumes the instance in this host.
    await second.raiseEvent("running-elsewhere", "go", "hello");
    expect((await second.waitForCompletion("running-elsewhere")).output).toBe("hello");
    await second.shutdown();
  });
});
