// Activity dispatch: a registered activity handler run like the Functions host runs it (JSON in,
// JSON out, a real InvocationContext), its outcome turned into the history event the extension
// would append, under host.json's maxConcurrentActivityFunctions.
import type { InvocationContext } from "@azure/functions";
import { errorText, failureFields, fromJson, type EventFactory } from "./history.js";
import type { HostLogger } from "./invocation.js";
import type { FunctionRegistry, RegisteredFunction } from "./registry.js";
import type { HistoryEvent } from "./store.js";

export type Limiter = <T>(fn: () => Promise<T>) => Promise<T>;

/** At most `max` calls at once; the rest queue in arrival order. */
export function limiter(max: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  return async (fn) => {
    if (active >= max) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

export interface ActivityCall {
  instanceId: string;
  /** The TaskScheduled event id the result answers. */
  id: number;
  name: string;
  inputJson: string | undefined;
}

/** Runs the activity; never throws: a failure is a TaskFailed event. */
export async function executeActivity(
  registry: FunctionRegistry,
  call: ActivityCall,
  deps: { context: (fn: RegisteredFunction) => InvocationContext; event: EventFactory; log: HostLogger },
): Promise<HistoryEvent> {
  const { instanceId, id, name, inputJson } = call;
  const fn = registry.find(name);
  try {
    if (!fn || fn.kind !== "activity")
      throw new Error(`azdr local host: no activity named "${name}" is registered`);
    const output = await fn.handler(fromJson(inputJson), deps.context(fn));
    return deps.event("TaskCompleted", { TaskScheduledId: id, Result: JSON.stringify(output ?? null) });
  } catch (error) {
    deps.log("debug", `activity ${name} (${instanceId} #${id}) failed: ${errorText(error)}`);
    return deps.event("TaskFailed", {
      TaskScheduledId: id,
      ...failureFields(`Activity function '${name}'`, error),
    });
  }
}
