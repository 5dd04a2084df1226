// `azdr status`: every row of the runbook's RPO table (and every other backup) with the evidence it
// is measured by; exit 0 only when every measured row is fresh, so it can gate a script or a cron.
import { ageText, rpoHealthy, rpoStatus } from "../../lib/rpo.js";
import { openRuntime, type CliContext } from "../context.js";
import { EXIT, table, type ExitCode } from "../io.js";

export async function statusCommand(ctx: CliContext): Promise<ExitCode> {
  const runtime = openRuntime(ctx);
  const rows = await rpoStatus(runtime, ctx.now());
  const healthy = rpoHealthy(rows);
  if (ctx.out.json) {
    ctx.out.result({ ok: healthy, healthy, rows });
    return healthy ? EXIT.ok : EXIT.failed;
  }
  ctx.out.out(
    table(
      ["data", "source", "objective", "measured by", "evidence", "age", "status"],
      rows.map((r) => [
        r.label,
        r.sourceId ?? "—",
        `${r.objectiveHours} h`,
        r.measuredBy,
        r.evidence,
        ageText(r.ageMinutes),
        r.state.toUpperCase(),
      ]),
    ),
  );
  const notes = rows.filter((r) => r.state !== "fresh" && r.detail);
  if (notes.length) {
    ctx.out.out("");
    for (const r of notes)
      ctx.out.out(`${r.state.toUpperCase()} ${r.label}${r.sourceId ? ` / ${r.sourceId}` : ""}: ${r.detail}`);
  }
  return healthy ? EXIT.ok : EXIT.failed;
}
