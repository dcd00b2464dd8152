// The one identity the function app runs as: host storage, Durable task hub, queue trigger,
// deployment package download and the Log Analytics queries of the guardian all use it.

@description('Name of the user-assigned managed identity.')
param name string

param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
