// Cluster libraries (/api/2.0/libraries), per the Databricks REST reference: install (asynchronous:
// on a running cluster a library goes INSTALLED, on a terminated one it stays PENDING until the
// cluster starts), uninstall (UNINSTALL_ON_RESTART until the next restart; a library that is not
// installed is ignored), cluster-status (in install order) and all-cluster-statuses. A library
// sets exactly one of jar, egg, whl, pypi, maven, cran or requirements; pypi and cran need a
// package, maven coordinates. An unknown cluster is a 400 INVALID_PARAMETER_VALUE, as the
// clusters API answers.
import type { SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, clone, err, ok, str } from "./util.js";

const LIBRARY_KINDS = ["jar", "egg", "whl", "pypi", "maven", "cran", "requirements"];

export interface LibraryEntry {
  library: Json;
  status: "PENDING" | "INSTALLED" | "UNINSTALL_ON_RESTART";
}

/** Canonical text of a library: the same library installed twice is one entry. */
export function libraryKey(library: Json): string {
  return JSON.stringify(
    Object.keys(library)
      .sort()
      .map((k) => [k, library[k]]),
  );
}

function validateLibrary(value: unknown): Json {
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw err.invalid("Each library must be an object");
  const library = value as Json;
  const kinds = LIBRARY_KINDS.filter((k) => library[k] !== undefined);
  if (kinds.length !== 1)
    throw err.invalid(
      `A library must set exactly one of ${LIBRARY_KINDS.join(", ")} (got ${kinds.join(", ") || "none"})`,
    );
  const kind = kinds[0]!;
  if (kind === "pypi" || kind === "cran")
    str((library[kind] as Json | undefined)?.package, `${kind}.package`, true);
  else if (kind === "maven") str((library.maven as Json | undefined)?.coordinates, "maven.coordinates", true);
  else str(library[kind], kind, true);
  return clone(library);
}

export class LibraryState {
  readonly byCluster = new Map<string, LibraryEntry[]>();

  constructor(private readonly state: WorkspaceState) {}

  private cluster(id: unknown): Json {
    const clusterId = str(id, "cluster_id", true);
    const cluster = this.state.clusters.get(clusterId);
    if (!cluster) throw err.invalid(`Cluster ${clusterId} does not exist`);
    return cluster;
  }

  install(clusterId: unknown, libraries: unknown): void {
    const cluster = this.cluster(clusterId);
    if (!Array.isArray(libraries) || libraries.length === 0)
      throw err.invalid("Missing required field: libraries");
    const validated = libraries.map(validateLibrary);
    const list = this.byCluster.get(cluster.cluster_id as string) ?? [];
    for (const library of validated) {
      const existing = list.find((e) => libraryKey(e.library) === libraryKey(library));
      if (existing) {
        if (existing.status === "UNINSTALL_ON_RESTART") existing.status = "INSTALLED";
        continue;
      }
      list.push({ library, status: cluster.state === "RUNNING" ? "INSTALLED" : "PENDING" });
    }
    this.byCluster.set(cluster.cluster_id as string, list);
  }

  uninstall(clusterId: unknown, libraries: unknown): void {
    const cluster = this.cluster(clusterId);
    if (!Array.isArray(libraries)) throw err.invalid("Missing required field: libraries");
    const list = this.byCluster.get(cluster.cluster_id as string) ?? [];
    for (const library of libraries.map(validateLibrary)) {
      const existing = list.find((e) => libraryKey(e.library) === libraryKey(library));
      if (existing) existing.status = "UNINSTALL_ON_RESTART";
    }
  }

  /** Statuses as the API shows them: a PENDING library on a cluster that has started is installed. */
  statuses(clusterId: string): Json[] {
    const cluster = this.state.clusters.get(clusterId);
    const list = this.byCluster.get(clusterId) ?? [];
    if (!cluster) {
      this.byCluster.delete(clusterId);
      return [];
    }
    for (const e of list) if (e.status === "PENDING" && cluster.state === "RUNNING") e.status = "INSTALLED";
    return list.map((e) => ({
      library: clone(e.library),
      status: e.status,
      is_library_for_all_clusters: false,
    }));
  }
}

export function registerLibraryRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/libraries";
  const libraries = state.libraries;
  service.route("GET", `${base}/cluster-status`, (req) => {
    const clusterId = str(req.query.get("cluster_id"), "cluster_id", true);
    if (!state.clusters.has(clusterId)) throw err.invalid(`Cluster ${clusterId} does not exist`);
    const statuses = libraries.statuses(clusterId);
    return ok({ cluster_id: clusterId, ...(statuses.length ? { library_statuses: statuses } : {}) });
  });
  service.route("GET", `${base}/all-cluster-statuses`, () => {
    const statuses = [...libraries.byCluster.keys()]
      .map((id) => ({ cluster_id: id, library_statuses: libraries.statuses(id) }))
      .filter((s) => s.library_statuses.length > 0);
    return ok(statuses.length ? { statuses } : {});
  });
  service.route("POST", `${base}/install`, (req) => {
    const b = body(req);
    libraries.install(b.cluster_id, b.libraries);
    return ok({});
  });
  service.route("POST", `${base}/uninstall`, (req) => {
    const b = body(req);
    libraries.uninstall(b.cluster_id, b.libraries);
    return ok({});
  });
}
