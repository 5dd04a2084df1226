// Small async helpers shared by sources, restores and the store, kept as names so callers read the
// same; the work is done by p-map and Array.fromAsync.
import pMap from "p-map";

/**
 * Run fn over items with at most `limit` in flight; results in input order. After the first
 * rejection no new item starts (items already running finish) and that rejection is thrown.
 */
export function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  return pMap(items, fn, { concurrency: Math.max(1, Math.floor(limit)) });
}

/** Drain an async iterable into an array. */
export function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  return Array.fromAsync(iterable);
}
