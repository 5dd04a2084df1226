// The restore catalog: one row per runbook section, like lib/backup/catalog.ts is for backups.
// Everything that names scenarios derives from it: request validation (which ids a source and a
// target may be), the instance lock, preflight hints, alert routing, the drill's RTO mapping, the
// CLI's scenario list and help, and the README's scenario table (test/restore/catalog.test.ts).
// Adding a scenario = one row here + one module in scenarios/ (see src/lib/restore/README.md).
import { z } from "zod";
import type { PlatformConfig } from "../config/schema.js";
import { AzdrError } from "../errors.js";
import type { Domain } from "../config/schema.js";
import { existingPolicy, remapSchema, NO_REMAP, restoreRequestBase } from "./engine/request-schema.js";
import type { IdMapSet, RequestShape, RestoreScenario } from "./engine/steps.js";
import { engineSelftestScenario } from "./scenarios/engine-selftest.js";
import { storageScenario } from "./scenarios/storage.js";
import { checkStorageRequest, storageRequestFields } from "./scenarios/storage/request.js";
import { resolveArmResource } from "../config/naming.js";
import { unityCatalogScenario } from "./scenarios/unity-catalog.js";
import { workspaceScenario } from "./scenarios/workspace.js";

/** A kind of configured thing a restore reads from or writes to, and where its ids come from. */
export interface ConfigTargets {
  /** What it is, for messages ("workspace"). */
  kind: string;
  /** Where its ids live in the config, for messages ("databricks.workspaces"). */
  configPath: string;
  /** The configured ids, with their role (primary targets need allowPrimaryTarget). */
  list(config: PlatformConfig): { id: string; role?: "primary" | "secondary" }[];
}

export const DATABRICKS_WORKSPACES: ConfigTargets = {
  kind: "workspace",
  configPath: "databricks.workspaces",
  list: (config) => config.databricks.workspaces.map((w) => ({ id: w.id, role: w.role })),
};

export const UC_METASTORES: ConfigTargets = {
  kind: "metastore",
  configPath: "unityCatalog.metastores",
  list: (config) => config.unityCatalog.metastores.map((m) => ({ id: m.id, role: m.role })),
};

export const STORAGE_ACCOUNTS: ConfigTargets = {
  kind: "storage account",
  configPath: "storageAccounts",
  list: (config) => config.storageAccounts.map((s) => ({ id: s.id })),
};

/** One snapshot component a scenario restores from. */
export interface ScenarioInput {
  domain: Domain;
  component: string;
  /** A missing required input blocks the plan; a missing optional one is a note. */
  required: boolean;
  /** Which backed-up source the snapshot is of; default: the request's `source`. */
  source?(request: RequestShape, config: PlatformConfig): string;
}

/** How an Event Grid deletion of a configured resource maps to this scenario. */
export interface DeletionRoute {
  /** Lowercase ARM operation prefix, e.g. "microsoft.databricks/workspaces/". */
  operation: string;
  /**
   * The restore to start (waiting at its approval gate), or the reason to start nothing; `ours`
   * says the deleted resource is one the config names (people are told even though nothing starts).
   */
  route(
    config: PlatformConfig,
    resourceId: string,
    eventId: string,
  ): { request: Record<string, unknown>; reason: string } | { ignore: string; ours: boolean };
}

export interface CatalogRow<Name extends string = string, Schema extends z.ZodObject = z.ZodObject> {
  name: Name;
  /** Runbook section, e.g. "7.3". */
  section: string;
  title: string;
  /** The objectives.rto component the drill measures this scenario against. */
  rtoComponent: string;
  /** What `target` names, and what `source` names. */
  target: ConfigTargets;
  source: ConfigTargets;
  inputs: ScenarioInput[];
  /** The scenario's request: restoreRequestBase.extend({ its options and remap rules }). */
  request: Schema;
  /** The command that creates a missing snapshot (preflight's fix). */
  backupHint: string;
  deletion?: DeletionRoute;
  module: RestoreScenario<z.output<Schema> & RequestShape & { scenario: Name }, IdMapSet>;
  /** Used only by tests: refused by every trigger, left out of the CLI, the README and alerts. */
  internal?: boolean;
}

function row<const Name extends string, Schema extends z.ZodObject>(
  entry: CatalogRow<Name, Schema>,
): CatalogRow<Name, Schema> {
  return entry;
}

// ---- request extensions (each scenario's own options) -----------------------------------------------

export const WORKSPACE_REQUEST = restoreRequestBase.extend({
  existing: existingPolicy,
  remap: remapSchema.default(NO_REMAP),
  jobsPaused: z.boolean().default(true).describe("Create restored jobs with paused schedules."),
  rewriteBodies: z
    .boolean()
    .default(false)
    .describe(
      "Also apply the workspaceUrls, storageAccounts and abfssRoots remap rules inside notebook and text file bodies (each rewritten file is listed in the plan and the report); off: they apply to job and cluster settings only and the plan lists the bodies that still reference the primary.",
    ),
});
export type WorkspaceRequest = z.output<typeof WORKSPACE_REQUEST> & { scenario: "workspace" };

const databricksWorkspaceId = z.string().regex(/^\d+$/, "must be a numeric Databricks workspace id");
const unityCatalogRemap = remapSchema.extend({
  workspaceIds: z
    .array(z.object({ from: databricksWorkspaceId, to: databricksWorkspaceId }).strict())
    .default([])
    .describe(
      "Databricks workspace ids for Unity Catalog workspace bindings (ISOLATED catalogs); the backed-up metastore's workspace maps to the target's without a rule.",
    ),
});

export const UNITY_CATALOG_REQUEST = restoreRequestBase.extend({
  existing: existingPolicy,
  remap: unityCatalogRemap.default(unityCatalogRemap.parse({})),
  managedTables: z
    .enum(["skip", "recreate-empty"])
    .default("skip")
    .describe(
      "MANAGED tables missing in the target: skip (listed as follow-ups) or recreate-empty (their definitions re-created EMPTY, the views over them after; the data comes from the data-recovery scenario, runbook 7.6).",
    ),
});
export type UnityCatalogRequest = z.output<typeof UNITY_CATALOG_REQUEST> & { scenario: "unity-catalog" };

export const STORAGE_REQUEST = restoreRequestBase
  .extend(storageRequestFields)
  .superRefine((request, ctx) => checkStorageRequest(request, ctx));
export type StorageRequest = z.output<typeof STORAGE_REQUEST> & { scenario: "storage" };

export const ENGINE_SELFTEST_REQUEST = restoreRequestBase.extend({
  folder: z
    .string()
    .startsWith("/", "must be an absolute workspace path")
    .default("/Shared/azdr-selftest")
    .describe("Workspace folder the self-test writes under."),
});
export type EngineSelftestRequest = z.output<typeof ENGINE_SELFTEST_REQUEST> & {
  scenario: "engine-selftest";
};

// ---- the rows ---------------------------------------------------------------------------------------

export const CATALOG = [
  row({
    name: "workspace",
    section: "7.3",
    title: "Databricks workspace recovery",
    rtoComponent: "databricks-workspace",
    target: DATABRICKS_WORKSPACES,
    source: DATABRICKS_WORKSPACES,
    inputs: [
      { domain: "databricks", component: "workspace-objects", required: true },
      { domain: "databricks", component: "workspace-config", required: false },
    ],
    request: WORKSPACE_REQUEST,
    backupHint: "azdr backup workspace",
    deletion: {
      operation: "microsoft.databricks/workspaces/",
      route: (config, resourceId, eventId) => {
        const name = resourceId.split("/").pop() ?? "";
        const workspace = config.databricks.workspaces.find(
          (w) => w.resourceId?.toLowerCase() === resourceId,
        );
        if (!workspace)
          return {
            ignore: `Databricks workspace ${name} is not in databricks.workspaces (resourceId)`,
            ours: false,
          };
        if (workspace.role !== "primary")
          return {
            ignore: `workspace ${workspace.id} is a restore target, not a backed-up workspace: nothing to restore, but the DR side lost a workspace`,
            ours: true,
          };
        const target = config.databricks.workspaces.find((w) => w.role === "secondary");
        if (!target) {
          return {
            ignore: `workspace ${workspace.id} was deleted but no secondary workspace is configured to restore into: add one (role "secondary") and run \`azdr restore workspace\``,
            ours: true,
          };
        }
        return {
          request: {
            scenario: "workspace",
            source: workspace.id,
            target: target.id,
            mode: "apply",
            requestedBy: `event-grid:${eventId}`,
          },
          reason: `workspace ${workspace.id} deleted: runbook 7.3 into ${target.id}, waiting for approval`,
        };
      },
    },
    module: workspaceScenario,
  }),
  row({
    name: "unity-catalog",
    section: "7.4",
    title: "Unity Catalog recovery",
    rtoComponent: "unity-catalog",
    target: UC_METASTORES,
    source: UC_METASTORES,
    inputs: [{ domain: "unity-catalog", component: "metadata", required: true }],
    request: UNITY_CATALOG_REQUEST,
    backupHint: "azdr backup unity-catalog",
    module: unityCatalogScenario,
  }),
  row({
    name: "storage",
    section: "7.2",
    title: "Storage account recovery",
    rtoComponent: "storage",
    target: STORAGE_ACCOUNTS,
    source: STORAGE_ACCOUNTS,
    // Optional: without it a deleted or redeployed account gets no protection settings back.
    inputs: [{ domain: "storage", component: "protection", required: false }],
    request: STORAGE_REQUEST,
    backupHint: "azdr backup storage",
    deletion: {
      operation: "microsoft.storage/storageaccounts/",
      route: (config, resourceId, eventId) => {
        const name = resourceId.split("/").pop() ?? "";
        const entry = config.storageAccounts.find(
          (s) =>
            resolveArmResource(
              config,
              s,
              "sharedStorageAccount",
              "sharedResourceGroup",
            ).name.toLowerCase() === name,
        );
        if (!entry) return { ignore: `storage account ${name} is not in storageAccounts`, ours: false };
        // In place, so the target is production: allowPrimaryTarget, and the plan waits for two approvers.
        return {
          request: {
            scenario: "storage",
            source: entry.id,
            target: entry.id,
            mode: "apply",
            allowPrimaryTarget: true,
            requestedBy: `event-grid:${eventId}`,
          },
          reason: `storage account ${name} deleted: runbook 7.2 recovery is waiting at its approval gate (recoverable for 14 days)`,
        };
      },
    },
    module: storageScenario,
  }),
  row({
    name: "engine-selftest",
    section: "T.1",
    title: "Engine self-test (every step kind; tests only)",
    rtoComponent: "databricks-workspace",
    target: DATABRICKS_WORKSPACES,
    source: DATABRICKS_WORKSPACES,
    inputs: [],
    request: ENGINE_SELFTEST_REQUEST,
    backupHint: "azdr backup workspace",
    module: engineSelftestScenario,
    internal: true,
  }),
] as const;

export type CatalogEntry = (typeof CATALOG)[number];
export type ScenarioName = CatalogEntry["name"];
/** The parsed request of one scenario. */
export type RequestOf<N extends ScenarioName> = z.output<Extract<CatalogEntry, { name: N }>["request"]> & {
  scenario: N;
};
/** Any parsed restore request (discriminated by `scenario`). */
export type RestoreRequest = { [N in ScenarioName]: RequestOf<N> }[ScenarioName];

const BY_NAME = new Map<string, CatalogEntry>(CATALOG.map((r) => [r.name, r]));

export function isScenario(value: string): value is ScenarioName {
  return BY_NAME.has(value);
}

/** The catalog row of a scenario (internal rows included: the engine runs them like any other). */
export function catalogRow(name: string): CatalogRow {
  const entry = BY_NAME.get(name);
  if (!entry) throw new AzdrError("UNSUPPORTED", `restore scenario "${name}" is not in the catalog`);
  return entry;
}

/** The rows people use: what the CLI, the README, the HTTP routes and alerts offer. */
export function publicScenarios(): CatalogRow[] {
  return CATALOG.filter((r) => !("internal" in r && r.internal));
}

/** The module that runs a scenario (its request was parsed with the same row's schema). */
export function scenarioFor(name: string): RestoreScenario {
  return catalogRow(name).module;
}

/** Section and title per scenario name (what reports, plans and notifications print). */
export const SCENARIOS: Record<ScenarioName, { section: string; title: string; targetKind: string }> =
  Object.fromEntries(
    CATALOG.map((r) => [r.name, { section: r.section, title: r.title, targetKind: r.target.kind }]),
  ) as Record<ScenarioName, { section: string; title: string; targetKind: string }>;

/** The drill's mapping: which objectives.rto row a scenario answers to. */
export const RTO_COMPONENT_OF_SCENARIO: Record<string, string> = Object.fromEntries(
  CATALOG.map((r) => [r.name, r.rtoComponent]),
);

/** "workspace | unity-catalog": the CLI's argument help. */
export function scenarioChoices(): string {
  return publicScenarios()
    .map((r) => r.name)
    .join(" | ");
}

/** "runbook 7.3 workspace, 7.4 unity-catalog": the CLI's command help. */
export function scenarioSections(): string {
  return publicScenarios()
    .map((r) => `${r.section} ${r.name}`)
    .join(", ");
}

/** The README's scenario table, generated (test/restore/catalog.test.ts keeps the README equal to it). */
export function scenarioTableMarkdown(): string {
  const rows = publicScenarios().map((r) => {
    const inputs = r.inputs.length
      ? r.inputs.map((i) => `\`${i.domain}/${i.component}\`${i.required ? "" : " (optional)"}`).join(", ")
      : "—";
    const kinds = new Map<string, number>();
    for (const step of r.module.steps) kinds.set(step.kind, (kinds.get(step.kind) ?? 0) + 1);
    const steps = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ");
    return `| \`${r.name}\` | ${r.section} | ${r.title} | ${r.target.configPath} | ${inputs} | ${r.rtoComponent} | ${r.deletion ? "yes" : "—"} | ${steps} |`;
  });
  return [
    "| scenario | runbook | title | source and target ids | inputs (snapshots) | RTO row | started by deletion alerts | steps by kind |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
