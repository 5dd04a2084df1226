// `azdr snapshots list|show|verify|accept|export`: the snapshot index, one manifest, verification of the
// manifest against its commit and of the bodies it names (by size, and by re-hashing all or a
// sample), for one snapshot or the whole store, and accepting a snapshot the shrink guard held back.
import { DOMAINS, type Domain } from "../../lib/config/schema.js";
import { isAzdrError } from "../../lib/errors.js";
import { assertRef, type SnapshotRef } from "../../lib/store/layout.js";
import { exportSnapshot } from "../../lib/export/index.js";
import { describeRef } from "../../lib/store/backup-store.js";
import { describePhase, isGood, type SnapshotRow } from "../../lib/store/snapshot-index.js";
import { verifySnapshot, verifyStore, type VerifyOptions } from "../../lib/store/verify.js";
import { openRuntime, type CliContext } from "../context.js";
import { actorName } from "./restore.js";
import { CliUsageError, EXIT, formatBytes, table, type ExitCode } from "../io.js";

const REF_EXAMPLE = "databricks/primary/workspace-objects/20261126t010000z";

function isDomain(value: string): value is Domain {
  return (DOMAINS as readonly string[]).includes(value);
}

function checkDomain(domain: string | undefined, field: string): Domain | undefined {
  if (domain === undefined) return undefined;
  if (!isDomain(domain)) {
    throw new CliUsageError(`unknown domain "${domain}"`, [
      { field, message: `"${domain}" is not a backup domain`, fix: `use one of: ${DOMAINS.join(", ")}` },
    ]);
  }
  return domain;
}

/** `<domain>/<source>/<component>/<snapshotId>`; snapshotId may be "latest" (newest good one). */
export async function resolveRef(ctx: CliContext, text: string): Promise<SnapshotRef> {
  const parts = text.split("/");
  const bad = (message: string) =>
    new CliUsageError(`bad snapshot reference "${text}"`, [
      {
        field: "ref",
        message,
        fix: `use <domain>/<source>/<component>/<snapshotId|latest> as \`azdr snapshots list\` prints it, e.g. ${REF_EXAMPLE}`,
      },
    ]);
  if (parts.length !== 4 || parts.some((p) => p === "")) throw bad("needs four parts separated by /");
  const [domain, sourceId, component, snapshotId] = parts as [string, string, string, string];
  if (!isDomain(domain)) throw bad(`"${domain}" is not a backup domain (${DOMAINS.join(", ")})`);
  let ref: SnapshotRef = { domain, sourceId, component, snapshotId };
  if (snapshotId === "latest") {
    const row = await openRuntime(ctx).store.latestGood(domain, sourceId, component);
    if (!row) {
      throw new CliUsageError(`no good snapshot of ${domain}/${sourceId}/${component}`, [
        {
          field: "ref",
          message: "no snapshot yet",
          fix: "run a backup first, or check `azdr snapshots list`",
        },
      ]);
    }
    ref = { ...ref, snapshotId: row.snapshotId };
  }
  try {
    assertRef(ref);
  } catch (error) {
    throw bad((error as Error).message);
  }
  return ref;
}

const refText = (r: SnapshotRef) => `${r.domain}/${r.sourceId}/${r.component}/${r.snapshotId}`;

export async function snapshotsList(
  ctx: CliContext,
  options: { domain?: string; source?: string; component?: string },
): Promise<ExitCode> {
  const domain = checkDomain(options.domain, "--domain");
  const rows = await openRuntime(ctx).store.index.list({
    ...(domain ? { domain } : {}),
    ...(options.source ? { sourceId: options.source } : {}),
    ...(options.component ? { component: options.component } : {}),
  });
  rows.sort((a, b) =>
    a.domain !== b.domain
      ? a.domain.localeCompare(b.domain)
      : a.sourceId !== b.sourceId
        ? a.sourceId.localeCompare(b.sourceId)
        : a.component !== b.component
          ? a.component.localeCompare(b.component)
          : b.endedAt.localeCompare(a.endedAt),
  );
  if (ctx.out.json) {
    ctx.out.result(rows.map((r) => ({ ref: refText(r), ...r })));
    return EXIT.ok;
  }
  if (rows.length === 0) {
    ctx.out.out("no snapshots (run `azdr backup all`, or check --domain/--source/--component)");
    return EXIT.ok;
  }
  ctx.out.out(
    table(
      ["snapshot", "phase", "good", "ended", "objects", "skipped", "failed", "bytes"],
      rows.map((r) => [
        refText(r),
        describePhase(r),
        isGood(r) ? "yes" : "no",
        r.endedAt.replace(/\.\d{3}Z$/, "Z"),
        r.objectCount,
        r.skippedCount,
        r.failedCount,
        formatBytes(r.totalBytes),
      ]),
    ),
  );
  return EXIT.ok;
}

const LIST_LIMIT = 20;

function listSome(label: string, items: string[], all: boolean): string[] {
  if (items.length === 0) return [];
  const shown = all ? items : items.slice(0, LIST_LIMIT);
  return [
    `${label} (${items.length}):`,
    ...shown.map((i) => `  ${i}`),
    ...(shown.length < items.length
      ? [`  … ${items.length - shown.length} more (--all shows every one)`]
      : []),
  ];
}

export async function snapshotsShow(
  ctx: CliContext,
  refArg: string,
  options: { all?: boolean },
): Promise<ExitCode> {
  const ref = await resolveRef(ctx, refArg);
  const store = openRuntime(ctx).store;
  const manifest = await store.requireManifest(ref);
  const row = await store.index.find(ref.domain, ref.sourceId, ref.component, ref.snapshotId);
  const { entries: _entries, ...rest } = manifest;
  const good = row ? isGood(row) : false;
  if (ctx.out.json) {
    ctx.out.result({
      ref: refText(ref),
      ...rest,
      entryCount: manifest.entries.length,
      good,
      ...(row?.acceptedBy ? { accepted: { by: row.acceptedBy, at: row.acceptedAt } } : {}),
      ...(row?.damaged ? { damaged: row.damaged } : {}),
    });
    return manifest.phase === "Failed" ? EXIT.failed : EXIT.ok;
  }
  const lines = [
    `snapshot  ${refText(ref)}`,
    `phase     ${row ? describePhase(row) : manifest.phase} (${good ? "good: restorable as latest, counts for RPO" : "not good: never picked as latest"})`,
    ...manifest.reasons.map((r) => `  reason: ${r}`),
    ...(row?.acceptedBy ? [`  accepted by ${row.acceptedBy} at ${row.acceptedAt ?? "?"}`] : []),
    ...(row?.damaged
      ? [`  damaged: ${row.damaged} (check with \`azdr snapshots verify ${refText(ref)}\`)`]
      : []),
    ...(row ? [] : ["  (no index row: run a backup, or rebuild the index)"]),
    `time      ${manifest.startedAt} → ${manifest.endedAt}`,
    `previous  ${manifest.previousSnapshotId ?? "—"}`,
    `objects   ${manifest.entries.length} (${formatBytes(manifest.totalBytes)})`,
    `skipped   ${manifest.skipped.length}`,
    `failed    ${manifest.failed.length}`,
    ...(manifest.vanished?.length
      ? [`vanished  ${manifest.vanished.length} (deleted during the run, their folder still there)`]
      : []),
    `changes   +${manifest.changes.added.length} ~${manifest.changes.modified.length} -${manifest.changes.removed.length} (added, modified, removed)`,
    "",
    table(
      ["kind", "count"],
      Object.entries(manifest.counts)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, count]) => [kind, count]),
    ),
    "",
    ...listSome(
      "skipped",
      manifest.skipped.map((s) => `${s.path} (${s.kind}): ${s.reason}`),
      options.all ?? false,
    ),
    ...listSome(
      "failed",
      manifest.failed.map((f) => `${f.path} (${f.kind}): ${f.error}`),
      options.all ?? false,
    ),
    ...listSome(
      "vanished",
      (manifest.vanished ?? []).map((v) => `${v.path} (${v.kind})`),
      options.all ?? false,
    ),
    ...listSome("added", manifest.changes.added, options.all ?? false),
    ...listSome("modified", manifest.changes.modified, options.all ?? false),
    ...listSome("removed", manifest.changes.removed, options.all ?? false),
  ];
  ctx.out.out(lines.join("\n").trimEnd());
  return manifest.phase === "Failed" ? EXIT.failed : EXIT.ok;
}

export async function snapshotsVerify(
  ctx: CliContext,
  refArg: string | undefined,
  options: { deep?: boolean; sample?: string; all?: boolean; domain?: string },
): Promise<ExitCode> {
  let deep: "all" | number | false = false;
  if (options.deep && options.sample !== undefined) {
    throw new CliUsageError("--deep and --sample exclude each other", [
      {
        field: "--sample",
        message: "given with --deep",
        fix: "use --deep to re-hash every body, or --sample N for N of them",
      },
    ]);
  }
  if (options.deep) deep = "all";
  if (options.sample !== undefined) {
    const n = Number(options.sample);
    if (!Number.isInteger(n) || n < 1) {
      throw new CliUsageError(`bad --sample "${options.sample}"`, [
        {
          field: "--sample",
          message: `"${options.sample}" is not a positive whole number`,
          fix: "e.g. --sample 50",
        },
      ]);
    }
    deep = n;
  }
  if (options.all) {
    if (refArg !== undefined) {
      throw new CliUsageError("--all checks every snapshot: give no <ref> with it", [
        { field: "ref", message: `"${refArg}" given with --all`, fix: "drop the <ref>, or drop --all" },
      ]);
    }
    return verifyAll(ctx, { deep }, checkDomain(options.domain, "--domain"));
  }
  if (refArg === undefined) {
    throw new CliUsageError("which snapshot?", [
      {
        field: "ref",
        message: "missing",
        fix: `give <domain>/<source>/<component>/<snapshotId|latest> (e.g. ${REF_EXAMPLE}), or --all for every snapshot`,
      },
    ]);
  }
  const ref = await resolveRef(ctx, refArg);
  const report = await verifySnapshot(openRuntime(ctx).store, ref, { deep });
  if (ctx.out.json) {
    ctx.out.result({ ...report, ref: refText(ref) });
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  ctx.out.out(
    `${report.ok ? "OK" : "PROBLEMS"}  ${refText(ref)}: ${report.entries} entries, manifest ${report.indexed ? "checked against its commit" : "not in the index (nothing to compare)"}, ${report.checkedStructure} bodies checked, ${modeText(deep, report.checkedContent)}`,
  );
  if (!report.ok) {
    ctx.out.out("");
    ctx.out.out(
      table(
        ["path", "problem", "detail"],
        report.problems.map((p) => [p.path, p.problem, p.detail]),
      ),
    );
  }
  return report.ok ? EXIT.ok : EXIT.failed;
}

/** `azdr snapshots export <ref> --to DIR`: plain files usable without azdr (see lib/export). */
export async function snapshotsExport(
  ctx: CliContext,
  refArg: string,
  options: { to?: string },
): Promise<ExitCode> {
  if (!options.to) {
    throw new CliUsageError("--to is required", [
      { field: "--to", message: "no folder given", fix: "add --to ./export-dir (a new or empty folder)" },
    ]);
  }
  const ref = await resolveRef(ctx, refArg);
  const result = await exportSnapshot(openRuntime(ctx).store, ref, options.to);
  if (ctx.out.json) {
    ctx.out.result({ ...result, ref: refText(ref) });
    return EXIT.ok;
  }
  ctx.out.out(
    `exported ${refText(ref)} (${result.phase}): ${result.files} files, ${formatBytes(result.bytes)} in ${result.directory}`,
  );
  if (result.notes.length) {
    ctx.out.out(`${result.notes.length} item(s) need a hand after import (listed in its README.md):`);
    for (const note of result.notes.slice(0, LIST_LIMIT)) ctx.out.out(`  ${note.path}: ${note.reason}`);
    if (result.notes.length > LIST_LIMIT) ctx.out.out(`  … ${result.notes.length - LIST_LIMIT} more`);
  }
  ctx.out.out(`start with ${result.directory}/README.md`);
  return EXIT.ok;
}
function modeText(deep: VerifyOptions["deep"], checkedContent: number): string {
  return deep === "all"
    ? "every body re-hashed"
    : deep
      ? `${checkedContent} bodies re-hashed (sample)`
      : "sizes only (use --deep or --sample N to re-hash)";
}

/** `azdr snapshots verify --all`: every snapshot in the index, one line per damaged one, a summary. */
async function verifyAll(
  ctx: CliContext,
  options: { deep: VerifyOptions["deep"] },
  domain: Domain | undefined,
): Promise<ExitCode> {
  const report = await verifyStore(openRuntime(ctx).store, {
    deep: options.deep,
    ...(domain ? { domain } : {}),
  });
  const summary = `${report.ok ? "OK" : "PROBLEMS"}  ${report.snapshots} snapshot(s): ${report.snapshots - report.damaged.length - report.errors.length} intact, ${report.damaged.length} damaged, ${report.errors.length} unreadable; ${report.entries} entries, ${report.checkedStructure} bodies checked, ${modeText(options.deep, report.checkedContent)}`;
  if (ctx.out.json) {
    ctx.out.result({ ...report, summary });
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  for (const damaged of report.damaged) {
    ctx.out.out(`DAMAGED   ${describeRef(damaged.ref)}: ${damaged.problems.length} problem(s)`);
    for (const p of damaged.problems.slice(0, LIST_LIMIT))
      ctx.out.out(`  ${p.path}: ${p.problem}: ${p.detail}`);
  }
  for (const error of report.errors) ctx.out.out(`ERROR     ${error.snapshot}: ${error.error}`);
  ctx.out.out(summary);
  return report.ok ? EXIT.ok : EXIT.failed;
}

/**
 * `azdr snapshots accept <ref>`: the shrink was intended (a folder deleted on purpose), so the
 * Suspect snapshot becomes good. Records who (the OS user) and when, in the store.
 */
export async function snapshotsAccept(ctx: CliContext, refArg: string): Promise<ExitCode> {
  const ref = await resolveSuspectRef(ctx, refArg);
  const by = await actorName(ctx);
  let row: SnapshotRow;
  try {
    row = await openRuntime(ctx).store.accept(ref, by, ctx.now());
  } catch (error) {
    if (isAzdrError(error) && error.code === "INVALID_INPUT") {
      throw new CliUsageError(error.message, [
        { field: "ref", message: error.message, fix: "pick a Suspect snapshot from `azdr snapshots list`" },
      ]);
    }
    throw error;
  }
  if (ctx.out.json) {
    ctx.out.result({ ref: refText(ref), ...row, good: isGood(row) });
    return EXIT.ok;
  }
  ctx.out.out(
    `accepted ${refText(ref)} (${row.objectCount} objects) as good: by ${row.acceptedBy ?? by} at ${row.acceptedAt ?? ""}`,
  );
  return EXIT.ok;
}

/** "latest" in an accept means the newest snapshot of any phase (the Suspect one is never latest good). */
async function resolveSuspectRef(ctx: CliContext, text: string): Promise<SnapshotRef> {
  const parts = text.split("/");
  if (parts.length === 4 && parts[3] === "latest" && isDomain(parts[0]!)) {
    const row = await openRuntime(ctx).store.index.newest(parts[0], parts[1]!, parts[2]!);
    if (row) return resolveRef(ctx, `${parts.slice(0, 3).join("/")}/${row.snapshotId}`);
  }
  return resolveRef(ctx, text);
}
