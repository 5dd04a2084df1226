// `npm run demo`: the narrated DR drill on the embedded platform. Exits non-zero if any step fails.
import { runDemo } from "./demo-drill.js";

const result = await runDemo();
process.exitCode = result.exitCode;
