// Completeness: when an object cannot be read, decide whether IT is gone (deleted during the run:
// recorded as vanished) or the SOURCE is gone (deleted workspace, a URL that now points elsewhere,
// revoked credentials): then the whole run is Failed, never a smaller snapshot marked Completed.
import { SourceUnavailableError } from "../backup/engine.js";
import { errorMessage, isAzdrError } from "../errors.js";

/** The source refuses us or no longer exists: nothing else it answers can be trusted. */
function isSourceLevel(error: unknown): boolean {
  if (!isAzdrError(error)) return false;
  if (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN" || error.code === "NOT_FOUND") return true;
  // A connection that cannot be made at all (DNS gone, port closed) after the transport's retries.
  return error.code === "UNAVAILABLE" && (error as { status?: number }).status === 0;
}

export type MissingVerdict = "vanished" | "parent-gone";

/**
 * One per batch or listing: probes the source root at most once, and each parent at most once.
 * `exists(path)` answers whether a container path (directory, the workspace root) still exists.
 */
export class SourceHealth {
  private rootCheck: Promise<void> | undefined;
  private readonly parents = new Map<string, Promise<boolean>>();

  constructor(
    /** Shown in the run's reason, e.g. `workspace "primary" (https://adb-….azuredatabricks.net)`. */
    private readonly label: string,
    private readonly root: string,
    private readonly exists: (path: string) => Promise<void>,
  ) {}

  /** Resolves when the source root answers; throws SourceUnavailableError when it does not. */
  ensureSource(cause?: unknown): Promise<void> {
    this.rootCheck ??= this.exists(this.root).catch((error: unknown) => {
      if (isSourceLevel(error)) {
        throw new SourceUnavailableError(
          `${this.label} is gone or refuses azdr: its root ${this.root} answers "${errorMessage(error)}"${cause ? ` (first seen as "${errorMessage(cause)}")` : ""}`,
          { cause: error },
        );
      }
      throw error;
    });
    return this.rootCheck;
  }

  /**
   * An object answered 404: "vanished" when its parent still exists, "parent-gone" when the parent
   * is gone too but the source root is there; throws SourceUnavailableError when the root is gone.
   */
  async classifyMissing(path: string, cause: unknown): Promise<MissingVerdict> {
    const parent = parentOf(path);
    let check = this.parents.get(parent);
    if (!check) {
      check = this.exists(parent).then(
        () => true,
        (error: unknown) => {
          if (isAzdrError(error, "NOT_FOUND")) return false;
          if (isSourceLevel(error)) return this.ensureSource(cause).then(() => false);
          throw error;
        },
      );
      this.parents.set(parent, check);
    }
    if (await check) return "vanished";
    await this.ensureSource(cause);
    return "parent-gone";
  }

  /** Any other per-object error: when the source itself stopped answering, that is what fails the run. */
  async checkAfter(error: unknown): Promise<void> {
    if (isSourceLevel(error)) await this.ensureSource(error);
  }
}

export function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i <= 0 ? "/" : trimmed.slice(0, i);
}
