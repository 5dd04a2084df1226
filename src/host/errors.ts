// The errors the local host's client verbs throw, with the codes the Durable HTTP API maps to
// status codes (409, 404).
import type { RuntimeStatus } from "./store.js";

export class InstanceAlreadyRunningError extends Error {
  override readonly name = "InstanceAlreadyRunningError";
  readonly code = "CONFLICT";
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: RuntimeStatus,
  ) {
    super(`An orchestration instance with id "${instanceId}" already exists and is ${runtimeStatus}.`);
  }
}

export class InstanceNotFoundError extends Error {
  override readonly name = "InstanceNotFoundError";
  readonly code = "NOT_FOUND";
  constructor(readonly instanceId: string) {
    super(`No orchestration instance with id "${instanceId}" found.`);
  }
}
