// Housekeeping on the config's schedules: RPO status (logged as warnings that alerts can watch,
// stored as JSON, served over HTTP), retention + garbage collection of the backup store, and a
// weekly sampled deep verify that marks damaged snapshots so they stop being good.
import { scheduleSettingName } from "../lib/config/load.js";
import {
  app,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
  type Timer,
} from "@azure/functions";
import { rpoHealthy, rpoStatus, type RpoRow } from "../lib/rpo.js";
import { applyRetention, collectGarbage } from "../lib/store/retention.js";
import { describeRef } from "../lib/store/backup-store.js";
import { describeProblems, verifyStore } from "../lib/store/verify.js";
import { REPORTS_CONTAINER } from "../lib/store/layout.js";
import { runtime } from "../orchestrators/runtime.js";
import { rpoStale } from "../lib/notify/events.js";
import { TELEMETRY_EVENTS } from "../lib/notify/telemetry.js";

export const RPO_STATUS_PATH = "status/rpo.json";

export async function checkRpo(now: Date, log: (message: string) => void): Promise<RpoRow[]> {
  const rt = runtime();
  const rows = await rpoStatus(rt, now);
  for (const row of rows.filter((r) => r.state !== "fresh" && r.state !== "unmeasured")) {
    log(
      `RPO ${row.state.toUpperCase()}: ${row.label}${row.sourceId ? ` (${row.sourceId})` : ""} — ${row.detail ?? row.evidence}`,
    );
    // Stale by design (a schedule slower than its objective) is a config warning, not a page.
    if (row.state !== "stale-by-design") await rt.notifier.notify(rpoStale(row, now.toISOString()));
  }
  for (const row of rows) {
    await rt.telemetry.track(
      TELEMETRY_EVENTS.rpo,
      { dataType: row.dataType, sourceId: row.sourceId, kind: row.kind, state: row.state },
      {
        objectiveHours: row.objectiveHours,
        ...(row.ageMinutes === undefined ? {} : { ageMinutes: row.ageMinutes }),
      },
    );
  }
  await rt.store.blobs.put(
    REPORTS_CONTAINER,
    RPO_STATUS_PATH,
    JSON.stringify({ checkedAt: now.toISOString(), healthy: rpoHealthy(rows), rows }, null, 2),
  );
  return rows;
}

export async function runRetention(now: Date, log: (message: string) => void) {
  const rt = runtime();
  const retention = await applyRetention(rt.store, rt.config.retention.days, now);
  const gc = await collectGarbage(rt.store, { graceMs: rt.config.retention.gcGraceHours * 3_600_000, now });
  log(
    `retention: ${retention.deleted.length} snapshot(s) past retention deleted, ${retention.kept} kept ` +
      `(past retention but kept: ${retention.keptAsLastGood.length} last good copy, ${retention.keptPinned.length} pinned by a restore); ` +
      `GC: ${gc.deletedObjects} unreferenced bodies (${gc.deletedBytes} bytes) and ${gc.deletedUncommitted.length} staged blobs of crashed runs removed`,
  );
  for (const unreadable of gc.unreadableManifests) {
    log(
      `GC: manifest of ${unreadable.snapshot} is unreadable (${unreadable.error}); no body was deleted this run. Check it with \`azdr snapshots verify ${unreadable.snapshot}\``,
    );
  }
  for (const pin of retention.unreadablePins)
    log(`retention: restore pin ${pin} is unreadable and protects nothing`);
  return { retention, gc };
}

/** The weekly check: a sample of snapshots per component, bodies sampled; damaged ones are marked. */
export async function runVerify(now: Date, log: (message: string) => void) {
  const rt = runtime();
  const report = await verifyStore(rt.store, {
    deep: rt.config.integrity.verifySampleBodies,
    sampleSnapshots: rt.config.integrity.verifySampleSnapshots,
    markDamaged: now,
  });
  for (const damaged of report.damaged) {
    log(`VERIFY DAMAGED: ${describeRef(damaged.ref)}: ${describeProblems(damaged)}; it is no longer good`);
  }
  for (const error of report.errors) log(`VERIFY ERROR: ${error.snapshot}: ${error.error}`);
  log(
    `verify: ${report.snapshots} snapshot(s) checked, ${report.damaged.length} damaged, ${report.errors.length} unreadable; ${report.checkedContent} bodies re-hashed`,
  );
  return report;
}

app.timer("rpoCheckTimer", {
  schedule: `%${scheduleSettingName("rpoCheck")}%`,
  handler: async (_timer: Timer, context: InvocationContext) => {
    const rt = runtime();
    // The heartbeat alert in infra fires when these stop: the app is not running its timers.
    await rt.telemetry.track(TELEMETRY_EVENTS.heartbeat, { timer: "rpoCheckTimer" });
    await checkRpo(new Date(), (m) => context.warn(m));
    // Flood windows that ended with notifications held back get their summary now.
    await rt.notifier.flush();
  },
});

app.timer("retentionTimer", {
  schedule: `%${scheduleSettingName("retention")}%`,
  handler: async (_timer: Timer, context: InvocationContext) => {
    await runRetention(new Date(), (m) => context.log(m));
  },
});

app.timer("verifyTimer", {
  schedule: `%${scheduleSettingName("verify")}%`,
  handler: async (_timer: Timer, context: InvocationContext) => {
    await runVerify(new Date(), (m) => context.warn(m));
  },
});

export async function rpoStatusHttp(
  _request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  const rows = await checkRpo(new Date(), (m) => context.warn(m));
  return { status: 200, jsonBody: { healthy: rpoHealthy(rows), rows } };
}

app.http("rpoStatusHttp", {
  route: "status/rpo",
  methods: ["GET"],
  authLevel: "function",
  handler: rpoStatusHttp,
});
