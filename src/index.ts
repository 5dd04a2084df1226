// Composition root: the Functions host loads this file; every trigger, orchestrator and activity
// registers itself when its module is imported.
import { app } from "@azure/functions";
import { runtime } from "./orchestrators/runtime.js";
import "./orchestrators/backup.js";
import "./orchestrators/restore.js";
import "./functions/backup-timers.js";
import "./functions/restore-http.js";
import "./functions/restore-queue.js";
import "./functions/platform-alerts.js";
import "./functions/protection-alerts.js";
import "./functions/maintenance.js";
import "./functions/dashboard.js";
import "./orchestrators/notify.js";

// A bad platform config fails the app at start, listing every problem, rather than at the first timer.
app.hook.appStart(() => {
  runtime();
});
