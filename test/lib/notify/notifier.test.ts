// Notifications reach real HTTP receivers on loopback in each sink's format, retry on 5xx with
// backoff, dead-letter into the store after the budget, summarise floods, and never carry a secret.
import { createHash, createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig, type PlatformConfigInput } from "../../../src/lib/config/index.js";
import {
  Notifier,
  backupFailed,
  deletionDetected,
  drillFinished,
  restoreAwaitingApproval,
  restoreFinished,
  rpoStale,
  type Notification,
} from "../../../src/lib/notify/index.js";
import type { RestoreReport } from "../../../src/lib/restore/engine/engine.js";
import { captureLog } from "../../support/platform.js";
import { isolatedStore } from "../../support/store.js";
import {
  startWebhookReceiver,
  type ReceivedRequest,
  type WebhookReceiver,
} from "../../support/webhook-receiver.js";

const ACS_KEY = Buffer.from("canary-acs-access-key-0123456789").toString("base64");
const SECRET_TOKEN = "dapiCANARY0123456789abcdef";

let receiver: WebhookReceiver;
let clock: Date;
let sleeps: number[];

/** Checks the ACS Email Send request as the public REST spec documents it, signature included. */
function validateAcs(request: ReceivedRequest): { status: number; body?: unknown } | undefined {
  if (!request.path.endsWith("/emails:send")) return undefined;
  const problems: string[] = [];
  if (request.method !== "POST") problems.push("method must be POST");
  if (request.search !== "?api-version=2023-03-31") problems.push(`api-version: ${request.search}`);
  const hash = createHash("sha256").update(request.body).digest("base64");
  if (request.headers["x-ms-content-sha256"] !== hash) problems.push("x-ms-content-sha256 mismatch");
  const date = String(request.headers["x-ms-date"] ?? "");
  const toSign = `POST\n${request.path}${request.search}\n${date};${request.headers.host};${hash}`;
  const signature = createHmac("sha256", Buffer.from(ACS_KEY, "base64")).update(toSign).digest("base64");
  if (
    request.headers.authorization !==
    `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`
  )
    problems.push("bad HMAC signature");
  if (!/^[0-9a-f-]{36}$/.test(String(request.headers["operation-id"] ?? ""))) problems.push("Operation-Id");
  const body = request.json as {
    senderAddress?: string;
    recipients?: { to?: { address?: string }[] };
    content?: { subject?: string; plainText?: string; html?: string };
  };
  if (!body?.senderAddress) problems.push("senderAddress");
  if (!body?.recipients?.to?.length || !body.recipients.to.every((r) => r.address))
    problems.push("recipients.to");
  if (!body?.content?.subject || !body.content.plainText || !body.content.html) problems.push("content");
  return problems.length
    ? { status: 400, body: { error: { code: "BadRequest", message: problems.join("; ") } } }
    : undefined;
}

beforeEach(async () => {
  receiver = await startWebhookReceiver(validateAcs);
  clock = new Date("2026-12-01T10:00:00Z");
  sleeps = [];
});
afterEach(async () => receiver.close());

function notifierWith(
  notifications: PlatformConfigInput["notifications"],
  extraEnv: Record<string, string> = {},
) {
  const config = parseConfig({
    env: "test",
    project: "azdr",
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    databricks: {
      workspaces: [
        {
          id: "primary",
          url: "https://adb-1.azuredatabricks.net",
          auth: { type: "pat", tokenSetting: "DBX_TOKEN" },
        },
      ],
    },
    notifications,
  });
  const env = {
    DBX_TOKEN: SECRET_TOKEN,
    HOOK_GENERIC: receiver.url("/generic"),
    HOOK_TEAMS: receiver.url("/teams"),
    HOOK_SLACK: receiver.url("/slack"),
    ACS: `endpoint=${receiver.origin}/;accesskey=${ACS_KEY}`,
    ...extraEnv,
  };
  const log = captureLog();
  const { store } = isolatedStore();
  const notifier = new Notifier({
    config,
    env,
    blobs: store.blobs,
    log,
    sleep: async (ms) => void sleeps.push(ms),
    now: () => clock,
  });
  return { notifier, log, store };
}

const ALL_SINKS: PlatformConfigInput["notifications"] = {
  sinks: [
    { id: "generic", type: "webhook", urlSetting: "HOOK_GENERIC" },
    { id: "teams", type: "teams", urlSetting: "HOOK_TEAMS" },
    { id: "slack", type: "slack", urlSetting: "HOOK_SLACK" },
    {
      id: "mail",
      type: "email",
      connectionStringSetting: "ACS",
      from: "DoNotReply@contoso.azurecomm.net",
      to: ["oncall@contoso.com"],
    },
  ],
  dashboardUrl: "https://azdr.example.com/api/dashboard",
};

const REPORT: RestoreReport = {
  instanceId: "restore-workspace-dr",
  planId: "restore-workspace-dr-20261201t100000z",
  scenario: "workspace",
  section: "7.3",
  source: "primary",
  target: "dr",
  mode: "apply",
  phase: "PartiallyFailed",
  reasons: ["2 object(s) failed: see the report's failures"],
  startedAt: "2026-12-01T10:00:00.000Z",
  endedAt: "2026-12-01T10:20:00.000Z",
  durationSeconds: 1200,
  approval: { approved: true, by: "bob@contoso.com", at: "2026-12-01T10:05:00.000Z" },
  counts: { create: 10, update: 0, skip: 0, conflict: 0, unsupported: 0 },
  steps: [{ name: "notebooks", title: "Notebooks", created: 8, updated: 0, skipped: 0, failed: 2 }],
  validation: [{ name: "notebooks", ok: false, expected: "10", actual: "8" }],
  followUps: [],
  planPath: "plans/x.json",
  reportPath: "reports/x.json",
  reportMarkdownPath: "reports/x.md",
} as unknown as RestoreReport;

const EVENTS: Notification[] = [
  restoreAwaitingApproval({
    instanceId: "restore-workspace-dr",
    scenario: "workspace",
    section: "7.3",
    source: "primary",
    target: "dr",
    requestedBy: "alice@contoso.com",
    counts: { create: 10, update: 2 },
    destructive: ["update /Shared/etl (overwrites the target's notebook)"],
    approvalDeadline: "2026-12-01T11:00:00.000Z",
    planPath: "plans/p.md",
    at: "2026-12-01T10:00:00.000Z",
  }),
  restoreFinished(REPORT),
  backupFailed({
    kind: "databricks-notebooks",
    sourceId: "primary",
    snapshotId: "20261201t090500z",
    phase: "Failed",
    reasons: ["batch 3 failed: THROTTLED"],
    objects: 0,
    at: "2026-12-01T09:10:00.000Z",
  }),
  rpoStale(
    {
      dataType: "databricks-notebooks",
      label: "Databricks Notebooks",
      objectiveHours: 1,
      method: "Git sync + workspace export",
      measuredBy: "snapshot",
      evidence: "snapshot 20261201t050500z, Completed",
      kind: "databricks-notebooks",
      sourceId: "primary",
      state: "stale",
      latestSnapshotId: "20261201t050500z",
      ageMinutes: 295,
      detail: "last good backup is 295 min old, over the 1 h objective",
    },
    "2026-12-01T10:00:00.000Z",
  ),
  deletionDetected({
    eventId: "evt-1",
    resource: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/dbw-prod",
    action: "restore",
    detail: "workspace primary deleted: runbook 7.3 into dr, waiting for approval",
    instanceId: "restore-workspace-dr",
    at: "2026-12-01T10:00:00.000Z",
  }),
  drillFinished({
    drillId: "drill-1",
    startedAt: "2026-12-01T09:00:00.000Z",
    endedAt: "2026-12-01T09:30:00.000Z",
    disaster: ["primary deleted"],
    rpoBeforeDisaster: [],
    components: [
      {
        component: "databricks-workspace",
        label: "Databricks Workspace",
        scenario: "workspace",
        instanceId: "restore-workspace-dr",
        phase: "Completed",
        rtoSeconds: 10800,
        measuredSeconds: 900,
        withinRto: true,
        validationOk: true,
        reportPath: "reports/x.md",
      },
    ],
    validation: [],
    passed: true,
    reasons: [],
  }),
];

describe("every event reaches every sink in its format", () => {
  it.each(EVENTS.map((e) => [e.event, e] as const))("%s", async (_event, notification) => {
    const { notifier } = notifierWith(ALL_SINKS);
    const result = await notifier.notify(notification);
    expect(result.sinks.map((s) => [s.sinkId, s.outcome])).toEqual([
      ["generic", "delivered"],
      ["teams", "delivered"],
      ["slack", "delivered"],
      ["mail", "delivered"],
    ]);

    const [generic] = receiver.at("/generic");
    expect(generic?.headers["content-type"]).toBe("application/json");
    expect(generic?.headers["x-azdr-event"]).toBe(notification.event);
    expect(generic?.json).toMatchObject({
      type: "azdr.notification",
      version: 1,
      id: notification.id,
      event: notification.event,
      title: notification.title,
      links: [
        {
          title: "Open the dashboard",
          url: expect.stringMatching(/^https:\/\/azdr\.example\.com\/api\/dashboard#/) as string,
        },
      ],
    });

    const teams = receiver.at("/teams")[0]?.json as {
      type: string;
      attachments: {
        contentType: string;
        content: {
          type: string;
          version: string;
          body: { type: string; text?: string; facts?: unknown[] }[];
          actions: { type: string; url: string }[];
        };
      }[];
    };
    expect(teams.type).toBe("message");
    expect(teams.attachments).toHaveLength(1);
    const card = teams.attachments[0]!;
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(card.content).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    expect(card.content.body[0]).toMatchObject({ type: "TextBlock", text: notification.title });
    expect(card.content.body.find((b) => b.type === "FactSet")?.facts).toHaveLength(
      notification.facts.length,
    );
    expect(card.content.actions[0]).toMatchObject({ type: "Action.OpenUrl" });

    const slack = receiver.at("/slack")[0]?.json as {
      text: string;
      blocks: { type: string; text?: { text: string } }[];
    };
    expect(slack.text).toContain(notification.title);
    expect(slack.blocks[0]).toMatchObject({ type: "header", text: { type: "plain_text" } });
    expect(slack.blocks.map((b) => b.type)).toContain("actions");

    const [mail] = receiver.requests.filter((r) => r.path === "/emails:send");
    expect((mail?.json as { content: { subject: string } }).content.subject).toBe(
      `[azdr] ${notification.title}`,
    );
  });

  it("the awaiting-approval message carries the plan summary and every destructive action", async () => {
    const { notifier } = notifierWith(ALL_SINKS);
    await notifier.notify(EVENTS[0]!);
    const facts = (receiver.at("/generic")[0]?.json as Notification).facts;
    expect(facts).toEqual(
      expect.arrayContaining([
        { name: "Plan", value: "10 create, 2 update" },
        { name: "Destructive actions", value: "update /Shared/etl (overwrites the target's notebook)" },
        { name: "Requested by", value: "alice@contoso.com" },
      ]),
    );
  });

  it("a sink receives only the events it lists", async () => {
    const { notifier } = notifierWith({
      sinks: [
        { id: "approvals", type: "slack", urlSetting: "HOOK_SLACK", events: ["restore-awaiting-approval"] },
      ],
    });
    await notifier.notify(EVENTS[3]!);
    expect(receiver.requests).toHaveLength(0);
    await notifier.notify(EVENTS[0]!);
    expect(receiver.at("/slack")).toHaveLength(1);
  });

  it("Slack text escapes &, < and > (mrkdwn control characters)", async () => {
    const { notifier } = notifierWith({ sinks: [{ id: "s", type: "slack", urlSetting: "HOOK_SLACK" }] });
    await notifier.notify({ ...EVENTS[3]!, summary: "a <b> & c" });
    const slack = receiver.at("/slack")[0]?.json as { blocks: { type: string; text?: { text: string } }[] };
    expect(slack.blocks[1]?.text?.text).toContain("a &lt;b&gt; &amp; c");
  });
});

describe("delivery: retries and dead letters", () => {
  it("retries on 500 with exponential backoff and delivers", async () => {
    const { notifier } = notifierWith({ sinks: [{ id: "teams", type: "teams", urlSetting: "HOOK_TEAMS" }] });
    receiver.respond("/teams", [500, 503]);
    const result = await notifier.notify(EVENTS[1]!);
    expect(result.sinks).toEqual([{ sinkId: "teams", outcome: "delivered", attempts: 3 }]);
    expect(receiver.at("/teams")).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    // Every attempt carries the same notification id, so a receiver can de-duplicate.
    expect(new Set(receiver.at("/teams").map((r) => r.body)).size).toBe(1);
  });

  it("honours a short Retry-After on 429", async () => {
    const { notifier } = notifierWith({ sinks: [{ id: "slack", type: "slack", urlSetting: "HOOK_SLACK" }] });
    receiver.respond("/slack", [429], { "retry-after": "7" });
    const result = await notifier.notify(EVENTS[1]!);
    expect(result.sinks[0]).toMatchObject({ outcome: "delivered", attempts: 2 });
    expect(sleeps).toEqual([7000]);
  });

  it("dead-letters after the attempt budget, with a record in the store that holds no URL", async () => {
    const { notifier, log } = notifierWith({
      sinks: [{ id: "generic", type: "webhook", urlSetting: "HOOK_GENERIC" }],
      maxAttempts: 3,
    });
    receiver.respond("/generic", [500, 500, 500, 500]);
    const result = await notifier.notify(EVENTS[2]!);
    expect(result.sinks).toEqual([
      {
        sinkId: "generic",
        outcome: "dead-lettered",
        attempts: 3,
        reason: "HTTP 500",
        path: expect.stringMatching(
          /^notifications\/dead-letter\/2026-12-01\/generic-[0-9a-f]{32}\.json$/,
        ) as string,
      },
    ]);
    expect(receiver.at("/generic")).toHaveLength(3);
    expect(sleeps).toEqual([1000, 2000]);
    const [record] = await notifier.deadLetters();
    expect(record).toMatchObject({
      sinkId: "generic",
      sinkType: "webhook",
      attempts: 3,
      lastError: "HTTP 500",
      notification: { id: EVENTS[2]!.id, event: "backup-failed" },
    });
    expect(JSON.stringify(record)).not.toContain(receiver.origin);
    expect(log.lines.join("\n")).not.toContain(receiver.origin);
  });

  it("a 4xx answer is dead-lettered at once (retrying cannot fix it)", async () => {
    const { notifier } = notifierWith({ sinks: [{ id: "teams", type: "teams", urlSetting: "HOOK_TEAMS" }] });
    receiver.respond("/teams", [400]);
    const result = await notifier.notify(EVENTS[0]!);
    expect(result.sinks[0]).toMatchObject({ outcome: "dead-lettered", attempts: 1 });
    expect(sleeps).toEqual([]);
  });

  it("an unreachable receiver is retried, then dead-lettered with the error name only", async () => {
    const { notifier } = notifierWith(
      { sinks: [{ id: "generic", type: "webhook", urlSetting: "HOOK_DOWN" }], maxAttempts: 2 },
      { HOOK_DOWN: "http://127.0.0.1:9/azdr-hook" },
    );
    const result = await notifier.notify(EVENTS[1]!);
    expect(result.sinks[0]).toMatchObject({ outcome: "dead-lettered", attempts: 2 });
    const [record] = await notifier.deadLetters();
    expect(record?.lastError).toMatch(/TypeError|ECONNREFUSED/);
    expect(record?.lastError).not.toContain("127.0.0.1");
  });

  it("a sink whose setting is empty is dead-lettered with the fix", async () => {
    const { notifier } = notifierWith({
      sinks: [{ id: "teams", type: "teams", urlSetting: "HOOK_MISSING" }],
    });
    const result = await notifier.notify(EVENTS[0]!);
    expect(result.sinks[0]).toMatchObject({
      outcome: "dead-lettered",
      attempts: 0,
      reason: expect.stringContaining("app setting HOOK_MISSING is empty") as string,
    });
  });

  it("the email request is refused by a receiver that checks the ACS shape when the key is wrong", async () => {
    const { notifier } = notifierWith(
      {
        sinks: [
          {
            id: "mail",
            type: "email",
            connectionStringSetting: "ACS_WRONG",
            from: "a@contoso.com",
            to: ["b@contoso.com"],
          },
        ],
      },
      {
        ACS_WRONG: `endpoint=${receiver.origin};accesskey=${Buffer.from("another-key-entirely-000").toString("base64")}`,
      },
    );
    const result = await notifier.notify(EVENTS[0]!);
    expect(result.sinks[0]).toMatchObject({
      outcome: "dead-lettered",
      attempts: 1,
      reason: expect.stringContaining("HTTP 400") as string,
    });
  });
});

describe("flood control", () => {
  const stale = (n: number): Notification => ({ ...EVENTS[3]!, id: `rpo-${n}`, title: `RPO STALE #${n}` });

  it("sends one message per component and event per interval, then summarises what was held back", async () => {
    const { notifier } = notifierWith({
      sinks: [{ id: "generic", type: "webhook", urlSetting: "HOOK_GENERIC" }],
      summariseMinutes: 60,
    });
    const results = [];
    for (let i = 1; i <= 5; i++) {
      results.push(await notifier.notify(stale(i)));
      clock = new Date(clock.getTime() + 5 * 60_000);
    }
    expect(results.map((r) => r.held)).toEqual([false, true, true, true, true]);
    // Another component is not held back by this one's flood.
    const other = await notifier.notify({ ...stale(6), component: "rpo/databricks-notebooks/other" });
    expect(other.held).toBe(false);
    expect(receiver.at("/generic")).toHaveLength(2);

    // Before the interval ends, flush sends nothing; after it, one summary.
    expect(await notifier.flush()).toEqual([]);
    clock = new Date("2026-12-01T11:01:00Z");
    const flushed = await notifier.flush();
    expect(flushed).toHaveLength(1);
    const summary = receiver.at("/generic")[2]?.json as Notification;
    expect(summary.suppressed).toEqual({
      count: 4,
      since: "2026-12-01T10:00:00.000Z",
      titles: ["RPO STALE #2", "RPO STALE #3", "RPO STALE #4", "RPO STALE #5"],
    });
    expect(summary.title).toContain("4 rpo-stale notification(s) held back");
    // A flushed window starts afresh: the next event is held again until the new window ends.
    expect((await notifier.notify(stale(7))).held).toBe(true);
  });

  it("the first message after a window carries the count of what was held back", async () => {
    const { notifier } = notifierWith({
      sinks: [{ id: "slack", type: "slack", urlSetting: "HOOK_SLACK" }],
      summariseMinutes: 15,
    });
    await notifier.notify(stale(1));
    await notifier.notify(stale(2));
    clock = new Date(clock.getTime() + 16 * 60_000);
    const result = await notifier.notify(stale(3));
    expect(result.held).toBe(false);
    const slack = receiver.at("/slack")[1]?.json as {
      blocks: { type: string; elements?: { text: string }[] }[];
    };
    expect(slack.blocks.find((b) => b.type === "context")?.elements?.[0]?.text).toContain(
      "1 more rpo-stale event(s)",
    );
  });

  it("never holds back a restore waiting for approval: someone must act on each", async () => {
    const { notifier } = notifierWith({
      sinks: [{ id: "generic", type: "webhook", urlSetting: "HOOK_GENERIC" }],
    });
    await notifier.notify(EVENTS[0]!);
    const again = await notifier.notify({ ...EVENTS[0]!, id: "restore-workspace-dr:again" });
    expect(again.held).toBe(false);
    expect(receiver.at("/generic")).toHaveLength(2);
  });
});

describe("no secret ever leaves in a notification", () => {
  it("redacts configured secret values, function keys and signatures from every field and link", async () => {
    const { notifier } = notifierWith(ALL_SINKS, {
      AZDR_STORE_CONNECTION_STRING:
        "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=CANARYACCOUNTKEY0123456789==",
    });
    const leaky: Notification = {
      ...EVENTS[1]!,
      summary: `failed calling https://adb-1.azuredatabricks.net with Bearer ${SECRET_TOKEN}`,
      facts: [
        {
          name: "Reasons",
          value: `token ${SECRET_TOKEN} rejected; store AccountKey=CANARYACCOUNTKEY0123456789==`,
        },
        { name: "Webhook", value: receiver.url("/teams") },
      ],
      links: [
        {
          title: "status",
          url: "https://func.example.net/api/restore/instances/x?code=CANARYFUNCTIONKEY123&sig=CANARYSIG",
        },
      ],
    };
    await notifier.notify(leaky);
    expect(receiver.requests).toHaveLength(4);
    for (const request of receiver.requests) {
      for (const canary of [
        SECRET_TOKEN,
        "CANARYACCOUNTKEY",
        "CANARYFUNCTIONKEY",
        "CANARYSIG",
        receiver.url("/teams"),
      ])
        expect(request.body, `${request.path} carries ${canary}`).not.toContain(canary);
    }
    const generic = receiver.at("/generic")[0]?.json as Notification;
    expect(generic.links[0]?.url).toBe("https://func.example.net/api/restore/instances/x");
  });
});
