// Roles of the azdr identity on ONE platform resource group (deployed once per group, at that
// group's scope). Everything is resource-group scoped, never subscription-wide, and assigned to
// the group rather than to single resources on purpose: an assignment on a resource disappears
// with the resource, and recovering deleted resources is exactly what azdr is for.

@description('Principal (object) id of the azdr user-assigned identity.')
param principalId string

@description('Grant Key Vault Reader here (the group holds Key Vaults that azdr inventories).')
param keyVaultReader bool = false

@description('Grant Storage Account Contributor here (restore-time: storage account failover, recovery, blob restore).')
param storageRestore bool = false

@description('Grant the Azure ML roles here (restore-time: re-register models, environments, data assets, computes).')
param azureMlRestore bool = false

// Built-in role definition ids (the same in every tenant).
var roles = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2'
  storageAccountContributor: '17d1049b-9a84-46fb-8f53-869881c3d3ab'
  azureMlDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121'
  azureMlComputeOperator: 'e503ece1-11d0-4e8e-8e2c-7a6c3bf38815'
}

// Why: backups and preflight read ARM state (storage account protection settings, Azure ML and
// AI Foundry assets, whether a workspace still exists). Reader cannot read data or secrets.
resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(resourceGroup().id, principalId, roles.reader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.reader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the Key Vault inventory backup lists secret, key and certificate names, versions, dates
// and tags (data-plane metadata on RBAC vaults). Key Vault Reader cannot read secret values.
resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (keyVaultReader) {
  name: guid(resourceGroup().id, principalId, roles.keyVaultReader)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultReader)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: runbook 7.1/7.2/7.6 restores: storage account failover, recovery of a deleted account,
// blob point-in-time restore. Scoped to the group that holds the accounts (a deleted account takes
// its own assignments with it). Every irreversible step runs behind azdr's approval gate.
resource storageAccountContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (storageRestore) {
  name: guid(resourceGroup().id, principalId, roles.storageAccountContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageAccountContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: runbook 7.5 restores: re-register models, environments, data assets and datastores in a
// (re)deployed Azure ML workspace or AI Foundry hub. Cannot create or delete workspaces or compute.
resource mlDataScientist 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (azureMlRestore) {
  name: guid(resourceGroup().id, principalId, roles.azureMlDataScientist)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMlDataScientist)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: runbook 7.5 step 3 recreates compute targets from their backed-up definitions, which
// AzureML Data Scientist excludes. Compute only: no workspace-level changes.
resource mlComputeOperator 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (azureMlRestore) {
  name: guid(resourceGroup().id, principalId, roles.azureMlComputeOperator)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.azureMlComputeOperator)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}
