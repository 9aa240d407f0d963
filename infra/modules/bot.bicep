// The Azure Bot behind the Teams bot (TeamsBot__* settings): its messaging endpoint is the app's /api/teams/messages,
// and its Teams channel is on. By default the bot is the app's user-assigned managed identity (no secret anywhere: the
// app gets its Bot Connector tokens with that identity); with a bot app registration of your own, its secret is the
// Key Vault secret teams-bot-secret (README, "Teams bot").
param name string
param tags object
param endpoint string
param tenantId string

@description('The bot\'s app id: the managed identity\'s client id, or your bot app registration\'s.')
param appId string

@description('The user-assigned managed identity the bot is, or empty for an app registration (single tenant).')
param identityResourceId string = ''

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: name
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: { name: 'F0' }
  properties: union({
    displayName: 'Approvals'
    endpoint: endpoint
    msaAppId: appId
    msaAppTenantId: tenantId
    msaAppType: empty(identityResourceId) ? 'SingleTenant' : 'UserAssignedMSI'
    publicNetworkAccess: 'Enabled'
  }, empty(identityResourceId) ? {} : { msaAppMSIResourceId: identityResourceId })
}

resource teams 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: { isEnabled: true }
  }
}

output name string = bot.name
