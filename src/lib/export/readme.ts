// The README.md at the top of every export: what the snapshot is, what each folder holds and how
// to bring it back with the Databricks CLI, the REST APIs or the Azure ML CLI, without azdr.
import { describeRef } from "../store/backup-store.js";
import type { SnapshotRef } from "../store/layout.js";
import type { Manifest } from "../store/manifest.js";
import type { ReadmeSection } from "./sink.js";

const LIST_LIMIT = 50;

export function exportReadme(
  ref: SnapshotRef,
  manifest: Manifest,
  section: ReadmeSection,
  notes: { path: string; reason: string }[],
): string {
  const lines = [
    `# azdr export: ${describeRef(ref)}`,
    "",
    `Snapshot of \`${ref.sourceId}\` (${ref.domain}, ${ref.component}) taken ${manifest.startedAt} → ${manifest.endedAt}, phase **${manifest.phase}**${manifest.reasons.length ? `: ${manifest.reasons.join("; ")}` : ""}.`,
    "These are plain files: nothing here needs azdr. Every body was checked against its sha256 while it was exported.",
    "No secret value is in a backup (Key Vault is an inventory; secret scopes and connections list names only).",
    "",
    `## ${section.title}`,
    "",
    ...section.body,
    "",
    "## Also here",
    "",
    "- `azdr-export.json`: the snapshot's phase, reasons, counts per kind, what the backup skipped or failed and why, and what this export could not write as a usable file.",
    "",
  ];
  const skipped = manifest.skipped.map((s) => `${s.path}: ${s.reason}`);
  const failed = manifest.failed.map((f) => `${f.path}: ${f.error}`);
  const notExported = notes.map((n) => `${n.path}: ${n.reason}`);
  for (const [title, items] of [
    ["Not in the backup (skipped when it was taken)", skipped],
    ["Failed when the backup was taken", failed],
    [
      "Needs a hand after import",
      notExported.filter((n) => !skipped.some((s) => n.startsWith(s.split(":")[0]!))),
    ],
  ] as const) {
    if (items.length === 0) continue;
    lines.push(`## ${title} (${items.length})`, "", ...items.slice(0, LIST_LIMIT).map((i) => `- ${i}`));
    if (items.length > LIST_LIMIT) lines.push(`- … ${items.length - LIST_LIMIT} more in azdr-export.json`);
    lines.push("");
  }
  return lines.join("\n");
}
