// The function app on the Flex Consumption plan (Linux, Node.js), with a system-assigned identity
// for storage, Key Vault, Application Insights and the scheduler, the bot's user-assigned
// identity when there is one, and App Service Authentication (Easy Auth) with Entra ID in front
// of the HTTP API as docs/security.md describes.
param name string
param planName string
param location string
param tags object
param storageAccountName string
@description('URL of the blob container Flex Consumption deploys the package to.')
param deploymentContainerUrl string
param applicationInsightsConnectionString string
@description('Resource id of the bot identity to assign too; empty for none.')
param userAssignedIdentityId string
param nodeVersion string
param instanceMemoryMB int
param maximumInstanceCount int
@description('App settings on top of the storage and monitoring ones.')
param appSettings object
param tenantId string
param apiClientId string
param apiAudience string

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

// Identity-based: the Functions host, the Durable extension and the app's tables
// (functions/storage/connection.ts) all sign in with the system-assigned identity.
var platformSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
}
var settings = union(platformSettings, appSettings)

var systemIdentity = { type: 'SystemAssigned' }
var bothIdentities = {
  type: 'SystemAssigned, UserAssigned'
  userAssignedIdentities: { '${userAssignedIdentityId}': {} }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy the "signoff" service of azure.yaml by this tag.
  tags: union(tags, { 'azd-service-name': 'signoff' })
  kind: 'functionapp,linux'
  identity: empty(userAssignedIdentityId) ? systemIdentity : bothIdentities
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [for setting in items(settings): { name: setting.key, value: string(setting.value) }]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      runtime: { name: 'node', version: nodeVersion }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
    }
  }
}

// Easy Auth validates Entra ID tokens and hands the app the principal (x-ms-client-principal).
// Requests without a token go through (the app answers 401 where it must, health stays public);
// a bad token is refused. /api/messages is excluded: its Bot Framework token is for the bot.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    platform: { enabled: true }
    globalValidation: {
      requireAuthentication: false
      unauthenticatedClientAction: 'AllowAnonymous'
      excludedPaths: ['/api/messages']
    }
    httpSettings: { requireHttps: true }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiClientId
          // The v2 issuer of this tenant only: tokens of other tenants are refused.
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: { allowedAudiences: [apiAudience, apiClientId] }
      }
    }
    login: { tokenStore: { enabled: false } }
  }
}

output name string = app.name
output url string = 'https://${app.properties.defaultHostName}'
output principalId string = app.identity.principalId
