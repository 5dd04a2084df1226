// The progress board (TTY redraw vs plain lines), the redactor, and one smoke run of the bin.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { Output, Redactor } from "../../src/cli/io.js";
import { countsText, ProgressBoard } from "../../src/cli/progress.js";

function output(isTTY: boolean) {
  const err: string[] = [];
  const out = new Output({
    stdout: { write: () => true },
    stderr: { write: (s: string) => err.push(s), isTTY, columns: 100 },
  });
  return { out, err };
}

describe("progress board", () => {
  it("redraws in place on a terminal and erases itself before a prompt and at the end", () => {
    const { out, err } = output(true);
    const board = new ProgressBoard(out);
    board.update("a", "notebooks primary", { step: "export", done: 1, total: 4, unit: "batches" });
    board.update("b", "config primary", { step: "plan" });
    board.render();
    // Without the synchronized-output markers log-update wraps each frame in.
    const text = () => err.join("").replaceAll("\x1b[?2026h", "").replaceAll("\x1b[?2026l", "");
    expect(text()).toBe(
      "notebooks primary  export [######------------------]  25% 1/4 batches\nconfig primary     plan\n",
    );
    err.length = 0;
    board.update("a", "notebooks primary", { step: "export", done: 4, total: 4, unit: "batches" });
    board.render();
    // Redrawn in place: the old lines erased (cursor up, line erase), the new state written.
    expect(text().startsWith("\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G")).toBe(true);
    expect(text()).toContain("notebooks primary  export [########################] 100% 4/4 batches");
    err.length = 0;
    board.clear(); // before a prompt: every board line erased, nothing left above the question
    expect(text()).toBe("\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G");
    err.length = 0;
    board.render(); // and drawn again afterwards
    expect(text()).toContain("config primary     plan");
    err.length = 0;
    board.finish();
    expect(text()).toBe("\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G");
  });

  it("does not sit at 0% on a single batch: it says it is in progress", () => {
    expect(countsText({ step: "export", done: 0, total: 1, unit: "batches" })).toBe(
      " (1 batch, in progress)",
    );
    expect(countsText({ step: "export", done: 1, total: 4, unit: "batches" })).toBe(
      " [######------------------]  25% 1/4 batches",
    );
    expect(countsText({ step: "plan" })).toBe("");
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
