// What azdr tells people: one Notification per event, built from metadata only (ids, counts,
// phases, reasons), never from an object body. Builders are pure, so the restore orchestrator can
// build one deterministically and hand it to the notify activity.
import type { NotificationEventType } from "../config/schema.js";
import type { DrillReport } from "../drill.js";
import type { RestoreReport } from "../restore/engine/engine.js";
import type { CheckpointView } from "../restore/engine/step-runs.js";
import type { RpoRow } from "../rpo.js";

export type Severity = "info" | "warning" | "critical";

export interface NotificationLink {
  title: string;
  url: string;
}

export interface Notification {
  /** Stable per occurrence: receivers de-duplicate on it (delivery is at least once). */
  id: string;
  event: NotificationEventType;
  severity: Severity;
  /** What the event is about (flood control counts per component and event). */
  component: string;
  title: string;
  summary: string;
  facts: { name: string; value: string }[];
  links: NotificationLink[];
  at: string;
  /** Where on the dashboard this is shown; the notifier links it when a dashboard URL is set. */
  anchor?: string;
  /** Filled in by flood control: events of the same component held back since the last message. */
  suppressed?: { count: number; since: string; titles: string[] };
}

const MAX_REASONS = 5;
const MAX_TEXT = 300;

function clip(text: string, max = MAX_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function reasonsFact(reasons: string[]): { name: string; value: string }[] {
  if (reasons.length === 0) return [];
  const shown = reasons.slice(0, MAX_REASONS).map((r) => clip(r));
  const more = reasons.length > MAX_REASONS ? [`…and ${reasons.length - MAX_REASONS} more`] : [];
  return [{ name: "Reasons", value: [...shown, ...more].join("\n") }];
}

/** The dashboard link for a notification, when notifications.dashboardUrl is configured. */
export function dashboardLink(dashboardUrl: string, anchor: string): NotificationLink {
  return { title: "Open the dashboard", url: `${dashboardUrl}#${encodeURIComponent(anchor)}` };
}

export interface AwaitingApprovalInput {
  instanceId: string;
  scenario: string;
  section?: string;
  source: string;
  target: string;
  requestedBy?: string;
  counts: Record<string, number>;
  destructive: string[];
  approvalDeadline: string;
  planPath?: string;
  at: string;
}

export function restoreAwaitingApproval(input: AwaitingApprovalInput): Notification {
  const counts = Object.entries(input.counts)
    .filter(([, n]) => n > 0)
    .map(([action, n]) => `${n} ${action}`)
    .join(", ");
  const destructive = input.destructive.slice(0, 10).map((d) => clip(d, 200));
  return {
    id: `${input.instanceId}:awaiting-approval`,
    event: "restore-awaiting-approval",
    severity: input.destructive.length ? "critical" : "warning",
    component: `restore/${input.scenario}/${input.target}`,
    title: `Restore ${input.scenario} → ${input.target} is waiting for approval`,
    summary:
      `Restore ${input.instanceId} (${input.scenario}${input.section ? `, runbook ${input.section}` : ""}) from ${input.source} into ${input.target} ` +
      `waits for a second person to approve or reject it until ${input.approvalDeadline}; after that it ends, changing nothing.`,
    facts: [
      { name: "Restore", value: input.instanceId },
      ...(input.requestedBy ? [{ name: "Requested by", value: clip(input.requestedBy, 200) }] : []),
      { name: "Plan", value: counts || "nothing to do" },
      {
        name: "Destructive actions",
        value: destructive.length
          ? [
              ...destructive,
              ...(input.destructive.length > 10 ? [`…and ${input.destructive.length - 10} more`] : []),
            ].join("\n")
          : "none",
      },
      ...(input.planPath ? [{ name: "Plan file", value: `restore-reports/${input.planPath}` }] : []),
      { name: "Deadline", value: input.approvalDeadline },
      {
        name: "Answer",
        value: `POST /api/restore/instances/${input.instanceId}/approve (or /reject), or the dashboard's buttons`,
      },
    ],
    links: [],
    anchor: `restore=${input.instanceId}`,
    at: input.at,
  };
}

export interface AwaitingCheckpointInput {
  instanceId: string;
  scenario: string;
  section?: string;
  target: string;
  checkpoint: CheckpointView;
  at: string;
}

/** A restore waits for a person to do a manual step and say "done" (one message per attempt). */
export function restoreAwaitingCheckpoint(input: AwaitingCheckpointInput): Notification {
  const { checkpoint } = input;
  const route = `POST /api/restore/instances/${input.instanceId}/checkpoints/${checkpoint.step}/done`;
  return {
    id: `${input.instanceId}:checkpoint:${checkpoint.step}:${checkpoint.attempt}`,
    event: "restore-awaiting-checkpoint",
    severity: "warning",
    component: `restore/${input.scenario}/${input.target}`,
    title: `Restore ${input.scenario} → ${input.target} is waiting at a checkpoint: ${checkpoint.title}`,
    summary:
      `Restore ${input.instanceId} (${input.scenario}${input.section ? `, runbook ${input.section}` : ""}) needs a manual step before it goes on` +
      (checkpoint.lastCheck
        ? `; the last "done" (by ${checkpoint.lastCheck.by}) did not pass its check: ${clip(checkpoint.lastCheck.detail, 200)}`
        : "") +
      `. It waits until ${checkpoint.deadline}.`,
    facts: [
      { name: "Restore", value: input.instanceId },
      { name: "Step", value: `${checkpoint.step} (attempt ${checkpoint.attempt})` },
      {
        name: "What to do",
        value:
          checkpoint.instructions.map((line, i) => `${i + 1}. ${clip(line, 200)}`).join("\n") ||
          "see the plan",
      },
      { name: "Deadline", value: checkpoint.deadline },
      {
        name: "Answer",
        value: `${route} (role DR.Operator), or azdr restore checkpoint ${input.instanceId} ${checkpoint.step} --done`,
      },
    ],
    links: checkpoint.links.slice(0, 5).map((l) => ({ title: l.label, url: l.url })),
    anchor: `restore=${input.instanceId}`,
    at: input.at,
  };
}

export function restoreFinished(report: RestoreReport): Notification {
  const severity: Severity =
    report.phase === "Completed" || report.phase === "Planned"
      ? "info"
      : report.phase === "Failed"
        ? "critical"
        : "warning";
  const totals = report.steps.reduce(
    (sum, s) => ({
      created: sum.created + s.created,
      updated: sum.updated + s.updated,
      failed: sum.failed + s.failed,
    }),
    { created: 0, updated: 0, failed: 0 },
  );
  return {
    id: `${report.instanceId}:${report.planId}:finished`,
    event: "restore-finished",
    severity,
    component: `restore/${report.scenario}/${report.target}`,
    title: `Restore ${report.scenario} → ${report.target}: ${report.phase}`,
    summary: `Restore ${report.instanceId} (runbook ${report.section}, ${report.mode}) from ${report.source} into ${report.target} ended ${report.phase} after ${report.durationSeconds} s.`,
    facts: [
      { name: "Restore", value: report.instanceId },
      { name: "Phase", value: report.phase },
      {
        name: "Objects",
        value: `${totals.created} created, ${totals.updated} updated, ${totals.failed} failed`,
      },
      {
        name: "Validation",
        value: report.validation.length
          ? `${report.validation.filter((v) => v.ok).length}/${report.validation.length} checks ok`
          : "not run",
      },
      ...(report.approval
        ? [
            {
              name: report.approval.approved ? "Approved by" : "Rejected by",
              value: clip(report.approval.by, 200),
            },
          ]
        : []),
      ...reasonsFact(report.reasons),
      { name: "Report", value: `restore-reports/${report.reportMarkdownPath}` },
    ],
    links: [],
    anchor: `restore=${report.instanceId}`,
    at: report.endedAt,
  };
}

export interface BackupFailedInput {
  kind: string;
  sourceId: string;
  snapshotId: string;
  phase: string;
  reasons: string[];
  objects: number;
  at: string;
}

export function backupFailed(input: BackupFailedInput): Notification {
  return {
    id: `backup:${input.kind}:${input.sourceId}:${input.snapshotId}:${input.phase}`,
    event: "backup-failed",
    severity: input.phase === "Failed" ? "critical" : "warning",
    component: `backup/${input.kind}/${input.sourceId}`,
    title: `Backup ${input.kind} of ${input.sourceId}: ${input.phase}`,
    summary: `Snapshot ${input.snapshotId} of ${input.sourceId} (${input.kind}) ended ${input.phase}${input.phase === "Failed" ? ": it does not count as a good snapshot" : ""}.`,
    facts: [
      { name: "Snapshot", value: input.snapshotId },
      { name: "Phase", value: input.phase },
      { name: "Objects", value: String(input.objects) },
      ...reasonsFact(input.reasons),
    ],
    links: [],
    anchor: `snapshots=${input.sourceId}`,
    at: input.at,
  };
}

export function rpoStale(row: RpoRow, at: string): Notification {
  return {
    id: `rpo:${row.dataType}:${row.sourceId ?? "-"}:${row.state}:${row.latestSnapshotId ?? "none"}`,
    event: "rpo-stale",
    severity: row.state === "missing" ? "critical" : "warning",
    component: `rpo/${row.dataType}/${row.sourceId ?? "-"}`,
    title: `RPO ${row.state.toUpperCase()}: ${row.label}${row.sourceId ? ` (${row.sourceId})` : ""}`,
    summary: clip(row.detail ?? row.evidence, 500),
    facts: [
      { name: "Objective", value: `${row.objectiveHours} h` },
      { name: "Evidence", value: clip(row.evidence) },
      { name: "Last good backup", value: row.latestSnapshotId ?? "none" },
      { name: "Age", value: row.ageMinutes === undefined ? "—" : `${row.ageMinutes} min` },
    ],
    links: [],
    anchor: `rpo=${row.sourceId ?? row.dataType}`,
    at,
  };
}

export interface DeletionDetectedInput {
  eventId: string;
  resource: string;
  action: string;
  detail: string;
  instanceId?: string;
  at: string;
}

export function deletionDetected(input: DeletionDetectedInput): Notification {
  return {
    id: `deletion:${input.eventId}`,
    event: "deletion-detected",
    severity: "critical",
    component: `deletion/${input.resource}`,
    title: `Deletion detected: ${input.resource.split("/").pop() ?? input.resource}`,
    summary: clip(input.detail, 500),
    facts: [
      { name: "Resource", value: clip(input.resource, 400) },
      { name: "Action", value: input.action },
      ...(input.instanceId ? [{ name: "Restore", value: input.instanceId }] : []),
    ],
    links: [],
    anchor: input.instanceId ? `restore=${input.instanceId}` : "restores",
    at: input.at,
  };
}

export interface ProtectionWeakenedInput {
  /** The storageAccounts id in the config, and the account's name. */
  sourceId: string;
  account: string;
  /** What was lost, one sentence each (weakenedProtection). */
  changes: string[];
  /** How it was noticed: the daily backup (its snapshot id) or an Event Grid write event. */
  noticedBy: { snapshotId: string } | { eventId: string };
  at: string;
}

export function protectionWeakened(input: ProtectionWeakenedInput): Notification {
  const noticed =
    "snapshotId" in input.noticedBy
      ? `the protection backup ${input.noticedBy.snapshotId}`
      : `Event Grid event ${input.noticedBy.eventId}`;
  return {
    id: `protection:${input.sourceId}:${"snapshotId" in input.noticedBy ? input.noticedBy.snapshotId : input.noticedBy.eventId}`,
    event: "protection-weakened",
    severity: "critical",
    component: `protection/${input.sourceId}`,
    title: `Storage account ${input.account}: data protection turned off or weakened`,
    summary: clip(
      `${input.changes.length} protection setting(s) of ${input.account} (${input.sourceId}) got weaker, noticed by ${noticed}. ` +
        "Recovery paths the runbook counts on may be gone: turn them back on, or record why.",
      500,
    ),
    facts: [
      { name: "Account", value: `${input.account} (${input.sourceId})` },
      ...reasonsFact(input.changes).map((f) => ({ ...f, name: "Lost" })),
    ],
    links: [],
    anchor: `rpo=${input.sourceId}`,
    at: input.at,
  };
}

export function drillFinished(report: DrillReport): Notification {
  return {
    id: `drill:${report.drillId}`,
    event: "drill-finished",
    severity: report.passed ? "info" : "warning",
    component: "drill",
    title: `DR drill ${report.drillId}: ${report.passed ? "PASSED" : "FAILED"}`,
    summary: `The drill ran from ${report.startedAt} to ${report.endedAt}.`,
    facts: [
      ...report.components.map((c) => ({
        name: c.label,
        value: `${c.phase}, ${c.measuredSeconds} s of ${c.rtoSeconds} s RTO${c.validationOk ? "" : ", validation differences"}`,
      })),
      ...reasonsFact(report.reasons),
    ],
    links: [],
    anchor: "drills",
    at: report.endedAt,
  };
}
