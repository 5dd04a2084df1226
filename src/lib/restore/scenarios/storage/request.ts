// The storage scenario's request extension (runbook 7.2, one account per run): which containers and
// prefixes, which time window, the point in time to restore to, and the failover / redeploy choices.
// Static checks answer 400 naming the field and the fix; the checks that need Azure's answer (a
// point in time on a hierarchical-namespace account) are made by the preflight with the same error.
import { z } from "zod";
import { RestoreRequestError } from "../../engine/request.js";

/** restoreBlobRanges takes at most 10 ranges; one range per container/prefix entry. */
export const MAX_RANGES = 10;

const scopeEntry = z
  .object({
    container: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/,
        "must be a container name (3-63 lowercase letters, digits, dashes)",
      ),
    prefix: z.string().min(1).optional().describe("Only blobs / paths whose name starts with this."),
  })
  .strict();

/** The storage scenario's own request fields (the catalog row extends restoreRequestBase with them). */
export const storageRequestFields = {
  containers: z
    .array(scopeEntry)
    .default([])
    .describe("Containers (and prefixes) to recover; empty = the whole account."),
  window: z
    .object({
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    })
    .strict()
    .default({})
    .describe("Only destructive events (deletes, overwrites) in this window count."),
  timeToRestore: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("Point-in-time restore target; default: just before the first destructive event found."),
  failover: z
    .enum(["auto", "planned", "unplanned", "none"])
    .default("auto")
    .describe(
      "auto: fail over only when the primary does not answer (planned if it does, unplanned otherwise); none: never.",
    ),
  redeploy: z
    .enum(["checkpoint", "create"])
    .default("checkpoint")
    .describe(
      "When nothing is left to recover from: checkpoint (the platform's IaC redeploys) or create (azdr creates it with the recorded settings).",
    ),
};

/** The ladder's options: the storage fields of a parsed request. */
export const storageOptionsSchema = z.object(storageRequestFields).strict();

export type StorageOptions = z.output<typeof storageOptionsSchema>;
export type StorageOptionsInput = z.input<typeof storageOptionsSchema>;

/**
 * The checks a schema cannot express (a time in the future, more than ten ranges, duplicates):
 * each a 400 naming the field, its message saying the fix. Used as the row's superRefine.
 */
export function checkStorageRequest(o: StorageOptions, ctx: z.RefinementCtx, now: Date = new Date()): void {
  const problem = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const future = (value: string | undefined) => value !== undefined && Date.parse(value) > now.getTime();
  if (future(o.timeToRestore))
    problem(
      ["timeToRestore"],
      `${o.timeToRestore} is in the future: give a past time (point-in-time restore goes back), or leave it out to restore to just before the first destructive event`,
    );
  if (future(o.window.from))
    problem(["window", "from"], `${o.window.from} is in the future: give a past time, or leave it out`);
  if (o.window.from && o.window.to && Date.parse(o.window.from) > Date.parse(o.window.to))
    problem(["window"], "from is after to: swap them");
  if (o.containers.length > MAX_RANGES)
    problem(
      ["containers"],
      `${o.containers.length} container/prefix entries, but Azure restores at most ${MAX_RANGES} ranges per point-in-time restore: narrow to ${MAX_RANGES} (a container without prefix covers all of it), or run one restore per group`,
    );
  const seen = new Set<string>();
  o.containers.forEach((c, i) => {
    const key = `${c.container}/${c.prefix ?? ""}`;
    if (seen.has(key)) problem(["containers", i], `${key} is listed twice: list it once`);
    seen.add(key);
  });
}

/** Parse just the storage options (tests, the CLI's preview): throws RestoreRequestError naming the field. */
export function parseStorageOptions(raw: unknown, now: Date = new Date()): StorageOptions {
  const parsed = storageOptionsSchema
    .superRefine((o, ctx) => checkStorageRequest(o, ctx, now))
    .safeParse(raw ?? {});
  if (!parsed.success)
    throw new RestoreRequestError(
      parsed.error.issues.map((issue) => ({
        field:
          issue.path
            .map((k, i) => (typeof k === "number" ? `[${k}]` : `${i ? "." : ""}${String(k)}`))
            .join("") || "(body)",
        message: issue.message,
        fix: "see the storage scenario's request fields in the README (runbook 7.2)",
      })),
    );
  return parsed.data;
}
