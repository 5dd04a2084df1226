// The dashboard page: plain, accessible HTML with a small script and no external resources (it
// works without network access beyond the app itself). The script reads `dashboard/status` next to
// the page and answers approvals through the same routes as the API (`restore/instances/{id}/
// approve|reject`, `restore/instances/{id}/checkpoints/{step}/done`), so the same authentication and
// rules apply. A function key in the page's own
// URL (`?code=`) is passed on to those calls and nowhere else.

/** The page, with a per-response nonce for its inline script and style (see the CSP header). */
export function dashboardHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>azdr: disaster recovery status</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
  :root { --ok: #0a6b2e; --warn: #8a5a00; --bad: #b00020; --muted: #555; --line: #d0d0d0; --bg: #fafafa; }
  * { box-sizing: border-box; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fff; }
  header { padding: 12px 24px; border-bottom: 1px solid var(--line); background: var(--bg); display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; }
  header h1 { font-size: 20px; margin: 0; }
  main { padding: 8px 24px 32px; max-width: 1400px; }
  section { margin-top: 24px; }
  h2 { font-size: 17px; margin: 0 0 8px; }
  table { border-collapse: collapse; width: 100%; }
  caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
  th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
  th { background: var(--bg); font-weight: 600; }
  .state { font-weight: 600; white-space: nowrap; }
  .state-ok { color: var(--ok); } .state-warn { color: var(--warn); } .state-bad { color: var(--bad); } .state-muted { color: var(--muted); }
  .muted { color: var(--muted); }
  .card { border: 1px solid var(--line); border-left: 6px solid var(--warn); border-radius: 4px; padding: 10px 14px; margin-bottom: 12px; }
  .card.destructive { border-left-color: var(--bad); }
  .card.checkpoint { border-left-color: #1a5fb4; }
  .check-failed { color: var(--bad); }
  .card h3 { font-size: 16px; margin: 0 0 6px; }
  .actions { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-top: 8px; }
  button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid #333; background: #fff; cursor: pointer; }
  button.approve { background: var(--ok); color: #fff; border-color: var(--ok); }
  button.reject { background: #fff; color: var(--bad); border-color: var(--bad); }
  button:focus-visible, input:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
  label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
  input[type=text] { font: inherit; padding: 5px 8px; border: 1px solid #888; border-radius: 4px; min-width: 16em; }
  progress { width: 12em; height: 1em; vertical-align: middle; }
  #announcer { padding: 8px 24px; min-height: 1.5em; }
  #announcer.error { color: var(--bad); font-weight: 600; }
  .empty { color: var(--muted); font-style: italic; }
  :target { background: #fff5c2; }
</style>
</head>
<body>
<header>
  <h1>azdr: disaster recovery status</h1>
  <span id="environment" class="muted"></span>
  <span id="updated" class="muted" aria-live="off"></span>
  <span id="identity" class="muted">Approvals are recorded as your signed-in identity (App Service authentication).</span>
</header>
<div id="announcer" role="status" aria-live="polite"></div>
<main id="main">
  <section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2><p id="summary">Loading…</p></section>
  <section aria-labelledby="h-approvals" id="approvals"><h2 id="h-approvals">Waiting for approval</h2><div id="approval-list"></div></section>
  <section aria-labelledby="h-checkpoints" id="checkpoints"><h2 id="h-checkpoints">Waiting at a manual step</h2><div id="checkpoint-list"></div></section>
  <section aria-labelledby="h-restores" id="restores"><h2 id="h-restores">Restores</h2><div id="restore-table"></div></section>
  <section aria-labelledby="h-rpo" id="rpo"><h2 id="h-rpo">Recovery point objectives</h2><div id="rpo-table"></div></section>
  <section aria-labelledby="h-snapshots" id="snapshots"><h2 id="h-snapshots">Recent snapshots</h2><div id="snapshot-table"></div></section>
  <section aria-labelledby="h-drills" id="drills"><h2 id="h-drills">Drills and recovery time</h2><div id="trend-table"></div><div id="drill-table"></div></section>
  <section aria-labelledby="h-notifications" id="notifications"><h2 id="h-notifications">Notifications</h2><div id="notification-info"></div></section>
</main>
<script nonce="${nonce}">
"use strict";
(function () {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  const refreshMs = Math.max(500, Number(params.get("refresh") || 3000));
  const apiBase = location.pathname.replace(/dashboard\\/?$/, "");
  const withKey = (path) => (code ? path + (path.includes("?") ? "&" : "?") + "code=" + encodeURIComponent(code) : path);
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function table(caption, headers, rows, empty) {
    if (!rows.length) return el("p", { class: "empty" }, empty);
    return el("table", {},
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, rows));
  }
  const stateClass = (s) => ({ fresh: "state-ok", Completed: "state-ok", Planned: "state-ok", PASSED: "state-ok",
    unmeasured: "state-muted", "stale-by-design": "state-warn", partial: "state-warn", PartiallyFailed: "state-warn", Suspect: "state-warn", suspect: "state-warn", Rejected: "state-warn", TimedOut: "state-warn",
    stale: "state-bad", missing: "state-bad", Failed: "state-bad", FAILED: "state-bad", "within RTO": "state-ok", "over RTO": "state-bad" })[s] || "";
  const state = (s) => el("span", { class: "state " + stateClass(s) }, s);
  function age(minutes) {
    if (minutes === undefined || minutes === null) return "—";
    if (minutes < 120) return minutes + " min";
    if (minutes < 2880) return (minutes / 60).toFixed(1) + " h";
    return (minutes / 1440).toFixed(1) + " days";
  }
  function seconds(s) { return s < 120 ? s + " s" : s < 7200 ? Math.round(s / 60) + " min" : (s / 3600).toFixed(1) + " h"; }
  function time(iso) { return iso ? new Date(iso).toISOString().replace("T", " ").replace(/\\.\\d+Z$/, "Z") : "—"; }
  function announce(text, error) { const a = $("announcer"); a.textContent = text; a.className = error ? "error" : ""; }
  const counts = (c) => Object.entries(c || {}).filter(([, n]) => n > 0).map(([k, n]) => n + " " + k).join(", ") || "nothing to do";

  async function decide(id, verb, commentInput, buttons) {
    buttons.forEach((b) => (b.disabled = true));
    const body = { comment: commentInput.value.trim() || undefined };
    try {
      const response = await fetch(withKey(apiBase + "restore/instances/" + encodeURIComponent(id) + "/" + verb), {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) announce("Restore " + id + " " + (verb === "approve" ? "approved" : "rejected") + " by " + ((answer.by && answer.by.name) || "you") + ".");
      else {
        const why = answer.message || (answer.problems || []).map((p) => p.field + ": " + p.message + (p.fix ? " (" + p.fix + ")" : "")).join("; ") || answer.error || "";
        announce("Refused (" + response.status + "): " + why, true);
        buttons.forEach((b) => (b.disabled = false));
      }
    } catch (e) {
      announce("Could not reach the app: " + e.message, true);
      buttons.forEach((b) => (b.disabled = false));
    }
    await load();
  }

  let shownApprovals = null;
  function renderApprovals(list) {
    // Re-render only when the set changes, so a comment being typed is not wiped by the refresh.
    const key = list.map((r) => r.instanceId).join(" ");
    if (key === shownApprovals) return;
    shownApprovals = key;
    const box = $("approval-list");
    box.replaceChildren();
    if (!list.length) { box.append(el("p", { class: "empty" }, "No restore is waiting for approval.")); return; }
    for (const r of list) {
      const p = r.progress || {};
      const destructive = p.destructive || [];
      const comment = el("input", { type: "text", id: "comment-" + r.instanceId, placeholder: "optional" });
      const approve = el("button", { type: "button", class: "approve", "aria-label": "Approve restore " + r.instanceId }, "Approve");
      const reject = el("button", { type: "button", class: "reject", "aria-label": "Reject restore " + r.instanceId }, "Reject");
      approve.addEventListener("click", () => decide(r.instanceId, "approve", comment, [approve, reject]));
      reject.addEventListener("click", () => decide(r.instanceId, "reject", comment, [approve, reject]));
      box.append(el("article", { class: "card" + (destructive.length ? " destructive" : ""), id: "approval=" + r.instanceId, "aria-label": "Approval for " + r.instanceId },
        el("h3", {}, (p.scenario || "restore") + " → " + (p.target || "?") + " ", el("span", { class: "muted" }, r.instanceId)),
        el("p", {}, "Plan: " + counts(p.counts) + ". Deadline: " + time(p.approvalDeadline) + (p.requestedBy ? ". Requested by " + p.requestedBy : "") + "."),
        destructive.length
          ? el("div", {}, el("strong", {}, destructive.length + " destructive action(s):"), el("ul", {}, destructive.slice(0, 20).map((d) => el("li", {}, d))))
          : el("p", {}, "No destructive action: the plan only adds."),
        p.planPath ? el("p", { class: "muted" }, "Plan file: restore-reports/" + p.planPath) : null,
        el("div", { class: "actions" }, el("label", { for: "comment-" + r.instanceId }, "Comment", comment), approve, reject)));
    }
  }

  async function confirmCheckpoint(id, step, commentInput, button) {
    button.disabled = true;
    try {
      const response = await fetch(withKey(apiBase + "restore/instances/" + encodeURIComponent(id) + "/checkpoints/" + encodeURIComponent(step) + "/done"), {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ comment: commentInput.value.trim() || undefined }) });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) announce("Step " + step + " of " + id + " marked done; azdr now checks that it really holds.");
      else {
        announce("Refused (" + response.status + "): " + (answer.message || answer.error || ""), true);
        button.disabled = false;
      }
    } catch (e) {
      announce("Could not reach the app: " + e.message, true);
      button.disabled = false;
    }
    shownCheckpoints = null;
    await load();
  }

  let shownCheckpoints = null;
  function renderCheckpoints(list) {
    // Re-render only when a restore reaches another step or attempt, so typing is not wiped.
    const key = list.map((r) => r.instanceId + ":" + r.progress.checkpoint.step + ":" + r.progress.checkpoint.attempt).join(" ");
    if (key === shownCheckpoints) return;
    shownCheckpoints = key;
    const box = $("checkpoint-list");
    box.replaceChildren();
    if (!list.length) { box.append(el("p", { class: "empty" }, "No restore is waiting at a manual step.")); return; }
    for (const r of list) {
      const p = r.progress;
      const c = p.checkpoint;
      const comment = el("input", { type: "text", id: "checkpoint-comment-" + r.instanceId, placeholder: "optional" });
      const doneButton = el("button", { type: "button", class: "approve", "aria-label": "Mark step " + c.title + " of " + r.instanceId + " done" }, "Done");
      doneButton.addEventListener("click", () => confirmCheckpoint(r.instanceId, c.step, comment, doneButton));
      // Only https deep links become links: anything else is shown as text.
      const links = c.links.map((l) => el("li", {}, l.url.startsWith("https://") ? el("a", { href: l.url, target: "_blank", rel: "noopener noreferrer" }, l.label) : l.label + ": " + l.url));
      box.append(el("article", { class: "card checkpoint", id: "checkpoint=" + r.instanceId, "aria-label": "Manual step of " + r.instanceId },
        el("h3", {}, c.title + " ", el("span", { class: "muted" }, (p.scenario || "restore") + " → " + (p.target || "?") + " · " + r.instanceId)),
        c.lastCheck && !c.lastCheck.ok
          ? el("p", { class: "check-failed" }, "Attempt " + (c.attempt - 1) + " (done by " + c.lastCheck.by + " at " + time(c.lastCheck.at) + ") did not hold: " + c.lastCheck.detail)
          : null,
        el("ol", {}, c.instructions.map((i) => el("li", {}, i))),
        links.length ? el("ul", { "aria-label": "Links" }, links) : null,
        el("p", { class: "muted" }, "Attempt " + c.attempt + ". Waits until " + time(c.deadline) + "; after \u201cDone\u201d azdr checks the result before going on."),
        el("div", { class: "actions" }, el("label", { for: "checkpoint-comment-" + r.instanceId }, "Comment", comment), doneButton)));
    }
  }

  function renderRestores(list) {
    $("restore-table").replaceChildren(table("Newest first; progress updates live.", ["Restore", "Scenario → target", "Status", "Step", "Progress", "Started", "Result"],
      list.map((r) => {
        const p = r.progress || {};
        const done = p.done || 0, total = p.total || 0;
        const result = r.result ? r.result.phase : p.result;
        return el("tr", { id: "restore=" + r.instanceId },
          el("th", { scope: "row" }, r.instanceId),
          el("td", {}, (p.scenario || "?") + " → " + (p.target || "?")),
          el("td", {}, r.runtimeStatus + (p.phase ? " · " + p.phase : "")),
          el("td", {}, p.stepTitle || p.step || "—"),
          el("td", {}, p.phase === "executing" && total
            ? [el("progress", { value: done, max: total, "aria-label": "Progress of " + r.instanceId + ": " + done + " of " + total }), " " + done + "/" + total]
            : "—"),
          el("td", {}, time(r.createdTime)),
          el("td", {}, result ? state(result) : "—", r.result && r.result.reasons.length ? el("div", { class: "muted" }, r.result.reasons.join("; ")) : null));
      }), "No restore has run."));
  }

  function renderRpo(rpo) {
    $("rpo-table").replaceChildren(table("One row per runbook RPO row and source; age of the newest good evidence against the objective.",
      ["Data", "Source", "Objective", "Age", "Status", "Evidence / what to do"],
      rpo.rows.map((r) => el("tr", { id: "rpo=" + (r.sourceId || r.dataType) },
        el("th", { scope: "row" }, r.label),
        el("td", {}, r.sourceId || "—"),
        el("td", {}, r.objectiveHours + " h"),
        el("td", {}, age(r.ageMinutes)),
        el("td", {}, state(r.state)),
        el("td", {}, r.detail || r.evidence || ""))), "No component is configured."));
  }

  function renderSnapshots(list) {
    $("snapshot-table").replaceChildren(table("The " + list.length + " newest snapshots.", ["Ended", "Source / component", "Snapshot", "Phase", "Objects", "Skipped", "Failed", "Reasons"],
      list.map((s) => el("tr", { id: "snapshots=" + s.sourceId },
        el("td", {}, time(s.endedAt)),
        el("th", { scope: "row" }, s.domain + " / " + s.sourceId + " / " + s.component),
        el("td", {}, s.snapshotId),
        el("td", {}, state(s.phase)),
        el("td", {}, s.objectCount), el("td", {}, s.skippedCount), el("td", {}, s.failedCount),
        el("td", {}, s.reasons.join("; ")))), "No snapshot yet."));
  }

  function renderDrills(status) {
    $("trend-table").replaceChildren(table("Measured recovery time per component over the drills, oldest to newest.", ["Component", "RTO", "Measured (trend)", "Latest"],
      status.rtoTrends.map((t) => {
        const latest = t.measuredSeconds[t.measuredSeconds.length - 1];
        return el("tr", {}, el("th", { scope: "row" }, t.label), el("td", {}, seconds(t.rtoSeconds)),
          el("td", {}, t.measuredSeconds.map(seconds).join(" → ")),
          el("td", {}, state(latest <= t.rtoSeconds ? "within RTO" : "over RTO")));
      }), "No drill has run yet."));
    $("drill-table").replaceChildren(status.drills.length ? table("Drill history, newest first.", ["Drill", "Ended", "Result", "Components", "Reasons"],
      status.drills.map((d) => el("tr", {}, el("th", { scope: "row" }, d.drillId), el("td", {}, time(d.endedAt)),
        el("td", {}, state(d.passed ? "PASSED" : "FAILED")),
        el("td", {}, d.components.map((c) => c.label + ": " + c.phase + ", " + seconds(c.measuredSeconds) + " of " + seconds(c.rtoSeconds)).join("; ")),
        el("td", {}, d.reasons.join("; ")))), "") : "");
  }

  function renderNotifications(n) {
    $("notification-info").replaceChildren(
      el("p", {}, n.sinks + " sink(s) configured; " + n.deadLetters + " notification(s) dead-lettered."),
      n.recentDeadLetters.length ? table("Latest dead letters.", ["When", "Sink", "Notification", "Why"],
        n.recentDeadLetters.map((d) => el("tr", {}, el("td", {}, time(d.at)), el("td", {}, d.sinkId), el("th", { scope: "row" }, d.title), el("td", {}, d.lastError))), "") : "");
  }

  let first = true;
  async function load() {
    try {
      const response = await fetch(withKey(apiBase + "dashboard/status"), { headers: { accept: "application/json" } });
      if (!response.ok) { announce("The status API answered " + response.status + (response.status === 401 ? ": open the page with ?code=<function key> or sign in" : ""), true); return; }
      const status = await response.json();
      $("environment").textContent = "Environment " + status.environment.env + " / " + status.environment.project;
      $("updated").textContent = "Updated " + time(status.generatedAt);
      const notFresh = status.rpo.rows.filter((r) => !["fresh", "unmeasured"].includes(r.state)).length;
      $("summary").replaceChildren(
        status.rpo.healthy ? state("fresh") : state("stale"), " ",
        status.rpo.healthy ? "Every measured component is within its RPO." : notFresh + " component(s) not within their RPO.",
        " " + status.approvals.length + " restore(s) waiting for approval; " +
        status.checkpoints.length + " waiting at a manual step; " +
        status.restores.filter((r) => ["Running", "Pending"].includes(r.runtimeStatus)).length + " restore(s) running.");
      renderApprovals(status.approvals);
      renderCheckpoints(status.checkpoints);
      renderRestores(status.restores);
      renderRpo(status.rpo);
      renderSnapshots(status.snapshots);
      renderDrills(status);
      renderNotifications(status.notifications);
      document.body.dataset.loaded = "true";
      if (first && location.hash) { const target = document.getElementById(decodeURIComponent(location.hash.slice(1))); if (target) target.scrollIntoView(); }
      first = false;
    } catch (e) {
      announce("Could not load the status: " + e.message, true);
    }
  }
  load();
  setInterval(load, refreshMs);
})();
</script>
</body>
</html>
`;
}
