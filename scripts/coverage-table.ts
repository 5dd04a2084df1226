// The README's coverage table, generated from the kind registry so it cannot drift:
// `npm run docs` rewrites the block between the markers (then Prettier aligns it);
// test/kinds/coverage.test.ts fails when it is out of date.
import { readFile, writeFile } from "node:fs/promises";
import { coverageTable } from "../src/lib/kinds/registry.js";

const BEGIN = "<!-- kind-coverage:start";
const END = "<!-- kind-coverage:end -->";

export function withCoverageTable(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${BEGIN} … ${END} markers`);
  const afterMarker = readme.indexOf("-->", start) + "-->".length;
  return `${readme.slice(0, afterMarker)}\n\n${coverageTable()}\n\n${readme.slice(end)}`;
}

if (process.argv[1]?.endsWith("coverage-table.ts")) {
  const readme = await readFile("README.md", "utf8");
  await writeFile("README.md", withCoverageTable(readme));
  console.log("README.md coverage table updated");
}
