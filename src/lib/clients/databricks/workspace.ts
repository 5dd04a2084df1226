// Workspace API (notebooks, files, folders): /api/2.0/workspace/*.
import { isAzdrError } from "../../errors.js";
import type { DatabricksClient } from "../databricks.js";
import { Transport, type CallOptions, type Open } from "./common.js";

const BASE = "/api/2.0/workspace";

export type WorkspaceObjectType = "NOTEBOOK" | "DIRECTORY" | "LIBRARY" | "FILE" | "REPO" | "DASHBOARD";
export type NotebookLanguage = "SCALA" | "PYTHON" | "SQL" | "R";
export type ExportFormat = "SOURCE" | "HTML" | "JUPYTER" | "DBC" | "R_MARKDOWN" | "AUTO" | "RAW";
/** RAW for workspace files: AUTO turns a file that starts with a notebook header into a notebook. */
export type ImportFormat = "SOURCE" | "HTML" | "JUPYTER" | "DBC" | "R_MARKDOWN" | "AUTO" | "RAW";

export type ObjectInfo = Open<{
  path: string;
  object_type: WorkspaceObjectType;
  object_id?: number;
  language?: NotebookLanguage;
  created_at?: number;
  modified_at?: number;
  size?: number;
  resource_id?: string;
}>;

export type ExportResponse = Open<{
  /** Base64 of the exported body. */
  content?: string;
  file_type?: string;
}>;

export interface ImportRequest {
  path: string;
  format: ImportFormat;
  /** Required for format SOURCE; ignored otherwise. */
  language?: NotebookLanguage;
  /** Base64 of the body. */
  content: string;
  overwrite?: boolean;
}

export class WorkspaceClient {
  private readonly http: Transport;

  constructor(client: DatabricksClient) {
    // No fixed family: export, list and import have separate published limits.
    this.http = new Transport(client);
  }

  /** NOT_FOUND when the path does not exist. */
  getStatus(path: string, options: CallOptions = {}): Promise<ObjectInfo> {
    return this.http.get<ObjectInfo>(`${BASE}/get-status`, { path }, options);
  }

  /** Whether a path exists (any object type); other errors are thrown. */
  async exists(path: string, options: CallOptions = {}): Promise<boolean> {
    try {
      await this.getStatus(path, options);
      return true;
    } catch (error) {
      if (isAzdrError(error, "NOT_FOUND")) return false;
      throw error;
    }
  }

  /** The direct children of a folder (the API does not page this call). */
  async *list(path: string, options: CallOptions = {}): AsyncIterableIterator<ObjectInfo> {
    const response = await this.http.get<{ objects?: ObjectInfo[] }>(`${BASE}/list`, { path }, options);
    yield* response.objects ?? [];
  }

  /** TOO_LARGE when the object is over the export limit (10 MB). */
  export(path: string, format: ExportFormat, options: CallOptions = {}): Promise<ExportResponse> {
    return this.http.get<ExportResponse>(`${BASE}/export`, { path, format }, options);
  }

  /** ALREADY_EXISTS when the path exists and overwrite is false. Re-sent on failure only with overwrite. */
  async import(request: ImportRequest, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/import`, request, { ...options, idempotent: request.overwrite === true });
  }

  /** Creates the folder and its missing parents; an existing folder is success. */
  async mkdirs(path: string, options: CallOptions = {}): Promise<void> {
    await this.http.post(`${BASE}/mkdirs`, { path }, { ...options, idempotent: true });
  }

  /** NOT_FOUND when absent; a non-empty folder needs recursive. */
  async delete(path: string, options: CallOptions & { recursive?: boolean } = {}): Promise<void> {
    await this.http.post(
      `${BASE}/delete`,
      { path, recursive: options.recursive ?? false },
      { ...options, idempotent: true },
    );
  }
}
