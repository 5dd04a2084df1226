// azdr infrastructure: deploys the DR tool INTO THE DR REGION, so it survives the disaster it
// recovers from (runbook section 3: primary Canada East, secondary Canada Central).
// `azd up` (azure.yaml) provisions this file with main.parameters.json, then deploys the code.
//
// Layout: one resource group for azdr (identity, monitoring, host storage, backup store, Function
// App, its own role assignments, and after the code is deployed the subscription-wide Event Grid
// deletion alert); per platform resource group, read/restore role assignments.

targetScope = 'subscription'

// --- deployment -------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('azd environment name; names the azdr resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Region azdr runs in: the DR (secondary) region, e.g. canadacentral.')
param location string

@description('Name of the azdr resource group; defaults to rg-<environmentName>.')
param resourceGroupName string = ''

// --- platform config (AZDR__ app settings, src/lib/config/schema.ts) ----------------------------

@description('config env: {env} in the runbook naming templates, e.g. prod; empty uses environmentName.')
param azdrEnv string = ''

@description('config project: {project} in the naming templates, lowercase letters and digits (azd env set AZDR_PROJECT <name>).')
@minLength(1)
param project string

@description('config subscriptionId: subscription of the platform azdr protects; empty uses this subscription.')
param platformSubscriptionId string = ''

@description('config regions.primary.')
param primaryRegion string = 'canadaeast'

@description('config regions.secondary: the DR region; empty uses location.')
param secondaryRegion string = ''

@description('config retention.days: days a snapshot is kept per domain (runbook: Unity Catalog 30, workspace 90). Also drives WORM and lifecycle.')
param retentionDays object = {
  'unity-catalog': 30
  databricks: 90
  azureml: 90
  foundry: 90
  keyvault: 90
  storage: 90
}

@description('config databricks.workspaces: [{ id, url, role?, region?, resourceId?, tokenSecretUri? }].')
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

@description('Other AZDR__ settings, flattened (schedules, limits, naming overrides).')
param extraAppSettings object = {}

// --- platform access ----------------------------------------------------------------------------

@description('Platform resource groups (runbook section 3): Reader (and restore roles when enabled). Empty: the four rg-{env}-{project}-* groups, which must exist.')
param platformResourceGroups array = []

@description('Groups (among platformResourceGroups) holding Key Vaults: Key Vault Reader. Empty: the shared group.')
param keyVaultResourceGroups array = []

@description('Groups holding the protected storage accounts: the custom azdr storage recovery role (failover, blob range restore), when restore roles are on. Empty: the shared group.')
param storageResourceGroups array = []

@description('Groups holding Azure ML workspaces and AI Foundry hubs: AzureML roles, when restore roles are on. Empty: the ai-platform group.')
param azureMlResourceGroups array = []

@description('Grant the restore-time roles (storage failover and blob range restore, Azure ML). Off by default: grant them just in time (PIM) or turn this on for a drill.')
param enableRestoreRoles bool = false

// --- who may call the restore routes (App Service authentication, Entra ID) ---------------------

@description('Client id of the Entra app registration that fronts the Function App (App Service authentication). Its app roles DR.Operator and DR.Approver decide who may request and who may approve restores.')
@minLength(36)
param authClientId string

@description('Tenant of that app registration; empty: this deployment\'s tenant.')
param authTenantId string = ''

@description('Token audiences accepted besides api://<authClientId> (e.g. a custom application ID URI).')
param authAllowedAudiences array = []

@description('Create the Event Grid deletion alert (one subscription-level system topic). Needs the deployed function platformResourceDeleted: enable after the first azd deploy.')
param enableDeletionEvents bool = false

// --- backup store -------------------------------------------------------------------------------

@description('Backup store account name; empty derives stazdrbk<token>.')
param backupStoreName string = ''

@description('Backup store replication (read access in the paired region).')
@allowed([
  'Standard_RAGZRS'
  'Standard_RAGRS'
])
param backupStoreSku string = 'Standard_RAGZRS'

@description('Days restore reports are kept (and immutable).')
param restoreReportRetentionDays int = 365

@description('Account-level WORM policy state; Locked is irreversible.')
@allowed([
  'Unlocked'
  'Locked'
])
param immutabilityPolicyState string = 'Unlocked'

@description('CanNotDelete lock on the backup store.')
param lockBackupStore bool = true

// --- network (all off by default) -------------------------------------------------------------

@description('Public network access to both storage accounts.')
@allowed([
  'Enabled'
  'Disabled'
])
param storagePublicNetworkAccess string = 'Enabled'

@description('Public IP ranges (CIDR) allowed on both storage accounts; empty allows all (identity still required).')
param storageAllowedIpRanges array = []

@description('Subnet for storage private endpoints; empty for none.')
param privateEndpointSubnetId string = ''

@description('Private DNS zone ids by sub-resource: { blob, queue, table }.')
param privateDnsZoneIds object = {}

@description('Subnet (delegated to Microsoft.App/environments) for the Function App\'s VNet integration; empty for none.')
param functionSubnetId string = ''

// --- app ----------------------------------------------------------------------------------------

@description('Durable task hub name (letters and digits); empty derives azdr<env>.')
param taskHubName string = ''

@description('Maximum Function App instances.')
param maximumInstanceCount int = 40

var token = toLower(uniqueString(subscription().id, environmentName, location))
var configEnv = empty(azdrEnv) ? toLower(environmentName) : azdrEnv
var platformSubscription = empty(platformSubscriptionId) ? subscription().subscriptionId : platformSubscriptionId
var drRegion = empty(secondaryRegion) ? location : secondaryRegion
var hubName = empty(taskHubName) ? take('azdr${replace(configEnv, '-', '')}', 45) : taskHubName
// Runbook section 3 resource groups, unless listed explicitly.
var sharedGroup = 'rg-${configEnv}-${project}-shared'
var platformGroups = empty(platformResourceGroups)
  ? [
      sharedGroup
      'rg-${configEnv}-${project}-databricks'
      'rg-${configEnv}-${project}-ai-platform'
      'rg-${configEnv}-${project}-compute'
    ]
  : platformResourceGroups
var keyVaultGroups = empty(keyVaultResourceGroups) ? [sharedGroup] : keyVaultResourceGroups
var storageGroups = empty(storageResourceGroups) ? [sharedGroup] : storageResourceGroups
var azureMlGroups = empty(azureMlResourceGroups) ? ['rg-${configEnv}-${project}-ai-platform'] : azureMlResourceGroups
var tags = {
  'azd-env-name': environmentName
  application: 'azdr'
}
var rgName = empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
var storeName = empty(backupStoreName) ? 'stazdrbk${token}' : backupStoreName
var hostStorageName = 'stazdrfn${token}'
var appName = 'func-azdr-${token}'
var deploymentContainerName = 'app-package-${take(appName, 32)}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: rgName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: rg
  name: 'identity'
  params: {
    name: 'id-azdr-${token}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-azdr-${token}'
    applicationInsightsName: 'appi-azdr-${token}'
    location: location
    tags: tags
  }
}

@description('Email addresses Azure Monitor alerts notify (RPO, failed backups, approvals waiting, app down).')
param alertEmails array = []

@description('A webhook Azure Monitor alerts call (Teams workflow, PagerDuty…); a secret.')
@secure()
param alertWebhookUrl string = ''

@description('Minutes a restore may wait for approval before Azure Monitor alerts.')
param alertApprovalWaitMinutes int = 30

module alerts 'modules/alerts.bicep' = {
  scope: rg
  name: 'alerts'
  params: {
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    location: location
    tags: tags
    actionGroupName: 'ag-azdr-${token}'
    alertEmails: alertEmails
    alertWebhookUrl: alertWebhookUrl
    approvalWaitMinutes: alertApprovalWaitMinutes
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  scope: rg
  name: 'host-storage'
  params: {
    name: hostStorageName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    publicNetworkAccess: storagePublicNetworkAccess
    allowedIpRanges: storageAllowedIpRanges
    privateEndpointSubnetId: privateEndpointSubnetId
    privateDnsZoneIds: privateDnsZoneIds
  }
}

module backupStore 'modules/backup-store.bicep' = {
  scope: rg
  name: 'backup-store'
  params: {
    name: storeName
    location: location
    tags: tags
    skuName: backupStoreSku
    retentionDays: retentionDays
    restoreReportRetentionDays: restoreReportRetentionDays
    immutabilityPolicyState: immutabilityPolicyState
    lockAccount: lockBackupStore
    publicNetworkAccess: storagePublicNetworkAccess
    allowedIpRanges: storageAllowedIpRanges
    privateEndpointSubnetId: privateEndpointSubnetId
    privateDnsZoneIds: privateDnsZoneIds
  }
}

module appRoles 'modules/role-assignments.bicep' = {
  scope: rg
  name: 'app-role-assignments'
  params: {
    principalId: identity.outputs.principalId
    hostStorageName: hostStorage.outputs.name
    backupStoreName: backupStore.outputs.name
    backupContainerNames: backupStore.outputs.containerNames
    indexTableName: backupStore.outputs.indexTableName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module functionApp 'modules/function-app.bicep' = {
  scope: rg
  name: 'function-app'
  params: {
    name: appName
    planName: 'plan-azdr-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    hostStorageName: hostStorage.outputs.name
    hostStorageBlobEndpoint: hostStorage.outputs.blobEndpoint
    deploymentContainerName: hostStorage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    taskHubName: hubName
    azdrEnv: configEnv
    project: project
    platformSubscriptionId: platformSubscription
    primaryRegion: primaryRegion
    secondaryRegion: drRegion
    backupStoreName: backupStore.outputs.name
    indexTableName: backupStore.outputs.indexTableName
    retentionDays: retentionDays
    databricksWorkspaces: databricksWorkspaces
    unityCatalogMetastores: unityCatalogMetastores
    azureMlWorkspaces: azureMlWorkspaces
    foundryHubs: foundryHubs
    keyVaults: keyVaults
    storageAccounts: storageAccounts
    extraAppSettings: extraAppSettings
    maximumInstanceCount: maximumInstanceCount
    virtualNetworkSubnetId: functionSubnetId
    authClientId: authClientId
    authTenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    authAllowedAudiences: authAllowedAudiences
  }
  // The host starts with identity-based storage: its roles must exist first.
  dependsOn: [
    appRoles
  ]
}

module platformAccess 'modules/platform-access.bicep' = [
  for group in platformGroups: {
    scope: resourceGroup(platformSubscription, group)
    name: 'azdr-access-${uniqueString(group)}'
    params: {
      principalId: identity.outputs.principalId
      keyVaultReader: contains(keyVaultGroups, group)
      storageRestore: enableRestoreRoles && contains(storageGroups, group)
      azureMlRestore: enableRestoreRoles && contains(azureMlGroups, group)
    }
  }
]

// One system topic for the platform subscription, in azdr's own group: a platform group's deletion
// cannot take its alert with it.
module deletionEvents 'modules/event-grid.bicep' = if (enableDeletionEvents) {
  scope: rg
  name: 'azdr-deletion-events'
  params: {
    topicName: 'evgt-azdr-${token}'
    platformSubscriptionId: platformSubscription
    functionAppId: functionApp.outputs.id
    identityId: identity.outputs.id
    deadLetterStorageId: hostStorage.outputs.id
    deadLetterContainerName: hostStorage.outputs.deadLetterContainerName
    tags: tags
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZDR_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZDR_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output AZDR_BACKUP_STORE string = backupStore.outputs.name
output AZDR_HOST_STORAGE string = hostStorage.outputs.name
output AZDR_TASK_HUB string = hubName
