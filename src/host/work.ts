// What the host is busy with: every episode and activity in flight is tracked, so callers can
// wait until the host is idle, and anyone waiting for a change is woken when something moves.
export class HostWork {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly episodes = new Set<Promise<unknown>>();
  private changed = deferred();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** Tracks `promise` (shutdown waits for episodes); its failure is logged, never thrown. */
  track(promise: Promise<unknown>, kind: "episode" | "work" = "work"): void {
    const p = promise.catch(this.onError);
    this.pending.add(p);
    if (kind === "episode") this.episodes.add(p);
    void p.finally(() => {
      this.pending.delete(p);
      this.episodes.delete(p);
    });
  }

  /** Resolves when nothing tracked is running or queued. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Resolves when no episode is running (activities may still be). */
  async episodesDone(): Promise<void> {
    while (this.episodes.size > 0) await Promise.allSettled([...this.episodes]);
  }

  /** A promise that resolves at the next notify(). */
  nextChange(): Promise<void> {
    return this.changed.promise;
  }

  notify(): void {
    const { resolve } = this.changed;
    this.changed = deferred();
    resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
