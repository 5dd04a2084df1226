// Shared helpers for the Databricks simulator tests: the REAL SDK client pointed at a workspace,
// and a raw fetch for what the SDK hides (status codes, headers, PATCH bodies).
import { WorkspaceClient } from "@databricks/sdk-experimental";
import type { PlatformSimulator } from "../../../sim/index.js";

export function client(
  sim: PlatformSimulator,
  workspace = "primary",
  overrides: Record<string, unknown> = {},
): WorkspaceClient {
  return new WorkspaceClient({
    host: sim.urls[workspace],
    token: sim.token,
    authType: "pat",
    // The SDK retries 429s until this budget runs out (it ignores Retry-After): keep tests short.
    retryTimeoutSeconds: 5,
    ...overrides,
  });
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function raw(
  sim: PlatformSimulator,
  method: string,
  path: string,
  payload?: unknown,
  options: { workspace?: string; token?: string | null } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = options.token === undefined ? sim.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (payload !== undefined) init.body = JSON.stringify(payload);
  const res = await fetch(`${sim.urls[options.workspace ?? "primary"]}${path}`, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export async function first<T>(iterable: AsyncIterable<T>): Promise<T | undefined> {
  for await (const item of iterable) return item;
  return undefined;
}

export const b64 = (text: string) => Buffer.from(text).toString("base64");
export const unb64 = (text: string | undefined) => Buffer.from(text ?? "", "base64").toString("utf8");
