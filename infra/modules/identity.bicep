// The one identity azdr runs as: a user-assigned managed identity, so its object id survives a
// redeploy of the Function App (role assignments and the Databricks service principal registration
// stay valid) and it can be granted access before the app exists.

@description('Identity name.')
param name string

@description('Azure region.')
param location string

@description('Resource tags.')
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
