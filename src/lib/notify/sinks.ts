// Sink formats: what each receiver expects on the wire. Generic webhook: the notification as JSON.
// Teams: a Workflows "when a Teams webhook request is received" payload carrying an Adaptive Card.
// Slack: an incoming-webhook message with Block Kit blocks and a plain-text fallback. Email: the
// Azure Communication Services Email "Send" REST call (POST {endpoint}/emails:send), signed with
// the resource's access key (HMAC-SHA256, as the ACS REST authentication docs describe).
import { createHash, createHmac } from "node:crypto";
import type { NotificationSinkConfig } from "../config/schema.js";
import { AzdrError } from "../errors.js";
import type { Notification } from "./events.js";

export const ACS_EMAIL_API_VERSION = "2023-03-31";

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const SEVERITY_COLOR = { info: "Good", warning: "Warning", critical: "Attention" } as const;
const SEVERITY_EMOJI = {
  info: ":large_green_circle:",
  warning: ":large_yellow_circle:",
  critical: ":red_circle:",
} as const;

function suppressedLine(n: Notification): string | undefined {
  if (!n.suppressed || n.suppressed.count === 0) return undefined;
  return `${n.suppressed.count} more ${n.event} event(s) for ${n.component} since ${n.suppressed.since} were held back (flood control): ${n.suppressed.titles.join("; ")}`;
}

export function genericPayload(n: Notification): unknown {
  return { type: "azdr.notification", version: 1, ...n };
}

export function teamsPayload(n: Notification): unknown {
  const extra = suppressedLine(n);
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    body: [
      {
        type: "TextBlock",
        text: n.title,
        weight: "Bolder",
        size: "Medium",
        wrap: true,
        color: SEVERITY_COLOR[n.severity],
        style: "heading",
      },
      { type: "TextBlock", text: n.summary, wrap: true },
      { type: "FactSet", facts: n.facts.map((f) => ({ title: f.name, value: f.value })) },
      ...(extra ? [{ type: "TextBlock", text: extra, wrap: true, isSubtle: true }] : []),
      { type: "TextBlock", text: `azdr · ${n.event} · ${n.at}`, isSubtle: true, size: "Small", wrap: true },
    ],
    actions: n.links.map((l) => ({ type: "Action.OpenUrl", title: l.title, url: l.url })),
  };
  return {
    type: "message",
    attachments: [
      { contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card },
    ],
  };
}

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackPayload(n: Notification): unknown {
  const extra = suppressedLine(n);
  const fields = n.facts.slice(0, 10).map((f) => ({
    type: "mrkdwn",
    text: `*${slackEscape(f.name)}*\n${slackEscape(f.value)}`.slice(0, 2000),
  }));
  return {
    text: `${n.title}: ${n.summary}`,
    blocks: [
      { type: "header", text: { type: "plain_text", text: n.title.slice(0, 150), emoji: true } },
      {
        type: "section",
        text: { type: "mrkdwn", text: `${SEVERITY_EMOJI[n.severity]} ${slackEscape(n.summary)}` },
      },
      ...(fields.length ? [{ type: "section", fields }] : []),
      ...(extra ? [{ type: "context", elements: [{ type: "mrkdwn", text: slackEscape(extra) }] }] : []),
      ...(n.links.length
        ? [
            {
              type: "actions",
              elements: n.links.map((l) => ({
                type: "button",
                text: { type: "plain_text", text: l.title },
                url: l.url,
              })),
            },
          ]
        : []),
    ],
  };
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function emailContent(n: Notification): { subject: string; plainText: string; html: string } {
  const extra = suppressedLine(n);
  const plainText = [
    n.summary,
    "",
    ...n.facts.map((f) => `${f.name}: ${f.value}`),
    ...(extra ? ["", extra] : []),
    ...n.links.map((l) => `${l.title}: ${l.url}`),
    "",
    `azdr · ${n.event} · ${n.at}`,
  ].join("\n");
  const html = [
    `<html><body><h2>${htmlEscape(n.title)}</h2><p>${htmlEscape(n.summary)}</p><table>`,
    ...n.facts.map(
      (f) =>
        `<tr><th align="left">${htmlEscape(f.name)}</th><td>${htmlEscape(f.value).replace(/\n/g, "<br>")}</td></tr>`,
    ),
    "</table>",
    ...(extra ? [`<p><small>${htmlEscape(extra)}</small></p>`] : []),
    ...n.links.map((l) => `<p><a href="${htmlEscape(l.url)}">${htmlEscape(l.title)}</a></p>`),
    `<p><small>azdr · ${htmlEscape(n.event)} · ${htmlEscape(n.at)}</small></p></body></html>`,
  ].join("");
  return { subject: `[azdr] ${n.title}`.slice(0, 250), plainText, html };
}

/** endpoint=https://….communication.azure.com/;accesskey=… */
export function parseAcsConnectionString(value: string): { endpoint: string; accessKey: string } {
  const parts = new Map(
    value
      .split(";")
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const i = p.indexOf("=");
        return [p.slice(0, i).toLowerCase(), p.slice(i + 1)] as const;
      }),
  );
  const endpoint = parts.get("endpoint");
  const accessKey = parts.get("accesskey");
  if (!endpoint || !accessKey)
    throw new AzdrError(
      "INVALID_CONFIG",
      "the ACS connection string must look like endpoint=https://<resource>.communication.azure.com/;accesskey=<key>",
    );
  return { endpoint: endpoint.replace(/\/+$/, ""), accessKey };
}

/** ACS HMAC authentication: sign "VERB\npath?query\ndate;host;content-hash" with the access key. */
export function signAcsRequest(
  method: string,
  url: string,
  body: string,
  accessKey: string,
  now: Date,
): Record<string, string> {
  const parsed = new URL(url);
  const date = now.toUTCString();
  const contentHash = createHash("sha256").update(body, "utf8").digest("base64");
  const stringToSign = `${method.toUpperCase()}\n${parsed.pathname}${parsed.search}\n${date};${parsed.host};${contentHash}`;
  const signature = createHmac("sha256", Buffer.from(accessKey, "base64"))
    .update(stringToSign, "utf8")
    .digest("base64");
  return {
    "x-ms-date": date,
    "x-ms-content-sha256": contentHash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}

/** A UUID derived from the notification and sink: ACS de-duplicates retried sends on Operation-Id. */
function operationId(n: Notification, sinkId: string): string {
  const hex = createHash("sha256").update(`${sinkId}\n${n.id}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The HTTP request a sink sends for a notification. `secret` is the value of the sink's setting
 * (webhook URL or ACS connection string), read from the environment at send time, never stored.
 */
export function buildRequest(
  sink: NotificationSinkConfig,
  n: Notification,
  secret: string,
  now: Date,
): OutgoingRequest {
  const json = { "content-type": "application/json" };
  switch (sink.type) {
    case "webhook":
      return {
        url: secret,
        headers: { ...json, "x-azdr-event": n.event, "x-azdr-notification-id": n.id },
        body: JSON.stringify(genericPayload(n)),
      };
    case "teams":
      return { url: secret, headers: json, body: JSON.stringify(teamsPayload(n)) };
    case "slack":
      return { url: secret, headers: json, body: JSON.stringify(slackPayload(n)) };
    case "email": {
      const { endpoint, accessKey } = parseAcsConnectionString(secret);
      const url = `${endpoint}/emails:send?api-version=${ACS_EMAIL_API_VERSION}`;
      const body = JSON.stringify({
        senderAddress: sink.from,
        recipients: { to: sink.to.map((address) => ({ address })) },
        content: emailContent(n),
      });
      return {
        url,
        headers: {
          ...json,
          "operation-id": operationId(n, sink.id),
          ...signAcsRequest("POST", url, body, accessKey, now),
        },
        body,
      };
    }
  }
}
