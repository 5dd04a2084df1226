// The azdr command line: the same backups, restores and checks as the Function App, run in-process
// with the app's own registrations (src/host). `main(argv, io)` has no process-wide side effects
// besides the local host, so tests call it directly; `run()` wires it to the real process.
// First: the registration hook must be installed before any app module registers a function.
import "../host/registry.js";
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, Option } from "commander";
import { ConfigError } from "../lib/config/load.js";
import { isAzdrError } from "../lib/errors.js";
import { TOOL_VERSION } from "../lib/store/manifest.js";
import { backupCommand, BACKUP_TARGETS } from "./commands/backup.js";
import { doctorCommand } from "./commands/doctor.js";
import {
  printProblems,
  restoreCommand,
  restoreRunCommand,
  restoreCheckpointCommand,
  type CheckpointCommandOptions,
  type RestoreOptions,
  type RunCommandOptions,
} from "./commands/restore.js";
import { scenarioChoices, scenarioSections } from "../lib/restore/catalog.js";
import {
  snapshotsAccept,
  snapshotsExport,
  snapshotsList,
  snapshotsShow,
  snapshotsVerify,
} from "./commands/snapshots.js";
import { statusCommand } from "./commands/status.js";
import { dashboardCommand, type DashboardOptions } from "./commands/dashboard.js";
import { createContext, type CliContext, type GlobalOptions } from "./context.js";
import { CliUsageError, EXIT, Output, type CliIO, type ExitCode } from "./io.js";

export { EXIT, type CliIO } from "./io.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

const EXIT_CODES_HELP = `
Exit codes:
  0    success: backup Completed, restore Completed or Planned, snapshot verified, every RPO fresh
  1    failed: a run Failed, verification found problems, an RPO row is stale or missing, or an error
  2    bad input: unknown command or flag value, invalid config or restore request (nothing started)
  3    partially failed: a backup or restore ended PartiallyFailed, or a backup is Suspect (shrink guard: see its reasons)
  4    not approved: a restore was rejected, timed out waiting for approval, or still waits (for approval or at a checkpoint)
  130  interrupted (Ctrl-C): a restore resumes when the same command runs again`;

function buildProgram(io: CliIO, out: Output, setCode: (code: ExitCode) => void): Command {
  const program = new Command("azdr");
  const withContext =
    <A extends unknown[]>(fn: (ctx: CliContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: [...A, Command]) => {
      const command = args[args.length - 1] as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      out.json = globals.json === true;
      out.verbose = globals.verbose === true;
      const ctx = await createContext(io, globals, out);
      setCode(await fn(ctx, ...(args.slice(0, -1) as A)));
    };

  program
    .description(
      "Disaster recovery for Azure Databricks, Unity Catalog, Azure ML and AI Foundry: backups, restores and checks, run locally with the same code as the Function App.",
    )
    .version(TOOL_VERSION)
    .option(
      "--config <file>",
      "platform config, JSON or YAML (default: $AZDR_CONFIG, else the AZDR__* app settings in the environment)",
    )
    .option("--json", "machine-readable output on stdout")
    .option("--verbose", "diagnostics on stderr (never secrets)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .showHelpAfterError("(add --help for usage)")
    .addHelpText("after", EXIT_CODES_HELP);

  const whats = [...Object.keys(BACKUP_TARGETS).slice(0, 7), "all"];
  program
    .command("backup")
    .description(
      `back up now, in-process (snapshot id = the current time). <what>: ${whats.join(", ")} (or a backup kind such as databricks-notebooks)`,
    )
    .argument("<what>", "what to back up")
    .option("--source <id>", "only this configured source (workspace, metastore, ML workspace, vault…)")
    .action(
      withContext((ctx, what: string, options: { source?: string }) => backupCommand(ctx, what, options)),
    );

  const snapshots = program.command("snapshots").description("list, inspect and verify snapshots");
  snapshots
    .command("list")
    .description("snapshots in the index, newest first per source component")
    .option("--domain <domain>", "databricks, unity-catalog, azureml, foundry, keyvault or storage")
    .option("--source <id>", "config id of the backed-up source")
    .option("--component <name>", "e.g. workspace-objects, workspace-config, metadata, models")
    .action(
      withContext((ctx, options: { domain?: string; source?: string; component?: string }) =>
        snapshotsList(ctx, options),
      ),
    );
  snapshots
    .command("show")
    .description("one snapshot: phase and reasons, counts by kind, skipped objects with reasons, changes")
    .argument("<ref>", "<domain>/<source>/<component>/<snapshotId|latest>")
    .option("--all", "list every skipped, failed and changed path (default: the first 20 of each)")
    .action(withContext((ctx, ref: string, options: { all?: boolean }) => snapshotsShow(ctx, ref, options)));
  snapshots
    .command("verify")
    .description(
      "check a snapshot's manifest against its commit and that every body it names exists with its size; --deep/--sample re-hash them; --all checks every snapshot",
    )
    .argument("[ref]", "<domain>/<source>/<component>/<snapshotId|latest> (omit with --all)")
    .option("--all", "every snapshot in the store, with a summary line")
    .option("--domain <domain>", "with --all: only this domain")
    .option("--deep", "re-hash every body")
    .option("--sample <n>", "re-hash n bodies chosen at random (per snapshot)")
    .action(
      withContext(
        (
          ctx,
          ref: string | undefined,
          options: { deep?: boolean; sample?: string; all?: boolean; domain?: string },
        ) => snapshotsVerify(ctx, ref, options),
      ),
    );
  snapshots
    .command("accept")
    .description(
      "accept a Suspect snapshot (held back by the shrink guard) as good, when the shrink was intended; records who and when",
    )
    .argument("<ref>", "<domain>/<source>/<component>/<snapshotId|latest> (latest: the newest of any phase)")
    .action(withContext((ctx, ref: string) => snapshotsAccept(ctx, ref)));

  snapshots
    .command("export")
    .description(
      "write a snapshot as plain files usable without azdr (notebooks as source files, jobs as create JSON, Unity Catalog as ordered SQL, Azure ML as az ml YAML) with a README on re-importing them; refuses a damaged snapshot",
    )
    .argument("<ref>", "<domain>/<source>/<component>/<snapshotId|latest>")
    .option("--to <dir>", "a new or empty folder to write into")
    .action(withContext((ctx, ref: string, options: { to?: string }) => snapshotsExport(ctx, ref, options)));

  const restore = program.command("restore");
  for (const [action, what] of [
    ["status", "show one restore run: phase, requester, the gate (plan hash, four eyes) or its report"],
    ["approve", "approve a restore waiting at its gate (as the signed-in identity; four eyes apply)"],
    ["reject", "reject a restore waiting at its gate"],
    ["cancel", "stop a restore: rejected at its gate, or marked terminated (never resumed) if interrupted"],
  ] as const) {
    restore
      .command(action)
      .description(what)
      .argument("<id>", "the restore's id, e.g. restore-workspace-dr")
      .option("--app <url>", "the deployed Function App (https://…): call its routes with an Entra token")
      .option(
        "--scope <scope>",
        "token scope for --app (default $AZDR_APP_SCOPE), e.g. api://<client id>/.default",
      )
      .option("--comment <text>", "recorded with the decision")
      .option("--plan-hash <sha256>", "decide only if the run still waits on this plan")
      .option("--approver-name <name>", "not signed in to Azure: record this name, marked NOT verified")
      .action(
        withContext((ctx, id: string, options: RunCommandOptions) =>
          restoreRunCommand(ctx, action, id, options),
        ),
      );
  }
  restore
    .command("checkpoint")
    .description(
      "say a restore's manual step (a checkpoint) is done, as the signed-in identity: the run checks the step's post-condition and goes on, or waits again saying what it found",
    )
    .argument("<id>", "the restore's id, e.g. restore-storage-st-shared")
    .argument("<step>", "the checkpoint step's name (azdr restore status <id> shows it)")
    .option("--done", "the manual step is done")
    .option("--comment <text>", "recorded with the confirmation")
    .option("--app <url>", "the deployed Function App (https://…): call its route with an Entra token")
    .option("--scope <scope>", "token scope for --app (default $AZDR_APP_SCOPE)")
    .option("--approver-name <name>", "not signed in to Azure: record this name, marked NOT verified")
    .action(
      withContext((ctx, id: string, step: string, options: CheckpointCommandOptions) =>
        restoreCheckpointCommand(ctx, id, step, options),
      ),
    );
  restore
    .description(
      `restore a snapshot (runbook ${scenarioSections()}) through the app's own HTTP route: --plan writes nothing; --apply shows the plan, asks, then restores`,
    )
    .argument("<scenario>", scenarioChoices())
    .option("--source <id>", "config id of the backed-up workspace or metastore")
    .option("--target <id>", "config id of the workspace or metastore to restore into")
    .option(
      "--snapshot <latest|id|time>",
      "latest (default), a snapshot id, or an ISO time (newest good at or before it)",
    )
    .option("--include <prefix>", "only objects whose path or name starts with this (repeatable)", collect)
    .option("--exclude <prefix>", "skip objects whose path or name starts with this (repeatable)", collect)
    .option("--existing <policy>", "objects already in the target: skip (default) or update")
    .option("--remap-principal <from=to>", "rename a user, group or service principal (repeatable)", collect)
    .option(
      "--remap-storage <from=to>",
      "rename a storage account (names) or rewrite an abfss:// prefix (repeatable)",
      collect,
    )
    .option(
      "--remap-workspace-url <from=to>",
      "replace a workspace URL in job and cluster settings (repeatable; notebook and file bodies with --rewrite-bodies)",
      collect,
    )
    .option(
      "--rewrite-bodies",
      "workspace: apply --remap-storage and --remap-workspace-url inside notebook and text file bodies too (each rewritten file is listed in the plan and the report)",
    )
    .option(
      "--remap-workspace-id <from=to>",
      "unity-catalog: map a workspace id bound to an ISOLATED catalog to its DR workspace id (repeatable; the backed-up metastore's own workspace maps to the target's without it)",
      collect,
    )
    .option(
      "--managed-tables <policy>",
      "unity-catalog: MANAGED tables missing in the target: skip (default, listed as follow-ups) or recreate-empty (definitions re-created empty, views over them after; data via runbook 7.6)",
    )
    .addOption(new Option("--plan", "plan only: every read, no write"))
    .addOption(new Option("--apply", "restore (after the plan is approved)"))
    .option("--yes", "approve the plan without asking (required with --apply when stdin is not a terminal)")
    .option("--approval-timeout <minutes>", "how long an apply waits for approval (default 60)")
    .option(
      "--allow-primary-target",
      "restore into a primary (PRODUCTION) target or into the source itself; a second approver is then required",
    )
    .option("--approver-name <name>", "not signed in to Azure: record this name, marked NOT verified")
    .option("--details", "print every object of the plan (default: counts per step and kind)")
    .option("--report-dir <dir>", "where the report is written locally (default .azdr/reports)")
    .action(
      withContext((ctx, scenario: string, options: RestoreOptions) => restoreCommand(ctx, scenario, options)),
    );

  program
    .command("doctor")
    .description(
      "check the config, the backup store, every workspace, ARM and Key Vault access and the app's region, in seconds: one line per check with the fix (exit 1 if any failed)",
    )
    .option("--timeout <seconds>", "per-request timeout (default 5)")
    .action(withContext((ctx, options: { timeout?: string }) => doctorCommand(ctx, options)));

  program
    .command("status")
    .description(
      "RPO status: every objective against the newest good snapshot (exit 1 if any is stale or missing)",
    )
    .action(withContext((ctx) => statusCommand(ctx)));

  program
    .command("dashboard")
    .description(
      "serve the status dashboard (the Function App's page) on 127.0.0.1 against the same store, until Ctrl-C",
    )
    .option("--port <n>", "loopback port (default: any free port)")
    .action(withContext((ctx, options: DashboardOptions) => dashboardCommand(ctx, options)));

  return program;
}

/** Runs one azdr command line; resolves to the exit code. Never calls process.exit. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const out = new Output(io);
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, out, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version"
        ? EXIT.ok
        : EXIT.badInput;
    }
    if (error instanceof CliUsageError) {
      printProblems(out, error.message, error.problems);
      return EXIT.badInput;
    }
    if (error instanceof ConfigError || isAzdrError(error, "INVALID_CONFIG")) {
      out.err(`error: ${(error as Error).message}`);
      return EXIT.badInput;
    }
    if (isAzdrError(error, "INVALID_INPUT")) {
      out.err(`error: ${error.message}`);
      return EXIT.badInput;
    }
    out.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    if (out.verbose && error instanceof Error && error.stack) out.err(error.stack);
    return EXIT.failed;
  }
}

/** The process entry (bin/azdr, `npm run cli`): real streams, Ctrl-C, a TTY prompt. */
export async function run(argv = process.argv.slice(2)): Promise<never> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    process.stderr.write("\nstopping cleanly… (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  const prompt = async (question: string): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.on("SIGINT", onSigint);
    try {
      return await rl.question(question, { signal: controller.signal });
    } catch {
      return "";
    } finally {
      rl.close();
    }
  };
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    prompt,
    env: process.env,
    signal: controller.signal,
  });
  // SDK keep-alive agents may hold the loop open: exit once stdout is flushed.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  process.exit(code);
}
