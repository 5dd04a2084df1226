// Schedule slots tolerate timers that fire a little early or late.
import { describe, expect, it } from "vitest";
import { scheduleSlot, slotStamp } from "../../src/lib/schedule.js";

const slot = (schedule: string, at: string) => slotStamp(scheduleSlot(schedule, new Date(at)));

describe("scheduleSlot", () => {
  it("a firing 50 ms before the boundary belongs to the coming slot, not the previous one", () => {
    expect(slot("0 5 * * * *", "2026-11-26T10:04:59.950Z")).toBe("20261126t100500z");
    expect(slot("0 5 * * * *", "2026-11-26T10:05:00.000Z")).toBe("20261126t100500z");
    expect(slot("0 5 * * * *", "2026-11-26T10:06:30.000Z")).toBe("20261126t100500z"); // late
    expect(slot("0 5 * * * *", "2026-11-26T10:03:00.000Z")).toBe("20261126t100500z"); // 2 min early
  });

  it("outside the tolerance, or for schedules denser than twice the tolerance, the previous slot", () => {
    expect(slot("0 5 * * * *", "2026-11-26T10:02:59.000Z")).toBe("20261126t090500z");
    // Every minute: 40 s before 10:01 is still the 10:00 run (the tolerance is capped at half the interval).
    expect(slot("0 * * * * *", "2026-11-26T10:00:20.000Z")).toBe("20261126t100000z");
    expect(slot("0 * * * * *", "2026-11-26T10:00:59.950Z")).toBe("20261126t100100z");
  });
});
