// The DR drill report (runbook 8.2): what was lost, what each restore did, and the measured
// recovery time per component against the runbook's RTO table, with the validation (8.3) results.
import type { PlatformConfig } from "./config/schema.js";
import type { RestoreReport } from "./restore/engine/engine.js";
import { rpoHealthy, type RpoRow } from "./rpo.js";
import { RTO_COMPONENT_OF_SCENARIO } from "./restore/catalog.js";

/** Which RTO row a restore scenario answers to: the catalog's rtoComponent. */
export { RTO_COMPONENT_OF_SCENARIO };

export interface DrillComponent {
  component: string;
  label: string;
  scenario: string;
  instanceId: string;
  phase: RestoreReport["phase"];
  rtoSeconds: number;
  measuredSeconds: number;
  withinRto: boolean;
  validationOk: boolean;
  reportPath: string;
}

export interface DrillReport {
  drillId: string;
  startedAt: string;
  endedAt: string;
  disaster: string[];
  rpoBeforeDisaster: RpoRow[];
  components: DrillComponent[];
  validation: { component: string; checks: RestoreReport["validation"] }[];
  passed: boolean;
  reasons: string[];
}

export function buildDrillReport(input: {
  config: PlatformConfig;
  drillId: string;
  startedAt: Date;
  endedAt: Date;
  disaster: string[];
  rpo: RpoRow[];
  /** Restore reports, with the time the disaster was declared for each (recovery starts there). */
  restores: { report: RestoreReport; declaredAt: Date }[];
}): DrillReport {
  const reasons: string[] = [];
  const components = input.restores.map(({ report, declaredAt }) => {
    const component = RTO_COMPONENT_OF_SCENARIO[report.scenario] ?? report.scenario;
    const rto = input.config.objectives.rto.find((r) => r.component === component);
    const measuredSeconds = Math.max(
      0,
      Math.round((new Date(report.endedAt).getTime() - declaredAt.getTime()) / 1000),
    );
    const rtoSeconds = (rto?.hours ?? 0) * 3600;
    const validationOk = report.validation.length > 0 && report.validation.every((v) => v.ok);
    const withinRto = rto !== undefined && measuredSeconds <= rtoSeconds;
    if (report.phase !== "Completed")
      reasons.push(
        `${component}: restore ${report.phase}${report.reasons.length ? ` (${report.reasons.join("; ")})` : ""}`,
      );
    if (!validationOk) reasons.push(`${component}: validation found differences`);
    if (!rto) reasons.push(`${component}: no RTO objective in objectives.rto`);
    else if (!withinRto)
      reasons.push(`${component}: recovered in ${measuredSeconds} s, over the ${rto.hours} h RTO`);
    return {
      component,
      label: rto?.label ?? component,
      scenario: report.scenario,
      instanceId: report.instanceId,
      phase: report.phase,
      rtoSeconds,
      measuredSeconds,
      withinRto,
      validationOk,
      reportPath: report.reportMarkdownPath,
    };
  });
  const staleBefore = input.rpo.filter((r) => r.state !== "fresh" && r.state !== "unmeasured");
  if (!rpoHealthy(input.rpo))
    reasons.push(`${staleBefore.length} component(s) were not within their RPO before the disaster`);
  return {
    drillId: input.drillId,
    startedAt: input.startedAt.toISOString(),
    endedAt: input.endedAt.toISOString(),
    disaster: input.disaster,
    rpoBeforeDisaster: input.rpo,
    components,
    validation: input.restores.map(({ report }) => ({
      component: RTO_COMPONENT_OF_SCENARIO[report.scenario] ?? report.scenario,
      checks: report.validation,
    })),
    passed: reasons.length === 0,
    reasons,
  };
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export function drillMarkdown(report: DrillReport): string {
  return [
    `# DR drill ${report.drillId}: ${report.passed ? "PASSED" : "FAILED"}`,
    "",
    `${report.startedAt} → ${report.endedAt}`,
    "",
    "## Disaster",
    "",
    ...report.disaster.map((d) => `- ${d}`),
    "",
    "## Recovery time against the runbook's RTO",
    "",
    "| component | scenario | result | measured | RTO | within RTO | validation |",
    "|---|---|---|---|---|---|---|",
    ...report.components.map(
      (c) =>
        `| ${c.label} | ${c.scenario} | ${c.phase} | ${duration(c.measuredSeconds)} | ${duration(c.rtoSeconds)} | ${c.withinRto ? "yes" : "NO"} | ${c.validationOk ? "OK" : "DIFFERENCES"} |`,
    ),
    "",
    "## Validation (runbook 8.3)",
    "",
    ...report.validation.flatMap((v) => [
      `### ${v.component}`,
      "",
      ...v.checks.map(
        (c) =>
          `- ${c.ok ? "OK" : "MISMATCH"} ${c.name}: expected ${c.expected}, found ${c.actual}${c.detail ? ` (${c.detail})` : ""}`,
      ),
      "",
    ]),
    "## RPO before the disaster",
    "",
    ...report.rpoBeforeDisaster.map(
      (r) =>
        `- ${r.state.toUpperCase()} ${r.label}${r.sourceId ? ` (${r.sourceId})` : ""}: ${r.evidence}${r.ageMinutes !== undefined ? `, ${r.ageMinutes} min old` : ""}, objective ${r.objectiveHours} h${r.detail ? ` (${r.detail})` : ""}`,
    ),
    "",
    ...(report.reasons.length ? ["## Findings", "", ...report.reasons.map((r) => `- ${r}`), ""] : []),
  ].join("\n");
}
