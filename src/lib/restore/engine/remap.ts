// Remapping rules applied at restore time: workspace URLs, storage accounts and abfss roots,
// catalog storage roots, principals, and cluster / policy / pool ids.
import type { Remap } from "./request-schema.js";

/** Rewrite storage references in a URL or any string: abfss roots first, then account names. */
export function remapStorage(value: string, remap: Remap): string {
  let out = value;
  for (const rule of remap.abfssRoots)
    if (out.startsWith(rule.from)) out = rule.to + out.slice(rule.from.length);
  for (const rule of remap.storageAccounts) {
    out = out.replaceAll(`@${rule.from}.dfs.core.windows.net`, `@${rule.to}.dfs.core.windows.net`);
    out = out.replaceAll(`//${rule.from}.blob.core.windows.net`, `//${rule.to}.blob.core.windows.net`);
  }
  for (const rule of remap.workspaceUrls) out = out.replaceAll(rule.from, rule.to);
  return out;
}

export function remapPrincipal(principal: string, remap: Remap): string {
  return remap.principals.find((r) => r.from === principal)?.to ?? principal;
}

/** Apply string rewrites to every string in a JSON value (settings, definitions). */
export function remapDeep<T>(value: T, rewrite: (s: string) => string): T {
  if (typeof value === "string") return rewrite(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => remapDeep(v, rewrite)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = remapDeep(v, rewrite);
    return out as T;
  }
  return value;
}

/** Old → new id maps, learned while restoring and seeded by explicit rules. */
export type IdMaps = {
  jobs: Record<string, string>;
  clusters: Record<string, string>;
  policies: Record<string, string>;
  pools: Record<string, string>;
};

export function emptyIdMaps(remap?: Remap): IdMaps {
  const from = (rules: { from: string; to: string }[] | undefined) =>
    Object.fromEntries((rules ?? []).map((r) => [r.from, r.to]));
  return {
    jobs: {},
    clusters: from(remap?.clusterIds),
    policies: from(remap?.policyIds),
    pools: from(remap?.poolIds),
  };
}

export function mergeIdMaps(target: IdMaps, more: Partial<IdMaps>): IdMaps {
  for (const key of ["jobs", "clusters", "policies", "pools"] as const)
    Object.assign(target[key], more[key] ?? {});
  return target;
}
