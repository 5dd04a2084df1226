import { describe, expect, it } from "vitest";
import { orderItems } from "../../../src/lib/restore/engine/engine.js";
import type { PlanItem } from "../../../src/lib/restore/engine/plan.js";
import type { PlanStep } from "../../../src/lib/restore/engine/steps.js";

const steps: PlanStep[] = [
  { kind: "items", ordering: "parallel", name: "a", title: "A", why: "first" },
  { kind: "items", ordering: "dependency", name: "b", title: "B", why: "second" },
];
const item = (step: string, key: string, dependsOn?: string[]): PlanItem => ({
  step,
  key,
  kind: "x",
  action: "create",
  reason: "test",
  ...(dependsOn ? { dependsOn } : {}),
});

describe("orderItems (ordering: dependency)", () => {
  it("puts every item after the keys it needs, keeps the plan's order otherwise, leaves other steps alone", () => {
    const ordered = orderItems(steps, [
      item("a", "z", ["y"]), // a parallel step: its dependsOn means nothing to the engine
      item("a", "y"),
      item("b", "view3", ["view2"]),
      item("b", "view2", ["view1", "elsewhere"]),
      item("b", "table"),
      item("b", "view1", ["table"]),
    ]);
    expect(ordered.map((i) => i.key)).toEqual(["z", "y", "table", "view1", "view2", "view3"]);
  });

  it("a cycle keeps the plan's order for the items in it instead of dropping any", () => {
    const ordered = orderItems(steps, [item("b", "p", ["q"]), item("b", "q", ["p"]), item("b", "r")]);
    expect(ordered.map((i) => i.key).sort()).toEqual(["p", "q", "r"]);
    expect(ordered).toHaveLength(3);
  });
});
