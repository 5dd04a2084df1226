// Schedule slots: the scheduled time a timer run belongs to, so a timer that fires twice (or late)
// maps to the same backup instance id.
import { CronExpressionParser } from "cron-parser";
import { AzdrError } from "./errors.js";

/**
 * How early a timer may fire and still belong to the coming slot. Timers fire a little early or
 * late (clock skew, host restarts); without this, a firing 50 ms before 10:05 would compute the
 * 09:05 slot, find its run done, and skip the 10:05 backup.
 */
export const SLOT_TOLERANCE_MS = 2 * 60_000;

/**
 * The slot a firing at `now` belongs to (UTC): the next occurrence of the NCRONTAB schedule when it
 * is at most SLOT_TOLERANCE_MS away (and less than half the interval), else the latest occurrence
 * at or before `now` (a late firing belongs to the slot it is late for).
 */
export function scheduleSlot(schedule: string, now: Date): Date {
  try {
    // cron-parser's prev() is strictly before currentDate: nudge by 1 ms so an on-time run maps to itself.
    const expression = CronExpressionParser.parse(schedule, {
      currentDate: new Date(now.getTime() + 1),
      tz: "UTC",
    });
    const previous = expression.prev().toDate();
    const next = CronExpressionParser.parse(schedule, { currentDate: now, tz: "UTC" }).next().toDate();
    const early = next.getTime() - now.getTime();
    const interval = next.getTime() - previous.getTime();
    return early <= SLOT_TOLERANCE_MS && early < interval / 2 ? next : previous;
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

/**
 * The longest wait between two runs of an NCRONTAB schedule, in hours, over 62 days from a fixed
 * Monday (so "daily" is 24, "Mondays only" 168, "the 1st of the month" 744): the worst age a
 * snapshot reaches before the next run replaces it. Dense schedules stop after a few thousand runs.
 */
export function longestGapHours(schedule: string): number {
  const windowMs = 62 * 86_400_000;
  const from = new Date("2026-01-05T00:00:00Z").getTime();
  let expression;
  try {
    expression = CronExpressionParser.parse(schedule, { currentDate: new Date(from - 1), tz: "UTC" });
  } catch (error) {
    throw new AzdrError("INVALID_CONFIG", `schedule "${schedule}" is not a valid NCRONTAB expression`, {
      cause: error,
    });
  }
  // The window's runs plus the first one after it, so the last wait counts too.
  const runs: number[] = [];
  while (runs.length < 5000) {
    const at = expression.next().getTime();
    runs.push(at);
    if (at >= from + windowMs) break;
  }
  if (runs.length < 2) return (runs[0]! - from) / 3_600_000;
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]! - runs[i - 1]!);
  return longest / 3_600_000;
}
