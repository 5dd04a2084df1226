// mapLimit / collect: order, the in-flight cap, what happens after a rejection.
import { describe, expect, it } from "vitest";
import { collect, mapLimit } from "../../src/lib/concurrency.js";

/** A promise resolved from outside, so tests decide when each item finishes (no timers). */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("mapLimit", () => {
  it("keeps input order and never has more than `limit` in flight", async () => {
    const gates = Array.from({ length: 6 }, () => deferred<void>());
    let inFlight = 0;
    let peak = 0;
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (item, index) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await gates[item]!.promise;
      inFlight--;
      return `${item}:${index}`;
    });
    // Finish out of order: 1 first, then 0, then the rest backwards.
    for (const i of [1, 0, 5, 4, 3, 2]) {
      gates[i]!.resolve();
      await new Promise((r) => setImmediate(r));
    }
    expect(await run).toEqual(["0:0", "1:1", "2:2", "3:3", "4:4", "5:5"]);
    expect(peak).toBe(2);
  });

  it("starts no new item after a rejection and rejects with it", async () => {
    const slow = deferred<void>();
    const started: number[] = [];
    const run = mapLimit([0, 1, 2, 3], 2, async (item) => {
      started.push(item);
      if (item === 0) await slow.promise;
      if (item === 1) throw new Error("item 1 failed");
      return item;
    });
    await expect(run).rejects.toThrow("item 1 failed");
    slow.resolve(); // the running item finishes; nothing after it starts
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
  });

  it("treats a limit below 1 as 1 and an empty list as nothing to do", async () => {
    expect(await mapLimit([1, 2], 0, async (n) => n * 2)).toEqual([2, 4]);
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});

describe("collect", () => {
  it("drains an async iterable in order", async () => {
    async function* numbers() {
      yield 1;
      yield 2;
      yield 3;
    }
    expect(await collect(numbers())).toEqual([1, 2, 3]);
  });
});
