// Delivery: every notification goes to every sink that wants its event, at least once. Each sink
// gets a bounded number of attempts with exponential backoff (Retry-After honoured when short);
// after the budget, or on an answer that retrying cannot fix (4xx), a dead-letter record is written
// to the store. Floods are summarised: per component and event, one message per interval; the
// events held back are counted and named in the next message (or in flush(), run by the RPO timer).
import { createHash } from "node:crypto";
import type { NotificationSinkConfig, PlatformConfig } from "../config/schema.js";
import type { Logger } from "../sources/context.js";
import type { BlobStorageClient } from "../clients/storage.js";
import {
  NOTIFICATION_DEAD_LETTER_PREFIX,
  NOTIFICATION_FLOOD_PREFIX,
  REPORTS_CONTAINER,
  notificationDeadLetterPath,
  notificationFloodPath,
} from "../store/layout.js";
import { dashboardLink, type Notification } from "./events.js";
import { knownSecrets, redactNotification } from "./redact.js";
import { buildRequest } from "./sinks.js";

export interface DeadLetter {
  notification: Notification;
  sinkId: string;
  sinkType: NotificationSinkConfig["type"];
  attempts: number;
  /** Why delivery stopped: status codes and error names only, never the URL (it is a secret). */
  lastError: string;
  deadLetteredAt: string;
}

export type SinkOutcome =
  | { sinkId: string; outcome: "delivered"; attempts: number }
  | { sinkId: string; outcome: "dead-lettered"; attempts: number; reason: string; path: string };

export interface NotifyResult {
  notificationId: string;
  /** True when flood control held the notification back (counted for the next summary). */
  held: boolean;
  sinks: SinkOutcome[];
}

export interface NotifierOptions {
  config: PlatformConfig;
  env: Record<string, string | undefined>;
  blobs: BlobStorageClient;
  log: Logger;
  fetch?: typeof fetch;
  /** Backoff waits; tests pass a recorder so nothing really waits. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Per-attempt timeout. */
  timeoutMs?: number;
}

interface FloodWindow {
  key: string;
  event: Notification["event"];
  component: string;
  windowStart: string;
  held: number;
  heldSince?: string;
  titles: string[];
}

const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
const HELD_TITLES = 5;
/** Someone must act on these: never held back (one restore per target runs at a time anyway). */
const NEVER_HELD = new Set<Notification["event"]>([
  "restore-awaiting-approval",
  "restore-awaiting-checkpoint",
]);

class PermanentError extends Error {}

function hashKey(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export class Notifier {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;
  private readonly secrets: string[];

  constructor(private readonly options: NotifierOptions) {
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? (() => new Date());
    this.secrets = knownSecrets(options.config, options.env);
  }

  get enabled(): boolean {
    return this.options.config.notifications.sinks.length > 0;
  }

  /** Never throws: a notification problem must not fail the backup or restore that raised it. */
  async notify(notification: Notification): Promise<NotifyResult> {
    const dashboardUrl = this.options.config.notifications.dashboardUrl;
    const linked =
      dashboardUrl && notification.anchor
        ? {
            ...notification,
            links: [...notification.links, dashboardLink(dashboardUrl, notification.anchor)],
          }
        : notification;
    const safe = redactNotification(linked, this.secrets);
    const result: NotifyResult = { notificationId: safe.id, held: false, sinks: [] };
    if (!this.enabled) return result;
    try {
      const outgoing = NEVER_HELD.has(safe.event) ? safe : await this.throttle(safe);
      if (!outgoing) return { ...result, held: true };
      result.sinks = await this.deliverToSinks(outgoing);
    } catch (error) {
      this.options.log.error("notification not delivered", {
        notificationId: safe.id,
        error: this.describe(error),
      });
    }
    return result;
  }

  /** Sends a summary for every flood window that has ended with events still held back. */
  async flush(): Promise<NotifyResult[]> {
    if (!this.enabled) return [];
    const results: NotifyResult[] = [];
    const now = this.now();
    for await (const blob of this.options.blobs.list(REPORTS_CONTAINER, NOTIFICATION_FLOOD_PREFIX)) {
      const body = await this.options.blobs.get(REPORTS_CONTAINER, blob.name);
      if (!body) continue;
      const window = JSON.parse(body.toString("utf8")) as FloodWindow;
      if (window.held === 0 || now.getTime() - Date.parse(window.windowStart) < this.intervalMs()) continue;
      const summary: Notification = {
        id: `summary:${window.key}:${window.windowStart}`,
        event: window.event,
        severity: "warning",
        component: window.component,
        title: `${window.held} ${window.event} notification(s) held back for ${window.component}`,
        summary: `Flood control held back ${window.held} notification(s) since ${window.heldSince ?? window.windowStart}; the latest: ${window.titles.at(-1) ?? ""}`,
        facts: [],
        links: [],
        at: now.toISOString(),
        suppressed: {
          count: window.held,
          since: window.heldSince ?? window.windowStart,
          titles: window.titles,
        },
      };
      await this.writeWindow({ ...window, windowStart: now.toISOString(), held: 0, titles: [] }, blob.name);
      results.push({
        notificationId: summary.id,
        held: false,
        sinks: await this.deliverToSinks(redactNotification(summary, this.secrets)),
      });
    }
    return results;
  }

  /** Dead-letter records, newest day first (the dashboard and tests read them). */
  async deadLetters(): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for await (const blob of this.options.blobs.list(REPORTS_CONTAINER, NOTIFICATION_DEAD_LETTER_PREFIX)) {
      const body = await this.options.blobs.get(REPORTS_CONTAINER, blob.name);
      if (body) out.push(JSON.parse(body.toString("utf8")) as DeadLetter);
    }
    return out.sort((a, b) => b.deadLetteredAt.localeCompare(a.deadLetteredAt));
  }

  private intervalMs(): number {
    return this.options.config.notifications.summariseMinutes * 60_000;
  }

  private async writeWindow(window: FloodWindow, path: string): Promise<void> {
    await this.options.blobs.put(REPORTS_CONTAINER, path, JSON.stringify(window), "application/json");
  }

  /** The notification to send now (with what was held back), or undefined when it is held. */
  private async throttle(n: Notification): Promise<Notification | undefined> {
    const key = `${n.component}|${n.event}`;
    const path = notificationFloodPath(hashKey(key));
    const body = await this.options.blobs.get(REPORTS_CONTAINER, path);
    const window = body ? (JSON.parse(body.toString("utf8")) as FloodWindow) : undefined;
    const now = this.now();
    if (window && now.getTime() - Date.parse(window.windowStart) < this.intervalMs()) {
      await this.writeWindow(
        {
          ...window,
          held: window.held + 1,
          heldSince: window.heldSince ?? n.at,
          titles: [...window.titles, n.title].slice(-HELD_TITLES),
        },
        path,
      );
      return undefined;
    }
    await this.writeWindow(
      { key, event: n.event, component: n.component, windowStart: now.toISOString(), held: 0, titles: [] },
      path,
    );
    return window && window.held > 0
      ? {
          ...n,
          suppressed: {
            count: window.held,
            since: window.heldSince ?? window.windowStart,
            titles: window.titles,
          },
        }
      : n;
  }

  private async deliverToSinks(n: Notification): Promise<SinkOutcome[]> {
    const sinks = this.options.config.notifications.sinks.filter(
      (s) => !s.events || s.events.includes(n.event),
    );
    return Promise.all(sinks.map((sink) => this.deliver(sink, n)));
  }

  private async deliver(sink: NotificationSinkConfig, n: Notification): Promise<SinkOutcome> {
    const maxAttempts = this.options.config.notifications.maxAttempts;
    const setting = sink.type === "email" ? sink.connectionStringSetting : sink.urlSetting;
    const secret = this.options.env[setting];
    let attempts = 0;
    let lastError = "";
    if (!secret) {
      lastError = `app setting ${setting} is empty: set it to the ${sink.type === "email" ? "ACS connection string" : "webhook URL"} (a Key Vault reference in Azure)`;
    } else {
      for (attempts = 1; attempts <= maxAttempts; attempts++) {
        try {
          const request = buildRequest(sink, n, secret, this.now());
          const response = await this.fetch(request.url, {
            method: "POST",
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(this.options.timeoutMs ?? 15_000),
          });
          await response.arrayBuffer().catch(() => undefined);
          if (response.ok) return { sinkId: sink.id, outcome: "delivered", attempts };
          lastError = `HTTP ${response.status}`;
          if (response.status < 500 && response.status !== 408 && response.status !== 429)
            throw new PermanentError(`${lastError}: the receiver refused the request; retrying cannot help`);
          if (attempts < maxAttempts) {
            const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1));
            const asked = retryAfterMs(response.headers.get("retry-after"));
            await this.sleep(
              asked !== undefined && asked <= MAX_BACKOFF_MS ? Math.max(asked, backoff) : backoff,
            );
          }
        } catch (error) {
          if (error instanceof PermanentError) {
            lastError = error.message;
            break;
          }
          lastError = this.describe(error);
          if (attempts < maxAttempts)
            await this.sleep(Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempts - 1)));
        }
      }
      attempts = Math.min(attempts, maxAttempts);
    }
    return this.deadLetter(sink, n, attempts, lastError);
  }

  private async deadLetter(
    sink: NotificationSinkConfig,
    n: Notification,
    attempts: number,
    lastError: string,
  ): Promise<SinkOutcome> {
    const at = this.now();
    const path = notificationDeadLetterPath(at, `${sink.id}-${hashKey(n.id)}`);
    const record: DeadLetter = {
      notification: n,
      sinkId: sink.id,
      sinkType: sink.type,
      attempts,
      lastError,
      deadLetteredAt: at.toISOString(),
    };
    await this.options.blobs.put(
      REPORTS_CONTAINER,
      path,
      JSON.stringify(record, null, 2),
      "application/json",
    );
    this.options.log.warn("notification dead-lettered", {
      sinkId: sink.id,
      notificationId: n.id,
      attempts,
      reason: lastError,
      path,
    });
    return { sinkId: sink.id, outcome: "dead-lettered", attempts, reason: lastError, path };
  }

  /** Error text without URLs or values: fetch errors can name the target URL, which is a secret. */
  private describe(error: unknown): string {
    if (!(error instanceof Error)) return "unknown error";
    const cause = (error as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (error as { code?: string }).code;
    return (
      [error.name, code].filter(Boolean).join(" ") +
      (error.name === "TimeoutError" ? " (no answer in time)" : "")
    );
  }
}
