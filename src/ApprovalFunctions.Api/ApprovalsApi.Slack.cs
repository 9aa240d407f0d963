using System.Text.Json.Nodes;
using ApprovalFunctions.Api.Actions;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Api.Identity;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Channels.Slack;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Http;

namespace ApprovalFunctions.Api;

/// <summary>Buttons pressed and modals submitted in Slack.</summary>
public sealed partial class ApprovalsApi
{
    /// <summary>
    /// <c>POST /api/slack/interactions</c>. Before anything else the body is read once (size-limited) and Slack's
    /// signature, timestamp and first sighting are checked: otherwise 401 and nothing is stored. The Slack user is mapped
    /// to a person (<see cref="SlackPeople"/>), who decides through the same process rules as on every channel; the digest
    /// is the one the message showed. Reject opens a modal for the required comment. The answer goes back within Slack's
    /// three seconds; updating the pressed message or telling the presser why not runs after it.
    /// </summary>
    public async Task<ApiResponse> SlackAsync(HttpRequest request, SlackChannel? slack, CancellationToken cancellationToken)
    {
        Check.NotNull(request);
        if (slack is null)
        {
            return ApiProblems.NotFound("Slack on this host (it is not set up)");
        }

        (byte[]? body, ApiResponse? problem) = await RequestReader.ReadAsync(request, slack.Options.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        if (slack.Verify(request.Headers[SlackSignature.TimestampHeader], request.Headers[SlackSignature.SignatureHeader], body) is string refused)
        {
            ApiLog.SlackRefused(services.Logger, refused);
            return ApiProblems.Unauthenticated("This endpoint only takes requests signed by the Slack app: " + refused + ".");
        }

        if (SlackInteraction.Parse(body) is not SlackInteraction interaction)
        {
            return ApiProblems.BadRequest("payload", "the body must be a Slack interaction payload (form field 'payload' holding JSON)");
        }

        if (slack.Options.TeamId is string team && interaction.TeamId != team)
        {
            ApiLog.SlackRefused(services.Logger, "another workspace");
            return ApiProblems.Forbidden("Interactions are taken only from the configured Slack workspace.");
        }

        if (interaction.Kind == SlackInteractionKind.Other || interaction.ActionId is null || interaction.ActionDigest is null)
        {
            return ApiResponse.Empty(StatusCodes.Status200OK);
        }

        Person? person;
        try
        {
            person = await slack.People.PersonOfAsync(interaction.UserId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ChannelException or HttpRequestException)
        {
            // Slack or the directory did not answer: nobody is named, nothing is decided; the press can be repeated.
            return SlackNote(slack, interaction, "Your decision was not taken: Slack could not tell who you are just now. Try again in a moment.");
        }

        if (person is null)
        {
            string user = LogText.Sanitize(interaction.UserId, 40);
            string shownId = LogText.Sanitize(interaction.ActionId, 40);
            ApiLog.SlackUnlinked(services.Logger, user, shownId);
            return SlackNote(slack, interaction, "Your Slack account is not linked to a person in the approvals directory, so you cannot decide here.");
        }

        var approver = new TokenCaller(person.Id, person.DisplayName, person.Email, null, null, new HashSet<string>(StringComparer.Ordinal) { TokenCallers.Approver });
        string key = "slack:" + request.Headers[SlackSignature.SignatureHeader].ToString();
        return interaction.Kind switch
        {
            SlackInteractionKind.Approve => await SlackApproveAsync(slack, interaction, approver, key, cancellationToken).ConfigureAwait(false),
            SlackInteractionKind.RejectPressed => await SlackRejectPressedAsync(slack, interaction, approver, cancellationToken).ConfigureAwait(false),
            _ => await SlackRejectSubmittedAsync(slack, interaction, approver, key, cancellationToken).ConfigureAwait(false),
        };
    }

    private async Task<ApiResponse> SlackApproveAsync(SlackChannel slack, SlackInteraction interaction, TokenCaller approver, string key, CancellationToken cancellationToken)
    {
        DecisionOutcome outcome = await DecideAsync(approver, interaction.ActionId!, new DecisionBody("approve", null, interaction.ActionDigest), key, "slack", cancellationToken)
            .ConfigureAwait(false);
        if (slack.IsSlackUrl(interaction.ResponseUrl))
        {
            slack.FollowUp(async ct => await slack.Api.RespondAsync(interaction.ResponseUrl!, await SlackAnswerAsync(interaction.ActionId!, outcome, ct).ConfigureAwait(false), ct)
                .ConfigureAwait(false));
        }

        return ApiResponse.Empty(StatusCodes.Status200OK);
    }

    private async Task<ApiResponse> SlackRejectPressedAsync(SlackChannel slack, SlackInteraction interaction, TokenCaller approver, CancellationToken cancellationToken)
    {
        // Only someone the action concerns gets the modal; anyone else hears what a stranger hears.
        if (await FindAsync(interaction.ActionId!, cancellationToken).ConfigureAwait(false) is not ActionSnapshot action
            || !ApprovalProcess.FromState(action.State).Concerns(approver.AsApprover()))
        {
            return SlackNote(slack, interaction, "This request no longer exists.");
        }

        if (action.State.Status != ProcessStatus.PendingApproval)
        {
            if (slack.IsSlackUrl(interaction.ResponseUrl))
            {
                slack.FollowUp(ct => slack.Api.RespondAsync(interaction.ResponseUrl!, SlackSettled(action, ApprovalCards.OutcomeHeadline(action.State)), ct));
            }

            return ApiResponse.Empty(StatusCodes.Status200OK);
        }

        try
        {
            // The trigger lasts three seconds: the modal opens before the acknowledgement.
            await slack.Api.OpenViewAsync(interaction.TriggerId ?? string.Empty, SlackBlocks.RejectModal(Reviewer(action), action.Id, interaction.ActionDigest!, interaction.Message),
                cancellationToken).ConfigureAwait(false);
            return ApiResponse.Empty(StatusCodes.Status200OK);
        }
        catch (Exception ex) when (ex is ChannelException or HttpRequestException)
        {
            return SlackNote(slack, interaction, "Slack could not open the form for your comment. Reject in the approvals portal instead.");
        }
    }

    private async Task<ApiResponse> SlackRejectSubmittedAsync(SlackChannel slack, SlackInteraction interaction, TokenCaller approver, string key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(interaction.Comment))
        {
            return SlackModalError("A comment is required to reject.");
        }

        DecisionOutcome outcome = await DecideAsync(approver, interaction.ActionId!, new DecisionBody("reject", interaction.Comment, interaction.ActionDigest), key, "slack", cancellationToken)
            .ConfigureAwait(false);
        if (outcome is not { Verdict.Kind: not VerdictKind.Refused, Decision: not null })
        {
            return SlackModalError(outcome.Message);
        }

        if (interaction.Message is SlackMessageRef message)
        {
            slack.FollowUp(async ct =>
            {
                JsonObject answer = await SlackAnswerAsync(interaction.ActionId!, outcome, ct).ConfigureAwait(false);
                await slack.Api.UpdateMessageAsync(message, answer["text"]!.GetValue<string>(), answer["blocks"]!.AsArray(), ct).ConfigureAwait(false);
            });
        }

        return ApiResponse.Empty(StatusCodes.Status200OK);
    }

    /// <summary>
    /// What the presser sees after a decision: the message without buttons saying what they did and where the request
    /// stands; for a press on a request already decided, its outcome; for any other refusal, a note only they see.
    /// </summary>
    private async Task<JsonObject> SlackAnswerAsync(string id, DecisionOutcome outcome, CancellationToken cancellationToken)
    {
        ActionSnapshot? action = outcome.Verdict is null ? null : await backend.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (action is null || outcome.Verdict is null)
        {
            return SlackBlocks.Ephemeral(outcome.Message);
        }

        if (outcome.Verdict.Kind == VerdictKind.Refused)
        {
            return outcome.Verdict.Reason is RefusalReason.NotPending or RefusalReason.PastDeadline && action.State.Status != ProcessStatus.PendingApproval
                ? SlackSettled(action, ApprovalCards.OutcomeHeadline(action.State))
                : SlackBlocks.Ephemeral("Your decision was not taken: " + outcome.Message);
        }

        DecisionReceived decision = outcome.Decision!;
        ProcessState after = StateAfter(action, decision);
        return SlackSettled(action with { State = after }, ApprovalCards.DecidedHeadline(decision.Choice == ApprovalChoice.Approve, after));
    }

    private JsonObject SlackSettled(ActionSnapshot action, string headline)
    {
        var view = Reviewer(action);
        return new JsonObject
        {
            ["replace_original"] = true,
            ["text"] = SlackBlocks.Text(headline, view),
            ["blocks"] = SlackBlocks.Settled(view, CardContext.For(Settings.Review(action.Id), action.State), headline),
        };
    }

    /// <summary>Acknowledges, and tells the presser <paramref name="text"/> (only them) after.</summary>
    private static ApiResponse SlackNote(SlackChannel slack, SlackInteraction interaction, string text)
    {
        if (interaction.Kind == SlackInteractionKind.RejectSubmitted)
        {
            return SlackModalError(text);
        }

        if (slack.IsSlackUrl(interaction.ResponseUrl))
        {
            slack.FollowUp(ct => slack.Api.RespondAsync(interaction.ResponseUrl!, SlackBlocks.Ephemeral(text), ct));
        }

        return ApiResponse.Empty(StatusCodes.Status200OK);
    }

    /// <summary>Keeps the modal open with <paramref name="message"/> under the comment.</summary>
    private static ApiResponse SlackModalError(string message) => ApiResponse.Json(new JsonObject
    {
        ["response_action"] = "errors",
        ["errors"] = new JsonObject { [SlackBlocks.CommentId] = SlackBlocks.Plain(message, 150) },
    });
}
