// RPO status: for every row of the runbook's RPO table that azdr backs up, and every configured
// source, how old the newest good snapshot is against the objective.
import { BACKUP_KINDS } from "./backup/catalog.js";
import type { Domain, PlatformConfig } from "./config/schema.js";
import type { BackupStore } from "./store/backup-store.js";

export type RpoState = "fresh" | "stale" | "missing";

export interface RpoRow {
  dataType: string;
  label: string;
  objectiveHours: number;
  kind: string;
  sourceId: string;
  state: RpoState;
  latestSnapshotId?: string;
  latestEndedAt?: string;
  ageMinutes?: number;
  /** Why a row is not fresh and what to do. */
  detail?: string;
}

const COMPONENT_OF_KIND: Record<string, { domain: Domain; component: string }> = {
  "databricks-notebooks": { domain: "databricks", component: "workspace-objects" },
  "databricks-config": { domain: "databricks", component: "workspace-config" },
  "unity-catalog": { domain: "unity-catalog", component: "metadata" },
  "azureml-models": { domain: "azureml", component: "models" },
  "azureml-assets": { domain: "azureml", component: "assets" },
};

export async function rpoStatus(config: PlatformConfig, store: BackupStore, now: Date): Promise<RpoRow[]> {
  const rows: RpoRow[] = [];
  for (const objective of config.objectives.rpo) {
    // Objectives of 0 are met by the platform itself (Git, soft delete, replication), not by backups.
    if (objective.hours <= 0) continue;
    for (const info of Object.values(BACKUP_KINDS)) {
      if (!info.rpoDataTypes.includes(objective.dataType)) continue;
      const where = COMPONENT_OF_KIND[info.kind];
      if (!where) continue;
      for (const sourceId of info.sources(config)) {
        const latest = await store.latestGood(where.domain, sourceId, where.component);
        const base = {
          dataType: objective.dataType,
          label: objective.label,
          objectiveHours: objective.hours,
          kind: info.kind,
          sourceId,
        };
        if (!latest) {
          rows.push({
            ...base,
            state: "missing",
            detail: `no good snapshot yet: run \`azdr backup ${info.kind}\``,
          });
          continue;
        }
        const ageMinutes = Math.max(
          0,
          Math.round((now.getTime() - new Date(latest.endedAt).getTime()) / 60_000),
        );
        const fresh = ageMinutes <= objective.hours * 60;
        rows.push({
          ...base,
          state: fresh ? "fresh" : "stale",
          latestSnapshotId: latest.snapshotId,
          latestEndedAt: latest.endedAt,
          ageMinutes,
          ...(fresh
            ? {}
            : {
                detail: `last good backup is ${ageMinutes} min old, over the ${objective.hours} h objective: check the ${info.kind} timer and its last run`,
              }),
        });
      }
    }
  }
  return rows;
}

export function rpoTable(rows: RpoRow[]): string {
  const lines = [
    "| data | source | objective | last good backup | age | status |",
    "|---|---|---|---|---|---|",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.label} | ${row.sourceId} | ${row.objectiveHours} h | ${row.latestSnapshotId ?? "—"} | ${row.ageMinutes === undefined ? "—" : `${row.ageMinutes} min`} | ${row.state.toUpperCase()}${row.detail ? ` (${row.detail})` : ""} |`,
    );
  }
  return lines.join("\n");
}
