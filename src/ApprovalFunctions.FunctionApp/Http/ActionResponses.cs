using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// What the HTTP functions answer, given an action's <see cref="ProcessView"/> and the caller: the same documents and
/// rules as the gateway (Core's <see cref="ActionDocuments"/> and the process's own judgement of decisions).
/// </summary>
public sealed class ActionResponses(PublicLinks links, Masker masker)
{
    /// <summary>
    /// The status: the receipt for its agent, executors and auditors; the masked reviewer view for everyone but the agent;
    /// and, while a dependency is out, what the action waits for.
    /// </summary>
    internal JsonObject Status(ProcessView view, TokenCaller caller)
    {
        bool agent = caller.Id == view.State.Agent.Id && caller.Roles.Contains(TokenCallers.Agent);
        bool mayHaveReceipt = agent || caller.Roles.Contains(TokenCallers.Executor) || caller.Roles.Contains(TokenCallers.Auditor);
        JsonObject status = ActionDocuments.Status(view.State, view.Finished, links.Review(view.Input.ActionId),
            mayHaveReceipt ? view.Receipt : null, agent ? null : Review(view));
        if (view.Outage is OutageStatus outage)
        {
            // A dependency is out: the action is safe and will go on; say what it waits for (no error details to callers).
            status["waitingFor"] = new JsonObject
            {
                ["step"] = outage.Activity,
                ["since"] = outage.Since,
                ["retryAt"] = outage.RetryAt,
                ["rounds"] = outage.Rounds,
            };
        }

        return status;
    }

    /// <summary>The masked reviewer view as JSON (null until the policy decided).</summary>
    internal string? Review(ProcessView view) => view.State.Decision is null ? null : Reviewer(view).ToJson();

    /// <summary>The Teams/portal card, as the channels get it.</summary>
    internal JsonObject Card(ProcessView view) => ApprovalCards.Teams(Reviewer(view), CardContext.For(links.Review(view.Input.ActionId), view.State));

    /// <summary>The Outlook card that replaces the actionable one once the approver pressed a button.</summary>
    internal JsonObject OutlookOutcome(ProcessView view, bool approved, string originator) =>
        ApprovalCards.OutlookOutcome(Reviewer(view), CardContext.For(links.Review(view.Input.ActionId), view.State),
            ApprovalCards.DecidedHeadline(approved, view.State), originator);

    /// <summary>
    /// Judges a decision against the action's state and says what to answer and which event (if any) to raise: accepted
    /// decisions and refused ones alike reach the process, which audits refusals; duplicates change nothing. The
    /// orchestration judges again when the event arrives, so two approvers answering at once are settled there.
    /// </summary>
    internal static DecisionAnswer Decide(ProcessView view, TokenCaller caller, DecisionBody body, string? idempotencyKey, string channel, DateTimeOffset now)
    {
        if (DecisionInput.Validate(body.Decision, body.Comment, body.ActionDigest) is FieldError invalid)
        {
            return new DecisionAnswer(null, null, HttpResults.BadRequest(invalid.Field, invalid.Message), 400, $"{invalid.Field}: {invalid.Message}");
        }

        // Nothing to do with this approver: the answer for a missing action, and nothing reaches the process.
        var approver = new ApproverIdentity(caller.Id, caller.DisplayName, caller.Email, caller.AuthStrength);
        if (!ApprovalProcess.FromState(view.State).Concerns(approver))
        {
            return new DecisionAnswer(null, null, HttpResults.NotFound($"Action {LogText.Quote(view.Input.ActionId)}"), 404, "This request no longer exists.");
        }

        if (!view.Running)
        {
            return view.Finished
                ? new DecisionAnswer(null, null, HttpResults.Conflict($"The action is not waiting for approval (it is {CoreJson.Name(view.State.Status)}).", "notPending"),
                    409, "The request is no longer waiting for approval.")
                : new DecisionAnswer(null, null, HttpResults.Problem(503, "urn:approval-functions:problem:starting", "The action is still starting.", "Try again in a few seconds."),
                    503, "The request is still starting. Try again in a few seconds.");
        }

        string decisionId = idempotencyKey is null ? "d_" + RandomNumberGenerator.GetHexString(24, lowercase: true) : DerivedIds.Decision(caller.Id, idempotencyKey);
        var decision = new DecisionReceived(
            decisionId,
            approver,
            body.Decision == "approve" ? ApprovalChoice.Approve : ApprovalChoice.Reject,
            body.Comment,
            body.ActionDigest!,
            channel,
            now);
        DecisionVerdict verdict = ApprovalProcess.FromState(view.State).Judge(decision);
        return verdict.Kind switch
        {
            // Already counted: nothing to raise, the same answer as the first time.
            VerdictKind.Duplicate => new DecisionAnswer(null, verdict, Verdict(verdict, decisionId, view.Input.ActionId), 200, verdict.Message),

            // Refused: the process still hears it, to audit the attempt; the approver learns why.
            VerdictKind.Refused => new DecisionAnswer(decision, verdict, HttpResults.Problem(RefusalStatus(verdict.Reason!.Value),
                "urn:approval-functions:problem:decision-refused", "The decision was refused.", verdict.Message, CoreJson.Name(verdict.Reason!.Value)),
                RefusalStatus(verdict.Reason!.Value), verdict.Message),

            // Accepted: raised to the process, which records it and moves on.
            _ => new DecisionAnswer(decision, verdict, Verdict(verdict, decisionId, view.Input.ActionId), 200, verdict.Message),
        };
    }

    /// <summary>An inbox entry when the caller may decide the action now; otherwise null.</summary>
    internal JsonObject? Pending(ProcessView view, TokenCaller caller)
    {
        if (view.State.Status != ProcessStatus.PendingApproval || !ApprovalProcess.FromState(view.State).AwaitingDecisionFrom().Any(p => ProcessView.Is(p, caller)))
        {
            return null;
        }

        return new JsonObject
        {
            ["id"] = view.Input.ActionId,
            ["deadline"] = view.State.Deadline is DateTimeOffset deadline ? AuditRecord.FormatTime(deadline) : null,
            ["review"] = Review(view) is string review ? JsonNode.Parse(review) : null,
            ["stillNeeded"] = ApprovalProcess.FromState(view.State).Tally().Requirements.Sum(r => r.StillNeeded),
            ["links"] = Links(view.Input.ActionId),
        };
    }

    /// <summary>A history entry and the decision's time when the caller approved or rejected the action; otherwise null.</summary>
    internal (JsonObject Item, DateTimeOffset At)? Decided(ProcessView view, TokenCaller caller)
    {
        Vote? vote = view.State.Votes.FirstOrDefault(v => Matches(v, caller));
        string choice = "approve";
        if (vote is null && view.State.Rejection is Vote rejection && Matches(rejection, caller))
        {
            (vote, choice) = (rejection, "reject");
        }

        return vote is null ? null : (new JsonObject
        {
            ["id"] = view.Input.ActionId,
            ["choice"] = choice,
            ["decidedAt"] = AuditRecord.FormatTime(vote.At),
            ["actionStatus"] = CoreJson.Name(view.State.Status),
            ["outcome"] = view.State.Outcome is ProcessOutcome outcome ? CoreJson.Name(outcome) : null,
            ["review"] = Review(view) is string review ? JsonNode.Parse(review) : null,
            ["links"] = Links(view.Input.ActionId),
        }, vote.At);
    }

    private ReviewerView Reviewer(ProcessView view) => masker.Mask(view.Action(), view.State.Decision, view.State.Agent);

    private static bool Matches(Vote vote, TokenCaller caller) =>
        string.Equals(vote.Approver.Id, caller.Id, StringComparison.OrdinalIgnoreCase)
        || (caller.Email is not null && string.Equals(vote.Approver.Email, caller.Email, StringComparison.OrdinalIgnoreCase));

    private JsonObject Links(string actionId) => new()
    {
        ["self"] = ActionDocuments.StatusPath(actionId),
        ["review"] = links.Review(actionId).ToString(),
    };

    private static int RefusalStatus(RefusalReason reason) => reason is RefusalReason.SelfApproval or RefusalReason.AgentApproval
        or RefusalReason.OwnerApproval or RefusalReason.ManagerChain or RefusalReason.NotEligible ? 403 : 409;

    private static IActionResult Verdict(DecisionVerdict verdict, string decisionId, string actionId) => HttpResults.Json(new JsonObject
    {
        ["verdict"] = CoreJson.Name(verdict.Kind),
        ["message"] = verdict.Message,
        ["decisionId"] = decisionId,
        ["status"] = ActionDocuments.StatusPath(actionId),
    });
}

/// <summary>A judged decision: the event to raise (if any), the verdict (null when the request never reached judgement), and the answer.</summary>
/// <param name="Event">The event for the orchestration; null when nothing is to be raised.</param>
/// <param name="Verdict">The process's verdict; null for invalid input or an action that is not running.</param>
/// <param name="Response">The HTTP answer.</param>
/// <param name="Status">Its status code.</param>
/// <param name="Message">A short message for channels that show one line (Outlook).</param>
internal sealed record DecisionAnswer(DecisionReceived? Event, DecisionVerdict? Verdict, IActionResult Response, int Status, string Message);
