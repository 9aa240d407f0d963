using './main.bicep'

// azd sets AZURE_ENV_NAME, AZURE_LOCATION and AZURE_PRINCIPAL_ID; the rest are set with `azd env set NAME value`.
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'approvals')
param location = readEnvironmentVariable('AZURE_LOCATION', 'westeurope')
param auditRegions = split(readEnvironmentVariable('APPROVALS_AUDIT_REGIONS', readEnvironmentVariable('AZURE_LOCATION', 'westeurope')), ',')
param auditRetentionDays = int(readEnvironmentVariable('APPROVALS_AUDIT_RETENTION_DAYS', '2555'))
param apiClientId = readEnvironmentVariable('APPROVALS_API_CLIENT_ID')
param apiAudience = readEnvironmentVariable('APPROVALS_API_AUDIENCE')
param portalClientId = readEnvironmentVariable('APPROVALS_PORTAL_CLIENT_ID', '')
param outlookMailbox = readEnvironmentVariable('APPROVALS_OUTLOOK_MAILBOX', '')
param outlookOriginator = readEnvironmentVariable('APPROVALS_OUTLOOK_ORIGINATOR', '')
param outlookAppIdUri = readEnvironmentVariable('APPROVALS_OUTLOOK_APP_ID_URI', '')
param teamsBotEnabled = bool(readEnvironmentVariable('APPROVALS_TEAMS_BOT_ENABLED', 'false'))
param teamsBotAppId = readEnvironmentVariable('APPROVALS_TEAMS_BOT_APP_ID', '')
param teamsChannelConversationId = readEnvironmentVariable('APPROVALS_TEAMS_CHANNEL_CONVERSATION_ID', '')
param slackEnabled = bool(readEnvironmentVariable('APPROVALS_SLACK_ENABLED', 'false'))
param slackChannel = readEnvironmentVariable('APPROVALS_SLACK_CHANNEL', '')
param slackTeamId = readEnvironmentVariable('APPROVALS_SLACK_TEAM_ID', '')
param deployerPrincipalId = readEnvironmentVariable('AZURE_PRINCIPAL_ID', '')
// Comma-separated object ids of executors' service principals (Service Bus Data Receiver on the queue).
param executorPrincipalIds = map(filter(split(readEnvironmentVariable('APPROVALS_EXECUTOR_PRINCIPAL_IDS', ''), ','), id => !empty(trim(id))), id => trim(id))
