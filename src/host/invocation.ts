// Real InvocationContexts for captured functions (activities, orchestrations, triggers), their
// log routed to the host's logger.
import { randomUUID } from "node:crypto";
// Default import: @azure/functions is a CommonJS bundle whose class exports (InvocationContext,
// HttpRequest…) Node's ESM loader cannot detect statically, so named imports of them only work
// under vitest. The default import is module.exports everywhere (plain node, tsx, vitest).
import functions, { type InvocationContext, type LogHandler } from "@azure/functions";
import type { RegisteredFunction } from "./registry.js";

export type HostLogLevel = "debug" | "info" | "warn" | "error";
export type HostLogger = (level: HostLogLevel, message: string) => void;

/** A real InvocationContext for a captured function, its log routed to the host logger under `label`. */
export function newInvocationContext(
  fn: RegisteredFunction,
  log: HostLogger,
  label: string,
  extra: {
    triggerMetadata?: Record<string, unknown>;
    retryContext?: { retryCount: number; maxRetryCount: number };
  } = {},
): InvocationContext {
  const logHandler: LogHandler = (level, ...args) =>
    log(
      level === "error" ? "error" : level === "warning" ? "warn" : level === "information" ? "info" : "debug",
      `[${label}] ${args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : JSON.stringify(a))).join(" ")}`,
    );
  return new functions.InvocationContext({
    invocationId: randomUUID(),
    functionName: fn.name,
    logHandler,
    options: {
      trigger: fn.trigger,
      extraInputs: fn.extraInputs as never,
      extraOutputs: fn.extraOutputs as never,
      return: fn.returnBinding as never,
    },
    ...(extra.triggerMetadata ? { triggerMetadata: extra.triggerMetadata } : {}),
    ...(extra.retryContext ? { retryContext: extra.retryContext } : {}),
  });
}

/** The context an orchestration or activity of `instanceId` runs with. */
export function instanceContext(
  fn: RegisteredFunction,
  log: HostLogger,
  instanceId: string,
): InvocationContext {
  return newInvocationContext(fn, log, `${fn.name} ${instanceId}`, { triggerMetadata: { instanceId } });
}
