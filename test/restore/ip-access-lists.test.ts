// 7.3 for IP access lists: backed up, restored by label into the DR workspace INERT (a restore never
// turns enableIpAccessLists on: the primary's allow lists would shut out azdr's DR runner before the
// restore finishes), validated field by field; a target that already enforces its lists gets them as
// destructive plan lines, and a list that would block azdr is refused by the service and fails that
// item, azdr still reaching the workspace.
import { afterEach, describe, expect, it } from "vitest";
import { readPlan, runValidation, type RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";
import type { WorkspaceState } from "../../sim/databricks/state.js";
import type { TestPlatform } from "../support/platform.js";
import {
  backedUpWorkspaces,
  restoreApproved,
  restoreThroughHost,
  workspaceRequest,
} from "../support/workspace-dr.js";

type Json = Record<string, unknown>;

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

const SEED = {
  notebooks: 2,
  directories: 1,
  files: 0,
  jobs: 0,
  clusters: 0,
  policies: 0,
  pools: 0,
  repos: 0,
  secretScopes: 0,
  initScripts: 0,
  pipelines: 0,
  experiments: 0,
  dashboards: 0,
  clusterLibraries: false,
  ipAccessLists: false,
};
const CHECK = "IP access lists restored (type, addresses, enabled)";
/** azdr's runner in the DR region: an address none of the primary's lists names. */
const DR_RUNNER = "198.51.100.20";

/** The primary enforces its lists; azdr's primary-side runner (the sim's loopback caller) is allowed. */
function primaryLists(primary: WorkspaceState): void {
  const lists = primary.ipAccessLists;
  lists.create({ label: "Corp VPN", list_type: "ALLOW", ip_addresses: ["10.0.0.0/8", "203.0.113.0/24"] });
  lists.create({ label: "azdr primary runner", list_type: "ALLOW", ip_addresses: ["127.0.0.1/32"] });
  lists.create({ label: "Known bad", list_type: "BLOCK", ip_addresses: ["192.0.2.66"] });
  const old = lists.create({ label: "Old office", list_type: "ALLOW", ip_addresses: ["192.0.2.0/24"] });
  lists.change(old.list_id, { enabled: false }, false);
  primary.workspaceConf.set({ enableIpAccessLists: "true" });
}

/** DR_RUNNER is azdr's address in the DR workspace (set after prepare). */
const backedUp = (prepare: (primary: WorkspaceState, dr: WorkspaceState) => void) =>
  backedUpWorkspaces({
    seed: SEED,
    prepare: (primary, dr) => {
      prepare(primary, dr);
      dr.ipAccessLists.callerAddress = DR_RUNNER;
    },
  });

const request = workspaceRequest;

const restore = async (p: TestPlatform, body: Json): Promise<RestoreReport> =>
  (await restoreThroughHost(p, body, { cleanups })).report;

describe("7.3 restore of IP access lists", () => {
  it("restores the lists inert, never turns enableIpAccessLists on (a follow-up says what to check), and validates them", async () => {
    platform = await backedUp(primaryLists);
    const dr = platform.sim.workspace("dr").state;
    const report = await restore(platform, { mode: "apply", preApproved: true });
    expect(report.phase, JSON.stringify({ reasons: report.reasons, validation: report.validation })).toBe(
      "Completed",
    );
    const plan = await readPlan(platform.runtime, report.planId);

    // Every list, by label, with its type, addresses and enabled flag; new ids.
    const byLabel = new Map([...dr.ipAccessLists.lists.values()].map((l) => [l.label, l]));
    expect([...byLabel.keys()].sort()).toEqual([
      "Corp VPN",
      "Known bad",
      "Old office",
      "azdr primary runner",
    ]);
    expect(byLabel.get("Corp VPN")).toMatchObject({
      list_type: "ALLOW",
      ip_addresses: ["10.0.0.0/8", "203.0.113.0/24"],
      enabled: true,
    });
    expect(byLabel.get("Old office")?.enabled).toBe(false);
    expect(byLabel.get("Known bad")?.list_type).toBe("BLOCK");
    const item = plan.items.find((i) => i.kind === "ip-access-list" && i.target === "Corp VPN");
    expect(item?.reason).toMatch(/no effect until enableIpAccessLists is turned on/);
    expect(report.validation.find((c) => c.name === CHECK)).toMatchObject({ ok: true, expected: 4 });

    // The switch stays off: the primary's allow lists do not hold azdr's DR runner, so turning it on
    // would have locked azdr out before permissions and validation. A follow-up says what to do.
    expect(dr.workspaceConf.values.get("enableIpAccessLists")).toBe("false");
    const toggle = plan.items.find((i) => i.key.endsWith("#enableIpAccessLists"));
    expect(toggle?.action).toBe("unsupported");
    expect(toggle?.reason).toMatch(/could lock azdr .* out .*set enableIpAccessLists=true by hand/);
    expect(dr.ipAccessLists.refusal(DR_RUNNER)).toBe("it is in no allow list");

    // Someone edits a list behind the restore's back: validation names it and the field.
    byLabel.get("Corp VPN")!.ip_addresses = ["10.0.0.0/8"];
    byLabel.get("Known bad")!.enabled = false;
    const again = await runValidation(
      platform.runtime,
      scenarioFor("workspace"),
      request(platform, { mode: "apply" }),
      report.planId,
    );
    expect(again.find((c) => c.name === CHECK)?.detail).toBe(
      "Corp VPN: differs in ip_addresses | Known bad: differs in enabled",
    );
  });

  it("a target that already enforces its lists: lists are destructive plan lines, one that would block azdr fails with what to do, a differing same-named one is skipped and not a miss", async () => {
    platform = await backedUp((primary, dr) => {
      primaryLists(primary);
      // Contractors' range holds the DR runner: blocked there, harmless on the primary.
      primary.ipAccessLists.create({
        label: "Contractors",
        list_type: "BLOCK",
        ip_addresses: ["198.51.100.0/24"],
      });
      // DR enforces its own lists already; azdr's DR runner is allowed; "Corp VPN" differs.
      dr.ipAccessLists.create({ label: "DR admins", list_type: "ALLOW", ip_addresses: ["198.51.100.16/28"] });
      dr.ipAccessLists.create({ label: "Corp VPN", list_type: "ALLOW", ip_addresses: ["10.1.0.0/16"] });
      dr.workspaceConf.set({ enableIpAccessLists: "true" });
    });
    const dr = platform.sim.workspace("dr").state;
    const result = await restoreApproved(platform, {});
    // Each list that takes effect at once is a destructive line (never pre-approved).
    expect(result.plan.destructive.join("\n")).toMatch(
      /IP access list "Known bad" \(BLOCK, 1 value\(s\)\) takes effect at once/,
    );
    expect(result.plan.destructive.join("\n")).toMatch(/"Contractors"/);
    // The service refuses the list that would block azdr: that item fails with what to do ...
    expect(result.failures.map((f) => `${f.key}: ${f.detail ?? ""}`).join("\n")).toMatch(
      /would block azdr's own address: not applied\. Add azdr's egress address to an allow list/,
    );
    expect([...dr.ipAccessLists.lists.values()].map((l) => l.label).sort()).toEqual([
      "Corp VPN",
      "DR admins",
      "Known bad",
      "Old office",
      "azdr primary runner",
    ]);
    // ... and azdr still reaches the workspace: validation ran, the created lists match, the
    // skipped "Corp VPN" (the target's own) is not counted, the failed one is the miss.
    expect(dr.ipAccessLists.blocked()).toBeUndefined();
    const check = result.validation.find((c) => c.name === CHECK);
    expect(check).toMatchObject({ ok: false, expected: 4, actual: 3, detail: "Contractors: missing" });
    expect([...dr.ipAccessLists.lists.values()].find((l) => l.label === "Corp VPN")?.ip_addresses).toEqual([
      "10.1.0.0/16",
    ]);
  });
});
