// Folders, notebooks and workspace files through their kind handlers: validation compares the
// restored set with the backup's (presence, type, language, content by hash), so objects the target
// already had hide no miss, and each miss names the object and what differs.
import { afterEach, describe, expect, it } from "vitest";
import { runValidation, type RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";
import { notebookSource } from "../../sim/databricks/workspace-tree.js";
import type { WorkspaceState } from "../../sim/databricks/state.js";
import { readPlan } from "../../src/lib/restore/engine/engine.js";
import type { TestPlatform } from "../support/platform.js";
import { backedUpWorkspaces, restoreThroughHost, workspaceRequest } from "../support/workspace-dr.js";

let platform: TestPlatform | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await platform?.close();
  platform = undefined;
});

const NOTEBOOK = (n: number) => notebookSource("PYTHON", [`print(${n})`]);
const HEADER_FILE = "# Databricks notebook source\nprint('a file')\n";

function backedUpObjects(prepare: (primary: WorkspaceState) => void = () => {}): Promise<TestPlatform> {
  return backedUpWorkspaces({
    seed: false,
    kinds: ["databricks-notebooks"],
    prepare: (primaryState, drState) => {
      const primary = primaryState.tree;
      primary.mkdirs("/Shared/objs/empty");
      for (const n of [1, 2, 3])
        primary.put({
          path: `/Shared/objs/nb${n}`,
          object_type: "NOTEBOOK",
          language: "PYTHON",
          content: Buffer.from(NOTEBOOK(n)),
        });
      primary.put({ path: "/Shared/objs/etl.py", object_type: "FILE", content: Buffer.from(HEADER_FILE) });
      primary.put({ path: "/Shared/objs/data.csv", object_type: "FILE", content: Buffer.from("a,b\n1,2\n") });
      // The target already has things of its own: more notebooks, files and folders than the backup,
      // and one of the backup's notebooks, edited (existing=skip: left as it is, not a miss).
      const dr = drState.tree;
      dr.mkdirs("/Shared/dr-only/folder");
      for (const n of [1, 2, 3, 4, 5])
        dr.put({
          path: `/Shared/dr-only/nb${n}`,
          object_type: "NOTEBOOK",
          language: "PYTHON",
          content: Buffer.from(NOTEBOOK(10 + n)),
        });
      dr.put({ path: "/Shared/dr-only/extra.txt", object_type: "FILE", content: Buffer.from("dr\n") });
      dr.mkdirs("/Shared/objs");
      dr.put({
        path: "/Shared/objs/nb3",
        object_type: "NOTEBOOK",
        language: "PYTHON",
        content: Buffer.from(NOTEBOOK(33)),
      });
      prepare(primaryState);
    },
  });
}

function request(p: TestPlatform, body: Record<string, unknown> = {}) {
  return workspaceRequest(p, { mode: "apply", preApproved: true, ...body });
}

async function restore(p: TestPlatform, body: Record<string, unknown> = {}): Promise<RestoreReport> {
  const defaults = { mode: "apply", preApproved: true };
  return (await restoreThroughHost(p, { ...defaults, ...body }, { cleanups, instanceId: "restore-objects" }))
    .report;
}

describe("workspace objects (folder, notebook and file handlers)", () => {
  it("a pre-populated target hides no miss: each is named with the object and what differs", async () => {
    platform = await backedUpObjects();
    const report = await restore(platform);
    expect(report.phase, JSON.stringify({ reasons: report.reasons, v: report.validation })).toBe("Completed");
    const before = new Map(report.validation.map((c) => [c.name, c]));
    // Counted over what the plan created (nb3 was skipped: existing=skip), never the target's totals.
    expect(before.get("notebooks restored (content by hash)")).toMatchObject({ ok: true, expected: 2 });
    expect(before.get("files restored (as files, content by hash)")).toMatchObject({ ok: true, expected: 2 });
    expect(before.get("folders present")).toMatchObject({ ok: true, expected: 1 });

    // Behind the restore's back: a notebook edited, a file replaced by a notebook of the same name,
    // the empty folder removed. The target still holds more of every kind than the backup.
    const dr = platform.sim.workspace("dr").state.tree;
    const nb1 = dr.get("/Shared/objs/nb1")!;
    dr.put({ ...nb1, content: Buffer.from(`${NOTEBOOK(1)}# edited\n`) }, { overwrite: true });
    dr.delete("/Shared/objs/etl.py", false);
    dr.put({
      path: "/Shared/objs/etl.py",
      object_type: "NOTEBOOK",
      language: "PYTHON",
      content: Buffer.from(HEADER_FILE),
    });
    dr.delete("/Shared/objs/empty", false);

    const checks = await runValidation(
      platform.runtime,
      scenarioFor("workspace"),
      request(platform),
      report.planId,
    );
    const byName = new Map(checks.map((c) => [c.name, c]));
    expect(byName.get("notebooks restored (content by hash)")).toMatchObject({
      ok: false,
      expected: 2,
      actual: 1,
      detail: "/Shared/objs/nb1: content differs from the backup",
    });
    expect(byName.get("files restored (as files, content by hash)")).toMatchObject({
      ok: false,
      expected: 2,
      actual: 1,
      detail: "/Shared/objs/etl.py: came back as a NOTEBOOK, not a file",
    });
    expect(byName.get("folders present")).toMatchObject({
      ok: false,
      expected: 1,
      actual: 0,
      detail: "/Shared/objs/empty: missing",
    });
    // The target's own objects are untouched and named nowhere.
    expect(dr.get("/Shared/dr-only/nb5")?.content?.toString()).toBe(NOTEBOOK(15));
    expect(dr.get("/Shared/objs/nb3")?.content?.toString()).toBe(NOTEBOOK(33));
    expect(checks.map((c) => c.detail ?? "").join()).not.toMatch(/dr-only|nb3/);
  });

  it("existing=update: the plan names every object it overwrites; what the backup skipped is planned unsupported with the reason", async () => {
    platform = await backedUpObjects((primary) => {
      primary.tree.put({ path: "/Shared/objs/lib.jar", object_type: "LIBRARY" });
      primary.tree.mkdirs("/Repos/alice@example.com");
      primary.tree.put({ path: "/Repos/alice@example.com/etl", object_type: "REPO" });
    });
    const report = await restore(platform, { mode: "plan", preApproved: false, existing: "update" });
    const plan = await readPlan(platform.runtime, report.planId);
    expect(plan.destructive).toContain(
      "1 notebook(s)/file(s) in the target will be OVERWRITTEN (existing=update): /Shared/objs/nb3.",
    );
    const item = (key: string) => plan.items.find((i) => i.key === key);
    expect(item("/Shared/objs/nb3")).toMatchObject({
      step: "objects",
      action: "update",
      reason: "notebook exists in the target and existing=update",
    });
    expect(item("/Shared/objs/etl.py")).toMatchObject({ step: "objects", kind: "FILE", action: "create" });
    expect(item("/Shared/objs/lib.jar")).toMatchObject({
      step: "objects",
      kind: "LIBRARY",
      action: "unsupported",
      reason:
        "not in the backup: workspace libraries cannot be exported; reinstall them from their source package",
    });
    // No config snapshot restores the Git folder: it is a follow-up too, with its reason.
    expect(item("/Repos/alice@example.com/etl")).toMatchObject({ action: "unsupported", kind: "REPO" });
    expect(item("/Repos/alice@example.com/etl")?.reason).toMatch(
      /^not in the backup: Git folders are restored/,
    );
    // Plan mode wrote nothing.
    expect(platform.sim.workspace("dr").state.tree.get("/Shared/objs/nb1")).toBeUndefined();
  });

  it("preflight asks for the metastore assignment when the target has none (not blocking)", async () => {
    platform = await backedUpObjects();
    const checks = await scenarioFor("workspace").preflight(platform.runtime, request(platform), {});
    expect(checks.find((c) => c.name === "target workspace reachable")).toMatchObject({ ok: true });
    expect(checks.find((c) => c.name === "metastore assigned")).toMatchObject({
      ok: false,
      blocking: false,
      detail: "the target workspace has no Unity Catalog metastore",
    });
  });
});
