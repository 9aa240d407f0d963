using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Core.Tests.Support;

/// <summary>
/// Plays the host around an <see cref="ApprovalProcess"/>: writes audit records into a list, evaluates a real policy set,
/// resolves approvers from an in-memory directory and sends notifications, stopping where a test must act
/// (awaiting a decision, releasing, finished). Every applied event is kept so tests can replay them.
/// </summary>
internal sealed class ProcessHarness
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private readonly PolicySet _policy;
    private readonly Dictionary<string, Person[]> _directory;

    public ProcessHarness(string policyYaml, Dictionary<string, Person[]>? directory = null, string? actionJson = null,
        AgentIdentity? agent = null, string? authStrength = "mfa", IReadOnlyList<string>? requesterManagers = null)
    {
        _policy = PolicySet.Load([new PolicySource("p.yaml", policyYaml)]);
        _directory = directory ?? Directory;
        RequesterManagers = requesterManagers ?? [];
        Action = ActionParser.Parse(actionJson ?? DefaultAction).Action!;
        Agent = agent ?? new AgentIdentity("agent-etl", "owner-olga");
        Process = ApprovalProcess.Start(Action, new ProcessStart("act-1", Agent, "westeurope", authStrength, T0));
        Now = T0;
    }

    public const string DefaultAction = """
        {"type":"db.write.rows","summary":"Fix 12 rows","requester":{"id":"requester-rita","displayName":"Rita"},
         "target":{"environment":"production"},"data":{"sourceRegion":"westeurope"}}
        """;

    public static readonly Dictionary<string, Person[]> Directory = new(StringComparer.Ordinal)
    {
        ["group:prod-owners"] = [new("owner-ann", "Ann", "ann@contoso.com"), new("owner-bob", "Bob"), new("requester-rita", "Rita"), new("owner-olga", "Olga")],
        ["group:dba"] = [new("dba-dan", "Dan"), new("dba-dora", "Dora")],
        ["group:security-oncall"] = [new("sec-sam", "Sam"), new("sec-sue", "Sue")],
        ["group:managers"] = [new("mgr-max", "Max")],
        ["manager"] = [new("mgr-max", "Max")],
    };

    public ApprovalProcess Process { get; private set; }

    public ActionRequest Action { get; }

    public AgentIdentity Agent { get; }

    public IReadOnlyList<string> RequesterManagers { get; }

    public DateTimeOffset Now { get; set; }

    public List<AuditRecord> Written { get; } = [];

    public List<ProcessEvent> Events { get; } = [];

    public List<NotificationRound> Notified { get; } = [];

    public ProcessStatus Status => Process.State.Status;

    public ProcessStep Step => Process.Next();

    /// <summary>The serialized state after each applied event (index 0 is the start).</summary>
    public List<string> States { get; } = [];

    public void Apply(ProcessEvent e)
    {
        if (States.Count == 0)
        {
            States.Add(CoreJson.Serialize(Process.State));
        }

        Process = Process.Apply(e);
        Events.Add(e);
        States.Add(CoreJson.Serialize(Process.State));
    }

    /// <summary>Runs host steps until the process waits for a decision, a release, or has finished (or <paramref name="stop"/> says so).</summary>
    public ProcessStep Run(Func<ProcessStep, bool>? stop = null)
    {
        while (true)
        {
            ProcessStep step = Process.Next();
            if (stop?.Invoke(step) == true)
            {
                return step;
            }

            switch (step)
            {
                case WriteAuditStep write:
                    Written.Add(write.Record);
                    Apply(new AuditWritten(write.Record.Sequence, Now));
                    break;
                case EvaluatePolicyStep evaluate:
                    Apply(new PolicyEvaluated(_policy.Evaluate(new PolicyInput(Action, evaluate.Agent, Now, evaluate.AuthStrength)), Now));
                    break;
                case ResolveApproversStep resolve:
                    Apply(new ApproversResolved(Resolve(resolve.Plan), Now));
                    break;
                case NotifyApproversStep notify:
                    Notified.Add(notify.Notification);
                    Apply(new ApproversNotified(notify.Notification.Round,
                        notify.Notification.Recipients.Select(r => new Delivery(r.Id, "portal", true)).ToArray(), Now));
                    break;
                default:
                    return step;
            }
        }
    }

    public ResolvedApprovers Resolve(ApprovalPlan plan) => new(
        plan.Requirements.Select(r => new ResolvedRequirement(r.Approvers, r.MinApprovals, People(r.Approvers))).ToArray(),
        People(plan.EscalateTo),
        RequesterManagers);

    private Person[] People(IEnumerable<string> references) =>
        references.SelectMany(r => _directory.TryGetValue(r, out Person[]? people) ? people : []).DistinctBy(p => p.Id).ToArray();

    private int _decisions;

    public DecisionReceived Decision(string approverId, ApprovalChoice choice = ApprovalChoice.Approve, string? digest = null, string? decisionId = null,
        string? comment = null, string? authStrength = "mfa", string? email = null) =>
        new(decisionId ?? $"d-{++_decisions}", new ApproverIdentity(approverId, approverId, email, authStrength), choice, comment,
            digest ?? Action.Digest, "portal", Now);

    public DecisionVerdict Decide(string approverId, ApprovalChoice choice = ApprovalChoice.Approve, string? digest = null, string? decisionId = null, string? comment = null)
    {
        DecisionReceived decision = Decision(approverId, choice, digest, decisionId, comment);
        DecisionVerdict verdict = Process.Judge(decision);
        Apply(decision);
        Run();
        return verdict;
    }

    /// <summary>Advances time to the awaited timer and fires it.</summary>
    public void FireTimer()
    {
        var wait = Assert.IsType<AwaitDecisionStep>(Process.Next());
        Now = wait.Until;
        Apply(new TimerFired(Now));
        Run();
    }

    public void Release(string receiptId = "rcpt-1")
    {
        Assert.IsType<ReleaseStep>(Process.Next());
        Apply(new Released(receiptId, Now.AddMinutes(15), "sha256:" + new string('a', 64), Now));
        Run();
    }

    public IEnumerable<string> RecordTypes => Written.Select(r => r.Type);

    public AuditVerificationReport Verify() =>
        AuditVerifier.Verify(Written.Select(r => new AuditFile(AuditKeys.For(T0, r.ActionId, r.Sequence, r.Type), r.ToCanonicalJson())));

    public const string Policies = """
        policy: test
        defaults: { effect: requireApproval, approval: { approvers: ["group:security-oncall"], minApprovals: 1, timeout: PT4H } }
        rules:
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - { id: deletes, if: { field: action.type, like: "*.delete" }, then: { effect: deny, reason: "no deletes" } }
          - id: two-groups
            if: { field: action.type, equals: db.write.rows }
            then:
              effect: requireApproval
              approval: { approvers: ["group:prod-owners"], minApprovals: 1, timeout: PT1H }
          - id: dba-too
            if: { field: action.type, equals: db.write.rows }
            then:
              effect: requireApproval
              approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT2H }
        """;

    public const string EscalatingPolicy = """
        policy: esc
        defaults: { effect: requireApproval, approval: { approvers: ["group:security-oncall"] } }
        rules:
          - id: prod
            if: { field: target.environment, equals: production }
            then:
              effect: requireApproval
              approval: { approvers: ["group:prod-owners"], minApprovals: 2, timeout: PT1H, remindAfter: PT15M,
                          escalateAfter: PT30M, escalateTo: ["group:security-oncall"], extendBy: PT30M, onTimeout: reject }
        """;
}
