// One replay: the registered orchestration handler (the library's Orchestrator, exactly what the
// Functions worker invokes) run over a history with the out-of-proc trigger payload the extension
// sends, and what came back: the orchestrator state, its error, and the library's executor.
import type { InvocationContext } from "@azure/functions";
import { errorText } from "./history.js";
import { durableInternals, executorOf, OUT_OF_PROC_DATA_LABEL, type ExecutorView } from "./internals.js";
import type { RegisteredFunction } from "./registry.js";
import type { HistoryEvent, InstanceRecord } from "./store.js";

/** Timers longer than this are chains of shorter ones (maximumShortTimerDuration, 6 days). */
export const MAX_SHORT_TIMER_MS = 6 * 24 * 60 * 60 * 1000;

export interface OrchestratorStateView {
  isDone: boolean;
  actions?: unknown;
  schemaVersion?: number;
  error?: string;
  output?: unknown;
  customStatus?: unknown;
}

export interface ReplayOutcome {
  state?: OrchestratorStateView;
  error?: string;
  executor?: ExecutorView;
  /** The action list as the extension receives it (the library's own objects, for identity). */
  actions?: unknown;
}

/** Runs `fn` over `history`; never throws (a failed orchestrator is an outcome with an error). */
export async function replayOrchestrator(
  fn: RegisteredFunction | undefined,
  record: InstanceRecord,
  history: HistoryEvent[],
  context: (fn: RegisteredFunction) => InvocationContext,
): Promise<ReplayOutcome> {
  const internals = durableInternals();
  if (!fn || fn.kind !== "orchestration") {
    return { error: `azdr local host: no orchestration named "${record.name}" is registered` };
  }
  const invocation = context(fn);
  // The out-of-proc orchestration trigger payload, JSON round-tripped like the real binding. The
  // extension advertises schema V4 since critical sections (Azure/azure-functions-durable-extension#3453).
  const payload = JSON.parse(
    JSON.stringify({
      history,
      input: record.input ?? undefined,
      instanceId: record.instanceId,
      isReplaying: record.history.length > 0,
      parentInstanceId: record.parent?.instanceId,
      upperSchemaVersion: internals.ReplaySchema.V3,
      upperSchemaVersionNew: internals.ReplaySchema.V4,
      longRunningTimerIntervalDuration: "3.00:00:00",
      maximumShortTimerDuration: `${MAX_SHORT_TIMER_MS / 86_400_000}.00:00:00`,
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    }),
  ) as unknown;
  const readExecutor = () =>
    (invocation as { df?: unknown }).df === undefined ? undefined : executorOf(invocation);
  try {
    const state = (await fn.handler(payload, invocation)) as OrchestratorStateView;
    return { state, executor: readExecutor(), actions: state.actions };
  } catch (error) {
    const message = errorText(error);
    const at = message.indexOf(OUT_OF_PROC_DATA_LABEL);
    if (error instanceof internals.OrchestrationFailureError && at >= 0) {
      // The state carries the orchestrator's exception message (the text before the label is
      // only the executor's `orchestratorReturned` flag).
      const state = JSON.parse(message.slice(at + OUT_OF_PROC_DATA_LABEL.length)) as OrchestratorStateView;
      const executor = readExecutor();
      // The parsed state lost the action objects' identity; the executor still has them.
      const actions = executor ? [executor.actions] : state.actions;
      return { state, error: state.error ?? message.slice(0, at), executor, actions };
    }
    return { error: message, executor: readExecutor() };
  }
}
