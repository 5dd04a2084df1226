// The CLI's outside world, passed in so tests run `main` in-process: output streams, stdin (TTY
// and answers), the environment, and overrides for the config and the runtime (simulator, Azurite).
// Every byte written goes through a redactor: no secret value reaches the terminal, even with
// --verbose.
import { setTimeout as delay } from "node:timers/promises";
import prettyBytes from "pretty-bytes";
import type { PlatformConfig } from "../lib/config/schema.js";
import type { RuntimeOptions } from "../lib/runtime.js";
import type { Principal } from "../lib/restore/engine/identity.js";

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Whether stdin is a terminal (an apply then asks for confirmation instead of requiring --yes). */
  stdinIsTTY?: boolean;
  /** Reads one answer line from the user (TTY confirmation). */
  prompt?: (question: string) => Promise<string>;
  /** Settings: secrets (PATs, connection strings) and the AZDR_CONFIG / AZDR__* config sources. */
  env?: Record<string, string | undefined>;
  /** Tests: a parsed config instead of --config / AZDR_CONFIG / AZDR__ settings. */
  config?: PlatformConfig;
  /** Tests: runtime overrides (an isolated store namespace, simulator clients, limits). */
  runtime?: Partial<RuntimeOptions>;
  /** Aborted on Ctrl-C: long commands stop cleanly. */
  signal?: AbortSignal;
  /**
   * The signed-in Azure identity that requests and decides restores; default: the claims of a
   * token from @azure/identity (az login, environment, managed identity). Undefined: nobody.
   */
  signedIn?: () => Promise<Principal | undefined>;
  /** Access tokens for the deployed app (--app); default @azure/identity. */
  appToken?: (scope: string) => Promise<string>;
  now?: () => Date;
  /** Poll interval for progress (ms); default 250. */
  pollMs?: number;
}

/** Exit codes, shared by every command (see README "CLI"). */
export const EXIT = {
  ok: 0,
  failed: 1,
  badInput: 2,
  partial: 3,
  notApproved: 4,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage or input problem: printed with its fix, exit code 2, nothing started. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
  constructor(
    message: string,
    readonly problems: { field: string; message: string; fix: string }[] = [],
  ) {
    super(message);
  }
}

const SECRET_PATTERNS: RegExp[] = [
  /(AccountKey|SharedAccessSignature|sig)=[^;&\s"']+/gi,
  /\bdapi[0-9a-f]{20,}\b/gi,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g,
];

/** Replaces known secret values (and secret-shaped substrings) with [redacted]. */
export class Redactor {
  private readonly values: string[];
  constructor(secrets: Iterable<string | undefined>) {
    this.values = [...new Set([...secrets].filter((s): s is string => !!s && s.length >= 6))].sort(
      (a, b) => b.length - a.length,
    );
  }
  redact(text: string): string {
    let out = text;
    for (const value of this.values) out = out.split(value).join("[redacted]");
    for (const pattern of SECRET_PATTERNS) {
      out = out.replace(pattern, (match) => {
        const eq = match.indexOf("=");
        if (eq > 0 && !/^Bearer/i.test(match)) return `${match.slice(0, eq + 1)}[redacted]`;
        return /^Bearer/i.test(match) ? "Bearer [redacted]" : "[redacted]";
      });
    }
    return out;
  }
}

/** What commands write to: redacted streams plus formatting helpers. */
export class Output {
  json: boolean;
  verbose: boolean;
  private redactor = new Redactor([]);
  constructor(
    private readonly io: CliIO,
    options: { json?: boolean; verbose?: boolean } = {},
  ) {
    this.json = options.json ?? false;
    this.verbose = options.verbose ?? false;
  }
  setSecrets(secrets: Iterable<string | undefined>): void {
    this.redactor = new Redactor(secrets);
  }
  redact(text: string): string {
    return this.redactor.redact(text);
  }
  get stderrIsTTY(): boolean {
    return this.io.stderr.isTTY === true;
  }
  get columns(): number {
    return this.io.stderr.columns || 100;
  }
  /** A line on stdout (the result). */
  out(text = ""): void {
    this.io.stdout.write(this.redact(text.endsWith("\n") ? text : `${text}\n`));
  }
  /** Raw text on stderr (progress bars). */
  errRaw(text: string): void {
    this.io.stderr.write(this.redact(text));
  }
  /** A line on stderr (notes, warnings, errors). */
  err(text: string): void {
    this.errRaw(text.endsWith("\n") ? text : `${text}\n`);
  }
  /** Verbose diagnostics on stderr. */
  debug(text: string): void {
    if (this.verbose) this.err(text);
  }
  /** The machine-readable result of a command (--json). */
  result(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }
}

/** A plain-text table: headers, right-aligned numbers. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

/** Sizes as people read them: binary units (KiB, MiB), at most three significant digits. */
export function formatBytes(bytes: number): string {
  return prettyBytes(bytes, { binary: true, maximumFractionDigits: 1 });
}

/** Waits between progress polls; Ctrl-C ends the wait early and the caller then stops cleanly. */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  await delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined);
}
