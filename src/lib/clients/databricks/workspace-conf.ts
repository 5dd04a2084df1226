// Typed client for workspace settings (/api/2.0/workspace-conf). The API has no "every key" call:
// callers name the keys. One unknown key fails a whole GET (400); readSettings then asks key by key
// so the keys this workspace does know are still read, and names the ones it does not.
import { isAzdrError } from "../../errors.js";
import type { DatabricksClient } from "../databricks.js";
import type { CallOptions } from "./warehouses.js";

export type WorkspaceSettings = Record<string, string | null>;

export interface SettingsRead {
  values: WorkspaceSettings;
  /** Keys the workspace refused as unknown. */
  unknown: string[];
}

const PATH = "/api/2.0/workspace-conf";

export class WorkspaceConfClient {
  constructor(private readonly http: DatabricksClient) {}

  getSettings(keys: readonly string[], options: CallOptions = {}): Promise<WorkspaceSettings> {
    return this.http.get<WorkspaceSettings>(PATH, { keys: keys.join(",") }, options);
  }

  async readSettings(keys: readonly string[], options: CallOptions = {}): Promise<SettingsRead> {
    try {
      return { values: await this.getSettings(keys, options), unknown: [] };
    } catch (error) {
      if (!isAzdrError(error, "INVALID_INPUT") || keys.length === 1) throw error;
    }
    const values: WorkspaceSettings = {};
    const unknown: string[] = [];
    for (const key of keys) {
      try {
        Object.assign(values, await this.getSettings([key], options));
      } catch (error) {
        if (!isAzdrError(error, "INVALID_INPUT")) throw error;
        unknown.push(key);
      }
    }
    return { values, unknown };
  }

  async setSettings(values: WorkspaceSettings, options: CallOptions = {}): Promise<void> {
    await this.http.request("PATCH", PATH, { ...options, body: values });
  }
}
