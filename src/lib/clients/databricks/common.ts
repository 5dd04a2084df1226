// Shared shapes of the typed Databricks clients. Each client is a thin typed layer over the
// DatabricksClient transport (rate limits, retries, pagination fixes live there): it owns the
// REST paths of one API area, so no path string or transport error type leaks past lib/clients.
import { AzdrError, isAzdrError, type AzdrErrorCode } from "../../errors.js";
import {
  DatabricksError,
  type ApiFamily,
  type DatabricksClient,
  type RequestOptions,
} from "../databricks.js";

/** Every method takes these; abortSignal cancels waits and in-flight requests. */
export interface CallOptions {
  abortSignal?: AbortSignal;
}

/** What list methods take on top: the page size asked of the server (its maximum when unset). */
export interface ListOptions extends CallOptions {
  pageSize?: number;
}

/**
 * A response object: the fields we read are typed, every other field the API returns is kept
 * (backups store the object whole, so nothing the service sends may be dropped).
 */
export type Open<T> = T & Record<string, unknown>;

export type Json = Record<string, unknown>;

/** The transport plus the defaults every typed client passes to it. */
export class Transport {
  constructor(
    readonly client: DatabricksClient,
    /** Unset: the transport derives the family from the path (workspace export/list/import differ). */
    private readonly family?: ApiFamily,
    /** 400 answers to give a precise code, by message (see recode). */
    private readonly recodes: readonly Recode[] = [],
  ) {}

  get<T>(path: string, query: RequestOptions["query"], options: CallOptions = {}): Promise<T> {
    return this.recoded(this.client.get<T>(path, query, this.with(options)));
  }

  /** POST; re-sent after a failure only when `idempotent` (creates are not: they could run twice). */
  post<T>(path: string, body: unknown, options: CallOptions & { idempotent?: boolean } = {}): Promise<T> {
    return this.recoded(
      this.client.post<T>(path, body, {
        ...this.with(options),
        ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
      }),
    );
  }

  send<T>(
    method: "PUT" | "PATCH" | "DELETE",
    path: string,
    body: unknown,
    options: CallOptions = {},
  ): Promise<T> {
    return this.recoded(
      this.client.request<T>(method, path, {
        ...this.with(options),
        ...(body !== undefined ? { body } : {}),
      }),
    );
  }

  paginate<T>(
    path: string,
    itemsKey: string,
    query: RequestOptions["query"],
    options: CallOptions = {},
  ): AsyncIterableIterator<T> {
    return this.client.paginate<T>(path, itemsKey, query, this.with(options));
  }

  private async recoded<T>(call: Promise<T>): Promise<T> {
    if (this.recodes.length === 0) return call;
    try {
      return await call;
    } catch (error) {
      for (const [message, code] of this.recodes)
        if (isAzdrError(error, "INVALID_INPUT") && message.test(error.message))
          throw new AzdrError(code, error.message, { cause: error });
      throw error;
    }
  }

  private with(options: CallOptions): { family?: ApiFamily; abortSignal?: AbortSignal } {
    return {
      ...(this.family ? { family: this.family } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    };
  }
}

/** One path segment (names and ids may hold dots, spaces, slashes). */
export const segment = (value: string | number): string => encodeURIComponent(String(value));

/**
 * Some APIs answer a missing object or a taken name with a plain 400 (jobs and clusters: "Job 12
 * does not exist."; policies: "… already exists."): such an INVALID_INPUT whose message matches
 * gets the code callers test for.
 */
export type Recode = readonly [message: RegExp, code: AzdrErrorCode];

/**
 * The HTTP status a failed call was answered with, when it got one: callers that must tell a 500
 * (the service failed on this object: not re-sent, the object fails) from a 503 (an outage: the
 * batch retries) ask here rather than importing the transport's error type.
 */
export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof DatabricksError ? error.status : undefined;
}
