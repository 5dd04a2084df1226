import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocalApp, LocalDurableHost, MemoryPoisonSink, loadRegisteredApp } from "../../src/host/index.js";
import { probe } from "./fixtures/app.js";

let app: LocalApp;
let host: LocalDurableHost;
const poison = new MemoryPoisonSink();

beforeAll(async () => {
  const registry = await loadRegisteredApp(() => import("./fixtures/app.js"));
  host = new LocalDurableHost({ registry });
  app = await LocalApp.start({ host, poison, maxDequeueCount: 3 });
});
afterAll(async () => {
  await app.close();
  await host.shutdown();
});
beforeEach(() => probe.reset());

describe("registrations captured through @azure/functions", () => {
  it("records every app.* and df.app.* registration with its trigger and options", () => {
    const start = host.registry.get("hostTestStart", "http");
    expect(start.trigger).toMatchObject({
      type: "httpTrigger",
      route: "host-test/{id}",
      methods: ["POST"],
      authLevel: "function",
    });
    expect(start.extraInputs.map((i) => i.type)).toEqual(["durableClient"]);
    expect(host.registry.get("hostTestTimer").trigger).toMatchObject({
      type: "timerTrigger",
      schedule: "0 0 * * * *",
    });
    expect(host.registry.get("hostTestQueue").trigger).toMatchObject({
      type: "queueTrigger",
      queueName: "host-test-requests",
    });
    expect(host.registry.get("hostTest_fanOut").kind).toBe("orchestration");
    expect(host.registry.get("hostTest_double").kind).toBe("activity");
    expect(() => host.registry.get("nope", "orchestration")).toThrow(
      /no orchestration function named "nope".*hostTest_fanOut/,
    );
  });
});

describe("trigger handlers with df.getClient(context), unchanged", () => {
  it("an HTTP trigger starts an orchestration and returns the 202 check-status response", async () => {
    const response = await app.invokeHttp("hostTestStart", { params: { id: "7" }, body: { n: 5 } });
    expect(response.status).toBe(202);
    const links = (await response.json()) as Record<string, string>;
    expect(links.id).toBe("fan-7");
    expect(links.statusQueryGetUri).toBe(
      `${app.origin}/runtime/webhooks/durabletask/instances/fan-7?taskHub=AzdrLocalHub&connection=Storage&code=local`,
    );
    expect(response.headers.get("location")).toBe(links.statusQueryGetUri);
    expect((await host.waitForCompletion("fan-7")).output).toEqual([0, 2, 4, 6, 8]);
    // The status link really works (the Durable HTTP API is served on loopback).
    const status = await fetch(links.statusQueryGetUri ?? "");
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      instanceId: "fan-7",
      runtimeStatus: "Completed",
      output: [0, 2, 4, 6, 8],
    });
  });

  it("serves the app's routes over HTTP too, and refuses a duplicate running instance", async () => {
    const first = await fetch(`${app.origin}/api/host-test/blocked`, {
      method: "POST",
      body: JSON.stringify({ n: 1 }),
    });
    expect(first.status).toBe(202);
    await host.waitForCompletion("fan-blocked");
    const client = app.client();
    await client.startNew("hostTest_wait", { instanceId: "dup" });
    await expect(client.startNew("hostTest_wait", { instanceId: "dup" })).rejects.toThrow(
      /409.*dup.* already exists and is (Pending|Running)/,
    );
    await client.terminate("dup", "done");
    expect((await client.getStatus("dup")).runtimeStatus).toBe("Terminated");
  });

  it("custom status and raised events go through the real DurableClient", async () => {
    const client = app.client();
    await client.startNew("hostTest_progress", { instanceId: "progress-1" });
    await host.idle();
    const status = await client.getStatus("progress-1");
    expect(status.runtimeStatus).toBe("Running");
    expect(status.customStatus).toEqual({ done: 3, total: 3 });
    await client.raiseEvent("progress-1", "finish", null);
    expect((await host.waitForCompletion("progress-1")).output).toBe("finished");

    await client.startNew("hostTest_approval", { instanceId: "approve-http" });
    await host.idle();
    const approved = await app.invokeHttp("hostTestApprove", { params: { id: "approve-http" }, body: "bob" });
    expect(approved.status).toBe(202);
    expect((await host.waitForCompletion("approve-http")).output).toEqual({ approved: true, by: "bob" });
  });

  it("a timer trigger gets a timer payload and a durable client", async () => {
    await app.invokeTimer("hostTestTimer");
    expect(probe.timerMessages).toEqual(["pastDue=false"]);
    expect((await host.waitForCompletion("timer-slot")).output).toEqual([0, 2]);
  });
});

describe("queue trigger", () => {
  it("delivers JSON messages parsed", async () => {
    expect(await app.invokeQueue("hostTestQueue", { kind: "ok" })).toEqual({
      outcome: "completed",
      attempts: 1,
    });
    expect(probe.queueSeen).toEqual([{ kind: "ok" }]);
  });

  it("moves a message to <queue>-poison after maxDequeueCount failures, with the reason", async () => {
    const outcome = await app.invokeQueue("hostTestQueue", { kind: "broken" });
    expect(outcome).toMatchObject({
      outcome: "poisoned",
      attempts: 3,
      poisonQueue: "host-test-requests-poison",
    });
    const [entry] = poison.messages("host-test-requests-poison").slice(-1);
    expect(entry).toMatchObject({ message: '{"kind":"broken"}', attempts: 3 });
    expect(entry?.reason).toContain("downstream unavailable");
  });

  it("poisons a non-retryable validation error at once", async () => {
    const outcome = await app.invokeQueue("hostTestQueue", { kind: "invalid" });
    expect(outcome).toMatchObject({ outcome: "poisoned", attempts: 1 });
    expect(probe.queueSeen).toHaveLength(1);
    expect(poison.messages("host-test-requests-poison").at(-1)?.reason).toBe(
      "non-retryable: field 'kind' must be 'ok'",
    );
  });
});
