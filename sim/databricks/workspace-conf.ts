// Workspace settings (/api/2.0/workspace-conf), per the Databricks REST reference: GET with a
// comma-separated `keys` returns those keys' values as strings (there is no "list every key"
// call); PATCH sets keys from a {key: "value"} body and answers 204. An unknown key fails the
// whole call with 400 INVALID_PARAMETER_VALUE naming the key. Values are strings: boolean
// settings take "true"/"false", maxTokenLifetimeDays a number of days ("0": no limit).
import type { SimService } from "../core/server.js";
import type { WorkspaceState } from "./state.js";
import { body, err, ok } from "./util.js";

/** The settings a new workspace knows, with their defaults (null: not set). */
export const WORKSPACE_CONF_DEFAULTS: Record<string, string | null> = {
  enableTokensConfig: "true",
  maxTokenLifetimeDays: null,
  enableIpAccessLists: "false",
  enableResultsDownloading: "true",
  enableNotebookTableClipboard: "true",
  enableExportNotebook: "true",
  enableUploadDataUis: "true",
  enableWebTerminal: "false",
  enableDbfsFileBrowser: "false",
  enableVerboseAuditLogs: "false",
  enforceUserIsolation: "false",
  storeInteractiveNotebookResultsInCustomerAccount: "false",
  enableDeprecatedGlobalInitScripts: "false",
  enableWorkspaceFilesystem: "true",
  enableProjectTypeInWorkspace: "true",
};

const NUMERIC = new Set(["maxTokenLifetimeDays"]);

export class WorkspaceConfState {
  readonly values = new Map<string, string | null>(Object.entries(WORKSPACE_CONF_DEFAULTS));

  /** Unknown keys, in the order asked. */
  unknown(keys: string[]): string[] {
    return keys.filter((k) => !this.values.has(k));
  }

  set(changes: Record<string, unknown>): void {
    const keys = Object.keys(changes);
    const unknown = this.unknown(keys);
    if (unknown.length) throw err.invalid(`Invalid keys: ${unknown.join(", ")}`);
    for (const key of keys) {
      const value = changes[key];
      if (value !== null && typeof value !== "string")
        throw err.invalid(`The value of ${key} must be a string (got ${typeof value})`);
      if (value !== null && NUMERIC.has(key) && !/^\d+$/.test(value))
        throw err.invalid(`The value of ${key} must be a whole number of days as a string`);
      if (value !== null && !NUMERIC.has(key) && value !== "true" && value !== "false")
        throw err.invalid(`The value of ${key} must be "true" or "false"`);
    }
    for (const key of keys) this.values.set(key, changes[key] as string | null);
  }
}

export function registerWorkspaceConfRoutes(service: SimService, state: WorkspaceState): void {
  const conf = state.workspaceConf;
  service.route("GET", "/api/2.0/workspace-conf", (req) => {
    const raw = req.query.get("keys");
    if (!raw) throw err.invalid("Missing required field: keys");
    const keys = raw
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k !== "");
    const unknown = conf.unknown(keys);
    if (unknown.length) throw err.invalid(`Invalid keys: ${unknown.join(", ")}`);
    return ok(Object.fromEntries(keys.map((k) => [k, conf.values.get(k) ?? null])));
  });
  service.route("PATCH", "/api/2.0/workspace-conf", (req) => {
    conf.set(body(req));
    return { status: 204 };
  });
}
