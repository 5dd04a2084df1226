// The progress board (TTY redraw vs plain lines), the redactor, and one smoke run of the bin.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Output, Redactor } from "../../src/cli/io.js";
import { ProgressBoard } from "../../src/cli/progress.js";

function output(isTTY: boolean) {
  const err: string[] = [];
  const out = new Output({
    stdout: { write: () => true },
    stderr: { write: (s: string) => err.push(s), isTTY, columns: 100 },
  });
  return { out, err };
}

describe("progress board", () => {
  it("redraws in place on a terminal", () => {
    const { out, err } = output(true);
    const board = new ProgressBoard(out);
    board.update("a", "notebooks primary", { step: "export", done: 1, total: 4, unit: "batches" });
    board.update("b", "config primary", { step: "plan" });
    board.render();
    board.update("a", "notebooks primary", { step: "export", done: 4, total: 4, unit: "batches" });
    board.render();
    expect(err[0]).toBe(
      "\x1b[2Knotebooks primary  export [######------------------]  25% 1/4 batches\n\x1b[2Kconfig primary     plan\n",
    );
    expect(
      err[1]?.startsWith(
        "\x1b[2F\x1b[2Knotebooks primary  export [########################] 100% 4/4 batches\n",
      ),
    ).toBe(true);
  });

  it("prints plain lines when not a terminal: on step changes and at most every interval", () => {
    const { out, err } = output(false);
    const board = new ProgressBoard(out, { intervalMs: 60_000 });
    board.update("a", "src", { step: "export", done: 1, total: 10 });
    board.render();
    board.update("a", "src", { step: "export", done: 2, total: 10 });
    board.render(); // same step, within the interval: nothing
    board.update("a", "src", { step: "commit" });
    board.render();
    board.update("a", "src", { step: "done", final: "Completed" });
    board.render();
    board.render();
    expect(err).toEqual([
      "src  export [##----------------------]  10% 1/10\n",
      "src  commit\n",
      "src  Completed\n",
    ]);
  });
});

describe("redactor", () => {
  it("hides known secret values and secret-shaped strings", () => {
    const r = new Redactor(["s3cr3t-token-value"]);
    expect(r.redact("token s3cr3t-token-value in x")).toBe("token [redacted] in x");
    expect(r.redact("DefaultEndpointsProtocol=http;AccountName=a;AccountKey=abc123==;")).toBe(
      "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=[redacted];",
    );
    expect(r.redact("Authorization: Bearer eyJhbGciOi.x.y")).toBe("Authorization: Bearer [redacted]");
    expect(r.redact("dapi0123456789abcdef0123456789abcdef")).toBe("[redacted]");
  });
});

describe("bin", () => {
  it("azdr --help runs through tsx and lists the commands and exit codes", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["src/cli/bin.js", "--help"], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(stdout).toMatch(/Usage: azdr \[options\] \[command\]/);
    for (const command of ["backup", "snapshots", "restore", "status"]) expect(stdout).toContain(command);
    expect(stdout).toMatch(/130 {2}interrupted/);
  });
});
