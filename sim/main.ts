// `npm run sim`: the platform simulator standalone, seeded, until Ctrl-C.
import { startPlatformSimulator } from "./index.js";

const sim = await startPlatformSimulator({ azure: true });
const lines = [
  "azdr platform simulator is running (Ctrl-C to stop)",
  "",
  "Databricks workspaces (PAT auth):",
  ...Object.entries(sim.urls).map(
    ([name, url]) => `  ${name.padEnd(10)} ${url}  (workspace id ${sim.workspace(name).workspaceId})`,
  ),
  `  token      ${sim.token}`,
  "",
  "Unity Catalog metastores:",
  ...Object.entries(sim.metastores).map(
    ([name, m]) => `  ${name.padEnd(16)} ${m.id}  ${JSON.stringify(m.counts())}`,
  ),
];
if (sim.azure) {
  lines.push(
    "",
    "Azure (route SDK clients through sim.azure.httpClient, or call these loopback URLs):",
    ...Object.entries(sim.azure.urls).map(([name, url]) => `  ${name.padEnd(10)} ${url}`),
    `  token      ${sim.azure.token}`,
    `  subscription ${sim.azure.subscriptionId}`,
  );
}
console.log(lines.join("\n"));

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping the simulator...");
  void sim.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
