using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.Channels;

/// <summary>The channels' log messages (event ids 1700–1799). Values are sanitized by callers.</summary>
internal static partial class ChannelsLog
{
    [LoggerMessage(EventId = 1700, Level = LogLevel.Warning, Message = "A Slack follow-up was dropped: the queue is full")]
    public static partial void FollowUpDropped(ILogger logger);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Warning, Message = "A {Channel} follow-up failed: {Error}")]
    public static partial void FollowUpFailed(ILogger logger, string channel, string error);
}
