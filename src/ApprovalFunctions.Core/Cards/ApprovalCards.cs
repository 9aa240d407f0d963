using System.Globalization;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Core.Cards;

/// <summary>What a card shows besides the reviewer view: where to review, the deadline and the tally so far.</summary>
/// <param name="ActionId">The action.</param>
/// <param name="ReviewUrl">The portal's review page for the action.</param>
/// <param name="Deadline">When the approval times out.</param>
/// <param name="Tally">Who approved towards which requirement and how many are still needed.</param>
public sealed record CardContext(string ActionId, Uri ReviewUrl, DateTimeOffset Deadline, ApprovalTally Tally)
{
    /// <summary>The context of an action in <paramref name="state"/>: its deadline (or when it arrived) and its tally.</summary>
    public static CardContext For(Uri reviewUrl, ProcessState state)
    {
        Check.NotNull(state);
        return new CardContext(state.ActionId, Check.NotNull(reviewUrl), state.Deadline ?? state.ReceivedAt, ApprovalProcess.FromState(state).Tally());
    }
}

/// <summary>What only the Outlook card needs: where its buttons post, who sends it, and the recipient's card token.</summary>
/// <param name="DecisionUrl">The <c>Action.Http</c> target, <c>https://…/api/outlook/{id}</c> (internet-reachable).</param>
/// <param name="Originator">The provider id registered in the Actionable Email Developer Dashboard.</param>
/// <param name="CardToken">The recipient's single-use card token, sent back in a header.</param>
/// <param name="Recipient">The recipient's e-mail address (Outlook's <c>expectedActors</c>).</param>
public sealed record OutlookCardAction(Uri DecisionUrl, string Originator, string CardToken, string? Recipient);

/// <summary>What only the Teams bot's card needs: the digest its buttons send back, and who sees a refreshed card.</summary>
/// <param name="ActionDigest">The digest of the action the card shows; a decision carries it, so it is bound to what was shown.</param>
/// <param name="RefreshUserIds">The Entra object ids whose Teams refresh the card on view (at most 60, as Teams allows).</param>
/// <param name="Notice">A line above the facts (why a decision was not taken), or null.</param>
public sealed record TeamsCardAction(string ActionDigest, IReadOnlyList<string> RefreshUserIds, string? Notice = null);

/// <summary>
/// Adaptive Cards built from a <see cref="ReviewerView"/> (never from the raw action): an Outlook actionable message
/// (version 1.0, the last version that carries <c>Action.Http</c>) and a Teams / portal card (version 1.5, decisions in
/// the portal). Both show the summary, agent, requester, target and environment, classification and residency, policy
/// reasons, what is still needed and the deadline. Every untrusted string goes through <see cref="CardText.Escape"/>.
/// </summary>
public static class ApprovalCards
{
    /// <summary>The header that carries the card token on <c>Action.Http</c> requests.</summary>
    public const string CardTokenHeader = "X-Approvals-Card-Token";

    private const string Schema = "http://adaptivecards.io/schemas/adaptive-card.json";

    /// <summary>The Outlook actionable message card: approve or reject in place, with a comment.</summary>
    public static JsonObject Outlook(ReviewerView view, CardContext context, OutlookCardAction outlook)
    {
        Check.NotNull(view);
        Check.NotNull(context);
        Check.NotNull(outlook);
        Check.NotNullOrWhiteSpace(outlook.Originator);
        Check.NotNullOrWhiteSpace(outlook.CardToken);
        JsonArray body = Body(view, context, "Approval needed");
        body.Add(CommentInput());
        JsonObject card = Card("1.0", body,
        [
            Http("Approve", outlook, "approve"),
            Http("Reject", outlook, "reject"),
            OpenUrl("Review in portal", context.ReviewUrl),
        ]);
        card["originator"] = outlook.Originator;
        card["correlationId"] = context.ActionId;
        if (outlook.Recipient is not null)
        {
            card["expectedActors"] = new JsonArray(outlook.Recipient);
        }

        return card;
    }

    /// <summary>The Teams and portal card: the same facts, and a link to decide in the portal.</summary>
    public static JsonObject Teams(ReviewerView view, CardContext context)
    {
        Check.NotNull(view);
        Check.NotNull(context);
        JsonObject card = Card("1.5", Body(view, context, "Approval needed"), [OpenUrl("Review and decide", context.ReviewUrl)]);
        card["msteams"] = new JsonObject { ["width"] = "Full" };
        return card;
    }

    /// <summary>The verbs of the Teams bot card's <c>Action.Execute</c> buttons and its refresh.</summary>
    public static class TeamsVerbs
    {
        /// <summary>Approve.</summary>
        public const string Approve = "approve";

        /// <summary>Reject (the comment is required).</summary>
        public const string Reject = "reject";

        /// <summary>Teams asks for the viewer's current card.</summary>
        public const string Refresh = "refresh";
    }

    /// <summary>
    /// The Teams bot's card (version 1.5, Universal Actions): approve or reject in the card with <c>Action.Execute</c>
    /// (data: the action id and the digest shown), a comment (required to reject), and a refresh for the recipients so
    /// each viewer gets their own current card.
    /// </summary>
    public static JsonObject TeamsActionable(ReviewerView view, CardContext context, TeamsCardAction teams)
    {
        Check.NotNull(view);
        Check.NotNull(context);
        Check.NotNull(teams);
        Check.NotNullOrWhiteSpace(teams.ActionDigest);
        JsonArray body = Body(view, context, "Approval needed");
        if (teams.Notice is not null)
        {
            body.Insert(1, Text(CardText.Escape(teams.Notice, 300), weight: "Bolder"));
        }

        body.Add(CommentInput());
        JsonObject card = Card("1.5", body,
        [
            Execute("Approve", TeamsVerbs.Approve, context.ActionId, teams.ActionDigest, style: "positive"),
            Execute("Reject", TeamsVerbs.Reject, context.ActionId, teams.ActionDigest, style: "destructive"),
            OpenUrl("Review in portal", context.ReviewUrl),
        ]);
        card["refresh"] = Refresh(context.ActionId, teams);
        card["msteams"] = new JsonObject { ["width"] = "Full" };
        return card;
    }

    /// <summary>
    /// The Teams bot's card once nothing is left to press for its viewer: what happened, the same facts, a link to the
    /// portal, and no buttons. It keeps the refresh (when <paramref name="refresh"/> is given) so a later view shows the
    /// final outcome.
    /// </summary>
    public static JsonObject TeamsOutcome(ReviewerView view, CardContext context, string headline, TeamsCardAction? refresh = null)
    {
        Check.NotNull(view);
        Check.NotNull(context);
        Check.NotNullOrWhiteSpace(headline);
        JsonObject card = Card("1.5", Body(view, context, headline), [OpenUrl("Open in portal", context.ReviewUrl)]);
        if (refresh is not null)
        {
            card["refresh"] = Refresh(context.ActionId, refresh);
        }

        card["msteams"] = new JsonObject { ["width"] = "Full" };
        return card;
    }

    /// <summary>
    /// One line on how a request ended, for every channel's updated message: the outcome and who decided (display names,
    /// escaped by the channel), or why nobody did.
    /// </summary>
    public static string OutcomeHeadline(ProcessState state)
    {
        Check.NotNull(state);
        static string Names(IEnumerable<Vote> votes) =>
            string.Join(", ", votes.Select(v => v.Approver.DisplayName ?? v.Approver.Id).Distinct(StringComparer.Ordinal).Take(5));
        ProcessOutcome? outcome = state.Outcome ?? state.Status switch
        {
            ProcessStatus.Rejected => ProcessOutcome.Rejected,
            ProcessStatus.Expired => ProcessOutcome.Expired,
            ProcessStatus.Cancelled => ProcessOutcome.Cancelled,
            ProcessStatus.Denied => ProcessOutcome.Denied,
            ProcessStatus.Failed => ProcessOutcome.Failed,
            ProcessStatus.Approved or ProcessStatus.Allowed or ProcessStatus.Released => ProcessOutcome.Released,
            _ => null,
        };
        return outcome switch
        {
            null => "Approval needed",
            ProcessOutcome.Rejected => state.Rejection is { } rejection ? "Rejected by " + Names([rejection]) : "Rejected",
            ProcessOutcome.Expired => "Expired: not enough approvals by the deadline",
            ProcessOutcome.Cancelled => "Cancelled by the agent",
            ProcessOutcome.Denied => "Denied by policy",
            ProcessOutcome.Failed => state.Votes.Count > 0 ? "Approved by " + Names(state.Votes) + ", but the release failed" : "Failed",
            _ => state.Votes.Count > 0 ? "Approved by " + Names(state.Votes) : "Approved",
        };
    }

    /// <summary>
    /// The Outlook card that replaces the actionable one after a decision (<c>CARD-UPDATE-IN-BODY</c>): what happened,
    /// the same facts, and no buttons to press again.
    /// </summary>
    public static JsonObject OutlookOutcome(ReviewerView view, CardContext context, string headline, string originator)
    {
        Check.NotNull(view);
        Check.NotNull(context);
        Check.NotNullOrWhiteSpace(headline);
        JsonObject card = Card("1.0", Body(view, context, headline), [OpenUrl("Open in portal", context.ReviewUrl)]);
        card["originator"] = Check.NotNullOrWhiteSpace(originator);
        card["correlationId"] = context.ActionId;
        return card;
    }

    /// <summary>
    /// The headline of <see cref="OutlookOutcome"/> for the approver who just decided: what they did, and where the
    /// request stands in <paramref name="after"/> (the state their decision leads to).
    /// </summary>
    public static string DecidedHeadline(bool approved, ProcessState after)
    {
        Check.NotNull(after);
        string status = after.Status switch
        {
            ProcessStatus.PendingApproval => ApprovalProcess.FromState(after).Tally().Complete ? string.Empty : " Waiting for the other approvers.",
            _ => " The request is " + Json.CoreJson.Name(after.Status) + ".",
        };
        return (approved ? "You approved this request." : "You rejected this request.") + status;
    }

    private static JsonObject Card(string version, JsonArray body, JsonNode[] actions) => new()
    {
        ["type"] = "AdaptiveCard",
        ["$schema"] = Schema,
        ["version"] = version,
        ["body"] = body,
        ["actions"] = new JsonArray(actions),
    };

    private static JsonArray Body(ReviewerView view, CardContext context, string headline)
    {
        var body = new JsonArray
        {
            Text(CardText.Escape(headline, 200), weight: "Bolder", size: "Medium"),
            Text(CardText.Escape(view.Summary)),
        };

        var facts = new JsonArray();
        AddFact(facts, "Action", view.Type);
        AddFact(facts, "Agent", view.AgentId is null ? null : view.AgentOwner is null ? view.AgentId : $"{view.AgentId} (owner {view.AgentOwner})");
        AddFact(facts, "Requested by", view.RequesterDisplayName ?? view.RequesterId);
        AddFact(facts, "Target", view.TargetResource);
        AddFact(facts, "Environment", view.Environment);
        AddFact(facts, "Data", view.Classification.Count == 0 ? null : string.Join(", ", view.Classification));
        AddFact(facts, "Residency", view.SourceRegion is null ? null
            : view.DestinationRegion is null ? view.SourceRegion : $"{view.SourceRegion} → {view.DestinationRegion}");
        AddFact(facts, "Records", view.RecordCount?.ToString("N0", CultureInfo.InvariantCulture));
        AddFact(facts, "Deadline", context.Deadline.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture));
        body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });

        if (view.Decision is { } decision && (decision.Reasons.Count > 0 || decision.MatchedRules.Count > 0))
        {
            body.Add(Text("Why this needs approval", weight: "Bolder"));
            foreach (string reason in decision.Reasons.Take(5))
            {
                body.Add(Text("• " + CardText.Escape(reason, 200)));
            }

            if (decision.MatchedRules.Count > 0)
            {
                body.Add(Text("Rules: " + CardText.Escape(string.Join(", ", decision.MatchedRules), 300), subtle: true));
            }
        }

        if (context.Tally.Requirements.Count > 0)
        {
            body.Add(Text(context.Tally.Complete ? "Approvals complete" : "Still needed", weight: "Bolder"));
            foreach (RequirementTally requirement in context.Tally.Requirements.Take(5))
            {
                string who = CardText.Escape(string.Join(", ", requirement.Approvers), 150);
                string done = requirement.ApprovedBy.Count == 0 ? "no approvals yet" : "approved by " + CardText.Escape(string.Join(", ", requirement.ApprovedBy), 150);
                string more = requirement.StillNeeded == 0 ? "met" : $"{requirement.StillNeeded} more needed";
                body.Add(Text($"• {requirement.MinApprovals} of {who}: {done}; {more}"));
            }
        }

        if (view.Masked.Count > 0)
        {
            string kinds = string.Join(", ", view.Masked.Select(m => m.Kind).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(6));
            body.Add(Text($"{view.Masked.Count} value(s) are hidden from reviewers ({CardText.Escape(kinds, 120)}).", subtle: true));
        }

        return body;
    }

    private static void AddFact(JsonArray facts, string title, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            facts.Add(new JsonObject { ["title"] = title, ["value"] = CardText.Escape(value, 200) });
        }
    }

    private static JsonObject Text(string text, string? weight = null, string? size = null, bool subtle = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (weight is not null)
        {
            block["weight"] = weight;
        }

        if (size is not null)
        {
            block["size"] = size;
        }

        if (subtle)
        {
            block["isSubtle"] = true;
            block["size"] = "Small";
        }

        return block;
    }

    private static JsonObject Http(string title, OutlookCardAction outlook, string decision) => new()
    {
        ["type"] = "Action.Http",
        ["title"] = title,
        ["method"] = "POST",
        ["url"] = new UriBuilder(outlook.DecisionUrl) { Query = "decision=" + decision }.Uri.ToString(),
        // The comment is the whole body, as plain text: no JSON for a comment's quotes to break.
        ["body"] = "{{comment.value}}",
        ["headers"] = new JsonArray(
            new JsonObject { ["name"] = "Content-Type", ["value"] = "text/plain" },
            new JsonObject { ["name"] = CardTokenHeader, ["value"] = outlook.CardToken }),
    };

    private static JsonObject CommentInput() => new()
    {
        ["type"] = "Input.Text",
        ["id"] = "comment",
        ["isMultiline"] = true,
        ["placeholder"] = "Comment (required to reject)",
        ["maxLength"] = 2000,
    };

    /// <summary>Teams asks the bot for each listed viewer's own card when they see it (at most 60 ids, Teams' limit).</summary>
    private static JsonObject Refresh(string actionId, TeamsCardAction teams) => new()
    {
        ["action"] = Execute(null, TeamsVerbs.Refresh, actionId, teams.ActionDigest),
        ["userIds"] = new JsonArray([.. teams.RefreshUserIds.Take(60).Select(id => (JsonNode)JsonValue.Create(id))]),
    };

    private static JsonObject Execute(string? title, string verb, string actionId, string digest, string? style = null)
    {
        var action = new JsonObject
        {
            ["type"] = "Action.Execute",
            ["verb"] = verb,
            ["data"] = new JsonObject { ["actionId"] = actionId, ["actionDigest"] = digest },
        };
        if (title is not null)
        {
            action["title"] = title;
        }

        if (style is not null)
        {
            action["style"] = style;
        }

        if (verb == TeamsVerbs.Reject)
        {
            action["associatedInputs"] = "auto";
        }

        return action;
    }

    private static JsonObject OpenUrl(string title, Uri url) => new()
    {
        ["type"] = "Action.OpenUrl",
        ["title"] = title,
        ["url"] = url.ToString(),
    };
}
