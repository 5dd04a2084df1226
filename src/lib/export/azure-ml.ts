// Azure ML assets as the YAML files of the Azure ML CLI v2 (`az ml <asset> create --file`): model
// versions with their artifact files, environment versions with their conda file and Docker build
// context, data asset versions, datastores (identity-based: credentials are never backed up) and
// compute clusters. Anything else is written as the JSON ARM returned.
import { stringify } from "yaml";
import type { ManifestEntry } from "../store/manifest.js";
import { readAll, safeRelative, type ComponentExporter, type ExportSink } from "./sink.js";

type Json = Record<string, unknown>;

const SCHEMA = "https://azuremlschemas.azureedge.net/latest";
const ROOT = "azure-ml";

const str = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;

/** MLFlowModel / mlflow_model → mlflow_model (the CLI's snake case). */
export function snakeType(value: unknown, fallback: string): string {
  const raw = str(value);
  if (!raw) return fallback;
  if (raw.includes("_")) return raw.toLowerCase();
  return raw
    .replace(/MLFlow/g, "Mlflow")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

function withoutEmpty(value: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null || v === "") continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

const yamlFile = (value: Json) => stringify(withoutEmpty(value), { lineWidth: 0 });

/** models/<m>/versions/<v>/files/<rest> → [m, v, rest]; decodes the path segments. */
function split(path: string, head: string, marker: string): [string, string, string] | undefined {
  const parts = path.split("/");
  if (parts[0] !== head || parts[2] !== "versions") return undefined;
  const name = decodeURIComponent(parts[1] ?? "");
  const version = decodeURIComponent((parts[3] ?? "").replace(/\.json$/, ""));
  const rest = parts[4] === marker ? parts.slice(5).join("/") : "";
  return [name, version, rest];
}

const seg = (value: string) => safeRelative(value.replaceAll("/", "_"));

async function writeArtifacts(
  sink: ExportSink,
  entries: ManifestEntry[],
  head: string,
  marker: string,
  folder: (name: string, version: string) => string,
): Promise<Set<string>> {
  const withFiles = new Set<string>();
  await readAll(sink, entries, async (entry, body) => {
    const parsed = split(entry.path, head, marker);
    if (!parsed || !parsed[2]) return;
    const [name, version, rest] = parsed;
    await sink.write(`${folder(name, version)}/${marker}/${safeRelative(rest)}`, body);
    withFiles.add(`${name}/${version}`);
  });
  return withFiles;
}

export const exportAzureMl: ComponentExporter = async (manifest, sink) => {
  const byKind = (kind: string) => manifest.entries.filter((e) => e.kind === kind);
  const written = new Set<string>();
  const modelFolder = (m: string, v: string) => `${ROOT}/models/${seg(m)}/${seg(v)}`;
  const environmentFolder = (n: string, v: string) => `${ROOT}/environments/${seg(n)}/${seg(v)}`;

  const modelFiles = await writeArtifacts(sink, byKind("ml-model-artifact"), "models", "files", modelFolder);
  await readAll(sink, byKind("ml-model-version"), async (entry) => {
    const version = await sink.json<Json>(entry);
    const p = (version["properties"] ?? {}) as Json;
    const model = str(entry.meta?.["model"]) ?? split(entry.path, "models", "")?.[0] ?? "model";
    const v = str(version["name"]) ?? "1";
    const hasFiles = modelFiles.has(`${model}/${v}`);
    if (!hasFiles && str(p["modelUri"]))
      sink.note(
        entry.path,
        `artifact files not in the backup: model.yml points at the original ${String(p["modelUri"])}`,
      );
    await sink.write(
      `${modelFolder(model, v)}/model.yml`,
      yamlFile({
        $schema: `${SCHEMA}/model.schema.json`,
        name: model,
        version: v,
        type: snakeType(p["modelType"], "custom_model"),
        path: hasFiles ? "files" : p["modelUri"],
        description: p["description"],
        stage: p["stage"],
        tags: p["tags"],
        properties: p["properties"],
      }),
    );
  });

  const contexts = await writeArtifacts(
    sink,
    byKind("ml-build-context"),
    "environments",
    "context",
    environmentFolder,
  );
  await readAll(sink, byKind("ml-environment-version"), async (entry) => {
    const version = await sink.json<Json>(entry);
    const p = (version["properties"] ?? {}) as Json;
    const name = str(entry.meta?.["name"]) ?? split(entry.path, "environments", "")?.[0] ?? "environment";
    const v = str(version["name"]) ?? "1";
    const folder = environmentFolder(name, v);
    const conda = str(p["condaFile"]);
    if (conda) await sink.write(`${folder}/conda.yml`, conda);
    const build = (p["build"] ?? {}) as Json;
    const hasContext = contexts.has(`${name}/${v}`);
    if (str(build["contextUri"]) && !hasContext)
      sink.note(
        entry.path,
        `build context not in the backup: environment.yml points at ${String(build["contextUri"])}`,
      );
    await sink.write(
      `${folder}/environment.yml`,
      yamlFile({
        $schema: `${SCHEMA}/environment.schema.json`,
        name,
        version: v,
        image: p["image"],
        conda_file: conda ? "conda.yml" : undefined,
        build: str(build["contextUri"])
          ? withoutEmpty({
              path: hasContext ? "context" : build["contextUri"],
              dockerfile_path: build["dockerfilePath"],
            })
          : undefined,
        os_type: typeof p["osType"] === "string" ? p["osType"].toLowerCase() : undefined,
        description: p["description"],
        tags: p["tags"],
      }),
    );
  });

  await readAll(sink, byKind("ml-data-version"), async (entry) => {
    const version = await sink.json<Json>(entry);
    const p = (version["properties"] ?? {}) as Json;
    const name = str(entry.meta?.["name"]) ?? split(entry.path, "data", "")?.[0] ?? "data";
    const v = str(version["name"]) ?? "1";
    await sink.write(
      `${ROOT}/data/${seg(name)}/${seg(v)}.yml`,
      yamlFile({
        $schema: `${SCHEMA}/data.schema.json`,
        name,
        version: v,
        type: snakeType(p["dataType"], "uri_folder"),
        path: p["dataUri"],
        description: p["description"],
        tags: p["tags"],
      }),
    );
  });

  await readAll(sink, byKind("ml-datastore"), async (entry) => {
    const d = await sink.json<Json>(entry);
    const p = (d["properties"] ?? {}) as Json;
    const type = str(p["datastoreType"]) ?? "";
    const shapes: Record<string, [string, string, Json]> = {
      AzureBlob: ["azureBlob", "azure_blob", { container_name: p["containerName"] }],
      AzureDataLakeGen2: ["azureDataLakeGen2", "azure_data_lake_gen2", { filesystem: p["filesystem"] }],
      AzureFile: ["azureFile", "azure_file", { file_share_name: p["fileShareName"] }],
    };
    const shape = shapes[type];
    const name = str(d["name"]) ?? "datastore";
    if (!shape) {
      sink.note(entry.path, `datastore type ${type || "?"} has no az ml YAML here: written as ARM JSON`);
      await sink.write(`${ROOT}/datastores/${seg(name)}.json`, `${JSON.stringify(d, null, 2)}\n`);
      return;
    }
    await sink.write(
      `${ROOT}/datastores/${seg(name)}.yml`,
      yamlFile({
        $schema: `${SCHEMA}/${shape[0]}.schema.json`,
        name,
        type: shape[1],
        account_name: p["accountName"],
        ...shape[2],
        endpoint: p["endpoint"],
        protocol: p["protocol"],
        description: p["description"],
        tags: p["tags"],
      }),
    );
    const credentials = str(((p["credentials"] ?? {}) as Json)["credentialsType"]);
    if (credentials && credentials !== "None")
      sink.note(
        entry.path,
        `credentials (${credentials}) are never backed up: add them to the YAML, or use identity-based access`,
      );
  });

  await readAll(sink, byKind("ml-compute"), async (entry) => {
    const c = await sink.json<Json>(entry);
    const p = (c["properties"] ?? {}) as Json;
    const name = str(c["name"]) ?? "compute";
    const props = (p["properties"] ?? {}) as Json;
    const scale = (props["scaleSettings"] ?? {}) as Json;
    if (p["computeType"] !== "AmlCompute") {
      await sink.write(`${ROOT}/computes/${seg(name)}.json`, `${JSON.stringify(c, null, 2)}\n`);
      return;
    }
    await sink.write(
      `${ROOT}/computes/${seg(name)}.yml`,
      yamlFile({
        $schema: `${SCHEMA}/amlCompute.schema.json`,
        name,
        type: "amlcompute",
        size: props["vmSize"],
        tier:
          typeof props["vmPriority"] === "string" && props["vmPriority"] === "LowPriority"
            ? "low_priority"
            : undefined,
        min_instances: scale["minNodeCount"],
        max_instances: scale["maxNodeCount"],
        idle_time_before_scale_down:
          typeof scale["nodeIdleTimeBeforeScaleDown"] === "string"
            ? isoSeconds(scale["nodeIdleTimeBeforeScaleDown"])
            : undefined,
        description: p["description"],
      }),
    );
  });

  const yamlKinds = new Set([
    "ml-model-artifact",
    "ml-model-version",
    "ml-build-context",
    "ml-environment-version",
    "ml-data-version",
    "ml-datastore",
    "ml-compute",
  ]);
  // Workspace, model / environment / data containers: the ARM JSON, for reference.
  await readAll(
    sink,
    manifest.entries.filter((e) => !yamlKinds.has(e.kind)),
    async (entry, body) => {
      await sink.write(`${ROOT}/arm/${safeRelative(entry.path)}`, body);
      written.add(entry.path);
    },
  );
  for (const s of manifest.skipped) sink.note(s.path, `not in the backup: ${s.reason}`);

  return {
    title: "Azure ML",
    body: [
      "YAML files of the Azure ML CLI v2, one per asset version; run from the folder of each file (paths inside are relative to it):",
      "",
      "- `azure-ml/models/<model>/<version>/model.yml` (+ `files/`, the artifact files byte for byte): `az ml model create --file model.yml -w <workspace> -g <group>`",
      "- `azure-ml/environments/<name>/<version>/environment.yml` (+ `conda.yml`, `context/`): `az ml environment create --file environment.yml …`",
      "- `azure-ml/data/<name>/<version>.yml`: `az ml data create --file <version>.yml …` (the data itself stays where `path` points)",
      "- `azure-ml/datastores/<name>.yml`: `az ml datastore create --file <name>.yml …` (identity-based; credentials were never backed up)",
      "- `azure-ml/computes/<name>.yml`: `az ml compute create --file <name>.yml …`",
      "- `azure-ml/arm/`: the workspace and asset containers as ARM returned them (reference for `az ml workspace create` or ARM templates).",
    ],
  };
};

/** PT15M → 900 (the CLI takes seconds). */
function isoSeconds(duration: string): number | undefined {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(duration);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
