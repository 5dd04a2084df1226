// azdr restore, in-process: through the app's own HTTP routes, against the simulator and Azurite.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SOURCE_JOB_TAG } from "../../src/lib/restore/workspace-scenario.js";
import type { RestoreReport } from "../../src/lib/restore/engine.js";
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

  it("--plan prints the plan and writes nothing to the target", async () => {
    platform.sim.log.clear();
    const run = await cli(platform, [...base, "--plan"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^# Restore plan: workspace \(runbook 7\.3\)/);
    expect(run.stdout).toMatch(/\| create \| .*notebook/);
    expect(run.stdout).toMatch(/Planned: workspace \(runbook 7\.3\) from primary to dr, plan/);
    expect(run.stdout).toMatch(/report: restore-reports\/reports\/restore-workspace-dr-\d{8}t\d{6}z\.md/);
    expect(run.stderr).toMatch(/restore workspace → dr\s+Planned/);
    expect(platform.sim.log.entries.some((e) => e.service.includes("dr"))).toBe(true);
    expect(drWrites()).toEqual([]);
  });

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
    expect(run.stdout).toMatch(/^# Restore plan/);
    expect(run.stdout).toMatch(/Rejected: .*\n\s+reason: rejected by alice: declined at the azdr CLI prompt/);
    expect(drWrites()).toEqual([]);
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

    const second = await cli(platform, [...base, "--apply", "--yes"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /resuming restore restore-workspace-dr: an earlier run \(apply, by alice \(azdr CLI\)\)/,
    );
    expect(second.stdout).toMatch(/Completed: workspace \(runbook 7\.3\) from primary to dr, apply/);
    expect(second.stdout).toMatch(/approved by alice at /);
    expect(second.stdout).toMatch(/validation: (\d+)\/\1 checks OK/);

    const source = platform.sim.workspace("primary").state;
    const target = platform.sim.workspace("dr").state;
    expect(target.jobs.size).toBe(source.jobs.size);
    const tags = [...target.jobs.values()].map(
      (j) => (j.settings["tags"] as Record<string, string> | undefined)?.[SOURCE_JOB_TAG],
    );
    expect(new Set(tags).size).toBe(source.jobs.size);
  });

  it("--apply --yes completes (pre-approved) and --json returns the report", async () => {
    const run = await cli(platform, ["--json", ...base, "--apply", "--yes", "--existing", "update"]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as RestoreReport;
    expect(report.phase).toBe("Completed");
    // The plan overwrites (existing=update): pre-approval does not cover it, so --yes approved it
    // through the approve route, on record.
    expect(report.approval).toMatchObject({ approved: true });
    expect(report.reportMarkdownPath).toMatch(/^reports\/.*\.md$/);
    const markdown = await platform.runtime.store.blobs.get("restore-reports", report.reportMarkdownPath);
    expect(markdown?.toString()).toMatch(/# Restore report: workspace/);
    expect(platform.sim.workspace("dr").state.jobs.size).toBe(
      platform.sim.workspace("primary").state.jobs.size,
    );
  });
});

describe("azdr restore unity-catalog", () => {
  it("backs up the metastore and plans its restore into the DR metastore without writing", async () => {
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
      expect(plan.stdout).toMatch(/^# Restore plan: unity-catalog \(runbook 7\.4\)/);
      expect(plan.stdout).toMatch(
        /Planned: unity-catalog \(runbook 7\.4\) from primary-metastore to dr-metastore/,
      );
      expect(uc.sim.log.entries.length).toBeGreaterThan(5);
      expect(uc.sim.log.writes()).toEqual([]);
    } finally {
      await uc.close();
    }
  });
});
