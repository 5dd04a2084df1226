// The Unity Catalog securables' kind handlers, in restore order (one module per securable in this
// folder). Listed in the README coverage table with the workspace kinds.
import type { KindCoverageRow } from "../types.js";

export const UNITY_CATALOG_KINDS: readonly KindCoverageRow[] = [];
