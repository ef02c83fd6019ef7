// Signoff in Azure: the function app on Flex Consumption with its storage, monitoring, Key Vault,
// Azure Bot (Teams channel) and, if chosen, a Durable Task Scheduler. Deployed by `azd up`
// (azure.yaml at the repository root); every parameter is described in docs/deploy.md.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource (Flex Consumption must be offered there).')
param location string

@description('Client (application) id of the Entra app registration of the HTTP API (docs/security.md).')
param apiClientId string

@description('Application ID URI of that registration; default api://<apiClientId>.')
param apiAudience string = ''

@description('Tenants whose Teams users and tokens Signoff accepts, comma-separated; default this tenant.')
param allowedTenants string = ''

@allowed(['AzureStorage', 'DurableTaskScheduler'])
@description('Durable Functions backend: the storage account, or a Durable Task Scheduler.')
param durableBackend string = 'AzureStorage'

@allowed(['Consumption', 'Dedicated'])
@description('Durable Task Scheduler SKU, when durableBackend is DurableTaskScheduler.')
param durableTaskSchedulerSku string = 'Consumption'

@allowed(['UserAssignedMSI', 'SingleTenant'])
@description('How the bot signs in to the Bot Framework: a user-assigned managed identity, or an app registration whose secret you put in Key Vault.')
param botAppType string = 'UserAssignedMSI'

@description('Client id of the bot app registration; only for botAppType SingleTenant.')
param botAppId string = ''

@allowed(['F0', 'S1'])
@description('Azure Bot pricing tier; Teams is a standard channel, free on both.')
param botSku string = 'F0'

@allowed(['20', '22'])
@description('Node.js version of the function app.')
param nodeVersion string = '20'

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(1)
@maxValue(1000)
@description('Most instances Flex Consumption may scale out to.')
param maximumInstanceCount int = 40

@description('Teams conversation id of an ops channel for alerts (OPS_CHANNEL_CONVERSATION_ID); empty for none.')
param opsChannelConversationId string = ''

@description('Object id of whoever runs the deployment: may write Key Vault secrets and read the scheduler dashboard. azd fills it in.')
param deployerPrincipalId string = ''

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))
var useScheduler = durableBackend == 'DurableTaskScheduler'
var useBotIdentity = botAppType == 'UserAssignedMSI'
var taskHubName = 'SignoffHub' // the hubName of host.json
var deploymentContainerName = 'app-package-${token}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: { name: token, location: location, tags: tags }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${token}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: { name: 'kv-${token}', location: location, tags: tags }
}

module botIdentity 'modules/identity.bicep' = if (useBotIdentity) {
  name: 'bot-identity'
  scope: rg
  params: { name: 'id-bot-${token}', location: location, tags: tags }
}

module scheduler 'modules/durabletask.bicep' = if (useScheduler) {
  name: 'durabletask'
  scope: rg
  params: {
    name: 'dts-${token}'
    location: location
    tags: tags
    skuName: durableTaskSchedulerSku
    taskHubName: taskHubName
  }
}

var botAppIdValue = useBotIdentity ? botIdentity.outputs.clientId : botAppId

// The bot's credentials: with a managed identity there is no secret at all; with an app
// registration, its client secret is read from Key Vault, never stored in a setting.
var botIdentitySettings = {
  MicrosoftAppType: botAppType
  MicrosoftAppId: botAppIdValue
  MicrosoftAppTenantId: tenant().tenantId
}
var botSecretSettings = useBotIdentity ? {} : { MicrosoftAppPassword: keyVault.outputs.botPasswordReference }

// With the scheduler, the host.json of the package is overridden by app settings (same keys as
// in host.json, joined by __), so one package deploys to either backend.
var schedulerSettings = useScheduler ? {
  DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=${scheduler.outputs.endpoint};Authentication=ManagedIdentity'
  AzureFunctionsJobHost__extensions__durableTask__hubName: taskHubName
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'
  AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionStringName: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
} : {}

var tenantSettings = { SIGNOFF_ALLOWED_TENANTS: empty(allowedTenants) ? tenant().tenantId : allowedTenants }
var opsSettings = empty(opsChannelConversationId) ? {} : { OPS_CHANNEL_CONVERSATION_ID: opsChannelConversationId }
var appSettings = union(botIdentitySettings, botSecretSettings, schedulerSettings, tenantSettings, opsSettings)

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: 'func-${token}'
    planName: 'plan-${token}'
    location: location
    tags: tags
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    userAssignedIdentityId: useBotIdentity ? botIdentity.outputs.id : ''
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
    tenantId: tenant().tenantId
    apiClientId: apiClientId
    apiAudience: empty(apiAudience) ? 'api://${apiClientId}' : apiAudience
  }
}

module access 'modules/access.bicep' = {
  name: 'access'
  scope: rg
  params: {
    appPrincipalId: functionApp.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    schedulerName: useScheduler ? scheduler.outputs.name : ''
  }
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  scope: rg
  params: {
    name: 'bot-${token}'
    tags: tags
    sku: botSku
    messagingEndpoint: '${functionApp.outputs.url}/api/messages'
    appType: botAppType
    appId: botAppIdValue
    tenantId: tenant().tenantId
    identityId: useBotIdentity ? botIdentity.outputs.id : ''
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
@description('Where Teams and browsers reach Signoff.')
output SIGNOFF_APP_URL string = functionApp.outputs.url
@description('The messaging endpoint the Azure Bot posts Teams activities to.')
output SIGNOFF_BOT_ENDPOINT string = '${functionApp.outputs.url}/api/messages'
@description('The bot id for the Teams app package (npm run package:teams reads BOT_ID).')
output BOT_ID string = botAppIdValue
output DURABLE_TASK_SCHEDULER_ENDPOINT string = useScheduler ? scheduler.outputs.endpoint : ''
