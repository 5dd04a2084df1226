// `azdr doctor`: the checks of lib/doctor.ts, one line each with the fix; exit 1 if any failed.
// failFast runs their reachability part before `backup` and `restore`, so a wrong URL or an
// unreachable store stops the command in seconds with the host and the config key.
import { runDoctor, type CheckResult } from "../../lib/doctor.js";
import { createDoctorDeps } from "../../lib/runtime.js";
import type { CliContext } from "../context.js";
import { EXIT, type ExitCode } from "../io.js";

const LABEL: Record<CheckResult["status"], string> = { ok: "OK  ", warn: "WARN", fail: "FAIL", skip: "SKIP" };

function printChecks(ctx: CliContext, checks: CheckResult[]): void {
  const width = Math.max(...checks.map((c) => c.check.length));
  for (const c of checks) {
    ctx.out.out(`${LABEL[c.status]}  ${c.check.padEnd(width)}  ${c.detail}${c.key ? `  [${c.key}]` : ""}`);
    if (c.fix && (c.status === "warn" || c.status === "fail"))
      ctx.out.out(`      ${" ".repeat(width)}  fix: ${c.fix}`);
  }
}

export async function doctorCommand(ctx: CliContext, options: { timeout?: string }): Promise<ExitCode> {
  const timeoutMs = options.timeout === undefined ? undefined : Math.round(Number(options.timeout) * 1000);
  const checks = await runDoctor(createDoctorDeps(ctx.config, ctx.runtimeOptions), {
    ...(timeoutMs !== undefined && timeoutMs > 0 ? { timeoutMs } : {}),
  });
  const failed = checks.filter((c) => c.status === "fail");
  if (ctx.out.json) ctx.out.result({ ok: failed.length === 0, checks });
  else {
    printChecks(ctx, checks);
    const warned = checks.filter((c) => c.status === "warn").length;
    ctx.out.out(`\n${failed.length} failed, ${warned} warning(s), ${checks.length} checks`);
  }
  return failed.length > 0 ? EXIT.failed : EXIT.ok;
}

/** Workspaces a command reaches: its workspace ids, and the workspaces of its metastore ids. */
export function workspacesFor(ctx: CliContext, ids: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    if (ctx.config.databricks.workspaces.some((w) => w.id === id)) out.add(id);
    const metastore = ctx.config.unityCatalog.metastores.find((m) => m.id === id);
    if (metastore) out.add(metastore.workspace);
  }
  return [...out];
}

/**
 * The store and the given workspaces answer at all (one attempt each, short timeout). Returns
 * EXIT.failed after printing what failed, or undefined to go on.
 */
export async function failFast(ctx: CliContext, workspaceIds: string[]): Promise<ExitCode | undefined> {
  const checks = await runDoctor(createDoctorDeps(ctx.config, ctx.runtimeOptions), {
    reachabilityOnly: true,
    workspaces: workspaceIds,
  });
  const failed = checks.filter((c) => c.status === "fail");
  if (failed.length === 0) return undefined;
  if (ctx.out.json) ctx.out.result({ ok: false, checks: failed });
  for (const c of failed)
    ctx.out.err(
      `error: ${c.check}: ${c.detail}${c.key ? ` [${c.key}]` : ""}${c.fix ? `\n  fix: ${c.fix}` : ""}`,
    );
  ctx.out.err("nothing was started (`azdr doctor` runs every check)");
  return EXIT.failed;
}
