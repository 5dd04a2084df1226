import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../scripts/demo-drill.js";

describe("npm run demo (the main job on its embedded default)", () => {
  it("backs up, loses the workspace and metastore, restores both through the HTTP links and writes a passing drill report", async () => {
    const outDir = await mkdtemp(path.join(os.tmpdir(), "azdr-demo-"));
    const lines: string[] = [];
    const result = await runDemo({
      notebooks: 60,
      directories: 8,
      jobs: 6,
      tables: 16,
      outDir,
      write: (l) => lines.push(l),
    });
    const output = lines.join("\n");
    expect(result.exitCode, output).toBe(0);
    expect(output).toMatch(/RPO status/);
    // The drill backs up, restores and validates one of each platform object (issue 15).
    expect(output).toMatch(/1 SQL warehouse, 1 published AI\/BI dashboard, 1 pipeline, 1 MLflow experiment/);
    expect(output).toMatch(/POST \/api\/restore\/workspace → 202/);
    // Four eyes over the HTTP links: the operator requests, another person approves.
    expect(output).toMatch(
      /approved workspace as dr-lead@contoso\.example \(requested by on-call@contoso\.example/,
    );
    expect(result.drill?.passed).toBe(true);
    const components = [...(result.drill?.components ?? [])].sort((a, b) =>
      b.component.localeCompare(a.component),
    );
    expect(components.map((c) => [c.component, c.phase, c.withinRto, c.validationOk])).toEqual([
      ["unity-catalog", "Completed", true, true],
      ["databricks-workspace", "Completed", true, true],
    ]);
    // The seeded ISOLATED catalog came back ISOLATED (bound to the DR workspace), and the CSV table
    // and every other definition equal the backup's.
    const ucReport = await readFile(path.join(outDir, "restore-unity-catalog.md"), "utf8");
    expect(ucReport).toMatch(/- OK isolation and workspace bindings as planned: expected 1, found 1/);
    expect(ucReport).toMatch(/- OK catalogs equal the backup's/);
    const markdown = await readFile(path.join(outDir, "drill-report.md"), "utf8");
    expect(markdown).toMatch(/# DR drill .*: PASSED/);
    expect(markdown).toMatch(/\| Databricks Workspace \| workspace \| Completed \|/);
    expect(result.files).toEqual(expect.arrayContaining([path.join(outDir, "drill-report.json")]));
  }, 240_000);
});
