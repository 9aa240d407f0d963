using ApprovalFunctions.Channels.Messages;
using System.Security.Cryptography;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Notifications;

namespace ApprovalFunctions.FunctionApp.Orchestration;

/// <summary>Where audit records go: one store per region, records created only if absent.</summary>
public interface IAuditStore
{
    /// <summary>Creates the record unless an identical one is there; a different one under the key is an integrity alarm.</summary>
    Task WriteAsync(string region, string key, byte[] content, CancellationToken cancellationToken);

    /// <summary>The stored records of one action, in sequence order.</summary>
    Task<IReadOnlyList<AuditRecord>> ReadActionAsync(string region, DateTimeOffset receivedAt, string actionId, CancellationToken cancellationToken);
}

/// <summary>A record under the key already exists with other content: never overwritten, never retried.</summary>
public sealed class AuditConflictException(string key) : Exception($"An audit record with different content already exists at {key}.");

/// <summary>The executors' channel refuses this release for good (retrying cannot help): the process ends Failed.</summary>
public sealed class ReleaseRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The receipt would reach the executors expired or about to expire: the orchestration signs a fresh one.</summary>
public sealed class ReceiptExpiredException(string receiptId, DateTimeOffset expiresAt)
    : Exception($"Receipt {receiptId} expires at {expiresAt:O}, too soon to send; a fresh one is needed.");

/// <summary>
/// Where an action's process state is kept when it is too large for the orchestration's custom status: one document per
/// action, replaced at each checkpoint (the orchestration writes them one after another).
/// </summary>
public interface IProcessStateStore
{
    /// <summary>Stores the state of <paramref name="actionId"/>, replacing the previous one.</summary>
    Task SaveAsync(string actionId, string stateJson, CancellationToken cancellationToken);

    /// <summary>The stored state, or null when none was stored.</summary>
    Task<string?> LoadAsync(string actionId, CancellationToken cancellationToken);
}

/// <summary>Hands a released action and its receipt to the executors (idempotent: the action id is the message id).</summary>
public interface IReleaseSender
{
    /// <summary>Sends the release.</summary>
    Task SendAsync(DispatchInput release, CancellationToken cancellationToken);
}

/// <summary>
/// What each activity does, without the Functions runtime: run one process step and return its event as Core's JSON,
/// stamped with the orchestration's time. Activities are at-least-once, so every side effect here is idempotent: audit
/// records are created only if absent, notifications are deduplicated by the delivery ledger, releases by message id.
/// </summary>
public sealed class ActivitySteps(
    PolicySet policy,
    IApproverDirectory directory,
    IEnumerable<IApprovalNotifier> notifiers,
    Masker masker,
    ReceiptIssuer receipts,
    IAuditStore audit,
    IReleaseSender release,
    IProcessStateStore states,
    PublicLinks links,
    OutcomeUpdates outcomes)
{
    /// <summary>The policy set's hash (for logs and status).</summary>
    public string PolicyHash => policy.Hash;

    /// <summary><see cref="WriteAuditStep"/>: creates the record in its region's store; returns <see cref="AuditWritten"/>.</summary>
    public async Task<string> WriteAuditAsync(StepInput input, CancellationToken cancellationToken)
    {
        var step = (WriteAuditStep)CoreJson.DeserializeStep(input.StepJson);
        await audit.WriteAsync(input.Region, step.Key, step.Record.ToCanonicalJson(), cancellationToken).ConfigureAwait(false);
        return CoreJson.Serialize(new AuditWritten(step.Record.Sequence, input.Now));
    }

    /// <summary><see cref="EvaluatePolicyStep"/>: runs the policy set on the action; returns <see cref="PolicyEvaluated"/>.</summary>
    public string EvaluatePolicy(StepInput input)
    {
        var step = (EvaluatePolicyStep)CoreJson.DeserializeStep(input.StepJson);
        PolicyDecision decision = policy.Evaluate(new PolicyInput(Action(input), step.Agent, input.Now, step.AuthStrength));
        return CoreJson.Serialize(new PolicyEvaluated(decision, input.Now));
    }

    /// <summary><see cref="ResolveApproversStep"/>: expands the plan through the directory; returns <see cref="ApproversResolved"/>.</summary>
    public async Task<string> ResolveApproversAsync(StepInput input, CancellationToken cancellationToken)
    {
        var step = (ResolveApproversStep)CoreJson.DeserializeStep(input.StepJson);
        ResolvedApprovers resolved = await directory.ResolveAsync(step.Plan, step.RequesterId, cancellationToken).ConfigureAwait(false);
        return CoreJson.Serialize(new ApproversResolved(resolved, input.Now));
    }

    /// <summary><see cref="NotifyApproversStep"/>: every channel gets the masked request; returns <see cref="ApproversNotified"/>.</summary>
    public async Task<string> NotifyApproversAsync(StepInput input, CancellationToken cancellationToken)
    {
        var step = (NotifyApproversStep)CoreJson.DeserializeStep(input.StepJson);
        ProcessState state = CoreJson.DeserializeState(Check.NotNull(input.StateJson));
        ReviewerView view = masker.Mask(Action(input), state.Decision, state.Agent);
        var request = new ApprovalRequest(input.ActionId, view, step.Notification, step.Deadline, ApprovalProcess.FromState(state).Tally(), links.Review(input.ActionId));
        var deliveries = new List<Delivery>();
        foreach (IApprovalNotifier notifier in notifiers)
        {
            try
            {
                deliveries.AddRange(await notifier.NotifyAsync(request, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A channel that throws instead of reporting still only fails its own deliveries.
                deliveries.AddRange(step.Notification.Recipients.Select(r => new Delivery(r.Id, notifier.Channel, false, LogText.Sanitize(ex.Message, 200))));
            }
        }

        return CoreJson.Serialize(new ApproversNotified(step.Notification.Round, deliveries, input.Now));
    }

    /// <summary>
    /// Updates the messages posted in Slack and Teams about the action to its outcome (the state in the input, which left
    /// pending approval). Returns how many are left (a chat service that failed); they are not retried by the instance:
    /// a press on one of them answers with the current outcome.
    /// </summary>
    public async Task<int> UpdateChannelsAsync(StepInput input, CancellationToken cancellationToken)
    {
        ProcessState state = CoreJson.DeserializeState(Check.NotNull(Check.NotNull(input).StateJson));
        (_, int remaining) = await outcomes.UpdateAsync(OutcomeNotice.Of(masker, Action(input), state, links.Review(input.ActionId)), cancellationToken).ConfigureAwait(false);
        return remaining;
    }

    /// <summary>Signs the receipt for a release step; the orchestration keeps it, so a retried dispatch sends this one.</summary>
    public IssuedReceiptResult IssueReceipt(StepInput input)
    {
        var step = (ReleaseStep)CoreJson.DeserializeStep(input.StepJson);
        IssuedReceipt receipt = receipts.Issue(step.Facts, "rcpt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), input.Now);
        return new IssuedReceiptResult(receipt.ReceiptId, receipt.Jws, receipt.ExpiresAt, receipt.Hash);
    }

    /// <summary>Stores a process state too large for the custom status (replacing it is idempotent).</summary>
    public Task SaveStateAsync(SaveStateInput input, CancellationToken cancellationToken) =>
        states.SaveAsync(Check.NotNull(input).ActionId, input.StateJson, cancellationToken);

    /// <summary>Sends a released action with its receipt to the executors.</summary>
    public Task DispatchAsync(DispatchInput input, CancellationToken cancellationToken) => release.SendAsync(input, cancellationToken);

    private static ActionRequest Action(StepInput input) =>
        ActionParser.Parse(Check.NotNull(input.ActionJson), ActionLimits.Stored).Action
            ?? throw new InvalidOperationException($"The action of {input.ActionId} no longer parses.");
}
