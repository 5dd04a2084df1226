// Databricks REST access, hand-written on purpose. The SDK (@databricks/sdk-experimental 0.17,
// pinned) provides configuration, PAT authentication and the error model; this wrapper owns the
// transport because the SDK's falls short for scheduled backups at scale:
//  - its retry loop re-sends every request on 429 (including non-idempotent POSTs such as
//    jobs/create, which would create a job twice), ignores Retry-After and does not retry 503/504;
//  - its iterators stop at an empty page that still carries a next_page_token (Unity Catalog does
//    return those), silently truncating listings;
//  - it sends PATCH requests without their body;
//  - it has no shared rate limit per workspace and API family;
//  - its managed-identity mode does not work inside Azure Functions, so Entra tokens come from
//    @azure/identity here.
// Re-check these before replacing this transport with the SDK's.
import { Config } from "@databricks/sdk-experimental";
import { parseErrorFromResponse } from "@databricks/sdk-experimental/dist/apierr.js";
import type { TokenCredential } from "@azure/core-auth";
import { AzdrError, type AzdrErrorCode } from "../errors.js";
import { RateLimiter, parseRetryAfter, sleep } from "./rate-limit.js";

/** Azure Databricks' application id: the audience of Entra tokens for the workspace APIs. */
export const AZURE_DATABRICKS_SCOPE = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default";

/** API families and Databricks' published per-workspace limits (requests per second). */
export const PUBLISHED_LIMITS = {
  "workspace.export": 60,
  "workspace.list": 50,
  "workspace.import": 30,
  "workspace.other": 30,
  jobs: 20,
  "unity-catalog": 30,
  compute: 20,
  secrets: 20,
  permissions: 20,
  repos: 20,
  sql: 10,
  other: 20,
} as const;
export type ApiFamily = keyof typeof PUBLISHED_LIMITS;

export type DatabricksAuth = { type: "pat"; token: string } | { type: "entra"; credential: TokenCredential };

export interface DatabricksClientOptions {
  host: string;
  auth: DatabricksAuth;
  /** Share of the published limits this client may use (scheduled backups: 0.5). */
  rateShare?: number;
  /** Concurrent requests in flight to this workspace from this process (Databricks allows 20). */
  maxConcurrent?: number;
  /** Attempts per request for retryable failures (throttling, 5xx, resets). */
  maxAttempts?: number;
  /** Override the published limits (benchmarks scale them down together with latency). */
  limits?: Partial<Record<ApiFamily, number>>;
  /** Longest single wait a Retry-After may impose (longer ones, far-future dates included, are clamped). */
  maxRetryAfterMs?: number;
  /** Total time one call may spend waiting between attempts; beyond it, it fails as THROTTLED/UNAVAILABLE (retryable). */
  retryBudgetMs?: number;
  /** Per attempt: connect, response and body; a hung socket is aborted (and retried when idempotent). */
  requestTimeoutMs?: number;
  /** Called on every retry, for progress and logs (never with request bodies). */
  onRetry?: (info: {
    method: string;
    path: string;
    family: ApiFamily;
    attempt: number;
    waitMs: number;
    reason: string;
    throttled: boolean;
  }) => void;
}

export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  family?: ApiFamily;
  /**
   * Whether re-sending is safe. GET/PUT/DELETE/PATCH default to true; POST to false, so a POST
   * that may have reached the server (5xx, reset) is not re-sent. A 429 is always safe to retry:
   * the request was rejected before it ran.
   */
  idempotent?: boolean;
  abortSignal?: AbortSignal;
}

// One limiter per workspace host and API family, shared by every client in the process, so
// concurrent activities together stay within the share of the published limits.
const limiters = new Map<string, RateLimiter>();

function limiterFor(
  host: string,
  family: ApiFamily | "workspace-total",
  perSecond: number,
  maxConcurrent: number,
): RateLimiter {
  const key = `${host}|${family}`;
  let limiter = limiters.get(key);
  if (!limiter) {
    limiter = new RateLimiter(perSecond, maxConcurrent);
    limiters.set(key, limiter);
  }
  return limiter;
}

/** Forget every shared limiter (tests and benchmarks that change limits between runs). */
export function resetDatabricksLimiters(): void {
  limiters.clear();
}

/**
 * A 400 whose message says the object is over a size limit: workspaces answer oversized exports with
 * a plain BAD_REQUEST "Notebook size exceeded limit: N > 10485760" as well as the documented codes.
 */
const SIZE_LIMIT_MESSAGE = /size exceeded limit|exceeded max size|exceeds? the (maximum|max) size/i;

function codeFor(status: number, errorCode: string | undefined, message = ""): AzdrErrorCode {
  if (errorCode === "RESOURCE_DOES_NOT_EXIST" || errorCode === "NOT_FOUND" || status === 404)
    return "NOT_FOUND";
  // Unity Catalog names the securable: CATALOG_ALREADY_EXISTS, SCHEMA_DOES_NOT_EXIST, …
  if (errorCode?.endsWith("_DOES_NOT_EXIST")) return "NOT_FOUND";
  if (errorCode === "ALREADY_EXISTS" || errorCode?.endsWith("_ALREADY_EXISTS")) return "ALREADY_EXISTS";
  if (errorCode === "MAX_NOTEBOOK_SIZE_EXCEEDED" || errorCode === "MAX_READ_SIZE_EXCEEDED")
    return "TOO_LARGE";
  if (status === 400 && SIZE_LIMIT_MESSAGE.test(message)) return "TOO_LARGE";
  if (status === 429) return "THROTTLED";
  if (status === 401) return "UNAUTHORIZED";
  if (status === 403) return "FORBIDDEN";
  if (status === 409) return "CONFLICT";
  if (status >= 500) return "UNAVAILABLE";
  return "INVALID_INPUT";
}

export class DatabricksError extends AzdrError {
  constructor(
    code: AzdrErrorCode,
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(code, message, options);
  }
}

export class DatabricksClient {
  readonly host: string;
  private readonly sdkConfig: Config | undefined;
  private readonly options: Required<
    Pick<
      DatabricksClientOptions,
      "rateShare" | "maxConcurrent" | "maxAttempts" | "maxRetryAfterMs" | "retryBudgetMs" | "requestTimeoutMs"
    >
  > &
    DatabricksClientOptions;
  /** Requests sent, by family: benchmarks and progress read it. */
  readonly sent: Partial<Record<ApiFamily, number>> = {};

  constructor(options: DatabricksClientOptions) {
    this.host = options.host.replace(/\/+$/, "");
    const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    this.options = {
      rateShare: 0.5,
      maxConcurrent: 8,
      maxAttempts: 8,
      requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      ...options,
      maxRetryAfterMs,
      // Default budget: a few capped waits, so a call never waits much longer than its Retry-After cap allows.
      retryBudgetMs: options.retryBudgetMs ?? 3 * maxRetryAfterMs,
    };
    if (options.auth.type === "pat") {
      // The SDK resolves and applies PAT auth; we never log the header.
      this.sdkConfig = new Config({ host: this.host, token: options.auth.token, authType: "pat" });
    }
  }

  private async authorize(headers: Headers): Promise<void> {
    if (this.sdkConfig) {
      await this.sdkConfig.authenticate(headers);
      return;
    }
    const auth = this.options.auth as Extract<DatabricksAuth, { type: "entra" }>;
    const token = await auth.credential.getToken(AZURE_DATABRICKS_SCOPE);
    if (!token) throw new AzdrError("UNAUTHORIZED", `no Entra ID token for ${this.host}`);
    headers.set("Authorization", `Bearer ${token.token}`);
  }

  private limiter(family: ApiFamily): RateLimiter {
    const published = this.options.limits?.[family] ?? PUBLISHED_LIMITS[family];
    return limiterFor(
      this.host,
      family,
      Math.max(0.1, published * this.options.rateShare),
      this.options.maxConcurrent,
    );
  }

  /** Concurrency cap for the whole workspace (no rate: the families pace themselves). */
  private workspaceSlots(): RateLimiter {
    return limiterFor(this.host, "workspace-total", Number.MAX_SAFE_INTEGER, this.options.maxConcurrent);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const family = options.family ?? familyFor(path);
    const limiter = this.limiter(family);
    const idempotent = options.idempotent ?? method !== "POST";
    const url = new URL(path, `${this.host}/`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let attempt = 0;
    let waitedMs = 0;
    /** Wait before the next attempt, or false when the call's retry budget cannot cover it. */
    const waitBeforeRetry = async (waitMs: number, reason: string, throttled: boolean): Promise<boolean> => {
      if (waitedMs + waitMs > this.options.retryBudgetMs) return false;
      waitedMs += waitMs;
      this.options.onRetry?.({ method, path, family, attempt, waitMs, reason, throttled });
      await sleep(waitMs, options.abortSignal);
      return true;
    };
    for (;;) {
      attempt++;
      const headers = new Headers({ Accept: "application/json" });
      if (options.body !== undefined) headers.set("Content-Type", "application/json");
      await this.authorize(headers);
      // Family pace first, then a slot of the workspace-wide cap: Databricks counts concurrent
      // requests per workspace, across every API family.
      const releaseFamily = await limiter.acquire(options.abortSignal);
      let releaseWorkspace: () => void;
      try {
        releaseWorkspace = await this.workspaceSlots().acquire(options.abortSignal);
      } catch (error) {
        releaseFamily();
        throw error;
      }
      const release = () => {
        releaseWorkspace();
        releaseFamily();
      };
      this.sent[family] = (this.sent[family] ?? 0) + 1;
      // One deadline per attempt for connect, headers and body: a hung socket never holds a call.
      const timeout = AbortSignal.timeout(this.options.requestTimeoutMs);
      const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal,
        });
        text = await response.text();
      } catch (error) {
        if (options.abortSignal?.aborted) throw error;
        const reason = timeout.aborted
          ? `no response within ${Math.round(this.options.requestTimeoutMs / 1000)} s (limits.requestTimeoutSeconds)`
          : `connection failed (${describe(error)})`;
        // The request may have reached the server: only idempotent calls are re-sent.
        if (
          idempotent &&
          attempt < this.options.maxAttempts &&
          (await waitBeforeRetry(backoffMs(attempt), reason, false))
        )
          continue;
        throw new DatabricksError("UNAVAILABLE", `${method} ${path}: ${reason}`, 0, undefined, {
          cause: error,
        });
      } finally {
        release();
      }
      if (response.ok) {
        this.workspaceSlots().succeeded();
        return (text.length === 0 ? {} : JSON.parse(text)) as T;
      }

      const apiError = parseErrorFromResponse(response.status, response.statusText, text);
      const errorCode = apiError.errorCode || undefined;
      const retryAfterHeader = response.headers.get("retry-after");
      const askedMs = parseRetryAfter(retryAfterHeader, Date.now());
      // Honoured up to the cap: an hour-long (or year-9999) Retry-After must not stall the family.
      const retryAfterMs =
        askedMs === undefined ? undefined : Math.min(askedMs, this.options.maxRetryAfterMs);
      const concurrencyLimited = /concurrent request/i.test(apiError.message);
      const throttled = response.status === 429 || concurrencyLimited;
      // 500 too: Databricks answers INTERNAL_ERROR for passing faults; only idempotent calls re-send.
      const transient = response.status >= 500 && response.status !== 501;
      // Too many in flight: use fewer connections (and wait briefly) rather than pausing the family.
      if (concurrencyLimited) this.workspaceSlots().shrinkConcurrency();
      else if (throttled) limiter.backOff(retryAfterMs ?? backoffMs(attempt));
      const reason = `${response.status} ${errorCode ?? ""}`.trim();
      let overBudget = false;
      if (attempt < this.options.maxAttempts && (throttled || (transient && idempotent))) {
        const waitMs = retryAfterMs ?? (concurrencyLimited ? 100 + Math.random() * 200 : backoffMs(attempt));
        if (await waitBeforeRetry(waitMs, reason, throttled)) continue;
        overBudget = true;
      }
      const code = codeFor(response.status, errorCode, apiError.message);
      const budgetNote = overBudget
        ? `; gave up after waiting ${Math.round(waitedMs / 1000)} s of this call's ${Math.round(this.options.retryBudgetMs / 1000)} s retry budget${
            askedMs !== undefined && askedMs > this.options.maxRetryAfterMs
              ? ` (Retry-After asked for ${Math.round(askedMs / 1000)} s, capped at ${Math.round(this.options.maxRetryAfterMs / 1000)} s: limits.maxRetryAfterSeconds)`
              : ""
          }`
        : "";
      throw new DatabricksError(
        code,
        `${method} ${path}: ${response.status} ${errorCode ?? ""} ${apiError.message}${budgetNote}`.trim(),
        response.status,
        errorCode,
        {
          ...(retryAfterMs !== undefined ? { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) } : {}),
        },
      );
    }
  }

  get<T>(
    path: string,
    query?: RequestOptions["query"],
    options: Omit<RequestOptions, "query"> = {},
  ): Promise<T> {
    return this.request<T>("GET", path, { ...options, ...(query ? { query } : {}) });
  }

  post<T>(path: string, body: unknown, options: Omit<RequestOptions, "body"> = {}): Promise<T> {
    return this.request<T>("POST", path, { ...options, body });
  }

  /**
   * Every item of a page_token-paginated list. Unlike the SDK's iterators, it continues past an
   * empty page that still carries a next_page_token.
   */
  async *paginate<T>(
    path: string,
    itemsKey: string,
    query: RequestOptions["query"] = {},
    options: { family?: ApiFamily; abortSignal?: AbortSignal; maxPages?: number } = {},
  ): AsyncIterableIterator<T> {
    let pageToken: string | undefined;
    const maxPages = options.maxPages ?? 100_000;
    for (let page = 0; page < maxPages; page++) {
      const response = await this.get<Record<string, unknown>>(
        path,
        { ...query, ...(pageToken ? { page_token: pageToken } : {}) },
        {
          ...(options.family ? { family: options.family } : {}),
          ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
        },
      );
      const items = (response[itemsKey] as T[] | undefined) ?? [];
      for (const item of items) yield item;
      const next = response["next_page_token"];
      if (typeof next !== "string" || next.length === 0 || next === pageToken) return;
      pageToken = next;
    }
    throw new AzdrError(
      "INTERNAL",
      `${path}: more than ${maxPages} pages; stopping to avoid an endless loop`,
    );
  }
}

export function familyFor(path: string): ApiFamily {
  if (path.includes("/workspace/export")) return "workspace.export";
  if (path.includes("/workspace/list")) return "workspace.list";
  if (path.includes("/workspace/import")) return "workspace.import";
  if (path.includes("/workspace/")) return "workspace.other";
  if (path.includes("/jobs/")) return "jobs";
  if (path.includes("/unity-catalog/")) return "unity-catalog";
  if (/\/(clusters|policies|instance-pools|global-init-scripts)\//.test(path)) return "compute";
  if (path.includes("/secrets/")) return "secrets";
  if (path.includes("/permissions/")) return "permissions";
  if (path.includes("/repos")) return "repos";
  if (path.includes("/sql/")) return "sql";
  return "other";
}

function backoffMs(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** (attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause?.code;
  return cause ?? (error instanceof Error ? error.message : String(error));
}
