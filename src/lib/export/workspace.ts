// Databricks workspace snapshots as plain files: notebooks as their exported SOURCE text with the
// extension of their language, files byte for byte, in their folder tree; jobs, cluster policies,
// clusters, pools, secret scopes, repos and global init scripts as the JSON bodies of their create
// calls (what `databricks <group> create --json @file` and the REST API accept).
import type { ManifestEntry } from "../store/manifest.js";
import { readAll, safeRelative, type ComponentExporter } from "./sink.js";

type Json = Record<string, unknown>;

/** A JSON scalar as text; anything else is "". */
const text = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" ? String(value) : "";

/** What the Databricks CLI's import-dir and the UI recognise as a notebook of each language. */
export const NOTEBOOK_EXTENSIONS: Record<string, string> = {
  PYTHON: ".py",
  SQL: ".sql",
  SCALA: ".scala",
  R: ".r",
};

export interface WorkspaceIndexEntry {
  /** File in the export, relative to its root. */
  file: string;
  /** Workspace path to import it at. */
  path: string;
  type: "NOTEBOOK" | "FILE" | "DIRECTORY";
  language?: string;
  sha256?: string;
}

export const WORKSPACE_FOLDER = "workspace";
export const WORKSPACE_INDEX = "workspace-index.json";

/** Notebook /a/etl (PYTHON) → workspace/a/etl.py; a file keeps its name. Collisions get ".notebook". */
function plannedFiles(entries: ManifestEntry[]): Map<ManifestEntry, string> {
  const files = new Map<ManifestEntry, string>();
  const taken = new Set<string>();
  const ordered = [...entries].sort((a, b) => (a.kind === "FILE" ? -1 : b.kind === "FILE" ? 1 : 0));
  for (const entry of ordered) {
    if (entry.kind !== "NOTEBOOK" && entry.kind !== "FILE") continue;
    const base = `${WORKSPACE_FOLDER}/${safeRelative(entry.path)}`;
    let file = base;
    if (entry.kind === "NOTEBOOK") {
      const extension = NOTEBOOK_EXTENSIONS[text(entry.meta?.["language"])] ?? ".txt";
      file = `${base}${extension}`;
      if (taken.has(file.toLowerCase())) file = `${base}.notebook${extension}`;
    }
    taken.add(file.toLowerCase());
    files.set(entry, file);
  }
  return files;
}

export const exportWorkspaceObjects: ComponentExporter = async (manifest, sink) => {
  const files = plannedFiles(manifest.entries);
  const index: WorkspaceIndexEntry[] = [];
  for (const entry of manifest.entries) {
    if (entry.kind === "DIRECTORY") {
      await sink.folder(`${WORKSPACE_FOLDER}/${safeRelative(entry.path)}`);
      index.push({
        file: `${WORKSPACE_FOLDER}/${safeRelative(entry.path)}`,
        path: entry.path,
        type: "DIRECTORY",
      });
    }
  }
  await readAll(
    sink,
    manifest.entries.filter((e) => files.has(e)),
    async (entry, body) => {
      const file = files.get(entry)!;
      await sink.write(file, body);
      const language = entry.meta?.["language"];
      if (entry.kind === "NOTEBOOK" && typeof language !== "string")
        sink.note(
          entry.path,
          "notebook without a language in the snapshot: written as .txt, import it with the right --language",
        );
      index.push({
        file,
        path: entry.path,
        type: entry.kind as "NOTEBOOK" | "FILE",
        ...(typeof language === "string" ? { language } : {}),
        sha256: entry.sha256,
      });
    },
  );
  for (const skipped of manifest.skipped) sink.note(skipped.path, `not in the backup: ${skipped.reason}`);
  index.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  await sink.write(WORKSPACE_INDEX, `${JSON.stringify(index, null, 2)}\n`);
  const notebooks = index.filter((i) => i.type === "NOTEBOOK").length;
  const plain = index.filter((i) => i.type === "FILE").length;
  return {
    title: "Databricks workspace notebooks and files",
    body: [
      `\`${WORKSPACE_FOLDER}/\` is the workspace tree: ${notebooks} notebook(s) as their exported SOURCE text, with the extension of their language (${Object.entries(
        NOTEBOOK_EXTENSIONS,
      )
        .map(([l, e]) => `${l} \`${e}\``)
        .join(", ")}), and ${plain} workspace file(s) byte for byte. Empty folders are kept.`,
      `\`${WORKSPACE_INDEX}\` maps every exported file to its workspace path, type and language (and the sha256 of its content).`,
      "Re-import with the Databricks CLI (notebooks are recognised by their `Databricks notebook source` header and extension; a workspace FILE that starts with that header, such as a `.py` file, would come back as a notebook: import the files the index marks FILE one at a time with format RAW, as below):",
      "",
      "```sh",
      `databricks workspace import-dir ./${WORKSPACE_FOLDER} / --overwrite`,
      "```",
      "",
      "Or one object at a time over REST, for each row of the index: notebooks with their language, files as they are:",
      "",
      "```sh",
      `# POST /api/2.0/workspace/mkdirs {"path": "<parent folder>"}`,
      `# POST /api/2.0/workspace/import {"path": "<path>", "format": "SOURCE", "language": "<language>", "content": "<base64 of the file>", "overwrite": false}   (notebooks)`,
      `# POST /api/2.0/workspace/import {"path": "<path>", "format": "RAW", "content": "<base64 of the file>", "overwrite": false}                            (files)`,
      "```",
    ],
  };
};

// ---- workspace configuration ------------------------------------------------------------------

const slug = (value: unknown) =>
  text(value)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80) || "unnamed";

function pick(source: Json, fields: string[]): Json {
  const out: Json = {};
  for (const f of fields) if (source[f] !== undefined && source[f] !== null) out[f] = source[f];
  return out;
}

function omit(source: Json, fields: string[]): Json {
  const out: Json = { ...source };
  for (const f of fields) delete out[f];
  return out;
}

/** The Permissions API's set body from a GET answer: direct (not inherited) grants only. */
export function permissionsPayload(acl: Json): Json {
  const list = (acl["access_control_list"] as Json[] | undefined) ?? [];
  const entries: Json[] = [];
  for (const item of list) {
    const principal = pick(item, ["user_name", "group_name", "service_principal_name"]);
    for (const p of (item["all_permissions"] as Json[] | undefined) ?? []) {
      if (p["inherited"] === true) continue;
      entries.push({ ...principal, permission_level: p["permission_level"] });
    }
    if (!item["all_permissions"] && item["permission_level"])
      entries.push({ ...principal, permission_level: item["permission_level"] });
  }
  return { access_control_list: entries };
}

interface ConfigFile {
  folder: string;
  /** The create body (or bodies) and any companion files. */
  files: { name: string; value: unknown }[];
  index: Json;
}

function configFiles(entry: ManifestEntry, value: Json): ConfigFile | undefined {
  const id = entry.path
    .split("/")
    .pop()!
    .replace(/\.json$/, "");
  switch (entry.kind) {
    case "job": {
      const settings = (value["settings"] ?? {}) as Json;
      const name = `${slug(settings["name"])}-${id}`;
      return {
        folder: "jobs",
        files: [{ name: `${name}.json`, value: settings }],
        index: { file: `jobs/${name}.json`, sourceJobId: value["job_id"], name: settings["name"] },
      };
    }
    case "cluster-policy": {
      const name = `${slug(value["name"])}-${id}`;
      return {
        folder: "cluster-policies",
        files: [
          {
            name: `${name}.json`,
            // A family policy ("Personal Compute"…) is created from its family and overrides: the API
            // refuses definition together with policy_family_id.
            value: pick(value, [
              "name",
              ...(value["policy_family_id"] ? [] : ["definition"]),
              "description",
              "max_clusters_per_user",
              "policy_family_id",
              "policy_family_definition_overrides",
              "libraries",
            ]),
          },
        ],
        index: {
          file: `cluster-policies/${name}.json`,
          sourcePolicyId: value["policy_id"],
          name: value["name"],
        },
      };
    }
    case "cluster": {
      const name = `${slug(value["cluster_name"])}-${id}`;
      return {
        folder: "clusters",
        files: [
          { name: `${name}.json`, value: omit(value, ["cluster_id", "cluster_source", "spec", "state"]) },
        ],
        index: {
          file: `clusters/${name}.json`,
          sourceClusterId: value["cluster_id"],
          name: value["cluster_name"],
        },
      };
    }
    case "instance-pool": {
      const name = `${slug(value["instance_pool_name"])}-${id}`;
      return {
        folder: "instance-pools",
        files: [{ name: `${name}.json`, value: omit(value, ["instance_pool_id"]) }],
        index: {
          file: `instance-pools/${name}.json`,
          sourcePoolId: value["instance_pool_id"],
          name: value["instance_pool_name"],
        },
      };
    }
    case "secret-scope": {
      const scope = String(value["name"]);
      const name = slug(scope);
      const keyVault = value["backend_type"] === "AZURE_KEYVAULT";
      const create: Json = {
        scope,
        scope_backend_type: keyVault ? "AZURE_KEYVAULT" : "DATABRICKS",
        ...(keyVault && value["keyvault_metadata"]
          ? { backend_azure_keyvault: value["keyvault_metadata"] }
          : {}),
      };
      const acls = ((value["acls"] as Json[] | undefined) ?? []).map((a) => ({
        scope,
        principal: a["principal"],
        permission: a["permission"],
      }));
      const keys = ((value["keys"] as Json[] | undefined) ?? []).map((k) => k["key"]);
      return {
        folder: "secret-scopes",
        files: [
          { name: `${name}.json`, value: create },
          { name: `${name}.acls.json`, value: acls },
          ...(keys.length ? [{ name: `${name}.keys-without-values.json`, value: { scope, keys } }] : []),
        ],
        index: { file: `secret-scopes/${name}.json`, scope, keysNeedingValues: keys.length },
      };
    }
    case "repo": {
      const name = `${slug(text(value["path"]).split("/").pop())}-${id}`;
      return {
        folder: "repos",
        files: [
          { name: `${name}.json`, value: pick(value, ["url", "provider", "path", "sparse_checkout"]) },
          ...(value["branch"] ? [{ name: `${name}.update.json`, value: { branch: value["branch"] } }] : []),
        ],
        index: { file: `repos/${name}.json`, path: value["path"], branch: value["branch"] },
      };
    }
    case "global-init-script": {
      const name = `${slug(value["name"])}-${id}`;
      return {
        folder: "global-init-scripts",
        files: [{ name: `${name}.json`, value: pick(value, ["name", "script", "position", "enabled"]) }],
        index: { file: `global-init-scripts/${name}.json`, name: value["name"] },
      };
    }
    case "permissions": {
      const [, objectType] = entry.path.split("/");
      return {
        folder: `permissions/${objectType}`,
        files: [{ name: `${id}.json`, value: permissionsPayload(value) }],
        index: {
          file: `permissions/${objectType}/${id}.json`,
          objectType,
          sourceObjectId: id,
          ...(entry.meta?.["label"] ? { label: entry.meta["label"] } : {}),
        },
      };
    }
    default:
      return undefined;
  }
}

const FOLDER_HELP: [string, string][] = [
  [
    "jobs",
    "`databricks jobs create --json @jobs/<file>.json` or `POST /api/2.2/jobs/create` with the file as body",
  ],
  [
    "cluster-policies",
    "`databricks cluster-policies create --json @cluster-policies/<file>.json` or `POST /api/2.0/policies/clusters/create`",
  ],
  [
    "clusters",
    "`databricks clusters create --json @clusters/<file>.json` or `POST /api/2.1/clusters/create` (it starts the cluster; terminate it if it should not run)",
  ],
  [
    "instance-pools",
    "`databricks instance-pools create --json @instance-pools/<file>.json` or `POST /api/2.0/instance-pools/create`",
  ],
  [
    "secret-scopes",
    "`databricks secrets create-scope --json @secret-scopes/<scope>.json` or `POST /api/2.0/secrets/scopes/create`; then each ACL of `<scope>.acls.json` with `POST /api/2.0/secrets/acls/put`. Secret values are never backed up: `<scope>.keys-without-values.json` lists the keys to set again (`databricks secrets put-secret`)",
  ],
  [
    "repos",
    "`databricks repos create --json @repos/<file>.json` or `POST /api/2.0/repos`; then check out the branch of `<file>.update.json` with `PATCH /api/2.0/repos/<new id>`",
  ],
  ["global-init-scripts", "`POST /api/2.0/global-init-scripts` with the file as body (the script is base64)"],
  [
    "permissions",
    "`PUT /api/2.0/permissions/<objectType>/<new object id>` with the file as body (direct grants only; inherited ones come from the parent). Object ids change in a new workspace: `config-index.json` says which object each file belonged to",
  ],
];

export const exportWorkspaceConfig: ComponentExporter = async (manifest, sink) => {
  const index: Record<string, Json[]> = {};
  const folders = new Set<string>();
  await readAll(sink, manifest.entries, async (entry) => {
    const value = await sink.json<Json>(entry);
    const planned = configFiles(entry, value);
    if (!planned) {
      sink.note(entry.path, `kind ${entry.kind} has no create payload; written as backed up under other/`);
      await sink.write(`other/${safeRelative(entry.path)}`, `${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    for (const file of planned.files)
      await sink.write(`${planned.folder}/${file.name}`, `${JSON.stringify(file.value, null, 2)}\n`);
    const group = planned.folder.split("/")[0]!;
    folders.add(group);
    (index[group] ??= []).push(planned.index);
  });
  for (const list of Object.values(index))
    list.sort((a, b) => String(a["file"]).localeCompare(String(b["file"])));
  await sink.write("config-index.json", `${JSON.stringify(index, null, 2)}\n`);
  return {
    title: "Databricks workspace configuration",
    body: [
      "Each file is the JSON body of the create call, as the Databricks CLI (`--json @file`) and the REST API accept it. `config-index.json` maps each file to the object it was backed up from (source ids, names).",
      "",
      ...FOLDER_HELP.filter(([folder]) => folders.has(folder)).map(
        ([folder, help]) => `- \`${folder}/\`: ${help}.`,
      ),
      "",
      "Create in this order: cluster policies and instance pools, then clusters, then jobs (jobs name the cluster, policy and pool ids and `run_job_task` job ids of the old workspace: replace them with the new ids first), then secret scopes, repos, global init scripts and permissions.",
    ],
  };
};
