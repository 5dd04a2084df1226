// Workspace settings (workspace-conf). The API has no "list every setting" call, so the backup reads
// a fixed list of keys: the security and data-exfiltration posture a DR workspace must keep
// (personal access tokens and their lifetime, IP access lists switch, results download, notebook
// export and clipboard, upload UIs, web terminal, DBFS browser, verbose audit logs, user isolation,
// where notebook results are stored). Left out on purpose: enableDeprecatedGlobalInitScripts (turning
// legacy init scripts back on in a new workspace is a regression, not recovery) and platform toggles
// that new workspaces set themselves (workspace filesystem, project types). A key the source does not
// know is recorded as such and not restored; one the target does not know is skipped with that
// reason. Every key read is one plan item: set when the target's value differs (a new workspace holds
// every key at its default, so "existing" does not apply), skipped when equal or not set in the
// backup. enableTokensConfig is set last of all kinds' settings so azdr's own token keeps working.
// enableIpAccessLists is never turned ON by a restore: the lists (ip-access-list.ts) name the
// primary's networks, and enforcing them mid-restore could lock azdr and the operators out of the DR
// workspace before permissions and validation run. It is planned as a follow-up saying what to check
// first; turning it off (the backup had it off) only opens access and is applied.
import { databricksApis, type WorkspaceSettings } from "../../clients/databricks/index.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet } from "../compare.js";
import {
  bodyOf,
  CONFIG,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";
import { IP_ACCESS_LISTS_SWITCH } from "./ip-access-list.js";

export const WORKSPACE_CONF_KEYS = [
  "enableIpAccessLists",
  "maxTokenLifetimeDays",
  "enableResultsDownloading",
  "enableNotebookTableClipboard",
  "enableExportNotebook",
  "enableUploadDataUis",
  "enableWebTerminal",
  "enableDbfsFileBrowser",
  "enableVerboseAuditLogs",
  "enforceUserIsolation",
  "storeInteractiveNotebookResultsInCustomerAccount",
  // Last: once tokens are off, azdr's own personal access token stops working.
  "enableTokensConfig",
] as const;

interface SettingsBackup {
  values: WorkspaceSettings;
  /** Keys of the list the source workspace did not know. */
  unknown: string[];
}

/** One entry holds every key read: workspace-conf/settings.json. */
const ENTRY = jsonEntryPath("workspace-conf", "settings");

const STEP: ItemsStep = {
  kind: "items",
  ordering: "serial",
  name: "workspace-conf",
  title: "Workspace settings",
  why: "Last but permissions: turning tokens off first would lock azdr's own token out mid-restore.",
};

/** Whether azdr authenticates to the restore target with a personal access token. */
function targetUsesToken(r: WorkspaceRestore): boolean {
  const target = r.ctx.config.databricks.workspaces.find((w) => w.id === r.request.target);
  return target?.auth.type === "pat";
}

function targetSettings(r: WorkspaceRestore, keys: string[]) {
  return r.memo(STEP.name, () => databricksApis(r.client).workspaceConf.read(keys));
}

export const workspaceConf: WorkspaceKind = {
  kind: "workspace-conf",
  label: "Workspace settings (workspace-conf)",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: `${WORKSPACE_CONF_KEYS.length} security settings (tokens, downloads, export, audit logs…); enableIpAccessLists never turned on (follow-up)`,
  },
  entryPath: (id) => jsonEntryPath("workspace-conf", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const read = await databricksApis(b.client).workspaceConf.read(WORKSPACE_CONF_KEYS);
      const body: SettingsBackup = { values: read.values, unknown: read.unknown };
      const entry = await b.ctx.store.putJson(ENTRY, workspaceConf.kind, body, {
        keys: Object.keys(read.values).length,
      });
      return {
        entries: [entry],
        work: [],
        summary: {
          workspaceSettings: Object.keys(read.values).length,
          ...(read.unknown.length ? { workspaceSettingsUnknown: read.unknown } : {}),
        },
      };
    },
  },

  async plan(r, entries) {
    const items: PlanItem[] = [];
    const notes: string[] = [];
    for (const entry of entries) {
      const backup = (await bodyOf(r, entry)) as unknown as SettingsBackup;
      const keys = Object.keys(backup.values);
      const target = await targetSettings(r, keys);
      for (const key of keys) {
        const want = backup.values[key] ?? null;
        const base = { ...itemBase(workspaceConf, entry, key), key: `${ENTRY}#${key}`, meta: { key } };
        if (target.unknown.includes(key))
          items.push({ ...base, action: "skip", reason: "the target workspace does not know this setting" });
        else if (want === null)
          items.push({ ...base, action: "skip", reason: "not set in the backup: left as the target has it" });
        else if (target.values[key] === want)
          items.push({ ...base, action: "skip", reason: `already ${want} in the target` });
        else if (key === IP_ACCESS_LISTS_SWITCH && want === "true")
          items.push({
            ...base,
            action: "unsupported",
            reason:
              "the backup enforces IP access lists, but turning them on during the restore could lock azdr (and everyone outside the restored allow lists, which name the primary's networks) out before permissions and validation run. The lists are restored and inert: check that azdr's and your operators' addresses are in an enabled ALLOW list of the target and in no BLOCK list, then set enableIpAccessLists=true by hand",
          });
        else if (key === "enableTokensConfig" && want === "false" && targetUsesToken(r))
          items.push({
            ...base,
            action: "unsupported",
            reason:
              "the backup has personal access tokens turned off, but azdr reaches this workspace with a token: turning them off would lock azdr out before permissions and validation run. Set enableTokensConfig=false by hand after the restore, or switch the target's auth to entra",
          });
        else
          items.push({
            ...base,
            action: "update",
            reason: `set to ${want} (target has ${String(target.values[key] ?? "no value")})`,
          });
      }
      if (backup.unknown.length)
        notes.push(
          `Workspace settings the source workspace did not know, so not in the backup: ${backup.unknown.join(", ")}.`,
        );
    }
    return { items, notes };
  },

  async apply(r, item) {
    const key = String(item.meta?.["key"]);
    const backup = (await bodyOf(r, item)) as unknown as SettingsBackup;
    const value = backup.values[key];
    if (value === undefined || value === null) return { status: "skipped", detail: "not set in the backup" };
    await databricksApis(r.client).workspaceConf.set({ [key]: value });
    return { status: "updated", detail: `${key}=${value}` };
  },

  async validate(r, planned) {
    if (planned.length === 0)
      return [await checkSet("workspace settings restored", [], () => Promise.resolve(undefined))];
    const backup = (await bodyOf(r, planned[0]!)) as unknown as SettingsBackup;
    const keys = planned.map((i) => String(i.meta?.["key"]));
    const have = await databricksApis(r.client).workspaceConf.read(keys);
    return [
      await checkSet("workspace settings restored", planned, (item) => {
        const key = String(item.meta?.["key"]);
        if (have.unknown.includes(key)) return Promise.resolve("unknown to the target");
        const want = backup.values[key];
        return Promise.resolve(
          have.values[key] === want ? undefined : `is ${String(have.values[key])}, expected ${String(want)}`,
        );
      }),
    ];
  },
};
