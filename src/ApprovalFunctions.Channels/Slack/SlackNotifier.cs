using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Notifications;

namespace ApprovalFunctions.Channels.Slack;

/// <summary>
/// Sends each approver who has a Slack account a direct message with the request (and, when configured, posts it to a
/// channel once per round), remembers every message, and updates them all to the outcome once the action is decided.
/// Idempotent per action, round and recipient through the delivery ledger; failures become undelivered deliveries
/// with Slack's error code, which the <c>notified</c> audit record keeps.
/// </summary>
public sealed class SlackNotifier(SlackApi api, SlackPeople people, SlackOptions options, IDeliveryLedger ledger, IPostedMessages messages)
    : IApprovalNotifier, IOutcomeUpdater
{
    /// <summary>The channel name in deliveries and posted messages.</summary>
    public const string Name = "slack";

    /// <summary>The recipient name of the configured channel's post.</summary>
    public const string ChannelRecipient = "#channel";

    /// <inheritdoc cref="IApprovalNotifier.Channel" />
    public string Channel => Name;

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        var context = new CardContext(request.ActionId, request.ReviewUrl, request.Deadline, request.Tally);
        string headline = request.Notification.Kind switch
        {
            NotificationKind.Reminder => "Reminder: approval needed",
            NotificationKind.Escalation => "Escalated: approval needed",
            _ => "Approval needed",
        };
        JsonArray blocks = SlackBlocks.Request(request.View, context, headline, [.. request.Notification.Recipients.Select(p => p.DisplayName ?? p.Id)]);
        string text = SlackBlocks.Text(headline, request.View);
        var deliveries = new List<Delivery>();
        foreach (Person recipient in request.Notification.Recipients)
        {
            deliveries.Add(await SendAsync(request, recipient.Id, () => people.SlackUserOfAsync(recipient, cancellationToken), text, blocks, cancellationToken).ConfigureAwait(false));
        }

        if (options.Channel is string channel)
        {
            deliveries.Add(await SendAsync(request, ChannelRecipient, () => Task.FromResult<string?>(channel), text, blocks, cancellationToken).ConfigureAwait(false));
        }

        return deliveries;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PostedMessage>> UpdateAsync(OutcomeNotice notice, IReadOnlyList<PostedMessage> posted, CancellationToken cancellationToken)
    {
        Check.NotNull(notice);
        JsonArray blocks = SlackBlocks.Settled(notice.View, notice.Context, notice.Headline);
        string text = SlackBlocks.Text(notice.Headline, notice.View);
        var updated = new List<PostedMessage>();
        foreach (PostedMessage message in Check.NotNull(posted))
        {
            if (SlackMessageRef.FromJson(message.Address) is not SlackMessageRef where)
            {
                updated.Add(message); // unreadable: nothing could ever update it
                continue;
            }

            try
            {
                await api.UpdateMessageAsync(where, text, (JsonArray)blocks.DeepClone(), cancellationToken).ConfigureAwait(false);
                updated.Add(message);
            }
            catch (ChannelException ex) when (ex.Error is "message_not_found" or "channel_not_found" or "cant_update_message" or "is_archived")
            {
                updated.Add(message); // gone or frozen for good: nothing left to update
            }
            catch (Exception ex) when (ex is ChannelException or HttpRequestException)
            {
                // Left for the next run.
            }
        }

        return updated;
    }

    private async Task<Delivery> SendAsync(ApprovalRequest request, string recipient, Func<Task<string?>> address, string text, JsonArray blocks, CancellationToken cancellationToken)
    {
        string key = DeliveryKeys.For(request.ActionId, request.Notification.Round, Channel, recipient);
        if (await ledger.WasDeliveredAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return new Delivery(recipient, Channel, true, "sent before");
        }

        try
        {
            if (await address().ConfigureAwait(false) is not string conversation)
            {
                return new Delivery(recipient, Channel, false, "no Slack account for this person");
            }

            SlackMessageRef posted = await api.PostMessageAsync(conversation, text, (JsonArray)blocks.DeepClone(), cancellationToken).ConfigureAwait(false);
            await messages.AddAsync(new PostedMessage(request.ActionId, Channel, $"{request.Notification.Round}/{recipient}", posted.ToJson()), cancellationToken).ConfigureAwait(false);
            await ledger.RecordAsync(key, cancellationToken).ConfigureAwait(false);
            return new Delivery(recipient, Channel, true, "sent");
        }
        catch (ChannelException ex)
        {
            return new Delivery(recipient, Channel, false, ex.Message);
        }
        catch (HttpRequestException ex)
        {
            return new Delivery(recipient, Channel, false, "slack unreachable: " + LogText.Sanitize(ex.Message, 160));
        }
    }
}
