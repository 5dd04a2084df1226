// Data-plane roles of the azdr identity inside its own resource group: the host storage (task
// hub, deployment package, restore queue), the backup store (write to the backup containers and
// the table service of the account, see below) and Application Insights (Entra-authenticated telemetry).
// Platform-side roles (read, restore) are in platform-access.bicep, one deployment per platform
// resource group.

@description('Principal (object) id of the azdr user-assigned identity.')
param principalId string

@description('Host storage account name.')
param hostStorageName string

@description('Backup store account name.')
param backupStoreName string

@description('Backup store containers azdr writes to.')
param backupContainerNames array

@description('Snapshot index table in the backup store.')
param indexTableName string

@description('Application Insights component name.')
param applicationInsightsName string

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource hostStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: hostStorageName
}

resource backupStore 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: backupStoreName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }
}

resource backupContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' existing = [
  for containerName in backupContainerNames: {
    parent: backupStore::blobService
    name: containerName
  }
]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Why: the Functions host with an identity-based AzureWebJobsStorage needs Blob Data Owner on its
// own storage (host leases, secrets container, Flex deployment package). The account is dedicated
// to this app, so Owner here reaches nothing else.
resource hostBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hostStorage
  name: guid(hostStorage.id, principalId, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the Durable Functions task hub (control and work-item queues) and the restore-requests
// queue trigger (read, delete, move to poison) live in host storage queues.
resource hostQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hostStorage
  name: guid(hostStorage.id, principalId, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the Durable Functions task hub keeps orchestration history and instance tables in host
// storage tables.
resource hostTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: hostStorage
  name: guid(hostStorage.id, principalId, roles.storageTableDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: backups are written (and expired snapshots garbage-collected) in the backup containers.
// Scoped to each container, not the account; version-level WORM makes every version
// undeletable until its period ends, so this write access cannot destroy a live snapshot.
resource backupContainerWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (containerName, i) in backupContainerNames: {
    scope: backupContainers[i]
    name: guid(backupContainers[i].id, principalId, roles.storageBlobDataContributor)
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Why: one index row per snapshot (latest good snapshot, RPO, retention queries). The code calls
// create-table on first use (and on every cold start), which a role scoped to the table itself
// answers with 403 instead of "already exists": the account's tables are the narrowest scope that
// works. The backup store holds no other tables.
resource indexTableWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: backupStore
  name: guid(backupStore.id, principalId, roles.storageTableDataContributor, indexTableName)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: Application Insights has local auth disabled; the app publishes telemetry with its
// identity (APPLICATIONINSIGHTS_AUTHENTICATION_STRING), which needs this role on the component.
resource telemetryPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: applicationInsights
  name: guid(applicationInsights.id, principalId, roles.monitoringMetricsPublisher)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
