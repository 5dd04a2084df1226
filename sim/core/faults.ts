// Fault injection per route: throttling (429 + Retry-After in every form), 5xx, latency,
// connection resets and token-bucket rate limits like Databricks' published per-endpoint limits.
import type { SimResponse, SimService } from "./server.js";

export interface FaultRule {
  /** Matches the route name ("GET /api/2.0/workspace/export") by substring or regexp. */
  route: string | RegExp;
  method?: string;
  /** How many requests the fault applies to (default: unlimited). */
  times?: number;
  /** Apply to one request in N (deterministic: every Nth matching request). */
  every?: number;
  /** Let this many matching requests through first (a workspace deleted part-way through a run). */
  after?: number;
  status?: number;
  /** Retry-After header value for 429/503: seconds ("1"), an HTTP-date, or omitted. */
  retryAfter?: string;
  errorCode?: string;
  message?: string;
  latencyMs?: number;
  reset?: boolean;
  /**
   * Run the request, then drop the connection instead of answering: the change is made but the
   * client never learns it (a lost response, a caller that crashed right after sending).
   */
  resetAfterHandling?: boolean;
  /** Accept the request and never answer (a hung socket) until the client gives up. */
  hang?: boolean;
}

export interface AppliedFault {
  latencyMs?: number;
  reset?: boolean;
  resetAfterHandling?: boolean;
  hang?: boolean;
  response?: (service: SimService) => SimResponse;
}

interface ActiveRule extends FaultRule {
  seen: number;
  fired: number;
}

interface RateLimit {
  route: string | RegExp;
  perSecond: number;
  tokens: number;
  last: number;
}

export class FaultPlan {
  private rules: ActiveRule[] = [];
  private limits: RateLimit[] = [];
  /** Databricks' "concurrent limit" error when more than this many requests are in flight. */
  concurrencyLimit: number | undefined;
  inFlight = 0;
  /** Added to every request (before faults), in milliseconds; multiplied by latencyScale. */
  latencyMs = 0;
  /** Added per route (name substring or regexp), on top of latencyMs. */
  routeLatency: { route: string | RegExp; latencyMs: number }[] = [];
  /** Scale factor for every latency (base, per-route and injected): 0 disables, 0.1 speeds up. */
  latencyScale = 1;
  /** The rate limiter's clock: a test freezes it to count a burst exactly, whatever the load. */
  clock: () => number = Date.now;

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, fired: 0 });
  }

  /** A token bucket per route pattern; over the limit answers 429 REQUEST_LIMIT_EXCEEDED. */
  rateLimit(route: string | RegExp, perSecond: number): void {
    this.limits.push({ route, perSecond, tokens: perSecond, last: this.clock() });
  }

  clear(): void {
    this.rules = [];
    this.limits = [];
    this.concurrencyLimit = undefined;
    this.latencyMs = 0;
    this.routeLatency = [];
    this.latencyScale = 1;
    this.clock = Date.now;
  }

  /** Remove the rate limits whose pattern equals `route` (all of them when omitted). */
  clearRateLimits(route?: string | RegExp): void {
    this.limits = this.limits.filter((l) => route !== undefined && String(l.route) !== String(route));
  }

  /** Total delay for one request on this route, in milliseconds, scaled by latencyScale. */
  latencyFor(routeName: string, injectedMs = 0): number {
    let total = this.latencyMs + injectedMs;
    for (const r of this.routeLatency) if (matches(r.route, routeName)) total += r.latencyMs;
    return Math.max(0, total * this.latencyScale);
  }

  match(routeName: string, method: string): AppliedFault | undefined {
    for (const limit of this.limits) {
      if (!matches(limit.route, routeName)) continue;
      const now = this.clock();
      limit.tokens = Math.min(limit.perSecond, limit.tokens + ((now - limit.last) / 1000) * limit.perSecond);
      limit.last = now;
      if (limit.tokens < 1) {
        return {
          response: (service) => ({
            ...service.error(
              429,
              "REQUEST_LIMIT_EXCEEDED",
              `Rate limit of ${limit.perSecond}/s exceeded for ${routeName}`,
            ),
            headers: { "retry-after": "1" },
          }),
        };
      }
      limit.tokens -= 1;
    }
    for (const rule of this.rules) {
      if (!matches(rule.route, routeName)) continue;
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      rule.seen += 1;
      if (rule.after !== undefined && rule.seen <= rule.after) continue;
      if (rule.every && (rule.seen - (rule.after ?? 0)) % rule.every !== 0) continue;
      rule.fired += 1;
      const applied: AppliedFault = {};
      if (rule.latencyMs) applied.latencyMs = rule.latencyMs;
      if (rule.reset) applied.reset = true;
      if (rule.resetAfterHandling) applied.resetAfterHandling = true;
      if (rule.hang) applied.hang = true;
      if (rule.status) {
        const status = rule.status;
        applied.response = (service) => {
          const code =
            rule.errorCode ??
            (status === 429
              ? "REQUEST_LIMIT_EXCEEDED"
              : status >= 500
                ? "TEMPORARILY_UNAVAILABLE"
                : "BAD_REQUEST");
          const response = service.error(status, code, rule.message ?? `injected fault ${status}`);
          if (rule.retryAfter !== undefined) response.headers = { "retry-after": rule.retryAfter };
          return response;
        };
      }
      return applied;
    }
    return undefined;
  }
}

function matches(pattern: string | RegExp, routeName: string): boolean {
  return typeof pattern === "string" ? routeName.includes(pattern) : pattern.test(routeName);
}
