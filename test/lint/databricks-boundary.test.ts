// The lint rule that keeps Databricks REST paths and DatabricksError inside src/lib/clients, run
// through ESLint's own API with the project's config, so it cannot stop firing unnoticed.
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

const OFFENDING = [
  'export const a = "/api/2.0/workspace/list";',
  "export const b = (id: string) => `/api/2.1/unity-catalog/catalogs/${id}`;",
  'import { DatabricksError } from "./clients/databricks.js";',
  "export const c = (e: unknown) => e instanceof DatabricksError;",
].join("\n");

// The project's own config; only type-aware linting is switched off (it builds the whole program,
// a minute under load, and the boundary rule is syntactic).
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: [{ files: ["**/*.ts"], ...tseslint.configs.disableTypeChecked }],
});

/** Lines the boundary rule reports when OFFENDING is linted as the file at filePath. */
async function boundaryLines(filePath: string): Promise<number[]> {
  const [result] = await eslint.lintText(OFFENDING, { filePath });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-syntax").map((m) => m.line);
}

describe("Databricks boundary lint rule", () => {
  it("fires on a REST path literal, a path template and DatabricksError in src outside lib/clients", async () => {
    const lines = await boundaryLines("src/lib/doctor.ts");
    expect([...new Set(lines)].sort()).toEqual([1, 2, 3, 4]);
    const [result] = await eslint.lintText(OFFENDING, { filePath: "src/cli/main.ts" });
    expect(result!.messages.find((m) => m.ruleId === "no-restricted-syntax")?.message).toContain(
      "typed client",
    );
  });

  it("exempts nothing else in src: the 7.3 scenario and the workspace backup module, the last exempted, are checked", async () => {
    for (const filePath of [
      "src/lib/restore/scenarios/workspace.ts",
      "src/lib/sources/databricks-workspace.ts",
      "src/lib/kinds/workspace/workspace-object.ts",
    ])
      expect([...new Set(await boundaryLines(filePath))].sort(), filePath).toEqual([1, 2, 3, 4]);
  });

  it("stays quiet in src/lib/clients, in the simulator and in tests", async () => {
    expect(await boundaryLines("src/lib/clients/databricks/workspace.ts")).toEqual([]);
    expect(await boundaryLines("sim/databricks/sql.ts")).toEqual([]);
    expect(await boundaryLines("test/lib/clients/databricks-apis.test.ts")).toEqual([]);
  });
});
