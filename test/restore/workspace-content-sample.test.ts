// Validation exports notebook and file contents in full up to CONTENT_CHECKS per kind; beyond that
// a sample fixed by hash, always with every body the remap rules rewrote (one activity must end
// well within the host's timeout).
import { describe, expect, it } from "vitest";
import { CONTENT_CHECKS, contentSample } from "../../src/lib/kinds/workspace/workspace-object.js";
import type { PlanItem } from "../../src/lib/restore/engine/plan.js";

const item = (n: number, rewrites?: number): PlanItem => ({
  step: "objects",
  key: `/Shared/nb ${n}`,
  kind: "NOTEBOOK",
  action: "create",
  reason: "not in the target",
  ...(rewrites ? { meta: { rewrites } } : {}),
});

describe("validation content sample", () => {
  it("checks every object up to the limit", () => {
    const items = Array.from({ length: CONTENT_CHECKS }, (_, i) => item(i));
    expect(contentSample(items).size).toBe(CONTENT_CHECKS);
  });

  it("beyond it, a stable sample by hash that keeps every rewritten body", () => {
    const items = Array.from({ length: CONTENT_CHECKS + 700 }, (_, i) =>
      item(i, i % 500 === 0 ? 2 : undefined),
    );
    const sample = contentSample(items);
    expect(sample.size).toBe(CONTENT_CHECKS);
    for (const rewritten of items.filter((i) => i.meta)) expect(sample.has(rewritten)).toBe(true);
    // The same objects on every run (re-validation compares like with like).
    const again = contentSample([...items].reverse());
    expect([...again].map((i) => i.key).sort()).toEqual([...sample].map((i) => i.key).sort());
  });
});
