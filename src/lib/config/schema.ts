// The platform description: one zod schema, documented key by key. Loaded from app settings
// (Function App) or a JSON/YAML file (CLI). Every key carries a description and an example, which
// feed the README's settings reference and the error messages of a bad config.
import { z } from "zod";

const ex = <T>(description: string, example: T) => ({ description, examples: [example] });

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const cron = z
  .string()
  .regex(/^\S+( \S+){5}$/, "must be a six-field NCRONTAB expression: second minute hour day month weekday");
const hours = z.number().nonnegative();

/** Stable ids used in blob paths and index keys: lowercase letters, digits and dashes. */
const sourceId = z
  .string()
  .regex(NAME, "must be lowercase letters, digits and dashes, starting with a letter or digit");

const region = z.string().regex(/^[a-z0-9]+$/, "must be an Azure region name such as canadaeast");

const AUTH_TYPE =
  "pat: a personal access token read from the app setting named by tokenSetting; entra: a Microsoft Entra ID token (managed identity in Azure, your az login locally).";

export const databricksAuthSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("pat").meta(ex(AUTH_TYPE, "pat")),
      tokenSetting: z
        .string()
        .min(1)
        .meta(
          ex(
            "Name of the app setting / environment variable that holds the token (use a Key Vault reference in Azure). Never the token itself.",
            "DATABRICKS_TOKEN_PRIMARY",
          ),
        ),
    }),
    z.strictObject({
      type: z.literal("entra").meta(ex(AUTH_TYPE, "entra")),
      managedIdentityClientId: z
        .string()
        .optional()
        .meta(
          ex(
            "Client id of the user-assigned managed identity; omit to use DefaultAzureCredential.",
            "00000000-0000-0000-0000-000000000000",
          ),
        ),
    }),
  ])
  .meta(ex("How azdr authenticates to the workspace.", { type: "entra" }));

const databricksWorkspaceSchema = z.strictObject({
  id: sourceId.meta(ex("Stable id of this workspace in azdr (paths, index, restore targets).", "primary")),
  url: z.url().meta(ex("Workspace URL.", "https://adb-1234567890123456.7.azuredatabricks.net")),
  role: z
    .enum(["primary", "secondary"])
    .default("primary")
    .meta(ex("primary is backed up; secondary is the DR-region restore target.", "primary")),
  region: region
    .optional()
    .meta(ex("Azure region of the workspace (defaults to the role's region).", "canadaeast")),
  resourceId: z
    .string()
    .regex(
      /^\/subscriptions\/.+\/providers\/Microsoft\.Databricks\/workspaces\/.+$/i,
      "must be an ARM resource id",
    )
    .optional()
    .meta(
      ex(
        "ARM resource id, used by preflight to tell whether the workspace itself exists.",
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod-dataplat-databricks/providers/Microsoft.Databricks/workspaces/dbw-prod-dataplat",
      ),
    ),
  auth: databricksAuthSchema,
  backupRoot: z
    .string()
    .startsWith("/")
    .default("/")
    .meta(ex("Workspace folder whose tree is backed up.", "/")),
});

const metastoreSchema = z.strictObject({
  id: sourceId.meta(ex("Stable id of this metastore in azdr.", "primary-metastore")),
  metastoreId: z
    .string()
    .optional()
    .meta(
      ex(
        "Unity Catalog metastore id, if known; read from the workspace otherwise.",
        "11111111-2222-3333-4444-555555555555",
      ),
    ),
  workspace: sourceId.meta(
    ex("Id of the Databricks workspace (above) through which the metastore is read.", "primary"),
  ),
  role: z
    .enum(["primary", "secondary"])
    .default("primary")
    .meta(ex("primary is backed up; secondary is a restore target.", "primary")),
});

const armResource = (what: string, template: string, example: string) =>
  z.strictObject({
    id: sourceId.meta(ex(`Stable id of this ${what} in azdr.`, example)),
    name: z
      .string()
      .min(1)
      .optional()
      .meta(ex(`Resource name; derived from the naming template ${template} when omitted.`, `${template}`)),
    resourceGroup: z
      .string()
      .min(1)
      .optional()
      .meta(ex("Resource group; derived from the naming templates when omitted.", "rg-prod-dataplat-shared")),
  });

export const namingSchema = z
  .strictObject({
    sharedResourceGroup: z
      .string()
      .default("rg-{env}-{project}-shared")
      .meta(ex("VNet, storage, Key Vault, ACR, monitoring.", "rg-{env}-{project}-shared")),
    databricksResourceGroup: z
      .string()
      .default("rg-{env}-{project}-databricks")
      .meta(ex("Databricks workspace.", "rg-{env}-{project}-databricks")),
    aiPlatformResourceGroup: z
      .string()
      .default("rg-{env}-{project}-ai-platform")
      .meta(ex("Azure ML, AI Foundry.", "rg-{env}-{project}-ai-platform")),
    computeResourceGroup: z
      .string()
      .default("rg-{env}-{project}-compute")
      .meta(ex("AKS, Container Apps.", "rg-{env}-{project}-compute")),
    sharedStorageAccount: z
      .string()
      .default("st{env}{project}shared")
      .meta(ex("Shared storage account (also the default backup store).", "st{env}{project}shared")),
    keyVault: z.string().default("kv-{env}-{project}").meta(ex("Key Vault.", "kv-{env}-{project}")),
    mlWorkspace: z
      .string()
      .default("mlw-{env}-{project}")
      .meta(ex("Azure ML workspace.", "mlw-{env}-{project}")),
    foundryHub: z.string().default("hub-{env}-{project}").meta(ex("AI Foundry hub.", "hub-{env}-{project}")),
    databricksWorkspace: z
      .string()
      .default("dbw-{env}-{project}")
      .meta(ex("Databricks workspace resource.", "dbw-{env}-{project}")),
  })
  .default({
    sharedResourceGroup: "rg-{env}-{project}-shared",
    databricksResourceGroup: "rg-{env}-{project}-databricks",
    aiPlatformResourceGroup: "rg-{env}-{project}-ai-platform",
    computeResourceGroup: "rg-{env}-{project}-compute",
    sharedStorageAccount: "st{env}{project}shared",
    keyVault: "kv-{env}-{project}",
    mlWorkspace: "mlw-{env}-{project}",
    foundryHub: "hub-{env}-{project}",
    databricksWorkspace: "dbw-{env}-{project}",
  })
  .meta(
    ex("Naming templates of runbook section 3; {env} and {project} are substituted.", {
      keyVault: "kv-{env}-{project}",
    }),
  );

export const backupStoreSchema = z
  .strictObject({
    accountName: z
      .string()
      .regex(/^[a-z0-9]{3,24}$/, "must be a storage account name: 3-24 lowercase letters and digits")
      .optional()
      .meta(
        ex(
          "Backup store storage account (flat namespace, so version-level WORM applies); defaults to the shared storage account name.",
          "stproddataplatbackup",
        ),
      ),
    connectionStringSetting: z
      .string()
      .optional()
      .meta(
        ex(
          "Name of an app setting holding a connection string (Azurite and local runs only; Azure uses managed identity).",
          "AZDR_STORE_CONNECTION_STRING",
        ),
      ),
    managedIdentityClientId: z
      .string()
      .optional()
      .meta(
        ex(
          "Client id of the user-assigned identity used for the store.",
          "00000000-0000-0000-0000-000000000000",
        ),
      ),
    indexTable: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, "must be a table name: letters and digits, 3-63 characters")
      .default("azdrsnapshots")
      .meta(ex("Azure Table holding the snapshot index.", "azdrsnapshots")),
  })
  .default({ indexTable: "azdrsnapshots" })
  .meta(ex("Where backups are written.", { accountName: "stproddataplatbackup" }));

export const schedulesSchema = z
  .strictObject({
    notebooks: cron
      .default("0 5 * * * *")
      .meta(ex("Databricks notebooks and files (runbook: hourly).", "0 5 * * * *")),
    workspaceConfig: cron
      .default("0 35 * * * *")
      .meta(
        ex(
          "Jobs, policies, clusters, pools, secret scopes, repos, permissions (hourly: the runbook's RPO for jobs is 1 hour; unchanged jobs are not re-read).",
          "0 35 * * * *",
        ),
      ),
    unityCatalog: cron
      .default("0 0 2 * * *")
      .meta(ex("Unity Catalog metadata (runbook 4.2: daily at 02:00 UTC).", "0 0 2 * * *")),
    azureMlModels: cron.default("0 15 * * * *").meta(ex("Azure ML models (RPO 1 hour).", "0 15 * * * *")),
    azureMlAssets: cron
      .default("0 45 2 * * *")
      .meta(ex("Azure ML environments, data assets, datastores, computes (RPO 24 hours).", "0 45 2 * * *")),
    foundry: cron.default("0 0 3 * * *").meta(ex("AI Foundry hubs, projects, connections.", "0 0 3 * * *")),
    keyVault: cron.default("0 30 3 * * *").meta(ex("Key Vault inventory.", "0 30 3 * * *")),
    storage: cron.default("0 0 4 * * *").meta(ex("Storage account protection settings.", "0 0 4 * * *")),
    rpoCheck: cron.default("0 */15 * * * *").meta(ex("RPO status check.", "0 */15 * * * *")),
    retention: cron.default("0 0 5 * * *").meta(ex("Retention and garbage collection.", "0 0 5 * * *")),
    verify: cron
      .default("0 0 6 * * 0")
      .meta(
        ex(
          "Weekly store check: every good snapshot's manifest against the index, bodies by size, a sample re-hashed; damaged ones are marked.",
          "0 0 6 * * 0",
        ),
      ),
  })
  .default({
    notebooks: "0 5 * * * *",
    workspaceConfig: "0 35 * * * *",
    unityCatalog: "0 0 2 * * *",
    azureMlModels: "0 15 * * * *",
    azureMlAssets: "0 45 2 * * *",
    foundry: "0 0 3 * * *",
    keyVault: "0 30 3 * * *",
    storage: "0 0 4 * * *",
    rpoCheck: "0 */15 * * * *",
    retention: "0 0 5 * * *",
    verify: "0 0 6 * * 0",
  })
  .meta(ex("Timer schedules (NCRONTAB, UTC).", { notebooks: "0 5 * * * *" }));

export const DOMAINS = ["unity-catalog", "databricks", "azureml", "foundry", "keyvault", "storage"] as const;
export type Domain = (typeof DOMAINS)[number];

export const retentionSchema = z
  .strictObject({
    days: z
      .record(z.enum(DOMAINS), z.number().int().positive())
      .default({ "unity-catalog": 30, databricks: 90, azureml: 90, foundry: 90, keyvault: 90, storage: 90 })
      .meta(
        ex("Days a snapshot is kept, per domain (runbook: Unity Catalog 30, workspace 90).", {
          "unity-catalog": 30,
          databricks: 90,
        }),
      ),
    gcGraceHours: z
      .number()
      .positive()
      .default(24)
      .meta(
        ex(
          "Unreferenced bodies and uncommitted snapshots younger than this are left alone (a write may be in flight).",
          24,
        ),
      ),
  })
  .default({
    days: { "unity-catalog": 30, databricks: 90, azureml: 90, foundry: 90, keyvault: 90, storage: 90 },
    gcGraceHours: 24,
  })
  .meta(ex("Retention and garbage collection.", { gcGraceHours: 24 }));

export const integritySchema = z
  .strictObject({
    maxShrinkShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .meta(
        ex(
          "Shrink guard: a snapshot with more than this share fewer objects than the last good one of the same component is committed as Suspect and is not good until `azdr snapshots accept`. 1 disables it.",
          0.2,
        ),
      ),
    verifySampleBodies: z
      .number()
      .int()
      .positive()
      .default(50)
      .meta(
        ex("Bodies re-hashed per snapshot by the weekly verify timer (every body is checked by size).", 50),
      ),
    verifySampleSnapshots: z
      .number()
      .int()
      .nonnegative()
      .default(3)
      .meta(
        ex(
          "Per component, the weekly verify timer checks the newest and the newest good snapshot plus this many others at random.",
          3,
        ),
      ),
    restorePinMarginHours: z
      .number()
      .positive()
      .default(48)
      .meta(
        ex(
          "A restore pins its snapshots against retention until it ends, or at the latest for its approval timeout plus this margin (covers a crashed run).",
          48,
        ),
      ),
  })
  .default({
    maxShrinkShare: 0.2,
    verifySampleBodies: 50,
    verifySampleSnapshots: 3,
    restorePinMarginHours: 48,
  })
  .meta(ex("Snapshot integrity: shrink guard, verification, restore pins.", { maxShrinkShare: 0.2 }));

/** The runbook's RTO table (section 2). */
export const DEFAULT_RTO = [
  { component: "networking", label: "Networking (VNet, NSG)", hours: 1 },
  { component: "storage", label: "Storage Accounts", hours: 2 },
  { component: "key-vault", label: "Key Vault", hours: 1 },
  { component: "container-registry", label: "Container Registry", hours: 2 },
  { component: "databricks-workspace", label: "Databricks Workspace", hours: 3 },
  { component: "unity-catalog", label: "Unity Catalog Metastore", hours: 4 },
  { component: "azure-ml", label: "Azure ML Workspace", hours: 2 },
  { component: "ai-foundry", label: "AI Foundry Hub", hours: 2 },
];

/** The runbook's RPO table (section 2); `component` links a row to the backups that serve it. */
export const DEFAULT_RPO = [
  {
    dataType: "infrastructure-as-code",
    label: "Infrastructure-as-Code",
    hours: 0,
    method: "GitHub repository",
  },
  {
    dataType: "unity-catalog-metadata",
    label: "Unity Catalog Metadata",
    hours: 24,
    method: "Daily export to ADLS Gen2",
  },
  {
    dataType: "databricks-notebooks",
    label: "Databricks Notebooks",
    hours: 1,
    method: "Git sync + workspace export",
  },
  { dataType: "databricks-jobs", label: "Databricks Jobs", hours: 1, method: "Terraform state + API export" },
  { dataType: "ml-models", label: "ML Models", hours: 1, method: "Azure ML model registry (GRS)" },
  { dataType: "ml-datasets", label: "ML Datasets", hours: 24, method: "ADLS Gen2 with GRS replication" },
  {
    dataType: "application-data",
    label: "Application Data",
    hours: 1,
    method: "Continuous replication (GRS/ZRS)",
  },
  {
    dataType: "key-vault-secrets",
    label: "Key Vault Secrets",
    hours: 0,
    method: "Azure built-in soft delete",
  },
];

/** Objectives of backups that serve no row of the runbook's RPO table (their own RPO rows). */
export const DEFAULT_BACKUP_RPO_HOURS = {
  "azureml-assets": 24,
  foundry: 24,
  "key-vault": 24,
  "storage-protection": 24,
};

const backupHours = (what: string, fallback: number) =>
  hours.default(fallback).meta(ex(`RPO in hours of the ${what} backup.`, fallback));

export const objectivesSchema = z
  .strictObject({
    rto: z
      .array(
        z.strictObject({
          component: sourceId.meta(ex("Component key.", "databricks-workspace")),
          label: z.string().meta(ex("Name as in the runbook.", "Databricks Workspace")),
          hours: hours.meta(ex("Recovery time objective in hours.", 3)),
        }),
      )
      .default(DEFAULT_RTO)
      .meta(ex("RTO per component (runbook section 2).", DEFAULT_RTO.slice(0, 1))),
    rpo: z
      .array(
        z.strictObject({
          dataType: sourceId.meta(ex("Data type key.", "databricks-notebooks")),
          label: z.string().meta(ex("Name as in the runbook.", "Databricks Notebooks")),
          hours: hours.meta(
            ex("Recovery point objective in hours (0: continuous, not measured by azdr backups).", 1),
          ),
          method: z.string().meta(ex("Backup method.", "Git sync + workspace export")),
        }),
      )
      .default(DEFAULT_RPO)
      .meta(ex("RPO per data type (runbook section 2).", DEFAULT_RPO.slice(2, 3))),
    backups: z
      .strictObject({
        "azureml-assets": backupHours(
          "Azure ML environments, data asset metadata, datastores and computes",
          24,
        ),
        foundry: backupHours("AI Foundry hubs, projects and connections", 24),
        "key-vault": backupHours("Key Vault inventory", 24),
        "storage-protection": backupHours("storage protection settings", 24),
      })
      .default(DEFAULT_BACKUP_RPO_HOURS)
      .meta(
        ex(
          "RPO of the backups that serve no row of the runbook's table: each is an RPO status row of its own.",
          { foundry: 24 },
        ),
      ),
  })
  .default({ rto: DEFAULT_RTO, rpo: DEFAULT_RPO, backups: DEFAULT_BACKUP_RPO_HOURS })
  .meta(
    ex("Recovery objectives as data: used by RPO monitoring, planning and drills.", {
      rto: DEFAULT_RTO.slice(0, 1),
    }),
  );

export const limitsSchema = z
  .strictObject({
    databricksRateShare: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .meta(
        ex("Share of Databricks' published per-endpoint rate limits that scheduled backups may use.", 0.5),
      ),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(200)
      .meta(ex("Objects per activity batch (keeps activities far from the host timeout).", 200)),
    maxConcurrentRequests: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(8)
      .meta(ex("Concurrent requests per Databricks workspace from one process (Databricks allows 20).", 8)),
    maxRetryAfterSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(120)
      .meta(
        ex(
          "Longest wait one Retry-After may impose on a Databricks call; longer ones (and far-future dates) are clamped to it. A call gives up, retryable, after three such waits.",
          120,
        ),
      ),
    requestTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(60)
      .meta(
        ex(
          "Per-attempt deadline of a Databricks call (connect, response, body); a hung request is aborted and re-sent when it is safe to.",
          60,
        ),
      ),
  })
  .default({
    databricksRateShare: 0.5,
    batchSize: 200,
    maxConcurrentRequests: 8,
    maxRetryAfterSeconds: 120,
    requestTimeoutSeconds: 60,
  })
  .meta(ex("Throughput limits.", { databricksRateShare: 0.5 }));

export const NOTIFICATION_EVENTS = [
  "restore-awaiting-approval",
  "restore-awaiting-checkpoint",
  "restore-finished",
  "backup-failed",
  "rpo-stale",
  "deletion-detected",
  "protection-weakened",
  "drill-finished",
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENTS)[number];

const settingName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    "must be the NAME of an app setting (letters, digits, _), never a URL or key",
  );

const sinkBase = {
  id: sourceId.meta(ex("Stable id of this sink (dead-letter records name it).", "ops-teams")),
  events: z
    .array(z.enum(NOTIFICATION_EVENTS))
    .optional()
    .meta(
      ex(`Events this sink receives (default: all): ${NOTIFICATION_EVENTS.join(", ")}.`, [
        "restore-awaiting-approval",
      ]),
    ),
};

const WEBHOOK_SETTING =
  "Name of the app setting holding the webhook URL (a secret: use a Key Vault reference). Never the URL itself.";

export const notificationSinkSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z
        .literal("webhook")
        .meta(
          ex(
            "webhook: generic JSON POST; teams: Teams workflow webhook (Adaptive Card); slack: Slack incoming webhook; email: Azure Communication Services Email.",
            "teams",
          ),
        ),
      ...sinkBase,
      urlSetting: settingName.meta(ex(WEBHOOK_SETTING, "AZDR_WEBHOOK_URL")),
    }),
    z.strictObject({
      type: z.literal("teams"),
      ...sinkBase,
      urlSetting: settingName.meta(ex(WEBHOOK_SETTING, "AZDR_TEAMS_WEBHOOK_URL")),
    }),
    z.strictObject({
      type: z.literal("slack"),
      ...sinkBase,
      urlSetting: settingName.meta(ex(WEBHOOK_SETTING, "AZDR_SLACK_WEBHOOK_URL")),
    }),
    z.strictObject({
      type: z.literal("email"),
      ...sinkBase,
      connectionStringSetting: settingName.meta(
        ex(
          "Name of the app setting holding the Azure Communication Services connection string (endpoint=…;accesskey=…). Never the value itself.",
          "AZDR_ACS_CONNECTION_STRING",
        ),
      ),
      from: z
        .email()
        .meta(ex("Sender address of a verified ACS email domain.", "DoNotReply@contoso.azurecomm.net")),
      to: z
        .array(z.email())
        .min(1)
        .meta(ex("Recipients.", ["oncall@contoso.com"])),
    }),
  ])
  .meta(
    ex("One notification sink.", { id: "ops-teams", type: "teams", urlSetting: "AZDR_TEAMS_WEBHOOK_URL" }),
  );

export const notificationsSchema = z
  .strictObject({
    sinks: z.array(notificationSinkSchema).default([]).meta(ex("Where notifications go.", [])),
    summariseMinutes: z
      .number()
      .int()
      .min(1)
      .max(1440)
      .default(60)
      .meta(
        ex(
          "Flood control: at most one message per component and event per this many minutes; the rest are counted and summarised in the next message.",
          60,
        ),
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(5)
      .meta(
        ex("Delivery attempts per sink (exponential backoff) before a dead-letter record is written.", 5),
      ),
    dashboardUrl: z
      .url()
      .optional()
      .meta(
        ex(
          "Public URL of the dashboard, linked from notifications (never with a function key in it).",
          "https://func-prod-dataplat-dr.azurewebsites.net/api/dashboard",
        ),
      ),
  })
  .default({ sinks: [], summariseMinutes: 60, maxAttempts: 5 })
  .meta(ex("Notifications (Teams, Slack, email, webhook).", { sinks: [] }));
const fourEyesPolicy = z
  .enum(["destructive", "always", "never"])
  .default("destructive")
  .meta(
    ex(
      "When the approver must be someone other than the requester: destructive plans (default), every apply, or never (restores into a primary target always need it).",
      "destructive",
    ),
  );

// Runbook 7.2 recovers a storage account in place (source = target): every such restore writes to
// a production account, which always needs a second approver. The key exists so the config says
// so, and a weaker value is refused instead of silently overruled.
const storageFourEyesPolicy = z
  .literal("always", {
    error:
      'storage restores recover a production account in place, so a second approver is always required: use "always" or leave the key out',
  })
  .default("always")
  .meta(
    ex(
      'Storage account recovery (runbook 7.2) works in place on a production account, so the approver must always be someone other than the requester; only "always" is accepted.',
      "always",
    ),
  );

const FOUR_EYES_DEFAULTS = {
  workspace: "destructive",
  "unity-catalog": "destructive",
  storage: "always",
} as const;

export const restorePolicySchema = z
  .object({
    fourEyes: z
      .object({
        workspace: fourEyesPolicy,
        "unity-catalog": fourEyesPolicy,
        storage: storageFourEyesPolicy,
      })
      .strict()
      .default(FOUR_EYES_DEFAULTS)
      .meta(ex("Four-eyes rule per restore scenario.", { workspace: "destructive" })),
  })
  .strict()
  .default({ fourEyes: FOUR_EYES_DEFAULTS })
  .meta(ex("Restore approval policy.", { fourEyes: { workspace: "always" } }));

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}\/?$/;

export const azureEndpointsSchema = z
  .strictObject({
    armEndpoint: z
      .url()
      .startsWith("https://", "must be an https:// URL")
      .optional()
      .meta(
        ex(
          "ARM endpoint of a sovereign cloud; default https://management.azure.com.",
          "https://management.usgovcloudapi.net",
        ),
      ),
    keyVaultDnsSuffix: z
      .string()
      .regex(/^[a-z0-9.-]+$/, "must be a DNS suffix such as vault.azure.net")
      .optional()
      .meta(
        ex("Key Vault DNS suffix of a sovereign cloud; default vault.azure.net.", "vault.usgovcloudapi.net"),
      ),
    storageEndpointSuffix: z
      .string()
      .regex(/^[a-z0-9.-]+$/, "must be a DNS suffix such as core.windows.net")
      .optional()
      .meta(
        ex(
          "Storage endpoint suffix of a sovereign cloud; default core.windows.net.",
          "core.usgovcloudapi.net",
        ),
      ),
    simulatorRoutes: z
      .record(
        z
          .string()
          .regex(/^https:\/\/(\*\.)?[a-z0-9.-]+$/, "must be an https origin, optionally with a *. wildcard"),
        z.string().regex(LOOPBACK, "must be a loopback http://127.0.0.1:PORT address"),
      )
      .optional()
      .meta(
        ex(
          "Simulator only (`npm run sim` writes it): requests to these Azure origins go to the simulator's loopback address instead, keeping their https URLs (so links and Key Vault challenges behave as in Azure).",
          { "https://management.azure.com": "http://127.0.0.1:41001" },
        ),
      ),
    tokenSetting: z
      .string()
      .min(1)
      .optional()
      .meta(
        ex(
          "Simulator only: name of the setting holding a fixed bearer token for ARM and Key Vault; in Azure leave unset (managed identity, or your az login).",
          "AZDR_SIM_AZURE_TOKEN",
        ),
      ),
  })
  .optional()
  .meta(
    ex("Azure endpoints: sovereign clouds, and the local simulator.", {
      armEndpoint: "https://management.usgovcloudapi.net",
    }),
  );

export const platformConfigSchema = z
  .strictObject({
    env: sourceId.meta(ex("Environment name, {env} in the naming templates.", "prod")),
    project: z
      .string()
      .regex(/^[a-z0-9]+$/, "must be lowercase letters and digits (it appears in storage account names)")
      .meta(ex("Project name, {project} in the naming templates.", "dataplat")),
    subscriptionId: z
      .uuid("must be a subscription GUID")
      .meta(ex("Azure subscription of the platform.", "00000000-0000-0000-0000-000000000000")),
    tenantId: z
      .uuid("must be a tenant GUID")
      .optional()
      .meta(ex("Microsoft Entra tenant.", "00000000-0000-0000-0000-000000000000")),
    regions: z
      .strictObject({
        primary: region.default("canadaeast").meta(ex("Primary region.", "canadaeast")),
        secondary: region.default("canadacentral").meta(ex("Secondary (DR) region.", "canadacentral")),
      })
      .default({ primary: "canadaeast", secondary: "canadacentral" })
      .meta(ex("Regions (runbook section 3).", { primary: "canadaeast", secondary: "canadacentral" })),
    naming: namingSchema,
    databricks: z
      .strictObject({
        workspaces: z.array(databricksWorkspaceSchema).default([]).meta(ex("Databricks workspaces.", [])),
      })
      .default({ workspaces: [] })
      .meta(ex("Azure Databricks.", { workspaces: [] })),
    unityCatalog: z
      .strictObject({
        metastores: z.array(metastoreSchema).default([]).meta(ex("Unity Catalog metastores.", [])),
      })
      .default({ metastores: [] })
      .meta(ex("Unity Catalog.", { metastores: [] })),
    azureMl: z
      .strictObject({
        workspaces: z
          .array(armResource("Azure ML workspace", "mlw-{env}-{project}", "mlw-main"))
          .default([])
          .meta(ex("Azure ML workspaces.", [])),
      })
      .default({ workspaces: [] })
      .meta(ex("Azure ML.", { workspaces: [] })),
    foundry: z
      .strictObject({
        hubs: z
          .array(armResource("AI Foundry hub", "hub-{env}-{project}", "hub-main"))
          .default([])
          .meta(ex("AI Foundry hubs.", [])),
      })
      .default({ hubs: [] })
      .meta(ex("AI Foundry.", { hubs: [] })),
    keyVaults: z
      .array(armResource("Key Vault", "kv-{env}-{project}", "kv-main"))
      .default([])
      .meta(ex("Key Vaults to inventory.", [])),
    storageAccounts: z
      .array(armResource("storage account", "st{env}{project}shared", "st-shared"))
      .default([])
      .meta(ex("Storage accounts whose protection settings are recorded.", [])),
    azure: azureEndpointsSchema,
    backupStore: backupStoreSchema,
    schedules: schedulesSchema,
    retention: retentionSchema,
    integrity: integritySchema,
    objectives: objectivesSchema,
    limits: limitsSchema,
    notifications: notificationsSchema,
    restore: restorePolicySchema,
  })
  .superRefine((config, ctx) => {
    const workspaceIds = new Set<string>();
    config.databricks.workspaces.forEach((ws, i) => {
      if (workspaceIds.has(ws.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["databricks", "workspaces", i, "id"],
          message: `duplicate workspace id "${ws.id}"`,
        });
      }
      workspaceIds.add(ws.id);
    });
    config.unityCatalog.metastores.forEach((ms, i) => {
      if (!workspaceIds.has(ms.workspace)) {
        ctx.addIssue({
          code: "custom",
          path: ["unityCatalog", "metastores", i, "workspace"],
          message: `names workspace "${ms.workspace}", which is not in databricks.workspaces (known: ${[...workspaceIds].join(", ") || "none"})`,
        });
      }
    });
  });

export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
export type PlatformConfig = z.output<typeof platformConfigSchema>;
export type DatabricksWorkspaceConfig = PlatformConfig["databricks"]["workspaces"][number];
export type MetastoreConfig = PlatformConfig["unityCatalog"]["metastores"][number];
export type ArmResourceConfig = PlatformConfig["keyVaults"][number];
export type NotificationsConfig = PlatformConfig["notifications"];
export type NotificationSinkConfig = NotificationsConfig["sinks"][number];
