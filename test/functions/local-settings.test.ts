// `func start` needs local.settings.json: the sample must hold every setting the registered
// bindings resolve (%NAME% expressions such as timer schedules, queue connections), what host.json
// resolves, and every secret setting its config names, or the host fails to load a function.
import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import type { BindingInfo, FunctionRegistry } from "../../src/host/index.js";
import { loadConfigFromAppSettings } from "../../src/lib/config/index.js";
import { appRegistry } from "../support/platform.js";

let registry: FunctionRegistry;
let values: Record<string, string>;

beforeAll(async () => {
  registry = await appRegistry();
  values = (
    JSON.parse(await readFile("local.settings.sample.json", "utf8")) as { Values: Record<string, string> }
  ).Values;
});

/** App settings a binding needs: %NAME% in any option, and its storage connection. */
function settingsOf(binding: BindingInfo): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(binding)) {
    if (typeof value !== "string") continue;
    for (const match of value.matchAll(/%([^%]+)%/g)) out.push(match[1]!);
    if (key === "connection" && value) out.push(value);
  }
  return out;
}

describe("local.settings.sample.json", () => {
  it("sets every app setting a registered binding or host.json resolves", async () => {
    const needed = new Map<string, string>();
    for (const fn of registry.all())
      for (const binding of [fn.trigger, ...fn.extraInputs, ...fn.extraOutputs, fn.returnBinding])
        if (binding) for (const name of settingsOf(binding)) needed.set(name, fn.name);
    for (const match of (await readFile("host.json", "utf8")).matchAll(/%([^%]+)%/g))
      needed.set(match[1]!, "host.json");
    // The timers really use setting references: without them this test would prove nothing.
    expect(registry.all().filter((fn) => fn.kind === "timer").length).toBeGreaterThan(0);
    expect(needed.size).toBeGreaterThan(3);
    const missing = [...needed].filter(([name]) => !values[name]).map(([name, by]) => `${name} (${by})`);
    expect(missing).toEqual([]);
  });

  it('no binding expression names a setting with "__" (the host\'s .NET configuration reads it as a section: azure-functions-host#10246)', () => {
    const names = registry
      .all()
      .flatMap((fn) =>
        [fn.trigger, ...fn.extraInputs, ...fn.extraOutputs, fn.returnBinding].flatMap((b) =>
          b ? settingsOf(b).map((name) => `${fn.name}: ${name}`) : [],
        ),
      );
    expect(names.filter((n) => /AZDR_SCHEDULE_/.test(n)).length).toBeGreaterThan(0);
    expect(names.filter((n) => n.split(": ")[1]!.includes("__"))).toEqual([]);
  });

  it("the timers' schedule settings are the config's schedules (one value, no mismatch)", () => {
    const config = loadConfigFromAppSettings({ ...values, AZDR_SCHEDULE_NOTEBOOKS: "0 7 * * * *" });
    expect(config.schedules.notebooks).toBe("0 7 * * * *");
    expect(() =>
      loadConfigFromAppSettings({
        ...values,
        AZDR_SCHEDULE_NOTEBOOKS: "0 7 * * * *",
        AZDR__schedules__notebooks: "0 9 * * * *",
      }),
    ).toThrow(/schedules\.notebooks: AZDR_SCHEDULE_NOTEBOOKS .* and AZDR__schedules__notebooks .* disagree/);
  });

  it("sets what the worker and the config's secret settings need", () => {
    expect(values["FUNCTIONS_WORKER_RUNTIME"]).toBe("node");
    const config = loadConfigFromAppSettings(values);
    const secretSettings = [
      ...config.databricks.workspaces.flatMap((w) => (w.auth.type === "pat" ? [w.auth.tokenSetting] : [])),
      ...(config.backupStore.connectionStringSetting ? [config.backupStore.connectionStringSetting] : []),
    ];
    expect(secretSettings.length).toBeGreaterThan(0);
    expect(secretSettings.filter((name) => !values[name])).toEqual([]);
  });
});
