// Policy checks on the parse tree of infra/*.bicep, each also fed a small bad snippet to prove it
// can fail.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { hostResolvedAppSettings, requiredAppSettings } from "../../src/lib/config/index.js";
import { TELEMETRY_EVENTS } from "../../src/lib/notify/telemetry.js";
import { loadBicepTree, parseBicep, type BicepFile } from "./bicep.js";
import {
  ALERTED_EVENTS,
  monitoringAlerts,
  backupStorePolicy,
  backupStores,
  basicPublishingDisabled,
  eventGridDeadLettered,
  eventGridDeletionsOnly,
  noKeysOrConnectionStrings,
  nodeOnFlexConsumption,
  noPrivilegedSubscriptionRoles,
  requiredAppSettingsSet,
  restoreRolesLeastPrivilege,
  restoreRoutesAuthenticated,
  roleAssignmentsExplained,
  roleIdsMatchNames,
  storageSoftDelete,
  tableRolesOnAccount,
  WATCHED_DELETIONS,
} from "./policies.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let files: BicepFile[];

beforeAll(async () => {
  files = await loadBicepTree(path.join(repo, "infra"), repo);
});

const snippet = async (source: string, name = "snippet.bicep") => [await parseBicep(source, name)];

/** Settings beyond the config schema's required keys that every deployment must set. */
const DEPLOYMENT_SETTINGS = [
  "AZDR_TASK_HUB",
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "AZDR__backupStore__accountName",
  "AZDR__backupStore__managedIdentityClientId",
  "AZDR__regions__primary",
  "AZDR__regions__secondary",
  "FUNCTIONS_EXTENSION_VERSION",
];
const FIXED_SETTINGS = {
  FUNCTIONS_EXTENSION_VERSION: "~4",
  AzureWebJobsStorage__credential: "managedidentity",
};

const GOOD_APP = `
resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
}
resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'app'
  kind: 'functionapp,linux'
  properties: {
    serverFarmId: plan.id
    functionAppConfig: { runtime: { name: 'node', version: '22' } }
  }
}
`;

describe("storage: blob soft delete on every account", () => {
  it("holds for infra/", () => expect(storageSoftDelete(files)).toEqual([]));

  it("fails for an account without deleteRetentionPolicy, or with it disabled", async () => {
    const bad = await snippet(`
resource a 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: 'a' }
resource b 'Microsoft.Storage/storageAccounts@2023-05-01' = { name: 'b' }
resource bBlob 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: b
  name: 'default'
  properties: { deleteRetentionPolicy: { enabled: false, days: 7 } }
}
`);
    const problems = storageSoftDelete(bad);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^snippet\.bicep:2:1 storage account 'a'/);
  });
});

describe("storage: the backup store", () => {
  it("exists in infra/ and is RA-GRS/RA-GZRS with version-level WORM on every container", () => {
    expect(backupStores(files)).toHaveLength(1);
    expect(backupStorePolicy(files)).toEqual([]);
  });

  it("fails for LRS, no account immutability, HNS on, no versioning, an unprotected container", async () => {
    const bad = await snippet(`
@allowed(['Standard_LRS', 'Standard_RAGZRS'])
param sku string = 'Standard_RAGZRS'
resource store 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'store'
  tags: { 'azdr-role': 'backup-store' }
  sku: { name: sku }
  properties: { isHnsEnabled: true }
}
resource blob 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: store
  name: 'default'
  properties: { deleteRetentionPolicy: { enabled: true, days: 14 } }
}
resource objects 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blob
  name: 'objects'
}
`);
    const problems = backupStorePolicy(bad).join("\n");
    expect(problems).toContain("SKU must be one of");
    expect(problems).toContain("immutableStorageWithVersioning.enabled: true");
    expect(problems).toContain("hierarchical namespace");
    expect(problems).toContain("blob versioning");
    expect(problems).toContain("container 'objects' needs immutableStorageWithVersioning");
    expect(problems).toContain("container 'objects' has no default immutability policy");
  });
});

describe("roles", () => {
  it("no Owner/Contributor/User Access Administrator at subscription scope in infra/", () =>
    expect(noPrivilegedSubscriptionRoles(files)).toEqual([]));

  it("every role assignment in infra/ says why", () => expect(roleAssignmentsExplained(files)).toEqual([]));

  it("every role id in infra/ is the built-in role its name says", () =>
    expect(roleIdsMatchNames(files)).toEqual([]));

  it("fails for Contributor (via a var) and Owner (literal) at subscription scope, and unresolvable roles", async () => {
    const bad = await snippet(`
targetScope = 'subscription'
param principalId string
param someRole string
var roles = { contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c' }
// Why: to show the check fails
resource c 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('c')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.contributor)
    principalId: principalId
  }
}
resource o 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('o')
  scope: subscription()
  properties: {
    roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635'
    principalId: principalId
  }
}
resource u 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('u')
  properties: {
    roleDefinitionId: someRole
    principalId: principalId
  }
}
`);
    const problems = noPrivilegedSubscriptionRoles(bad);
    expect(problems).toEqual([
      expect.stringMatching(/^snippet\.bicep:7:1 .*'c' grants b24988ac/),
      expect.stringMatching(/^snippet\.bicep:14:1 .*'o' grants 8e3af657/),
      expect.stringMatching(/^snippet\.bicep:22:1 .*'u': cannot resolve/),
    ]);
    // ...and the uncommented ones are reported too.
    expect(roleAssignmentsExplained(bad)).toHaveLength(2);
  });

  it("allows Reader at subscription scope and Contributor on a resource group", async () => {
    const ok = await snippet(`
// Why: read only
resource r 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('r')
  properties: { roleDefinitionId: 'acdd72a7-3385-48ef-bd42-f606fba81ae7', principalId: 'p' }
}
`);
    ok[0] = { ...ok[0]!, targetScope: "subscription" };
    expect(noPrivilegedSubscriptionRoles(ok)).toEqual([]);
    const rg = await snippet(`
resource c 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('c')
  properties: { roleDefinitionId: 'b24988ac-6180-42a0-ab88-20f7382dd24c', principalId: 'p' }
}
`);
    expect(noPrivilegedSubscriptionRoles(rg)).toEqual([]);
  });

  it("fails for a mistyped role id", async () => {
    const bad = await snippet(`var roles = { reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae8' }`);
    expect(roleIdsMatchNames(bad)).toEqual([expect.stringContaining("roles.reader is")]);
  });
});

describe("function app settings", () => {
  const required = () => [...requiredAppSettings(), ...hostResolvedAppSettings(), ...DEPLOYMENT_SETTINGS];

  it("the config schema still requires settings (the list is not empty)", () => {
    expect(requiredAppSettings()).toEqual(expect.arrayContaining(["AZDR__env", "AZDR__project"]));
  });

  it("sets every setting requiredAppSettings() and the deployment need, with fixed values", () =>
    expect(requiredAppSettingsSet(files, required(), FIXED_SETTINGS)).toEqual([]));

  it("fails when a required setting is missing or a fixed value is wrong", async () => {
    const bad = await snippet(`${GOOD_APP}
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: union({ AZDR__env: 'prod' }, { FUNCTIONS_EXTENSION_VERSION: '~3' })
}
`);
    const problems = requiredAppSettingsSet(bad, required(), FIXED_SETTINGS);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("does not set app setting AZDR__project"),
        expect.stringContaining("does not set app setting AZDR_TASK_HUB"),
        expect.stringContaining("FUNCTIONS_EXTENSION_VERSION must be '~4'"),
      ]),
    );
    expect(problems.join("\n")).not.toContain("app setting AZDR__env");
  });
});

describe("function app runtime", () => {
  it("is Node 22 on Flex Consumption in infra/", () => expect(nodeOnFlexConsumption(files)).toEqual([]));

  it("the good snippet passes and bad ones fail", async () => {
    expect(nodeOnFlexConsumption(await snippet(GOOD_APP))).toEqual([]);
    const node20 = await snippet(GOOD_APP.replace("version: '22'", "version: '20'"));
    expect(nodeOnFlexConsumption(node20)).toEqual([expect.stringContaining("version must be '22'")]);
    const premium = await snippet(
      GOOD_APP.replace("name: 'FC1', tier: 'FlexConsumption'", "name: 'EP1', tier: 'ElasticPremium'"),
    );
    expect(nodeOnFlexConsumption(premium)).toEqual([expect.stringContaining("FC1 / FlexConsumption")]);
    const param = await snippet(
      `@allowed(['20', '22'])\nparam v string = '22'\n${GOOD_APP.replace("version: '22'", "version: v")}`,
    );
    expect(nodeOnFlexConsumption(param)).toEqual([expect.stringContaining("version must be '22'")]);
  });
});

describe("no keys or connection strings", () => {
  it("holds for infra/", () => expect(noKeysOrConnectionStrings(files)).toEqual([]));

  it("fails for listKeys(), an AccountKey= string and a connection-string setting", async () => {
    const bad = await snippet(`
resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' existing = { name: 'sa' }
var key = sa.listKeys().keys[0].value
var cs = 'DefaultEndpointsProtocol=https;AccountName=sa;AccountKey=\${key}'
${GOOD_APP}
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'appsettings'
  properties: { AzureWebJobsStorage: cs, AZDR_STORE_CONNECTION_STRING: 'x' }
}
`);
    const problems = noKeysOrConnectionStrings(bad).join("\n");
    expect(problems).toContain("snippet.bicep:3:11 listKeys()");
    expect(problems).toContain("snippet.bicep:4:10 string looks like a key");
    expect(problems).toContain("app setting AzureWebJobsStorage is a connection string");
    expect(problems).toContain("app setting AZDR_STORE_CONNECTION_STRING is a connection string");
  });
});

describe("event grid", () => {
  it("forwards only deletions of watched resources to platformResourceDeleted in infra/", () =>
    expect(eventGridDeletionsOnly(files)).toEqual([]));

  it("fails for write events, a missing operation filter and another destination", async () => {
    const bad = await snippet(`
resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: 't'
  location: 'global'
  properties: { topicType: 'Microsoft.Storage.StorageAccounts' }
}
resource sub 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 's'
  properties: {
    destination: { endpointType: 'WebHook', properties: { endpointUrl: 'https://example.com' } }
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceDeleteSuccess'
        'Microsoft.Resources.ResourceWriteSuccess'
      ]
    }
  }
}
`);
    const problems = eventGridDeletionsOnly(bad).join("\n");
    expect(problems).toContain("includedEventTypes must list only");
    expect(problems).toContain("advanced filter StringIn on data.operationName");
    expect(problems).toContain("destination must be the AzureFunction platformResourceDeleted");
    expect(problems).toContain("system topic must be a subscription topic");
  });

  it("sends protection-changing writes only to platformProtectionChanged, never to the recovery trigger", async () => {
    const bad = await snippet(`
resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: 't'
  location: 'global'
  properties: { topicType: 'Microsoft.Resources.Subscriptions', source: '/subscriptions/x' }
}
resource sub 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 's'
  properties: {
    destination: { endpointType: 'AzureFunction', properties: { resourceId: '\${app}/functions/platformResourceDeleted' } }
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
      ]
      advancedFilters: [
        { operatorType: 'StringIn', key: 'data.operationName', values: [ 'Microsoft.Storage/storageAccounts/write' ] }
      ]
    }
  }
}
resource writes 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'w'
  properties: {
    destination: { endpointType: 'AzureFunction', properties: { resourceId: '\${app}/functions/platformProtectionChanged' } }
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
      ]
      advancedFilters: [
        { operatorType: 'StringIn', key: 'data.operationName', values: [ 'Microsoft.Storage/storageAccounts/listKeys/action' ] }
      ]
    }
  }
}
`);
    const problems = eventGridDeletionsOnly(bad);
    expect(problems.join("\n")).toContain(
      "includedEventTypes must list only Microsoft.Resources.ResourceDeleteSuccess for platformResourceDeleted",
    );
    expect(problems.join("\n")).toContain(
      "over Microsoft.Storage/storageAccounts/write, Microsoft.Storage/storageAccounts/blobServices/write",
    );
    expect(problems).toHaveLength(3);
  });

  it("watches the newer AI Foundry resources (AI Services accounts and their projects) too", () =>
    expect(WATCHED_DELETIONS).toEqual(
      expect.arrayContaining([
        "Microsoft.CognitiveServices/accounts/delete",
        "Microsoft.CognitiveServices/accounts/projects/delete",
      ]),
    ));

  it("fails for a resource-group topic", async () => {
    const bad = await snippet(`
resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: 't'
  location: 'global'
  properties: { source: resourceGroup().id, topicType: 'Microsoft.Resources.ResourceGroups' }
}
resource sub 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 's'
  properties: {}
}
`);
    expect(eventGridDeletionsOnly(bad).join("\n")).toContain("not one per resource group");
  });

  it("dead-letters undeliverable events in infra/", () => expect(eventGridDeadLettered(files)).toEqual([]));

  it("fails for a subscription without dead-lettering, or dead-lettering without an identity", async () => {
    const bad = await snippet(`
resource a 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  name: 'a'
  properties: {}
}
resource b 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  name: 'b'
  properties: {
    deadLetterDestination: {
      endpointType: 'StorageBlob'
      properties: { resourceId: 'x', blobContainerName: 'dl' }
    }
  }
}
`);
    expect(eventGridDeadLettered(bad)).toEqual([
      expect.stringContaining("'a' needs deadLetterWithResourceIdentity"),
      expect.stringContaining("'b' needs deadLetterWithResourceIdentity"),
    ]);
  });
});

describe("least privilege", () => {
  it("the index table role is on the account in infra/ (create-table needs it)", () =>
    expect(tableRolesOnAccount(files)).toEqual([]));

  it("fails for a role scoped to the table", async () => {
    const bad = await snippet(`
resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: 'sa'
  resource tables 'tableServices' existing = { name: 'default' }
}
resource t 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' existing = {
  parent: sa::tables
  name: 'idx'
}
// Why: index
resource r 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: t
  name: guid('r')
  properties: { roleDefinitionId: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', principalId: 'p' }
}
`);
    expect(tableRolesOnAccount(bad)).toEqual([expect.stringContaining("scoped to table 't'")]);
  });

  it("restore roles are off by default, with a custom keyless role in infra/", () =>
    expect(restoreRolesLeastPrivilege(files)).toEqual([]));

  it("fails for restore roles on by default, Storage Account Contributor, and a role that lists keys", async () => {
    const bad = await snippet(`
param enableRestoreRoles bool = true
var roles = { storageAccountContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab' }
resource sac 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('sac')
  properties: { roleDefinitionId: roles.storageAccountContributor, principalId: 'p' }
}
resource custom 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid('custom')
  properties: {
    permissions: [
      {
        actions: [
          'Microsoft.Storage/storageAccounts/read'
          'Microsoft.Storage/storageAccounts/listKeys/action'
          'Microsoft.Storage/storageAccounts/*'
        ]
        dataActions: [ 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read' ]
      }
    ]
  }
}
`);
    const problems = restoreRolesLeastPrivilege(bad).join("\n");
    expect(problems).toContain("enableRestoreRoles must default to false");
    expect(problems).toContain("'sac' grants Storage Account Contributor");
    expect(problems).toContain('allows "Microsoft.Storage/storageAccounts/listKeys/action"');
    expect(problems).toContain('allows "Microsoft.Storage/storageAccounts/*"');
    expect(problems).toContain("has data actions");
    expect(problems).not.toContain("storageAccounts/read");
  });

  it("FTP and SCM basic auth are off in infra/", () => expect(basicPublishingDisabled(files)).toEqual([]));

  it("fails for an app without the policies, or with scm allowed", async () => {
    expect(basicPublishingDisabled(await snippet(GOOD_APP))).toEqual([
      expect.stringContaining("'ftp' with allow: false"),
      expect.stringContaining("'scm' with allow: false"),
    ]);
    const scmOn = await snippet(`${GOOD_APP}
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}
resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: true }
}
`);
    expect(basicPublishingDisabled(scmOn)).toEqual([expect.stringContaining("'scm' with allow: false")]);
  });
});

describe("Azure Monitor: alert rules and an action group", () => {
  it("infra/ alerts on every custom event the app writes, through an enabled action group", () => {
    expect(ALERTED_EVENTS.map((e) => e.event).sort()).toEqual(Object.values(TELEMETRY_EVENTS).sort());
    expect(monitoringAlerts(files)).toEqual([]);
  });

  it("main.bicep deploys the alerts module", () => {
    const main = files.find((f) => f.path.endsWith("infra/main.bicep"));
    expect(main?.source).toMatch(/module alerts 'modules\/alerts\.bicep'/);
  });

  it("fails without an action group, for a disabled rule with no action, and for missing events", async () => {
    const bad = await snippet(`
var rules = [
  {
    name: 'rpo'
    query: 'customEvents | where name == "azdr.rpo"'
  }
  {
    name: 'restore'
    query: 'customEvents | where name == "azdr.restore"'
  }
]
resource r 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for rule in rules: {
    name: rule.name
    location: 'canadacentral'
    kind: 'LogAlert'
    properties: { enabled: false, criteria: { allOf: [{ query: rule.query }] } }
  }
]
`);
    const problems = monitoringAlerts(bad).join("\n");
    expect(problems).toContain("no Microsoft.Insights/actionGroups");
    expect(problems).toContain("alert rule 'r' must be enabled");
    expect(problems).toContain("alert rule 'r' has no scopes");
    expect(problems).toContain("alert rule 'r' does not notify an action group");
    expect(problems).toContain("no alert rule queries azdr.backup (backup failed)");
    expect(problems).toContain("no alert rule queries azdr.restore (restore awaiting approval)");
    expect(problems).toContain("no alert rule queries azdr.heartbeat");
    expect(problems).not.toContain("queries azdr.rpo");
  });

  it("fails for an action group with no receivers, disabled", async () => {
    const bad = await snippet(`
resource ag 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag'
  location: 'global'
  properties: { groupShortName: 'x', enabled: false }
}
`);
    const problems = monitoringAlerts(bad).join("\n");
    expect(problems).toContain("action group 'ag' must be enabled");
    expect(problems).toContain("action group 'ag' has no emailReceivers");
    expect(problems).toContain("action group 'ag' has no webhookReceivers");
  });
});

describe("restore routes: App Service authentication in front, none anonymous", () => {
  it("holds for infra/", () => expect(restoreRoutesAuthenticated(files)).toEqual([]));

  it("fails for an app without authsettingsV2, with authentication off, and with a restore route excluded", async () => {
    expect(restoreRoutesAuthenticated(await snippet(GOOD_APP))).toEqual([
      expect.stringContaining("needs a config 'authsettingsV2'"),
    ]);
    const weak = await snippet(`${GOOD_APP}
param clientId string
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: false }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
      excludedPaths: [ '/runtime/webhooks/eventgrid', '/api/restore/instances/*' ]
    }
    identityProviders: { azureActiveDirectory: { enabled: true, registration: { clientId: clientId } } }
  }
}
`);
    const problems = restoreRoutesAuthenticated(weak).join("\n");
    expect(problems).toContain("platform.enabled must be true");
    expect(problems).toContain("requireAuthentication must be true");
    expect(problems).toContain("unauthenticatedClientAction must be Return401");
    expect(problems).toContain(
      "excluded path '/api/restore/instances/*' makes /api/restore/instances/restore-workspace-dr",
    );
    expect(problems).not.toContain("/runtime/webhooks/eventgrid");
    expect(problems).not.toContain("clientId");
  });

  it("every restore HTTP route also requires a function key (never anonymous)", async () => {
    const { appRegistry } = await import("../support/platform.js");
    const registry = await appRegistry();
    const routes = registry
      .byKind("http")
      .filter((fn) =>
        (typeof fn.trigger["route"] === "string" ? fn.trigger["route"] : "").startsWith("restore/"),
      );
    expect(routes.map((fn) => fn.name).sort()).toEqual([
      "restoreHttpApprove",
      "restoreHttpCheckpointDone",
      "restoreHttpReject",
      "restoreHttpStart",
      "restoreHttpStatus",
    ]);
    for (const fn of routes) expect(fn.trigger["authLevel"], fn.name).toBe("function");
  });
});
