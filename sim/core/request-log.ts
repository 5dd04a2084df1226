// Every request the simulator answered, so tests and benchmarks can assert which calls were made
// (a plan-only restore made no writes; an incremental backup exported only changed notebooks).
export interface LoggedRequest {
  service: string;
  method: string;
  path: string;
  query: string;
  /** Route template that handled it, e.g. "GET /api/2.0/workspace/export". */
  route: string;
  status?: number;
  at: number;
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  record(entry: Omit<LoggedRequest, "at">): LoggedRequest {
    const logged = { ...entry, at: Date.now() };
    this.entries.push(logged);
    return logged;
  }

  clear(): void {
    this.entries.length = 0;
  }

  /** Requests whose route name contains (or matches) the pattern. */
  count(route: string | RegExp, service?: string): number {
    return this.filter(route, service).length;
  }

  filter(route: string | RegExp, service?: string): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (service === undefined || e.service === service) &&
        (typeof route === "string" ? e.route.includes(route) : route.test(e.route)),
    );
  }

  /** Requests that change state (anything but GET/HEAD, and the read-only POSTs listed). */
  writes(readOnlyPosts: RegExp[] = []): LoggedRequest[] {
    return this.entries.filter(
      (e) => e.method !== "GET" && e.method !== "HEAD" && !readOnlyPosts.some((p) => p.test(e.route)),
    );
  }

  /** Per-route counters. */
  counters(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries) out[`${e.service} ${e.route}`] = (out[`${e.service} ${e.route}`] ?? 0) + 1;
    return out;
  }
}
