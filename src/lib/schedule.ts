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
