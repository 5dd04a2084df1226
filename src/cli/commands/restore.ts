// `azdr restore workspace|unity-catalog`: builds the restore request from flags, validates it with
// the same parser as the HTTP route (origin "cli": the only origin that may pre-approve an additive
// plan) and starts it in the local host, as the signed-in Azure identity. Decisions go through the
// same recorded, single-winner gate as the approve/reject routes. Orchestration state lives in the
// backup store account: an interrupted apply resumes when the SAME request runs again, and nothing
// else (a --plan, another request) ever resumes or approves it.
// `azdr restore status|cancel|approve|reject <id>` act on one run, in-process or against the
// deployed app (--app https://…, with an Entra token).
import { mkdir, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import type { LocalAzdr } from "../../host/local-azdr.js";
import { TERMINAL_STATUSES, type InstanceRecord } from "../../host/store.js";
import { appAccessToken, signedInIdentity } from "../../lib/clients/azure-login.js";
import type { RestoreReport } from "../../lib/restore/engine/engine.js";
import { describePrincipal, type Principal } from "../../lib/restore/engine/identity.js";
import {
  parseRestoreRequest,
  requestHash,
  restoreInstanceId,
  RestoreRequestError,
  type RestoreRequest,
} from "../../lib/restore/engine/request.js";
import {
  productionBanner,
  stepCounts,
  type PlanStepCounts,
  type RestorePlan,
} from "../../lib/restore/engine/plan.js";
import { REPORTS_CONTAINER, reportPath } from "../../lib/store/layout.js";
import { confirmCheckpoint, decideRestore, startRestore } from "../../functions/restore-http.js";
import type { CheckpointView } from "../../lib/restore/engine/step-runs.js";
import type { RestoreInput, RestoreProgress } from "../../orchestrators/restore.js";
import { blobInstanceStore, CLI_HOST_CONTAINER, startAzdr, type CliContext } from "../context.js";
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
  remapWorkspaceId?: string[];
  managedTables?: string;
  rewriteBodies?: boolean;
  plan?: boolean;
  apply?: boolean;
  yes?: boolean;
  approvalTimeout?: string;
  allowPrimaryTarget?: boolean;
  approverName?: string;
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
  [/^remap\.workspaceIds/, "--remap-workspace-id"],
  [/^managedTables/, "--managed-tables"],
  [/^rewriteBodies/, "--rewrite-bodies"],
  [/^approvalTimeoutMinutes/, "--approval-timeout"],
  [/^mode/, "--plan / --apply"],
  [/^preApproved/, "--yes"],
  [/^allowPrimaryTarget/, "--allow-primary-target"],
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
export function buildRequest(options: RestoreOptions): Record<string, unknown> {
  const problems: Problem[] = [];
  // Not commander's requiredOption: that would also demand them of `restore status <id>` & co.
  for (const flag of ["source", "target"] as const) {
    if (!options[flag]) {
      problems.push({
        field: flag,
        message: `required option '--${flag} <id>' not specified`,
        fix: `pass --${flag} <config id>`,
      });
    }
  }
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
  const workspaceIds = mappings(
    options.remapWorkspaceId,
    "--remap-workspace-id",
    "remap.workspaceIds",
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
  if (workspaceIds.length) remap["workspaceIds"] = workspaceIds;
  const timeout = options.approvalTimeout;
  return {
    source: options.source,
    target: options.target,
    ...(options.snapshot !== undefined ? { snapshot: options.snapshot } : {}),
    ...(options.include?.length ? { include: options.include } : {}),
    ...(options.exclude?.length ? { exclude: options.exclude } : {}),
    ...(options.existing !== undefined ? { existing: options.existing } : {}),
    ...(options.managedTables !== undefined ? { managedTables: options.managedTables } : {}),
    ...(options.rewriteBodies ? { rewriteBodies: true } : {}),
    ...(Object.keys(remap).length ? { remap } : {}),
    mode: apply ? "apply" : "plan",
    ...(apply && options.yes && !options.allowPrimaryTarget ? { preApproved: true } : {}),
    ...(options.allowPrimaryTarget ? { allowPrimaryTarget: true } : {}),
    ...(timeout !== undefined
      ? { approvalTimeoutMinutes: /^\s*-?\d+(\.\d+)?\s*$/.test(timeout) ? Number(timeout) : timeout }
      : {}),
  };
}

/** A name for records that are not approvals (accepting a snapshot): signed-in identity, else the OS user. */
export async function actorName(ctx: CliContext): Promise<string> {
  const signedIn = await (ctx.io.signedIn ?? (() => signedInIdentity()))();
  if (signedIn) return signedIn.name;
  try {
    return `${userInfo().username} (OS user, not verified)`;
  } catch {
    return `${ctx.env["USER"] ?? ctx.env["USERNAME"] ?? "unknown"} (OS user, not verified)`;
  }
}

/**
 * Who runs this command: the signed-in Azure identity; else, only with --approver-name, that name
 * recorded as NOT verified (with a warning). Nobody signed in and no name: a usage error.
 */
export async function cliIdentity(ctx: CliContext, approverName: string | undefined): Promise<Principal> {
  const signedIn = await (ctx.io.signedIn ?? (() => signedInIdentity()))();
  if (signedIn) {
    if (approverName) ctx.out.err(`note: --approver-name ignored: you are signed in as ${signedIn.name}`);
    return { ...signedIn, source: "azure-login" };
  }
  if (approverName?.trim()) {
    ctx.out.err(
      `WARNING: no signed-in Azure identity; recording "${approverName}" as given with --approver-name, NOT verified (the report says so)`,
    );
    return {
      id: `os-user:${approverName.trim().toLowerCase()}`,
      name: approverName.trim(),
      roles: [],
      source: "os-user",
    };
  }
  throw new CliUsageError("cannot tell who you are", [
    {
      field: "--approver-name",
      message: "no signed-in Azure identity (az login, environment credentials or a managed identity)",
      fix: "sign in with `az login`, or pass --approver-name <your name> to be recorded as an unverified name",
    },
  ]);
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
    ...(plan.primaryTarget ? [productionBanner(plan)] : []),
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

/** Records a decision through the shared gate; false (with the reason printed) when it did not win. */
async function decide(
  ctx: CliContext,
  azdr: LocalAzdr,
  id: string,
  approved: boolean,
  who: Principal,
  comment: string,
  planHash?: string,
): Promise<boolean> {
  const outcome = await decideRestore(azdr.app.client(), id, who, approved, {
    comment,
    now: ctx.now(),
    ...(planHash ? { planHash } : {}),
  });
  if (outcome.status === 409 && outcome.body["error"] === "ALREADY_DECIDED") {
    ctx.out.err(`note: restore ${id} was ${text(outcome.body["message"])}`);
    return false;
  }
  if (outcome.status !== 200) {
    ctx.out.err(
      `${approved ? "approval" : "rejection"} of ${id} refused (${outcome.status}): ${text(outcome.body["message"])}`,
    );
    return false;
  }
  ctx.out.err(`${approved ? "approved" : "rejected"} by ${describePrincipal(who)}`);
  return true;
}

/** What a person does at a checkpoint: instructions, links, the last check's answer. */
export function checkpointText(id: string, checkpoint: CheckpointView): string {
  return [
    `restore ${id} waits at checkpoint "${checkpoint.title}" (${checkpoint.step}, attempt ${checkpoint.attempt}):`,
    ...(checkpoint.lastCheck
      ? [
          `  the last "done" (${checkpoint.lastCheck.by}) did not pass its check: ${checkpoint.lastCheck.detail}`,
        ]
      : []),
    ...checkpoint.instructions.map((line, i) => `  ${i + 1}. ${line}`),
    ...checkpoint.links.map((link) => `  ${link.label}: ${link.url}`),
  ].join("\n");
}

/** Records "done" through the shared route logic; false (with the reason printed) when refused. */
async function sayDone(
  ctx: CliContext,
  azdr: LocalAzdr,
  id: string,
  step: string,
  who: Principal,
  comment?: string,
): Promise<boolean> {
  const outcome = await confirmCheckpoint(azdr.app.client(), id, step, who, {
    now: ctx.now(),
    ...(comment ? { comment } : {}),
  });
  if (outcome.status !== 200) {
    ctx.out.err(
      `checkpoint ${step} of ${id} not confirmed (${outcome.status}): ${text(outcome.body["message"])}`,
    );
    return false;
  }
  ctx.out.err(`checkpoint ${step} marked done by ${describePrincipal(who)}; checking it`);
  return true;
}

export interface CheckpointCommandOptions extends RunCommandOptions {
  done?: boolean;
}

/**
 * `azdr restore checkpoint <id> <step> --done`: say a manual step is done (in-process, or against
 * the deployed app with --app); in-process, follow the run to its end or its next wait.
 */
export async function restoreCheckpointCommand(
  ctx: CliContext,
  id: string,
  step: string,
  options: CheckpointCommandOptions,
): Promise<ExitCode> {
  if (!options.done) {
    throw new CliUsageError("say what happened at the checkpoint", [
      {
        field: "--done",
        message: "missing",
        fix: `do the manual step first (azdr restore status ${id} shows it), then run: azdr restore checkpoint ${id} ${step} --done`,
      },
    ]);
  }
  if (options.app)
    return remoteCall(
      ctx,
      `/api/restore/instances/${encodeURIComponent(id)}/checkpoints/${encodeURIComponent(step)}/done`,
      "POST",
      options,
      { comment: options.comment ?? "done at the azdr CLI" },
    );
  const record = await blobInstanceStore(ctx).get(id);
  if (!record || TERMINAL_STATUSES.has(record.status)) {
    ctx.out.err(
      record
        ? `error: restore ${id} already finished (${record.status}); nothing to confirm`
        : `error: no restore ${id} in the local host state (${CLI_HOST_CONTAINER}); for the deployed app add --app https://<app>.azurewebsites.net`,
    );
    return EXIT.failed;
  }
  const who = await cliIdentity(ctx, options.approverName);
  const azdr = await startAzdr(ctx, "blob");
  try {
    if (!(await sayDone(ctx, azdr, id, step, who, options.comment))) return EXIT.failed;
    // In-process, this command's host carries the run on: to its end or its next wait.
    for (;;) {
      await azdr.host.idle();
      const status = await azdr.host.getStatus(id);
      if (!status) throw new Error(`restore ${id} disappeared from the local host`);
      if (TERMINAL_STATUSES.has(status.runtimeStatus)) return await finish(ctx, azdr, id);
      const progress = status.customStatus as RestoreProgress | undefined;
      const next = progress?.phase === "awaiting-checkpoint" ? progress.checkpoint : undefined;
      if (next && (next.step !== step || next.attempt > 1) && next.lastCheck !== undefined) {
        ctx.out.err(checkpointText(id, next));
        ctx.out.err(`when it is done: azdr restore checkpoint ${id} ${next.step} --done`);
        return EXIT.notApproved;
      }
      if (next && next.step !== step) {
        ctx.out.err(checkpointText(id, next));
        return EXIT.notApproved;
      }
      if (progress?.phase === "awaiting-approval") return EXIT.notApproved;
      await pause(ctx.io.pollMs ?? 250, ctx.signal);
    }
  } finally {
    await azdr.close();
  }
}

/** The run holding a target, in words, with what the user can do about it. */
function holderMessage(id: string, record: InstanceRecord): string {
  const input = record.input as Partial<RestoreInput> | undefined;
  const progress = record.customStatus as RestoreProgress | undefined;
  return [
    `restore ${id} holds ${input?.request?.target ?? "this target"}: ${input?.request?.mode ?? "?"} requested by ${input?.requester?.name ?? input?.request?.requestedBy ?? "?"} at ${record.createdTime}, ${record.status}${progress?.phase ? ` (${progress.phase})` : ""}, with a different request`,
    `  see it:    azdr restore status ${id}`,
    `  stop it:   azdr restore cancel ${id}`,
    `  decide it: azdr restore approve ${id}   |   azdr restore reject ${id}`,
  ].join("\n");
}

export async function restoreCommand(
  ctx: CliContext,
  scenario: string,
  options: RestoreOptions,
): Promise<ExitCode> {
  const { out } = ctx;
  const body = buildRequest(options);
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
  let request: RestoreRequest;
  try {
    request = parseRestoreRequest(body, ctx.config, scenario, "cli");
  } catch (error) {
    if (!(error instanceof RestoreRequestError)) throw error;
    printProblems(out, "invalid restore request: nothing was started", error.problems);
    return EXIT.badInput;
  }
  const who = await cliIdentity(ctx, options.approverName);
  const id = restoreInstanceId(request);
  const hash = requestHash(request);

  // Look before starting the host: a host loads (and carries on with) any run it is asked about,
  // so a run that is not ours is never touched, only described.
  const instances = blobInstanceStore(ctx);
  const held = await instances.get(id);
  let resuming = false;
  if (held && !TERMINAL_STATUSES.has(held.status)) {
    const heldHash = (held.input as Partial<RestoreInput> | undefined)?.requestHash;
    if (heldHash !== hash) {
      out.err(`error: ${holderMessage(id, held)}`);
      return EXIT.failed;
    }
    resuming = true;
  }

  const unreachable = await failFast(ctx, workspacesFor(ctx, [options.source, options.target]));
  if (unreachable !== undefined) return unreachable;
  const azdr = await startAzdr(ctx, "blob");
  let interrupted = false;
  let result: ExitCode;
  try {
    if (resuming) {
      const earlier = held!.input as RestoreInput;
      out.err(
        `resuming restore ${id}: an earlier run of the same request (${earlier.request.mode}, by ${earlier.requester.name}) was interrupted; following it`,
      );
    } else {
      let started;
      try {
        started = await startRestore(azdr.app.client(), request, who);
      } catch (error) {
        if (!(error instanceof RestoreRequestError)) throw error;
        printProblems(out, "invalid restore request: nothing was started", error.problems);
        return EXIT.badInput;
      }
      if (!started.started) {
        out.err(
          `error: restore ${id} of ${request.target} was started by someone else just now; see azdr restore status ${id}`,
        );
        return EXIT.failed;
      }
      out.debug(`started ${id}`);
    }

    const board = new ProgressBoard(out);
    let planShown = false;
    let planSteps: PlanStepCounts[] | undefined;
    let decided = false;
    let shownCheckpoint: string | undefined;
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
      // Only an apply of this very request is ever decided here (a plan has no gate).
      if (apply && progress?.phase === "awaiting-approval" && progress.gate && !decided && !finished) {
        decided = true;
        board.clear();
        const gate = progress.gate;
        if (gate.fourEyes && gate.requester.id === who.id) {
          out.err(
            [
              `restore ${id} waits for a second approver until ${progress.approvalDeadline ?? "its timeout"}: four-eyes rule (${gate.fourEyesReason}), so ${who.name} cannot approve it.`,
              `  another DR.Approver runs: azdr restore approve ${id}   (or POST the approve link, with plan hash ${gate.planHash})`,
              `  follow it:               azdr restore status ${id}`,
            ].join("\n"),
          );
          return EXIT.notApproved;
        }
        if (options.yes) {
          await decide(ctx, azdr, id, true, who, "approved with --yes at the azdr CLI", gate.planHash);
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
            who,
            ok ? "approved at the azdr CLI prompt" : "declined at the azdr CLI prompt",
            gate.planHash,
          );
        }
      }
      // A manual step: show what to do; on a terminal ask, else leave it waiting (it is saved).
      const checkpoint = progress?.phase === "awaiting-checkpoint" ? progress.checkpoint : undefined;
      if (
        apply &&
        checkpoint &&
        !finished &&
        shownCheckpoint !== `${checkpoint.step}#${checkpoint.attempt}`
      ) {
        shownCheckpoint = `${checkpoint.step}#${checkpoint.attempt}`;
        board.clear();
        out.err(checkpointText(id, checkpoint));
        const reply =
          interactive && ctx.io.prompt
            ? await ctx.io.prompt(
                `Type "done" once "${checkpoint.title}" is done (anything else leaves it waiting): `,
              )
            : "";
        if (reply.trim().toLowerCase() !== "done") {
          out.err(
            `restore ${id} waits at checkpoint ${checkpoint.step} until ${checkpoint.deadline}; when it is done: azdr restore checkpoint ${id} ${checkpoint.step} --done`,
          );
          return EXIT.notApproved;
        }
        if (!(await sayDone(ctx, azdr, id, checkpoint.step, who))) return EXIT.failed;
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
    result = await finish(ctx, azdr, id, planSteps, options.reportDir);
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

/** Prints the finished run's report and clears its host record; the exit code of its phase. */
async function finish(
  ctx: CliContext,
  azdr: LocalAzdr,
  id: string,
  planSteps?: PlanStepCounts[],
  reportDir: string = DEFAULT_REPORT_DIR,
): Promise<ExitCode> {
  const final = await azdr.host.getStatus(id);
  if (final?.runtimeStatus !== "Completed") {
    ctx.out.err(
      `error: restore ${id} ${final?.runtimeStatus ?? "vanished"}: ${JSON.stringify(final?.output ?? "")}`,
    );
    return EXIT.failed;
  }
  const report = final.output as RestoreReport;
  const localReport = await saveReport(azdr, report, reportDir);
  printReport(ctx.out, report, planSteps, localReport);
  // Finished: nothing to resume, keep the host container tidy (the report is in the store).
  await azdr.host.purge(id).catch(() => false);
  return EXIT_OF_PHASE[report.phase] ?? EXIT.failed;
}

export interface RunCommandOptions {
  app?: string;
  scope?: string;
  comment?: string;
  planHash?: string;
  approverName?: string;
}

/** `azdr restore status|cancel|approve|reject <id>`: in-process, or against the deployed app. */
export async function restoreRunCommand(
  ctx: CliContext,
  action: "status" | "cancel" | "approve" | "reject",
  id: string,
  options: RunCommandOptions,
): Promise<ExitCode> {
  if (options.app) return remoteRunCommand(ctx, action, id, options);
  const { out } = ctx;
  const instances = blobInstanceStore(ctx);
  const record = await instances.get(id);
  if (!record) {
    out.err(
      `error: no restore ${id} in the local host state (${CLI_HOST_CONTAINER}); for the deployed app add --app https://<app>.azurewebsites.net`,
    );
    return EXIT.failed;
  }
  const progress = record.customStatus as RestoreProgress | undefined;
  const input = record.input as Partial<RestoreInput> | undefined;
  if (action === "status") {
    const summary = {
      id,
      runtimeStatus: record.status,
      phase: progress?.phase,
      mode: input?.request?.mode,
      target: input?.request?.target,
      requestedBy: input?.requester?.name,
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
      ...(progress?.gate ? { gate: progress.gate, approvalDeadline: progress.approvalDeadline } : {}),
      ...(TERMINAL_STATUSES.has(record.status) ? { output: record.output } : {}),
    };
    if (out.json) out.result(summary);
    else
      out.out(
        Object.entries(summary)
          .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
          .join("\n"),
      );
    return EXIT.ok;
  }
  if (TERMINAL_STATUSES.has(record.status)) {
    out.err(`error: restore ${id} already finished (${record.status}); nothing to ${action}`);
    return EXIT.failed;
  }
  const who = await cliIdentity(ctx, options.approverName);
  if (action === "cancel" && progress?.phase !== "awaiting-approval") {
    // Not at the gate (interrupted mid-way): mark it terminated without loading it into a host, so
    // not one more write happens; what was written stays, as the report of the next run shows.
    await instances.put({
      ...record,
      status: "Terminated",
      output: `cancelled by ${describePrincipal(who)} at ${ctx.now().toISOString()}`,
      inbox: [],
      lastUpdatedTime: ctx.now().toISOString(),
    });
    out.err(`restore ${id} cancelled by ${who.name}; it will not resume`);
    return EXIT.ok;
  }
  const approved = action === "approve";
  const azdr = await startAzdr(ctx, "blob");
  try {
    const ok = await decide(
      ctx,
      azdr,
      id,
      approved,
      who,
      options.comment ?? (action === "cancel" ? "cancelled at the azdr CLI" : `${action}d at the azdr CLI`),
      options.planHash,
    );
    if (!ok) return EXIT.failed;
    // In-process, this command's host is the one that carries the decision out: follow it.
    await azdr.host.waitForCompletion(id, { timeoutMs: 24 * 3600_000 });
    return await finish(ctx, azdr, id);
  } finally {
    await azdr.close();
  }
}

async function remoteRunCommand(
  ctx: CliContext,
  action: "status" | "cancel" | "approve" | "reject",
  id: string,
  options: RunCommandOptions,
): Promise<ExitCode> {
  const path = `/api/restore/instances/${encodeURIComponent(id)}${action === "status" ? "" : `/${action === "cancel" ? "reject" : action}`}`;
  return remoteCall(
    ctx,
    path,
    action === "status" ? "GET" : "POST",
    options,
    action === "status"
      ? undefined
      : {
          comment: options.comment ?? `${action} at the azdr CLI`,
          ...(options.planHash ? { planHash: options.planHash } : {}),
        },
  );
}

/** One call to the deployed app's restore routes with an Entra token; prints the answer. */
async function remoteCall(
  ctx: CliContext,
  path: string,
  method: "GET" | "POST",
  options: RunCommandOptions,
  body?: Record<string, unknown>,
): Promise<ExitCode> {
  const base = new URL(options.app!);
  if (base.protocol !== "https:" && base.hostname !== "127.0.0.1" && base.hostname !== "localhost") {
    throw new CliUsageError("--app must be https", [
      { field: "--app", message: `${options.app} is not https`, fix: "use https://<app>.azurewebsites.net" },
    ]);
  }
  const scope = options.scope ?? ctx.env["AZDR_APP_SCOPE"];
  if (!scope) {
    throw new CliUsageError("which app registration to get a token for?", [
      {
        field: "--scope",
        message: "no token scope for the deployed app",
        fix: "pass --scope api://<app registration client id>/.default or set AZDR_APP_SCOPE",
      },
    ]);
  }
  const token = await (ctx.io.appToken ?? ((s: string) => appAccessToken(s)))(scope);
  const response = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await readBody(response);
  if (ctx.out.json) ctx.out.result({ status: response.status, ...answer });
  else ctx.out.out(`${response.status} ${JSON.stringify(answer, null, 2)}`);
  return response.ok ? EXIT.ok : EXIT.failed;
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
