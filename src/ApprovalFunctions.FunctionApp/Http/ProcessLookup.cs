using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Identity;
using Microsoft.DurableTask.Client;

namespace ApprovalFunctions.FunctionApp.Http;

/// <summary>
/// Reads an action's orchestration as a <see cref="ProcessView"/>: its input, and the process state from its custom
/// status, or from the state store when the state was too large to keep there (<see cref="StatusSnapshot.Stored"/>).
/// </summary>
public sealed class ProcessLookup(IProcessStateStore states)
{
    /// <summary>The action <paramref name="id"/>; null when there is no such approval.</summary>
    internal async Task<ProcessView?> LoadAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        if (!ActionIds.IsValid(id))
        {
            return null;
        }

        OrchestrationMetadata? metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        return metadata is null ? null : await FromAsync(metadata, cancellationToken);
    }

    /// <summary>The action when <paramref name="caller"/> may see it; null when it does not exist or is not theirs to see.</summary>
    internal async Task<ProcessView?> LoadVisibleAsync(DurableTaskClient client, string id, TokenCaller caller, CancellationToken cancellationToken) =>
        await LoadAsync(client, id, cancellationToken) is ProcessView view && view.VisibleTo(caller) ? view : null;

    /// <summary>The view of an instance fetched with its inputs; null when it is not an approval.</summary>
    internal async Task<ProcessView?> FromAsync(OrchestrationMetadata metadata, CancellationToken cancellationToken)
    {
        if (metadata.ReadInputAs<ApprovalInput>() is not ApprovalInput input)
        {
            return null;
        }

        StatusSnapshot? snapshot = metadata.SerializedCustomStatus is null ? null : metadata.ReadCustomStatusAs<StatusSnapshot>();
        if (snapshot is { State: null, Stored: true })
        {
            // Before the first stored checkpoint there is nothing to read: the view starts from the initial state.
            snapshot = snapshot with { State = await states.LoadAsync(input.ActionId, cancellationToken).ConfigureAwait(false) };
        }

        return ProcessView.From(input, snapshot, metadata.RuntimeStatus == OrchestrationRuntimeStatus.Running, metadata.IsCompleted);
    }
}
