// The HttpClient trick lives at the client edge (src/lib/clients/loopback.ts), where the CLI's
// simulator config uses it too; the simulator re-exports it for tests and the demo.
export {
  SIM_HOST_HEADER,
  simulatorHttpClient,
  toStorageHttpClient,
  type SimRoutes,
  type V1HttpClient,
} from "../../src/lib/clients/loopback.js";
