// Progress on stderr, one line per item (a backup source, a restore). On a terminal the board is
// redrawn in place by log-update and erased before a prompt and at the end, so nothing is left
// above the question or the summary. Otherwise (CI logs, pipes) a plain line is printed when an
// item changes step and at most every few seconds while its counts move, so logs stay short.
import { createLogUpdate } from "log-update";
import type { Output } from "./io.js";

export interface ProgressState {
  /** e.g. "plan", "export", "step 2/7: Notebooks and files". */
  step: string;
  done?: number;
  total?: number;
  /** Unit of done/total, e.g. "batches", "objects". */
  unit?: string;
  /** Set when the item finished: its outcome (Completed, Failed…). */
  final?: string;
}

interface Item {
  label: string;
  state: ProgressState;
  printed?: string;
  printedStep?: string;
  printedAt: number;
}

const BAR_WIDTH = 24;

export function bar(done: number, total: number, width = BAR_WIDTH): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.round(ratio * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`;
}

/**
 * Counts as shown: a bar only when there is more than one unit to go through, since a single batch
 * would sit at 0% until it is done; otherwise just what is being worked on.
 */
export function countsText(state: ProgressState): string {
  const { done = 0, total, unit } = state;
  if (total === undefined || total <= 0) return "";
  const units = unit ? ` ${unit}` : "";
  if (total === 1) return ` (1${units.replace(/(ch)?es$|s$/, "$1")}, in progress)`;
  return ` ${bar(done, total)} ${done}/${total}${units}`;
}

export class ProgressBoard {
  private readonly items = new Map<string, Item>();
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private readonly live: ReturnType<typeof createLogUpdate> | undefined;

  constructor(
    private readonly out: Output,
    options: { intervalMs?: number; tty?: boolean } = {},
  ) {
    this.tty = options.tty ?? out.stderrIsTTY;
    this.intervalMs = options.intervalMs ?? 5_000;
    // log-update writes through Output (redaction); the cursor is left alone (no process hooks).
    this.live = this.tty
      ? createLogUpdate(
          {
            write: (text: string) => out.errRaw(text),
            isTTY: true,
            get columns() {
              return out.columns;
            },
          } as unknown as NodeJS.WriteStream,
          { showCursor: true },
        )
      : undefined;
  }

  update(key: string, label: string, state: ProgressState): void {
    const item = this.items.get(key);
    if (item) {
      item.label = label;
      item.state = state;
    } else this.items.set(key, { label, state, printedAt: 0 });
  }

  private text(item: Item): string {
    const { state } = item;
    const labelWidth = Math.max(...[...this.items.values()].map((i) => i.label.length));
    return `${item.label.padEnd(labelWidth)}  ${state.final ?? state.step}${state.final ? "" : countsText(state)}`;
  }

  /** Draws the current state (call after updates; cheap when nothing changed). */
  render(): void {
    if (this.live) {
      const width = Math.max(20, this.out.columns - 1);
      this.live([...this.items.values()].map((i) => this.text(i).slice(0, width)).join("\n"));
      return;
    }
    const now = Date.now();
    for (const item of this.items.values()) {
      const text = this.text(item);
      if (text === item.printed) continue;
      const stepChanged = item.state.step !== item.printedStep || item.state.final !== undefined;
      if (!stepChanged && now - item.printedAt < this.intervalMs) continue;
      this.out.err(text);
      item.printed = text;
      item.printedStep = item.state.step;
      item.printedAt = now;
    }
  }

  /** Erases the board on a terminal (before a prompt or other output); the next render redraws it. */
  clear(): void {
    this.live?.clear();
  }

  /** The end: on a terminal the board is erased (the summary follows); in logs, the last lines. */
  finish(): void {
    if (this.live) this.live.clear();
    else this.render();
  }
}
