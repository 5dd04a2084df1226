// The orchestrator's actions as the library's executor builds them (and the out-of-process
// protocol sends them): the fields the local host reads, and how to name one in a message.
import { durableInternals, type ActionName } from "./internals.js";

export interface ActionView {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: Date | string;
  isCanceled?: boolean;
  externalEventName?: string;
  retryOptions?: {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
  };
  compoundActions?: ActionView[];
}

export function actionName(type: number): string {
  const A = durableInternals().ActionType;
  return (Object.keys(A) as ActionName[]).find((k) => A[k] === type) ?? `action type ${type}`;
}

export function describeAction(action: ActionView): string {
  const name = actionName(action.actionType);
  const target = action.functionName ?? action.externalEventName;
  return target ? `${name} "${target}"` : name;
}
