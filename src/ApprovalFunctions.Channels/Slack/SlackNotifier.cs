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

    private readonly ChatDeliveries _deliveries = new(Name, ledger, messages);

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
        async Task<string?> PostAsync(string? conversation, CancellationToken ct) =>
            conversation is null ? null : (await api.PostMessageAsync(conversation, text, (JsonArray)blocks.DeepClone(), ct).ConfigureAwait(false)).ToJson();

        var deliveries = new List<Delivery>();
        foreach (Person recipient in request.Notification.Recipients)
        {
            deliveries.Add(await _deliveries.SendOnceAsync(request, recipient.Id,
                async ct => await PostAsync(await people.SlackUserOfAsync(recipient, ct).ConfigureAwait(false), ct).ConfigureAwait(false),
                "no Slack account for this person", cancellationToken).ConfigureAwait(false));
        }

        if (options.Channel is string channel)
        {
            deliveries.Add(await _deliveries.SendOnceAsync(request, ChannelRecipient, ct => PostAsync(channel, ct), "no channel", cancellationToken).ConfigureAwait(false));
        }

        return deliveries;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PostedMessage>> UpdateAsync(OutcomeNotice notice, IReadOnlyList<PostedMessage> posted, CancellationToken cancellationToken)
    {
        Check.NotNull(notice);
        JsonArray blocks = SlackBlocks.Settled(notice.View, notice.Context, notice.Headline);
        string text = SlackBlocks.Text(notice.Headline, notice.View);
        return ChatDeliveries.UpdateEachAsync(posted,
            (message, ct) => api.UpdateMessageAsync(SlackMessageRef.FromJson(message.Address) ?? throw new ChannelException(Name, ChatDeliveries.UnreadableAddress),
                text, (JsonArray)blocks.DeepClone(), ct),
            // Gone or frozen for good: nothing left to update.
            ex => ex.Error is "message_not_found" or "channel_not_found" or "cant_update_message" or "is_archived",
            cancellationToken);
    }
}
