// Event Grid write events on the platform's storage accounts → "was data protection turned off?"
// The daily protection backup notices it too, but up to a day late; a write event is minutes.
// Framework-free: the trigger hands the event in and notifies what this returns.
import { resolveArmResource } from "./config/naming.js";
import type { SourceContext } from "./sources/context.js";
import {
  readProtection,
  recordedProtection,
  weakenedProtection,
} from "./sources/storage-protection-source.js";

export interface ResourceWriteEvent {
  id?: string;
  eventType?: string;
  subject?: string;
  data?: { operationName?: string; resourceUri?: string };
}

export const WRITE_EVENT = "Microsoft.Resources.ResourceWriteSuccess";
/** The ARM writes that can change what protects an account's data (infra subscribes exactly these). */
export const PROTECTION_WRITES = [
  "Microsoft.Storage/storageAccounts/write",
  "Microsoft.Storage/storageAccounts/blobServices/write",
] as const;

export type ProtectionCheck =
  | { outcome: "weakened"; sourceId: string; account: string; changes: string[] }
  | { outcome: "unchanged" | "ignored"; reason: string };

export async function checkProtectionWrite(
  ctx: SourceContext,
  event: ResourceWriteEvent,
): Promise<ProtectionCheck> {
  if (event.eventType !== WRITE_EVENT)
    return { outcome: "ignored", reason: `event type ${event.eventType ?? "?"} is not a resource write` };
  const operation = event.data?.operationName ?? "";
  if (!PROTECTION_WRITES.some((w) => w.toLowerCase() === operation.toLowerCase()))
    return { outcome: "ignored", reason: `operation ${operation || "?"} does not change data protection` };
  const uri = (event.data?.resourceUri ?? event.subject ?? "").toLowerCase();
  const name = /\/storageaccounts\/([^/]+)/.exec(uri)?.[1];
  const entry = ctx.config.storageAccounts.find(
    (s) =>
      resolveArmResource(ctx.config, s, "sharedStorageAccount", "sharedResourceGroup").name.toLowerCase() ===
      name,
  );
  if (!name || !entry)
    return { outcome: "ignored", reason: `storage account ${name ?? "?"} is not in storageAccounts` };
  const latest = await ctx.store.latestGood("storage", entry.id, "protection");
  const before = latest
    ? await recordedProtection(ctx.store, {
        domain: "storage",
        sourceId: entry.id,
        component: "protection",
        snapshotId: latest.snapshotId,
      })
    : undefined;
  if (!before)
    return {
      outcome: "ignored",
      reason: `no protection snapshot of ${entry.id} to compare with: run \`azdr backup storage-protection\` so changes can be noticed`,
    };
  const current = await readProtection(ctx, entry.id);
  const changes = weakenedProtection(before, current.settings);
  return changes.length
    ? { outcome: "weakened", sourceId: entry.id, account: current.ref.name, changes }
    : {
        outcome: "unchanged",
        reason: `${current.ref.name}: nothing protects less than in snapshot ${latest?.snapshotId}`,
      };
}
