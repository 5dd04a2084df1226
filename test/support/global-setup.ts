// Vitest global setup: one in-memory Azurite for the whole run, always stopped at the end.
import type { TestProject } from "vitest/node";
import { startAzurite, type RunningAzurite } from "../../sim/azurite.js";

declare module "vitest" {
  export interface ProvidedContext {
    azuriteConnectionString: string;
  }
}

let azurite: RunningAzurite | undefined;

export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite();
  project.provide("azuriteConnectionString", azurite.connectionString);
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
