using System.Collections.Concurrent;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Directory;

namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>
/// Makes activities fail on purpose, as an outage of the dependency behind them would: every call of the named
/// activity throws until the outage ends. Calls are counted per activity either way.
/// </summary>
internal sealed class ActivityFaults
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, Func<Exception> Error)> _outages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <summary>Every call of <paramref name="activity"/> fails for <paramref name="length"/> (with <paramref name="error"/>'s exception).</summary>
    public void Outage(string activity, TimeSpan length, Func<Exception>? error = null) =>
        _outages[activity] = (DateTimeOffset.UtcNow + length, error ?? (() => new InvalidOperationException($"Injected outage of the dependency behind {activity}.")));

    /// <summary>Ends the outage of <paramref name="activity"/> now.</summary>
    public void Recover(string activity) => _outages.TryRemove(activity, out _);

    /// <summary>How often <paramref name="activity"/> ran (failed runs included).</summary>
    public int Calls(string activity) => _calls.GetValueOrDefault(activity);

    /// <summary>How often <paramref name="activity"/> failed on purpose.</summary>
    public int Failures(string activity) => _failures.GetValueOrDefault(activity);

    /// <summary>Runs the activity's real code unless its dependency is out.</summary>
    public async Task<T> RunAsync<T>(string activity, Func<Task<T>> run)
    {
        _calls.AddOrUpdate(activity, 1, (_, n) => n + 1);
        if (_outages.TryGetValue(activity, out (DateTimeOffset Until, Func<Exception> Error) outage) && DateTimeOffset.UtcNow < outage.Until)
        {
            _failures.AddOrUpdate(activity, 1, (_, n) => n + 1);
            throw outage.Error();
        }

        return await run();
    }
}

/// <summary>The test tenant: people by group, Dana's manager is Mia.</summary>
internal sealed class TestDirectory : IDirectoryLookup
{
    public static readonly Person Dan = new("dba-dan", "Dan", "dan@contoso.com");
    public static readonly Person Dora = new("dba-dora", "Dora", "dora@contoso.com");
    public static readonly Person Dana = new("dana", "Dana", "dana@contoso.com");
    public static readonly Person Mia = new("mia", "Mia", "mia@contoso.com");
    public static readonly Person Sam = new("sec-sam", "Sam", "sam@contoso.com");
    public static readonly Person Eve = new("eve", "Eve", "eve@contoso.com");
    public static readonly Person Olga = new("owner-olga", "Olga", "olga@contoso.com");

    public static readonly TestDirectory Instance = new();

    private static readonly Dictionary<string, Person[]> Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dba"] = [Dan, Dora, Dana, Olga],
        ["security"] = [Sam],
        ["crowd"] = [Dan, .. Enumerable.Range(0, 200).Select(i => new Person($"0b3f6a2e-1c4d-4e5f-8a9b-{i:D12}", $"Member {i}", $"member.{i}@contoso.com"))],
    };

    public Task<IReadOnlyList<Person>> GroupMembersAsync(string group, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Person>>(Groups.TryGetValue(group, out Person[]? people) ? people : []);

    public Task<Person?> UserAsync(string user, CancellationToken cancellationToken) =>
        Task.FromResult(Groups.Values.SelectMany(p => p).FirstOrDefault(p => p.Id == user));

    public Task<Person?> ManagerAsync(string userId, CancellationToken cancellationToken) =>
        Task.FromResult(userId == Dana.Id ? Mia : null);
}

/// <summary>The policy sets and actions the Functions tests run.</summary>
internal static class TestPolicies
{
    /// <summary>
    /// Reads allowed, deletes denied, row writes need one DBA, grants two, and a few with short clocks (seconds) so the
    /// real engine's timers fire within a test: reminders, escalation, each <c>onTimeout</c>, and a 30-day wait.
    /// </summary>
    public const string Default = """
        policy: functions-tests
        defaults: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT1H } }
        rules:
          - { id: deletes, if: { field: action.type, like: "*.delete" }, then: { effect: deny, reason: "no deletes" } }
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - id: writes
            if: { field: action.type, equals: db.write.rows }
            then: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT1H } }
          - id: two-person
            if: { field: action.type, equals: iam.grant }
            then: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 2, timeout: PT1H } }
          - id: slow
            if: { field: action.type, equals: ops.slow }
            then:
              effect: requireApproval
              approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT6S, remindAfter: PT2S, escalateAfter: PT4S,
                          escalateTo: ["group:security"], onTimeout: reject }
          - id: lenient
            if: { field: action.type, equals: ops.lenient }
            then: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT3S, onTimeout: approve } }
          - id: strict
            if: { field: action.type, equals: ops.strict }
            then: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT3S, onTimeout: reject } }
          - id: crowd
            if: { field: action.type, equals: ops.crowd }
            then: { effect: requireApproval, approval: { approvers: ["group:crowd"], minApprovals: 1, timeout: PT1H } }
          - id: month
            if: { field: action.type, equals: ops.month }
            then: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: P30D } }
        """;

    /// <summary>An action of <paramref name="type"/> requested by Dana in westeurope.</summary>
    public static string Action(string type, string? key = null) =>
        $$"""{"type":"{{type}}","summary":"Test {{type}}","requester":{"id":"dana","displayName":"Dana"},"target":{"resource":"sql://orders","environment":"production"},"data":{"sourceRegion":"westeurope"},"parameters":{"rows":12}{{(key is null ? "" : $",\"idempotencyKey\":\"{key}\"")}}}""";
}

/// <summary>
/// A channel that records every request and, for the action it was told to hold, keeps the notification activity
/// running until the test releases it (so the test can act while the orchestrator is inside an activity).
/// </summary>
internal sealed class GatedNotifier : Microsoft365.Notifications.IApprovalNotifier
{
    private readonly List<Microsoft365.Notifications.ApprovalRequest> _requests = [];
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _holding;

    public string Channel => "test";

    public IReadOnlyList<Microsoft365.Notifications.ApprovalRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The kinds of notification sent for an action, in order.</summary>
    public IReadOnlyList<NotificationKind> Kinds(string actionId) => [.. Requests.Where(r => r.ActionId == actionId).Select(r => r.Notification.Kind)];

    /// <summary>Holds the first notification of a new action id, which it returns.</summary>
    public string Hold()
    {
        _holding = "act_held" + Guid.NewGuid().ToString("N")[..16];
        return _holding;
    }

    /// <summary>Completes when the held action's notification activity is running.</summary>
    public Task WaitUntilHeldAsync(string actionId) => actionId == _holding ? _held.Task.WaitAsync(TimeSpan.FromSeconds(30)) : throw new ArgumentException("Not held.", nameof(actionId));

    /// <summary>Lets the held activity finish.</summary>
    public void Release() => _release.TrySetResult();

    public async Task<IReadOnlyList<Delivery>> NotifyAsync(Microsoft365.Notifications.ApprovalRequest request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add(request);
        }

        if (request.ActionId == _holding)
        {
            _held.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
        }

        return [.. request.Notification.Recipients.Select(r => new Delivery(r.Id, Channel, true, null))];
    }
}
