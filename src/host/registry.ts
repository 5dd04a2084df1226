// Captures the app's function registrations through the @azure/functions registration API.
//
// @azure/functions registers every function (app.http, app.timer, df.app.orchestration, …) by
// calling `registerFunction(metadata, handler)` on the worker's core API, which it obtains with
// `require("@azure/functions-core")`. That module only exists inside the Functions worker: the
// worker intercepts `require` to hand it out. We do the same, in-process, so importing the app's
// modules records exactly what the Function App would register: no second list of functions.
import { createRequire } from "node:module";
import type { InvocationContext } from "@azure/functions";

const require = createRequire(import.meta.url);
const CORE_MODULE = "@azure/functions-core";
const GLOBAL_KEY = Symbol.for("azdr.host.functionsCore");

export type TriggerKind =
  "http" | "timer" | "queue" | "eventGrid" | "orchestration" | "activity" | "entity" | "other";

/** One binding as @azure/functions describes it to the worker (type, direction, name, options…). */
export interface BindingInfo {
  readonly name: string;
  readonly type: string;
  readonly direction: "in" | "out" | "inout";
  readonly [option: string]: unknown;
}

export type FunctionHandler = (triggerInput: unknown, context: InvocationContext) => unknown;

export interface RegisteredFunction {
  readonly name: string;
  readonly kind: TriggerKind;
  /** The trigger binding: type (httpTrigger, timerTrigger, …) plus its options (route, schedule, queueName…). */
  readonly trigger: BindingInfo;
  readonly extraInputs: readonly BindingInfo[];
  readonly extraOutputs: readonly BindingInfo[];
  readonly returnBinding: BindingInfo | undefined;
  readonly retryOptions: unknown;
  /** The handler the worker would invoke (for df.app.* this is the library's own wrapper). */
  readonly handler: FunctionHandler;
}

const KIND_BY_TRIGGER: Readonly<Record<string, TriggerKind>> = {
  httpTrigger: "http",
  timerTrigger: "timer",
  queueTrigger: "queue",
  eventGridTrigger: "eventGrid",
  orchestrationTrigger: "orchestration",
  activityTrigger: "activity",
  entityTrigger: "entity",
};

interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, Omit<BindingInfo, "name"> & { name?: string }>;
  retryOptions?: unknown;
}

/** The stand-in for the worker's core API: process-wide, so every copy of this module shares it. */
interface CapturingCore {
  readonly registrations: Map<string, RegisteredFunction>;
  programmingModel: unknown;
  readonly api: Record<string, unknown>;
}

function toRegistered(metadata: CoreFunctionMetadata, handler: FunctionHandler): RegisteredFunction {
  const bindings = Object.entries(metadata.bindings).map(
    ([key, b]) => ({ ...b, name: b.name ?? key }) as BindingInfo,
  );
  const trigger = bindings.find((b) => b.direction === "in" && /Trigger$/.test(b.type));
  if (!trigger)
    throw new Error(`azdr local host: function "${metadata.name}" was registered without a trigger binding`);
  return {
    name: metadata.name,
    kind: KIND_BY_TRIGGER[trigger.type] ?? "other",
    trigger,
    extraInputs: bindings.filter((b) => b !== trigger && b.direction === "in"),
    extraOutputs: bindings.filter((b) => b.direction === "out" && b.name !== "$return"),
    returnBinding: bindings.find((b) => b.direction === "out" && b.name === "$return"),
    retryOptions: metadata.retryOptions,
    handler,
  };
}

/** Inside the real Functions worker the core module resolves: never shadow the worker's. */
function insideFunctionsWorker(): boolean {
  try {
    require(CORE_MODULE);
    return true;
  } catch {
    return false;
  }
}

function capturingCore(): CapturingCore {
  const g = globalThis as Record<symbol, CapturingCore | undefined>;
  const existing = g[GLOBAL_KEY];
  if (existing) return existing;
  if (insideFunctionsWorker()) {
    throw new Error(
      "azdr local host: running inside the Azure Functions worker; src/host must not be loaded by the Function App",
    );
  }
  const registrations = new Map<string, RegisteredFunction>();
  const disposable = (fn: () => void = () => undefined) => ({ dispose: fn });
  const core: CapturingCore = {
    registrations,
    programmingModel: undefined,
    api: {
      // Same surface @azure/functions 4.x calls on the worker's core API.
      setProgrammingModel: (model: unknown) => {
        core.programmingModel = model;
      },
      getProgrammingModel: () => core.programmingModel,
      registerFunction: (metadata: CoreFunctionMetadata, handler: FunctionHandler) => {
        // Last registration wins: a test runner re-evaluating a module re-registers its functions.
        registrations.set(metadata.name, toRegistered(metadata, handler));
        return disposable(() => registrations.delete(metadata.name));
      },
      registerHook: () => disposable(),
      log: () => undefined,
      Disposable: class {
        constructor(private readonly callOnDispose: () => void) {}
        dispose(): void {
          this.callOnDispose();
        }
      },
    },
  };
  // Like the Functions worker: `require("@azure/functions-core")` returns our core API.
  const Module = require("node:module") as { prototype: { require: (this: unknown, id: string) => unknown } };
  const original = Module.prototype.require;
  Module.prototype.require = function patchedRequire(this: unknown, id: string): unknown {
    if (id === CORE_MODULE) return core.api;
    // eslint-disable-next-line prefer-rest-params
    return original.apply(this, arguments as unknown as [string]);
  };
  g[GLOBAL_KEY] = core;
  return core;
}

/**
 * Installs the registration hook. Must run before the first function is registered in this
 * process (@azure/functions caches the core API on first use); importing src/host does it.
 */
export function installRegistrationHook(): void {
  capturingCore();
}
if (!insideFunctionsWorker()) installRegistrationHook();

export class FunctionRegistry {
  constructor(private readonly functions: ReadonlyMap<string, RegisteredFunction>) {}

  all(): RegisteredFunction[] {
    return [...this.functions.values()];
  }

  find(name: string): RegisteredFunction | undefined {
    return this.functions.get(name);
  }

  /** The function registered under `name`, optionally checked to be of `kind`; throws a clear error otherwise. */
  get(name: string, kind?: TriggerKind): RegisteredFunction {
    const fn = this.functions.get(name);
    if (!fn || (kind && fn.kind !== kind)) {
      const known = this.all()
        .filter((f) => !kind || f.kind === kind)
        .map((f) => f.name)
        .sort();
      throw new Error(
        `azdr local host: no ${kind ?? ""} function named "${name}" is registered` +
          ` (registered${kind ? ` ${kind}` : ""}: ${known.join(", ") || "none"})`,
      );
    }
    return fn;
  }

  byKind(kind: TriggerKind): RegisteredFunction[] {
    return this.all().filter((f) => f.kind === kind);
  }
}

/**
 * Imports the app's registration modules (e.g. `() => import("../index.js")`) with the capture
 * hook installed, and returns everything registered in this process so far.
 */
export async function loadRegisteredApp(importModules: () => Promise<unknown>): Promise<FunctionRegistry> {
  const core = capturingCore();
  await importModules();
  return new FunctionRegistry(core.registrations);
}
