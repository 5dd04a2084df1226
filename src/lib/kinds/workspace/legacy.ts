// Kinds not yet moved into their own handler module: still planned, applied and validated by the
// 7.3 scenario's own code (scenarios/workspace.ts) and backed up by the workspace sources. They are
// registered here so the step order, the coverage table and the backup/restore orchestration already
// come from the registry. Each moves into its own file; this module goes when the last one has.
import { AzdrError } from "../../errors.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import type { KindCoverage } from "../types.js";
import { jsonEntryId, jsonEntryPath, type WorkspaceKind } from "./context.js";

export const LEGACY = Symbol("legacy workspace kind");

export type LegacyKind = WorkspaceKind & { [LEGACY]: true };

export function isLegacy(kind: WorkspaceKind): kind is LegacyKind {
  return (kind as Partial<LegacyKind>)[LEGACY] === true;
}

export function legacyKind(spec: {
  kind: string;
  label: string;
  component: string;
  step: ItemsStep;
  coverage: KindCoverage;
  /** Config entries: `<folder>/<id>.json`; workspace objects: the path itself. */
  folder?: string;
  needsIds?: boolean;
}): LegacyKind {
  const notMoved = (): never => {
    throw new AzdrError("INTERNAL", `kind ${spec.kind} is still handled by the 7.3 scenario module`);
  };
  return {
    [LEGACY]: true,
    kind: spec.kind,
    label: spec.label,
    domain: "workspace",
    component: spec.component,
    step: spec.step,
    coverage: spec.coverage,
    ...(spec.needsIds ? { needsIds: true } : {}),
    entryPath: (id) => (spec.folder ? jsonEntryPath(spec.folder, id) : id),
    idOf: (path) => (spec.folder ? jsonEntryId(path) : path),
    plan: notMoved,
    apply: notMoved,
    validate: notMoved,
  };
}
