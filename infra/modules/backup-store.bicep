// The backup store (runbook Appendix B): where every azdr snapshot lives.
//
// - Deployed in the DR region with read-access geo-redundancy (RA-GZRS or RA-GRS): the primary
//   copy sits where the Function App runs, and a readable copy sits in the paired region.
// - Flat namespace, NOT hierarchical (ADLS Gen2): version-level immutability (WORM) is not
//   supported on accounts with a hierarchical namespace, and azdr only uses the Blob and Table
//   APIs (no DFS operations), so WORM wins over HNS here.
// - Version-level WORM: every blob version is immutable from its creation for the period of its
//   container; overwrites create new versions, deletes of protected versions fail.
// - Blob soft delete, container soft delete and versioning on top, lifecycle rules matching
//   retention, a CanNotDelete lock on the account, and the snapshot index table.

@description('Storage account name (3-24 lowercase letters and digits).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region (the DR region).')
param location string

@description('Resource tags.')
param tags object = {}

@description('Replication: geo-redundant with read access to the secondary region.')
@allowed([
  'Standard_RAGZRS'
  'Standard_RAGRS'
])
param skuName string = 'Standard_RAGZRS'

@description('Days a snapshot is kept, per azdr domain (config retention.days).')
param retentionDays object = {
  'unity-catalog': 30
  databricks: 90
  azureml: 90
  foundry: 90
  keyvault: 90
  storage: 90
}

@description('Days restore reports are kept.')
@minValue(1)
param restoreReportRetentionDays int = 365

@description('WORM ends this many days before retention does, so azdr\'s daily GC can delete expired data on time.')
@minValue(0)
param wormSlackDays int = 1

@description('Extra days lifecycle rules wait after retention before deleting previous versions (current snapshot files and bodies are deleted only by azdr\'s GC).')
@minValue(1)
param lifecycleGraceDays int = 7

@description('Days deleted blobs, versions and containers stay recoverable (runbook 4.5: 14).')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 14

@description('State of the account-level default WORM policy. Locked cannot be shortened or removed: lock it once retention is settled.')
@allowed([
  'Unlocked'
  'Locked'
])
param immutabilityPolicyState string = 'Unlocked'

@description('Put a CanNotDelete lock on the account (deleting the store must be a deliberate two-step act).')
param lockAccount bool = true

@description('Snapshot index table (config backupStore.indexTable).')
param indexTableName string = 'azdrsnapshots'

@description('Public network access: Disabled once private endpoints and VNet integration are in place.')
@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

@description('Public IP ranges (CIDR) allowed when public access is on; empty allows all (identity still required).')
param allowedIpRanges array = []

@description('Subnet for private endpoints (blob, table); empty for none.')
param privateEndpointSubnetId string = ''

@description('Private DNS zone ids by sub-resource: { blob: id, table: id }.')
param privateDnsZoneIds object = {}

// Content-addressed bodies are shared by every snapshot that references them and only azdr's GC
// removes them, once unreferenced. A body becomes unreferenced no earlier than its own age plus
// the retention of the last snapshot using it, so at that moment it is at least as old as the
// SHORTEST retention. WORM on `objects` therefore must not exceed the shortest retention (or GC
// would hit immutable blobs); longer WORM would buy nothing either, since dedup means an
// unchanged body is never rewritten (see the note on long-lived bodies in the README).
var shortestRetention = min(map(items(retentionDays), entry => int(entry.value)))

var domainContainers = map(items(retentionDays), entry => {
  name: '${entry.key}-backups'
  // Snapshot files and manifests: immutable for the snapshot's retention (less the GC slack), so
  // nobody, including azdr itself, can delete or alter a snapshot before it expires.
  wormDays: max(1, int(entry.value) - wormSlackDays)
  deleteAfterDays: int(entry.value) + lifecycleGraceDays
  // NEVER age out current snapshot files by lifecycle either: azdr's retention keeps each
  // component's newest good snapshot whatever its age and the snapshots a restore has pinned; an
  // age-based rule cannot know either. Lifecycle only cleans previous versions.
  deleteBaseBlobs: false
})

var containers = concat(domainContainers, [
  {
    name: 'objects'
    wormDays: max(1, shortestRetention - wormSlackDays)
    deleteAfterDays: shortestRetention + lifecycleGraceDays
    // NEVER age out current bodies by lifecycle: an old body may be referenced by today's
    // snapshot (an unchanged notebook). Only GC knows; lifecycle only cleans previous versions.
    deleteBaseBlobs: false
  }
  {
    name: 'restore-reports'
    // Restore reports are audit evidence: immutable for as long as they are kept.
    wormDays: max(1, restoreReportRetentionDays - wormSlackDays)
    deleteAfterDays: restoreReportRetentionDays
    deleteBaseBlobs: true
  }
])

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: union(tags, { 'azdr-role': 'backup-store' })
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    isHnsEnabled: false
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: empty(allowedIpRanges) && publicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
      ipRules: [for range in allowedIpRanges: { value: range, action: 'Allow' }]
    }
    // Version-level WORM for every container; can only be switched on when the account is
    // created. The account default is the shortest container period (a floor for any container
    // created later); each container below sets its own default policy.
    immutableStorageWithVersioning: {
      enabled: true
      immutabilityPolicy: {
        immutabilityPeriodSinceCreationInDays: max(1, shortestRetention - wormSlackDays)
        state: immutabilityPolicyState
        allowProtectedAppendWrites: false
      }
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // Required by version-level immutability; also the runbook's 4.5 configuration.
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
    changeFeed: {
      enabled: true
      retentionInDays: restoreReportRetentionDays
    }
  }
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in containers: {
    parent: blobService
    name: container.name
    properties: {
      publicAccess: 'None'
      immutableStorageWithVersioning: {
        enabled: true
      }
    }
  }
]

// The container's default version-level policy: every new blob version inherits it.
resource containerPolicies 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = [
  for (container, i) in containers: {
    parent: blobContainers[i]
    name: 'default'
    properties: {
      immutabilityPeriodSinceCreationInDays: container.wormDays
      allowProtectedAppendWrites: false
    }
  }
]

// Lifecycle: a backstop behind azdr's GC (which owns retention and keeps the index consistent),
// firing `lifecycleGraceDays` after retention. Previous versions (left behind by GC deletes and
// overwrites under versioning) are removed once their WORM period is over.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        for container in containers: {
          // Rule names are alphanumeric only.
          name: 'retention${replace(container.name, '-', '')}'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${container.name}/'
              ]
            }
            actions: container.deleteBaseBlobs
              ? {
                  baseBlob: {
                    delete: {
                      daysAfterModificationGreaterThan: container.deleteAfterDays
                    }
                  }
                  version: {
                    delete: {
                      daysAfterCreationGreaterThan: container.deleteAfterDays
                    }
                  }
                }
              : {
                  version: {
                    delete: {
                      daysAfterCreationGreaterThan: container.deleteAfterDays
                    }
                  }
                }
          }
        }
      ]
    }
  }
  dependsOn: [
    blobContainers
  ]
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource indexTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: indexTableName
}

resource accountLock 'Microsoft.Authorization/locks@2020-05-01' = if (lockAccount) {
  scope: account
  name: 'azdr-backup-store-no-delete'
  properties: {
    level: 'CanNotDelete'
    notes: 'azdr backup store: remove this lock deliberately before deleting the account.'
  }
}

module endpoints 'private-endpoint.bicep' = [
  for groupId in ['blob', 'table']: if (!empty(privateEndpointSubnetId)) {
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
output tableEndpoint string = account.properties.primaryEndpoints.table
output containerNames array = [for container in containers: container.name]
output indexTableName string = indexTable.name
