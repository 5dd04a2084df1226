// Workspace settings: /api/2.0/workspace-conf. There is no "every key" call: callers name the
// keys, and one unknown key fails a whole GET (400); read() then asks key by key so the known keys
// are still read and the unknown ones are named.
import { isAzdrError } from "../../errors.js";
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions } from "./common.js";

export type WorkspaceSettings = Record<string, string | null>;

export interface SettingsRead {
  values: WorkspaceSettings;
  /** Keys the workspace refused as unknown. */
  unknown: string[];
}

const PATH = "/api/2.0/workspace-conf";

export class WorkspaceConfClient {
  private readonly http: Transport;
  constructor(client: DatabricksClient) {
    this.http = new Transport(client, "other");
  }

  get(keys: readonly string[], options: CallOptions = {}): Promise<WorkspaceSettings> {
    return this.http.get(PATH, { keys: keys.join(",") }, options);
  }

  async read(keys: readonly string[], options: CallOptions = {}): Promise<SettingsRead> {
    try {
      return { values: await this.get(keys, options), unknown: [] };
    } catch (error) {
      if (!isAzdrError(error, "INVALID_INPUT") || keys.length === 1) throw error;
    }
    const values: WorkspaceSettings = {};
    const unknown: string[] = [];
    for (const key of keys) {
      try {
        Object.assign(values, await this.get([key], options));
      } catch (error) {
        if (!isAzdrError(error, "INVALID_INPUT")) throw error;
        unknown.push(key);
      }
    }
    return { values, unknown };
  }

  async set(values: WorkspaceSettings, options: CallOptions = {}): Promise<void> {
    await this.http.send("PATCH", PATH, values, options);
  }
}
