// Set and field comparisons kind handlers validate with: every problem names the object and what
// differs, and only what the plan set out to create or update is counted.
import { errorMessage } from "../errors.js";
import { mapLimit } from "../concurrency.js";
import type { PlanItem } from "../restore/engine/plan.js";
import type { ValidationCheck } from "../restore/engine/steps.js";

type Json = Record<string, unknown>;

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Json)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** Fields of `expected` that differ in `actual` (deep, key order ignored). */
export function differingFields(expected: Json, actual: Json, ignore: string[] = []): string[] {
  return Object.keys(expected).filter((k) => !ignore.includes(k) && !sameJson(expected[k], actual[k]));
}

/** The first few names of a list, for details that name objects without flooding the report. */
export function some(names: string[], max = 10, separator = ", "): string {
  return names.length > max
    ? `${names.slice(0, max).join(separator)} … and ${names.length - max} more`
    : names.join(separator);
}

/** A value as text for reasons and names (strings as they are, anything else as JSON). */
export function text(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "");
}

/**
 * One check over a set of objects: every planned object is looked at, and a mismatch names it and
 * what differs. Only what the plan set out to create or update counts: skips and unsupported
 * objects are the plan's own decisions, not misses.
 */
export async function checkSet(
  name: string,
  planned: PlanItem[],
  inspect: (item: PlanItem) => Promise<string | undefined>,
): Promise<ValidationCheck> {
  const problems = (
    await mapLimit(planned, 8, async (item) => {
      try {
        const problem = await inspect(item);
        return problem ? `${item.target ?? item.key}: ${problem}` : undefined;
      } catch (error) {
        return `${item.target ?? item.key}: could not be checked (${errorMessage(error)})`;
      }
    })
  ).filter((p): p is string => p !== undefined);
  return {
    name,
    ok: problems.length === 0,
    expected: planned.length,
    actual: planned.length - problems.length,
    // One object per " | ": descriptions themselves use commas and semicolons.
    ...(problems.length ? { detail: some(problems, 10, " | ") } : {}),
  };
}
