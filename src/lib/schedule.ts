// Schedule slots: the scheduled time a timer run belongs to, so a timer that fires twice (or late)
// maps to the same backup instance id.
import { CronExpressionParser } from "cron-parser";
import { AzdrError } from "./errors.js";

/** The latest occurrence of the NCRONTAB schedule at or before `now` (UTC). */
export function scheduleSlot(schedule: string, now: Date): Date {
  try {
    // cron-parser's prev() is strictly before currentDate: nudge by 1 ms so an on-time run maps to itself.
    const expression = CronExpressionParser.parse(schedule, {
      currentDate: new Date(now.getTime() + 1),
      tz: "UTC",
    });
    return expression.prev().toDate();
  } catch (error) {
    throw new AzdrError("INVALID_CONFIG", `schedule "${schedule}" is not a valid NCRONTAB expression`, {
      cause: error,
    });
  }
}

/** Compact, sortable, path-safe stamp: 20261126t020500z. */
export function slotStamp(slot: Date): string {
  return slot
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "z")
    .replace("T", "t");
}
