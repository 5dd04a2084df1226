// The workspace kind registry: every kind is a handler of its own (no kind is left to the 7.3
// scenario module), each owns its manifest entry path both ways, and the scenario's steps are theirs.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OBJECTS } from "../../src/lib/kinds/workspace/context.js";
import { WORKSPACE_KINDS, workspaceSteps } from "../../src/lib/kinds/workspace/index.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";

describe("workspace kind registry", () => {
  it("has no legacy kind left: every kind plans, applies and validates itself", () => {
    expect(existsSync(new URL("../../src/lib/kinds/workspace/legacy.ts", import.meta.url))).toBe(false);
    const kinds = WORKSPACE_KINDS.map((k) => k.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const handler of WORKSPACE_KINDS) {
      expect(Object.getOwnPropertySymbols(handler), handler.kind).toEqual([]);
      for (const member of ["plan", "apply", "validate", "entryPath", "idOf"] as const)
        expect(typeof handler[member], `${handler.kind}.${member}`).toBe("function");
      expect(handler.domain).toBe("workspace");
    }
    expect(scenarioFor("workspace").steps).toEqual(workspaceSteps());
  });

  it("folders, notebooks and files come first, keyed by their workspace path, notebooks and files on one step", () => {
    const [directory, notebook, file] = WORKSPACE_KINDS;
    expect([directory, notebook, file].map((k) => k!.kind)).toEqual(["DIRECTORY", "NOTEBOOK", "FILE"]);
    for (const handler of [directory!, notebook!, file!]) {
      expect(handler.component).toBe(OBJECTS);
      expect(handler.entryPath("/Shared/a b/x%1.py")).toBe("/Shared/a b/x%1.py");
      expect(handler.idOf("/Shared/a b/x%1.py")).toBe("/Shared/a b/x%1.py");
      expect(typeof handler.backup?.list).toBe("function");
    }
    expect(notebook!.step).toBe(file!.step);
    expect(
      workspaceSteps()
        .map((s) => s.name)
        .slice(0, 2),
    ).toEqual(["directories", "objects"]);
  });

  it("the other kinds own their entry path both ways", () => {
    for (const handler of WORKSPACE_KINDS.filter((k) => k.component !== OBJECTS)) {
      const id = "id with/odd%chars";
      expect(handler.idOf(handler.entryPath(id)), handler.kind).toBe(id);
    }
  });
});
