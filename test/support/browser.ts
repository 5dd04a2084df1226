// Headless Chromium for page tests: Debian's `chromium` package (installed by .ci/run when missing)
// driven by playwright-core, which downloads nothing. A fresh profile per launch, and no network
// chatter of its own (no updates, sync, QUIC or background requests): pages see only the app.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = process.env["AZDR_CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Whether browser tests run here. Under CI they must: a missing browser is a failure (thrown from
 * launchChromium), never a silent skip. Elsewhere they are skipped with this reason.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH) || process.env["CI"] === "true") return undefined;
  return `no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (the .ci/run script does) to run the browser tests`;
}

export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install -y chromium)`,
    );
  const profile = await mkdtemp(path.join(os.tmpdir(), "azdr-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
