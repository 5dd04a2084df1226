// `azdr restore workspace|unity-catalog`: builds the restore request from flags and starts it
// THROUGH the registered HTTP route, so validation (400 with field + fix) and "one restore per
// target" (409) behave exactly as in production. Approval goes through the approve/reject routes.
// Orchestration state lives in the backup store account, so an interrupted restore resumes when
// the same command runs again.
import { mkdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { LocalAzdr } from "../../host/local-azdr.js";
import { TERMINAL_STATUSES } from "../../host/store.js";
import type { RestoreReport } from "../../lib/restore/engine.js";
import { stepCounts, type PlanStepCounts, type RestorePlan } from "../../lib/restore/plan.js";
import { REPORTS_CONTAINER, reportPath } from "../../lib/store/layout.js";
import type { RestoreProgress } from "../../orchestrators/restore.js";
import { CLI_HOST_CONTAINER, startAzdr, type CliContext } from "../context.js";
import { CliUsageError, EXIT, pause, table, type ExitCode, type Output } from "../io.js";
import { ProgressBoard } from "../progress.js";
import { failFast, workspacesFor } from "./doctor.js";

export interface RestoreOptions {
  source: string;
  target: string;
  snapshot?: string;
  include?: string[];
  exclude?: string[];
  existing?: string;
  remapPrincipal?: string[];
  remapStorage?: string[];
  remapWorkspaceUrl?: string[];
  plan?: boolean;
  apply?: boolean;
  yes?: boolean;
  approvalTimeout?: string;
  /** Print every object of the plan (default: a summary per step). */
  details?: boolean;
  /** Where the report is written locally (default .azdr/reports). */
  reportDir?: string;
}

interface Problem {
  field: string;
  message: string;
  fix: string;
}

/** Request fields → the flag that sets them, so errors name what the user typed. */
const FLAG_OF_FIELD: [RegExp, string][] = [
  [/^scenario/, "<scenario>"],
  [/^source/, "--source"],
  [/^target/, "--target"],
  [/^snapshot/, "--snapshot"],
  [/^include/, "--include"],
  [/^exclude/, "--exclude"],
  [/^existing/, "--existing"],
  [/^remap\.principals/, "--remap-principal"],
  [/^remap\.(storageAccounts|abfssRoots)/, "--remap-storage"],
  [/^remap\.workspaceUrls/, "--remap-workspace-url"],
  [/^approvalTimeoutMinutes/, "--approval-timeout"],
  [/^mode/, "--plan / --apply"],
];

function flagOf(field: string): string {
  const flag = FLAG_OF_FIELD.find(([re]) => re.test(field))?.[1];
  return flag ? `${flag} (${field})` : field;
}

export function printProblems(out: Output, title: string, problems: Problem[]): void {
  if (out.json) {
    out.result({ error: "INVALID_REQUEST", message: title, problems });
    return;
  }
  out.err(`error: ${title}`);
  for (const p of problems) {
    out.err(`  ${flagOf(p.field)}: ${p.message}`);
    out.err(`    fix: ${p.fix}`);
  }
}

function mappings(values: string[] | undefined, flag: string, field: string, problems: Problem[]) {
  const out: { from: string; to: string }[] = [];
  for (const [i, value] of (values ?? []).entries()) {
    const eq = value.indexOf("=");
    if (eq <= 0 || eq === value.length - 1) {
      problems.push({
        field: `${field}[${i}]`,
        message: `"${value}" is not from=to`,
        fix: `write ${flag} old=new, e.g. ${flag} alice@example.com=alice@dr.example.com`,
      });
      continue;
    }
    out.push({ from: value.slice(0, eq), to: value.slice(eq + 1) });
  }
  return out;
}

/** The request body exactly as a runbook link would POST it. Throws CliUsageError on flag problems. */
export function buildRequest(options: RestoreOptions, user: string): Record<string, unknown> {
  const problems: Problem[] = [];
  if (options.plan === options.apply) {
    problems.push({
      field: "mode",
      message: options.plan ? "both --plan and --apply given" : "neither --plan nor --apply given",
      fix: "use --plan to see what would change (no writes), or --apply to restore",
    });
  }
  const principals = mappings(options.remapPrincipal, "--remap-principal", "remap.principals", problems);
  const storage = mappings(options.remapStorage, "--remap-storage", "remap.storageAccounts", problems);
  const workspaceUrls = mappings(
    options.remapWorkspaceUrl,
    "--remap-workspace-url",
    "remap.workspaceUrls",
    problems,
  );
  if (problems.length) throw new CliUsageError("invalid restore flags", problems);
  const apply = options.apply === true;
  const remap: Record<string, unknown> = {};
  if (principals.length) remap["principals"] = principals;
  // abfss:// prefixes rewrite locations; bare names rename storage accounts in every abfss URL.
  const abfss = storage.filter((m) => m.from.startsWith("abfss://"));
  const accounts = storage.filter((m) => !m.from.startsWith("abfss://"));
  if (accounts.length) remap["storageAccounts"] = accounts;
  if (abfss.length) remap["abfssRoots"] = abfss;
  if (workspaceUrls.length) remap["workspaceUrls"] = workspaceUrls;
  const timeout = options.approvalTimeout;
  return {
    source: options.source,
    target: options.target,
    ...(options.snapshot !== undefined ? { snapshot: options.snapshot } : {}),
    ...(options.include?.length ? { include: options.include } : {}),
    ...(options.exclude?.length ? { exclude: options.exclude } : {}),
    ...(options.existing !== undefined ? { existing: options.existing } : {}),
    ...(Object.keys(remap).length ? { remap } : {}),
    mode: apply ? "apply" : "plan",
    ...(apply && options.yes ? { preApproved: true } : {}),
    ...(timeout !== undefined
      ? { approvalTimeoutMinutes: /^\s*-?\d+(\.\d+)?\s*$/.test(timeout) ? Number(timeout) : timeout }
      : {}),
    requestedBy: `${user} (azdr CLI)`,
  };
}

export function osUser(ctx: CliContext): string {
  if (ctx.io.user) return ctx.io.user;
  try {
    return userInfo().username;
  } catch {
    return ctx.env["USER"] ?? ctx.env["USERNAME"] ?? "unknown";
  }
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

async function readBody(response: { json(): Promise<unknown> }): Promise<Record<string, unknown>> {
  try {
    return ((await response.json()) ?? {}) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Default folder of the local copy of each restore report. */
export const DEFAULT_REPORT_DIR = join(".azdr", "reports");

async function storedText(azdr: LocalAzdr, path: string): Promise<string | undefined> {
  return (await azdr.runtime.store.blobs.get(REPORTS_CONTAINER, path))?.toString("utf8");
}

async function storedPlan(azdr: LocalAzdr, planId: string): Promise<RestorePlan | undefined> {
  const text = await storedText(azdr, reportPath("plan", planId, "json"));
  return text ? (JSON.parse(text) as RestorePlan) : undefined;
}

/** The plan as a person approves it: counts per step and kind, what is destructive, what blocks. */
export function planSummaryText(plan: RestorePlan, steps: PlanStepCounts[]): string {
  const problems = plan.preflight.filter((c) => !c.ok);
  const lines = [
    `Restore plan ${plan.planId}: ${plan.scenario} (runbook ${plan.section}) from ${plan.source} to ${plan.target}`,
    `snapshots: ${plan.snapshots.map((s) => `${s.domain}/${s.sourceId}/${s.component}/${s.snapshotId}`).join(", ")}`,
    problems.length === 0
      ? `preflight: ${plan.preflight.length} check(s) OK`
      : `preflight: ${problems.length} of ${plan.preflight.length} check(s) not OK`,
    ...problems.map(
      (c) => `  ${c.blocking ? "BLOCKING" : "WARNING"} ${c.name}: ${c.detail}${c.fix ? ` — ${c.fix}` : ""}`,
    ),
    "",
    table(
      ["step", "objects", "create", "update", "skip", "conflict", "unsupported", "kinds"],
      [
        ...steps.map((s) => [
          s.title,
          s.objects,
          s.counts.create,
          s.counts.update,
          s.counts.skip,
          s.counts.conflict,
          s.counts.unsupported,
          Object.entries(s.kinds)
            .sort(([, a], [, b]) => b - a)
            .map(([kind, n]) => `${kind} ${n}`)
            .join(", "),
        ]),
        [
          "total",
          plan.items.length,
          plan.counts.create,
          plan.counts.update,
          plan.counts.skip,
          plan.counts.conflict,
          plan.counts.unsupported,
          "",
        ],
      ],
    ),
  ];
  if (plan.destructive.length)
    lines.push("", `destructive (${plan.destructive.length}):`, ...plan.destructive.map((d) => `  - ${d}`));
  if (plan.notes.length) lines.push("", "notes:", ...plan.notes.map((n) => `  - ${n}`));
  lines.push(
    "",
    `every object: --details, or ${REPORTS_CONTAINER}/${reportPath("plan", plan.planId, "md")} in the backup store`,
  );
  return lines.join("\n");
}

function progressState(progress: RestoreProgress | undefined) {
  if (!progress) return { step: "starting" };
  if (progress.phase === "executing") {
    const step = `${progress.stepTitle ?? progress.step ?? ""}`.trim();
    // The whole restore's objects: a run of small steps moves along instead of sitting at 0%.
    if (progress.overallTotal !== undefined && progress.stepIndex !== undefined) {
      return {
        step: `step ${progress.stepIndex}/${progress.stepCount ?? "?"} ${step}`,
        done: progress.overallDone ?? 0,
        total: progress.overallTotal,
        unit: "objects",
      };
    }
    return {
      step: `executing ${step}`,
      done: progress.done ?? 0,
      total: progress.total ?? 0,
      unit: "objects",
    };
  }
  return { step: progress.phase };
}

const EXIT_OF_PHASE: Record<RestoreReport["phase"], ExitCode> = {
  Planned: EXIT.ok,
  Completed: EXIT.ok,
  PartiallyFailed: EXIT.partial,
  Failed: EXIT.failed,
  Rejected: EXIT.notApproved,
  TimedOut: EXIT.notApproved,
};

async function decide(
  ctx: CliContext,
  azdr: LocalAzdr,
  id: string,
  approved: boolean,
  user: string,
  comment: string,
): Promise<void> {
  const response = await azdr.app.invokeHttp(approved ? "restoreHttpApprove" : "restoreHttpReject", {
    params: { id },
    body: { by: user, comment },
    method: "POST",
  });
  if (response.status !== 202) {
    const body = await readBody(response);
    throw new Error(
      `${approved ? "approval" : "rejection"} of ${id} answered ${response.status}: ${text(body["message"]) || JSON.stringify(body)}`,
    );
  }
  ctx.out.err(`${approved ? "approved" : "rejected"} by ${user}`);
}

export async function restoreCommand(
  ctx: CliContext,
  scenario: string,
  options: RestoreOptions,
): Promise<ExitCode> {
  const { out } = ctx;
  const user = osUser(ctx);
  const body = buildRequest(options, user);
  const apply = body["mode"] === "apply";
  const interactive = ctx.io.stdinIsTTY === true && ctx.io.prompt !== undefined;
  if (apply && !options.yes && !interactive) {
    throw new CliUsageError("--apply needs confirmation", [
      {
        field: "--yes",
        message: "stdin is not a terminal, so azdr cannot ask before changing the target",
        fix: "review the plan with --plan first, then re-run with --apply --yes",
      },
    ]);
  }
  if (!apply && options.yes) out.err("note: --yes has no effect with --plan (a plan writes nothing)");

  const unreachable = await failFast(ctx, workspacesFor(ctx, [options.source, options.target]));
  if (unreachable !== undefined) return unreachable;
  const azdr = await startAzdr(ctx, "blob");
  let id = "";
  let interrupted = false;
  let result: ExitCode;
  try {
    const response = await azdr.app.invokeHttp("restoreHttpStart", {
      params: { scenario },
      body,
      method: "POST",
    });
    const answer = await readBody(response);
    if (response.status === 400 || response.status === 404) {
      printProblems(
        out,
        "invalid restore request: nothing was started",
        (answer["problems"] ?? []) as Problem[],
      );
      return EXIT.badInput;
    }
    id = text(answer["id"]);
    if (response.status === 409) {
      const existing = id ? await azdr.host.getStatus(id) : undefined;
      if (!existing || TERMINAL_STATUSES.has(existing.runtimeStatus)) {
        out.err(`error: ${text(answer["message"]) || "a restore of this target is already running"}`);
        return EXIT.failed;
      }
      const earlier = (existing.input as { request?: { mode?: string; requestedBy?: string } } | undefined)
        ?.request;
      out.err(
        `resuming restore ${id}: an earlier run (${earlier?.mode ?? "?"}, by ${earlier?.requestedBy ?? "?"}) was interrupted; following it with its original request`,
      );
    } else if (response.status !== 202) {
      out.err(`error: the restore route answered ${response.status}: ${JSON.stringify(answer)}`);
      return EXIT.failed;
    } else {
      out.debug(`started ${id}`);
    }

    const board = new ProgressBoard(out);
    let planShown = false;
    let planSteps: PlanStepCounts[] | undefined;
    let decided = false;
    const label = `restore ${scenario} → ${options.target}`;
    for (;;) {
      const status = await azdr.host.getStatus(id);
      if (!status) throw new Error(`restore ${id} disappeared from the local host`);
      const progress = status.customStatus as RestoreProgress | undefined;
      const finished = TERMINAL_STATUSES.has(status.runtimeStatus);
      if (!planShown && progress?.planId && (finished || progress.phase !== "preflight")) {
        planShown = true;
        const plan = await storedPlan(azdr, progress.planId);
        planSteps = plan ? stepCounts(plan) : undefined;
        board.clear();
        if (plan && !out.json) {
          const markdown = options.details
            ? await storedText(azdr, reportPath("plan", progress.planId, "md"))
            : undefined;
          out.out((markdown ?? planSummaryText(plan, planSteps ?? [])).trimEnd());
          out.out("");
        }
      }
      if (progress?.phase === "awaiting-approval" && !decided && !finished) {
        decided = true;
        board.clear();
        if (options.yes) {
          await decide(ctx, azdr, id, true, user, "approved with --yes at the azdr CLI");
        } else if (interactive && ctx.io.prompt) {
          const counts = progress.counts
            ? Object.entries(progress.counts)
                .map(([a, n]) => `${n} ${a}`)
                .join(", ")
            : "";
          if (progress.destructive?.length) {
            out.err(`needs your attention:\n${progress.destructive.map((d) => `  - ${d}`).join("\n")}`);
          }
          const reply = await ctx.io.prompt(
            `Apply this plan to ${options.target} (${counts})? Type "yes" to apply, anything else rejects: `,
          );
          const ok = reply.trim().toLowerCase() === "yes";
          await decide(
            ctx,
            azdr,
            id,
            ok,
            user,
            ok ? "approved at the azdr CLI prompt" : "declined at the azdr CLI prompt",
          );
        } else {
          out.err(
            `restore ${id} is waiting for approval until ${progress.approvalDeadline ?? "its timeout"}: re-run with --yes to approve it, or use the approve/reject links`,
          );
          return EXIT.notApproved;
        }
      }
      const phase = (status.output as Partial<RestoreReport> | undefined)?.phase;
      board.update(
        "restore",
        label,
        finished ? { step: "done", final: phase ?? status.runtimeStatus } : progressState(progress),
      );
      board.render();
      if (finished) break;
      if (ctx.signal?.aborted) {
        interrupted = true;
        break;
      }
      await pause(ctx.io.pollMs ?? 250, ctx.signal);
    }
    board.finish();
    if (interrupted) return EXIT.interrupted;

    const final = await azdr.host.getStatus(id);
    if (final?.runtimeStatus !== "Completed") {
      out.err(
        `error: restore ${id} ${final?.runtimeStatus ?? "vanished"}: ${JSON.stringify(final?.output ?? "")}`,
      );
      result = EXIT.failed;
    } else {
      const report = final.output as RestoreReport;
      const localReport = await saveReport(azdr, report, options.reportDir ?? DEFAULT_REPORT_DIR);
      printReport(out, report, planSteps, localReport);
      result = EXIT_OF_PHASE[report.phase] ?? EXIT.failed;
      // Finished: nothing to resume, keep the host container tidy (the report is in the store).
      await azdr.host.purge(id).catch(() => false);
    }
  } finally {
    await azdr.close();
    if (interrupted) {
      out.err(
        `interrupted: restore ${id} is saved in the backup store (container ${CLI_HOST_CONTAINER}); re-run the same command to resume it (steps are idempotent)`,
      );
    }
  }
  return result;
}

/** A local copy of the report (Markdown and JSON), readable when the store is not. */
async function saveReport(azdr: LocalAzdr, report: RestoreReport, dir: string): Promise<string> {
  const folder = resolve(dir);
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${report.planId}.md`);
  const markdown = await storedText(azdr, report.reportMarkdownPath);
  await writeFile(file, markdown ?? `# Restore ${report.planId}\n\n${report.phase}\n`);
  await writeFile(join(folder, `${report.planId}.json`), `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

function printReport(
  out: Output,
  report: RestoreReport,
  planSteps: PlanStepCounts[] | undefined,
  localReport: string,
): void {
  if (out.json) {
    out.result({
      ...report,
      reportContainer: REPORTS_CONTAINER,
      localReport,
      planSteps: planSteps ?? [],
    });
    return;
  }
  const lines: string[] = [];
  lines.push(
    `${report.phase}: ${report.scenario} (runbook ${report.section}) from ${report.source} to ${report.target}, ${report.mode}, ${report.durationSeconds} s`,
  );
  for (const reason of report.reasons) lines.push(`  reason: ${reason}`);
  if (report.approval) {
    lines.push(
      `  ${report.approval.approved ? "approved" : "rejected"} by ${report.approval.by} at ${report.approval.at}`,
    );
  }
  lines.push(
    `  plan: ${Object.entries(report.counts)
      .map(([a, n]) => `${n} ${a}`)
      .join(", ")}`,
  );
  if (report.mode === "apply" && report.steps.some((s) => s.created + s.updated + s.skipped + s.failed > 0)) {
    lines.push(
      "",
      table(
        ["step", "created", "updated", "skipped", "failed"],
        report.steps.map((s) => [s.title, s.created, s.updated, s.skipped, s.failed]),
      ),
    );
  }
  const mismatches = report.validation.filter((v) => !v.ok);
  if (report.validation.length) {
    lines.push(
      "",
      `validation: ${report.validation.length - mismatches.length}/${report.validation.length} checks OK`,
    );
    for (const m of mismatches) lines.push(`  MISMATCH ${m.name}: expected ${m.expected}, found ${m.actual}`);
  }
  if (report.followUps.length) {
    lines.push(
      "",
      `follow-ups (${report.followUps.length}):`,
      ...report.followUps.slice(0, 10).map((f) => `  - ${f}`),
    );
    if (report.followUps.length > 10) lines.push(`  … ${report.followUps.length - 10} more in the report`);
  }
  lines.push(
    "",
    `report: ${localReport} (JSON beside it; in the backup store: ${REPORTS_CONTAINER}/${report.reportMarkdownPath})`,
  );
  if (report.planPath) lines.push(`plan:   ${REPORTS_CONTAINER}/${reportPath("plan", report.planId, "md")}`);
  out.out(lines.join("\n"));
}
