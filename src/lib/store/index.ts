export * from "./layout.js";
export * from "./manifest.js";
export * from "./backup-store.js";
export * from "./snapshot-index.js";
export * from "./verify.js";
export * from "./retention.js";
export * from "./open.js";
export * from "./pins.js";
