using System.Text.Json.Nodes;
using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Channels.Teams;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api;

/// <summary>The Teams bot: <c>Action.Execute</c> presses and refreshes of its cards.</summary>
public sealed partial class ApprovalsApi
{
    /// <summary>
    /// <c>POST /api/teams/messages</c>, the bot's messaging endpoint. Before anything else the body is read once
    /// (size-limited) and the Bot Connector's token is validated (the Bot Framework's keys endorsed for <c>msteams</c>,
    /// audience = the bot's app id, its <c>serviceurl</c> claim = the activity's): otherwise 401 and nothing is stored.
    /// An <c>adaptiveCard/action</c> invoke from the configured tenant is answered with the card its presser should now
    /// see: the decision goes through the same process rules as on every channel, as the person the Teams user's Entra
    /// object id names. Other activities are acknowledged.
    /// </summary>
    public async Task<ApiResponse> TeamsAsync(HttpRequest request, TeamsBot? bot, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (bot is null)
        {
            return ApiProblems.NotFound("The Teams bot on this host (it is not set up)");
        }

        (byte[]? body, ApiResponse? problem) = await RequestReader.ReadAsync(request, bot.Options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        BearerValidationResult token = await bot.Validator.ValidateHeaderAsync(request.Headers.Authorization.ToString(), cancellationToken).ConfigureAwait(false);
        if (!token.IsValid)
        {
            ApiLog.TeamsRefused(services.Logger, token.Message);
            return ApiProblems.Unauthenticated("This endpoint only takes activities from the Bot Connector: " + token.Message + ".");
        }

        if (TeamsActivity.Parse(body) is not TeamsActivity activity)
        {
            return ApiProblems.BadRequest("activity", "the body must be a Bot Framework activity (JSON with a type)");
        }

        if (!TeamsBot.SameService(token.Identity!.FindFirst("serviceurl")?.Value, activity.ServiceUrl))
        {
            ApiLog.TeamsRefused(services.Logger, "service URL differs from the token's");
            return ApiProblems.Unauthenticated("The activity's service URL is not the one its token was issued for.");
        }

        if (!activity.IsCardAction)
        {
            return ApiResponse.Empty(StatusCodes.Status200OK); // messages, installs, conversation updates: nothing to do
        }

        if (!string.Equals(activity.TenantId, bot.Options.TenantId, StringComparison.OrdinalIgnoreCase))
        {
            ApiLog.TeamsRefused(services.Logger, "another tenant");
            return ApiProblems.Forbidden("The bot takes actions only from its own tenant.");
        }

        if (activity.FromObjectId is null || activity.ActionId is null || activity.ActionDigest is null)
        {
            return ApiResponse.Json(TeamsInvokeResponse.Message("This card cannot be answered here. Open the request in the approvals portal."));
        }

        string personId = bot.People.PersonIdOf(activity.FromObjectId);
        var caller = new TokenCaller(personId, activity.FromName, null, null, null, new HashSet<string>(StringComparer.Ordinal) { TokenCallers.Approver });
        JsonObject answer = activity.Verb switch
        {
            ApprovalCards.TeamsVerbs.Refresh => await TeamsViewAsync(bot, caller, activity.ActionId, null, cancellationToken).ConfigureAwait(false),
            ApprovalCards.TeamsVerbs.Reject when string.IsNullOrWhiteSpace(activity.Comment) =>
                await TeamsViewAsync(bot, caller, activity.ActionId, "A comment is required to reject.", cancellationToken).ConfigureAwait(false),
            ApprovalCards.TeamsVerbs.Approve or ApprovalCards.TeamsVerbs.Reject => await TeamsDecideAsync(bot, caller, activity, cancellationToken).ConfigureAwait(false),
            _ => TeamsInvokeResponse.Message("This card's action is not known. Open the request in the approvals portal."),
        };
        return ApiResponse.Json(answer);
    }

    private async Task<JsonObject> TeamsDecideAsync(TeamsBot bot, TokenCaller caller, TeamsActivity activity, CancellationToken cancellationToken)
    {
        // The activity id keys the decision: Teams retrying an invoke is one decision.
        string? key = activity.Id is null ? null : "teams:" + activity.Id;
        DecisionOutcome outcome = await DecideAsync(caller, activity.ActionId!, new DecisionBody(activity.Verb!, activity.Comment, activity.ActionDigest), key, "teams",
            cancellationToken).ConfigureAwait(false);
        if (outcome.Verdict is null)
        {
            return TeamsInvokeResponse.Message(outcome.Message);
        }

        if (outcome.Verdict.Kind == VerdictKind.Refused)
        {
            return await TeamsViewAsync(bot, caller, activity.ActionId!, "Your decision was not taken: " + outcome.Message, cancellationToken).ConfigureAwait(false);
        }

        ActionSnapshot action = (await backend.FindAsync(activity.ActionId!, cancellationToken).ConfigureAwait(false))!;
        DecisionReceived decision = outcome.Decision!;
        ProcessState after = StateAfter(action, decision);
        action = action with { State = after };
        return TeamsInvokeResponse.Card(ApprovalCards.TeamsOutcome(Reviewer(action), CardContext.For(Settings.Review(action.Id), after),
            ApprovalCards.DecidedHeadline(decision.Choice == ApprovalChoice.Approve, after), TeamsRefresh(bot, action.State)));
    }

    /// <summary>
    /// The card <paramref name="caller"/> should see now (a refresh, or the answer to a press not taken): the buttons while
    /// the action awaits their decision, otherwise where it stands; <paramref name="notice"/> on top when given.
    /// </summary>
    private async Task<JsonObject> TeamsViewAsync(TeamsBot bot, TokenCaller caller, string id, string? notice, CancellationToken cancellationToken)
    {
        if (await FindAsync(id, cancellationToken).ConfigureAwait(false) is not ActionSnapshot action
            || !ApprovalProcess.FromState(action.State).Concerns(caller.AsApprover()))
        {
            return TeamsInvokeResponse.Message("This request no longer exists.");
        }

        ProcessState state = action.State;
        var process = ApprovalProcess.FromState(state);
        ReviewerView view = Reviewer(action);
        CardContext context = CardContext.For(Settings.Review(id), state);
        TeamsCardAction refresh = TeamsRefresh(bot, state) with { Notice = notice };
        if (process.AwaitingDecisionFrom().Any(p => p.Id == caller.Id))
        {
            return TeamsInvokeResponse.Card(ApprovalCards.TeamsActionable(view, context, refresh));
        }

        string headline = state.Status != ProcessStatus.PendingApproval ? ApprovalCards.OutcomeHeadline(state)
            : state.Votes.Any(v => v.Approver.Id == caller.Id) ? ApprovalCards.DecidedHeadline(approved: true, state)
            : "Approval needed (you cannot decide this request)";
        return TeamsInvokeResponse.Card(ApprovalCards.TeamsOutcome(view, context, notice is null ? headline : notice + " " + headline,
            state.Status == ProcessStatus.PendingApproval ? refresh : null));
    }

    /// <summary>The refresh of a card about <paramref name="state"/>: everyone who may decide it, by Entra object id.</summary>
    private static TeamsCardAction TeamsRefresh(TeamsBot bot, ProcessState state) =>
        new(state.ActionDigest, [.. ApprovalProcess.FromState(state).EligibleApprovers().Select(bot.People.ObjectIdOf).OfType<string>()]);
}
