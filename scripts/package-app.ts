// `npm run package:app` (azd's prepackage hook): stages the Function App package in
// .azdr/package with the compiled app, host.json, package.json and the lock file, and installs the
// production dependencies only (`npm ci --omit=dev`): no TypeScript, test runner, Azurite or
// simulator in the deployed package. azure.yaml deploys that folder (`dist`).
import { execFileSync } from "node:child_process";
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_DIR = ".azdr/package";
/** What the package holds besides node_modules. */
export const PACKAGE_FILES = ["dist", "host.json", "package.json", "package-lock.json"];
export const INSTALL_ARGS = ["ci", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"];

async function main(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const target = path.join(root, PACKAGE_DIR);
  await rm(target, { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  for (const file of PACKAGE_FILES)
    await cp(path.join(root, file), path.join(target, file), {
      recursive: true,
      filter: (source) => !source.endsWith(".map"),
    });
  execFileSync("npm", INSTALL_ARGS, { cwd: target, stdio: "inherit" });
  console.log(`Function App package staged in ${PACKAGE_DIR} (production dependencies only)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
