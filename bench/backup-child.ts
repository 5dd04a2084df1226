// Child process of the benchmark: runs ONE orchestrated backup (params as JSON in argv[2]) and sends
// the result to the parent over IPC, so the peak RSS it reports is that run's alone.
// The registration hook must be evaluated before any app module is even linked (their named
// imports from @azure/functions resolve through it), so the app is imported dynamically below.
import "../src/host/registry.js";
import type { BackupRunParams } from "./backup-run.js";

const send = (message: unknown) =>
  new Promise<void>((resolve, reject) => {
    if (!process.send) return reject(new Error("backup-child.ts must be started with an IPC channel"));
    process.send(message, (error: Error | null) => (error ? reject(error) : resolve()));
  });

try {
  const params = JSON.parse(process.argv[2] ?? "") as BackupRunParams;
  const { runOrchestratedBackup } = await import("./backup-run.js");
  const result = await runOrchestratedBackup(params);
  await send({ ok: true, result });
  process.exit(0);
} catch (error) {
  await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
}
