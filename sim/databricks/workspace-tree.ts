// Workspace objects (notebooks, directories, files, repos, libraries, dashboards) and the
// Workspace API 2.0: list, get-status, export, import, mkdirs, delete.
//
// Directory archives: the real DBC format is a zip of JSON notebooks. The simulator exports a
// directory (or a notebook in DBC format) as base64 of a JSON document
//   {"azdrSimArchive":1,"root":"/abs/path","objects":[{"path":"rel/path","object_type":"NOTEBOOK",
//     "language":"PYTHON","content":"<base64 SOURCE>"}, {"path":"sub","object_type":"DIRECTORY"}]}
// and imports the same document with format=DBC, so export → import round-trips like DBC does.
import type { SimHttpError, SimRequest, SimService } from "../core/server.js";
import { body, bool, err, num, ok, str } from "./util.js";

export type ObjectType = "NOTEBOOK" | "DIRECTORY" | "FILE" | "REPO" | "LIBRARY" | "DASHBOARD";
export type Language = "PYTHON" | "SQL" | "SCALA" | "R";
export const MAX_EXPORT_BYTES = 10 * 1024 * 1024;

export interface WsObject {
  object_id: number;
  object_type: ObjectType;
  path: string;
  language?: Language;
  created_at: number;
  modified_at: number;
  /** Notebook SOURCE text or file bytes (directories: none). */
  content?: Buffer;
  /** Pretend size (e.g. an 11 MB notebook) without holding the bytes. */
  declaredSize?: number;
  /** The id other APIs know the object by (a Lakeview dashboard's dashboard_id); default object_id. */
  resource_id?: string;
}

const HEADERS: Record<Language, string> = {
  PYTHON: "# Databricks notebook source",
  SQL: "-- Databricks notebook source",
  SCALA: "// Databricks notebook source",
  R: "# Databricks notebook source",
};
const CELL_SEPARATORS: Record<Language, string> = {
  PYTHON: "# COMMAND ----------",
  SQL: "-- COMMAND ----------",
  SCALA: "// COMMAND ----------",
  R: "# COMMAND ----------",
};
export const EXTENSIONS: Record<Language, string> = { PYTHON: "py", SQL: "sql", SCALA: "scala", R: "r" };
const BY_EXTENSION: Record<string, Language> = { py: "PYTHON", sql: "SQL", scala: "SCALA", r: "R" };

export function notebookSource(language: Language, cells: string[]): string {
  return `${HEADERS[language]}\n${cells.join(`\n\n${CELL_SEPARATORS[language]}\n\n`)}\n`;
}

function normalize(path: string | undefined, field = "path"): string {
  if (!path) throw err.invalid(`Missing required field: ${field}`);
  if (!path.startsWith("/")) throw err.invalid(`Path (${path}) must be absolute`);
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return trimmed === "" ? "/" : trimmed;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/**
 * How an export over the 10 MB limit is refused. The API reference documents
 * MAX_NOTEBOOK_SIZE_EXCEEDED; workspaces also answer a plain 400 BAD_REQUEST "Notebook size exceeded
 * limit: N > 10485760" (databrickslabs/migrate#247, #292), and file reads MAX_READ_SIZE_EXCEEDED.
 */
export type OversizeAnswer = "MAX_NOTEBOOK_SIZE_EXCEEDED" | "BAD_REQUEST" | "MAX_READ_SIZE_EXCEEDED";

export function oversizeError(answer: OversizeAnswer, size: number): SimHttpError {
  switch (answer) {
    case "BAD_REQUEST":
      return err.bad(`Notebook size exceeded limit: ${size} > ${MAX_EXPORT_BYTES}`);
    case "MAX_READ_SIZE_EXCEEDED":
      return err.bad(
        `Cannot read more than ${MAX_EXPORT_BYTES} bytes: the object is ${size} bytes`,
        "MAX_READ_SIZE_EXCEEDED",
      );
    default:
      return err.bad(
        `File size exported is ${size} bytes, exceeded max size (${MAX_EXPORT_BYTES} bytes)`,
        "MAX_NOTEBOOK_SIZE_EXCEEDED",
      );
  }
}

export class WorkspaceTree {
  readonly objects = new Map<string, WsObject>();
  /** The error form an over-limit export gets (tests switch it to check each form is handled). */
  oversizeAnswer: OversizeAnswer = "MAX_NOTEBOOK_SIZE_EXCEEDED";
  private readonly children = new Map<string, Set<string>>();
  readonly byId = new Map<number, WsObject>();
  private nextId: number;

  constructor(
    private readonly clock: () => number,
    firstId = 1_000_000_000_000,
  ) {
    this.nextId = firstId;
    const now = clock();
    this.add({ object_id: 0, object_type: "DIRECTORY", path: "/", created_at: now, modified_at: now });
    for (const dir of ["/Users", "/Shared", "/Repos"]) this.mkdirs(dir);
  }

  get(path: string): WsObject | undefined {
    return this.objects.get(path);
  }

  childrenOf(path: string): WsObject[] {
    const set = this.children.get(path);
    if (!set) return [];
    return [...set].map((p) => this.objects.get(p)!).sort((a, b) => (a.path < b.path ? -1 : 1));
  }

  private add(obj: WsObject): WsObject {
    this.objects.set(obj.path, obj);
    this.byId.set(obj.object_id, obj);
    if (obj.path !== "/") {
      const parent = parentOf(obj.path);
      let set = this.children.get(parent);
      if (!set) this.children.set(parent, (set = new Set()));
      set.add(obj.path);
    }
    if (obj.object_type === "DIRECTORY" || obj.object_type === "REPO") this.children.set(obj.path, new Set());
    return obj;
  }

  /** Create every missing directory along the path; fails where a non-directory is in the way. */
  mkdirs(rawPath: string): WsObject {
    const path = normalize(rawPath);
    const existing = this.objects.get(path);
    if (existing) {
      if (existing.object_type !== "DIRECTORY" && existing.object_type !== "REPO")
        throw err.exists(`Node named '${path}' already exists and is not a directory`);
      return existing;
    }
    this.mkdirs(parentOf(path));
    const now = this.clock();
    return this.add({
      object_id: this.nextId++,
      object_type: "DIRECTORY",
      path,
      created_at: now,
      modified_at: now,
    });
  }

  /** Create or replace an object; the parent must exist and be a directory or repo. */
  put(
    obj: Omit<WsObject, "object_id" | "created_at" | "modified_at"> & Partial<WsObject>,
    options: { overwrite?: boolean; createParents?: boolean } = {},
  ): WsObject {
    const path = normalize(obj.path);
    const parent = parentOf(path);
    if (options.createParents) this.mkdirs(parent);
    const parentObj = this.objects.get(parent);
    if (!parentObj) throw err.notFound(`The parent folder (${parent}) does not exist.`);
    if (parentObj.object_type !== "DIRECTORY" && parentObj.object_type !== "REPO")
      throw err.invalid(`The parent (${parent}) is not a directory.`);
    const existing = this.objects.get(path);
    const now = this.clock();
    if (existing) {
      if (!options.overwrite) throw err.exists(`Path (${path}) already exists.`);
      if (existing.object_type === "DIRECTORY") throw err.exists(`Path (${path}) is a directory.`);
      const updated: WsObject = {
        ...existing,
        ...obj,
        path,
        object_id: existing.object_id,
        modified_at: obj.modified_at ?? now,
      };
      this.objects.set(path, updated);
      this.byId.set(updated.object_id, updated);
      return updated;
    }
    return this.add({
      ...obj,
      path,
      object_id: obj.object_id ?? this.nextId++,
      created_at: obj.created_at ?? now,
      modified_at: obj.modified_at ?? now,
    });
  }

  delete(rawPath: string, recursive: boolean): WsObject[] {
    const path = normalize(rawPath);
    const obj = this.objects.get(path);
    if (!obj) throw err.notFound(`Path (${path}) doesn't exist.`);
    if (path === "/") throw err.invalid("Cannot delete the root folder");
    const kids = this.children.get(path);
    if (kids && kids.size > 0 && !recursive)
      throw err.bad(`Folder (${path}) is not empty`, "DIRECTORY_NOT_EMPTY");
    const removed: WsObject[] = [];
    const walk = (p: string) => {
      for (const child of this.children.get(p) ?? []) walk(child);
      const o = this.objects.get(p);
      if (o) {
        removed.push(o);
        this.objects.delete(p);
        this.byId.delete(o.object_id);
      }
      this.children.delete(p);
    };
    walk(path);
    this.children.get(parentOf(path))?.delete(path);
    return removed;
  }

  /** Every object under a directory (depth first), the directory itself first. */
  subtree(path: string): WsObject[] {
    const out: WsObject[] = [];
    const walk = (p: string) => {
      const o = this.objects.get(p);
      if (o) out.push(o);
      for (const child of this.children.get(p) ?? []) walk(child);
    };
    walk(path);
    return out;
  }

  count(type?: ObjectType): number {
    if (!type) return this.objects.size;
    let n = 0;
    for (const o of this.objects.values()) if (o.object_type === type) n++;
    return n;
  }
}

export function sizeOf(obj: WsObject): number {
  return obj.declaredSize ?? obj.content?.length ?? 0;
}

/** ObjectInfo as the API returns it. */
export function objectInfo(obj: WsObject): Record<string, unknown> {
  const info: Record<string, unknown> = {
    object_type: obj.object_type,
    path: obj.path,
    object_id: obj.object_id,
    resource_id: obj.resource_id ?? String(obj.object_id),
  };
  if (obj.language) info.language = obj.language;
  if (obj.object_type !== "DIRECTORY") {
    info.created_at = obj.created_at;
    info.modified_at = obj.modified_at;
  }
  // The API reference: size is "only applicable to files"; a notebook's size shows only at export.
  if (obj.object_type === "FILE") info.size = sizeOf(obj);
  return info;
}

interface ArchiveEntry {
  path: string;
  object_type: ObjectType;
  language?: Language;
  content?: string;
}

function toJupyter(obj: WsObject): Buffer {
  const language = obj.language ?? "PYTHON";
  const source = (obj.content ?? Buffer.alloc(0)).toString("utf8");
  const withoutHeader = source.startsWith(HEADERS[language])
    ? source.slice(HEADERS[language].length)
    : source;
  const cells = withoutHeader
    .split(CELL_SEPARATORS[language])
    .map((c) => c.trim())
    .filter((c) => c.length > 0)
    .map((c) => ({
      cell_type: "code",
      metadata: {},
      execution_count: null,
      outputs: [],
      source: c.split(/(?<=\n)/),
    }));
  const ipynb = {
    nbformat: 4,
    nbformat_minor: 0,
    metadata: {
      "application/vnd.databricks.v1+notebook": {
        language: language.toLowerCase(),
        notebookName: obj.path.split("/").pop(),
      },
      language_info: { name: language.toLowerCase() },
    },
    cells,
  };
  return Buffer.from(JSON.stringify(ipynb));
}

function fromJupyter(content: Buffer, language: Language): Buffer {
  const nb = JSON.parse(content.toString("utf8")) as { cells?: { source?: string[] | string }[] };
  const cells = (nb.cells ?? []).map((c) => (Array.isArray(c.source) ? c.source.join("") : (c.source ?? "")));
  return Buffer.from(notebookSource(language, cells));
}

export interface WorkspaceRouteOptions {
  /** Called with the export route so the sim can count exports per path. */
  onExport?: (path: string) => void;
}

export function registerWorkspaceRoutes(service: SimService, tree: WorkspaceTree): void {
  const ws = "/api/2.0/workspace";

  service.route("GET", `${ws}/list`, (req: SimRequest) => {
    const path = normalize(req.query.get("path") ?? undefined);
    const obj = tree.get(path);
    if (!obj) throw err.notFound(`Path (${path}) doesn't exist.`);
    const after = num(req.query.get("notebooks_modified_after"), "notebooks_modified_after");
    if (obj.object_type !== "DIRECTORY" && obj.object_type !== "REPO")
      return ok({ objects: [objectInfo(obj)] });
    const objects = tree
      .childrenOf(path)
      .filter((o) => after === undefined || o.object_type !== "NOTEBOOK" || o.modified_at > after)
      .map(objectInfo);
    return ok(objects.length > 0 ? { objects } : {});
  });

  service.route("GET", `${ws}/get-status`, (req) => {
    const path = normalize(req.query.get("path") ?? undefined);
    const obj = tree.get(path);
    if (!obj) throw err.notFound(`Path (${path}) doesn't exist.`);
    return ok(objectInfo(obj));
  });

  service.route("GET", `${ws}/export`, (req) => {
    const path = normalize(req.query.get("path") ?? undefined);
    const format = (req.query.get("format") ?? "SOURCE").toUpperCase();
    const direct = bool(req.query.get("direct_download"));
    const obj = tree.get(path);
    if (!obj) throw err.notFound(`Path (${path}) doesn't exist.`);
    if (obj.object_type === "LIBRARY") throw err.invalid(`Cannot export a library: ${path}`);
    if (!["SOURCE", "JUPYTER", "DBC", "AUTO", "HTML", "RAW", "R_MARKDOWN"].includes(format))
      throw err.invalid(`Invalid export format: ${format}`);
    let content: Buffer;
    let fileType: string;
    if (obj.object_type === "DIRECTORY" || obj.object_type === "REPO") {
      if (format !== "DBC" && format !== "AUTO" && format !== "SOURCE")
        throw err.invalid(`A directory can only be exported in DBC, SOURCE or AUTO format: ${path}`);
      const entries = tree.subtree(path).slice(1);
      const total = entries.reduce((n, e) => n + sizeOf(e), 0);
      if (total > MAX_EXPORT_BYTES) throw oversizeError(tree.oversizeAnswer, total);
      const archive = {
        azdrSimArchive: 1,
        root: path,
        objects: entries.map((e): ArchiveEntry => {
          const entry: ArchiveEntry = {
            path: e.path.slice(path === "/" ? 1 : path.length + 1),
            object_type: e.object_type,
          };
          if (e.language) entry.language = e.language;
          if (e.content) entry.content = e.content.toString("base64");
          return entry;
        }),
      };
      content = Buffer.from(JSON.stringify(archive));
      fileType = format === "SOURCE" ? "zip" : "dbc";
    } else {
      const size = sizeOf(obj);
      if (size > MAX_EXPORT_BYTES && format !== "JUPYTER") throw oversizeError(tree.oversizeAnswer, size);
      const raw = obj.content ?? Buffer.alloc(0);
      if (obj.object_type !== "NOTEBOOK") {
        content = raw;
        fileType = obj.path.includes(".") ? (obj.path.split(".").pop() ?? "") : "";
      } else if (format === "JUPYTER") {
        content = toJupyter(obj);
        fileType = "ipynb";
      } else if (format === "DBC") {
        const archive = {
          azdrSimArchive: 1,
          root: path,
          objects: [
            {
              path: path.split("/").pop(),
              object_type: "NOTEBOOK",
              language: obj.language,
              content: raw.toString("base64"),
            },
          ],
        };
        content = Buffer.from(JSON.stringify(archive));
        fileType = "dbc";
      } else if (format === "HTML") {
        content = Buffer.from(`<html><body><pre>${raw.toString("utf8")}</pre></body></html>`);
        fileType = "html";
      } else {
        content = raw;
        fileType = EXTENSIONS[obj.language ?? "PYTHON"];
      }
    }
    if (direct)
      return { status: 200, headers: { "content-type": "application/octet-stream" }, body: content };
    return ok({ content: content.toString("base64"), file_type: fileType });
  });

  service.route("POST", `${ws}/import`, (req) => {
    const b = body(req);
    let path = normalize(str(b.path, "path", true));
    const format = (str(b.format, "format") ?? "SOURCE").toUpperCase();
    const overwrite = bool(b.overwrite);
    let language = str(b.language, "language")?.toUpperCase() as Language | undefined;
    if (language && !HEADERS[language]) throw err.invalid(`Invalid language: ${language}`);
    const content = Buffer.from(str(b.content, "content") ?? "", "base64");
    if (content.length > MAX_EXPORT_BYTES)
      throw err.bad(
        `File size imported is ${content.length} bytes), exceeded max size (${MAX_EXPORT_BYTES} bytes)`,
        "MAX_NOTEBOOK_SIZE_EXCEEDED",
      );
    if (format === "DBC") {
      if (overwrite) throw err.invalid("Overwrite is not supported for the DBC format");
      let archive: { azdrSimArchive?: number; objects?: ArchiveEntry[] };
      try {
        archive = JSON.parse(content.toString("utf8")) as typeof archive;
      } catch {
        throw err.invalid("Could not parse the DBC archive");
      }
      if (archive.azdrSimArchive !== 1 || !Array.isArray(archive.objects))
        throw err.invalid("Not a DBC archive");
      const single = archive.objects.length === 1 && archive.objects[0]?.object_type === "NOTEBOOK";
      if (single) {
        const e = archive.objects[0]!;
        tree.put({
          path,
          object_type: "NOTEBOOK",
          language: e.language ?? "PYTHON",
          content: Buffer.from(e.content ?? "", "base64"),
        });
        return ok({});
      }
      if (tree.get(path)) throw err.exists(`Path (${path}) already exists.`);
      const parent = parentOf(path);
      if (!tree.get(parent)) throw err.notFound(`The parent folder (${parent}) does not exist.`);
      tree.mkdirs(path);
      for (const e of archive.objects) {
        const target = `${path}/${e.path}`;
        if (e.object_type === "DIRECTORY") tree.mkdirs(target);
        else
          tree.put(
            {
              path: target,
              object_type: e.object_type,
              ...(e.language ? { language: e.language } : {}),
              content: Buffer.from(e.content ?? "", "base64"),
            },
            { createParents: true },
          );
      }
      return ok({});
    }
    let type: ObjectType = "NOTEBOOK";
    let source: Buffer = content;
    if (format === "RAW") type = "FILE";
    else if (format === "AUTO") {
      const ext = path.includes(".") ? path.split(".").pop()!.toLowerCase() : "";
      const lang = BY_EXTENSION[ext];
      const text = content.toString("utf8");
      if (lang && text.startsWith(HEADERS[lang])) {
        language = lang;
        path = path.slice(0, -(ext.length + 1));
      } else if (ext === "ipynb") {
        language = "PYTHON";
        source = fromJupyter(content, language);
        path = path.slice(0, -(ext.length + 1));
      } else type = "FILE";
    } else if (format === "JUPYTER") {
      language ??= "PYTHON";
      source = fromJupyter(content, language);
    } else if (format === "SOURCE" || format === "HTML" || format === "R_MARKDOWN") {
      if (!language)
        throw err.invalid("The language field is required when importing a notebook in SOURCE format.");
    } else throw err.invalid(`Invalid import format: ${format}`);
    tree.put(
      {
        path,
        object_type: type,
        ...(type === "NOTEBOOK" ? { language: language ?? "PYTHON" } : {}),
        content: source,
      },
      { overwrite },
    );
    return ok({});
  });

  service.route("POST", `${ws}/mkdirs`, (req) => {
    tree.mkdirs(str(body(req).path, "path", true));
    return ok({});
  });

  service.route("POST", `${ws}/delete`, (req) => {
    const b = body(req);
    tree.delete(str(b.path, "path", true), bool(b.recursive));
    return ok({});
  });
}
