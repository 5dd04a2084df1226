// The notify activity: orchestrators cannot do I/O, so they build a notification (pure, from the
// context's time) and hand it here with the matching Application Insights event. Delivery problems
// are dead-lettered inside; a notification never fails or blocks the orchestration that raised it.
import * as df from "durable-functions";
import type { OrchestrationContext, Task } from "durable-functions";
import type { Notification } from "../lib/notify/events.js";
import type { TelemetryEventName } from "../lib/notify/telemetry.js";
import { ACTIVITIES } from "./names.js";
import { runtime } from "./runtime.js";

export interface NotifyInput {
  notification?: Notification;
  telemetry?: {
    name: TelemetryEventName;
    properties: Record<string, string | undefined>;
    measurements?: Record<string, number>;
  };
}

/** `yield* announce(context, …)` inside an orchestrator. */
export function* announce(context: OrchestrationContext, input: NotifyInput): Generator<Task, void, unknown> {
  try {
    yield context.df.callActivity(ACTIVITIES.notify, input);
  } catch {
    // The activity never throws by design; if the worker itself failed, the restore goes on.
  }
}

df.app.activity(ACTIVITIES.notify, {
  handler: async (input: NotifyInput) => {
    const rt = runtime();
    if (input.telemetry)
      await rt.telemetry.track(
        input.telemetry.name,
        input.telemetry.properties,
        input.telemetry.measurements,
      );
    return input.notification ? rt.notifier.notify(input.notification) : undefined;
  },
});
