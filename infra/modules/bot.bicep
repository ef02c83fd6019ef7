// The Azure Bot that links Teams to the function app's /api/messages, with the Teams channel on.
// It is registered with the bot identity (UserAssignedMSI) or an app registration (SingleTenant).
param name string
param tags object
param sku string
param messagingEndpoint string
@allowed(['UserAssignedMSI', 'SingleTenant'])
param appType string
param appId string
param tenantId string
@description('Resource id of the bot identity, for UserAssignedMSI.')
param identityId string

var registration = {
  displayName: 'Signoff'
  endpoint: messagingEndpoint
  msaAppId: appId
  msaAppType: appType
  msaAppTenantId: tenantId
}
var identityRegistration = appType == 'UserAssignedMSI' ? { msaAppMSIResourceId: identityId } : {}

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: { name: sku }
  properties: union(registration, identityRegistration)
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true, enableCalling: false }
  }
}

output name string = bot.name
