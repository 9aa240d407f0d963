using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.Api.Http;

/// <summary>The API's log messages (event ids 1100–1199 and 1500–1599, as the gateway had them). Values are sanitized by callers.</summary>
internal static partial class ApiLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Action {ActionId} submitted by {AgentId}: {Type}")]
    public static partial void Submitted(ILogger logger, string actionId, string agentId, string type);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Action {ActionId}: decision by {ApproverId} is {Verdict}")]
    public static partial void Decided(ILogger logger, string actionId, string approverId, string verdict);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "Outlook action on {ActionId} refused (card {CorrelationId}, request {RequestId}): {Reason}")]
    public static partial void OutlookRefused(ILogger logger, string actionId, string correlationId, string requestId, string reason);

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Slack interaction refused: {Reason}")]
    public static partial void SlackRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "Slack user {SlackUser} pressed on {ActionId} but is linked to no person")]
    public static partial void SlackUnlinked(ILogger logger, string slackUser, string actionId);

    [LoggerMessage(EventId = 1520, Level = LogLevel.Warning, Message = "Teams bot activity refused: {Reason}")]
    public static partial void TeamsRefused(ILogger logger, string reason);
}
