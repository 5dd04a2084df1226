// LocalApp: the registered app running in-process around a LocalDurableHost.
//
// - A loopback HTTP server plays the Functions host: `/api/<route>` reaches the captured HTTP
//   triggers, and `/runtime/webhooks/durabletask/…` is the Durable HTTP API that durable-functions'
//   own DurableClient talks to (its rpcBaseUrl). So `df.getClient(context)` works UNCHANGED in
//   trigger handlers: their InvocationContext carries durable-client binding data pointing here.
// - Helpers invoke captured triggers with real HttpRequest / InvocationContext objects, timer
//   payloads and queue messages (with the poison-queue behaviour of the queue trigger).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
// Default import: @azure/functions is a CommonJS bundle whose class exports Node's ESM loader cannot
// detect statically; named value imports of them only work under vitest (see invocation.ts).
import functions, { type HttpResponse, type InvocationContext, type Timer } from "@azure/functions";
import * as df from "durable-functions";
import { isAzdrError } from "../lib/errors.js";
import { InstanceAlreadyRunningError, InstanceNotFoundError } from "./errors.js";
import type { LocalDurableHost } from "./host.js";
import { newInvocationContext, type HostLogger } from "./invocation.js";
import type { RegisteredFunction } from "./registry.js";
import type { RuntimeStatus } from "./store.js";

const WEBHOOK_PREFIX = "/runtime/webhooks/durabletask/";

/** Where queue messages that cannot be processed end up (`<queue>-poison`). */
export interface PoisonEntry {
  queue: string;
  message: string;
  reason: string;
  attempts: number;
  poisonedAt: string;
}

export interface PoisonSink {
  send(poisonQueue: string, entry: PoisonEntry): Promise<void>;
}

export class MemoryPoisonSink implements PoisonSink {
  readonly queues = new Map<string, PoisonEntry[]>();
  async send(poisonQueue: string, entry: PoisonEntry): Promise<void> {
    this.queues.set(poisonQueue, [...(this.queues.get(poisonQueue) ?? []), entry]);
  }
  messages(poisonQueue: string): PoisonEntry[] {
    return this.queues.get(poisonQueue) ?? [];
  }
}

/** Azure Storage queues (or Azurite): the entry as JSON, base64 like the Functions host encodes. */
export class StorageQueuePoisonSink implements PoisonSink {
  constructor(private readonly service: { getQueueClient(name: string): QueueClientLike }) {}
  async send(poisonQueue: string, entry: PoisonEntry): Promise<void> {
    const queue = this.service.getQueueClient(poisonQueue);
    await queue.createIfNotExists();
    await queue.sendMessage(Buffer.from(JSON.stringify(entry)).toString("base64"));
  }
}
interface QueueClientLike {
  createIfNotExists(): Promise<unknown>;
  sendMessage(text: string): Promise<unknown>;
}

export interface LocalAppOptions {
  host: LocalDurableHost;
  /** Loopback port; default any free port. */
  port?: number;
  /** Queue trigger: deliveries before a message goes to `<queue>-poison` (host.json default 5). */
  maxDequeueCount?: number;
  poison?: PoisonSink;
  log?: HostLogger;
  /**
   * Play App Service authentication in front of the HTTP routes served on the loopback port: every
   * `x-ms-client-principal*` header a caller sent is dropped, the Authorization header is mapped to
   * a principal (base64 JSON as App Service injects it; undefined answers 401), and
   * WEBSITE_AUTH_ENABLED=True is set as App Service sets it.
   */
  easyAuth?: (authorization: string | undefined) => string | undefined;
}

export interface HttpInvocation {
  method?: string;
  /** Path under /api (e.g. "restore/workspace"); default: the route with `params` filled in. */
  path?: string;
  /** Full URL (overrides `path`). */
  url?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A string or bytes as is; anything else is sent as JSON. */
  body?: unknown;
}

export type QueueOutcome =
  | { outcome: "completed"; attempts: number }
  | { outcome: "poisoned"; attempts: number; reason: string; poisonQueue: string };

/** A thrown error that must not be retried: a validation error flagged by the handler. */
export function isNonRetryable(error: unknown): boolean {
  return (
    isAzdrError(error, "INVALID_INPUT") ||
    (typeof error === "object" &&
      error !== null &&
      (error as { nonRetryable?: unknown }).nonRetryable === true)
  );
}

export class LocalApp {
  readonly host: LocalDurableHost;
  readonly poison: PoisonSink;
  private readonly maxDequeueCount: number;
  private readonly log: HostLogger;
  private server: Server | undefined;
  private setHostname: string | undefined;
  private setAuthEnabled = false;
  private readonly easyAuth: LocalAppOptions["easyAuth"];
  private origin_ = "";

  private constructor(options: LocalAppOptions) {
    this.host = options.host;
    this.poison = options.poison ?? new MemoryPoisonSink();
    this.maxDequeueCount = options.maxDequeueCount ?? 5;
    this.log = options.log ?? (() => undefined);
    this.easyAuth = options.easyAuth;
  }

  /** Starts the loopback server (Durable HTTP API + the app's HTTP routes). */
  static async start(options: LocalAppOptions): Promise<LocalApp> {
    const app = new LocalApp(options);
    const server = createServer((req, res) => void app.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    app.server = server;
    app.origin_ = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // As the Functions host does: durable-functions only trusts the binding's URLs when
    // WEBSITE_HOSTNAME is set (otherwise it rewrites them to localhost:7071).
    if (!process.env.WEBSITE_HOSTNAME) {
      app.setHostname = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      process.env.WEBSITE_HOSTNAME = app.setHostname;
    }
    if (options.easyAuth && process.env.WEBSITE_AUTH_ENABLED === undefined) {
      app.setAuthEnabled = true;
      process.env.WEBSITE_AUTH_ENABLED = "True";
    }
    return app;
  }

  /** e.g. http://127.0.0.1:54321 — `${origin}/api/<route>` reaches the HTTP triggers. */
  get origin(): string {
    return this.origin_;
  }

  async close(): Promise<void> {
    if (this.setHostname && process.env.WEBSITE_HOSTNAME === this.setHostname)
      delete process.env.WEBSITE_HOSTNAME;
    if (this.setAuthEnabled) delete process.env.WEBSITE_AUTH_ENABLED;
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  /** The durable client binding data the Durable Task extension hands a trigger (rpcBaseUrl & co). */
  durableClientData() {
    const base = `${this.origin}${WEBHOOK_PREFIX}`;
    const q = `taskHub=${encodeURIComponent(this.host.taskHubName)}&connection=Storage&code=local`;
    const instance = `${base}instances/INSTANCEID`;
    return {
      taskHubName: this.host.taskHubName,
      creationUrls: {
        createNewInstancePostUri: `${base}orchestrators/{functionName}[/{instanceId}]?${q}`,
        createAndWaitOnNewInstancePostUri: `${base}orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${q}`,
      },
      managementUrls: {
        id: "INSTANCEID",
        statusQueryGetUri: `${instance}?${q}`,
        sendEventPostUri: `${instance}/raiseEvent/{eventName}?${q}`,
        terminatePostUri: `${instance}/terminate?reason={text}&${q}`,
        rewindPostUri: `${instance}/rewind?reason={text}&${q}`,
        purgeHistoryDeleteUri: `${instance}?${q}`,
        restartPostUri: `${instance}/restart?${q}`,
        suspendPostUri: `${instance}/suspend?reason={text}&${q}`,
        resumePostUri: `${instance}/resume?reason={text}&${q}`,
      },
      baseUrl: `${this.origin}${WEBHOOK_PREFIX.slice(0, -1)}`,
      requiredQueryStringParameters: q,
      rpcBaseUrl: base,
    };
  }

  /** durable-functions' own DurableClient, talking to this host (for the CLI and tests). */
  client(): df.DurableClient {
    const clientInput = df.input.durableClient();
    const context = new functions.InvocationContext({
      functionName: "azdrLocalClient",
      options: { extraInputs: [clientInput] },
    });
    context.extraInputs.set(clientInput, this.durableClientData());
    return df.getClient(context);
  }

  /** A real InvocationContext for `fn`, with durable-client inputs bound to this host. */
  invocationContext(
    fn: RegisteredFunction,
    extra: {
      triggerMetadata?: Record<string, unknown>;
      retryContext?: { retryCount: number; maxRetryCount: number };
    } = {},
  ): InvocationContext {
    const context = newInvocationContext(fn, this.log, fn.name, extra);
    for (const input of fn.extraInputs) {
      if (input.type === "durableClient" || input.type === "orchestrationClient") {
        context.extraInputs.set(input.name, this.durableClientData());
      }
    }
    return context;
  }

  // ---------------------------------------------------------------------------------------------
  // Trigger invocation

  /** Calls an HTTP trigger with a real HttpRequest; handler errors become a 500 like the host. */
  async invokeHttp(name: string, call: HttpInvocation = {}): Promise<HttpResponse> {
    const fn = this.host.registry.get(name, "http");
    const route = routeOf(fn);
    const path = call.path ?? fillRoute(route, call.params ?? {});
    const url = new URL(call.url ?? `${this.origin}/api/${path.replace(/^\/+/, "")}`);
    for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
    const params = call.params ?? matchRoute(route, url.pathname.replace(/^\/api\/?/, "")) ?? {};
    const headers: Record<string, string> = { ...call.headers };
    let body: { string?: string; bytes?: Uint8Array } | undefined;
    if (typeof call.body === "string") body = { string: call.body };
    else if (call.body instanceof Uint8Array) body = { bytes: call.body };
    else if (call.body !== undefined) {
      body = { string: JSON.stringify(call.body) };
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
        headers["content-type"] = "application/json";
    }
    const methods = (fn.trigger.methods as string[] | undefined) ?? ["GET"];
    const request = new functions.HttpRequest({
      method: (call.method ?? methods[0] ?? "GET").toUpperCase(),
      url: url.href,
      headers,
      query: Object.fromEntries(url.searchParams),
      params,
      ...(body ? { body } : {}),
    });
    try {
      const result = await fn.handler(request, this.invocationContext(fn));
      if (result instanceof functions.HttpResponse) return result;
      if (result === undefined || result === null) return new functions.HttpResponse({ status: 204 });
      return new functions.HttpResponse(result);
    } catch (error) {
      this.log("error", `[${name}] ${error instanceof Error ? error.message : String(error)}`);
      return new functions.HttpResponse({ status: 500 });
    }
  }

  /** Calls a timer trigger with a timer payload. */
  async invokeTimer(name: string, timer: Partial<Timer> = {}): Promise<void> {
    const fn = this.host.registry.get(name, "timer");
    const now = this.host.now();
    const payload: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: now.toISOString(), next: now.toISOString(), lastUpdated: now.toISOString() },
      ...timer,
    };
    await fn.handler(payload, this.invocationContext(fn));
  }

  /** Calls an Event Grid trigger with one event (JSON round-tripped). */
  async invokeEventGrid(name: string, event: unknown): Promise<unknown> {
    const fn = this.host.registry.get(name, "eventGrid");
    return fn.handler(JSON.parse(JSON.stringify(event)) as unknown, this.invocationContext(fn));
  }

  /**
   * Delivers a queue message like the queue trigger: JSON messages arrive parsed; a failing
   * message is redelivered up to maxDequeueCount times, then moved to `<queue>-poison` with the
   * reason. A non-retryable error (isNonRetryable) goes to poison at once.
   */
  async invokeQueue(
    name: string,
    message: unknown,
    /** id: the queue message id; pass one again to simulate a redelivery of the same message. */
    options: { maxDequeueCount?: number; id?: string } = {},
  ): Promise<QueueOutcome> {
    const fn = this.host.registry.get(name, "queue");
    const queue = String(fn.trigger.queueName);
    const raw = typeof message === "string" ? message : JSON.stringify(message);
    let payload: unknown = raw;
    try {
      payload = JSON.parse(raw);
    } catch {
      // not JSON: the handler gets the string
    }
    const max = options.maxDequeueCount ?? this.maxDequeueCount;
    const id = options.id ?? randomUUID();
    const inserted = this.host.now();
    let reason = "";
    let attempts = 0;
    for (let dequeueCount = 1; dequeueCount <= max; dequeueCount++) {
      attempts = dequeueCount;
      const context = this.invocationContext(fn, {
        triggerMetadata: {
          id,
          queueTrigger: raw,
          dequeueCount,
          insertedOn: inserted.toISOString(),
          expiresOn: new Date(inserted.getTime() + 7 * 24 * 3600 * 1000).toISOString(),
          nextVisibleOn: this.host.now().toISOString(),
          popReceipt: randomUUID(),
        },
      });
      try {
        await fn.handler(JSON.parse(JSON.stringify(payload)) as unknown, context);
        // Queue output bindings the handler set (e.g. its own poison routing) are delivered too.
        let routedToPoison: string | undefined;
        for (const binding of fn.extraOutputs.filter((b) => b.type === "queue")) {
          const value: unknown = context.extraOutputs.get({ name: binding.name, type: binding.type });
          if (value === undefined) continue;
          const target = String(binding["queueName"]);
          const routed = value as { reason?: unknown };
          await this.poison.send(target, {
            queue,
            message: raw,
            reason: typeof routed.reason === "string" ? routed.reason : JSON.stringify(value),
            attempts,
            poisonedAt: this.host.now().toISOString(),
          });
          if (target === `${queue}-poison`)
            routedToPoison = typeof routed.reason === "string" ? routed.reason : target;
        }
        if (routedToPoison !== undefined) {
          const reason = `routed by the handler: ${routedToPoison}`;
          this.log("warn", `[${name}] message ${id} moved to ${routedToPoison} by the handler`);
          return { outcome: "poisoned", attempts, reason, poisonQueue: `${queue}-poison` };
        }
        return { outcome: "completed", attempts };
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        if (isNonRetryable(error)) {
          reason = `non-retryable: ${text}`;
          break;
        }
        reason = `failed ${dequeueCount} time(s), maxDequeueCount ${max}: ${text}`;
      }
    }
    const poisonQueue = `${queue}-poison`;
    this.log("warn", `[${name}] message ${id} moved to ${poisonQueue}: ${reason}`);
    await this.poison.send(poisonQueue, {
      queue,
      message: raw,
      reason,
      attempts,
      poisonedAt: this.host.now().toISOString(),
    });
    return { outcome: "poisoned", attempts, reason, poisonQueue };
  }

  // ---------------------------------------------------------------------------------------------
  // The loopback server

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", this.origin);
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      if (url.pathname.startsWith(WEBHOOK_PREFIX)) {
        await this.serveDurableApi(req.method ?? "GET", url, body.toString("utf8"), res);
      } else if (url.pathname.startsWith("/api/")) {
        await this.serveRoute(req, url, body, res);
      } else {
        send(res, 404, { message: `azdr local host: nothing at ${url.pathname}` });
      }
    } catch (error) {
      send(res, 500, { message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async serveRoute(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.slice("/api/".length);
    const candidates = this.host.registry
      .byKind("http")
      .map((fn) => ({ fn, params: matchRoute(routeOf(fn), path) }))
      .filter((c) => c.params !== undefined)
      .sort((a, b) => literalSegments(routeOf(b.fn)) - literalSegments(routeOf(a.fn)));
    const match = candidates.find((c) => {
      const methods = c.fn.trigger.methods as string[] | undefined;
      return !methods || methods.map((m) => m.toUpperCase()).includes(method);
    });
    if (!match) {
      send(res, candidates.length ? 405 : 404, { message: `no HTTP function for ${method} /api/${path}` });
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).flatMap(([k, v]) =>
        v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : v]],
      ),
    );
    if (this.easyAuth) {
      for (const name of Object.keys(headers))
        if (name.toLowerCase().startsWith("x-ms-client-principal")) delete headers[name];
      const principal = this.easyAuth(headers["authorization"]);
      if (!principal) {
        send(res, 401, { message: "App Service authentication: sign in (Authorization: Bearer <token>)" });
        return;
      }
      headers["x-ms-client-principal"] = principal;
    }
    const response = await this.invokeHttp(match.fn.name, {
      method,
      url: url.href,
      params: match.params ?? {},
      headers,
      ...(body.length ? { body: new Uint8Array(body) } : {}),
    });
    const out = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.end(out);
  }

  /** The subset of the Durable Functions HTTP API that DurableClient uses (rpcBaseUrl routes). */
  private async serveDurableApi(method: string, url: URL, body: string, res: ServerResponse): Promise<void> {
    const host = this.host;
    const parts = url.pathname.slice(WEBHOOK_PREFIX.length).split("/").map(decodeURIComponent);
    const [resource, id, verb, eventName] = parts;
    const json = (text: string): unknown => (text.length ? (JSON.parse(text) as unknown) : undefined);

    if (resource === "orchestrators" && method === "POST" && id) {
      const instanceId = verb || undefined;
      try {
        const started = await host.startNew(id, { ...(instanceId ? { instanceId } : {}), input: json(body) });
        const links = this.managementPayload(started);
        send(res, 202, links, { Location: links.statusQueryGetUri });
      } catch (error) {
        if (error instanceof InstanceAlreadyRunningError) send(res, 409, { message: error.message });
        else send(res, 400, { message: error instanceof Error ? error.message : String(error) });
      }
      return;
    }
    if (resource !== "instances") {
      send(res, 501, { message: `azdr local host: ${method} ${url.pathname} is not supported` });
      return;
    }
    try {
      if (method === "GET" && !id) {
        const runtimeStatus = url.searchParams.get("runtimeStatus")?.split(",").filter(Boolean) as
          RuntimeStatus[] | undefined;
        send(res, 200, await host.listInstances(runtimeStatus ? { runtimeStatus } : {}));
      } else if (method === "GET" && id && !verb) {
        const status = await host.getStatus(id, {
          showHistory: url.searchParams.get("showHistory") === "true",
          showInput: url.searchParams.get("showInput") !== "false",
        });
        if (!status) send(res, 404, { message: `No instance with ID '${id}' found.` });
        else send(res, statusCode(status.runtimeStatus), status);
      } else if (method === "POST" && id && verb === "raiseEvent" && eventName) {
        const delivered = await host.raiseEventJson(id, eventName, body.length ? body : undefined);
        send(
          res,
          delivered ? 202 : 410,
          delivered ? undefined : { message: `Instance '${id}' is no longer running.` },
        );
      } else if (method === "POST" && id && verb === "terminate") {
        const done = await host.terminate(id, url.searchParams.get("reason") ?? "");
        send(res, done ? 202 : 410, done ? undefined : { message: `Instance '${id}' is no longer running.` });
      } else if (method === "DELETE" && id && !verb) {
        const deleted = await host.purge(id);
        send(res, deleted ? 200 : 404, { instancesDeleted: deleted ? 1 : 0 });
      } else {
        send(res, 501, { message: `azdr local host: ${method} ${url.pathname} is not supported` });
      }
    } catch (error) {
      if (error instanceof InstanceNotFoundError) send(res, 404, { message: error.message });
      else throw error;
    }
  }

  private managementPayload(instanceId: string) {
    const urls = this.durableClientData().managementUrls;
    const payload: Record<string, string> = {};
    for (const [k, v] of Object.entries(urls))
      payload[k] = v.replaceAll("INSTANCEID", encodeURIComponent(instanceId));
    return payload as typeof urls;
  }
}

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text ? { "Content-Type": "application/json" } : {}), ...headers });
  res.end(text);
}

/** The Durable HTTP API's status codes for GET instances/{id}. */
function statusCode(status: RuntimeStatus): number {
  if (status === "Pending" || status === "Running") return 202;
  if (status === "Completed") return 200;
  return 400;
}

function routeOf(fn: RegisteredFunction): string {
  return typeof fn.trigger.route === "string" ? fn.trigger.route : fn.name;
}

function literalSegments(route: string): number {
  return route.split("/").filter((s) => s && !s.startsWith("{")).length;
}

function fillRoute(route: string, params: Record<string, string>): string {
  return route
    .replace(/\{\*?([^}:?]+)(?::[^}?]*)?\??\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""))
    .replace(/\/+$/, "");
}

/** Matches a Functions route template ("restore/{scenario}/{id?}", "{*rest}", "{n:int}"). */
export function matchRoute(route: string, path: string): Record<string, string> | undefined {
  const template = route
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter(Boolean);
  const segments = path
    .replace(/^\/+|\/+$/g, "")
    .split("/")
    .filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const seg = template[i] ?? "";
    const m = /^\{(\*)?([^}:?]+)(?::[^}?]+)?(\?)?\}$/.exec(seg);
    const actual = segments[i];
    if (!m) {
      if (actual?.toLowerCase() !== seg.toLowerCase()) return undefined;
      continue;
    }
    const name = m[2] ?? "";
    if (m[1]) {
      params[name] = segments.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    if (actual === undefined) {
      if (m[3]) continue;
      return undefined;
    }
    params[name] = decodeURIComponent(actual);
  }
  return segments.length > template.length ? undefined : params;
}
