// The Functions app on Flex Consumption: .NET 10 isolated, package from a blob container read with the app's identity,
// Key Vault references resolved with the same identity. FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION are
// not app settings on Flex: the runtime comes from functionAppConfig.
param planName string
param appName string
param location string
param tags object
param identityId string
param identityClientId string
param deploymentContainerUrl string
param maximumInstanceCount int
param instanceMemoryMB int
@description('App settings (the public URL is added here, from the site).')
param settings object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: appName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // Durable on Flex: keep one instance ready for orchestrations and timers.
        alwaysReady: [{ name: 'durable', instanceCount: 1 }]
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(settings, {
    Approvals__PublicBaseUrl: 'https://${site.properties.defaultHostName}'
  })
}

// Basic publishing credentials off: deployments use Entra (azd, az functionapp deploy).
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
output identityClientId string = identityClientId
