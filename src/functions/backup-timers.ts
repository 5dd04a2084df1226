// Timer triggers: one per backup kind, on the config's schedules. Each starts the backup run of its
// schedule slot under a fixed instance id, so a timer that fires twice starts one run.
import { app, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { BACKUP_KINDS } from "../lib/backup/catalog.js";
import type { BackupKind } from "../lib/backup/engine.js";
import { scheduleSettingName } from "../lib/config/load.js";
import { scheduleSlot, slotStamp } from "../lib/schedule.js";
import { backupInstanceId, type BackupRunInput } from "../orchestrators/backup.js";
import { ORCHESTRATORS } from "../orchestrators/names.js";
import { runtime } from "../orchestrators/runtime.js";
import { findInstance } from "./durable-status.js";

export interface ScheduledStart {
  instanceId: string;
  started: boolean;
  reason?: string;
}

/** Start the run of the slot `now` belongs to, unless that slot's run already exists. */
export async function startScheduledBackup(
  kind: BackupKind,
  now: Date,
  client: df.DurableClient,
  log: (message: string) => void = () => undefined,
): Promise<ScheduledStart> {
  const info = BACKUP_KINDS[kind];
  const config = runtime().config;
  const slot = slotStamp(scheduleSlot(config.schedules[info.schedule], now));
  const instanceId = backupInstanceId(kind, slot);
  const sourceIds = info.sources(config);
  if (sourceIds.length === 0) return { instanceId, started: false, reason: `no ${kind} sources configured` };
  const existing = await findInstance(client, instanceId);
  if (existing) {
    log(`backup ${instanceId} already exists (${existing.runtimeStatus}); not starting it twice`);
    return { instanceId, started: false, reason: `already ${existing.runtimeStatus}` };
  }
  const input: BackupRunInput = { kind, slot, sourceIds };
  try {
    await client.startNew(ORCHESTRATORS.backupRun, { instanceId, input });
  } catch (error) {
    // Another firing of the same slot won the race: that is the one run of this slot.
    const now = await findInstance(client, instanceId);
    if (now) return { instanceId, started: false, reason: `already ${now.runtimeStatus}` };
    throw error;
  }
  log(`started backup ${instanceId} for ${sourceIds.join(", ")}`);
  return { instanceId, started: true };
}

/** Timer function name of a backup kind, e.g. backupTimer-databricks-notebooks. */
export function backupTimerName(kind: BackupKind): string {
  return `backupTimer-${kind}`;
}

for (const info of Object.values(BACKUP_KINDS)) {
  if (!info.source) continue;
  app.timer(backupTimerName(info.kind), {
    // Resolved from app settings by the host (AZDR_SCHEDULE_*: no "__" in binding expressions);
    // infra sets every schedule from the config defaults.
    schedule: `%${scheduleSettingName(info.schedule)}%`,
    extraInputs: [df.input.durableClient()],
    handler: async (_timer: Timer, context: InvocationContext) => {
      await startScheduledBackup(info.kind, new Date(), df.getClient(context), (m) => context.log(m));
    },
  });
}
