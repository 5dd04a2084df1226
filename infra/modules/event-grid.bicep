// Deletion alerts for ONE platform resource group (deployed at that group's scope): a system topic
// on the group and a subscription that forwards only successful deletions of storage accounts,
// Databricks workspaces and Azure ML workspaces (AI Foundry hubs are Azure ML workspaces) to the
// azdr function `platformResourceDeleted`. That function validates the handshake, ignores resources
// not in the config, and starts the matching recovery behind its approval gate.
//
// The destination function must exist when the subscription is created, so this module is only
// deployed after the app code (enableDeletionEvents, see the README's Deploy section).

@description('System topic name.')
param topicName string

@description('Resource id of the azdr Function App.')
param functionAppId string

@description('Name of the Event Grid triggered function.')
param functionName string = 'platformResourceDeleted'

@description('Resource tags.')
param tags object = {}

resource topic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: topicName
  // Resource-group topics are global.
  location: 'global'
  tags: tags
  properties: {
    source: resourceGroup().id
    topicType: 'Microsoft.Resources.ResourceGroups'
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
          ]
        }
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
  }
}

output topicId string = topic.id
