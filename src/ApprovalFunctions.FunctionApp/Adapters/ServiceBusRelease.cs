using ApprovalFunctions.FunctionApp.Orchestration;
using Azure.Messaging.ServiceBus;

namespace ApprovalFunctions.FunctionApp.Adapters;

/// <summary>
/// Sends a released action to the executors' queue: the action as the body, the receipt in application properties,
/// <c>MessageId</c> = the action id (the queue's duplicate detection drops a retried dispatch) and a time to live that
/// ends with the receipt, after which the message is dead-lettered rather than executed late.
/// </summary>
public sealed class ServiceBusRelease(ServiceBusSender sender, TimeProvider time) : IReleaseSender
{
    /// <inheritdoc />
    public Task SendAsync(DispatchInput release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        TimeSpan remaining = release.Receipt.ExpiresAt - time.GetUtcNow();
        var message = new ServiceBusMessage(BinaryData.FromString(release.ActionJson))
        {
            MessageId = release.ActionId,
            ContentType = "application/json",
            Subject = "approved-action",
            TimeToLive = remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1),
        };
        message.ApplicationProperties["actionId"] = release.ActionId;
        message.ApplicationProperties["actionDigest"] = release.ActionDigest;
        message.ApplicationProperties["receipt"] = release.Receipt.Jws;
        message.ApplicationProperties["receiptId"] = release.Receipt.ReceiptId;
        message.ApplicationProperties["receiptExpiresAt"] = release.Receipt.ExpiresAt;
        return sender.SendMessageAsync(message, cancellationToken);
    }
}
