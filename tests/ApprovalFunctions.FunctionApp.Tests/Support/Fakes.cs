using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Directory;

namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>An audit store whose files a test can read back (to verify the chains).</summary>
internal interface IAuditStoreWithFiles : IAuditStore
{
    /// <summary>Every stored record as the file it is.</summary>
    Task<IReadOnlyList<AuditFile>> FilesAsync();
}

/// <summary>Audit records by key, create-only, as the blob store behaves (thread-safe: activities run in parallel).</summary>
internal sealed class InMemoryAuditStore : IAuditStoreWithFiles
{
    private readonly SortedDictionary<string, byte[]> _records = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public IEnumerable<AuditRecord> Records
    {
        get
        {
            lock (_lock)
            {
                return [.. _records.Values.Select(b => AuditRecord.Parse(b))];
            }
        }
    }

    public IEnumerable<string> Types => Records.Select(r => r.Type);

    public IEnumerable<AuditFile> Files
    {
        get
        {
            lock (_lock)
            {
                return [.. _records.Select(r => new AuditFile(r.Key, r.Value))];
            }
        }
    }

    /// <summary>The record types of one action, in sequence order.</summary>
    public IReadOnlyList<string> TypesOf(string actionId) => [.. Records.Where(r => r.ActionId == actionId).OrderBy(r => r.Sequence).Select(r => r.Type)];

    public Task<IReadOnlyList<AuditFile>> FilesAsync() => Task.FromResult<IReadOnlyList<AuditFile>>([.. Files]);

    public Task WriteAsync(string region, string key, byte[] content, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_records.TryGetValue(key, out byte[]? existing) && !existing.AsSpan().SequenceEqual(content))
            {
                throw new AuditConflictException(key);
            }

            _records[key] = content;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> ReadActionAsync(string region, DateTimeOffset receivedAt, string actionId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AuditRecord>>([.. Records.Where(r => r.ActionId == actionId).OrderBy(r => r.Sequence)]);
}

/// <summary>Process states by action, replaced at each checkpoint, as the blob store keeps them.</summary>
internal sealed class InMemoryProcessStateStore : IProcessStateStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _states = new(StringComparer.Ordinal);

    public Task SaveAsync(string actionId, string stateJson, CancellationToken cancellationToken)
    {
        _states[actionId] = stateJson;
        return Task.CompletedTask;
    }

    public Task<string?> LoadAsync(string actionId, CancellationToken cancellationToken) =>
        Task.FromResult(_states.TryGetValue(actionId, out string? state) ? state : null);
}

/// <summary>Releases as they would be sent (thread-safe).</summary>
internal sealed class RecordingReleaseSender : IReleaseSender
{
    private readonly List<DispatchInput> _sent = [];
    private readonly Dictionary<string, DateTimeOffset> _sentAt = new(StringComparer.Ordinal);

    public IReadOnlyList<DispatchInput> Sent
    {
        get
        {
            lock (_sent)
            {
                return [.. _sent];
            }
        }
    }

    /// <summary>The releases of one action.</summary>
    public IReadOnlyList<DispatchInput> Of(string actionId) => [.. Sent.Where(s => s.ActionId == actionId)];

    /// <summary>When the release carrying <paramref name="receiptId"/> was sent.</summary>
    public DateTimeOffset SentAt(string receiptId)
    {
        lock (_sent)
        {
            return _sentAt[receiptId];
        }
    }

    public Task SendAsync(DispatchInput release, CancellationToken cancellationToken)
    {
        lock (_sent)
        {
            _sent.Add(release);
            _sentAt[release.Receipt.ReceiptId] = DateTimeOffset.UtcNow;
        }

        return Task.CompletedTask;
    }
}

/// <summary>A directory in which every requirement resolves to the same people.</summary>
internal sealed class FixedDirectory(params Person[] people) : IApproverDirectory
{
    public Task<ResolvedApprovers> ResolveAsync(ApprovalPlan plan, string? requesterId, CancellationToken cancellationToken) =>
        Task.FromResult(new ResolvedApprovers([.. plan.Requirements.Select(r => new ResolvedRequirement(r.Approvers, r.MinApprovals, people))], [], []));
}

/// <summary>Processes in a given state, as the orchestration would have brought them there.</summary>
internal static class TestProcesses
{
    public static readonly Person Dan = new("dba-dan", "Dan", "dan@contoso.com");

    /// <summary>
    /// The action of agent-etl (owner olga, region westeurope) under <paramref name="policyYaml"/>, run until it waits
    /// for a decision, every requirement resolved to Dan.
    /// </summary>
    public static ApprovalProcess AwaitingDan(string actionId, string actionJson, string policyYaml, DateTimeOffset at)
    {
        ActionRequest action = ActionParser.Parse(actionJson).Action!;
        PolicySet policy = PolicySet.Load([new PolicySource("p.yaml", policyYaml)]);
        ApprovalProcess process = ApprovalProcess.Start(action, new ProcessStart(actionId, new AgentIdentity("agent-etl", "owner-olga"), "westeurope", null, at));
        for (ProcessStep step = process.Next(); step is not AwaitDecisionStep; step = process.Next())
        {
            process = step switch
            {
                WriteAuditStep w => process.Apply(new AuditWritten(w.Record.Sequence, at)),
                EvaluatePolicyStep e => process.Apply(new PolicyEvaluated(policy.Evaluate(new PolicyInput(action, e.Agent, at, e.AuthStrength)), at)),
                ResolveApproversStep r => process.Apply(new ApproversResolved(new ResolvedApprovers(
                    [.. r.Plan.Requirements.Select(q => new ResolvedRequirement(q.Approvers, q.MinApprovals, [Dan]))], [], []), at)),
                NotifyApproversStep n => process.Apply(new ApproversNotified(n.Notification.Round, [], at)),
                _ => throw new InvalidOperationException("unexpected step " + step),
            };
        }

        return process;
    }
}

/// <summary>A chat channel (<c>recorded</c>) that records the outcome notices it is asked to show, and updates every message.</summary>
internal sealed class RecordingOutcomeUpdater : ApprovalFunctions.Channels.Messages.IOutcomeUpdater
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<ApprovalFunctions.Channels.Messages.OutcomeNotice> _notices = new();

    public string Channel => "recorded";

    public IReadOnlyList<ApprovalFunctions.Channels.Messages.OutcomeNotice> Notices => [.. _notices];

    public Task<IReadOnlyList<ApprovalFunctions.Channels.Messages.PostedMessage>> UpdateAsync(
        ApprovalFunctions.Channels.Messages.OutcomeNotice notice, IReadOnlyList<ApprovalFunctions.Channels.Messages.PostedMessage> posted, CancellationToken cancellationToken)
    {
        _notices.Enqueue(notice);
        return Task.FromResult(posted);
    }
}
