// Host storage of the Function App: the Durable Functions task hub (queues, tables, leases), the
// Flex Consumption deployment package container, and the restore-requests queue (plus its poison
// queue) that on-call tooling drops restore requests into. Identity-only: shared keys are off,
// so no connection string for this account exists anywhere.

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object = {}

@description('Replication. Host state is rebuilt from the backup store, so zone redundancy is enough.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param skuName string = 'Standard_ZRS'

@description('Container the Flex Consumption platform deploys the app package to.')
param deploymentContainerName string

@description('Days deleted blobs and containers stay recoverable.')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 7

@description('Public network access: Disabled once private endpoints and VNet integration are in place.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Public IP ranges (CIDR) allowed when public access is on; empty allows all (identity still required).')
param allowedIpRanges array = []

@description('Subnet for private endpoints (blob, queue, table); empty for none.')
param privateEndpointSubnetId string = ''

@description('Private DNS zone ids by sub-resource: { blob: id, queue: id, table: id }.')
param privateDnsZoneIds object = {}

var queueNames = [
  'restore-requests'
  // The Functions runtime moves a message here after maxDequeueCount failures (host.json);
  // created up front so alerts and tooling can watch it from the first day.
  'restore-requests-poison'
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: empty(allowedIpRanges) && publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      ipRules: [for range in allowedIpRanges: { value: range, action: 'Allow' }]
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

@description('Container Event Grid dead-letters undeliverable deletion alerts into.')
param deadLetterContainerName string = 'eventgrid-deadletters'

// Deletion alerts Event Grid could not deliver (the app was down): kept for an operator to replay.
resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

module endpoints 'private-endpoint.bicep' = [
  for groupId in ['blob', 'queue', 'table']: if (!empty(privateEndpointSubnetId)) {
    name: 'pe-${name}-${groupId}'
    params: {
      name: 'pe-${name}-${groupId}'
      location: location
      tags: tags
      subnetId: privateEndpointSubnetId
      targetResourceId: account.id
      groupId: groupId
      privateDnsZoneId: privateDnsZoneIds[?groupId] ?? ''
    }
  }
]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output queueEndpoint string = account.properties.primaryEndpoints.queue
output tableEndpoint string = account.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainer.name
output restoreQueueName string = queues[0].name
output deadLetterContainerName string = deadLetterContainer.name
