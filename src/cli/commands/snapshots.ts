// `azdr snapshots list|show|verify`: the snapshot index, one manifest, and verification of the
// bodies a manifest names (by size, and by re-hashing all or a sample).
import { DOMAINS, type Domain } from "../../lib/config/schema.js";
import { assertRef, type SnapshotRef } from "../../lib/store/layout.js";
import { verifySnapshot } from "../../lib/store/verify.js";
import { exportSnapshot } from "../../lib/export/index.js";
import { openRuntime, type CliContext } from "../context.js";
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
      ["snapshot", "phase", "ended", "objects", "skipped", "failed", "bytes"],
      rows.map((r) => [
        refText(r),
        r.phase,
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
  const manifest = await openRuntime(ctx).store.requireManifest(ref);
  const { entries: _entries, ...rest } = manifest;
  if (ctx.out.json) {
    ctx.out.result({ ref: refText(ref), ...rest, entryCount: manifest.entries.length });
    return manifest.phase === "Failed" ? EXIT.failed : EXIT.ok;
  }
  const lines = [
    `snapshot  ${refText(ref)}`,
    `phase     ${manifest.phase}${manifest.reasons.length ? "" : ""}`,
    ...manifest.reasons.map((r) => `  reason: ${r}`),
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
  refArg: string,
  options: { deep?: boolean; sample?: string },
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
  const ref = await resolveRef(ctx, refArg);
  const report = await verifySnapshot(openRuntime(ctx).store, ref, { deep });
  if (ctx.out.json) {
    ctx.out.result({ ...report, ref: refText(ref) });
    return report.ok ? EXIT.ok : EXIT.failed;
  }
  const mode =
    deep === "all"
      ? "every body re-hashed"
      : deep
        ? `${report.checkedContent} bodies re-hashed (sample)`
        : "sizes only (use --deep or --sample N to re-hash)";
  ctx.out.out(
    `${report.ok ? "OK" : "PROBLEMS"}  ${refText(ref)}: ${report.entries} entries, ${report.checkedStructure} bodies checked, ${mode}`,
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
