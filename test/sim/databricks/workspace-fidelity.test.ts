// The simulator's answers that the 7.3 fidelity fixes rely on, each as the Databricks API reference
// describes it: workspace import AUTO vs RAW vs SOURCE, policy families (policy_family_id "cannot
// be used with definition"), the 25-tag limit of jobs, permissions on workspace files, and a lost
// response after the request ran.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { createDefaultPolicies } from "../../../sim/databricks/compute.js";
import { raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [{ name: "dr", workspaceId: 6543210987654321, seed: false }],
    metastores: [],
  });
});
afterAll(async () => sim?.close());

const b64 = (text: string) => Buffer.from(text).toString("base64");
const HEADER = "# Databricks notebook source\nprint(1)\n";
const dr = { workspace: "dr" };

describe("workspace import formats", () => {
  test("AUTO turns a .py file with the notebook header into a notebook without its extension; RAW keeps a file", async () => {
    const tree = sim.workspace("dr").state.tree;
    tree.mkdirs("/Shared/fmt");
    const auto = await raw(
      sim,
      "POST",
      "/api/2.0/workspace/import",
      { path: "/Shared/fmt/auto.py", format: "AUTO", content: b64(HEADER) },
      dr,
    );
    expect(auto.status).toBe(200);
    expect(tree.get("/Shared/fmt/auto.py")).toBeUndefined();
    expect(tree.get("/Shared/fmt/auto")).toMatchObject({ object_type: "NOTEBOOK", language: "PYTHON" });

    const rawImport = await raw(
      sim,
      "POST",
      "/api/2.0/workspace/import",
      { path: "/Shared/fmt/kept.py", format: "RAW", content: b64(HEADER) },
      dr,
    );
    expect(rawImport.status).toBe(200);
    expect(tree.get("/Shared/fmt/kept.py")).toMatchObject({ object_type: "FILE" });
    expect(tree.get("/Shared/fmt/kept.py")?.content?.toString()).toBe(HEADER);

    // A file without a recognised header stays a file under AUTO too.
    await raw(
      sim,
      "POST",
      "/api/2.0/workspace/import",
      { path: "/Shared/fmt/plain.py", format: "AUTO", content: b64("print(2)\n") },
      dr,
    );
    expect(tree.get("/Shared/fmt/plain.py")).toMatchObject({ object_type: "FILE" });

    // SOURCE needs a language for a single object.
    const source = await raw(
      sim,
      "POST",
      "/api/2.0/workspace/import",
      { path: "/Shared/fmt/nolang", format: "SOURCE", content: b64(HEADER) },
      dr,
    );
    expect(source.status).toBe(400);
  });
});

describe("cluster policy families", () => {
  test("a family policy inherits the family's definition with the overrides on top; definition with policy_family_id is refused", async () => {
    const state = sim.workspace("dr").state;
    const [personal] = createDefaultPolicies(state);
    expect(personal).toMatchObject({
      name: "Personal Compute",
      policy_family_id: "personal-vm",
      is_default: true,
    });

    const families = await raw(sim, "GET", "/api/2.0/policy-families", undefined, dr);
    expect(
      (families.body["policy_families"] as { policy_family_id: string }[]).map((f) => f.policy_family_id),
    ).toContain("personal-vm");

    const both = await raw(
      sim,
      "POST",
      "/api/2.0/policies/clusters/edit",
      {
        policy_id: personal!["policy_id"],
        name: "Personal Compute",
        policy_family_id: "personal-vm",
        definition: "{}",
      },
      dr,
    );
    expect(both.status).toBe(400);
    expect(both.body["error_code"]).toBe("INVALID_PARAMETER_VALUE");
    expect(String(both.body["message"])).toMatch(/policy_family_id cannot be used with definition/);

    const overrides = JSON.stringify({ autotermination_minutes: { type: "fixed", value: 30 } });
    const edited = await raw(
      sim,
      "POST",
      "/api/2.0/policies/clusters/edit",
      {
        policy_id: personal!["policy_id"],
        name: "Personal Compute",
        policy_family_id: "personal-vm",
        policy_family_definition_overrides: overrides,
      },
      dr,
    );
    expect(edited.status).toBe(200);
    const got = await raw(
      sim,
      "GET",
      `/api/2.0/policies/clusters/get?policy_id=${String(personal!["policy_id"])}`,
      undefined,
      dr,
    );
    const definition = JSON.parse(String(got.body["definition"])) as Record<string, unknown>;
    expect(definition["autotermination_minutes"]).toEqual({ type: "fixed", value: 30 });
    expect(definition["data_security_mode"]).toEqual({ type: "fixed", value: "SINGLE_USER" });
    expect(got.body["policy_family_definition_overrides"]).toBe(overrides);

    // Default policies cannot be deleted.
    const deleted = await raw(
      sim,
      "POST",
      "/api/2.0/policies/clusters/delete",
      { policy_id: personal!["policy_id"] },
      dr,
    );
    expect(deleted.status).toBe(400);
  });
});

describe("jobs and permissions", () => {
  test("a job takes at most 25 tags", async () => {
    const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`t${i}`, "x"]));
    const ok = await raw(sim, "POST", "/api/2.2/jobs/create", { name: "25 tags", tags: tags(25) }, dr);
    expect(ok.status).toBe(200);
    const over = await raw(sim, "POST", "/api/2.2/jobs/create", { name: "26 tags", tags: tags(26) }, dr);
    expect(over.status).toBe(400);
    expect(String(over.body["message"])).toMatch(/at most 25 tags/);
  });

  test("workspace files have their own permissions (object type files)", async () => {
    const tree = sim.workspace("dr").state.tree;
    const file = tree.put({
      path: "/Shared/fmt/data.csv",
      object_type: "FILE",
      content: Buffer.from("a,b\n"),
    });
    const put = await raw(
      sim,
      "PUT",
      `/api/2.0/permissions/files/${file.object_id}`,
      { access_control_list: [{ group_name: "analysts", permission_level: "CAN_READ" }] },
      dr,
    );
    expect(put.status).toBe(200);
    expect(put.body["object_type"]).toBe("file");
    const notebook = tree.get("/Shared/fmt/auto")!;
    const wrongType = await raw(
      sim,
      "GET",
      `/api/2.0/permissions/files/${notebook.object_id}`,
      undefined,
      dr,
    );
    expect(wrongType.status).toBe(404);
  });

  test("resetAfterHandling: the request runs, the caller gets no answer", async () => {
    const state = sim.workspace("dr").state;
    const before = state.jobs.size;
    sim.faults.add("dr", { route: "POST /api/2.2/jobs/create", resetAfterHandling: true, times: 1 });
    await expect(
      fetch(`${sim.urls["dr"]}/api/2.2/jobs/create`, {
        method: "POST",
        headers: { authorization: `Bearer ${sim.token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "lost answer" }),
      }),
    ).rejects.toThrow();
    expect(state.jobs.size).toBe(before + 1);
    sim.faults.clear();
  });
});
