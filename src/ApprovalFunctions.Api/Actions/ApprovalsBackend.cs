using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Identity;

namespace ApprovalFunctions.Api.Actions;

/// <summary>
/// What a host does that the API cannot do for it: keep and wake processes. The gateway runs them from SQLite with its
/// runner; the Functions app as Durable orchestrations. Everything else about an endpoint lives in <see cref="ApprovalsApi"/>.
/// Members are virtual so that tests can fake a host.
/// </summary>
public abstract class ApprovalsBackend
{
    /// <summary>Where executors read released actions when this host has no release feed (null: it has one).</summary>
    public virtual string? ReleaseFeedElsewhere => null;

    /// <summary>The action, or null when there is none with this id.</summary>
    public abstract Task<ActionSnapshot?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Starts the process of a new action, or finds the action the agent already submitted under the same idempotency
    /// key (<see cref="ActionStart.Existing"/>; the API compares digests).
    /// </summary>
    public abstract Task<ActionStart> StartAsync(NewAction action, CancellationToken cancellationToken);

    /// <summary>Returns when the action finished or <paramref name="wait"/> passed, whichever is first.</summary>
    public abstract Task WaitAsync(string id, TimeSpan wait, CancellationToken cancellationToken);

    /// <summary>
    /// Hands a decision to the process and returns its verdict. Accepted and refused decisions reach the process (it
    /// audits refusals); a duplicate changes nothing.
    /// </summary>
    public abstract Task<DecisionVerdict> DecideAsync(ActionSnapshot action, DecisionReceived decision, CancellationToken cancellationToken);

    /// <summary>Asks the process to cancel; false when it is no longer pending.</summary>
    public abstract Task<bool> CancelAsync(ActionSnapshot action, CancelRequested cancel, CancellationToken cancellationToken);

    /// <summary>The action's audit records, in sequence order.</summary>
    public abstract Task<IReadOnlyList<AuditRecord>> AuditAsync(ActionSnapshot action, CancellationToken cancellationToken);

    /// <summary>Actions waiting for this approver's decision (at least those; the API filters and orders), at most <paramref name="limit"/>.</summary>
    public abstract Task<IReadOnlyList<ActionSnapshot>> PendingForAsync(TokenCaller approver, int limit, CancellationToken cancellationToken);

    /// <summary>Actions this approver approved or rejected (at least those; the API filters and orders), at most <paramref name="limit"/>.</summary>
    public abstract Task<IReadOnlyList<ActionSnapshot>> DecidedByAsync(TokenCaller approver, int limit, CancellationToken cancellationToken);

    /// <summary>Released actions after sequence number <paramref name="after"/>, in order.</summary>
    public virtual Task<IReadOnlyList<ReleaseItem>> ReleasesAsync(long after, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This host has no release feed: " + ReleaseFeedElsewhere);
}

/// <summary>A new action, checked, to be started.</summary>
/// <param name="Agent">The submitting agent.</param>
/// <param name="IdempotencyKey">The agent's idempotency key, if any.</param>
/// <param name="Body">The action as submitted.</param>
/// <param name="Action">The parsed action.</param>
/// <param name="Region">The region whose audit store holds its trail.</param>
/// <param name="ReceivedAt">When it arrived.</param>
public sealed record NewAction(TokenCaller Agent, string? IdempotencyKey, byte[] Body, ActionRequest Action, string Region, DateTimeOffset ReceivedAt);

/// <summary>The started action's id, or the action already submitted under the same key.</summary>
/// <param name="Id">The action id.</param>
/// <param name="Existing">The earlier action with the same agent and key; null when this call started the process.</param>
/// <param name="Finished">The new action when the host finished it while starting it (allowed or denied at once), saving a read.</param>
public sealed record ActionStart(string Id, ActionSnapshot? Existing, ActionSnapshot? Finished = null);

/// <summary>One entry of the release feed.</summary>
/// <param name="Seq">Its position in the feed.</param>
/// <param name="ActionId">The action released.</param>
/// <param name="ReleasedAt">When.</param>
/// <param name="Receipt">The receipt.</param>
/// <param name="Body">The action as submitted (unmasked: executors act on it).</param>
public sealed record ReleaseItem(long Seq, string ActionId, DateTimeOffset ReleasedAt, ReceiptReference Receipt, string Body);
