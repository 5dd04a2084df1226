// Time in the local host: the clock (wall clock plus what the virtual clock skipped) and the timers
// each instance waits for. Virtual timers (tests) fire when the host is otherwise idle and someone
// waits (waitForCompletion / advanceTimers), the clock jumping to their due time; real timers
// (CLI, demo) fire from setTimeout.
export type TimerMode = "virtual" | "real";

/** setTimeout's ceiling (~24.8 days): longer waits re-arm until due. */
const MAX_SET_TIMEOUT_MS = 2 ** 31 - 1;

export class HostClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  /** Moves the clock forward to `time` (never back). */
  advanceTo(time: number): void {
    this.offsetMs += Math.max(0, time - this.now().getTime());
  }
}

/** The timers one instance waits for: task id → due time, plus the setTimeouts in real mode. */
export class InstanceTimers {
  private due = new Map<number, number>();
  private readonly handles = new Map<number, NodeJS.Timeout>();

  constructor(
    private readonly mode: TimerMode,
    private readonly clock: HostClock,
    private readonly fire: (id: number) => void,
  ) {}

  get size(): number {
    return this.due.size;
  }

  dueTimes(): number[] {
    return [...this.due.values()];
  }

  /** The earliest armed timer. */
  next(): { id: number; dueAt: number } | undefined {
    let next: { id: number; dueAt: number } | undefined;
    for (const [id, dueAt] of this.due) if (!next || dueAt < next.dueAt) next = { id, dueAt };
    return next;
  }

  /** Arms exactly the timers the orchestrator now waits for. */
  arm(timers: Map<number, number>): void {
    this.due = new Map(timers);
    if (this.mode !== "real") return;
    for (const [id, handle] of this.handles) {
      if (!this.due.has(id)) {
        clearTimeout(handle);
        this.handles.delete(id);
      }
    }
    for (const [id, dueAt] of this.due) if (!this.handles.has(id)) this.armReal(id, dueAt);
  }

  /** Disarms a timer that fires now; returns its due time (undefined if it was not armed). */
  take(id: number): number | undefined {
    const dueAt = this.due.get(id);
    this.due.delete(id);
    clearTimeout(this.handles.get(id));
    this.handles.delete(id);
    return dueAt;
  }

  clear(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
    this.due.clear();
  }

  private armReal(id: number, dueAt: number): void {
    const wait = dueAt - this.clock.now().getTime();
    this.handles.set(
      id,
      setTimeout(
        () => (wait > MAX_SET_TIMEOUT_MS ? this.armReal(id, dueAt) : this.fire(id)),
        Math.min(Math.max(0, wait), MAX_SET_TIMEOUT_MS),
      ),
    );
  }
}
