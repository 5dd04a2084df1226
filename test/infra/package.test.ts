// The deployment package: azd deploys the folder `npm run package:app` stages, which holds the
// compiled app and production dependencies only.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { INSTALL_ARGS, PACKAGE_DIR, PACKAGE_FILES } from "../../scripts/package-app.js";

interface AzureYaml {
  services: Record<string, { dist?: string; hooks?: Record<string, { run?: string }> }>;
}

describe("deployment package", () => {
  it("azd deploys the staged folder, staged by the prepackage hook", async () => {
    const azure = parseYaml(await readFile("azure.yaml", "utf8")) as AzureYaml;
    const service = azure.services["azdr"];
    expect(service?.dist).toBe(PACKAGE_DIR);
    expect(service?.hooks?.["prepackage"]?.run).toBe("npm run package:app");
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as {
      scripts: Record<string, string>;
      main: string;
      devDependencies: Record<string, string>;
    };
    expect(pkg.scripts["package:app"]).toBe("npm run build && tsx scripts/package-app.ts");
    // The entry point the host loads is inside the staged files.
    expect(PACKAGE_FILES.some((file) => pkg.main.startsWith(`${file}/`))).toBe(true);
  });

  it("installs production dependencies only and copies no sources, tests or simulator", async () => {
    expect(INSTALL_ARGS).toEqual(expect.arrayContaining(["ci", "--omit=dev", "--ignore-scripts"]));
    expect(PACKAGE_FILES.filter((f) => /^(src|test|sim|scripts|bench|infra|node_modules)$/.test(f))).toEqual(
      [],
    );
    const funcignore = (await readFile(".funcignore", "utf8")).split("\n");
    expect(funcignore).toEqual(expect.arrayContaining(["src", "test", "sim", "local.settings.json"]));
  });
});
