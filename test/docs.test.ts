import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { withReference } from "../scripts/settings-reference.js";

describe("README", () => {
  it("carries the settings reference generated from the config schema (run `npm run docs` after changing it)", async () => {
    const readme = await readFile("README.md", "utf8");
    expect(readme).toBe(withReference(readme));
    expect(readme).toMatch(/\| `databricks\.workspaces\[\]\.url` \| yes \|/);
  });

  it("states the two commands, and .ci/run runs exactly the test command after a clean install", async () => {
    const readme = await readFile("README.md", "utf8");
    const ci = await readFile(".ci/run", "utf8");
    expect(readme).toContain("npm ci && npm run demo");
    expect(readme).toContain("npm ci && npm test");
    expect(ci).toMatch(/^npm ci && npm test$/m);
  });
});
