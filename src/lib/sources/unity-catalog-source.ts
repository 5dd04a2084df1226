// Daily Unity Catalog metadata backup (runbook 4.2): metastore and its workspace assignment,
// storage credentials, service credentials, external locations, connections (no secrets),
// catalogs, schemas, tables and views (type, format, location, columns, properties), volumes,
// functions, and the grants and owner of every securable, and the workspace bindings of ISOLATED
// catalogs, storage and service credentials and external locations.
// Orchestration only: each kind's handler (src/lib/kinds/unity-catalog/, registry order) lists
// its kind, under every object its parent kind listed (catalogs → schemas → tables, volumes,
// functions), and reads what it listed in the batches, routed back to it by `work.kind`.
import type { BackupSource } from "../backup/engine.js";
import { databricksApis } from "../clients/databricks/index.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { FailedEntry, ManifestEntry, SkippedEntry, VanishedEntry } from "../store/manifest.js";
import type { SourceContext } from "./context.js";
import { mapLimit } from "../concurrency.js";
import { SourceHealth } from "./source-health.js";
import type { UcBackupRun, UcWork } from "../kinds/unity-catalog/backup.js";
import type { UcKind } from "../kinds/unity-catalog/context.js";
import { UNITY_CATALOG_KINDS } from "../kinds/unity-catalog/index.js";
import type { SecurableType } from "../kinds/unity-catalog/paths.js";

// Where securables live in a snapshot, and what of them is stored: the handlers' (re-exported for
// the callers that read snapshots through this source's name).
export {
  SECURABLE_FOLDERS,
  bindingsPath,
  credentialWithoutSecrets,
  grantsPath,
  isolationOf,
  securablePath,
  withoutSecrets,
  type SecurableType,
} from "../kinds/unity-catalog/paths.js";
export { currentAssignment } from "../kinds/unity-catalog/metastore-assignment.js";

/** One listed securable, read in a batch by the handler that listed it. */
export type SecurableWork = UcWork;

function backupRun(ctx: SourceContext, sourceId: string): UcBackupRun {
  const metastore = ctx.config.unityCatalog.metastores.find((m) => m.id === sourceId);
  if (!metastore)
    throw new AzdrError("INVALID_INPUT", `metastore "${sourceId}" is not in unityCatalog.metastores`);
  return { ctx, metastore, uc: databricksApis(ctx.databricks(metastore.workspace)).unityCatalog };
}

/** The handlers that list a kind, in registry order (a parent kind before its children). */
const LISTING = UNITY_CATALOG_KINDS.filter((k) => k.backup);

function listerOf(kind: string): UcKind | undefined {
  return LISTING.find((k) => k.kind === kind);
}

export const unityCatalogSource: BackupSource<SourceContext, SecurableWork> = {
  kind: "unity-catalog",
  domain: "unity-catalog",
  component: "metadata",

  async plan(ctx, target) {
    const b = backupRun(ctx, target.sourceId);
    const entries: ManifestEntry[] = [];
    const skipped: SkippedEntry[] = [];
    const work: SecurableWork[] = [];
    const summary: Record<string, unknown> = {};
    /** What each securable type's listing found: the parents of the next kinds' listings. */
    const listed = new Map<SecurableType, SecurableWork[]>();
    for (const handler of LISTING) {
      const backup = handler.backup!;
      const parents: (SecurableWork | undefined)[] = backup.parent
        ? (listed.get(backup.parent) ?? [])
        : [undefined];
      for (const parent of parents) {
        const listing = await backup.list(b, parent);
        entries.push(...(listing.entries ?? []));
        skipped.push(...(listing.skipped ?? []));
        work.push(...listing.work);
        for (const w of listing.work) {
          let same = listed.get(w.type);
          if (!same) listed.set(w.type, (same = []));
          same.push(w);
        }
        for (const [key, value] of Object.entries(listing.summary ?? {}))
          summary[key] =
            typeof value === "number" && typeof summary[key] === "number" ? summary[key] + value : value;
      }
    }
    return { carried: { entries, ...(skipped.length ? { skipped } : {}) }, work, summary };
  },

  async runBatch(ctx, target, work) {
    const b = backupRun(ctx, target.sourceId);
    const entries: ManifestEntry[] = [];
    const failed: FailedEntry[] = [];
    const vanished: VanishedEntry[] = [];
    // A securable that answers 404 was dropped during the run only while the metastore still answers.
    const health = new SourceHealth(
      `metastore "${target.sourceId}" (workspace "${b.metastore.workspace}")`,
      "metastore_summary",
      async () => {
        await b.uc.metastoreSummary();
      },
    );
    await mapLimit(work, ctx.config.limits.maxConcurrentRequests, async (item) => {
      try {
        const backup = listerOf(item.kind)?.backup;
        if (!backup) throw new AzdrError("INTERNAL", `no handler reads backup work of kind ${item.kind}`);
        entries.push(...(await backup.read(b, item)));
      } catch (error) {
        if (isAzdrError(error) && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")) throw error;
        await health.checkAfter(error); // throws when the metastore or its workspace is gone
        if (isAzdrError(error, "NOT_FOUND")) {
          vanished.push({ path: item.path, kind: item.type }); // dropped since the plan
          return;
        }
        failed.push({ path: item.path, kind: item.type, error: errorMessage(error) });
      }
    });
    return { entries, failed, vanished };
  },
};
