// `azdr status`: every RPO row against the newest good snapshot; non-zero when anything is stale or
// missing, so it can gate a script or a cron job.
import { rpoStatus } from "../../lib/rpo.js";
import { openRuntime, type CliContext } from "../context.js";
import { EXIT, table, type ExitCode } from "../io.js";

function age(minutes: number | undefined): string {
  if (minutes === undefined) return "—";
  if (minutes < 120) return `${minutes} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}

export async function statusCommand(ctx: CliContext): Promise<ExitCode> {
  const runtime = openRuntime(ctx);
  const rows = await rpoStatus(ctx.config, runtime.store, ctx.now());
  const bad = rows.filter((r) => r.state !== "fresh");
  if (ctx.out.json) {
    ctx.out.result({ ok: bad.length === 0, rows });
    return bad.length ? EXIT.failed : EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.out.out("no RPO objectives apply to the configured sources (objectives.rpo in the config)");
    return EXIT.ok;
  }
  ctx.out.out(
    table(
      ["data", "source", "objective", "last good snapshot", "age", "status"],
      rows.map((r) => [
        r.label,
        r.sourceId,
        `${r.objectiveHours} h`,
        r.latestSnapshotId ?? "—",
        age(r.ageMinutes),
        r.state.toUpperCase(),
      ]),
    ),
  );
  if (bad.length) {
    ctx.out.out("");
    for (const r of bad)
      ctx.out.out(`${r.state.toUpperCase()} ${r.label} / ${r.sourceId}: ${r.detail ?? ""}`);
  }
  return bad.length ? EXIT.failed : EXIT.ok;
}
