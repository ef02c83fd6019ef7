// The bot's own identity: the Azure Bot is registered with it, and the function app, to which it
// is assigned, signs in to the Bot Framework as it. No secret exists to leak or rotate.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output clientId string = identity.properties.clientId
