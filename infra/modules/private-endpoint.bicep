// One private endpoint for one sub-resource (blob, queue, table) of a storage account, optionally
// registered in a private DNS zone. Only deployed when a subnet is given (off by default).

@description('Private endpoint name.')
param name string

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object = {}

@description('Subnet the endpoint gets its private IP from.')
param subnetId string

@description('Resource id of the target (a storage account).')
param targetResourceId string

@description('Sub-resource: blob, queue, table.')
@allowed([
  'blob'
  'queue'
  'table'
])
param groupId string

@description('Private DNS zone (privatelink.<groupId>.core.windows.net) to register in; empty to manage DNS yourself.')
param privateDnsZoneId string = ''

resource endpoint 'Microsoft.Network/privateEndpoints@2023-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource dnsGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2023-11-01' = if (!empty(privateDnsZoneId)) {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: privateDnsZoneId
        }
      }
    ]
  }
}

output id string = endpoint.id
