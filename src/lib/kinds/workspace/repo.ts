// Git folders (repos): backed up as remote, provider, branch, path and sparse checkout; restored by
// re-cloning from the remote at the same path and checking out the branch; validated field by field.
import type { CreateRepoRequest, Repo } from "../../clients/databricks/index.js";
import { isAzdrError } from "../../errors.js";
import { collect } from "../../concurrency.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet, differingFields } from "../compare.js";
import {
  bodyOf,
  CONFIG,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  pick,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "repos",
  title: "Git folders",
  why: "Re-cloned from their remotes.",
};

/** What a Git folder is, as restored and compared (the head commit follows the branch). */
const REPO_SPEC = ["url", "provider", "branch", "path", "sparse_checkout"];

/** The target's Git folders by path. */
function targetRepos(r: WorkspaceRestore): Promise<Map<string, Json>> {
  return r.memo(
    "repos",
    async () =>
      new Map((await collect(r.api.repos.list())).map((found) => [String(found.path), found as Json])),
  );
}

export const repo: WorkspaceKind = {
  kind: "repo",
  label: "Git folder (repo)",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "re-cloned; remote, provider, branch, sparse checkout",
  },
  entryPath: (id) => jsonEntryPath("repos", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const repos = await collect(b.api.repos.list());
      for (const found of repos)
        entries.push(
          await b.ctx.store.putJson(repo.entryPath(String(found.id)), repo.kind, {
            id: found["id"],
            url: found["url"],
            provider: found["provider"],
            branch: found["branch"],
            path: found["path"],
            ...(found["sparse_checkout"] ? { sparse_checkout: found["sparse_checkout"] } : {}),
          }),
        );
      return { entries, work: [], summary: { repos: repos.length } };
    },
  },

  async plan(r, entries) {
    const repos = await targetRepos(r);
    const items = [];
    for (const entry of entries) {
      const path = String((await bodyOf(r, entry))["path"]);
      items.push({
        ...itemBase(repo, entry, path),
        ...(repos.has(path)
          ? { action: "skip" as const, reason: "Git folder exists" }
          : { action: "create" as const, reason: "not in the target" }),
      });
    }
    return { items };
  },

  async apply(r, item) {
    const body = await bodyOf(r, item);
    let created: Repo;
    try {
      created = await r.api.repos.create(
        pick(body, ["url", "provider", "path", "sparse_checkout"]) as unknown as CreateRepoRequest,
      );
    } catch (error) {
      // An earlier attempt cloned it and its answer was lost.
      if (isAzdrError(error, "ALREADY_EXISTS"))
        return { status: "skipped", detail: "already exists (created by an earlier attempt?)" };
      throw error;
    }
    const branch = body["branch"];
    if (typeof branch === "string" && branch) await r.api.repos.update(created.id, { branch });
    return { status: "created" };
  },

  async validate(r, planned) {
    const repos = await targetRepos(r);
    return [
      await checkSet("Git folders restored", planned, async (item) => {
        const have = repos.get(item.target!);
        if (!have) return "missing";
        const want = pick(await bodyOf(r, item), REPO_SPEC);
        const fields = differingFields(want, have);
        if (fields.includes("url"))
          return `points at ${String(have["url"])}, expected ${String(want["url"])}`;
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
