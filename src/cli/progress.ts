// Progress on stderr, one line per item (a backup source, a restore): on a terminal the lines are
// redrawn in place; otherwise (CI logs, pipes) a line is printed when an item changes step and at
// most every few seconds while its counts move, so logs stay short.
import type { Output } from "./io.js";

export interface ProgressState {
  /** e.g. "plan", "export 12/40", "executing". */
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

export class ProgressBoard {
  private readonly items = new Map<string, Item>();
  private drawnLines = 0;
  private drawn = "";
  private readonly tty: boolean;
  private readonly intervalMs: number;

  constructor(
    private readonly out: Output,
    options: { intervalMs?: number; tty?: boolean } = {},
  ) {
    this.tty = options.tty ?? out.stderrIsTTY;
    this.intervalMs = options.intervalMs ?? 5_000;
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
    const counts =
      state.total !== undefined && state.total > 0
        ? ` ${bar(state.done ?? 0, state.total)} ${state.done ?? 0}/${state.total}${state.unit ? ` ${state.unit}` : ""}`
        : "";
    const labelWidth = Math.max(...[...this.items.values()].map((i) => i.label.length));
    return `${item.label.padEnd(labelWidth)}  ${state.final ?? state.step}${state.final ? "" : counts}`;
  }

  /** Draws the current state (call after updates; cheap when nothing changed). */
  render(): void {
    if (this.tty) {
      const width = Math.max(20, this.out.columns - 1);
      const lines = [...this.items.values()].map((i) => this.text(i).slice(0, width));
      if (this.drawnLines === lines.length && this.drawn === lines.join("\n")) return;
      this.drawn = lines.join("\n");
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : "";
      this.out.errRaw(`${up}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`);
      this.drawnLines = lines.length;
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

  /** Final draw; later output starts below the board. */
  finish(): void {
    this.render();
    this.drawnLines = 0;
    this.drawn = "";
  }
}
