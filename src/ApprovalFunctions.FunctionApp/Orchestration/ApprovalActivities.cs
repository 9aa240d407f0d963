using Microsoft.Azure.Functions.Worker;

namespace ApprovalFunctions.FunctionApp.Orchestration;

/// <summary>The activities: thin bindings around <see cref="ActivitySteps"/>, which holds what they do.</summary>
public sealed class ApprovalActivities(ActivitySteps steps)
{
    /// <summary>Creates an audit record in its region's container (if absent).</summary>
    [Function(nameof(WriteAudit))]
    public Task<string> WriteAudit([ActivityTrigger] StepInput input, FunctionContext context) =>
        steps.WriteAuditAsync(input, context.CancellationToken);

    /// <summary>Evaluates the policy set.</summary>
    [Function(nameof(EvaluatePolicy))]
    public string EvaluatePolicy([ActivityTrigger] StepInput input) => steps.EvaluatePolicy(input);

    /// <summary>Resolves the approvers through the directory.</summary>
    [Function(nameof(ResolveApprovers))]
    public Task<string> ResolveApprovers([ActivityTrigger] StepInput input, FunctionContext context) =>
        steps.ResolveApproversAsync(input, context.CancellationToken);

    /// <summary>Notifies the round's recipients on every configured channel.</summary>
    [Function(nameof(NotifyApprovers))]
    public Task<string> NotifyApprovers([ActivityTrigger] StepInput input, FunctionContext context) =>
        steps.NotifyApproversAsync(input, context.CancellationToken);

    /// <summary>Updates the Slack and Teams messages about the action to its outcome; returns how many could not be.</summary>
    [Function(nameof(UpdateChannels))]
    public Task<int> UpdateChannels([ActivityTrigger] StepInput input, FunctionContext context) =>
        steps.UpdateChannelsAsync(input, context.CancellationToken);

    /// <summary>Signs the approval receipt.</summary>
    [Function(nameof(IssueReceipt))]
    public IssuedReceiptResult IssueReceipt([ActivityTrigger] StepInput input) => steps.IssueReceipt(input);

    /// <summary>Stores a process state too large for the orchestration's custom status.</summary>
    [Function(nameof(SaveState))]
    public async Task<bool> SaveState([ActivityTrigger] SaveStateInput input, FunctionContext context)
    {
        await steps.SaveStateAsync(input, context.CancellationToken);
        return true;
    }

    /// <summary>Sends the released action and its receipt to the executors' queue.</summary>
    [Function(nameof(DispatchRelease))]
    public Task DispatchRelease([ActivityTrigger] DispatchInput input, FunctionContext context) =>
        steps.DispatchAsync(input, context.CancellationToken);
}
