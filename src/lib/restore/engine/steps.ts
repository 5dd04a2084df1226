// Step kinds and the contract of a scenario module. The orchestrator interprets the kinds; a
// scenario module (src/lib/restore/scenarios/<name>.ts) declares its steps as data and implements
// the hooks its kinds need:
//
//   const STEPS: PlanStep[] = [
//     { kind: "checkpoint", name: "recover-account", title: "…", why: "…", does: "…" },
//     { kind: "operation", name: "failover", title: "…", why: "…", pollSeconds: 60, timeoutMinutes: 90 },
//     { kind: "items", name: "containers", title: "…", why: "…", ordering: "parallel" },
//     { kind: "scenario", name: "metastore", title: "…", why: "…", scenario: "unity-catalog",
//       request: (parent) => ({ source: parent.source, target: parent.target }) },
//   ];
//
// - `items`: plan() returns PlanItems with `step` = the step's name; execute() restores one batch
//   (≤ RESTORE_BATCH items) and returns one ItemResult per item. `ordering` says how: `parallel`
//   (independent items: execute may run them concurrently), `serial` (one at a time, in plan order),
//   `dependency` (items name the keys they need in `dependsOn`; the engine sorts the step's items so
//   every item comes after what it needs, and execute runs them one at a time in that order).
// - `operation`: an Azure long-running operation. plan() plans one item for the step (what the
//   operation will do, or `skip` with the reason it is not needed). startOperation() starts it and
//   returns a small JSON handle (ids, operation URLs: never a secret); the engine persists the handle
//   BEFORE the orchestrator moves on, so a start is never repeated, not even after a crash.
//   pollOperation() reads the state; the orchestrator polls on durable timers every `pollSeconds`
//   until done or `timeoutMinutes`, and a restarted host resumes the polling.
// - `checkpoint`: a manual step. plan() plans an item for it when it is needed and returns
//   `checkpoints[step]` (instructions and deep links, shown in the plan and the status). The run
//   waits for an operator's "done" (verified identity, recorded), then checkCheckpoint() verifies
//   the post-condition; if it does not hold the run waits again, showing the check's answer.
// - `scenario`: a child restore (another catalog row) run as a sub-orchestration. `request` builds
//   the child's request from the parent's; the child's plan is made with the parent's and folded into
//   it, and the one approval of the parent's plan hash releases every child.
//
// Steps with nothing actionable in the plan are skipped (and the report says so). Every hook is
// idempotent: activities run at least once.
import type { SnapshotRef } from "../../store/layout.js";
import type { Manifest } from "../../store/manifest.js";
import type { SourceContext } from "../../sources/context.js";
import type { PlanItem, PreflightCheck } from "./plan.js";
import type { RequestProblem } from "./request.js";

export type StepKind = "items" | "operation" | "checkpoint" | "scenario";
export type ItemOrdering = "parallel" | "serial" | "dependency";

interface StepCommon {
  /** Unique within the scenario; used in blob paths, routes and the CLI ([a-z0-9-]). */
  name: string;
  title: string;
  /** Why this step sits where it does in the order. */
  why: string;
  /** What the step does, for the plan (items steps default to their objects' counts). */
  does?: string;
  /** Expected duration in seconds, when known (shown in the plan). */
  expectedSeconds?: number;
}

export interface ItemsStep extends StepCommon {
  kind: "items";
  ordering: ItemOrdering;
}

export interface OperationStep extends StepCommon {
  kind: "operation";
  /** Seconds between polls (a durable timer each). */
  pollSeconds: number;
  /** The run fails (re-run to resume polling) if the operation is not done within this. */
  timeoutMinutes: number;
}

export interface CheckpointStep extends StepCommon {
  kind: "checkpoint";
  /** How long the run waits for the operator before it stops (default 24 h; a re-run resumes). */
  timeoutMinutes?: number;
}

export interface ScenarioStep extends StepCommon {
  kind: "scenario";
  /** The child's catalog name. */
  scenario: string;
  /** The child's request (body fields), from the parent's: mode, approval and ids follow the parent. */
  request(parent: RequestShape): Record<string, unknown>;
}

export type PlanStep = ItemsStep | OperationStep | CheckpointStep | ScenarioStep;

/** The fields of a request every step hook may rely on (each scenario's request extends them). */
export interface RequestShape {
  scenario: string;
  source: string;
  target: string;
  snapshot: string;
  include: string[];
  exclude: string[];
  mode: "plan" | "apply";
  allowPrimaryTarget: boolean;
}

/** Old → new id maps of one scenario, by kind (jobs, clusters…); namespaced per scenario in a run. */
export type IdMapSet = Record<string, Record<string, string>>;

export interface RunState<Ids extends IdMapSet = IdMapSet> {
  planId: string;
  /** This scenario's id maps: seeded by seedIds(), plus everything learned by earlier batches. */
  ids: Ids;
  /** Record ids learned by this batch (old → new), for later steps and re-runs. */
  learned: Partial<Ids>;
}

/** Manifests of a plan's inputs, keyed `domain/component` (e.g. `databricks/workspace-objects`). */
export type Manifests = Record<string, Manifest>;

export function manifestKey(ref: Pick<SnapshotRef, "domain" | "component">): string {
  return `${ref.domain}/${ref.component}`;
}

export interface ItemResult {
  step: string;
  key: string;
  status: "created" | "updated" | "skipped" | "failed";
  detail?: string;
}

export interface ValidationCheck {
  name: string;
  ok: boolean;
  expected: number | string;
  actual: number | string;
  detail?: string;
}

export interface CheckpointGuide {
  /** What the operator does, step by step. */
  instructions: string[];
  /** Deep links: Azure portal, Databricks account console… (never with a secret or key). */
  links: { label: string; url: string }[];
}

export interface PlannedWork {
  items: PlanItem[];
  /** What cannot be undone if approved, listed for the approver. */
  destructive: string[];
  notes: string[];
  /** Instructions and links of each checkpoint step the plan needs, by step name. */
  checkpoints?: Record<string, CheckpointGuide>;
}

/** A started long-running operation: small JSON the engine persists (ids, URLs; never a secret). */
export type OperationHandle = Record<string, string | number | boolean>;

export interface OperationStatus {
  state: "running" | "succeeded" | "failed";
  detail: string;
}

export interface CheckResult {
  ok: boolean;
  /** What was found: shown to the operator when the post-condition does not hold. */
  detail: string;
}

/**
 * A scenario module: one per runbook section. Methods (not arrow properties) so a module typed with
 * its own request and id maps registers in the catalog's generic list.
 */
export interface RestoreScenario<R extends RequestShape = RequestShape, Ids extends IdMapSet = IdMapSet> {
  name: string;
  steps: PlanStep[];
  /** The id maps a run starts with (explicit rules from the request); default: none. */
  seedIds?(request: R): Ids;
  /**
   * Request-time checks against what the store recorded (no cloud call), so input that cannot work
   * is a 400 naming the field, and nothing starts. Optional; preflight checks the live target.
   */
  requestProblems?(ctx: SourceContext, request: R): Promise<RequestProblem[]>;
  /** Checks beyond the snapshot ones (target reachable, infrastructure present). */
  preflight(ctx: SourceContext, request: R, manifests: Manifests): Promise<PreflightCheck[]>;
  plan(ctx: SourceContext, request: R, manifests: Manifests): Promise<PlannedWork>;
  /** Restore one batch of an items step. */
  execute(
    ctx: SourceContext,
    request: R,
    step: string,
    items: PlanItem[],
    run: RunState<Ids>,
    manifests: Manifests,
  ): Promise<ItemResult[]>;
  startOperation?(
    ctx: SourceContext,
    request: R,
    step: string,
    items: PlanItem[],
    run: RunState<Ids>,
  ): Promise<OperationHandle>;
  pollOperation?(
    ctx: SourceContext,
    request: R,
    step: string,
    handle: OperationHandle,
  ): Promise<OperationStatus>;
  /**
   * The post-condition of a checkpoint step, checked after the operator says "done". `items` are
   * the step's actionable items of the approved plan: what the operator was asked to do.
   */
  checkCheckpoint?(
    ctx: SourceContext,
    request: R,
    step: string,
    items: PlanItem[],
    run: RunState<Ids>,
  ): Promise<CheckResult>;
  validate(
    ctx: SourceContext,
    request: R,
    manifests: Manifests,
    run: RunState<Ids>,
  ): Promise<ValidationCheck[]>;
}
