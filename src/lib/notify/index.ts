// Notifications (sinks, delivery, flood control) and Application Insights custom events.
export * from "./events.js";
export * from "./redact.js";
export * from "./sinks.js";
export * from "./notifier.js";
export * from "./telemetry.js";
