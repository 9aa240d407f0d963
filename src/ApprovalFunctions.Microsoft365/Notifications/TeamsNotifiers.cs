using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.Teamwork.SendActivityNotification;
using Microsoft.Kiota.Abstractions;
using Delivery = ApprovalFunctions.Core.Process.Delivery;
using Person = ApprovalFunctions.Core.Process.Person;
using KeyValuePair = Microsoft.Graph.Models.KeyValuePair;

namespace ApprovalFunctions.Microsoft365.Notifications;

/// <summary>
/// A Teams activity-feed notification per approver through Graph <c>sendActivityNotification</c>: a deep link to the
/// review page, not a card (Graph cannot post interactive cards as an app). Recipients are Entra user ids.
/// </summary>
public sealed class TeamsActivityNotifier : IApprovalNotifier
{
    private readonly GraphServiceClient _graph;
    private readonly TeamsDeliveryOptions _options;
    private readonly IDeliveryLedger _ledger;

    /// <summary>Creates the notifier.</summary>
    public TeamsActivityNotifier(GraphServiceClient graph, TeamsDeliveryOptions options, IDeliveryLedger ledger)
    {
        _graph = Check.NotNull(graph);
        _options = Check.NotNull(options);
        _ledger = Check.NotNull(ledger);
    }

    /// <inheritdoc />
    public string Channel => "teams";

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        var deliveries = new List<Delivery>();
        foreach (Person recipient in request.Notification.Recipients)
        {
            if (!Guid.TryParse(recipient.Id, out _))
            {
                deliveries.Add(new Delivery(recipient.Id, Channel, false, "not an Entra user id"));
                continue;
            }

            string key = DeliveryKeys.For(request.ActionId, request.Notification.Round, Channel, recipient.Id);
            if (await _ledger.WasDeliveredAsync(key, cancellationToken).ConfigureAwait(false))
            {
                deliveries.Add(new Delivery(recipient.Id, Channel, true, "sent before"));
                continue;
            }

            var body = new SendActivityNotificationPostRequestBody
            {
                Topic = new TeamworkActivityTopic { Source = TeamworkActivityTopicSource.Text, Value = "Approval needed", WebUrl = request.ReviewUrl.ToString() },
                ActivityType = "systemDefault",
                PreviewText = new ItemBody { Content = LogText.Sanitize(request.View.Summary, 150) },
                TemplateParameters =
                [
                    new KeyValuePair
                    {
                        Name = "systemDefaultText",
                        Value = LogText.Sanitize($"{request.View.AgentId ?? "An agent"} asks to {request.View.Type}; decide by {request.Deadline.UtcDateTime:yyyy-MM-dd HH:mm} UTC", 200),
                    },
                ],
                TeamsAppId = string.IsNullOrWhiteSpace(_options.TeamsAppId) ? null : _options.TeamsAppId,
            };
            try
            {
                await _graph.Users[recipient.Id].Teamwork.SendActivityNotification.PostAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
                await _ledger.RecordAsync(key, cancellationToken).ConfigureAwait(false);
                deliveries.Add(new Delivery(recipient.Id, Channel, true, "sent"));
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                deliveries.Add(new Delivery(recipient.Id, Channel, false, GraphFailure.Describe(ex)));
            }
        }

        return deliveries;
    }
}

/// <summary>
/// Posts the Teams card (version 1.5, "Review and decide" opens the portal) to a channel through a Workflows webhook
/// ("post to a channel when a webhook request is received"), once per action and round.
/// </summary>
public sealed class TeamsWorkflowNotifier : IApprovalNotifier
{
    private readonly HttpClient _http;
    private readonly Uri _webhook;
    private readonly IDeliveryLedger _ledger;

    /// <summary>Creates the notifier; <paramref name="http"/> should retry like <see cref="Graph.RetryAfterHandler"/>.</summary>
    public TeamsWorkflowNotifier(HttpClient http, Uri webhook, IDeliveryLedger ledger)
    {
        _http = Check.NotNull(http);
        _webhook = Check.NotNull(webhook);
        _ledger = Check.NotNull(ledger);
    }

    /// <inheritdoc />
    public string Channel => "teams-channel";

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        string key = DeliveryKeys.For(request.ActionId, request.Notification.Round, Channel, "channel");
        if (await _ledger.WasDeliveredAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return [new Delivery("channel", Channel, true, "sent before")];
        }

        JsonObject card = ApprovalCards.Teams(request.View, new CardContext(request.ActionId, request.ReviewUrl, request.Deadline, request.Tally));
        var message = new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card }),
        };
        try
        {
            using HttpResponseMessage response = await _http.PostAsJsonAsync(_webhook, message, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return [new Delivery("channel", Channel, false, $"webhook answered {(int)response.StatusCode}")];
            }

            await _ledger.RecordAsync(key, cancellationToken).ConfigureAwait(false);
            return [new Delivery("channel", Channel, true, "posted")];
        }
        catch (HttpRequestException ex)
        {
            return [new Delivery("channel", Channel, false, "unreachable: " + LogText.Sanitize(ex.Message, 160))];
        }
    }
}
