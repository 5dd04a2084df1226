// What every exporter gets: a sink that writes files inside the export folder and reads verified
// bodies of the snapshot, plus the small helpers they share.
import { mapLimit } from "../concurrency.js";
import { AzdrError } from "../errors.js";
import type { Manifest, ManifestEntry } from "../store/manifest.js";

/** What an exporter writes into and reads from. */
export interface ExportSink {
  /** Write one file (relative path, "/" separated); refuses paths that leave the export folder. */
  write(path: string, body: Buffer | string): Promise<void>;
  /** An empty folder (a workspace directory with nothing in it). */
  folder(path: string): Promise<void>;
  /** A body of the snapshot, verified against its sha256 (a damaged body throws CORRUPT). */
  body(entry: ManifestEntry): Promise<Buffer>;
  json<T>(entry: ManifestEntry): Promise<T>;
  /** Something not exported as a usable file, with why: listed in the README and the summary. */
  note(path: string, reason: string): void;
}

/** One component's exporter: returns the README section describing what it wrote. */
export type ComponentExporter = (manifest: Manifest, sink: ExportSink) => Promise<ReadmeSection>;

export interface ReadmeSection {
  title: string;
  /** Markdown paragraphs and lists: the folders written and how to re-import them. */
  body: string[];
}

/** Reads of bodies in flight at once. */
const READ_CONCURRENCY = 8;

/** Reads every entry's body, a few at a time, in manifest order. */
export async function readAll<T>(
  sink: ExportSink,
  entries: ManifestEntry[],
  fn: (entry: ManifestEntry, body: Buffer) => Promise<T>,
): Promise<T[]> {
  return mapLimit(entries, READ_CONCURRENCY, async (entry) => fn(entry, await sink.body(entry)));
}

/** A snapshot path as a relative file path: no leading slash, no "." or ".." segments. */
export function safeRelative(path: string): string {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes(".."))
    throw new AzdrError("INVALID_INPUT", `refusing a snapshot path with "..": ${path}`);
  return parts.join("/");
}
