// `npm run bench:artifact`: backs up one Azure ML model version whose artifact is a generated file of
// BENCH_ARTIFACT_MB (default 2048 = 2 GiB) from the simulator into an in-memory Azurite, in a child
// process, verifies it by re-hashing, and reports that process's peak RSS: memory must stay flat
// whatever the file size (the store streams bodies in blocks). Goals are reported, never asserted.
//
// Environment: BENCH_ARTIFACT_MB [2048], BENCH_OUT [bench-artifact-results.json]
import { fork } from "node:child_process";
import { randomBytes, randomFillSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startAzurite } from "../sim/azurite.js";
import { startAzureSim } from "../sim/azure/index.js";
import { digestInSlices } from "../sim/azure/state.js";
import type { ArtifactRunParams, ArtifactRunResult } from "./artifact-child.js";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sizeMb = Number(process.env["BENCH_ARTIFACT_MB"] ?? "2048");
if (!Number.isFinite(sizeMb) || sizeMb <= 0)
  throw new Error(`BENCH_ARTIFACT_MB=${sizeMb}: expected a positive number`);
const out = process.env["BENCH_OUT"] ?? "bench-artifact-results.json";
/** Flat means: well under the artifact itself, and under the notebooks bench's 512 MB goal. */
const PEAK_RSS_GOAL_MB = 512;

function runInChild(params: ArtifactRunParams, sha256: string): Promise<ArtifactRunResult> {
  const script = fileURLToPath(new URL("./artifact-child.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [JSON.stringify(params), sha256], {
      cwd: REPO_ROOT,
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (m: { ok: boolean; result?: ArtifactRunResult; error?: string }) =>
      m.ok && m.result ? resolve(m.result) : reject(new Error(m.error ?? "artifact backup failed")),
    );
    child.on("exit", (code) => {
      if (code !== 0) reject(new Error(`artifact backup child exited with ${code}`));
    });
  });
}

const azurite = await startAzurite();
const sim = await startAzureSim({ seed: { models: 1, versionsPerModel: 1, artifactFilesPerVersion: 1 } });
try {
  // Replace the seeded artifact with a generated one of the requested size (held by the simulator,
  // in this process: the child that backs it up never holds it).
  const seeded = sim.seed!.artifacts[0]!;
  const file = seeded.files[0]!;
  const bytes = Buffer.allocUnsafe(Math.round(sizeMb * 1024 * 1024));
  for (let offset = 0; offset < bytes.length; offset += 64 * 1024 * 1024)
    randomFillSync(bytes, offset, Math.min(64 * 1024 * 1024, bytes.length - offset));
  const sha256 = digestInSlices("sha256", bytes).toString("hex");
  sim.disasters.overwriteBlob(seeded.account, seeded.container, file.path, bytes);
  const id = randomBytes(4).toString("hex");
  const result = await runInChild(
    {
      armUrl: sim.urls.arm,
      blobUrl: sim.urls.blob,
      token: sim.token,
      subscriptionId: sim.subscriptionId,
      connectionString: azurite.connectionString,
      containerPrefix: `bench${id}-`,
      indexTable: `bench${id}`,
    },
    sha256,
  );
  const results = {
    benchmark: "azure-ml large artifact backup",
    at: new Date().toISOString(),
    environment: {
      node: process.version,
      cpus: os.cpus().length,
      totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    },
    artifactMb: sizeMb,
    ...result,
    goals: { peakRssMb: PEAK_RSS_GOAL_MB },
    met: {
      peakRssMb: result.peakRssMb < PEAK_RSS_GOAL_MB,
      bytesMatch: result.expectedSha256Matches && result.verifyOk,
    },
  };
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  const mbps = (ms: number) => Math.round((result.artifactBytes / 2 ** 20 / (ms / 1000)) * 10) / 10;
  console.log(
    [
      "",
      `azdr large-artifact backup benchmark (${process.version}, ${os.cpus().length} cpus)`,
      `  artifact ${sizeMb} MiB, phase ${result.phase}, sha256 ${result.expectedSha256Matches ? "matches" : "DIFFERS"}, ${result.uploadBlocks} blocks`,
      `  backup ${result.backupWallMs} ms (${mbps(result.backupWallMs)} MiB/s), verify (re-hash) ${result.verifyWallMs} ms, ${result.verifyOk ? "OK" : "PROBLEMS"}`,
      `  backup process RSS: ${result.baselineRssMb} MB before, ${result.peakRssMb} MB peak (goal < ${PEAK_RSS_GOAL_MB}: ${results.met.peakRssMb ? "met" : "MISSED"}); peak heap ${result.peakHeapUsedMb} MB`,
      `  sampled peaks: backup RSS ${result.sampled.backupRssMb} MB (Buffers ${result.sampled.backupArrayBuffersMb} MB), verify RSS ${result.sampled.verifyRssMb} MB (Buffers ${result.sampled.verifyArrayBuffersMb} MB)`,
      `  written to ${out}`,
    ].join("\n"),
  );
} finally {
  await sim.close();
  await azurite.stop();
}
