import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/lib/config/index.js";
import {
  parseRestoreRequest,
  RestoreRequestError,
  restoreInstanceId,
} from "../../../src/lib/restore/engine/request.js";
import { remapAccessConnector } from "../../../src/lib/kinds/unity-catalog/model.js";
import { remapPrincipal, remapStorage } from "../../../src/lib/restore/engine/remap.js";

const config = parseConfig({
  env: "prod",
  project: "dataplat",
  subscriptionId: "00000000-0000-0000-0000-000000000000",
  databricks: {
    workspaces: [
      { id: "primary", url: "https://a.azuredatabricks.net", auth: { type: "entra" } },
      { id: "dr", url: "https://b.azuredatabricks.net", role: "secondary", auth: { type: "entra" } },
    ],
  },
  unityCatalog: {
    metastores: [
      { id: "m1", workspace: "primary" },
      { id: "m2", workspace: "dr", role: "secondary" },
    ],
  },
});

describe("restore requests", () => {
  it("fills defaults and derives one instance id per target", () => {
    const request = parseRestoreRequest({ source: "primary", target: "dr" }, config, "workspace");
    expect(request).toMatchObject({
      scenario: "workspace",
      snapshot: "latest",
      mode: "plan",
      existing: "skip",
      jobsPaused: true,
      rewriteBodies: false,
    });
    expect(restoreInstanceId(request)).toBe("restore-workspace-dr");
  });

  it("rewriteBodies is a workspace option (HTTP and queue bodies alike): a boolean, refused elsewhere", () => {
    for (const source of ["http", "queue"] as const) {
      const request = parseRestoreRequest(
        { source: "primary", target: "dr", rewriteBodies: true },
        config,
        "workspace",
        source,
      );
      expect(request).toMatchObject({ rewriteBodies: true });
      try {
        parseRestoreRequest(
          { source: "primary", target: "dr", rewriteBodies: "yes" },
          config,
          "workspace",
          source,
        );
        expect.unreachable();
      } catch (error) {
        expect((error as RestoreRequestError).problems.map((p) => p.field)).toEqual(["rewriteBodies"]);
      }
    }
    try {
      parseRestoreRequest({ source: "m1", target: "m2", rewriteBodies: true }, config, "unity-catalog");
      expect.unreachable();
    } catch (error) {
      expect((error as RestoreRequestError).problems.map((p) => p.field)).toEqual(["rewriteBodies"]);
    }
  });

  it("lists every problem with its field and fix", () => {
    try {
      parseRestoreRequest(
        { source: "nowhere", target: "m9", mode: "now", existing: "maybe" },
        config,
        "unity-catalog",
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RestoreRequestError);
      const fields = (error as RestoreRequestError).problems.map((p) => p.field).sort();
      expect(fields).toEqual(["existing", "mode"]);
    }
    try {
      parseRestoreRequest({ source: "nowhere", target: "m9" }, config, "unity-catalog");
      expect.unreachable();
    } catch (error) {
      const problems = (error as RestoreRequestError).problems;
      expect(problems.map((p) => p.field)).toEqual(["source", "target"]);
      expect(problems[0]?.fix).toMatch(/use one of: m1, m2/);
    }
  });

  it("applies remapping rules: storage accounts and abfss roots, principals, access connectors", () => {
    const request = parseRestoreRequest(
      {
        source: "m1",
        target: "m2",
        remap: {
          storageAccounts: [{ from: "stprimary", to: "stsecondary" }],
          abfssRoots: [
            {
              from: "abfss://raw@stold.dfs.core.windows.net/",
              to: "abfss://raw@stnew.dfs.core.windows.net/dr/",
            },
          ],
          principals: [{ from: "alice@contoso.com", to: "alice-dr@contoso.com" }],
          accessConnectors: [
            {
              from: "/subscriptions/s/resourceGroups/a/providers/Microsoft.Databricks/accessConnectors/c1",
              to: "/subscriptions/s/resourceGroups/b/providers/Microsoft.Databricks/accessConnectors/c2",
            },
          ],
        },
      },
      config,
      "unity-catalog",
    );
    expect(remapStorage("abfss://data@stprimary.dfs.core.windows.net/x", request.remap)).toBe(
      "abfss://data@stsecondary.dfs.core.windows.net/x",
    );
    expect(remapStorage("abfss://raw@stold.dfs.core.windows.net/t1", request.remap)).toBe(
      "abfss://raw@stnew.dfs.core.windows.net/dr/t1",
    );
    expect(remapPrincipal("alice@contoso.com", request.remap)).toBe("alice-dr@contoso.com");
    expect(remapPrincipal("bob@contoso.com", request.remap)).toBe("bob@contoso.com");
    expect(
      remapAccessConnector(
        "/subscriptions/s/resourceGroups/A/providers/Microsoft.Databricks/accessConnectors/C1",
        request.remap,
      ),
    ).toMatch(/c2$/);
  });
});
