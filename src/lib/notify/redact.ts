// A notification leaves the platform: it must never carry a secret value, a function key or a
// signed URL. Links lose their credential query parameters, and every string is scrubbed of the
// secret values the process knows (the settings the config names, and anything named like a secret).
import type { PlatformConfig } from "../config/schema.js";
import type { Notification } from "./events.js";

const CREDENTIAL_PARAMS =
  /^(code|sig|signature|token|access_token|key|apikey|api-key|x-functions-key|se|sv|sp|skoid|sktid)$/i;
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CONNECTION|CONNSTR|WEBHOOK|SAS|CREDENTIAL)/i;
/** Short values (ports, "true") would redact ordinary words; real secrets are longer. */
const MIN_SECRET_LENGTH = 8;
export const REDACTED = "[redacted]";

/** The secret values this process holds: named by the config, or set under a secret-looking name. */
export function knownSecrets(config: PlatformConfig, env: Record<string, string | undefined>): string[] {
  const named = new Set<string>();
  for (const ws of config.databricks.workspaces) if (ws.auth.type === "pat") named.add(ws.auth.tokenSetting);
  if (config.backupStore.connectionStringSetting) named.add(config.backupStore.connectionStringSetting);
  for (const sink of config.notifications.sinks)
    named.add(sink.type === "email" ? sink.connectionStringSetting : sink.urlSetting);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    if (named.has(name) || SECRET_NAME.test(name)) values.add(value);
  }
  // Parts of connection strings (AccountKey=…, accesskey=…) are secrets on their own too.
  for (const value of [...values]) {
    for (const part of value.split(";")) {
      const [, v] = /^[^=]+=(.+)$/.exec(part) ?? [];
      if (v && v.length >= MIN_SECRET_LENGTH && /key|sig/i.test(part.split("=")[0] ?? "")) values.add(v);
    }
  }
  // Longest first, so a value containing another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

/** A link without credentials in its query (function keys, SAS signatures, tokens). */
export function scrubUrl(url: string): string {
  try {
    const parsed = new URL(url);
    for (const name of [...parsed.searchParams.keys()])
      if (CREDENTIAL_PARAMS.test(name)) parsed.searchParams.delete(name);
    parsed.username = "";
    parsed.password = "";
    return parsed.href;
  } catch {
    return REDACTED;
  }
}

function scrubText(text: string, secrets: string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // Credentials that travel inside text (a URL in an error message, a header echoed back).
  return out
    .replace(/([?&](?:code|sig|token|access_token|x-functions-key)=)[^&\s"']+/gi, `$1${REDACTED}`)
    .replace(/\b(Bearer|HMAC-SHA256)\s+[A-Za-z0-9._~+/=&;:-]{8,}/g, `$1 ${REDACTED}`)
    .replace(/(AccountKey|accesskey|SharedAccessSignature|SharedAccessKey)=[^;\s"']+/gi, `$1=${REDACTED}`);
}

export function redactNotification(notification: Notification, secrets: string[]): Notification {
  const text = (value: string) => scrubText(value, secrets);
  return {
    ...notification,
    id: text(notification.id),
    component: text(notification.component),
    title: text(notification.title),
    summary: text(notification.summary),
    facts: notification.facts.map((f) => ({ name: text(f.name), value: text(f.value) })),
    links: notification.links.map((l) => ({ title: text(l.title), url: text(scrubUrl(l.url)) })),
    ...(notification.suppressed
      ? { suppressed: { ...notification.suppressed, titles: notification.suppressed.titles.map(text) } }
      : {}),
  };
}
