// Log Analytics workspace plus workspace-based Application Insights. The guardian reads its golden
// signals back from the same workspace (AppRequests), so the workspace id is an output.

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object = {}

@description('Days of retention for the workspace.')
param retentionInDays int = 30

@description('When true, Application Insights accepts only Entra ID (managed identity) ingestion.')
param disableLocalAuth bool = false

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: disableLocalAuth
  }
}

output workspaceName string = workspace.name
output workspaceResourceId string = workspace.id
@description('The workspace (customer) id used by the Logs query API and by metrics.workspaceId.')
output workspaceCustomerId string = workspace.properties.customerId
output applicationInsightsName string = appInsights.name
output applicationInsightsConnectionString string = appInsights.properties.ConnectionString
