// The ONLY place that reaches into durable-functions' private modules. The local host replays
// orchestrators through the library's own executor; to do that it needs a few enums and task
// classes that the package does not export publicly. Everything is loaded and checked here, so a
// package upgrade that moves them fails loudly with one clear message (see the canary test).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The exact durable-functions version whose internals this module was written against. */
export const PINNED_DURABLE_FUNCTIONS_VERSION = "3.5.0";

/** Marker the library's OrchestrationFailureError puts between the message and the state JSON. */
export const OUT_OF_PROC_DATA_LABEL = "\n\n$OutOfProcData$:";

type Ctor = abstract new (...args: never[]) => object;

export interface DurableInternals {
  readonly version: string;
  readonly HistoryEventType: Readonly<Record<HistoryEventName, number>>;
  readonly ActionType: Readonly<Record<ActionName, number>>;
  readonly ReplaySchema: Readonly<Record<"V1" | "V2" | "V3" | "V4", number>>;
  readonly NoOpTask: Ctor;
  readonly RetryableTask: Ctor;
  readonly DFTimerTask: Ctor;
  readonly CompoundTask: Ctor;
  readonly OrchestrationFailureError: Ctor;
}

export type HistoryEventName =
  | "ExecutionStarted"
  | "ExecutionCompleted"
  | "ExecutionFailed"
  | "ExecutionTerminated"
  | "TaskScheduled"
  | "TaskCompleted"
  | "TaskFailed"
  | "SubOrchestrationInstanceCreated"
  | "SubOrchestrationInstanceCompleted"
  | "SubOrchestrationInstanceFailed"
  | "TimerCreated"
  | "TimerFired"
  | "OrchestratorStarted"
  | "OrchestratorCompleted"
  | "EventRaised"
  | "ContinueAsNew";

export type ActionName =
  | "CallActivity"
  | "CallActivityWithRetry"
  | "CallSubOrchestrator"
  | "CallSubOrchestratorWithRetry"
  | "ContinueAsNew"
  | "CreateTimer"
  | "WaitForExternalEvent"
  | "CallEntity"
  | "CallHttp"
  | "SignalEntity"
  | "WhenAny"
  | "WhenAll";

const HISTORY_EVENT_NAMES: readonly HistoryEventName[] = [
  "ExecutionStarted",
  "ExecutionCompleted",
  "ExecutionFailed",
  "ExecutionTerminated",
  "TaskScheduled",
  "TaskCompleted",
  "TaskFailed",
  "SubOrchestrationInstanceCreated",
  "SubOrchestrationInstanceCompleted",
  "SubOrchestrationInstanceFailed",
  "TimerCreated",
  "TimerFired",
  "OrchestratorStarted",
  "OrchestratorCompleted",
  "EventRaised",
  "ContinueAsNew",
];

const ACTION_NAMES: readonly ActionName[] = [
  "CallActivity",
  "CallActivityWithRetry",
  "CallSubOrchestrator",
  "CallSubOrchestratorWithRetry",
  "ContinueAsNew",
  "CreateTimer",
  "WaitForExternalEvent",
  "CallEntity",
  "CallHttp",
  "SignalEntity",
  "WhenAny",
  "WhenAll",
];

export class DurableInternalsError extends Error {
  override readonly name = "DurableInternalsError";
}

function moved(what: string, version: string, cause?: unknown): DurableInternalsError {
  const err = new DurableInternalsError(
    `azdr local host: durable-functions internals moved: ${what} ` +
      `(installed durable-functions@${version}, src/host/internals.ts was written for ` +
      `${PINNED_DURABLE_FUNCTIONS_VERSION}). Pin durable-functions to ${PINNED_DURABLE_FUNCTIONS_VERSION} ` +
      `or update src/host/internals.ts, replay.ts, schedule.ts and protocol.ts against the new lib/src/**.`,
  );
  if (cause !== undefined) err.cause = cause;
  return err;
}

function load(path: string, version: string): Record<string, unknown> {
  try {
    return require(`durable-functions/lib/src/${path}`) as Record<string, unknown>;
  } catch (cause) {
    throw moved(`cannot load module "durable-functions/lib/src/${path}"`, version, cause);
  }
}

function member<T>(
  mod: Record<string, unknown>,
  path: string,
  name: string,
  version: string,
  kind: "function" | "object",
): T {
  const value = mod[name];
  if (typeof value !== kind) {
    throw moved(`"${path}" no longer exports ${kind} "${name}"`, version);
  }
  return value as T;
}

function enumOf<N extends string>(
  mod: Record<string, unknown>,
  path: string,
  enumName: string,
  names: readonly N[],
  version: string,
): Readonly<Record<N, number>> {
  const e = member<Record<string, unknown>>(mod, path, enumName, version, "object");
  const out = {} as Record<N, number>;
  for (const n of names) {
    const v = e[n];
    if (typeof v !== "number") throw moved(`enum ${enumName} has no member "${n}"`, version);
    out[n] = v;
  }
  return Object.freeze(out);
}

let cached: DurableInternals | undefined;

/** Loads (once) and validates every durable-functions internal the local host relies on. */
export function durableInternals(): DurableInternals {
  if (cached) return cached;
  let version = "unknown";
  try {
    version = (require("durable-functions/package.json") as { version: string }).version;
  } catch {
    // reported below
  }
  if (version !== PINNED_DURABLE_FUNCTIONS_VERSION) {
    throw moved(`unexpected package version`, version);
  }
  const history = load("history/HistoryEventType.js", version);
  const actions = load("actions/ActionType.js", version);
  const schema = load("orchestrations/ReplaySchema.js", version);
  const tasks = load("task/index.js", version);
  const failure = load("error/OrchestrationFailureError.js", version);
  // The executor itself is reached through context.df.taskOrchestratorExecutor at run time;
  // loading the module here makes a rename fail at start-up rather than mid-run.
  const executor = load("orchestrations/TaskOrchestrationExecutor.js", version);
  member(
    executor,
    "orchestrations/TaskOrchestrationExecutor.js",
    "TaskOrchestrationExecutor",
    version,
    "function",
  );
  const orchestrator = load("orchestrations/Orchestrator.js", version);
  member(orchestrator, "orchestrations/Orchestrator.js", "Orchestrator", version, "function");

  cached = Object.freeze({
    version,
    HistoryEventType: enumOf(
      history,
      "history/HistoryEventType.js",
      "HistoryEventType",
      HISTORY_EVENT_NAMES,
      version,
    ),
    ActionType: enumOf(actions, "actions/ActionType.js", "ActionType", ACTION_NAMES, version),
    ReplaySchema: enumOf(
      schema,
      "orchestrations/ReplaySchema.js",
      "ReplaySchema",
      ["V1", "V2", "V3", "V4"],
      version,
    ),
    NoOpTask: member<Ctor>(tasks, "task/index.js", "NoOpTask", version, "function"),
    RetryableTask: member<Ctor>(tasks, "task/index.js", "RetryableTask", version, "function"),
    DFTimerTask: member<Ctor>(tasks, "task/index.js", "DFTimerTask", version, "function"),
    CompoundTask: member<Ctor>(tasks, "task/index.js", "CompoundTask", version, "function"),
    OrchestrationFailureError: member<Ctor>(
      failure,
      "error/OrchestrationFailureError.js",
      "OrchestrationFailureError",
      version,
      "function",
    ),
  });
  return cached;
}

/** Shape of the library's TaskOrchestrationExecutor fields the host reads after a replay. */
export interface ExecutorView {
  openTasks: Record<string, TaskView>;
  openEvents: Record<string, TaskView[]>;
  actions: unknown[];
  willContinueAsNew: boolean;
}

/** Shape of the library's task objects (TaskBase / DFTask / RetryableTask). */
export interface TaskView {
  id: number | string | false;
  readonly actionObj: unknown;
  parent?: TaskView;
  isWaitingOnTimer?: boolean;
}

/**
 * Reads the executor the library's Orchestrator attached to `context.df` while replaying.
 * Task ids come from here: the executor numbers tasks itself (sequenceNumber), exactly as the
 * Durable Task extension numbers the TaskScheduled / TimerCreated events it matches them to.
 */
export function executorOf(context: object): ExecutorView {
  const version = durableInternals().version;
  const df = (context as { df?: unknown }).df;
  if (typeof df !== "object" || df === null)
    throw moved("the orchestrator no longer sets context.df", version);
  const executor = (df as { taskOrchestratorExecutor?: unknown }).taskOrchestratorExecutor;
  if (typeof executor !== "object" || executor === null) {
    throw moved("context.df.taskOrchestratorExecutor is missing", version);
  }
  const e = executor as Partial<ExecutorView>;
  if (typeof e.openTasks !== "object" || typeof e.openEvents !== "object" || !Array.isArray(e.actions)) {
    throw moved("TaskOrchestrationExecutor no longer has openTasks / openEvents / actions", version);
  }
  return e as ExecutorView;
}
