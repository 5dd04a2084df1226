// Every Azure backup kind, run from the catalog against one simulator and one isolated store:
// the Key Vault secret value, the Foundry connection key and the datastore account key (canaries)
// appear in no blob and no index row of the store, in no log line and in no run report, and no
// secret-value route (get secret, listsecrets, listSecrets, listKeys) was ever called.
import { afterAll, beforeAll, expect, test } from "vitest";
import { CANARY_CONNECTION_KEY, CANARY_SECRET_VALUE } from "../../../../sim/azure/index.js";
import { CANARY_DATASTORE_KEY } from "../../../../sim/azure/seed.js";
import { BACKUP_KINDS } from "../../../../src/lib/backup/catalog.js";
import type { BackupKind } from "../../../../src/lib/backup/engine.js";
import {
  SECRET_VALUE_ROUTES,
  runBackup,
  startAzurePlatform,
  storeContents,
  type AzureTestPlatform,
  type BackupRun,
} from "./support.js";

const CANARIES = [CANARY_SECRET_VALUE, CANARY_CONNECTION_KEY, CANARY_DATASTORE_KEY];
const KINDS: BackupKind[] = [
  "azureml-models",
  "azureml-assets",
  "foundry",
  "key-vault",
  "storage-protection",
];

let p: AzureTestPlatform;

beforeAll(async () => {
  p = await startAzurePlatform({ sim: { pageSize: { arm: 3, keyVault: 4 } } });
});
afterAll(async () => p.close());

test("no canary leaves the simulator: store, index, logs and reports", async () => {
  const runs: BackupRun[] = [];
  for (const kind of KINDS) {
    const info = BACKUP_KINDS[kind];
    const source = info.source;
    expect(source, kind).toBeDefined();
    for (const sourceId of info.sources(p.config)) {
      const run = await runBackup(p.runtime, source!, sourceId, "20260101t030000z");
      expect(run.commit.phase, `${kind} ${sourceId}: ${run.manifest.reasons.join("; ")}`).toBe("Completed");
      runs.push(run);
    }
  }
  expect(runs).toHaveLength(8); // 1 + 1 + 1 + 1 + 4 storage accounts

  // The sim did hold the canaries, and the backups did read the resources that carry them.
  expect(p.sim.log.count("/connections", "arm")).toBeGreaterThan(0);
  expect(p.sim.log.count("/datastores", "arm")).toBeGreaterThan(0);
  expect(p.sim.log.count(/^GET \/secrets/, "keyvault")).toBeGreaterThan(0);

  const { blobs, text } = await storeContents(p);
  expect(blobs).toBeGreaterThan(50);
  // Control: the scan reads bodies (a connection target and a secret name are in there).
  expect(text.some((t) => t.includes("https://aoai-azdr-prod.openai.azure.com/"))).toBe(true);
  expect(text.some((t) => t.includes('"name": "sql-admin-password"'))).toBe(true);
  expect(p.log.lines.length).toBeGreaterThan(0);
  const reports = JSON.stringify(runs);
  for (const canary of CANARIES) {
    expect(
      text.findIndex((t) => t.includes(canary)),
      `store holds ${canary}`,
    ).toBe(-1);
    expect(p.log.lines.filter((l) => l.includes(canary))).toEqual([]);
    expect(reports.includes(canary)).toBe(false);
  }
  expect(p.sim.state.secretReads).toEqual([]);
  expect(p.sim.log.entries.filter((e) => SECRET_VALUE_ROUTES.test(e.route))).toEqual([]);
});
