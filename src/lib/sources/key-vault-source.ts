// Key Vault inventory (runbook 4.6): secrets, keys and certificates with every version's
// attributes (enabled, created/updated/expiry/not-before, content type, tags) and the vault's
// deleted-but-recoverable items. NEVER a value: the client has no method that returns one, and no
// get-secret / get-deleted-secret route is called. Two inventories diff into what was deleted,
// changed or added, which is what a restore (recover, or re-create and re-set) needs to know.
import type { BackupSource, PlanOutput } from "../backup/engine.js";
import type { DeletedVaultItem, VaultItemKind, VaultItemProperties } from "../clients/azure.js";
import { resolveArmResource } from "../config/naming.js";
import { AzdrError, errorMessage, isAzdrError } from "../errors.js";
import type { BackupStore } from "../store/backup-store.js";
import type { Manifest, ManifestEntry } from "../store/manifest.js";
import { collect, mapLimit } from "../concurrency.js";
import type { SourceContext } from "./context.js";

export const VAULT_ITEM_KINDS: readonly VaultItemKind[] = ["secret", "key", "certificate"];

export interface VaultWork {
  kind: VaultItemKind;
  name: string;
}

/** One item of the inventory: its current attributes and every version's. */
export interface VaultInventoryItem {
  kind: VaultItemKind;
  name: string;
  enabled?: boolean;
  contentType?: string;
  tags?: Record<string, string>;
  createdOn?: string;
  updatedOn?: string;
  expiresOn?: string;
  notBefore?: string;
  recoveryLevel?: string;
  managed?: boolean;
  versions: Array<Omit<VaultItemProperties, "name">>;
}

export interface VaultInventory {
  vault: string;
  items: VaultInventoryItem[];
  deleted: Array<DeletedVaultItem & { kind: VaultItemKind }>;
}

export interface InventoryDiff {
  /** In the older inventory, gone from the newer; `recoverable` when it is in the vault's deleted list. */
  deleted: Array<{ kind: VaultItemKind; name: string; recoverable: boolean; scheduledPurgeDate?: string }>;
  /** In both, with what changed ("enabled", "tags", "versions +2 -0", …). */
  changed: Array<{ kind: VaultItemKind; name: string; changes: string[] }>;
  added: Array<{ kind: VaultItemKind; name: string }>;
}

export function keyVaultFor(ctx: SourceContext, sourceId: string): { name: string; resourceGroup: string } {
  const entry = ctx.config.keyVaults.find((k) => k.id === sourceId);
  if (!entry)
    throw new AzdrError(
      "INVALID_INPUT",
      `Key Vault "${sourceId}" is not in keyVaults (known: ${ctx.config.keyVaults.map((k) => k.id).join(", ") || "none"})`,
    );
  return resolveArmResource(ctx.config, entry, "keyVault", "sharedResourceGroup");
}

const itemPath = (kind: VaultItemKind, name: string) => `${kind}s/${encodeURIComponent(name)}.json`;
const deletedPath = (kind: VaultItemKind, name: string) =>
  `deleted/${kind}s/${encodeURIComponent(name)}.json`;
const ITEM_KIND = (kind: VaultItemKind) => `kv-${kind}`;
const DELETED_KIND = (kind: VaultItemKind) => `kv-deleted-${kind}`;

const byKey = (i: { kind: VaultItemKind; name: string }) => `${i.kind}/${i.name.toLowerCase()}`;

function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .sort(([x], [y]) => (x < y ? -1 : 1))
            .map(([k, x]) => [k, norm(x)]),
        )
      : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

/** What changed between two inventories (pure: restores and reports call it). */
export function diffInventories(before: VaultInventory, after: VaultInventory): InventoryDiff {
  const old = new Map(before.items.map((i) => [byKey(i), i]));
  const now = new Map(after.items.map((i) => [byKey(i), i]));
  const deletedNow = new Map(after.deleted.map((d) => [byKey(d), d]));
  const diff: InventoryDiff = { deleted: [], changed: [], added: [] };
  for (const [key, item] of old) {
    const current = now.get(key);
    if (!current) {
      const d = deletedNow.get(key);
      diff.deleted.push({
        kind: item.kind,
        name: item.name,
        recoverable: d !== undefined,
        ...(d?.scheduledPurgeDate ? { scheduledPurgeDate: d.scheduledPurgeDate } : {}),
      });
      continue;
    }
    const changes: string[] = [];
    for (const field of ["enabled", "contentType", "expiresOn", "notBefore", "tags"] as const)
      if (!sameJson(item[field] ?? null, current[field] ?? null)) changes.push(field);
    const oldVersions = new Set(item.versions.map((v) => v.version));
    const newVersions = new Set(current.versions.map((v) => v.version));
    const plus = [...newVersions].filter((v) => !oldVersions.has(v)).length;
    const minus = [...oldVersions].filter((v) => !newVersions.has(v)).length;
    if (plus + minus > 0) changes.push(`versions +${plus} -${minus}`);
    else if (!sameJson(item.versions, current.versions)) changes.push("version attributes");
    if (changes.length > 0) diff.changed.push({ kind: item.kind, name: item.name, changes });
  }
  for (const [key, item] of now) if (!old.has(key)) diff.added.push({ kind: item.kind, name: item.name });
  const order = (a: { kind: string; name: string }, b: { kind: string; name: string }) =>
    a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? -1 : 1;
  diff.deleted.sort(order);
  diff.changed.sort(order);
  diff.added.sort(order);
  return diff;
}

/** The inventory stored in a key-vault snapshot. */
export async function readInventory(store: BackupStore, manifest: Manifest): Promise<VaultInventory> {
  const inventory: VaultInventory = { vault: manifest.sourceId, items: [], deleted: [] };
  for (const entry of manifest.entries) {
    const kind = VAULT_ITEM_KINDS.find((k) => entry.kind === ITEM_KIND(k) || entry.kind === DELETED_KIND(k));
    if (!kind) continue;
    if (entry.kind === ITEM_KIND(kind))
      inventory.items.push(await store.getJson<VaultInventoryItem>(entry.sha256));
    else inventory.deleted.push({ ...(await store.getJson<DeletedVaultItem>(entry.sha256)), kind });
  }
  if (typeof manifest.summary?.["vault"] === "string") inventory.vault = manifest.summary["vault"];
  return inventory;
}

function inventoryItem(kind: VaultItemKind, current: VaultItemProperties, versions: VaultItemProperties[]) {
  const item: VaultInventoryItem = {
    kind,
    name: current.name,
    ...(current.enabled !== undefined ? { enabled: current.enabled } : {}),
    ...(current.contentType !== undefined ? { contentType: current.contentType } : {}),
    ...(current.tags !== undefined ? { tags: current.tags } : {}),
    ...(current.createdOn !== undefined ? { createdOn: current.createdOn } : {}),
    ...(current.updatedOn !== undefined ? { updatedOn: current.updatedOn } : {}),
    ...(current.expiresOn !== undefined ? { expiresOn: current.expiresOn } : {}),
    ...(current.notBefore !== undefined ? { notBefore: current.notBefore } : {}),
    ...(current.recoveryLevel !== undefined ? { recoveryLevel: current.recoveryLevel } : {}),
    ...(current.managed !== undefined ? { managed: current.managed } : {}),
    versions: versions
      .map(({ name: _name, ...rest }) => rest)
      .sort((a, b) =>
        (a.createdOn ?? "") === (b.createdOn ?? "")
          ? (a.version ?? "") < (b.version ?? "")
            ? -1
            : 1
          : (a.createdOn ?? "") < (b.createdOn ?? "")
            ? -1
            : 1,
      ),
  };
  return item;
}

export const keyVaultSource: BackupSource<SourceContext, VaultWork> = {
  kind: "key-vault",
  domain: "keyvault",
  component: "inventory",

  async plan(ctx, target): Promise<PlanOutput<VaultWork>> {
    const vault = keyVaultFor(ctx, target.sourceId);
    const client = ctx.azure.keyVault(vault.name);
    const work: VaultWork[] = [];
    const entries: ManifestEntry[] = [];
    const counts: Record<string, number> = {};
    for (const kind of VAULT_ITEM_KINDS) {
      let items: VaultItemProperties[];
      try {
        items = await collect(client.listItems(kind));
      } catch (error) {
        if (isAzdrError(error) && (error.code === "FORBIDDEN" || error.code === "UNAUTHORIZED"))
          throw new AzdrError(
            error.code,
            `Key Vault ${vault.name}: cannot list ${kind}s (${error.message}); the azdr identity needs "Key Vault Reader" (list only: never "Secrets User")`,
            { cause: error },
          );
        throw error;
      }
      counts[`${kind}s`] = items.length;
      for (const item of items) work.push({ kind, name: item.name });
      let deleted = 0;
      try {
        for (const d of await collect(client.listDeleted(kind))) {
          entries.push(
            await ctx.store.putJson(deletedPath(kind, d.name), DELETED_KIND(kind), d, { name: d.name }),
          );
          deleted++;
        }
      } catch (error) {
        if (isAzdrError(error) && error.retryable) throw error;
        ctx.log.warn("key vault deleted items not listed", {
          vault: vault.name,
          kind,
          error: errorMessage(error),
        });
      }
      counts[`deleted${kind[0]!.toUpperCase()}${kind.slice(1)}s`] = deleted;
    }
    return {
      carried: { entries },
      work,
      summary: {
        vault: vault.name,
        vaultUrl: client.vaultUrl,
        resourceGroup: vault.resourceGroup,
        ...counts,
      },
    };
  },

  async runBatch(ctx, target, work) {
    const client = ctx.azure.keyVault(keyVaultFor(ctx, target.sourceId).name);
    const entries: ManifestEntry[] = [];
    const failed: Array<{ path: string; kind: string; error: string }> = [];
    let versions = 0;
    await mapLimit(work, ctx.config.limits.maxConcurrentRequests, async (item) => {
      try {
        const all = await collect(client.listVersions(item.kind, item.name));
        if (all.length === 0) return;
        const latest = [...all].sort((a, b) => ((a.createdOn ?? "") < (b.createdOn ?? "") ? 1 : -1))[0]!;
        const inventory = inventoryItem(item.kind, { ...latest, name: item.name }, all);
        versions += all.length;
        entries.push(
          await ctx.store.putJson(itemPath(item.kind, item.name), ITEM_KIND(item.kind), inventory, {
            name: item.name,
            versions: all.length,
            ...(inventory.enabled !== undefined ? { enabled: inventory.enabled } : {}),
          }),
        );
      } catch (error) {
        if (isAzdrError(error, "NOT_FOUND")) return; // deleted since the plan: in the next inventory's deleted list
        if (isAzdrError(error) && error.retryable) throw error;
        failed.push({
          path: itemPath(item.kind, item.name),
          kind: ITEM_KIND(item.kind),
          error: errorMessage(error),
        });
      }
    });
    return { entries, failed, stats: { items: entries.length, versions } };
  },
};
