// Deletion alerts for the whole platform subscription: ONE system topic on the subscription (kept
// in azdr's own resource group, so deleting a platform resource group cannot delete its own alert)
// and a subscription that forwards only successful deletions of storage accounts, Databricks
// workspaces, Azure ML workspaces / AI Foundry hubs (Microsoft.MachineLearningServices) and the
// newer AI Foundry resources and projects (Microsoft.CognitiveServices accounts of kind AIServices)
// to the azdr function `platformResourceDeleted`. That function validates the handshake, ignores
// resources not in the config, and starts the matching recovery behind its approval gate.
// A second subscription forwards writes that can turn storage data protection off to
// `platformProtectionChanged` (see protectionChanges below).
// Events that cannot be delivered are dead-lettered to a host-storage container (written with
// azdr's identity), so an outage of the app loses no alert.
//
// The destination function must exist when the subscription is created, so this module is only
// deployed after the app code (enableDeletionEvents, see the README's Deploy section).

@description('System topic name.')
param topicName string

@description('Subscription id whose resource deletions are watched (the platform subscription).')
param platformSubscriptionId string

@description('Resource id of the azdr Function App.')
param functionAppId string

@description('Name of the Event Grid triggered function that handles deletions.')
param functionName string = 'platformResourceDeleted'

@description('Name of the Event Grid triggered function that checks storage protection changes.')
param protectionFunctionName string = 'platformProtectionChanged'

@description('Resource id of the user-assigned identity Event Grid writes dead letters with.')
param identityId string

@description('Resource id of the storage account holding the dead-letter container (host storage).')
param deadLetterStorageId string

@description('Dead-letter container in that account.')
param deadLetterContainerName string

@description('Resource tags.')
param tags object = {}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: topicName
  // Subscription topics are global.
  location: 'global'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    source: '/subscriptions/${platformSubscriptionId}'
    topicType: 'Microsoft.Resources.Subscriptions'
  }
}

resource deletions 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'azdr-platform-deletions'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${functionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceDeleteSuccess'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            'Microsoft.Storage/storageAccounts/delete'
            'Microsoft.Databricks/workspaces/delete'
            'Microsoft.MachineLearningServices/workspaces/delete'
            'Microsoft.CognitiveServices/accounts/delete'
            'Microsoft.CognitiveServices/accounts/projects/delete'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: identityId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

// Writes that can turn storage data protection off (blob service properties, the account's SKU):
// the app compares the account with its last protection snapshot and tells people what was lost.
resource protectionChanges 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: topic
  name: 'azdr-protection-changes'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/${protectionFunctionName}'
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.Resources.ResourceWriteSuccess'
      ]
      advancedFilters: [
        {
          operatorType: 'StringIn'
          key: 'data.operationName'
          values: [
            'Microsoft.Storage/storageAccounts/write'
            'Microsoft.Storage/storageAccounts/blobServices/write'
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: identityId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output topicId string = topic.id
