// `azdr snapshots export`: one snapshot as plain files that work without azdr (runbook: the backup
// must be usable when azdr itself is what is broken). Every body is read through the store, which
// checks it against its sha256; any damaged or missing body aborts the export and leaves nothing
// behind: files go to a staging folder renamed into place only when all of them were written.
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, resolve, sep } from "node:path";
import { AzdrError, errorMessage } from "../errors.js";
import type { BackupStore } from "../store/backup-store.js";
import { describeRef } from "../store/backup-store.js";
import type { SnapshotRef } from "../store/layout.js";
import type { Manifest, ManifestEntry } from "../store/manifest.js";
import { exportAzureMl } from "./azure-ml.js";
import { exportReadme } from "./readme.js";
import { exportUnityCatalog } from "./unity-catalog.js";
import { exportWorkspaceConfig, exportWorkspaceObjects } from "./workspace.js";
import { readAll, safeRelative, type ComponentExporter, type ExportSink } from "./sink.js";

export type { ComponentExporter, ExportSink, ReadmeSection } from "./sink.js";

export interface ExportResult {
  ref: SnapshotRef;
  directory: string;
  phase: Manifest["phase"];
  files: number;
  bytes: number;
  /** Entries not exported as usable files, with the reason. */
  notes: { path: string; reason: string }[];
}

/** The exporter of each domain/component; anything else is written as its JSON documents. */
const EXPORTERS: Record<string, ComponentExporter> = {
  "databricks/workspace-objects": exportWorkspaceObjects,
  "databricks/workspace-config": exportWorkspaceConfig,
  "unity-catalog/metadata": exportUnityCatalog,
  "azureml/models": exportAzureMl,
  "azureml/assets": exportAzureMl,
};

async function isEmptyOrMissing(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}

/** Export one committed snapshot into `directory` (which must not exist or be empty). */
export async function exportSnapshot(
  store: BackupStore,
  ref: SnapshotRef,
  directory: string,
): Promise<ExportResult> {
  const target = resolve(directory);
  if (!(await isEmptyOrMissing(target))) {
    throw new AzdrError(
      "INVALID_INPUT",
      `--to ${directory}: the folder is not empty; export into a new or empty folder so nothing is mixed or overwritten`,
    );
  }
  const manifest = await store.requireManifest(ref);
  const staging = `${target}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const result: ExportResult = {
    ref,
    directory: target,
    phase: manifest.phase,
    files: 0,
    bytes: 0,
    notes: [],
  };
  const inside = (path: string): string => {
    const full = resolve(staging, ...path.split("/"));
    if (full !== staging && !full.startsWith(`${staging}${sep}`))
      throw new AzdrError("INVALID_INPUT", `refusing to write outside the export folder: ${path}`);
    return full;
  };
  // After a failure no new write starts, and cleanup waits for the ones in flight (the exporters
  // read and write several bodies at once).
  let failed = false;
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (failed) return Promise.reject(new AzdrError("INTERNAL", "export stopped"));
    const promise = work();
    pending.add(promise);
    void promise.catch(() => undefined).finally(() => pending.delete(promise));
    return promise;
  };
  const sink: ExportSink = {
    write: (path, body) =>
      track(async () => {
        const full = inside(path);
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, body, { flag: "wx" });
        result.files++;
        result.bytes += typeof body === "string" ? Buffer.byteLength(body) : body.length;
      }),
    folder: (path) => track(async () => void (await mkdir(inside(path), { recursive: true }))),
    body: (entry) =>
      track(async () => {
        try {
          return await store.getObject(entry.sha256);
        } catch (error) {
          throw new AzdrError(
            "CORRUPT",
            `snapshot ${describeRef(ref)} is damaged: ${entry.path}: ${errorMessage(error)}; nothing was exported (check it with \`azdr snapshots verify --deep\`, or export an older snapshot)`,
            { cause: error },
          );
        }
      }),
    async json<T>(entry: ManifestEntry) {
      return JSON.parse((await sink.body(entry)).toString("utf8")) as T;
    },
    note(path, reason) {
      result.notes.push({ path, reason });
    },
  };
  try {
    const exporter = EXPORTERS[`${ref.domain}/${ref.component}`] ?? exportAsJson;
    const section = await exporter(manifest, sink);
    await sink.write("README.md", exportReadme(ref, manifest, section, result.notes));
    await sink.write(
      "azdr-export.json",
      `${JSON.stringify(
        {
          snapshot: describeRef(ref),
          phase: manifest.phase,
          reasons: manifest.reasons,
          startedAt: manifest.startedAt,
          endedAt: manifest.endedAt,
          counts: manifest.counts,
          skippedAtBackup: manifest.skipped,
          failedAtBackup: manifest.failed,
          notExported: result.notes,
          summary: manifest.summary ?? {},
        },
        null,
        2,
      )}\n`,
    );
    await rm(target, { recursive: true, force: true }); // empty or missing, checked above
    await mkdir(dirname(target), { recursive: true });
    await rename(staging, target);
  } catch (error) {
    failed = true;
    while (pending.size) await Promise.allSettled([...pending]);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
  return result;
}

/**
 * Key Vault inventories, storage protection settings, AI Foundry definitions: already plain JSON
 * documents (never secret values); written as they are, at their snapshot paths.
 */
export const exportAsJson: ComponentExporter = async (manifest, sink) => {
  await readAll(sink, manifest.entries, async (entry, body) => {
    if (entry.kind === "DIRECTORY") return;
    await sink.write(`${manifest.component}/${safeRelative(entry.path)}`, body);
  });
  return {
    title: `${manifest.domain} ${manifest.component}`,
    body: [
      `\`${manifest.component}/\` holds each document of the snapshot as JSON, at its snapshot path (ARM resource and data-plane shapes as the Azure APIs returned them). They are an inventory and a reference for rebuilding by hand or with \`az rest\`; no secret value is in them.`,
    ],
  };
};
