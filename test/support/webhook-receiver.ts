// A real HTTP receiver on 127.0.0.1 for notification tests: records every request and answers
// with a programmable sequence of status codes per path (default 200; ACS email paths 202).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  method: string;
  path: string;
  search: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export interface WebhookReceiver {
  origin: string;
  url(path: string): string;
  requests: ReceivedRequest[];
  /** Requests to one path (query ignored). */
  at(path: string): ReceivedRequest[];
  /** The next answers for a path, in order; after them, the default. */
  respond(path: string, statuses: number[], headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  validate?: (request: ReceivedRequest) => { status: number; body?: unknown } | undefined,
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const plans = new Map<string, { statuses: number[]; headers: Record<string, string> }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const request: ReceivedRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        search: url.search,
        headers: req.headers,
        body,
        json,
      };
      requests.push(request);
      const invalid = validate?.(request);
      if (invalid) {
        res.writeHead(invalid.status, { "content-type": "application/json" });
        res.end(JSON.stringify(invalid.body ?? {}));
        return;
      }
      const plan = plans.get(url.pathname);
      const status = plan?.statuses.shift() ?? (url.pathname.endsWith("/emails:send") ? 202 : 200);
      res.writeHead(status, { "content-type": "application/json", ...(plan?.headers ?? {}) });
      res.end(status < 300 ? "{}" : JSON.stringify({ error: `status ${status}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    requests,
    at: (path) => requests.filter((r) => r.path === path),
    respond: (path, statuses, headers = {}) => void plans.set(path, { statuses: [...statuses], headers }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
