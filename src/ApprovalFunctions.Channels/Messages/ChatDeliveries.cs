using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Notifications;

namespace ApprovalFunctions.Channels.Messages;

/// <summary>
/// What every chat channel does around its own calls: send a message at most once per action, round and recipient
/// (the delivery ledger, checked before and written after), remember where it went (<see cref="IPostedMessages"/>),
/// turn failures into undelivered deliveries, and later update each remembered message, keeping for another run
/// those the service could not take now.
/// </summary>
/// <param name="channel">The channel's name.</param>
/// <param name="ledger">The delivery ledger.</param>
/// <param name="messages">Where messages are remembered.</param>
public sealed class ChatDeliveries(string channel, IDeliveryLedger ledger, IPostedMessages messages)
{
    /// <summary>
    /// Sends to <paramref name="recipient"/> unless the ledger says it was; <paramref name="send"/> returns where the
    /// message went (<see cref="PostedMessage.Address"/>), or null when the recipient cannot be reached on this channel
    /// (<paramref name="unreachable"/> says why).
    /// </summary>
    public async Task<Delivery> SendOnceAsync(ApprovalRequest request, string recipient, Func<CancellationToken, Task<string?>> send, string unreachable,
        CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        string key = DeliveryKeys.For(request.ActionId, request.Notification.Round, channel, recipient);
        if (await ledger.WasDeliveredAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return new Delivery(recipient, channel, true, "sent before");
        }

        try
        {
            if (await Check.NotNull(send)(cancellationToken).ConfigureAwait(false) is not string address)
            {
                return new Delivery(recipient, channel, false, unreachable);
            }

            await messages.AddAsync(new PostedMessage(request.ActionId, channel, $"{request.Notification.Round}/{recipient}", address), cancellationToken).ConfigureAwait(false);
            await ledger.RecordAsync(key, cancellationToken).ConfigureAwait(false);
            return new Delivery(recipient, channel, true, "sent");
        }
        catch (ChannelException ex)
        {
            return new Delivery(recipient, channel, false, ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or Azure.Identity.AuthenticationFailedException)
        {
            return new Delivery(recipient, channel, false, channel + " unreachable: " + LogText.Sanitize(ex.Message, 160));
        }
    }

    /// <summary>
    /// Updates each of <paramref name="posted"/> with <paramref name="update"/>; returns those done: updated, or gone for
    /// good (<paramref name="gone"/> says which failures mean that, and an address <paramref name="update"/> cannot read
    /// is given up too). Other failures leave the message for the next run.
    /// </summary>
    public static async Task<IReadOnlyList<PostedMessage>> UpdateEachAsync(IReadOnlyList<PostedMessage> posted, Func<PostedMessage, CancellationToken, Task> update,
        Func<ChannelException, bool> gone, CancellationToken cancellationToken)
    {
        var done = new List<PostedMessage>();
        foreach (PostedMessage message in Check.NotNull(posted))
        {
            try
            {
                await update(message, cancellationToken).ConfigureAwait(false);
                done.Add(message);
            }
            catch (ChannelException ex) when (gone(ex) || ex.Error == UnreadableAddress)
            {
                done.Add(message);
            }
            catch (Exception ex) when (ex is ChannelException or HttpRequestException or Azure.Identity.AuthenticationFailedException)
            {
                // Left for the next run.
            }
        }

        return done;
    }

    /// <summary>The error an update throws for an address it cannot read (nothing could ever update that message).</summary>
    public const string UnreadableAddress = "unreadable_address";
}
