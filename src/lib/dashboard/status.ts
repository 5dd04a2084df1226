// The dashboard's JSON: RPO per component, recent snapshots with phase and reasons, restores with
// their progress and plan, approvals and checkpoints waiting, drill history with recovery-time trends and the
// notification dead letters. Restores come from the caller (the Function App's durable client or
// the CLI's local host): the lib never talks to the Durable runtime.
import type { DrillReport } from "../drill.js";
import { rpoHealthy, rpoStatus, type RpoRow } from "../rpo.js";
import type { CheckpointView } from "../restore/engine/step-runs.js";
import type { Runtime } from "../runtime.js";
import { REPORTS_CONTAINER, reportsPrefix } from "../store/layout.js";
import type { SnapshotRow } from "../store/snapshot-index.js";

/** The restore orchestrator's custom status, as far as the dashboard reads it. */
export interface RestoreProgressView {
  phase?: string;
  scenario?: string;
  target?: string;
  planId?: string;
  planPath?: string;
  counts?: Record<string, number>;
  destructive?: string[];
  step?: string;
  stepTitle?: string;
  done?: number;
  total?: number;
  approvalDeadline?: string;
  requestedBy?: string;
  result?: string;
  /** While waiting at a manual step: what to do, the attempt, the last check's answer. */
  checkpoint?: CheckpointView;
}

export interface RestoreView {
  instanceId: string;
  runtimeStatus: string;
  createdTime?: string;
  lastUpdatedTime?: string;
  progress?: RestoreProgressView;
  /** From the report, when the restore has ended. */
  result?: { phase: string; reasons: string[]; durationSeconds?: number; reportPath?: string };
}

export interface SnapshotView extends SnapshotRow {
  reasons: string[];
}

export interface DrillView {
  drillId: string;
  endedAt: string;
  passed: boolean;
  reasons: string[];
  components: {
    component: string;
    label: string;
    phase: string;
    measuredSeconds: number;
    rtoSeconds: number;
    withinRto: boolean;
  }[];
}

export interface DashboardStatus {
  generatedAt: string;
  environment: { env: string; project: string };
  rpo: { healthy: boolean; rows: RpoRow[] };
  snapshots: SnapshotView[];
  restores: RestoreView[];
  approvals: RestoreView[];
  /** Restores waiting at a manual step (checkpoint) for an operator's "done". */
  checkpoints: RestoreView[];
  drills: DrillView[];
  /** Per RTO component, measured recovery seconds of each drill, oldest first. */
  rtoTrends: { component: string; label: string; rtoSeconds: number; measuredSeconds: number[] }[];
  notifications: {
    sinks: number;
    deadLetters: number;
    recentDeadLetters: { sinkId: string; title: string; lastError: string; at: string }[];
  };
}

const RECENT_SNAPSHOTS = 25;
const REASON_READS = 8;
const DRILLS = 20;

export async function dashboardStatus(
  rt: Runtime,
  restores: RestoreView[],
  now: Date,
): Promise<DashboardStatus> {
  const [rows, snapshots, drills, deadLetters] = await Promise.all([
    rpoStatus(rt, now),
    recentSnapshots(rt),
    drillHistory(rt),
    rt.notifier.deadLetters(),
  ]);
  const sorted = [...restores].sort((a, b) => (b.createdTime ?? "").localeCompare(a.createdTime ?? ""));
  const running = (r: RestoreView) => ["Running", "Pending"].includes(r.runtimeStatus);
  return {
    generatedAt: now.toISOString(),
    environment: { env: rt.config.env, project: rt.config.project },
    rpo: { healthy: rpoHealthy(rows), rows },
    snapshots,
    restores: sorted,
    approvals: sorted.filter((r) => r.progress?.phase === "awaiting-approval" && running(r)),
    checkpoints: sorted.filter(
      (r) => r.progress?.phase === "awaiting-checkpoint" && r.progress.checkpoint !== undefined && running(r),
    ),
    drills,
    rtoTrends: rtoTrends(drills),
    notifications: {
      sinks: rt.config.notifications.sinks.length,
      deadLetters: deadLetters.length,
      recentDeadLetters: deadLetters.slice(0, 5).map((d) => ({
        sinkId: d.sinkId,
        title: d.notification.title,
        lastError: d.lastError,
        at: d.deadLetteredAt,
      })),
    },
  };
}

async function recentSnapshots(rt: Runtime): Promise<SnapshotView[]> {
  const rows = (await rt.store.index.list())
    .sort((a, b) => b.endedAt.localeCompare(a.endedAt))
    .slice(0, RECENT_SNAPSHOTS);
  let reads = 0;
  const out: SnapshotView[] = [];
  for (const row of rows) {
    let reasons: string[] = [];
    // Reasons live in the manifest; read them only for the runs that need explaining.
    if (row.phase !== "Completed" && reads < REASON_READS) {
      reads++;
      const manifest = await rt.store.readManifest(row).catch(() => undefined);
      reasons = (manifest?.reasons ?? []).slice(0, 5);
    }
    out.push({ ...row, reasons });
  }
  return out;
}

async function drillHistory(rt: Runtime): Promise<DrillView[]> {
  const names: string[] = [];
  for await (const blob of rt.store.blobs.list(REPORTS_CONTAINER, reportsPrefix("drill")))
    if (blob.name.endsWith(".json")) names.push(blob.name);
  const drills: DrillView[] = [];
  for (const name of names.sort().slice(-DRILLS)) {
    const body = await rt.store.blobs.get(REPORTS_CONTAINER, name);
    if (!body) continue;
    const report = JSON.parse(body.toString("utf8")) as DrillReport;
    drills.push({
      drillId: report.drillId,
      endedAt: report.endedAt,
      passed: report.passed,
      reasons: report.reasons,
      components: report.components.map((c) => ({
        component: c.component,
        label: c.label,
        phase: c.phase,
        measuredSeconds: c.measuredSeconds,
        rtoSeconds: c.rtoSeconds,
        withinRto: c.withinRto,
      })),
    });
  }
  return drills.sort((a, b) => b.endedAt.localeCompare(a.endedAt));
}

function rtoTrends(drills: DrillView[]): DashboardStatus["rtoTrends"] {
  const byComponent = new Map<string, DashboardStatus["rtoTrends"][number]>();
  for (const drill of [...drills].reverse()) {
    for (const c of drill.components) {
      const trend = byComponent.get(c.component) ?? {
        component: c.component,
        label: c.label,
        rtoSeconds: c.rtoSeconds,
        measuredSeconds: [],
      };
      trend.measuredSeconds.push(c.measuredSeconds);
      byComponent.set(c.component, trend);
    }
  }
  return [...byComponent.values()];
}
