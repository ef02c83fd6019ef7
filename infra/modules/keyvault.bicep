// Key Vault for whatever secret remains. With the default bot identity there is none; with a
// bot app registration (botAppType SingleTenant), its client secret goes here as
// "bot-app-password", set by an operator (docs/deploy.md), never through a deployment parameter.
param name string
param location string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
  }
}

output name string = vault.name
@description('The app setting value that makes the Functions host read the bot secret from the vault.')
output botPasswordReference string = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=bot-app-password)'
