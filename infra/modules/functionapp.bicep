// Flex Consumption plan and the function app. The runtime is chosen by functionAppConfig, so
// FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are not app settings on this plan.

param planName string
param appName string
param location string
param tags object = {}

@description('Tag azd uses to find the app that service "api" deploys to.')
param azdServiceName string = 'api'

param identityResourceId string
param identityClientId string

param storageAccountName string
param blobEndpoint string
param queueEndpoint string
param tableEndpoint string
param deploymentContainerUrl string

param applicationInsightsConnectionString string
@description('When true, the host and the worker send telemetry to Application Insights with the managed identity.')
param useEntraAuthForAppInsights bool = true

param taskHubName string

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Non-secret settings added as they are (empty values are already filtered out by the caller).')
param appSettings object = {}

@secure()
@description('Secret settings (webhook secrets, API tokens, the management key). Empty ones are filtered out by the caller.')
param secretAppSettings object = {}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: appName
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityResourceId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// Identity-based host storage (AzureWebJobsStorage__*). Durable Functions needs clientId, not a
// resource id, for a user-assigned identity; the service URIs serve the queue trigger and Durable.
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: blobEndpoint
  AzureWebJobsStorage__queueServiceUri: queueEndpoint
  AzureWebJobsStorage__tableServiceUri: tableEndpoint
  // DefaultAzureCredential/ManagedIdentityCredential in app code pick this identity.
  AZURE_CLIENT_ID: identityClientId
  GuardianTaskHub: taskHubName
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
}

// The worker's own log levels. host.json's logging section reaches only the host's categories: in OpenTelemetry
// mode the host drops the Function.* lines the worker pipes back (the worker exports its own), so the worker's
// filter is the .NET Logging configuration, read from these settings. Only undotted categories: a period in an
// environment variable name does not survive every shell and container. Put overrides in additionalAppSettings,
// e.g. {"Logging__LogLevel__ReleaseGuardian": "Debug"}.
var workerLogLevels = {
  Logging__LogLevel__Default: 'Information'
  Logging__LogLevel__ReleaseGuardian: 'Information'
  // ASP.NET Core, the Functions worker, Durable Task's gRPC worker: lifecycle chatter at Information.
  Logging__LogLevel__Microsoft: 'Warning'
  // HttpClient's per-request start/end lines; the spans already carry them.
  Logging__LogLevel__System: 'Warning'
  // Azure SDK request logs (storage, identity).
  Logging__LogLevel__Azure: 'Warning'
}

// The client id is parsed by the host (its own exporter) and by the worker (ApplicationInsightsAuthentication):
// both build a ManagedIdentityCredential for this identity.
var entraTelemetrySettings = useEntraAuthForAppInsights
  ? { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD' }
  : {}

resource settings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: app
  name: 'appsettings'
  properties: union(workerLogLevels, appSettings, secretAppSettings, entraTelemetrySettings, hostSettings)
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
output planName string = plan.name
