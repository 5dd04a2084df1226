// Isolation and workspace bindings of ISOLATED catalogs (isolation_mode ISOLATED), storage and
// service credentials and external locations (ISOLATION_MODE_ISOLATED). Without them a securable comes
// back OPEN: usable from every workspace on the DR metastore. Set last, since an isolated
// securable answers only to its bound workspaces. Bound workspace ids are remapped: the backed-up
// metastore's own workspace to the one azdr restores through, others by remap.workspaceIds; that
// restoring workspace always stays bound (else validation and re-runs would be locked out).
import { collect } from "../../concurrency.js";
import { AzdrError } from "../../errors.js";
import type { BindingSecurableType, BindingType, WorkspaceBinding } from "../../clients/databricks/index.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import { bindingsPath, type SecurableType } from "./paths.js";
import { objectKey, parseKey, planState, some, type UcKind, type UcRestore } from "./context.js";
import { getObject, securableKey, text, updateObject, type Json, type UcObject } from "./model.js";
import { workspaceIdFromUrl } from "./target.js";

interface Binding {
  workspace_id: number;
  binding_type: string;
}

const READ_WRITE = "BINDING_TYPE_READ_WRITE";

/** Securable types that take workspace bindings, how each spells "isolated", and its label. */
const BINDABLE: Partial<Record<SecurableType, { isolated: string; open: string; label: string }>> = {
  catalog: { isolated: "ISOLATED", open: "OPEN", label: "Catalog" },
  external_location: {
    isolated: "ISOLATION_MODE_ISOLATED",
    open: "ISOLATION_MODE_OPEN",
    label: "External location",
  },
  storage_credential: {
    isolated: "ISOLATION_MODE_ISOLATED",
    open: "ISOLATION_MODE_OPEN",
    label: "Storage credential",
  },
  credential: {
    isolated: "ISOLATION_MODE_ISOLATED",
    open: "ISOLATION_MODE_OPEN",
    label: "Service credential",
  },
};

export function isBindable(type: SecurableType): boolean {
  return BINDABLE[type] !== undefined;
}

function bindable(type: SecurableType): {
  isolated: string;
  open: string;
  label: string;
  api: BindingSecurableType;
} {
  const found = BINDABLE[type];
  if (!found) throw new AzdrError("INVALID_INPUT", `${type} securables take no workspace bindings`);
  return { ...found, api: type as BindingSecurableType };
}

function bindingList(value: unknown): Binding[] {
  return (Array.isArray(value) ? (value as Json[]) : [])
    .map((b) => ({
      workspace_id: Number(b["workspace_id"]),
      binding_type:
        typeof b["binding_type"] === "string" && b["binding_type"] !== "BINDING_TYPE_UNSPECIFIED"
          ? b["binding_type"]
          : READ_WRITE,
    }))
    .filter((b) => Number.isInteger(b.workspace_id))
    .sort((a, b) => a.workspace_id - b.workspace_id);
}

function describeBindings(bindings: Binding[]): string {
  return bindings.length
    ? bindings.map((b) => `${b.workspace_id} (${b.binding_type.replace("BINDING_TYPE_", "")})`).join(", ")
    : "none";
}

function sameBindings(a: Binding[], b: Binding[]): boolean {
  return describeBindings(a) === describeBindings(b);
}

async function readBindings(r: UcRestore, type: SecurableType, name: string): Promise<Binding[]> {
  return bindingList(await collect(r.target.apis.unityCatalog.listBindings(bindable(type).api, name)));
}

/**
 * Backed-up workspace id → target workspace id: the request's remap.workspaceIds rules, and the
 * backed-up metastore's own workspace (from the backup's assignment record, else its configured
 * URL) → the workspace the restore runs through.
 */
async function workspaceIdMap(
  r: UcRestore,
  targetWorkspaceId: string | undefined,
): Promise<{ map: Map<number, number>; source?: string }> {
  const map = new Map<number, number>();
  let source: string | undefined;
  if (r.backup.assignmentSha)
    source = text((await r.definition(r.backup.assignmentSha))["workspace_id"]) || undefined;
  if (!source) {
    const metastore = r.ctx.config.unityCatalog.metastores.find((m) => m.id === r.request.source);
    const url = r.ctx.config.databricks.workspaces.find((w) => w.id === metastore?.workspace)?.url;
    source = url ? workspaceIdFromUrl(url) : undefined;
  }
  if (source && targetWorkspaceId) map.set(Number(source), Number(targetWorkspaceId));
  for (const rule of r.request.remap.workspaceIds) map.set(Number(rule.from), Number(rule.to));
  return { map, ...(source ? { source } : {}) };
}

export const workspaceBindings: UcKind = {
  kind: "bindings",
  label: "Isolation and workspace bindings",
  domain: "unity-catalog",
  component: "unity-catalog/metadata",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "workspace-bindings",
    title: "Isolation and workspace bindings (catalogs, storage and service credentials, external locations)",
    why: "Last: an ISOLATED catalog, credential or location answers only to its bound workspaces, so isolating it earlier could lock the restore out of what it still has to create.",
  },
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "catalogs, storage/service credentials, locations: isolation mode, bound workspaces (ids remapped)",
  },
  entryPath: (key) => {
    const { type, fullName } = parseKey(key);
    return bindingsPath(type, fullName);
  },
  idOf: (path) => {
    const [, type = "", file = ""] = path.split("/");
    return `${type}/${decodeURIComponent(file.replace(/\.json$/, ""))}`;
  },

  /** `objects`: one per bindings entry of the backup. */
  async plan(r, objects: UcObject[]) {
    const p = planState(r);
    const entries = objects.filter((b) => isBindable(b.type));
    if (entries.length === 0) return [];
    const targetWorkspaceId = p.assignment.workspaceId;
    const { map, source } = await workspaceIdMap(r, targetWorkspaceId);
    const items: PlanItem[] = [];
    for (const entry of entries) {
      const { isolated, open, label } = bindable(entry.type);
      const skey = securableKey(entry.type, entry.fullName);
      const base = {
        step: "workspace-bindings",
        key: objectKey(entry.type, entry.fullName),
        kind: "workspace-bindings",
        target: entry.fullName,
        sha256: entry.sha256,
      };
      if (!p.willExist.has(skey)) {
        items.push({ ...base, action: "skip", reason: `its ${entry.type} is not restored (see its step)` });
        continue;
      }
      const backedUp = bindingList((await r.definition(entry.sha256))["bindings"]);
      const remapped: string[] = [];
      const dropped: number[] = [];
      const wanted = new Map<number, Binding>();
      for (const b of backedUp) {
        const to = map.get(b.workspace_id);
        if (to === undefined) {
          dropped.push(b.workspace_id);
          continue;
        }
        if (to !== b.workspace_id) remapped.push(`${b.workspace_id} → ${to}`);
        wanted.set(to, { workspace_id: to, binding_type: b.binding_type });
      }
      // The workspace azdr restores through stays bound: without it, validation and every re-run of
      // this restore would be locked out. Said in the plan when the backup did not bind it.
      const restoring = targetWorkspaceId ? Number(targetWorkspaceId) : undefined;
      if (restoring !== undefined && !wanted.has(restoring)) {
        wanted.set(restoring, { workspace_id: restoring, binding_type: READ_WRITE });
        p.notes.push(
          `${label} ${entry.fullName}: the workspace azdr restores through (${restoring}) stays bound (read-write) so the restore can validate and re-run, though the backup did not bind its counterpart; unbind it by hand if it must not reach the ${label.toLowerCase()}.`,
        );
      }
      const desired = [...wanted.values()].sort((a, b) => a.workspace_id - b.workspace_id);
      const how = [
        `${isolated}, bound to ${describeBindings(desired)}`,
        remapped.length ? `workspace ids remapped ${remapped.join(", ")}` : "",
        dropped.length
          ? `not bound: ${dropped.join(", ")} (no DR counterpart${source ? ` — only the backed-up workspace ${source} maps by default` : ""}; add remap.workspaceIds rules or bind them by hand)`
          : "",
      ]
        .filter(Boolean)
        .join("; ");
      if (dropped.length)
        p.notes.push(
          `${label} ${entry.fullName}: workspace(s) ${dropped.join(", ")} were bound in the backup and have no mapping to the target; bind their DR counterparts by hand (or add remap.workspaceIds rules) after the restore.`,
        );
      const item = { ...base, meta: { bindings: desired } };
      if (!p.preexisting.has(skey)) {
        items.push({ ...item, action: "create", reason: `make it ${how}` });
        continue;
      }
      const existing = p.inventory.get(skey) ?? {};
      const mode = text(existing["isolation_mode"], open);
      const current = mode === isolated ? await readBindings(r, entry.type, entry.fullName) : [];
      if (mode === isolated && sameBindings(current, desired)) {
        items.push({ ...item, action: "skip", reason: `already ${how}` });
        continue;
      }
      if (r.request.existing === "skip") {
        items.push({
          ...item,
          action: "skip",
          reason: `exists ${mode}${mode === isolated ? ` bound to ${describeBindings(current)}` : ""}; existing=skip keeps it (backup: ${how})`,
        });
        continue;
      }
      p.destructive.push(
        `${entry.type} ${entry.fullName}: isolation ${mode} → ${isolated}; bindings ${describeBindings(current)} → ${describeBindings(desired)} (workspaces not listed lose access)`,
      );
      items.push({ ...item, action: "update", reason: `make it ${how}` });
    }
    return items;
  },

  async apply(r, item) {
    const uc = r.target.apis.unityCatalog;
    const { type } = parseKey(item.key);
    const { isolated, open, api } = bindable(type);
    const name = item.target!;
    const desired = bindingList(item.meta?.["bindings"]);
    const existing = await getObject(uc, type, name);
    if (!existing) return { status: "failed", detail: `${type} ${name} does not exist in the target` };
    const done: string[] = [];
    if (existing["isolation_mode"] !== isolated) {
      await updateObject(uc, type, name, { isolation_mode: isolated });
      done.push(`isolation ${text(existing["isolation_mode"], open)} → ${isolated}`);
    }
    const current = await readBindings(r, type, name);
    const wanted = new Map(desired.map((b) => [b.workspace_id, b.binding_type]));
    const add = desired.filter(
      (b) => !current.some((c) => c.workspace_id === b.workspace_id && c.binding_type === b.binding_type),
    );
    const remove = current.filter((c) => !wanted.has(c.workspace_id));
    if (add.length || remove.length) {
      const wire = (list: Binding[]): WorkspaceBinding[] =>
        list.map((b) => ({ workspace_id: b.workspace_id, binding_type: b.binding_type as BindingType }));
      await uc.updateBindings(api, name, {
        ...(add.length ? { add: wire(add) } : {}),
        ...(remove.length ? { remove: wire(remove) } : {}),
      });
      done.push(`bindings ${describeBindings(current)} → ${describeBindings(desired)}`);
    }
    if (done.length === 0)
      return { status: "skipped", detail: `already ${isolated}, bound to ${describeBindings(desired)}` };
    return { status: item.action === "create" ? "created" : "updated", detail: done.join("; ") };
  },

  /** Isolation and bindings of what the plan isolated (or found isolated). */
  async validate(r, planned) {
    const { inventory } = r.validation!;
    const items = planned.filter((i) => i.action !== "skip" || i.reason.startsWith("already"));
    if (items.length === 0) return [];
    const wrong: string[] = [];
    for (const item of items) {
      const { type } = parseKey(item.key);
      const { isolated, open } = bindable(type);
      const name = item.target!;
      const desired = bindingList(item.meta?.["bindings"]);
      const existing = inventory.get(securableKey(type, name));
      const mode = text(existing?.["isolation_mode"], existing ? open : "missing");
      if (mode !== isolated) {
        wrong.push(`${type} ${name}: isolation_mode expected ${isolated}, found ${mode}`);
        continue;
      }
      const current = await readBindings(r, type, name);
      if (!sameBindings(current, desired))
        wrong.push(
          `${type} ${name}: bindings expected ${describeBindings(desired)}, found ${describeBindings(current)}`,
        );
    }
    return [
      {
        name: "isolation and workspace bindings as planned",
        ok: wrong.length === 0,
        expected: items.length,
        actual: items.length - wrong.length,
        ...(wrong.length ? { detail: some(wrong) } : {}),
      },
    ];
  },
};
