// Roles of the azdr identity on ONE platform resource group (deployed once per group, at that
// group's scope). Everything is resource-group scoped, never subscription-wide, and assigned to
// the group rather than to single resources on purpose: an assignment on a resource disappears
// with the resource, and recovering deleted resources is exactly what azdr is for.

@description('Principal (object) id of the azdr user-assigned identity.')
param principalId string

@description('Grant Key Vault Reader here (the group holds Key Vaults that azdr inventories).')
param keyVaultReader bool = false

@description('Grant the custom azdr storage recovery role here (restore-time: storage account failover, blob range restore).')
param storageRestore bool = false

@description('Grant the Azure ML roles here (restore-time: re-register models, environments, data assets, computes).')
param azureMlRestore bool = false

// Built-in role definition ids (the same in every tenant).
var roles = {
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
  keyVaultReader: '21090545-7ca7-4776-b22c-e363652d74d2'
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

// Least privilege for runbook 7.1/7.2/7.6 storage recovery, instead of Storage Account Contributor
// (which can list and regenerate account keys, and delete the account): read the account and its
// blob service, fail it over, restore blob ranges (point-in-time), and switch the blob service
// settings container restore needs. No key, SAS, delete or data action. Assignable in this group
// only; one definition per group, as role names are unique in a tenant.
resource storageRecoveryRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = if (storageRestore) {
  name: guid(resourceGroup().id, 'azdr-storage-recovery')
  properties: {
    roleName: 'azdr storage recovery (${resourceGroup().name})'
    description: 'azdr restores: storage account failover and blob point-in-time restore, without keys.'
    type: 'CustomRole'
    assignableScopes: [
      resourceGroup().id
    ]
    permissions: [
      {
        actions: [
          'Microsoft.Storage/storageAccounts/read'
          'Microsoft.Storage/storageAccounts/failover/action'
          'Microsoft.Storage/storageAccounts/restoreBlobRanges/action'
          'Microsoft.Storage/storageAccounts/blobServices/read'
          'Microsoft.Storage/storageAccounts/blobServices/write'
        ]
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

// Why: runbook 7.1/7.2/7.6 restores: storage account failover and blob point-in-time restore,
// through the custom role above. Scoped to the group that holds the accounts (an assignment on an
// account disappears with it). Every irreversible step runs behind azdr's approval gate.
resource storageRecovery 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (storageRestore) {
  name: guid(resourceGroup().id, principalId, 'azdr-storage-recovery')
  properties: {
    roleDefinitionId: storageRecoveryRole.id
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
