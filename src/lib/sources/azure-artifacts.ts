// Copying Azure ML artifact files (model versions, environment build contexts) into the store,
// incrementally: a file whose location, etag, size and last-modified time match the previous
// snapshot's entry is carried (its body is already stored under its sha256) and neither downloaded
// nor uploaded again. New bodies are content-addressed, so a file shared by versions is stored once.
import type { BatchOutput } from "../backup/engine.js";
import type { BlobInfo, Json } from "../clients/azure.js";
import { errorMessage, isAzdrError } from "../errors.js";
import type { FailedEntry, ManifestEntry } from "../store/manifest.js";
import type { SourceContext } from "./context.js";

export interface DatastoreLocation {
  account: string;
  container: string;
  endpoint?: string;
}

/** Blob location of an artifact URI, or why it cannot be copied. */
export type ArtifactLocation =
  { account: string; container: string; prefix: string } | { unsupported: string };

/** Datastore name → account and container, from the workspace's datastore list. */
export function datastoreLocations(datastores: Json[]): Map<string, DatastoreLocation> {
  const out = new Map<string, DatastoreLocation>();
  for (const d of datastores) {
    const p = (d["properties"] ?? {}) as Json;
    const account = p["accountName"];
    const container = p["containerName"] ?? p["filesystem"];
    if (typeof d["name"] === "string" && typeof account === "string" && typeof container === "string")
      out.set(d["name"], {
        account,
        container,
        ...(typeof p["endpoint"] === "string" ? { endpoint: p["endpoint"] } : {}),
      });
  }
  return out;
}

/**
 * `azureml://…/datastores/<ds>/paths/<path>` (long or short form) through the datastore, or
 * `https://<account>.blob|dfs.<suffix>/<container>/<path>` directly. Other schemes (runs:/,
 * registries, jobs) have no blob of ours to copy.
 */
export function resolveArtifactLocation(
  uri: string,
  datastores: Map<string, DatastoreLocation>,
): ArtifactLocation {
  const ds = /^azureml:\/\/(?:.*\/)?datastores\/([^/]+)\/paths\/(.*)$/i.exec(uri);
  if (ds) {
    const location = datastores.get(ds[1]!);
    if (!location)
      return {
        unsupported: `datastore "${ds[1]}" of ${uri} is not in the workspace (or has no blob container)`,
      };
    return { account: location.account, container: location.container, prefix: decodeURIComponent(ds[2]!) };
  }
  const https = /^https:\/\/([a-z0-9]+)\.(?:blob|dfs)\.[^/]+\/([^/?]+)\/?([^?]*)/i.exec(uri);
  if (https) return { account: https[1]!, container: https[2]!, prefix: decodeURIComponent(https[3] ?? "") };
  return { unsupported: `${uri} is not a datastore path or a blob URL: metadata only` };
}

/** The files at a location: a folder prefix (trailing slash), or one file or folder by name. */
export async function listArtifactFiles(
  ctx: SourceContext,
  location: { account: string; container: string; prefix: string },
): Promise<Array<BlobInfo & { relative: string }>> {
  const { prefix } = location;
  const folder = prefix === "" || prefix.endsWith("/");
  const out: Array<BlobInfo & { relative: string }> = [];
  for await (const blob of ctx.azure.blobs.list(location.account, location.container, prefix)) {
    if (blob.name.endsWith("/") && blob.size === 0) continue; // HNS directory markers
    let relative: string;
    if (folder) relative = blob.name.slice(prefix.length);
    else if (blob.name === prefix) relative = prefix.split("/").pop() ?? prefix;
    else if (blob.name.startsWith(`${prefix}/`)) relative = blob.name.slice(prefix.length + 1);
    else continue; // "model.pkl2" under prefix "model.pkl"
    if (relative !== "") out.push({ ...blob, relative });
  }
  return out.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** One file to copy in a batch. */
export interface CopyWork {
  type: "copy";
  path: string;
  kind: string;
  account: string;
  container: string;
  blob: string;
  meta: Json;
}

/** Entry meta that identifies a source file version: same meta, same bytes. */
function fileMeta(uri: string, file: BlobInfo, extra: Json): Json {
  return {
    ...extra,
    uri,
    blob: `${file.account}/${file.container}/${file.name}`,
    etag: file.etag,
    size: file.size,
    lastModified: file.lastModified,
  };
}

function unchanged(previous: ManifestEntry | undefined, meta: Json): previous is ManifestEntry {
  const m = previous?.meta;
  return (
    m !== undefined &&
    previous!.size === meta["size"] &&
    ["uri", "blob", "etag", "size", "lastModified"].every((k) => m[k] === meta[k]) &&
    typeof meta["etag"] === "string" &&
    meta["etag"] !== ""
  );
}

/** Carry the unchanged files, plan copies of the others (any size: bodies are streamed). */
export function planCopies(
  files: Array<BlobInfo & { relative: string }>,
  options: { basePath: string; kind: string; uri: string; meta: Json; previous: Map<string, ManifestEntry> },
): { carried: ManifestEntry[]; work: CopyWork[] } {
  const carried: ManifestEntry[] = [];
  const work: CopyWork[] = [];
  for (const file of files) {
    const path = `${options.basePath}${file.relative}`;
    const meta = fileMeta(options.uri, file, options.meta);
    const previous = options.previous.get(path);
    if (unchanged(previous, meta)) carried.push(previous);
    else
      work.push({
        type: "copy",
        path,
        kind: options.kind,
        account: file.account,
        container: file.container,
        blob: file.name,
        meta,
      });
  }
  return { carried, work };
}

/** Download and store files, a few at a time; per-file failures are data, throttling is thrown. */
export async function copyArtifacts(ctx: SourceContext, work: CopyWork[]): Promise<BatchOutput> {
  const entries: ManifestEntry[] = [];
  const failed: FailedEntry[] = [];
  const stats = { copied: 0, newBodies: 0, downloadedBytes: 0, uploadedBytes: 0, uploadBlocks: 0 };
  let next = 0;
  const worker = async () => {
    while (next < work.length) {
      const item = work[next++]!;
      try {
        // Streamed from the source into the store, hashed on the way: memory stays flat at any size.
        const { stream, etag } = await ctx.azure.blobs.openRead(item.account, item.container, item.blob);
        const stored = await ctx.store.putObjectStream(stream);
        stats.downloadedBytes += stored.size;
        stats.uploadBlocks += stored.blocks;
        if (stored.written) {
          stats.newBodies++;
          stats.uploadedBytes += stored.size;
        }
        stats.copied++;
        entries.push({
          path: item.path,
          kind: item.kind,
          sha256: stored.sha256,
          size: stored.size,
          // What we read, so the next run compares against the bytes actually stored.
          meta: { ...item.meta, etag: etag || item.meta["etag"], size: stored.size },
        });
      } catch (error) {
        if (isAzdrError(error) && error.retryable) throw error; // the orchestrator retries the batch
        const hint =
          isAzdrError(error, "FORBIDDEN") || isAzdrError(error, "UNAUTHORIZED")
            ? ` (grant the azdr identity Storage Blob Data Reader on account ${item.account})`
            : isAzdrError(error, "NOT_FOUND")
              ? " (deleted since the plan: the model version references a file that is gone)"
              : "";
        failed.push({ path: item.path, kind: item.kind, error: `${errorMessage(error)}${hint}` });
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(ctx.config.limits.maxConcurrentRequests, work.length) }, worker),
  );
  return { entries, failed, stats };
}
