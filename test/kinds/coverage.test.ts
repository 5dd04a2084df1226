// The README's coverage table is the kind registry's: one row per kind handler, backup / restore /
// validated from each handler's coverage. Like the scenario table (test/restore/catalog.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_KINDS, coverageTable } from "../../src/lib/kinds/registry.js";
import { WORKSPACE_KINDS, workspaceSteps } from "../../src/lib/kinds/workspace/index.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";

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

describe("kind registry", () => {
  it("the README's coverage table is the registry's", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const start = readme.indexOf("<!-- kind-coverage:start");
    const end = readme.indexOf("<!-- kind-coverage:end -->");
    expect(start, "README.md lacks the kind-coverage markers").toBeGreaterThan(0);
    expect(
      cells(readme.slice(start, end)),
      `README.md's coverage table drifted from src/lib/kinds (registry.ts): run npm run docs; the table should be:\n${coverageTable()}`,
    ).toEqual(cells(coverageTable()));
  });

  it("every kind appears once, and the 7.3 steps are the workspace kinds' steps in registry order", () => {
    const keys = ALL_KINDS.map((k) => `${k.domain}/${k.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(scenarioFor("workspace").steps.map((s) => s.name)).toEqual(workspaceSteps().map((s) => s.name));
    // Permissions last: ACLs refer to the new ids of everything restored before them.
    expect(WORKSPACE_KINDS.at(-1)?.kind).toBe("permissions");
  });

  it("each workspace kind owns its manifest entry path both ways", () => {
    for (const kind of WORKSPACE_KINDS) {
      const id = kind.component.endsWith("workspace-objects") ? "/Shared/a b/c.py" : "1234-abc";
      expect(kind.idOf(kind.entryPath(id)), kind.kind).toBe(id);
    }
  });
});
