// Repos API: a repo is also a REPO object in the workspace tree (at /Repos/<user>/<name>).
import type { SimService } from "../core/server.js";
import type { Json, WorkspaceState } from "./state.js";
import { body, clone, err, hex, ok, paginate, str } from "./util.js";

const PROVIDERS = [
  "gitHub",
  "bitbucketCloud",
  "gitLab",
  "azureDevOpsServices",
  "gitHubEnterprise",
  "bitbucketServer",
  "gitLabEnterpriseEdition",
  "awsCodeCommit",
];

export function createRepo(state: WorkspaceState, spec: Json): Json {
  const url = str(spec.url, "url", true);
  const provider = str(spec.provider, "provider", true);
  if (!PROVIDERS.some((p) => p.toLowerCase() === provider.toLowerCase()))
    throw err.invalid(`Invalid Git provider: ${provider}`);
  const name =
    url
      .replace(/\.git$/, "")
      .split("/")
      .pop() ?? "repo";
  const path = str(spec.path, "path") ?? `/Repos/${state.userName}/${name}`;
  if (state.tree.get(path)) throw err.exists(`Path (${path}) already exists.`, "RESOURCE_ALREADY_EXISTS");
  const obj = state.tree.put({ path, object_type: "REPO" }, { createParents: true });
  const repo: Json = {
    id: obj.object_id,
    path,
    url,
    provider,
    branch: str(spec.branch, "branch") ?? "main",
    head_commit_id: hex(state.rand, 40),
  };
  if (spec.sparse_checkout) repo.sparse_checkout = clone(spec.sparse_checkout);
  state.repos.set(obj.object_id, repo);
  return repo;
}

export function registerRepoRoutes(service: SimService, state: WorkspaceState, pageSize = 20): void {
  const getRepo = (raw: string | undefined): Json => {
    const repo = state.repos.get(Number(raw));
    if (!repo) throw err.notFound(`Repo ${raw} does not exist.`);
    return repo;
  };
  service.route("GET", "/api/2.0/repos", (req) => {
    const prefix = req.query.get("path_prefix");
    const all = [...state.repos.values()].filter((r) => !prefix || (r.path as string).startsWith(prefix));
    const page = paginate(all, req.query.get("next_page_token"), { pageSize });
    const out: Json = {};
    if (page.items.length) out.repos = page.items;
    if (page.nextPageToken) out.next_page_token = page.nextPageToken;
    return ok(out);
  });
  service.route("POST", "/api/2.0/repos", (req) => ok(createRepo(state, body(req))));
  service.route("GET", "/api/2.0/repos/:id", (req) => ok(getRepo(req.params.id)));
  service.route("PATCH", "/api/2.0/repos/:id", (req) => {
    const repo = getRepo(req.params.id);
    const b = body(req);
    if (b.branch !== undefined && b.tag !== undefined)
      throw err.invalid("Only one of branch or tag can be specified");
    if (typeof b.branch === "string") repo.branch = b.branch;
    if (typeof b.tag === "string") repo.branch = "";
    if (b.branch !== undefined || b.tag !== undefined) repo.head_commit_id = hex(state.rand, 40);
    if (b.sparse_checkout) repo.sparse_checkout = clone(b.sparse_checkout);
    return ok({});
  });
  service.route("DELETE", "/api/2.0/repos/:id", (req) => {
    const repo = getRepo(req.params.id);
    state.repos.delete(repo.id as number);
    state.tree.delete(repo.path as string, true);
    state.permissions.delete(`repos/${String(repo.id)}`);
    return ok({});
  });
}
