// One error type for the whole app. SDK and HTTP errors are mapped to these codes at the edge
// (lib/clients), so the rest of the code never parses HTTP.
export type AzdrErrorCode =
  | "NOT_FOUND"
  | "ALREADY_EXISTS"
  | "CONFLICT"
  | "THROTTLED"
  | "UNAVAILABLE"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "INVALID_INPUT"
  | "INVALID_CONFIG"
  | "TOO_LARGE"
  | "UNSUPPORTED"
  | "PRECONDITION_FAILED"
  | "CORRUPT"
  | "INTERNAL";

const RETRYABLE: ReadonlySet<AzdrErrorCode> = new Set(["THROTTLED", "UNAVAILABLE"]);

export class AzdrError extends Error {
  override readonly name = "AzdrError";
  readonly code: AzdrErrorCode;
  /** Seconds the service asked us to wait, when it said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AzdrErrorCode,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

export function isAzdrError(error: unknown, code?: AzdrErrorCode): error is AzdrError {
  return error instanceof AzdrError && (code === undefined || error.code === code);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
