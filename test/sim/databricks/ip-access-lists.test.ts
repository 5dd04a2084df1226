// The simulator's IP access lists as the Databricks API reference describes them: CRUD through the
// real SDK, the reference's 400s (IPv4 / CIDR values, list type, the 1000-value limit as
// QUOTA_EXCEEDED, a list that would block the caller as INVALID_STATE) and enforcement only while
// the workspace-conf switch is on.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { client, collect, raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [{ name: "dr", workspaceId: 6543210987654321, seed: false }],
    metastores: [],
  });
});
afterAll(async () => sim?.close());
const dr = { workspace: "dr" };
const state = () => sim.workspace("dr").state;

describe("IP access lists", () => {
  test("create (enabled), get, list, replace, update, delete through the SDK", async () => {
    const w = client(sim, "dr");
    const created = await w.ipAccessLists.create({
      label: "Office VPN",
      list_type: "ALLOW",
      ip_addresses: ["192.168.100.0/22", "10.1.2.3"],
    });
    const id = created.ip_access_list!.list_id!;
    expect(created.ip_access_list).toMatchObject({ label: "Office VPN", enabled: true, address_count: 2 });
    expect((await collect(w.ipAccessLists.list())).map((l) => l.label)).toEqual(["Office VPN"]);
    // Raw: the SDK leaves a false boolean out of the PATCH body.
    await raw(sim, "PATCH", `/api/2.0/ip-access-lists/${id}`, { enabled: false }, dr);
    expect((await w.ipAccessLists.get({ ip_access_list_id: id })).ip_access_list).toMatchObject({
      enabled: false,
      ip_addresses: ["192.168.100.0/22", "10.1.2.3"],
    });
    await w.ipAccessLists.replace({
      ip_access_list_id: id,
      label: "Office",
      list_type: "BLOCK",
      enabled: true,
      ip_addresses: ["203.0.113.9"],
    });
    expect((await w.ipAccessLists.get({ ip_access_list_id: id })).ip_access_list).toMatchObject({
      label: "Office",
      list_type: "BLOCK",
      address_count: 1,
    });
    const replaceWithoutEnabled = await raw(
      sim,
      "PUT",
      `/api/2.0/ip-access-lists/${id}`,
      { label: "x", list_type: "ALLOW" },
      dr,
    );
    expect(replaceWithoutEnabled.body).toMatchObject({ message: "Missing required field: enabled" });
    await w.ipAccessLists.delete({ ip_access_list_id: id });
    expect((await raw(sim, "GET", `/api/2.0/ip-access-lists/${id}`, undefined, dr)).status).toBe(404);
  });

  test("the reference's 400s: values, list type, label, 1000 values over all lists", async () => {
    const post = async (spec: Record<string, unknown>) =>
      (await raw(sim, "POST", "/api/2.0/ip-access-lists", spec, dr)).body;
    expect(
      await post({
        label: "x",
        list_type: "ALLOW",
        ip_addresses: ["10.0.0.0/33", "300.1.1.1", "::1", "10.0.0.1"],
      }),
    ).toMatchObject({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Invalid IP address or CIDR range: 10.0.0.0/33, 300.1.1.1, ::1",
    });
    expect(await post({ label: "x", list_type: "allow", ip_addresses: [] })).toMatchObject({
      message: expect.stringContaining("case-sensitive") as string,
    });
    expect(await post({ list_type: "ALLOW" })).toMatchObject({ message: "Missing required field: label" });
    const many = (n: number, third: number) =>
      Array.from({ length: n }, (_, i) => `10.${third}.${Math.floor(i / 250)}.${i % 250}`);
    expect(
      (
        await raw(
          sim,
          "POST",
          "/api/2.0/ip-access-lists",
          { label: "a", list_type: "BLOCK", ip_addresses: many(999, 1) },
          dr,
        )
      ).status,
    ).toBe(200);
    expect(await post({ label: "b", list_type: "BLOCK", ip_addresses: many(2, 2) })).toMatchObject({
      error_code: "QUOTA_EXCEEDED",
    });
    state().ipAccessLists.lists.clear();
  });

  test("enforced only while enableIpAccessLists is on; a list that would block the caller is INVALID_STATE", async () => {
    const lists = state().ipAccessLists;
    lists.callerAddress = "198.51.100.20";
    // Off: an allow list without the caller changes nothing.
    lists.create({ label: "Corp", list_type: "ALLOW", ip_addresses: ["10.0.0.0/8"] });
    expect((await raw(sim, "GET", "/api/2.0/ip-access-lists", undefined, dr)).status).toBe(200);
    // On: every request from the caller is refused (the lockout a restore must never cause).
    state().workspaceConf.set({ enableIpAccessLists: "true" });
    const refused = await raw(sim, "GET", "/api/2.0/ip-access-lists", undefined, dr);
    expect([refused.status, refused.body.message]).toEqual([
      403,
      "Source IP address: 198.51.100.20 is blocked by Databricks IP ACL for workspace: 6543210987654321",
    ]);
    // Allowed again, then a block list holding the caller is refused before it takes effect.
    lists.create({ label: "Runner", list_type: "ALLOW", ip_addresses: ["198.51.100.0/24"] });
    expect((await raw(sim, "GET", "/api/2.0/ip-access-lists", undefined, dr)).status).toBe(200);
    const blocking = await raw(
      sim,
      "POST",
      "/api/2.0/ip-access-lists",
      { label: "Bad", list_type: "BLOCK", ip_addresses: ["198.51.100.20"] },
      dr,
    );
    expect([blocking.status, blocking.body.error_code]).toEqual([400, "INVALID_STATE"]);
    expect([...lists.lists.values()].map((l) => l.label)).toEqual(["Corp", "Runner"]);
  });
});
