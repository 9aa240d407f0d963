// ApprovalFunctions on Azure: one stamp per home region (Functions app on Flex Consumption with Durable Functions on
// the Azure Storage backend in the host storage account, Service Bus, Key Vault, monitoring), plus one immutable audit storage account in each region whose data it handles.
// Everything authenticates with the app's user-assigned identity; no storage, Service Bus or Insights keys exist.
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name: names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('The home region of the stamp (app, task hub storage, queue, vault).')
param location string

@minLength(1)
@description('Regions whose audit trails this stamp keeps, each in a storage account in that region. The first is the default.')
param auditRegions array = [location]

@minValue(1)
@maxValue(146000)
@description('Days an audit record stays immutable (time-based retention on each audit container).')
param auditRetentionDays int = 2555

@description('The Entra tenant of approvers and agents.')
param tenantId string = tenant().tenantId

@description('Client id of the API app registration (agents and the portal get tokens for it; Graph calls are made as this app through the managed identity\'s federated credential or app permissions).')
param apiClientId string

@description('Audience of tokens for the API (its Application ID URI, e.g. api://approvals).')
param apiAudience string

@description('Client id of the portal\'s single-page-app registration (empty: no Entra sign-in in the portal).')
param portalClientId string = ''

@description('Outlook actionable e-mail: the sending mailbox (empty: no e-mail).')
param outlookMailbox string = ''

@description('Outlook actionable e-mail: the provider id (originator) from the Actionable Email Developer Dashboard.')
param outlookOriginator string = ''

@description('Outlook actionable e-mail: the App ID URI the dashboard generated (audience of Outlook\'s tokens).')
param outlookAppIdUri string = ''

@description('Turn on Slack: the bot token and signing secret are the Key Vault secrets slack-bot-token and slack-signing-secret (README, "Slack").')
param slackEnabled bool = false

@description('Optional: a Slack channel id (C…) that also gets every request.')
param slackChannel string = ''

@description('Optional: the Slack workspace (team) id T… whose interactions are taken; others are refused.')
param slackTeamId string = ''

@description('Turn on the Teams bot (an Azure Bot with the Teams channel whose endpoint is the app; README, "Teams bot").')
param teamsBotEnabled bool = false

@description('Optional: a bot app registration of your own (its secret in Key Vault as teams-bot-secret); empty = the app\'s managed identity is the bot.')
param teamsBotAppId string = ''

@description('Optional: a Teams channel conversation id (19:…@thread.tacv2) that also gets every request.')
param teamsChannelConversationId string = ''

@description('Object id of the person or pipeline running azd: may set the vault\'s secrets (postprovision creates the keys).')
param deployerPrincipalId string = ''

@description('Principal ids of executors that read released actions from the queue (Service Bus Data Receiver).')
param executorPrincipalIds array = []

@description('Maximum instances of the Flex Consumption app (40–1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Instance memory of the Flex Consumption app.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var tags = { 'azd-env-name': environmentName, app: 'approval-functions' }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  scope: rg
  name: 'identity'
  params: { name: 'id-approvals-${token}', location: location, tags: tags }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-approvals-${token}'
    appInsightsName: 'appi-approvals-${token}'
    location: location
    tags: tags
    identityPrincipalId: identity.outputs.principalId
  }
}

module hostStorage 'modules/host-storage.bicep' = {
  scope: rg
  name: 'host-storage'
  params: {
    name: 'stapp${token}'
    location: location
    tags: tags
    deploymentContainer: 'app-package-${token}'
    stateContainer: 'approvals-state'
    identityPrincipalId: identity.outputs.principalId
  }
}

// One account per audit region, named so the app settings can name it without a module output.
var auditAccounts = [for region in auditRegions: 'staud${take(token, 8)}${take(replace(region, '-', ''), 11)}']

module audit 'modules/audit-storage.bicep' = [for (region, i) in auditRegions: {
  scope: rg
  name: 'audit-${region}'
  params: {
    name: auditAccounts[i]
    location: region
    tags: union(tags, { 'audit-region': region })
    retentionDays: auditRetentionDays
    identityPrincipalId: identity.outputs.principalId
  }
}]

module serviceBus 'modules/service-bus.bicep' = {
  scope: rg
  name: 'service-bus'
  params: {
    name: 'sb-approvals-${token}'
    queueName: 'approved-actions'
    location: location
    tags: tags
    senderPrincipalId: identity.outputs.principalId
    receiverPrincipalIds: executorPrincipalIds
  }
}

module vault 'modules/key-vault.bicep' = {
  scope: rg
  name: 'key-vault'
  params: {
    name: 'kv-appr-${take(token, 14)}'
    location: location
    tags: tags
    readerPrincipalId: identity.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
  }
}

var outlookEnabled = !empty(outlookMailbox)
var auditSettings = toObject(range(0, length(auditRegions)), i => 'Approvals__AuditContainers__${auditRegions[i]}',
  i => 'https://${auditAccounts[i]}.blob.${environment().suffixes.storage}/audit')

module app 'modules/function-app.bicep' = {
  scope: rg
  name: 'function-app'
  params: {
    planName: 'plan-approvals-${token}'
    appName: 'func-approvals-${token}'
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    deploymentContainerUrl: '${hostStorage.outputs.blobEndpoint}app-package-${token}'
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    settings: union(auditSettings, {
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identity.outputs.clientId
      AzureWebJobsStorage__blobServiceUri: hostStorage.outputs.blobEndpoint
      AzureWebJobsStorage__queueServiceUri: hostStorage.outputs.queueEndpoint
      AzureWebJobsStorage__tableServiceUri: hostStorage.outputs.tableEndpoint
      APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
      AZURE_CLIENT_ID: identity.outputs.clientId
      TASKHUB_NAME: 'approvals'
      Approvals__ManagedIdentityClientId: identity.outputs.clientId
      Approvals__DefaultRegion: auditRegions[0]
      Approvals__StateContainerUrl: '${hostStorage.outputs.blobEndpoint}approvals-state'
      Approvals__ServiceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
      Approvals__ReleaseQueue: serviceBus.outputs.queueName
      Approvals__ReceiptSigningKeyPem: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=receipt-signing-key)'
      Approvals__Issuers__0__MetadataAddress: '${environment().authentication.loginEndpoint}${tenantId}/v2.0/.well-known/openid-configuration'
      Approvals__Issuers__0__TenantId: tenantId
      Approvals__Issuers__0__Audiences__0: apiAudience
      Approvals__Issuers__0__Audiences__1: apiClientId
      // Entra v2 tokens come from the v2 issuer the metadata names, v1 tokens from sts.windows.net: accept both.
      Approvals__Issuers__0__Issuers__0: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
      Approvals__Issuers__0__Issuers__1: 'https://sts.windows.net/${tenantId}/'
      Microsoft365__TenantId: tenantId
      Microsoft365__ClientId: apiClientId
      Microsoft365__Directory: 'true'
    }, outlookEnabled ? {
      Microsoft365__Outlook__Mailbox: outlookMailbox
      Microsoft365__Outlook__Originator: outlookOriginator
      Microsoft365__Outlook__AppIdUri: outlookAppIdUri
      Microsoft365__CardTokenKey: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=card-token-key)'
    } : {}, teamsBotEnabled ? union({
      TeamsBot__AppId: empty(teamsBotAppId) ? identity.outputs.clientId : teamsBotAppId
      TeamsBot__TenantId: tenantId
    }, empty(teamsBotAppId) ? {} : {
      TeamsBot__ClientSecret: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=teams-bot-secret)'
    }, empty(teamsChannelConversationId) ? {} : { TeamsBot__ChannelConversationId: teamsChannelConversationId }) : {}, slackEnabled ? union({
      Slack__BotToken: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=slack-bot-token)'
      Slack__SigningSecret: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=slack-signing-secret)'
    }, empty(slackChannel) ? {} : { Slack__Channel: slackChannel }, empty(slackTeamId) ? {} : { Slack__TeamId: slackTeamId }) : {}, empty(portalClientId) ? {} : {
      Portal__ClientId: portalClientId
      Portal__Authority: '${environment().authentication.loginEndpoint}${tenantId}'
      Portal__Scope: '${apiAudience}/Approvals.Decide'
    })
  }
}

module bot 'modules/bot.bicep' = if (teamsBotEnabled) {
  scope: rg
  name: 'bot'
  params: {
    name: 'bot-approvals-${token}'
    tags: tags
    endpoint: '${app.outputs.url}/api/teams/messages'
    tenantId: tenantId
    appId: empty(teamsBotAppId) ? identity.outputs.clientId : teamsBotAppId
    identityResourceId: empty(teamsBotAppId) ? identity.outputs.id : ''
  }
}

output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_LOCATION string = location
output AZURE_FUNCTION_APP_NAME string = app.outputs.name
output APPROVALS_URL string = app.outputs.url
output APPROVALS_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output KEY_VAULT_NAME string = vault.outputs.name
output SERVICE_BUS_NAMESPACE string = serviceBus.outputs.fullyQualifiedNamespace
output SERVICE_BUS_QUEUE string = serviceBus.outputs.queueName
output DURABLE_TASK_HUB string = 'approvals'
output AUDIT_ACCOUNTS array = auditAccounts
output AUDIT_REGIONS array = auditRegions
