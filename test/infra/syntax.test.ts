// Every .bicep file under infra/ parses (tree-sitter-bicep, offline): a syntax ERROR or MISSING
// node fails with file:line:column. No Bicep compiler runs on our machines, so this and the
// policy tests are the templates' first line of defence.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBicepTree, parseBicep, syntaxErrors, type BicepFile } from "./bicep.js";
import { moduleContracts } from "./policies.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let files: BicepFile[];

beforeAll(async () => {
  files = await loadBicepTree(path.join(repo, "infra"), repo);
});

describe("Bicep syntax", () => {
  it("finds the templates", () => {
    const paths = files.map((f) => f.path);
    expect(paths).toContain(path.join("infra", "main.bicep"));
    expect(paths.length).toBeGreaterThan(5);
  });

  it("parses every .bicep file without errors", () => {
    expect(files.flatMap(syntaxErrors)).toEqual([]);
  });

  it("reports a broken file with file:line:column", async () => {
    const broken = await parseBicep(
      "param name string\n\nresource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: name\n  properties: {\n    x: \n  }\n",
      "infra/broken.bicep",
    );
    const errors = syntaxErrors(broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^infra\/broken\.bicep:\d+:\d+ /);
  });

  it("keeps module contracts: paths, params, outputs", () => {
    expect(moduleContracts(files)).toEqual([]);
  });

  it("catches a module given an unknown param, a missing required param and an unknown output", async () => {
    const dir = path.join(repo, "infra");
    const main = await parseBicep(
      [
        "module id 'modules/identity.bicep' = {",
        "  name: 'identity'",
        "  params: {",
        "    name: 'x'",
        "    colour: 'blue'",
        "  }",
        "}",
        "output clientId string = id.outputs.clientSecret",
      ].join("\n"),
      "infra/bad-main.bicep",
      path.join(dir, "bad-main.bicep"),
    );
    const problems = moduleContracts([main, ...files.filter((f) => f.path.endsWith("identity.bicep"))]);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("unknown param colour"),
        expect.stringContaining("misses required param location"),
        expect.stringContaining("id.outputs.clientSecret is not an output"),
      ]),
    );
  });
});
