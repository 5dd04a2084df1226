// Every kind handler of every domain: what the README coverage table is generated from
// (test/kinds/coverage.test.ts fails when the README drifts from it).
import type { KindCoverageRow } from "./types.js";
import { UNITY_CATALOG_KINDS } from "./unity-catalog/index.js";
import { WORKSPACE_KINDS } from "./workspace/index.js";

export const ALL_KINDS: readonly KindCoverageRow[] = [...WORKSPACE_KINDS, ...UNITY_CATALOG_KINDS];

const DOMAIN_TITLE = { workspace: "Workspace", "unity-catalog": "Unity Catalog" } as const;

const mark = (yes: boolean) => (yes ? "✓" : "—");

/** The README coverage table (Markdown rows, before Prettier's column alignment). */
export function coverageTable(kinds: readonly KindCoverageRow[] = ALL_KINDS): string {
  const rows = kinds.map(
    (k) =>
      `| ${DOMAIN_TITLE[k.domain]} | ${k.label} | \`${k.kind}\` | ${mark(k.coverage.backup)} | ${mark(k.coverage.restore)} | ${mark(k.coverage.validated)} | ${k.coverage.note ?? ""} |`,
  );
  return [
    "| domain | kind | manifest kind | backup | restore | validated | what is compared / notes |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
