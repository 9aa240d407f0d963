namespace ApprovalFunctions.Gateway.Logging;

/// <summary>Source-generated log messages with stable event ids. Values that came from callers are sanitized before they get here.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Gateway started: {Summary}")]
    public static partial void Started(ILogger logger, string summary);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "DEVELOPMENT MODE: local identities and dev tokens are accepted. Never use this in production.")]
    public static partial void DevModeOn(ILogger logger);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Action {ActionId} finished: {Outcome}")]
    public static partial void Finished(ILogger logger, string actionId, string outcome);

    [LoggerMessage(EventId = 1200, Level = LogLevel.Error, Message = "Action {ActionId}: step {Step} failed; it will be retried")]
    public static partial void StepFailed(ILogger logger, Exception exception, string actionId, string step);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Action {ActionId}: queued event {Event} was refused: {Reason}")]
    public static partial void EventRefused(ILogger logger, string actionId, string @event, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Critical, Message = "Action {ActionId}: audit integrity conflict: {Detail}")]
    public static partial void AuditConflict(ILogger logger, string actionId, string detail);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "Action {ActionId}: an audit record could not be written to its store yet; it stays in the outbox: {Error}")]
    public static partial void AuditWriteFailed(ILogger logger, string actionId, string error);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Action {ActionId}: release attempt {Attempt} failed: {Error}")]
    public static partial void ReleaseFailed(ILogger logger, string actionId, int attempt, string error);

    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "Release {Seq} of {ActionId} delivered to the webhook")]
    public static partial void WebhookDelivered(ILogger logger, long seq, string actionId);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Release {Seq} of {ActionId}: webhook attempt {Attempt} failed: {Error}")]
    public static partial void WebhookFailed(ILogger logger, long seq, string actionId, int attempt, string error);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Authentication by {Method} failed: {Reason}")]
    public static partial void AuthenticationFailed(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Warning, Message = "Notification of {ActionId} round {Round} over {Channel} failed: {Error}")]
    public static partial void NotifyFailed(ILogger logger, string actionId, int round, string channel, string error);

    [LoggerMessage(EventId = 1600, Level = LogLevel.Information, Message = "Action {ActionId}: {Updated} channel message(s) updated to the outcome, {Remaining} left")]
    public static partial void MessagesUpdated(ILogger logger, string actionId, int updated, int remaining);

    [LoggerMessage(EventId = 1601, Level = LogLevel.Warning, Message = "Updating the channel messages of {ActionId} failed: {Error}")]
    public static partial void MessagesUpdateFailed(ILogger logger, string actionId, string error);
}
