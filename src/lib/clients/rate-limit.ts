// A token bucket with a concurrency cap and a shared back-off: every caller of one API family on
// one workspace waits when the service said "slow down".
import { setTimeout as delay } from "node:timers/promises";

/**
 * Waits ms (node:timers/promises); an abort rejects with the signal's reason, so a cancelled caller
 * sees why it stopped rather than a generic AbortError.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("aborted");
    throw error;
  }
}

/** Retry-After in milliseconds from seconds ("2") or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // An HTTP-date names a weekday or month; anything else ("-5", "soon") is garbage, not a year.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Largest burst, in seconds' worth of the rate. Small on purpose: the service counts requests in a
 * bucket of about a second's worth. A client that spends that allowance in its own first burst
 * leaves the service's bucket empty, and from then on the slightest jitter between our send times
 * and the service's clock is a 429 (and its Retry-After stalls the whole family). Bursting a tenth
 * of a second at most leaves ~90% of the service's bucket as slack, at the same sustained rate.
 */
export const BURST_SECONDS = 0.1;

export class RateLimiter {
  private tokens: number;
  private readonly capacity: number;
  private last = Date.now();
  private blockedUntil = 0;
  private inFlight = 0;
  /** The concurrency cap in force: halved on "concurrent request limit" errors, regrown on success. */
  private cap: number;
  private successesSinceShrink = 0;
  private readonly waiters: (() => void)[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly perSecond: number,
    readonly maxConcurrent: number,
  ) {
    this.capacity = Math.max(1, perSecond * BURST_SECONDS);
    this.tokens = this.capacity;
    this.cap = maxConcurrent;
  }

  /** The service refused a request for too many in flight: halve the concurrency we use. */
  shrinkConcurrency(): void {
    this.cap = Math.max(1, Math.floor(this.cap / 2));
    this.successesSinceShrink = 0;
  }

  /** A request succeeded: after a run of successes, allow one more in flight (additive increase). */
  succeeded(): void {
    if (this.cap >= this.maxConcurrent) return;
    if (++this.successesSinceShrink >= 20) {
      this.cap++;
      this.successesSinceShrink = 0;
      if (this.inFlight < this.cap) {
        const next = this.waiters.shift();
        if (next) {
          this.inFlight++;
          next();
        }
      }
    }
  }

  get concurrency(): number {
    return this.cap;
  }

  /** Pause every caller for at least ms (a 429 or a concurrent-limit error). */
  backOff(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + ms);
    this.tokens = 0;
  }

  /** Wait for a slot and a token; returns the release function for the concurrency slot. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.slot(signal);
    // Serialise token accounting so waiters are served in order.
    const turn = this.chain.then(() => this.token(signal));
    this.chain = turn.catch(() => undefined);
    try {
      await turn;
    } catch (error) {
      this.releaseSlot();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.releaseSlot();
    };
  }

  private async slot(signal?: AbortSignal): Promise<void> {
    if (this.inFlight < this.cap) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error("aborted"));
      };
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  private releaseSlot(): void {
    // Over the (shrunk) cap: retire this slot instead of handing it on.
    const next = this.inFlight <= this.cap ? this.waiters.shift() : undefined;
    if (next) next();
    else this.inFlight--;
  }

  private async token(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now < this.blockedUntil) {
        await sleep(this.blockedUntil - now, signal);
        this.last = Date.now();
        continue;
      }
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000), signal);
    }
  }
}
