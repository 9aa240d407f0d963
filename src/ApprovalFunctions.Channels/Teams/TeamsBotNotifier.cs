using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Notifications;

namespace ApprovalFunctions.Channels.Teams;

/// <summary>
/// Sends each approver the bot's card in their 1:1 chat with the bot (created through the Bot Connector, which needs
/// the Teams app installed for them), and optionally to a channel; remembers every card and updates them all to the
/// outcome once the action is decided. Idempotent per action, round and recipient through the delivery ledger;
/// failures become undelivered deliveries, which the <c>notified</c> audit record keeps.
/// </summary>
public sealed class TeamsBotNotifier(BotConnector connector, TeamsPeople people, TeamsBotOptions options, IDeliveryLedger ledger, IPostedMessages messages)
    : IApprovalNotifier, IOutcomeUpdater
{
    /// <summary>The channel name in deliveries and posted messages.</summary>
    public const string Name = "teams-bot";

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
        string[] viewers = [.. request.Notification.Recipients.Select(people.ObjectIdOf).OfType<string>()];
        JsonObject card = ApprovalCards.TeamsActionable(request.View, context, new TeamsCardAction(request.View.ActionDigest, viewers));
        string summary = "Approval needed: " + LogText.Sanitize(request.View.Summary, 100);
        async Task<string?> SendAsync(string? conversation, CancellationToken ct) => conversation is null ? null
            : (await connector.SendAsync(conversation, BotConnector.CardActivity((JsonObject)card.DeepClone(), summary), ct).ConfigureAwait(false)).ToJson();

        var deliveries = new List<Delivery>();
        foreach (Person recipient in request.Notification.Recipients)
        {
            string? objectId = people.ObjectIdOf(recipient);
            deliveries.Add(await _deliveries.SendOnceAsync(request, recipient.Id,
                async ct => await SendAsync(objectId is null ? null : await connector.CreateConversationAsync(objectId, ct).ConfigureAwait(false), ct).ConfigureAwait(false),
                "no Entra object id for this person", cancellationToken).ConfigureAwait(false));
        }

        if (options.ChannelConversationId is string channel)
        {
            deliveries.Add(await _deliveries.SendOnceAsync(request, ChannelRecipient, ct => SendAsync(channel, ct), "no channel", cancellationToken).ConfigureAwait(false));
        }

        return deliveries;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PostedMessage>> UpdateAsync(OutcomeNotice notice, IReadOnlyList<PostedMessage> posted, CancellationToken cancellationToken)
    {
        Check.NotNull(notice);
        JsonObject card = ApprovalCards.TeamsOutcome(notice.View, notice.Context, notice.Headline);
        return ChatDeliveries.UpdateEachAsync(posted,
            (message, ct) => connector.UpdateAsync(TeamsMessageRef.FromJson(message.Address) ?? throw new ChannelException(Name, ChatDeliveries.UnreadableAddress),
                BotConnector.CardActivity((JsonObject)card.DeepClone(), notice.Headline), ct),
            // Deleted, the bot removed, or sent through another service: nothing left to update.
            ex => ex.Status is 404 or 403 || ex.Error == BotConnector.OtherService,
            cancellationToken);
    }
}
