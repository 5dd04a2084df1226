import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/lib/config/index.js";
import {
  CATALOG,
  catalogRow,
  publicScenarios,
  RTO_COMPONENT_OF_SCENARIO,
  scenarioChoices,
  scenarioTableMarkdown,
} from "../../src/lib/restore/catalog.js";
import { restoreRequestBase } from "../../src/lib/restore/engine/request-schema.js";
import { parseRestoreRequest, RestoreRequestError } from "../../src/lib/restore/engine/request.js";
import { decideDeletion } from "../../src/lib/restore/engine/alerts.js";

/** Table rows as trimmed cells: Prettier pads the README's columns. */
function cells(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) =>
      line
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim()),
    )
    .filter((row) => !row.every((c) => /^-+$/.test(c)));
}

const config = parseConfig({
  env: "prod",
  project: "dataplat",
  subscriptionId: "00000000-0000-0000-0000-000000000000",
  databricks: {
    workspaces: [
      { id: "primary", url: "https://a.azuredatabricks.net", auth: { type: "entra" } },
      { id: "dr", url: "https://b.azuredatabricks.net", role: "secondary", auth: { type: "entra" } },
    ],
  },
  unityCatalog: { metastores: [{ id: "m1", workspace: "primary" }] },
});

describe("restore catalog", () => {
  it("the README's scenario table is the catalog's", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("<!-- scenario-table:start");
    const end = readme.indexOf("<!-- scenario-table:end -->");
    expect(start, "README.md lacks the scenario-table markers").toBeGreaterThan(0);
    expect(
      cells(readme.slice(start, end)),
      "README.md's scenario table drifted from src/lib/restore/catalog.ts: paste scenarioTableMarkdown()",
    ).toEqual(cells(scenarioTableMarkdown()));
  });

  it("every row is one module of the same name, with unique step names and known children", () => {
    const names = CATALOG.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    for (const row of CATALOG) {
      expect(row.module.name).toBe(row.name);
      const steps = row.module.steps.map((s) => s.name);
      expect(new Set(steps).size, `${row.name}: duplicate step names`).toBe(steps.length);
      for (const step of row.module.steps) {
        expect(step.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
        if (step.kind === "scenario") expect(names).toContain(step.scenario);
      }
      // Each scenario's request extends the shared base: every base field is there.
      for (const key of Object.keys(restoreRequestBase.shape)) expect(row.request.shape).toHaveProperty(key);
      expect(RTO_COMPONENT_OF_SCENARIO[row.name]).toBe(row.rtoComponent);
    }
  });

  it("the CLI lists the public scenarios; an internal one is unknown to every trigger", () => {
    expect(scenarioChoices()).toBe(
      publicScenarios()
        .map((r) => r.name)
        .join(" | "),
    );
    expect(scenarioChoices()).not.toContain("engine-selftest");
    expect(catalogRow("engine-selftest").internal).toBe(true);
    for (const origin of ["http", "queue", "event-grid", "cli"] as const) {
      expect(() =>
        parseRestoreRequest({ source: "primary", target: "dr" }, config, "engine-selftest", origin),
      ).toThrow(/unknown scenario "engine-selftest"/);
    }
    expect(
      parseRestoreRequest({ source: "primary", target: "dr" }, config, "engine-selftest", "test").folder,
    ).toBe("/Shared/azdr-selftest");
  });

  it("a scenario's own options are refused by another scenario, naming the field", () => {
    expect(parseRestoreRequest({ source: "primary", target: "dr" }, config, "workspace").jobsPaused).toBe(
      true,
    );
    try {
      parseRestoreRequest({ source: "m1", target: "m1", jobsPaused: false }, config, "unity-catalog");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RestoreRequestError);
      expect((error as RestoreRequestError).problems.map((p) => p.field)).toEqual(["jobsPaused"]);
    }
  });

  it("deletion alerts route through the catalog row that claims the resource type", () => {
    const withResource = parseConfig({
      ...config,
      databricks: {
        workspaces: [
          {
            id: "primary",
            url: "https://a.azuredatabricks.net",
            auth: { type: "entra" },
            resourceId:
              "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dbw-prod",
          },
          { id: "dr", url: "https://b.azuredatabricks.net", role: "secondary", auth: { type: "entra" } },
        ],
      },
    });
    const decision = decideDeletion(withResource, {
      id: "e1",
      eventType: "Microsoft.Resources.ResourceDeleteSuccess",
      data: {
        operationName: "Microsoft.Databricks/workspaces/delete",
        resourceUri: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dbw-prod",
      },
    });
    expect(decision).toMatchObject({
      action: "restore",
      request: { scenario: "workspace", source: "primary", target: "dr", mode: "apply" },
    });
  });
});
