// AI/BI dashboards in the workspace tree are not "legacy, not exportable" (issue 15): the
// workspace-objects listing leaves them to the workspace-config snapshot, which reads them through
// the Lakeview API with their warehouse and published state, and says so.
import { describe, expect, test } from "vitest";
import { planWorkspaceBackup } from "../../../src/lib/sources/databricks-workspace.js";

describe("workspace-objects listing of AI/BI dashboards", () => {
  test("a DASHBOARD object is recorded as covered by the workspace-config snapshot, never as legacy", () => {
    const plan = planWorkspaceBackup(
      [
        { path: "/Shared", object_type: "DIRECTORY", object_id: 1 },
        { path: "/Shared/Sales.lvdash.json", object_type: "DASHBOARD", object_id: 2, resource_id: "01ef" },
      ],
      undefined,
    );
    expect(plan.skipped).toEqual([
      {
        path: "/Shared/Sales.lvdash.json",
        kind: "DASHBOARD",
        reason: expect.stringContaining("Lakeview API") as string,
        coveredBy: "databricks-config: dashboards/",
      },
    ]);
    expect(plan.skipped[0]!.reason).not.toMatch(/legacy|not exportable/);
  });
});
