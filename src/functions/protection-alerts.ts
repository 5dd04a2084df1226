// Event Grid: a write to a platform storage account (or its blob service) is checked at once for
// protection that was turned off or shortened, and people are told. Infra subscribes exactly the
// writes in PROTECTION_WRITES, with `platformProtectionChanged` as the destination.
import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import { protectionWeakened } from "../lib/notify/events.js";
import {
  checkProtectionWrite,
  type ProtectionCheck,
  type ResourceWriteEvent,
} from "../lib/protection-watch.js";
import { runtime } from "../orchestrators/runtime.js";

export async function handleProtectionWrite(
  event: ResourceWriteEvent,
  context: InvocationContext,
): Promise<ProtectionCheck> {
  const rt = runtime();
  const check = await checkProtectionWrite(rt, event);
  if (check.outcome !== "weakened") {
    context.log(`event ${event.id ?? "?"}: ${check.reason}`);
    return check;
  }
  context.warn(`event ${event.id ?? "?"}: ${check.account} lost protection: ${check.changes.join("; ")}`);
  await rt.notifier.notify(
    protectionWeakened({
      sourceId: check.sourceId,
      account: check.account,
      changes: check.changes,
      noticedBy: { eventId: event.id ?? "unknown" },
      at: new Date().toISOString(),
    }),
  );
  return check;
}

app.eventGrid("platformProtectionChanged", {
  handler: async (event: EventGridEvent, context: InvocationContext) => {
    // A read that fails (ARM throttling) throws: Event Grid retries the delivery.
    await handleProtectionWrite(event, context);
  },
});
