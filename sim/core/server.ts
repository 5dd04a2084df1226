// A tiny HTTP framework for the platform simulator: routing, bearer auth, fault injection and a
// request log. Every simulated service (Databricks workspaces, ARM, Key Vault, Blob) is a
// SimService mounted on its own loopback server, so real SDK clients talk to it unchanged.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { FaultPlan, type FaultRule } from "./faults.js";
import { RequestLog } from "./request-log.js";

/** Response bodies larger than this are written in slices of this size. */
const SLICE_BYTES = 16 * 1024 * 1024;

export interface SimRequest {
  method: string;
  /** Path without the query string, URL-decoded per segment by the router. */
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  /** Raw body bytes. */
  rawBody: Buffer;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: unknown;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a Buffer or string. */
  body?: unknown;
}

/**
 * Thrown by a handler to answer an API error in the service's own error body shape
 * (Databricks {"error_code","message"}, ARM {"error":{"code","message"}}, ...).
 */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "SimHttpError";
  }
}

/**
 * A whole-service outage (a deleted workspace, a region down): "refused" closes the listener
 * (connection refused, like a deleted workspace whose DNS name no longer answers), "reset" drops
 * every connection, or a fixed response answers every request.
 */
export type Outage = "refused" | "reset" | SimResponse;

export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  /** Route template, e.g. "GET /api/2.0/workspace/list": the key for faults and counters. */
  name: string;
  handler: SimHandler;
}

export interface SimServiceOptions {
  /** Service label in the request log, e.g. "databricks:ws-primary", "arm", "keyvault". */
  label: string;
  /** Bearer tokens accepted; a request without one of them gets 401 from authenticate(). */
  tokens: string[];
  /** Shape of error bodies: each service family answers errors its own way. */
  errorBody: (status: number, code: string, message: string) => unknown;
  /** Custom authentication (e.g. Key Vault's challenge). Return a response to reject. */
  authenticate?: (req: SimRequest) => SimResponse | undefined;
}

/**
 * Compile "/api/2.0/jobs/get" or "/subscriptions/:sub/resourceGroups/:rg" or a trailing "*rest"
 * wildcard into a regexp. Matching is case-insensitive, like ARM.
 */
function compile(template: string): { pattern: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      if (segment.startsWith(":")) {
        keys.push(segment.slice(1));
        return "([^/]+)";
      }
      if (segment.startsWith("*")) {
        keys.push(segment.slice(1));
        return "(.*)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { pattern: new RegExp(`^${source}/?$`, "i"), keys };
}

export class SimService {
  readonly label: string;
  readonly faults = new FaultPlan();
  readonly log: RequestLog;
  private readonly routes: Route[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<import("node:net").Socket>();
  private outageState: Outage | undefined;
  private port = 0;
  url = "";

  constructor(
    private readonly options: SimServiceOptions,
    log?: RequestLog,
  ) {
    this.label = options.label;
    this.log = log ?? new RequestLog();
  }

  route(method: string, template: string, handler: SimHandler): this {
    const { pattern, keys } = compile(template);
    this.routes.push({
      method: method.toUpperCase(),
      pattern,
      keys,
      name: `${method.toUpperCase()} ${template}`,
      handler,
    });
    return this;
  }

  /** Inject a fault on routes whose name matches (see FaultRule). */
  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  error(status: number, code: string, message: string): SimResponse {
    return { status, body: this.options.errorBody(status, code, message) };
  }

  /** Current outage, if any (see setOutage). */
  get outage(): Outage | undefined {
    return this.outageState;
  }

  /**
   * Take the whole service down ("refused" closes the listener; reopen on the same port with
   * setOutage(undefined)), or answer every request with a reset or a fixed response.
   */
  async setOutage(outage: Outage | undefined): Promise<void> {
    const wasRefused = this.outageState === "refused";
    this.outageState = outage;
    if (outage === "refused" && !wasRefused) await this.close();
    if (outage !== "refused" && wasRefused) await this.listen(this.port);
  }

  async listen(port = 0): Promise<string> {
    this.server = http.createServer((req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    const { port: bound } = this.server.address() as AddressInfo;
    this.port = bound;
    this.url = `http://127.0.0.1:${bound}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? "/", "http://sim.local");
    const method = (req.method ?? "GET").toUpperCase();
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString("utf8"));
      } catch {
        body = undefined;
      }
    }
    const route = this.routes.find((r) => r.method === method && r.pattern.test(url.pathname));
    const routeName = route?.name ?? `${method} (unmatched)`;
    const simReq: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params: {},
      rawBody,
      body,
    };
    const entry = this.log.record({
      service: this.label,
      method,
      path: url.pathname,
      route: routeName,
      query: url.search,
    });
    const send = (response: SimResponse) => {
      entry.status = response.status;
      const headers: Record<string, string> = { ...response.headers };
      let payload: Buffer | string | undefined;
      if (Buffer.isBuffer(response.body) || typeof response.body === "string") payload = response.body;
      else if (response.body !== undefined) {
        payload = JSON.stringify(response.body);
        headers["content-type"] ??= "application/json";
      }
      res.writeHead(response.status, headers);
      // Large bodies (a multi-GiB artifact) go out in slices, with back-pressure: one write of
      // more than 2 GiB is refused by the socket layer.
      if (Buffer.isBuffer(payload) && payload.length > SLICE_BYTES) {
        const body = payload;
        let offset = 0;
        const writeMore = () => {
          while (offset < body.length) {
            const slice = body.subarray(offset, offset + SLICE_BYTES);
            offset += slice.length;
            if (!res.write(slice)) return void res.once("drain", writeMore);
          }
          res.end();
        };
        writeMore();
        return;
      }
      res.end(payload);
    };
    if (this.outageState === "reset") {
      entry.status = 0;
      req.socket.destroy();
      return;
    }
    if (this.outageState !== undefined && this.outageState !== "refused") return send(this.outageState);
    const faults = this.faults;
    if (faults.concurrencyLimit !== undefined && faults.inFlight >= faults.concurrencyLimit) {
      return send(
        this.error(
          429,
          "REQUEST_LIMIT_EXCEEDED",
          `Too many concurrent requests: the workspace has exceeded the concurrent request limit of ${faults.concurrencyLimit}. Please retry later.`,
        ),
      );
    }
    faults.inFlight += 1;
    try {
      const fault = faults.match(routeName, method);
      const latency = faults.latencyFor(routeName, fault?.latencyMs);
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      if (fault) {
        if (fault.hang) {
          entry.status = 0;
          if (!req.socket.destroyed) await new Promise((resolve) => req.socket.once("close", resolve));
          return;
        }
        if (fault.reset) {
          entry.status = 0;
          req.socket.destroy();
          return;
        }
        if (fault.response) return send(fault.response(this));
      }
      if (!route)
        return send(this.error(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${url.pathname}'`));
      const match = route.pattern.exec(url.pathname)!;
      route.keys.forEach((key, i) => (simReq.params[key] = decodeURIComponent(match[i + 1] ?? "")));
      const denied = this.options.authenticate ? this.options.authenticate(simReq) : this.checkBearer(simReq);
      if (denied) return send(denied);
      const response = await route.handler(simReq);
      if (fault?.resetAfterHandling) {
        entry.status = 0;
        req.socket.destroy();
        return;
      }
      send(response);
    } catch (error) {
      if (error instanceof SimHttpError) {
        const response = this.error(error.status, error.code, error.message);
        if (error.headers) response.headers = error.headers;
        return send(response);
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      send(this.error(500, "INTERNAL_ERROR", `simulator error: ${message}`));
    } finally {
      faults.inFlight -= 1;
    }
  }

  private checkBearer(req: SimRequest): SimResponse | undefined {
    const header = req.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice(7) : "";
    if (!this.options.tokens.includes(token)) {
      return this.error(401, "UNAUTHENTICATED", "Missing or invalid bearer token");
    }
    return undefined;
  }
}
