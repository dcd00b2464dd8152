// Release Guardian on Azure Functions Flex Consumption (azd entry point).
// Provisions: resource group, user-assigned identity, storage (shared keys off), Log Analytics +
// Application Insights, data-plane role assignments, the Flex Consumption plan and the app.
// Not deployed from the environment this was written in: validate with `az bicep build` and
// `azd provision --preview` before the first real deployment.

targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for every resource. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; defaults to rg-<environmentName>.')
param resourceGroupName string = ''

@description('Durable Functions task hub (GuardianTaskHub). Letters and digits only, 3-45 characters, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'releaseguardian'

@description('Most instances the app scales out to. Flex Consumption takes 40 to 1000 (Azure quickstart template function-app-flex-managed-identities declares the same bounds).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Application Insights accepts Entra ID (managed identity) ingestion only, as in Azure\'s Flex Consumption templates: local auth is disabled, the identity gets Monitoring Metrics Publisher, and APPLICATIONINSIGHTS_AUTHENTICATION_STRING names it for the host and the worker. false: key-based ingestion.')
param useEntraAuthForAppInsights bool = true

@description('Object id of the identity running azd (AZURE_PRINCIPAL_ID). It gets the storage data roles, so that its owner can inspect the account and run the app locally against it with shared keys off. Empty: no roles.')
param principalId string = ''

@description('Kind of principalId: User for a person, ServicePrincipal for a pipeline (AZURE_PRINCIPAL_TYPE).')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('Override for Metrics:AzureMonitor:Endpoint (sovereign clouds). Empty: the app default.')
param logAnalyticsQueryEndpoint string = ''

@description('Non-secret settings to add as they are, e.g. {"Providers__unleash__BaseUrl": "https://unleash.example.org"}.')
param additionalAppSettings object = {}

// ---- Secrets. Every one is optional: an empty value writes no app setting. ----

@secure()
@description('Management API key (Guardian__ApiKey), checked against x-functions-key or ?code=.')
param guardianApiKey string

@secure()
param launchDarklyWebhookSecret string = ''
@secure()
param unleashWebhookSecret string = ''
@secure()
param flagsmithWebhookSecret string = ''
@secure()
param configCatWebhookSecret string = ''
@secure()
param goFeatureFlagWebhookSecret string = ''
@secure()
param growthBookWebhookSecret string = ''
@secure()
param splitWebhookSecret string = ''
@secure()
param azureAppConfigWebhookSecret string = ''

@secure()
param k6WebhookSecret string = ''
@secure()
param jmeterWebhookSecret string = ''
@secure()
param gatlingWebhookSecret string = ''
@secure()
param locustWebhookSecret string = ''
@secure()
param artilleryWebhookSecret string = ''
@secure()
param azureLoadTestingWebhookSecret string = ''
@secure()
@description('Signing secret of POST /api/events (Webhooks__events__Secret).')
param cloudEventsWebhookSecret string = ''

@secure()
param launchDarklyApiToken string = ''
@secure()
param unleashApiToken string = ''
@secure()
param flagsmithApiToken string = ''
@secure()
param growthBookApiToken string = ''
@secure()
param splitApiToken string = ''
@secure()
param configCatPassword string = ''
@secure()
param goFeatureFlagAdminKey string = ''
@secure()
param azureAppConfigCredential string = ''
@secure()
param azureAppConfigSecret string = ''
@secure()
param httpRollbackApiToken string = ''
@secure()
param httpRollbackSecret string = ''

@secure()
@description('Further secret settings as an object of name -> value; empty values are dropped.')
param additionalSecretAppSettings object = {}

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var appName = 'func-rg-${resourceToken}'
var deploymentContainerName = 'app-package-${take(resourceToken, 13)}'

var secretCandidates = [
  { name: 'Guardian__ApiKey', value: guardianApiKey }
  { name: 'Webhooks__launchdarkly__Secret', value: launchDarklyWebhookSecret }
  { name: 'Webhooks__unleash__Secret', value: unleashWebhookSecret }
  { name: 'Webhooks__flagsmith__Secret', value: flagsmithWebhookSecret }
  { name: 'Webhooks__configcat__Secret', value: configCatWebhookSecret }
  { name: 'Webhooks__gofeatureflag__Secret', value: goFeatureFlagWebhookSecret }
  { name: 'Webhooks__growthbook__Secret', value: growthBookWebhookSecret }
  { name: 'Webhooks__split__Secret', value: splitWebhookSecret }
  { name: 'Webhooks__azureappconfig__Secret', value: azureAppConfigWebhookSecret }
  { name: 'Webhooks__k6__Secret', value: k6WebhookSecret }
  { name: 'Webhooks__jmeter__Secret', value: jmeterWebhookSecret }
  { name: 'Webhooks__gatling__Secret', value: gatlingWebhookSecret }
  { name: 'Webhooks__locust__Secret', value: locustWebhookSecret }
  { name: 'Webhooks__artillery__Secret', value: artilleryWebhookSecret }
  { name: 'Webhooks__azureloadtesting__Secret', value: azureLoadTestingWebhookSecret }
  { name: 'Webhooks__events__Secret', value: cloudEventsWebhookSecret }
  { name: 'Providers__launchdarkly__ApiToken', value: launchDarklyApiToken }
  { name: 'Providers__unleash__ApiToken', value: unleashApiToken }
  { name: 'Providers__flagsmith__ApiToken', value: flagsmithApiToken }
  { name: 'Providers__growthbook__ApiToken', value: growthBookApiToken }
  { name: 'Providers__split__ApiToken', value: splitApiToken }
  { name: 'Providers__configcat__Password', value: configCatPassword }
  { name: 'Providers__gofeatureflag__AdminKey', value: goFeatureFlagAdminKey }
  { name: 'Providers__azureappconfig__Credential', value: azureAppConfigCredential }
  { name: 'Providers__azureappconfig__Secret', value: azureAppConfigSecret }
  { name: 'Providers__http__ApiToken', value: httpRollbackApiToken }
  { name: 'Providers__http__Secret', value: httpRollbackSecret }
]

var additionalSecretCandidates = map(items(additionalSecretAppSettings), entry => {
  name: entry.key
  value: string(entry.value)
})

// An empty secret writes no setting, so the app sees "not configured" instead of an empty secret.
var secretSettings = toObject(
  filter(concat(secretCandidates, additionalSecretCandidates), candidate => !empty(candidate.value)),
  candidate => candidate.name,
  candidate => candidate.value
)

var plainCandidates = [
  { name: 'Metrics__AzureMonitor__Endpoint', value: logAnalyticsQueryEndpoint }
]

var plainSettings = union(
  toObject(filter(plainCandidates, candidate => !empty(candidate.value)), candidate => candidate.name, candidate => candidate.value),
  additionalAppSettings
)

resource rg 'Microsoft.Resources/resourceGroups@2021-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-rg-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'strg${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-rg-${resourceToken}'
    applicationInsightsName: 'appi-rg-${resourceToken}'
    location: location
    tags: tags
    disableLocalAuth: useEntraAuthForAppInsights
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    logAnalyticsName: monitoring.outputs.workspaceName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    grantMonitoringMetricsPublisher: useEntraAuthForAppInsights
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  // The host starts as soon as the app exists; its identity must already hold the data roles.
  dependsOn: [
    rbac
  ]
  params: {
    planName: 'plan-rg-${resourceToken}'
    appName: appName
    location: location
    tags: tags
    identityResourceId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    useEntraAuthForAppInsights: useEntraAuthForAppInsights
    taskHubName: taskHubName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: plainSettings
    secretAppSettings: secretSettings
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output FUNCTION_APP_NAME string = functionApp.outputs.name
output FUNCTION_APP_HOSTNAME string = functionApp.outputs.defaultHostName
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
@description('Use as metrics.workspaceId in guardian definitions with metrics.source = azuremonitor.')
output LOG_ANALYTICS_WORKSPACE_ID string = monitoring.outputs.workspaceCustomerId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
