// The baseline: what `databricks workspace export-dir` does, one request at a time. Walk the tree
// depth-first (one workspace/list per directory), export every notebook and file in SOURCE/AUTO
// format and write it to a directory on disk before the next request. No concurrency, no store,
// no dedup: the speed of a careful script.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

interface ListedObject {
  path?: string;
  object_type?: string;
  language?: string;
}

export interface NaiveResult {
  wallMs: number;
  listCalls: number;
  exportCalls: number;
  files: number;
  bytes: number;
}

const EXTENSIONS: Record<string, string> = { PYTHON: ".py", SQL: ".sql", SCALA: ".scala", R: ".r" };

export async function naiveExportDir(options: {
  host: string;
  token: string;
  root: string;
  targetDir: string;
}): Promise<NaiveResult> {
  const result: NaiveResult = { wallMs: 0, listCalls: 0, exportCalls: 0, files: 0, bytes: 0 };
  const call = async <T>(route: string, query: Record<string, string>): Promise<T> => {
    const url = new URL(route, `${options.host}/`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    for (;;) {
      const response = await fetch(url, { headers: { Authorization: `Bearer ${options.token}` } });
      const text = await response.text();
      if (response.ok) return JSON.parse(text) as T;
      // Like the CLI's SDK: a 429 waits for Retry-After and tries again (sequential calls rarely hit one).
      if (response.status === 429) {
        const seconds = Number(response.headers.get("retry-after") ?? "1");
        await new Promise((r) => setTimeout(r, (Number.isFinite(seconds) ? seconds : 1) * 1000));
        continue;
      }
      throw new Error(`${route} ${query["path"]}: ${response.status} ${text.slice(0, 200)}`);
    }
  };
  const local = (workspacePath: string) =>
    path.join(options.targetDir, ...workspacePath.split("/").filter((s) => s.length > 0));

  const started = performance.now();
  const walk = async (dir: string): Promise<void> => {
    result.listCalls++;
    const listing = await call<{ objects?: ListedObject[] }>("/api/2.0/workspace/list", { path: dir });
    await mkdir(local(dir), { recursive: true });
    for (const object of listing.objects ?? []) {
      if (!object.path) continue;
      if (object.object_type === "DIRECTORY") {
        await walk(object.path);
      } else if (object.object_type === "NOTEBOOK" || object.object_type === "FILE") {
        result.exportCalls++;
        const notebook = object.object_type === "NOTEBOOK";
        const exported = await call<{ content?: string }>("/api/2.0/workspace/export", {
          path: object.path,
          format: notebook ? "SOURCE" : "AUTO",
        });
        const body = Buffer.from(exported.content ?? "", "base64");
        const file = local(object.path) + (notebook ? (EXTENSIONS[object.language ?? ""] ?? "") : "");
        await writeFile(file, body);
        result.files++;
        result.bytes += body.length;
      }
    }
  };
  await walk(options.root);
  result.wallMs = Math.round(performance.now() - started);
  return result;
}
