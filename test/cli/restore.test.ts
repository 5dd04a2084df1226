// azdr restore, in-process: through the app's own HTTP routes, against the simulator and Azurite.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RestoreReport } from "../../src/lib/restore/engine/engine.js";
import { startTestPlatform, type TestPlatform } from "../support/platform.js";
import { cli } from "./support.js";

let platform: TestPlatform;

const SEED = {
  notebooks: 30,
  directories: 5,
  files: 2,
  jobs: 5,
  clusters: 2,
  policies: 1,
  pools: 1,
  secretScopes: 1,
  secretsPerScope: 1,
  repos: 1,
};

beforeAll(async () => {
  platform = await startTestPlatform({
    sim: {
      workspaces: [
        { name: "primary", seed: SEED },
        { name: "dr", seed: false },
      ],
      metastores: [],
    },
    config: { unityCatalog: { metastores: [] } },
  });
  const backup = await cli(platform, ["backup", "all"]);
  expect(backup.code, backup.stdout + backup.stderr).toBe(0);
});
afterAll(async () => {
  await platform?.close();
});

function drWrites() {
  return platform.sim.log.entries.filter(
    (e) => e.service.includes("dr") && e.method !== "GET" && e.method !== "HEAD",
  );
}

const base = ["restore", "workspace", "--source", "primary", "--target", "dr"];

describe("azdr restore", () => {
  it("bad flags and bad requests exit 2 naming the flag and the fix, and start nothing", async () => {
    platform.sim.log.clear();
    const cases: [string[], RegExp[]][] = [
      [
        [...base, "--plan", "--existing", "maybe"],
        [/--existing \(existing\): Invalid option: expected one of "skip"\|"update"/, /fix: /],
      ],
      [
        ["restore", "workspace", "--source", "primary", "--target", "nowhere", "--plan"],
        [/--target \(target\): "nowhere" is not in databricks\.workspaces/, /fix: use one of: primary, dr/],
      ],
      [
        ["restore", "clusters", "--source", "primary", "--target", "dr", "--plan"],
        [/<scenario> \(scenario\): unknown scenario "clusters"/, /fix: use one of: workspace, unity-catalog/],
      ],
      [[...base], [/neither --plan nor --apply given/, /fix: use --plan to see what would change/]],
      [
        [...base, "--apply"],
        [/--yes: stdin is not a terminal/, /fix: review the plan with --plan first/],
      ],
      [
        [...base, "--plan", "--remap-principal", "bob"],
        [/--remap-principal \(remap\.principals\[0\]\): "bob" is not from=to/],
      ],
      [
        [
          "restore",
          "unity-catalog",
          "--source",
          "primary-metastore",
          "--target",
          "dr-metastore",
          "--plan",
          "--managed-tables",
          "restore",
        ],
        [/--managed-tables \(managedTables\): Invalid option: expected one of "skip"\|"recreate-empty"/],
      ],
      [
        [
          "restore",
          "unity-catalog",
          "--source",
          "primary-metastore",
          "--target",
          "dr-metastore",
          "--plan",
          "--remap-workspace-id",
          "123=dr",
        ],
        [/--remap-workspace-id \(remap\.workspaceIds\[0\]\.to\): must be a numeric Databricks workspace id/],
      ],
      [[...base, "--plan", "--snapshot", "20200101t000000z"], [/--snapshot \(snapshot\)/]],
      [[...base, "--plan", "--approval-timeout", "0"], [/--approval-timeout \(approvalTimeoutMinutes\)/]],
    ];
    for (const [argv, patterns] of cases) {
      const run = await cli(platform, argv);
      expect(run.code, `${argv.join(" ")}\n${run.stderr}`).toBe(2);
      for (const pattern of patterns) expect(run.stderr, argv.join(" ")).toMatch(pattern);
    }
    const json = await cli(platform, ["--json", ...base, "--plan", "--existing", "maybe"]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: "INVALID_REQUEST",
      problems: [{ field: "existing" }],
    });
    expect(drWrites()).toEqual([]);
  });

  it("--plan prints a summary per step (--details every object), saves the report locally and writes nothing to the target", async () => {
    platform.sim.log.clear();
    const reports = await mkdtemp(join(tmpdir(), "azdr-reports-"));
    const run = await cli(platform, [...base, "--plan", "--report-dir", reports]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^Restore plan restore-workspace-dr-\d{8}t\d{6}z-[0-9a-f]{8}: workspace \(runbook 7\.3\) from primary to dr/,
    );
    expect(run.stdout).toMatch(/step\s+objects\s+create\s+update\s+skip\s+conflict\s+unsupported\s+kinds/);
    // Counts per step and kind, not one row per object.
    expect(run.stdout).toMatch(
      new RegExp(
        `\\s${SEED.notebooks + SEED.files}\\s+${SEED.notebooks + SEED.files}\\s+0\\s+0\\s+0\\s+0\\s+.*NOTEBOOK ${SEED.notebooks}`,
      ),
    );
    expect(run.stdout).toMatch(/^total\s+\d+/m);
    expect(run.stdout).not.toMatch(/\| create \|/);
    expect(run.stdout).toMatch(/every object: --details/);
    expect(run.stdout).toMatch(/Planned: workspace \(runbook 7\.3\) from primary to dr, plan/);
    const saved =
      /report: (\S+\.md) \(JSON beside it; in the backup store: restore-reports\/reports\/restore-workspace-dr-\d{8}t\d{6}z-[0-9a-f]{8}\.md\)/.exec(
        run.stdout,
      );
    expect(saved?.[1]?.startsWith(reports)).toBe(true);
    expect(await readFile(saved![1]!, "utf8")).toMatch(/# Restore report: workspace/);
    expect(JSON.parse(await readFile(saved![1]!.replace(/\.md$/, ".json"), "utf8"))).toMatchObject({
      phase: "Planned",
    });
    expect(run.stderr).toMatch(/restore workspace → dr\s+Planned/);

    const details = await cli(platform, [...base, "--plan", "--details", "--report-dir", reports]);
    expect(details.code, details.stderr).toBe(0);
    expect(details.stdout).toMatch(/^# Restore plan: workspace \(runbook 7\.3\)/);
    expect(details.stdout).toMatch(/\| create \| .*notebook/);

    const json = await cli(platform, ["--json", ...base, "--plan", "--report-dir", reports]);
    const answer = JSON.parse(json.stdout) as {
      localReport: string;
      planSteps: {
        name: string;
        objects: number;
        counts: Record<string, number>;
        kinds: Record<string, number>;
      }[];
    };
    expect(answer.localReport.startsWith(reports)).toBe(true);
    const notebooks = answer.planSteps.find((step) => step.kinds["NOTEBOOK"]);
    expect(notebooks).toMatchObject({
      counts: { create: SEED.notebooks + SEED.files },
      kinds: { NOTEBOOK: SEED.notebooks },
    });
    expect(answer.planSteps.find((step) => step.kinds["job"])?.objects).toBe(SEED.jobs);
    expect(platform.sim.log.entries.some((e) => e.service.includes("dr"))).toBe(true);
    expect(drWrites()).toEqual([]);
  }, 180_000);

  it("--apply on a terminal asks; anything but yes rejects through the reject route (exit 4)", async () => {
    platform.sim.log.clear();
    const questions: string[] = [];
    const run = await cli(platform, [...base, "--apply"], {
      stdinIsTTY: true,
      prompt: async (question) => {
        questions.push(question);
        return "no";
      },
    });
    expect(run.code, run.stderr).toBe(4);
    expect(questions[0]).toMatch(/Apply this plan to dr \(\d+ create, /);
    expect(run.stdout).toMatch(/^Restore plan /);
    expect(run.stdout).toMatch(/Rejected: .*\n\s+reason: rejected by alice: declined at the azdr CLI prompt/);
    expect(drWrites()).toEqual([]);
  });

  it("on a terminal the progress board is erased before the question, so nothing is left above it", async () => {
    const stderr: string[] = [];
    let atPrompt = "";
    const run = await cli(platform, [...base, "--apply"], {
      stdinIsTTY: true,
      stderr: { write: (text: string) => stderr.push(text), isTTY: true, columns: 120 },
      prompt: async () => {
        atPrompt = stderr.join("");
        return "no";
      },
    });
    expect(run.code).toBe(4);
    expect(atPrompt).toContain("restore workspace → dr"); // the board was drawn…
    const lastBoard = atPrompt.lastIndexOf("restore workspace → dr");
    const erased = atPrompt.indexOf("\x1b[2K\x1b[G", lastBoard);
    expect(erased, "the board is erased after its last draw").toBeGreaterThan(lastBoard);
    expect(atPrompt.slice(erased)).not.toMatch(/restore workspace → dr/);
  });

  it("an interrupted apply resumes when the same command runs again, creating nothing twice", async () => {
    const controller = new AbortController();
    const first = await cli(platform, [...base, "--apply"], {
      stdinIsTTY: true,
      signal: controller.signal,
      prompt: async () => {
        controller.abort(); // Ctrl-C right after saying yes
        return "yes";
      },
    });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toMatch(/approved by alice/);
    expect(first.stderr).toMatch(
      /interrupted: restore restore-workspace-dr is saved .*re-run the same command to resume/,
    );

    // Neither a plan nor a different request touches the interrupted apply: they name it and stop.
    platform.sim.log.clear();
    for (const argv of [
      [...base, "--plan"],
      [...base, "--plan", "--yes"],
      [...base, "--apply", "--yes", "--existing", "update"],
    ]) {
      const other = await cli(platform, argv);
      expect(other.code, other.stderr).toBe(1);
      expect(other.stderr).toMatch(
        /restore restore-workspace-dr holds dr: apply requested by alice at .*different request/,
      );
      expect(other.stderr).toMatch(/azdr restore status restore-workspace-dr/);
      expect(other.stderr).toMatch(/azdr restore approve restore-workspace-dr/);
    }
    expect(drWrites()).toEqual([]);
    const status = await cli(platform, ["--json", "restore", "status", "restore-workspace-dr"]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ mode: "apply", requestedBy: "alice" });

    const second = await cli(platform, [...base, "--apply", "--yes"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /resuming restore restore-workspace-dr: an earlier run of the same request \(apply, by alice\)/,
    );
    expect(second.stdout).toMatch(/Completed: workspace \(runbook 7\.3\) from primary to dr, apply/);
    // Progress over the whole restore, step by step (small steps do not sit at 0%).
    expect(second.stderr).toMatch(/restore workspace → dr\s+step \d+\/\d+ .*\d+\/\d+ objects/);
    expect(second.stdout).toMatch(/approved by alice at /);
    expect(second.stdout).toMatch(/validation: (\d+)\/\1 checks OK/);

    const source = platform.sim.workspace("primary").state;
    const target = platform.sim.workspace("dr").state;
    expect(target.jobs.size).toBe(source.jobs.size);
    // Resumed, not repeated: one job per source job (names are unique in the seed).
    const names = [...target.jobs.values()].map((j) => j.settings["name"]);
    expect(new Set(names).size).toBe(source.jobs.size);
  });

  it("an overwriting --apply --yes waits for a second approver; `azdr restore approve` by another person releases it", async () => {
    const run = await cli(platform, [...base, "--apply", "--yes", "--existing", "update"]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(
      /four-eyes rule \(the plan overwrites, replaces or revokes \d+ thing\(s\)\), so alice cannot approve it/,
    );
    expect(run.stderr).toMatch(/another DR\.Approver runs: azdr restore approve restore-workspace-dr/);

    // alice cannot approve it with the subcommand either: 403-like refusal naming the rule.
    const self = await cli(platform, ["restore", "approve", "restore-workspace-dr"]);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/refused \(403\): four-eyes rule: alice requested this restore/);

    const bob = async () => ({ id: "oid-bob", name: "bob", roles: [], source: "azure-login" as const });
    const approved = await cli(platform, ["--json", "restore", "approve", "restore-workspace-dr"], {
      signedIn: bob,
    });
    expect(approved.code, approved.stderr).toBe(0);
    const report = JSON.parse(approved.stdout) as RestoreReport;
    expect(report.phase).toBe("Completed");
    expect(report.approval).toMatchObject({ approved: true, by: "bob", verified: true });
    expect(report.approval?.planHash).toMatch(/^[0-9a-f]{64}$/);
    expect(report.reportMarkdownPath).toMatch(/^reports\/.*\.md$/);
    const markdown = await platform.runtime.store.blobs.get("restore-reports", report.reportMarkdownPath);
    expect(markdown?.toString()).toMatch(/# Restore report: workspace/);
    expect(platform.sim.workspace("dr").state.jobs.size).toBe(
      platform.sim.workspace("primary").state.jobs.size,
    );
  });

  it("nobody signed in: refused unless --approver-name, which is recorded as NOT verified", async () => {
    const nobody = { signedIn: async () => undefined };
    const refused = await cli(platform, [...base, "--plan"], nobody);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--approver-name: no signed-in Azure identity/);
    expect(refused.stderr).toMatch(/fix: sign in with `az login`, or pass --approver-name/);
    const named = await cli(platform, ["--json", ...base, "--plan", "--approver-name", "carol"], nobody);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stderr).toMatch(/WARNING: no signed-in Azure identity; recording "carol" .*NOT verified/);
  });

  it("a primary target is refused without --allow-primary-target, and --yes never pre-approves it", async () => {
    platform.sim.log.clear();
    const refused = await cli(platform, [
      "restore",
      "workspace",
      "--source",
      "primary",
      "--target",
      "primary",
      "--plan",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /--target \(target\): "primary" is the source itself: this restore would write to PRODUCTION/,
    );
    const plan = await cli(platform, [
      "restore",
      "workspace",
      "--source",
      "primary",
      "--target",
      "primary",
      "--plan",
      "--allow-primary-target",
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/WARNING: this restore writes to PRODUCTION \(`primary`\)/);
    const apply = await cli(platform, [
      "restore",
      "workspace",
      "--source",
      "primary",
      "--target",
      "primary",
      "--apply",
      "--yes",
      "--allow-primary-target",
    ]);
    expect(apply.code).toBe(4);
    expect(apply.stderr).toMatch(/four-eyes rule \(the restore writes to a PRODUCTION target\)/);
    const rejected = await cli(platform, ["restore", "reject", "restore-workspace-primary"]);
    expect(rejected.code, rejected.stderr).toBe(4);
    expect(
      platform.sim.log.entries.filter((e) => e.service.includes("primary") && e.method !== "GET"),
    ).toEqual([]);
  });
});

describe("azdr restore unity-catalog", () => {
  it("backs up the metastore, plans its restore without writing; an apply that did what was planned ends Completed (exit 0)", async () => {
    const uc = await startTestPlatform({
      sim: {
        workspaces: [
          { name: "primary", metastore: "uc-westeurope" },
          { name: "dr", metastore: "uc-northeurope" },
        ],
      },
    });
    try {
      const backup = await cli(uc, ["backup", "unity-catalog"]);
      expect(backup.code, backup.stdout + backup.stderr).toBe(0);
      expect(backup.stdout).toMatch(/unity-catalog\s+primary-metastore\s+Completed/);
      uc.sim.log.clear();
      const plan = await cli(uc, [
        "restore",
        "unity-catalog",
        "--source",
        "primary-metastore",
        "--target",
        "dr-metastore",
        "--plan",
        "--remap-principal",
        "data-engineers=dr-data-engineers",
      ]);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stdout).toMatch(/^Restore plan \S+: unity-catalog \(runbook 7\.4\)/);
      expect(plan.stdout).toMatch(
        /Planned: unity-catalog \(runbook 7\.4\) from primary-metastore to dr-metastore/,
      );
      expect(uc.sim.log.entries.length).toBeGreaterThan(5);
      expect(uc.sim.log.writes()).toEqual([]);

      // Applied as planned: the managed tables the plan left out are follow-ups, not failures, so
      // the restore ends Completed with exit 0 (it was PartiallyFailed, exit 3).
      const args = ["restore", "unity-catalog", "--source", "primary-metastore", "--target", "dr-metastore"];
      const apply = await cli(uc, [...args, "--apply", "--yes"]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(0);
      expect(apply.stdout).toMatch(
        /Completed: unity-catalog \(runbook 7\.4\) from primary-metastore to dr-metastore, apply/,
      );
      expect(apply.stdout).toMatch(/validation: (\d+)\/\1 checks OK/);
      expect(apply.stdout).toMatch(/follow-ups \(\d+\):[\s\S]*MANAGED table/);
      // Asked for, the managed tables' definitions come back empty: nothing left out, still exit 0.
      const recreate = await cli(uc, [...args, "--apply", "--yes", "--managed-tables", "recreate-empty"]);
      expect(recreate.code, recreate.stdout + recreate.stderr).toBe(0);
      expect(recreate.stdout).toMatch(/re-created EMPTY \(managedTables=recreate-empty\)/);
      const seed = uc.sim.seeds.metastores["uc-westeurope"]!;
      for (const t of seed.tables) expect(uc.sim.metastore("uc-northeurope").tables.has(t)).toBe(true);
    } finally {
      await uc.close();
    }
  });
});
