// `npm run sim`: the local trial (Azurite + the seeded platform simulator) until Ctrl-C, with a
// ready-to-use azdr config file and the environment to export (sim/trial.ts).
import path from "node:path";
import { startLocalTrial } from "./trial.js";

const trial = await startLocalTrial();
const { sim } = trial;
const relative = (file: string) => path.relative(process.cwd(), file) || file;
const lines = [
  "azdr local trial is running (Ctrl-C to stop): Azurite + the platform simulator",
  "",
  `config       ${relative(trial.configPath)}`,
  `environment  ${relative(trial.envPath)}   (AZDR_CONFIG, the Databricks and Azure tokens, the store)`,
  "",
  "In another terminal:",
  `  source ${relative(trial.envPath)}`,
  "  npm run cli -- doctor",
  "  npm run cli -- backup all",
  "  npm run cli -- status",
  "",
  "Databricks workspaces (PAT auth):",
  ...Object.entries(sim.urls).map(
    ([name, url]) => `  ${name.padEnd(10)} ${url}  (workspace id ${sim.workspace(name).workspaceId})`,
  ),
  "",
  "Unity Catalog metastores:",
  ...Object.entries(sim.metastores).map(
    ([name, m]) => `  ${name.padEnd(16)} ${m.id}  ${JSON.stringify(m.counts())}`,
  ),
];
if (sim.azure) {
  lines.push(
    "",
    "Azure (the config's azure.simulatorRoutes send https://… requests to these loopback servers):",
    ...Object.entries(sim.azure.urls).map(([name, url]) => `  ${name.padEnd(10)} ${url}`),
    `  subscription ${sim.azure.subscriptionId}`,
  );
}
lines.push("", `Backup store (Azurite): ${trial.azurite.blobEndpoint}`);
console.log(lines.join("\n"));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping the simulator and Azurite...");
  void trial.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
