// CANARY: the local host deep-imports durable-functions internals (src/host/internals.ts). If this
// fails after a dependency change, the library moved them: pin durable-functions back to the
// version below, or port src/host/internals.ts, replay.ts, schedule.ts and protocol.ts to the new lib/src/** before anything else.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  durableInternals,
  LocalDurableHost,
  loadRegisteredApp,
  PINNED_DURABLE_FUNCTIONS_VERSION,
} from "../../src/host/index.js";

const require = createRequire(import.meta.url);

describe("CANARY: durable-functions internals used by the local host", () => {
  it(`durable-functions is exactly ${PINNED_DURABLE_FUNCTIONS_VERSION}`, () => {
    const installed = (require("durable-functions/package.json") as { version: string }).version;
    const declared = (require("../../package.json") as { dependencies: Record<string, string> }).dependencies[
      "durable-functions"
    ];
    expect(
      installed,
      `installed durable-functions ${installed}; src/host/internals.ts targets ${PINNED_DURABLE_FUNCTIONS_VERSION}`,
    ).toBe(PINNED_DURABLE_FUNCTIONS_VERSION);
    expect(declared, "package.json must pin durable-functions exactly (no ^ or ~)").toBe(
      PINNED_DURABLE_FUNCTIONS_VERSION,
    );
  });

  it("every deep-imported module and export is where the host expects it", () => {
    const internals = durableInternals(); // throws DurableInternalsError naming what moved
    expect(internals.HistoryEventType.TaskScheduled).toBe(4);
    expect(internals.HistoryEventType.TimerFired).toBe(11);
    expect(internals.ActionType.CallActivityWithRetry).toBe(1);
    expect(internals.ReplaySchema.V4).toBe(3);
  });

  it("a replay still exposes the executor's open tasks (ids) to the host", async () => {
    const registry = await loadRegisteredApp(() => import("./fixtures/app.js"));
    const host = new LocalDurableHost({ registry });
    await host.startNew("hostTest_fanOut", { instanceId: "canary", input: 3 });
    const status = await host.waitForCompletion("canary");
    expect(status.output, "the library's executor no longer drives the local host as expected").toEqual([
      0, 2, 4,
    ]);
    const history = (await host.getStatus("canary", { showHistory: true }))?.history ?? [];
    const scheduled = history.filter((e) => e.EventType === 4).map((e) => e.EventId);
    expect(scheduled, "task ids must come from the executor's sequence numbers").toEqual([0, 1, 2]);
  });
});
