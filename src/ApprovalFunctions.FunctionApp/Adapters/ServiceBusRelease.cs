using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Core;
using Azure.Messaging.ServiceBus;

namespace ApprovalFunctions.FunctionApp.Adapters;

/// <summary>
/// Sends a released action to the executors' queue: the action as the body, the receipt in application properties,
/// <c>MessageId</c> = the action id (the queue's duplicate detection drops a retried dispatch) and a time to live that
/// ends with the receipt, after which the message is dead-lettered rather than executed late. A receipt with less than
/// <see cref="MinimumRemaining"/> left is never sent (<see cref="ReceiptExpiredException"/>: the orchestration signs a
/// fresh one); a message the queue can never take is refused for good (<see cref="ReleaseRefusedException"/>).
/// </summary>
public sealed class ServiceBusRelease(ServiceBusSender sender, TimeProvider time) : IReleaseSender
{
    /// <summary>The least receipt lifetime worth sending: an executor needs time to verify and act.</summary>
    public static readonly TimeSpan MinimumRemaining = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public async Task SendAsync(DispatchInput release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        TimeSpan remaining = release.Receipt.ExpiresAt - time.GetUtcNow();
        if (remaining < MinimumRemaining)
        {
            throw new ReceiptExpiredException(release.Receipt.ReceiptId, release.Receipt.ExpiresAt);
        }

        var message = new ServiceBusMessage(BinaryData.FromString(release.ActionJson))
        {
            MessageId = release.ActionId,
            ContentType = "application/json",
            Subject = "approved-action",
            TimeToLive = remaining,
        };
        message.ApplicationProperties["actionId"] = release.ActionId;
        message.ApplicationProperties["actionDigest"] = release.ActionDigest;
        message.ApplicationProperties["receipt"] = release.Receipt.Jws;
        message.ApplicationProperties["receiptId"] = release.Receipt.ReceiptId;
        message.ApplicationProperties["receiptExpiresAt"] = release.Receipt.ExpiresAt;
        try
        {
            await sender.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException ex) when (ex.Reason == ServiceBusFailureReason.MessageSizeExceeded)
        {
            throw new ReleaseRefusedException($"The approved action is too large for the queue ({LogText.Sanitize(ex.Message, 200)}).", ex);
        }
    }
}
