// Event Grid deletion alerts → the matching recovery. Only resources named in the config count;
// every restore started this way waits at its approval gate: nothing irreversible runs unattended.
import type { PlatformConfig } from "../../config/schema.js";
import { resolveArmResource } from "../../config/naming.js";
import { publicScenarios } from "../catalog.js";
import type { RestoreRequestInput } from "./request.js";

export interface DeletionEvent {
  id?: string;
  eventType?: string;
  subject?: string;
  data?: { operationName?: string; resourceUri?: string; status?: string };
}

export type AlertDecision =
  | { action: "restore"; request: RestoreRequestInput & { scenario: string }; reason: string }
  /** ours: the deleted resource is one the config names, so people are told though nothing starts. */
  | { action: "ignore"; reason: string; ours: boolean };

const DELETE_EVENT = "Microsoft.Resources.ResourceDeleteSuccess";

function resourceIdOf(event: DeletionEvent): string {
  return (event.data?.resourceUri ?? event.subject ?? "").toLowerCase();
}

export function decideDeletion(config: PlatformConfig, event: DeletionEvent): AlertDecision {
  if (event.eventType !== DELETE_EVENT)
    return {
      action: "ignore",
      reason: `event type ${event.eventType ?? "?"} is not a deletion`,
      ours: false,
    };
  const resourceId = resourceIdOf(event);
  const operation = (event.data?.operationName ?? "").toLowerCase();
  const name = resourceId.split("/").pop() ?? "";

  // A catalog row that claims this kind of resource decides; the runbook sections not automated
  // yet are answered below with where to follow the runbook by hand.
  for (const row of publicScenarios()) {
    if (!row.deletion || !operation.startsWith(row.deletion.operation)) continue;
    const routed = row.deletion.route(config, resourceId, event.id ?? "?");
    if ("ignore" in routed) return { action: "ignore", reason: routed.ignore, ours: routed.ours };
    return {
      action: "restore",
      request: { ...routed.request, scenario: row.name },
      reason: routed.reason,
    };
  }
  if (operation.startsWith("microsoft.machinelearningservices/workspaces/")) {
    const known = [
      ...config.azureMl.workspaces.map(
        (w) => resolveArmResource(config, w, "mlWorkspace", "aiPlatformResourceGroup").name,
      ),
      ...config.foundry.hubs.map(
        (h) => resolveArmResource(config, h, "foundryHub", "aiPlatformResourceGroup").name,
      ),
    ].some((n) => n.toLowerCase() === name);
    if (!known)
      return {
        action: "ignore",
        reason: `Azure ML workspace ${name} is not in azureMl.workspaces or foundry.hubs`,
        ours: false,
      };
    return {
      action: "ignore",
      reason: `Azure ML workspace ${name} deleted: automated recovery (runbook 7.5) is not available yet; follow runbook 7.5 now (soft-deleted for 14 days)`,
      ours: true,
    };
  }
  return {
    action: "ignore",
    reason: `operation ${event.data?.operationName ?? "?"} is not one azdr recovers`,
    ours: false,
  };
}
