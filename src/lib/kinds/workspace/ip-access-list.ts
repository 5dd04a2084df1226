// IP access lists: backed up as label, type (ALLOW / BLOCK), addresses and enabled flag; restored by
// label (create, or replace with existing=update; created enabled by the API, then disabled when the
// backup's was), validated field by field (type, address set, enabled).
//
// Safety. Lists take effect only while the workspace-conf key enableIpAccessLists is true, and an
// ALLOW list from the primary names the primary's networks, not the DR region's: with the switch on
// it would shut out azdr's own runner and every operator outside those ranges, in the middle of the
// restore (permissions and validation still to come) and possibly for good. So:
// - the restore brings the lists back but never turns the switch on: workspace-conf.ts plans
//   enableIpAccessLists=true as a follow-up (do it by hand once azdr's and the operators' addresses
//   are in an allow list), and the lists wait, inert, until then;
// - a target whose switch is already on gets the lists with immediate effect: each such create or
//   replace is a destructive line of the plan (it is never pre-approved), and the API itself refuses
//   a list that would block azdr's own address (INVALID_STATE), which fails that item with what to
//   do, never locking azdr out.
import { AzdrError, isAzdrError } from "../../errors.js";
import type { IpAccessList, IpAccessListSpec } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { checkSet } from "../compare.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  type WorkspaceKind,
  type WorkspaceRestore,
} from "./context.js";

/** What the backup stores of one list (server-set counts and audit fields are left out). */
export interface IpAccessListBackup extends IpAccessListSpec {
  list_id: string;
  enabled: boolean;
}

export const IP_ACCESS_LISTS_SWITCH = "enableIpAccessLists";

const STEP: ItemsStep = {
  kind: "items",
  ordering: "serial",
  name: "ip-access-lists",
  title: "IP access lists (no effect until enableIpAccessLists is on)",
  why: "Before workspace settings; the restore never turns the switch on (it could lock azdr out).",
};

function targetLists(r: WorkspaceRestore): Promise<Map<string, IpAccessList>> {
  return r.memo(
    STEP.name,
    async () => new Map((await collect(r.api.ipAccessLists.list())).map((l) => [l.label, l])),
  );
}

/** Whether the target enforces its IP access lists right now. */
function switchOn(r: WorkspaceRestore): Promise<boolean> {
  return r.memo(`${STEP.name}:switch`, async () => {
    const read = await r.api.workspaceConf.read([IP_ACCESS_LISTS_SWITCH]);
    return read.values[IP_ACCESS_LISTS_SWITCH] === "true";
  });
}

function describe(list: IpAccessListBackup): string {
  return `${list.list_type}, ${list.ip_addresses.length} value(s)${list.enabled ? "" : ", disabled"}`;
}

const sortedSet = (values: string[] | undefined) => [...new Set(values ?? [])].sort().join(",");

export const ipAccessList: WorkspaceKind = {
  kind: "ip-access-list",
  label: "IP access list",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "by label: type, address set, enabled; inert: a restore never turns enableIpAccessLists on",
  },
  entryPath: (id) => jsonEntryPath("ip-access-lists", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const lists = await collect(b.api.ipAccessLists.list());
      const entries = [];
      for (const list of lists) {
        const body: IpAccessListBackup = {
          list_id: list.list_id,
          label: list.label,
          list_type: list.list_type,
          ip_addresses: list.ip_addresses ?? [],
          enabled: list.enabled ?? true,
        };
        entries.push(
          await b.ctx.store.putJson(ipAccessList.entryPath(list.list_id), ipAccessList.kind, body, {
            name: list.label,
            list_type: list.list_type,
          }),
        );
      }
      return { entries, work: [], summary: { ipAccessLists: entries.length } };
    },
  },

  async plan(r, entries) {
    const existing = await targetLists(r);
    const enforcing = await switchOn(r);
    const items: PlanItem[] = [];
    const destructive: string[] = [];
    for (const entry of entries) {
      const backup = (await bodyOf(r, entry)) as unknown as IpAccessListBackup;
      const decision = existingAction(
        existing.has(backup.label),
        r.request,
        `IP access list "${backup.label}"`,
      );
      let reason = `${decision.reason} (${describe(backup)})`;
      if (decision.action !== "skip") {
        if (!enforcing)
          reason += `; no effect until ${IP_ACCESS_LISTS_SWITCH} is turned on, which this restore leaves to you`;
        else if (backup.enabled) {
          reason += `; takes effect at once: the target enforces its IP access lists`;
          destructive.push(
            `IP access list "${backup.label}" (${describe(backup)}) takes effect at once: the target has ${IP_ACCESS_LISTS_SWITCH} on, so addresses it ${backup.list_type === "ALLOW" ? "does not allow may be" : "blocks are"} refused (the service refuses a list that would block azdr itself).`,
          );
        }
      }
      items.push({ ...itemBase(ipAccessList, entry, backup.label, backup.list_id), ...decision, reason });
    }
    return { items, destructive };
  },

  async apply(r, item) {
    const backup = (await bodyOf(r, item)) as unknown as IpAccessListBackup;
    const spec: IpAccessListSpec = {
      label: backup.label,
      list_type: backup.list_type,
      ip_addresses: backup.ip_addresses,
    };
    const api = r.api.ipAccessLists;
    try {
      const found = (await targetLists(r)).get(backup.label);
      if (found && item.action === "update") {
        await api.replace(found.list_id, { ...spec, enabled: backup.enabled });
        return { status: "updated", detail: `list ${found.list_id}` };
      }
      if (found)
        return { status: "skipped", detail: `already there as ${found.list_id} (an earlier attempt?)` };
      const created = await api.create(spec);
      if (!backup.enabled) await api.update(created.list_id, { enabled: false });
      return { status: "created", detail: `new id ${created.list_id}${backup.enabled ? "" : ", disabled"}` };
    } catch (error) {
      if (!isAzdrError(error, "PRECONDITION_FAILED")) throw error;
      throw new AzdrError(
        "PRECONDITION_FAILED",
        `the target enforces IP access lists and this ${backup.list_type} list would block azdr's own address: not applied. Add azdr's egress address to an allow list of the target (or take it out of this block list) and re-run, or restore this list by hand (${error.message})`,
        { cause: error },
      );
    }
  },

  async validate(r, planned) {
    const have = await targetLists(r);
    return [
      await checkSet("IP access lists restored (type, addresses, enabled)", planned, async (item) => {
        const backup = (await bodyOf(r, item)) as unknown as IpAccessListBackup;
        const list = have.get(backup.label);
        if (!list) return "missing";
        const fields: string[] = [];
        if (list.list_type !== backup.list_type) fields.push("list_type");
        if (sortedSet(list.ip_addresses) !== sortedSet(backup.ip_addresses)) fields.push("ip_addresses");
        if ((list.enabled ?? true) !== backup.enabled) fields.push("enabled");
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
