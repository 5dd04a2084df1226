// The local runtime: the app's registrations captured in-process, and orchestrators replayed by
// durable-functions' own engine (see README "Local host").
export * from "./registry.js";
export * from "./store.js";
export * from "./host.js";
export {
  PINNED_DURABLE_FUNCTIONS_VERSION,
  durableInternals,
  DurableInternalsError,
  executorOf,
} from "./internals.js";
export { checkExtensionProtocol } from "./protocol.js";
export * from "./app.js";
export * from "./local-azdr.js";
