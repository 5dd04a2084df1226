// The Unity Catalog kind handlers: each owns its manifest entry path both ways (the paths the
// backup source writes), and the 7.4 scenario's steps are theirs, in registry order.
import { describe, expect, it } from "vitest";
import { UNITY_CATALOG_KINDS, SECURABLE_KINDS } from "../../src/lib/kinds/unity-catalog/index.js";
import { scenarioFor } from "../../src/lib/restore/catalog.js";
import { bindingsPath, grantsPath, securablePath } from "../../src/lib/sources/unity-catalog-source.js";

describe("Unity Catalog kind registry", () => {
  it("each securable handler owns its entry path both ways, as the backup writes it", () => {
    for (const handler of SECURABLE_KINDS) {
      const name = handler.spec.type === "catalog" ? "a b/c" : "cat.a b/c.t%1";
      expect(handler.entryPath(name), handler.kind).toBe(securablePath(handler.spec.type, name));
      expect(handler.idOf(handler.entryPath(name)), handler.kind).toBe(name);
    }
    const grants = UNITY_CATALOG_KINDS.find((k) => k.kind === "grants")!;
    expect(grants.entryPath("table/c.s.t 1")).toBe(grantsPath("table", "c.s.t 1"));
    expect(grants.idOf(grants.entryPath("table/c.s.t 1"))).toBe("table/c.s.t 1");
    const bindings = UNITY_CATALOG_KINDS.find((k) => k.kind === "bindings")!;
    expect(bindings.entryPath("external_location/loc a")).toBe(bindingsPath("external_location", "loc a"));
    expect(bindings.idOf(bindings.entryPath("external_location/loc a"))).toBe("external_location/loc a");
  });

  it("the 7.4 steps are the handlers' steps in registry order, bindings last", () => {
    const steps = [...new Set(UNITY_CATALOG_KINDS.map((k) => k.step.name))];
    expect(scenarioFor("unity-catalog").steps.map((s) => s.name)).toEqual(steps);
    expect(steps.at(0)).toBe("metastore-assignment");
    expect(steps.at(-1)).toBe("workspace-bindings");
  });
});
