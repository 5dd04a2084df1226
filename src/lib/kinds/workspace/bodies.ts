// Remap rules inside notebook and workspace file bodies: a restored job that reads DR storage must
// not run a notebook still pointing at the primary account. The same rules as job settings
// (abfss roots, storage account names, workspace URLs), applied to every occurrence in the text,
// when the request opts in (rewriteBodies, `--rewrite-bodies`): rewriting code is the operator's
// decision. Without it the plan counts, per body, the references the rules would change.
import { NO_REMAP } from "../../restore/engine/request-schema.js";

type Remap = typeof NO_REMAP;

/** The rules bodies are restored with: the request's when it opts in, else none. */
export function bodyRules(request: { remap: Remap; rewriteBodies: boolean }): Remap {
  return request.rewriteBodies ? request.remap : NO_REMAP;
}

/** Whether any rule rewrites bodies (workspace URLs or storage). */
export function rewritesBodies(remap: Remap): boolean {
  return remap.workspaceUrls.length + remap.storageAccounts.length + remap.abfssRoots.length > 0;
}

/** Text we may rewrite: valid UTF-8 without NUL bytes. Anything else is restored byte for byte. */
export function isText(body: Buffer): boolean {
  if (body.includes(0)) return false;
  return Buffer.from(body.toString("utf8"), "utf8").equals(body);
}

function replaceCounting(text: string, from: string, to: string): { text: string; count: number } {
  if (!from || from === to) return { text, count: 0 };
  const parts = text.split(from);
  return { text: parts.join(to), count: parts.length - 1 };
}

/**
 * The body as it is restored: rewritten when it is text and a rule matches. `replacements` counts
 * the occurrences rewritten; `binary` says a non-text file was left as it is.
 */
export function remapBody(
  body: Buffer,
  remap: Remap,
): { body: Buffer; replacements: number; binary: boolean } {
  if (!rewritesBodies(remap)) return { body, replacements: 0, binary: false };
  if (!isText(body)) return { body, replacements: 0, binary: true };
  let text = body.toString("utf8");
  let replacements = 0;
  const apply = (from: string, to: string) => {
    const out = replaceCounting(text, from, to);
    text = out.text;
    replacements += out.count;
  };
  // Same order as remapStorage for settings: abfss roots, then account names, then workspace URLs.
  for (const rule of remap.abfssRoots) apply(rule.from, rule.to);
  for (const rule of remap.storageAccounts) {
    apply(`@${rule.from}.dfs.core.windows.net`, `@${rule.to}.dfs.core.windows.net`);
    apply(`//${rule.from}.blob.core.windows.net`, `//${rule.to}.blob.core.windows.net`);
  }
  for (const rule of remap.workspaceUrls) apply(rule.from, rule.to);
  return replacements > 0
    ? { body: Buffer.from(text, "utf8"), replacements, binary: false }
    : { body, replacements: 0, binary: false };
}
