// IP access lists (/api/2.0/ip-access-lists), per the Databricks REST reference: list (not paged),
// create {label, list_type ALLOW|BLOCK, ip_addresses} (created enabled), get, replace (PUT: label,
// list_type and enabled required), update (PATCH: what is sent), delete. Values are IPv4 addresses
// or IPv4 CIDR ranges; all lists together hold at most 1000 values (one CIDR counts as one), more is
// 400 QUOTA_EXCEEDED. The lists take effect only while the workspace-conf key enableIpAccessLists is
// "true": then a BLOCK list containing the caller's address, or ALLOW lists none of which contains
// it, reject every request with 403, and a create / replace / update whose result would block the
// caller is refused with 400 INVALID_STATE. Every client reaches the simulator over loopback, so the
// caller's public address is a setting (`callerAddress`), standing in for azdr's egress address.
import type { SimService } from "../core/server.js";
import type { WorkspaceState } from "./state.js";
import { body, err, ok, str, uuid } from "./util.js";

export type ListType = "ALLOW" | "BLOCK";

export interface IpAccessListRecord {
  list_id: string;
  label: string;
  list_type: ListType;
  ip_addresses: string[];
  enabled: boolean;
  created_at: number;
  created_by: number;
  updated_at: number;
  updated_by: number;
}

export const MAX_IP_ACCESS_LIST_VALUES = 1000;
const CALLER_USER_ID = 1000000000000001;

/** An IPv4 address as a 32-bit number, or undefined when it is not one. */
function ipv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** "a.b.c.d" or "a.b.c.d/n" as a range, or undefined when it is neither. */
export function parseRange(value: string): { base: number; bits: number } | undefined {
  const [address, prefix, extra] = value.split("/");
  if (extra !== undefined || address === undefined) return undefined;
  const base = ipv4(address);
  const bits = prefix === undefined ? 32 : /^\d{1,2}$/.test(prefix) ? Number(prefix) : NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined;
  return { base, bits };
}

export function inRange(address: string, value: string): boolean {
  const ip = ipv4(address);
  const range = parseRange(value);
  if (ip === undefined || !range) return false;
  const size = 2 ** (32 - range.bits);
  return Math.floor(ip / size) === Math.floor(range.base / size);
}

export class IpAccessListState {
  readonly lists = new Map<string, IpAccessListRecord>();
  /** The address the workspace sees requests come from (azdr's egress in a real deployment). */
  callerAddress = "127.0.0.1";

  constructor(
    private readonly state: WorkspaceState,
    private readonly rand: () => number,
  ) {}

  private get featureOn(): boolean {
    return this.state.workspaceConf.values.get("enableIpAccessLists") === "true";
  }

  /** Why `address` is refused by these lists, or undefined when it is let in. */
  refusal(address: string, lists: Iterable<IpAccessListRecord> = this.lists.values()): string | undefined {
    const enabled = [...lists].filter((l) => l.enabled);
    const block = enabled.find(
      (l) => l.list_type === "BLOCK" && l.ip_addresses.some((v) => inRange(address, v)),
    );
    if (block) return `it is in block list "${block.label}"`;
    const allow = enabled.filter((l) => l.list_type === "ALLOW");
    if (allow.length && !allow.some((l) => l.ip_addresses.some((v) => inRange(address, v))))
      return "it is in no allow list";
    return undefined;
  }

  /** The 403 every request gets while the feature is on and the caller is refused. */
  blocked(): string | undefined {
    if (!this.featureOn) return undefined;
    const why = this.refusal(this.callerAddress);
    return why
      ? `Source IP address: ${this.callerAddress} is blocked by Databricks IP ACL for workspace: ${this.state.workspaceId}`
      : undefined;
  }

  private validated(
    spec: Record<string, unknown>,
    partial: boolean,
    current?: IpAccessListRecord,
  ): Pick<IpAccessListRecord, "label" | "list_type" | "ip_addresses"> {
    const field = (name: string) => (partial ? str(spec[name], name) : str(spec[name], name, true));
    const label = field("label") ?? current?.label;
    const type = field("list_type") ?? current?.list_type;
    if (type !== "ALLOW" && type !== "BLOCK")
      throw err.invalid(`Invalid list_type '${String(type)}': ALLOW or BLOCK (case-sensitive)`);
    let addresses = current?.ip_addresses ?? [];
    if (spec.ip_addresses !== undefined) {
      if (!Array.isArray(spec.ip_addresses) || spec.ip_addresses.some((v) => typeof v !== "string"))
        throw err.invalid("ip_addresses must be an array of strings");
      addresses = spec.ip_addresses as string[];
      const bad = addresses.filter((v) => !parseRange(v));
      if (bad.length) throw err.invalid(`Invalid IP address or CIDR range: ${bad.join(", ")}`);
    }
    return { label: label!, list_type: type, ip_addresses: [...addresses] };
  }

  /** The write would leave the caller locked out (only while the feature is on). */
  private checkResult(next: IpAccessListRecord): void {
    const others = [...this.lists.values()].filter((l) => l.list_id !== next.list_id);
    const total = [...others, next].reduce((n, l) => n + l.ip_addresses.length, 0);
    if (total > MAX_IP_ACCESS_LIST_VALUES)
      throw err.invalid(
        `The IP access lists would hold ${total} IP/CIDR values; the workspace supports at most ${MAX_IP_ACCESS_LIST_VALUES}`,
        "QUOTA_EXCEEDED",
      );
    if (this.featureOn) {
      const why = this.refusal(this.callerAddress, [...others, next]);
      if (why)
        throw err.invalid(
          `Your current IP ${this.callerAddress} will not be allowed to access the workspace under the resulting IP access lists: ${why}`,
          "INVALID_STATE",
        );
    }
  }

  create(spec: Record<string, unknown>): IpAccessListRecord {
    const fields = this.validated(spec, false);
    const now = this.state.clock();
    const record: IpAccessListRecord = {
      list_id: uuid(this.rand),
      ...fields,
      enabled: true,
      created_at: now,
      created_by: CALLER_USER_ID,
      updated_at: now,
      updated_by: CALLER_USER_ID,
    };
    this.checkResult(record);
    this.lists.set(record.list_id, record);
    return record;
  }

  get(id: string | undefined): IpAccessListRecord {
    const record = id ? this.lists.get(id) : undefined;
    if (!record) throw err.notFound(`IP access list ${String(id)} does not exist.`);
    return record;
  }

  change(id: string | undefined, spec: Record<string, unknown>, replace: boolean): void {
    const current = this.get(id);
    if (replace && typeof spec.enabled !== "boolean") throw err.invalid("Missing required field: enabled");
    if (spec.enabled !== undefined && typeof spec.enabled !== "boolean")
      throw err.invalid("enabled must be a boolean");
    const fields = this.validated(replace ? { ip_addresses: [], ...spec } : spec, !replace, current);
    const next: IpAccessListRecord = {
      ...current,
      ...fields,
      enabled: spec.enabled ?? current.enabled,
      updated_at: this.state.clock(),
      updated_by: CALLER_USER_ID,
    };
    this.checkResult(next);
    this.lists.set(current.list_id, next);
  }

  render(record: IpAccessListRecord): Record<string, unknown> {
    return { ...record, ip_addresses: [...record.ip_addresses], address_count: record.ip_addresses.length };
  }
}

export function registerIpAccessListRoutes(service: SimService, state: WorkspaceState): void {
  const base = "/api/2.0/ip-access-lists";
  const lists = state.ipAccessLists;
  service.route("GET", base, () =>
    ok({ ip_access_lists: [...lists.lists.values()].map((l) => lists.render(l)) }),
  );
  service.route("POST", base, (req) => ok({ ip_access_list: lists.render(lists.create(body(req))) }));
  service.route("GET", `${base}/:id`, (req) =>
    ok({ ip_access_list: lists.render(lists.get(req.params.id)) }),
  );
  service.route("PUT", `${base}/:id`, (req) => {
    lists.change(req.params.id, body(req), true);
    return ok({});
  });
  service.route("PATCH", `${base}/:id`, (req) => {
    lists.change(req.params.id, body(req), false);
    return ok({});
  });
  service.route("DELETE", `${base}/:id`, (req) => {
    lists.get(req.params.id);
    lists.lists.delete(req.params.id!);
    return ok({});
  });
}
