// Shared helpers for the Databricks simulator: API errors, opaque page tokens, request parsing
// and a deterministic PRNG for ids and seeds.
import { SimHttpError, type SimRequest } from "../core/server.js";

/** Databricks answers errors as {"error_code","message"} with these statuses. */
export const err = {
  notFound: (message: string, code = "RESOURCE_DOES_NOT_EXIST") => new SimHttpError(404, code, message),
  exists: (message: string, code = "RESOURCE_ALREADY_EXISTS", status = 400) =>
    new SimHttpError(status, code, message),
  invalid: (message: string, code = "INVALID_PARAMETER_VALUE") => new SimHttpError(400, code, message),
  bad: (message: string, code = "BAD_REQUEST") => new SimHttpError(400, code, message),
  forbidden: (message: string) => new SimHttpError(403, "PERMISSION_DENIED", message),
};

/** Opaque, URL-safe page token carrying an offset and a page counter. */
export interface PageCursor {
  offset: number;
  page: number;
}

export function encodeToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ o: cursor.offset, p: cursor.page })).toString("base64url");
}

export function decodeToken(token: string | null | undefined): PageCursor {
  if (!token) return { offset: 0, page: 1 };
  try {
    const raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { o?: unknown; p?: unknown };
    if (typeof raw.o === "number" && typeof raw.p === "number" && raw.o >= 0)
      return { offset: raw.o, page: raw.p };
  } catch {
    // fall through
  }
  throw err.invalid(`Invalid page token: ${token}`);
}

export interface PageOptions {
  pageSize: number;
  /** Every Nth page (1-based, counted along one token chain) is EMPTY but carries a next token. */
  emptyPageEvery?: number;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** Slice a list the way token-paginated Databricks APIs do, including the occasional empty page. */
export function paginate<T>(
  all: readonly T[],
  token: string | null | undefined,
  options: PageOptions,
): Page<T> {
  const cursor = decodeToken(token);
  const every = options.emptyPageEvery ?? 0;
  if (every > 0 && cursor.page % every === 0 && cursor.offset < all.length) {
    return { items: [], nextPageToken: encodeToken({ offset: cursor.offset, page: cursor.page + 1 }) };
  }
  const end = cursor.offset + Math.max(1, options.pageSize);
  const items = all.slice(cursor.offset, end);
  const page: Page<T> = { items };
  if (end < all.length) page.nextPageToken = encodeToken({ offset: end, page: cursor.page + 1 });
  return page;
}

/** The JSON body as an object (Databricks POSTs always carry one). */
export function body(req: SimRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined) return {};
  if (typeof b !== "object" || b === null || Array.isArray(b))
    throw err.bad("Malformed request: body must be a JSON object");
  return b as Record<string, unknown>;
}

export function str(value: unknown, field: string, required: true): string;
export function str(value: unknown, field: string, required?: false): string | undefined;
export function str(value: unknown, field: string, required = false): string | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) throw err.invalid(`Missing required field: ${field}`);
    return undefined;
  }
  if (typeof value !== "string") throw err.invalid(`Invalid value for field ${field}: expected a string`);
  return value;
}

export function num(value: unknown, field: string, required = false): number | undefined {
  if (value === undefined || value === null || value === "") {
    if (required) throw err.invalid(`Missing required field: ${field}`);
    return undefined;
  }
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) throw err.invalid(`Invalid value for field ${field}: expected a number`);
  return n;
}

export function bool(value: unknown): boolean {
  return value === true || value === "true";
}

export function ok(bodyValue: unknown = {}): { status: number; body: unknown } {
  return { status: 200, body: bodyValue };
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hex(rand: () => number, length: number, upper = false): string {
  let out = "";
  for (let i = 0; i < length; i++) out += Math.floor(rand() * 16).toString(16);
  return upper ? out.toUpperCase() : out;
}

export function uuid(rand: () => number): string {
  const h = hex(rand, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}
