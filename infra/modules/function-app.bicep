// The azdr Function App: Flex Consumption (FC1, Linux), Node 22 pinned, running as the
// user-assigned identity. Every connection is identity-based: the host storage and the backup
// store are reached by account name + managed identity, telemetry by Entra ID. No connection
// string, account key or SAS appears in any setting; the only secrets azdr may need (Databricks
// PATs, when Entra ID is not an option) come in as Key Vault references.

@description('Function App name.')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Azure region (the DR region).')
param location string

@description('Resource tags (the app also gets the azd service tag).')
param tags object = {}

@description('azd service name in azure.yaml.')
param serviceName string = 'azdr'

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Host storage account name (AzureWebJobsStorage, Durable task hub).')
param hostStorageName string

@description('Blob endpoint of the host storage account.')
param hostStorageBlobEndpoint string

@description('Container for the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (not a secret: local auth is disabled).')
param applicationInsightsConnectionString string

@description('Durable Functions task hub name (host.json: %AZDR_TASK_HUB%). Letters and digits, 3-45.')
@minLength(3)
@maxLength(45)
param taskHubName string

@description('config env: {env} in the naming templates.')
param azdrEnv string

@description('config project: {project} in the naming templates.')
param project string

@description('config subscriptionId: the platform subscription.')
param platformSubscriptionId string

@description('config regions.primary.')
param primaryRegion string

@description('config regions.secondary (the DR region).')
param secondaryRegion string

@description('config backupStore.accountName.')
param backupStoreName string

@description('config backupStore.indexTable.')
param indexTableName string

@description('config retention.days, per domain.')
param retentionDays object

@description('config databricks.workspaces: [{ id, url, role?, region?, resourceId?, tokenSecretUri? }]. Without tokenSecretUri the workspace uses Entra ID as the app identity (recommended).')
param databricksWorkspaces array = []

@description('config unityCatalog.metastores: [{ id, workspace, metastoreId?, role? }].')
param unityCatalogMetastores array = []

@description('config azureMl.workspaces: [{ id, name?, resourceGroup? }].')
param azureMlWorkspaces array = []

@description('config foundry.hubs: [{ id, name?, resourceGroup? }].')
param foundryHubs array = []

@description('config keyVaults: [{ id, name?, resourceGroup? }].')
param keyVaults array = []

@description('config storageAccounts: [{ id, name?, resourceGroup? }].')
param storageAccounts array = []

@description('Timer schedules (NCRONTAB, UTC). The timers read them as %AZDR_SCHEDULE_<KEY>% (no __ in binding expressions: azure-functions-host#10246), so every key must be set; defaults mirror src/lib/config/schema.ts.')
param schedules object = {
  notebooks: '0 5 * * * *'
  workspaceConfig: '0 35 * * * *'
  unityCatalog: '0 0 2 * * *'
  azureMlModels: '0 15 * * * *'
  azureMlAssets: '0 45 2 * * *'
  foundry: '0 0 3 * * *'
  keyVault: '0 30 3 * * *'
  storage: '0 0 4 * * *'
  rpoCheck: '0 */15 * * * *'
  retention: '0 0 5 * * *'
  verify: '0 0 6 * * 0'
}

@description('Client id of the Entra app registration in front of the app (App Service authentication).')
@minLength(36)
param authClientId string

@description('Tenant id of that app registration.')
param authTenantId string

@description('Token audiences accepted besides api://<authClientId>.')
param authAllowedAudiences array = []

@description('Any other AZDR__ settings (limits, naming overrides), flattened: { "AZDR__limits__batchSize": "100" }.')
param extraAppSettings object = {}

@description('Maximum instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Instance memory (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Subnet for outbound VNet integration (needed once storage public access is off); empty for none.')
param virtualNetworkSubnetId string = ''

// --- config arrays → AZDR__<key>__<index>__<field> settings (see src/lib/config/load.ts) ---------

var databricksSettings = flatten(map(range(0, length(databricksWorkspaces)), i => concat(
  [
    { name: 'AZDR__databricks__workspaces__${i}__id', value: databricksWorkspaces[i].id }
    { name: 'AZDR__databricks__workspaces__${i}__url', value: databricksWorkspaces[i].url }
    { name: 'AZDR__databricks__workspaces__${i}__role', value: databricksWorkspaces[i].?role ?? 'primary' }
    { name: 'AZDR__databricks__workspaces__${i}__region', value: databricksWorkspaces[i].?region ?? '' }
    { name: 'AZDR__databricks__workspaces__${i}__resourceId', value: databricksWorkspaces[i].?resourceId ?? '' }
  ],
  empty(databricksWorkspaces[i].?tokenSecretUri ?? '')
    ? [
        // Recommended: Entra ID as the app identity, registered as a workspace service principal.
        { name: 'AZDR__databricks__workspaces__${i}__auth__type', value: 'entra' }
        { name: 'AZDR__databricks__workspaces__${i}__auth__managedIdentityClientId', value: identityClientId }
      ]
    : [
        // PAT fallback: the setting holds a Key Vault reference resolved by the platform with the
        // app identity (keyVaultReferenceIdentity); the token never appears in the template.
        { name: 'AZDR__databricks__workspaces__${i}__auth__type', value: 'pat' }
        { name: 'AZDR__databricks__workspaces__${i}__auth__tokenSetting', value: 'AZDR_DATABRICKS_TOKEN_${i}' }
        {
          name: 'AZDR_DATABRICKS_TOKEN_${i}'
          value: '@Microsoft.KeyVault(SecretUri=${databricksWorkspaces[i].?tokenSecretUri ?? ''})'
        }
      ]
)))

var metastoreSettings = flatten(map(range(0, length(unityCatalogMetastores)), i => [
  { name: 'AZDR__unityCatalog__metastores__${i}__id', value: unityCatalogMetastores[i].id }
  { name: 'AZDR__unityCatalog__metastores__${i}__workspace', value: unityCatalogMetastores[i].workspace }
  { name: 'AZDR__unityCatalog__metastores__${i}__metastoreId', value: unityCatalogMetastores[i].?metastoreId ?? '' }
  { name: 'AZDR__unityCatalog__metastores__${i}__role', value: unityCatalogMetastores[i].?role ?? 'primary' }
]))

// One expression per list (no nested lambdas): { id, name?, resourceGroup? } entries.
var azureMlSettings = flatten(map(range(0, length(azureMlWorkspaces)), i => [
  { name: 'AZDR__azureMl__workspaces__${i}__id', value: azureMlWorkspaces[i].id }
  { name: 'AZDR__azureMl__workspaces__${i}__name', value: azureMlWorkspaces[i].?name ?? '' }
  { name: 'AZDR__azureMl__workspaces__${i}__resourceGroup', value: azureMlWorkspaces[i].?resourceGroup ?? '' }
]))

var foundrySettings = flatten(map(range(0, length(foundryHubs)), i => [
  { name: 'AZDR__foundry__hubs__${i}__id', value: foundryHubs[i].id }
  { name: 'AZDR__foundry__hubs__${i}__name', value: foundryHubs[i].?name ?? '' }
  { name: 'AZDR__foundry__hubs__${i}__resourceGroup', value: foundryHubs[i].?resourceGroup ?? '' }
]))

var keyVaultSettings = flatten(map(range(0, length(keyVaults)), i => [
  { name: 'AZDR__keyVaults__${i}__id', value: keyVaults[i].id }
  { name: 'AZDR__keyVaults__${i}__name', value: keyVaults[i].?name ?? '' }
  { name: 'AZDR__keyVaults__${i}__resourceGroup', value: keyVaults[i].?resourceGroup ?? '' }
]))

var storageAccountSettings = flatten(map(range(0, length(storageAccounts)), i => [
  { name: 'AZDR__storageAccounts__${i}__id', value: storageAccounts[i].id }
  { name: 'AZDR__storageAccounts__${i}__name', value: storageAccounts[i].?name ?? '' }
  { name: 'AZDR__storageAccounts__${i}__resourceGroup', value: storageAccounts[i].?resourceGroup ?? '' }
]))

var platformListSettings = toObject(
  filter(
    concat(
      databricksSettings,
      metastoreSettings,
      azureMlSettings,
      foundrySettings,
      keyVaultSettings,
      storageAccountSettings
    ),
    setting => !empty(setting.value)
  ),
  setting => setting.name,
  setting => setting.value
)

// --- settings every deployment sets (test/infra checks them against requiredAppSettings()) ------

var baseAppSettings = {
  // Flex Consumption documents FUNCTIONS_EXTENSION_VERSION as platform-managed; it is accepted and
  // pinning ~4 keeps the portal and older tooling honest (azure-functions-host#10714).
  FUNCTIONS_EXTENSION_VERSION: '~4'
  // Host storage by identity: no AzureWebJobsStorage connection string.
  AzureWebJobsStorage__accountName: hostStorageName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_CLIENT_ID: identityClientId
  AZDR_TASK_HUB: taskHubName
  AZDR__env: azdrEnv
  AZDR__project: project
  AZDR__subscriptionId: platformSubscriptionId
  AZDR__tenantId: tenant().tenantId
  AZDR__regions__primary: primaryRegion
  AZDR__regions__secondary: secondaryRegion
  AZDR__backupStore__accountName: backupStoreName
  AZDR__backupStore__managedIdentityClientId: identityClientId
  AZDR__backupStore__indexTable: indexTableName
  // One JSON setting: the domain keys contain dashes, which Linux app setting names cannot.
  AZDR__retention__days: string(retentionDays)
  AZDR_SCHEDULE_NOTEBOOKS: schedules.notebooks
  AZDR_SCHEDULE_WORKSPACE_CONFIG: schedules.workspaceConfig
  AZDR_SCHEDULE_UNITY_CATALOG: schedules.unityCatalog
  AZDR_SCHEDULE_AZURE_ML_MODELS: schedules.azureMlModels
  AZDR_SCHEDULE_AZURE_ML_ASSETS: schedules.azureMlAssets
  AZDR_SCHEDULE_FOUNDRY: schedules.foundry
  AZDR_SCHEDULE_KEY_VAULT: schedules.keyVault
  AZDR_SCHEDULE_STORAGE: schedules.storage
  AZDR_SCHEDULE_RPO_CHECK: schedules.rpoCheck
  AZDR_SCHEDULE_RETENTION: schedules.retention
  AZDR_SCHEDULE_VERIFY: schedules.verify
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      // Pinned: package.json engines and the toolchain are Node 22.
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

// FTP and SCM (Kudu) basic-auth publishing credentials off: deployments use the identity-based
// package container (functionAppConfig.deployment), so a leaked publish profile deploys nothing.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// App Service authentication (Easy Auth, Entra ID) in front of every route: a caller without a
// valid token for the app registration gets 401 before any function runs, and the app receives
// the caller's claims (app roles DR.Operator / DR.Approver) in x-ms-client-principal, which it
// trusts because App Service then reports WEBSITE_AUTH_ENABLED=True. Only the Event Grid trigger's
// system-key webhook is excluded: Event Grid cannot present an Entra token for it.
resource authentication 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/runtime/webhooks/eventgrid'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: authClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${authTenantId}/v2.0'
        }
        validation: {
          allowedAudiences: concat(['api://${authClientId}', authClientId], authAllowedAudiences)
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(extraAppSettings, platformListSettings, baseAppSettings)
}

output id string = functionApp.id
output name string = functionApp.name
output defaultHostName string = functionApp.properties.defaultHostName
