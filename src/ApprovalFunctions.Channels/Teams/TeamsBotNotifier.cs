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

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        var context = new CardContext(request.ActionId, request.ReviewUrl, request.Deadline, request.Tally);
        string[] viewers = [.. request.Notification.Recipients.Select(people.ObjectIdOf).OfType<string>()];
        JsonObject card = ApprovalCards.TeamsActionable(request.View, context, new TeamsCardAction(request.View.ActionDigest, viewers));
        string summary = "Approval needed: " + LogText.Sanitize(request.View.Summary, 100);
        var deliveries = new List<Delivery>();
        foreach (Person recipient in request.Notification.Recipients)
        {
            string? objectId = people.ObjectIdOf(recipient);
            deliveries.Add(objectId is null
                ? new Delivery(recipient.Id, Channel, false, "no Entra object id for this person")
                : await SendAsync(request, recipient.Id, ct => connector.CreateConversationAsync(objectId, ct), card, summary, cancellationToken).ConfigureAwait(false));
        }

        if (options.ChannelConversationId is string conversation)
        {
            deliveries.Add(await SendAsync(request, ChannelRecipient, _ => Task.FromResult(conversation), card, summary, cancellationToken).ConfigureAwait(false));
        }

        return deliveries;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PostedMessage>> UpdateAsync(OutcomeNotice notice, IReadOnlyList<PostedMessage> posted, CancellationToken cancellationToken)
    {
        Check.NotNull(notice);
        JsonObject card = ApprovalCards.TeamsOutcome(notice.View, notice.Context, notice.Headline);
        var updated = new List<PostedMessage>();
        foreach (PostedMessage message in Check.NotNull(posted))
        {
            if (TeamsMessageRef.FromJson(message.Address) is not TeamsMessageRef where)
            {
                updated.Add(message);
                continue;
            }

            try
            {
                await connector.UpdateAsync(where, BotConnector.CardActivity((JsonObject)card.DeepClone(), notice.Headline), cancellationToken).ConfigureAwait(false);
                updated.Add(message);
            }
            catch (ChannelException ex) when (ex.Status is 404 or 403 || ex.Error.StartsWith("the message was sent through", StringComparison.Ordinal))
            {
                updated.Add(message); // deleted, the bot removed, or another service: nothing left to update
            }
            catch (Exception ex) when (ex is ChannelException or HttpRequestException or Azure.Identity.AuthenticationFailedException)
            {
                // Left for the next run.
            }
        }

        return updated;
    }

    private async Task<Delivery> SendAsync(ApprovalRequest request, string recipient, Func<CancellationToken, Task<string>> conversation, JsonObject card, string summary,
        CancellationToken cancellationToken)
    {
        string key = DeliveryKeys.For(request.ActionId, request.Notification.Round, Channel, recipient);
        if (await ledger.WasDeliveredAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return new Delivery(recipient, Channel, true, "sent before");
        }

        try
        {
            string conversationId = await conversation(cancellationToken).ConfigureAwait(false);
            TeamsMessageRef sent = await connector.SendAsync(conversationId, BotConnector.CardActivity((JsonObject)card.DeepClone(), summary), cancellationToken).ConfigureAwait(false);
            await messages.AddAsync(new PostedMessage(request.ActionId, Channel, $"{request.Notification.Round}/{recipient}", sent.ToJson()), cancellationToken).ConfigureAwait(false);
            await ledger.RecordAsync(key, cancellationToken).ConfigureAwait(false);
            return new Delivery(recipient, Channel, true, "sent");
        }
        catch (ChannelException ex)
        {
            return new Delivery(recipient, Channel, false, ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or Azure.Identity.AuthenticationFailedException)
        {
            return new Delivery(recipient, Channel, false, "teams unreachable: " + LogText.Sanitize(ex.Message, 160));
        }
    }
}
