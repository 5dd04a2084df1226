// The restore plan: per object create / update / skip / conflict / unsupported, with a reason.
// Stored as JSON (what execution reads) and Markdown (what a person reads before approving).
import type { SnapshotRef } from "../../store/layout.js";
import type { CheckpointGuide, PlanStep } from "./steps.js";

export type { PlanStep } from "./steps.js";

export type PlanAction = "create" | "update" | "skip" | "conflict" | "unsupported";

export interface PlanItem {
  step: string;
  /** Path or name in the snapshot. */
  key: string;
  kind: string;
  action: PlanAction;
  reason: string;
  /** Where it goes in the target, after remapping (path, name or full name). */
  target?: string;
  /** The body to restore, when there is one. */
  sha256?: string;
  /** Source-side id the step needs to map references (job id, cluster id…). */
  sourceId?: string;
  /** Source metadata execution needs (a notebook's language). */
  meta?: Record<string, unknown>;
  /** Keys of items of the same step this one needs first (steps with ordering "dependency"). */
  dependsOn?: string[];
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do when it is not ok. */
  fix?: string;
  /** Blocking problems stop the restore; warnings are reported. */
  blocking: boolean;
}

export interface RestorePlan {
  planId: string;
  instanceId: string;
  scenario: string;
  section: string;
  source: string;
  target: string;
  mode: "plan" | "apply";
  createdAt: string;
  snapshots: SnapshotRef[];
  steps: PlanStep[];
  items: PlanItem[];
  counts: Record<PlanAction, number>;
  preflight: PreflightCheck[];
  /** What cannot be undone if approved (overwrites), listed for the approver. */
  destructive: string[];
  notes: string[];
  /** The target is production: the plan opens with a banner saying so. */
  primaryTarget?: boolean;
  /** Instructions and links of the checkpoint steps this plan needs, by step name. */
  checkpoints?: Record<string, CheckpointGuide>;
  /** Child restores of scenario steps: each has its own stored plan, folded in here. */
  children?: ChildPlan[];
}

/** A child restore as its parent's plan records it (the parent's plan hash covers its planHash). */
export interface ChildPlan {
  step: string;
  scenario: string;
  section: string;
  instanceId: string;
  planId: string;
  planPath: string;
  planHash: string;
  /** The child's parsed request (ids and options only). */
  request: { scenario: string; source: string; target: string } & Record<string, unknown>;
  counts: Record<PlanAction, number>;
  /** Actionable items of the child's plan. */
  items: number;
  destructive: string[];
  notes: string[];
  primaryTarget: boolean;
  fourEyes: boolean;
  snapshots: SnapshotRef[];
}

export function countActions(items: PlanItem[]): Record<PlanAction, number> {
  const counts: Record<PlanAction, number> = { create: 0, update: 0, skip: 0, conflict: 0, unsupported: 0 };
  for (const item of items) counts[item.action]++;
  return counts;
}

/** Items that execution acts on. */
export function actionable(item: PlanItem): boolean {
  return item.action === "create" || item.action === "update";
}

function escapeCell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** The banner every view of a plan into a primary target carries (Markdown, CLI summary). */
export function productionBanner(plan: RestorePlan): string {
  return `WARNING: this restore writes to PRODUCTION (\`${plan.target}\`). It was requested with allowPrimaryTarget and needs a second approver.`;
}

export function planMarkdown(plan: RestorePlan, maxRowsPerStep = 200): string {
  const lines = [
    `# Restore plan: ${plan.scenario} (runbook ${plan.section})`,
    "",
    ...(plan.primaryTarget ? [`> **${productionBanner(plan)}**`, ""] : []),
    `- Plan: \`${plan.planId}\` (${plan.mode})`,
    `- From \`${plan.source}\` to \`${plan.target}\`, created ${plan.createdAt}`,
    `- Snapshots: ${plan.snapshots.map((s) => `\`${s.domain}/${s.sourceId}/${s.component}/${s.snapshotId}\``).join(", ")}`,
    `- Totals: ${Object.entries(plan.counts)
      .map(([action, n]) => `${n} ${action}`)
      .join(", ")}`,
    "",
    "## Preflight",
    "",
    ...plan.preflight.map(
      (c) =>
        `- ${c.ok ? "OK" : c.blocking ? "BLOCKING" : "WARNING"} ${c.name}: ${c.detail}${c.fix && !c.ok ? ` — ${c.fix}` : ""}`,
    ),
    "",
  ];
  if (plan.destructive.length) {
    lines.push("## Needs your attention before approving", "", ...plan.destructive.map((d) => `- ${d}`), "");
  }
  if (plan.notes.length) lines.push("## Notes", "", ...plan.notes.map((n) => `- ${n}`), "");
  for (const step of plan.steps) {
    const items = plan.items.filter((i) => i.step === step.name);
    const counts = countActions(items);
    const guide = step.kind === "checkpoint" ? plan.checkpoints?.[step.name] : undefined;
    lines.push(
      `## ${step.title}`,
      "",
      `_${step.why}_`,
      "",
      stepLine(step),
      "",
      ...(guide
        ? [
            "What to do by hand:",
            "",
            ...guide.instructions.map((line, i) => `${i + 1}. ${line}`),
            ...guide.links.map((link) => `- [${link.label}](${link.url})`),
            "",
          ]
        : []),
      `${items.length} object(s): ${
        Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([a, n]) => `${n} ${a}`)
          .join(", ") || "nothing to do"
      }`,
      "",
    );
    if (items.length === 0) continue;
    lines.push("| action | object | target | reason |", "|---|---|---|---|");
    for (const item of items.slice(0, maxRowsPerStep)) {
      lines.push(
        `| ${item.action} | ${escapeCell(item.key)} | ${escapeCell(item.target ?? "")} | ${escapeCell(item.reason)} |`,
      );
    }
    if (items.length > maxRowsPerStep)
      lines.push("", `… and ${items.length - maxRowsPerStep} more (see the JSON plan).`);
    lines.push("");
  }
  return lines.join("\n");
}

function duration(seconds: number): string {
  return seconds < 120
    ? `${seconds} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;
}

/** One line per step: its kind, what it does and how long it should take. */
export function stepLine(step: PlanStep): string {
  const kind =
    step.kind === "items"
      ? `items, ${step.ordering === "dependency" ? "in dependency order" : step.ordering === "serial" ? "one at a time" : "in parallel"}`
      : step.kind === "operation"
        ? `long-running operation, polled every ${duration(step.pollSeconds)} for up to ${duration(step.timeoutMinutes * 60)}`
        : step.kind === "checkpoint"
          ? "manual checkpoint: waits for an operator's done, then checks the result"
          : `child restore ${step.scenario}, released by this plan's approval (its plan is below)`;
  return [
    `Kind: ${kind}.`,
    ...(step.does ? [step.does] : []),
    ...(step.expectedSeconds !== undefined
      ? [`Expected duration: about ${duration(step.expectedSeconds)}.`]
      : []),
  ].join(" ");
}

/** include/exclude filters: prefixes of paths or names. */
export function selected(key: string, include: string[], exclude: string[]): boolean {
  if (include.length && !include.some((p) => key.startsWith(p))) return false;
  return !exclude.some((p) => key.startsWith(p));
}

export interface PlanStepCounts {
  name: string;
  title: string;
  objects: number;
  counts: Record<PlanAction, number>;
  /** Objects per kind in this step (NOTEBOOK, job, catalog…). */
  kinds: Record<string, number>;
}

/** Per step: how many objects, what happens to them, and of which kinds (steps in plan order). */
export function stepCounts(plan: RestorePlan): PlanStepCounts[] {
  return plan.steps.map((step) => {
    const items = plan.items.filter((i) => i.step === step.name);
    const kinds: Record<string, number> = {};
    for (const item of items) kinds[item.kind] = (kinds[item.kind] ?? 0) + 1;
    return { name: step.name, title: step.title, objects: items.length, counts: countActions(items), kinds };
  });
}
