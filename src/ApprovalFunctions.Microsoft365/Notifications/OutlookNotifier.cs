using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Outlook;
using Microsoft.Graph;
using Microsoft.Graph.Models;
using Microsoft.Graph.Users.Item.SendMail;
using Microsoft.Kiota.Abstractions;
using Delivery = ApprovalFunctions.Core.Process.Delivery;
using Person = ApprovalFunctions.Core.Process.Person;

namespace ApprovalFunctions.Microsoft365.Notifications;

/// <summary>
/// Sends each approver an Outlook actionable message through Graph <c>sendMail</c> from the configured mailbox: the
/// version 1.0 card (approve or reject in place, with the recipient's own single-use card token) in a
/// <c>application/adaptivecard+json</c> script block, and an HTML body that says the same for clients without cards.
/// </summary>
public sealed class OutlookNotifier : IApprovalNotifier
{
    private readonly GraphServiceClient _graph;
    private readonly CardTokens _tokens;
    private readonly OutlookDeliveryOptions _options;
    private readonly Uri _decisionBase;
    private readonly IDeliveryLedger _ledger;
    private readonly TimeProvider _time;

    /// <summary>Creates the notifier; <paramref name="publicBaseUrl"/> is where Outlook's buttons post (<c>api/outlook/{id}</c>).</summary>
    public OutlookNotifier(GraphServiceClient graph, CardTokens tokens, OutlookDeliveryOptions options, Uri publicBaseUrl, IDeliveryLedger ledger, TimeProvider? time = null)
    {
        _graph = Check.NotNull(graph);
        _tokens = Check.NotNull(tokens);
        _options = Check.NotNull(options);
        Check.NotNullOrWhiteSpace(options.Mailbox);
        Check.NotNullOrWhiteSpace(options.Originator);
        _decisionBase = Check.NotNull(publicBaseUrl);
        _ledger = Check.NotNull(ledger);
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public string Channel => "outlook";

    /// <inheritdoc />
    public async Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        var deliveries = new List<Delivery>();
        var context = new CardContext(request.ActionId, request.ReviewUrl, request.Deadline, request.Tally);
        var decisionUrl = new Uri(_decisionBase, "api/outlook/" + Uri.EscapeDataString(request.ActionId));
        foreach (Person recipient in request.Notification.Recipients)
        {
            if (string.IsNullOrWhiteSpace(recipient.Email))
            {
                deliveries.Add(new Delivery(recipient.Id, Channel, false, "no e-mail address"));
                continue;
            }

            string key = DeliveryKeys.For(request.ActionId, request.Notification.Round, Channel, recipient.Id);
            if (await _ledger.WasDeliveredAsync(key, cancellationToken).ConfigureAwait(false))
            {
                deliveries.Add(new Delivery(recipient.Id, Channel, true, "sent before"));
                continue;
            }

            string token = _tokens.Issue(request.ActionId, request.View.ActionDigest, recipient.Email, request.Notification.Round,
                "ct_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), _time.GetUtcNow(), recipient.Id);
            JsonObject card = ApprovalCards.Outlook(request.View, context, new OutlookCardAction(decisionUrl, _options.Originator!, token, recipient.Email));
            var message = new Message
            {
                Subject = Subject(request.Notification.Kind, request.View.Summary),
                Body = new ItemBody { ContentType = BodyType.Html, Content = Html(request, card) },
                ToRecipients = [new Recipient { EmailAddress = new EmailAddress { Address = recipient.Email, Name = recipient.DisplayName } }],
            };
            try
            {
                await _graph.Users[_options.Mailbox].SendMail.PostAsync(new SendMailPostRequestBody { Message = message, SaveToSentItems = false }, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
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

    /// <summary>The subject: what kind of message, then the (masked) summary on one line.</summary>
    internal static string Subject(NotificationKind kind, string summary)
    {
        string prefix = kind switch
        {
            NotificationKind.Reminder => "Reminder: approval needed: ",
            NotificationKind.Escalation => "Escalated: approval needed: ",
            _ => "Approval needed: ",
        };
        return prefix + LogText.Sanitize(summary, 120);
    }

    /// <summary>The HTML body: the card for Outlook, and the essentials with a link to the portal for everyone else.</summary>
    internal static string Html(ApprovalRequest request, JsonObject card)
    {
        ReviewerView view = request.View;
        static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

        // The default encoder escapes <, > and &, so the card cannot close its script element.
        string cardJson = JsonSerializer.Serialize(card);
        var html = new StringBuilder();
        html.Append("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">");
        html.Append("<script type=\"application/adaptivecard+json\">").Append(cardJson).Append("</script></head><body>");
        html.Append("<p><strong>Approval needed</strong></p>");
        html.Append("<p>").Append(E(view.Summary)).Append("</p><table>");
        void Row(string title, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                html.Append("<tr><td><strong>").Append(E(title)).Append("</strong></td><td>").Append(E(value)).Append("</td></tr>");
            }
        }

        Row("Action", view.Type);
        Row("Agent", view.AgentId);
        Row("Requested by", view.RequesterDisplayName ?? view.RequesterId);
        Row("Environment", view.Environment);
        Row("Residency", view.SourceRegion is null ? null : view.DestinationRegion is null ? view.SourceRegion : view.SourceRegion + " → " + view.DestinationRegion);
        Row("Deadline", request.Deadline.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture));
        html.Append("</table>");
        foreach (string reason in view.Decision?.Reasons ?? [])
        {
            html.Append("<p>").Append(E(reason)).Append("</p>");
        }

        html.Append("<p><a href=\"").Append(E(request.ReviewUrl.ToString())).Append("\">Review and decide in the approvals portal</a></p>");
        html.Append("</body></html>");
        return html.ToString();
    }
}

/// <summary>Turns Graph and HTTP failures into a short, log-safe description.</summary>
internal static class GraphFailure
{
    public static string Describe(Exception ex) => ex switch
    {
        Microsoft.Graph.Models.ODataErrors.ODataError odata =>
            $"graph {odata.ResponseStatusCode}: {LogText.Sanitize(odata.Error?.Code, 60)} {LogText.Sanitize(odata.Error?.Message, 160)}".TrimEnd(),
        ApiException api => $"graph {api.ResponseStatusCode}: {LogText.Sanitize(api.Message, 160)}",
        _ => "unreachable: " + LogText.Sanitize(ex.Message, 160),
    };
}
