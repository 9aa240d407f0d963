using System.Security.Cryptography;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.TestSupport;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;
using Moq;

namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>
/// Runs <see cref="ApprovalOrchestrator.RunAsync"/> against a mocked <see cref="TaskOrchestrationContext"/> whose
/// activities are the real <see cref="ActivitySteps"/> (real policy set, masker and receipt issuer; audit and release
/// recorded in memory). External events come from a queue; when none is queued, the durable timer fires, and the
/// event wait is cancelled the way the Durable worker cancels it (so the orchestrator sees a TaskCanceledException).
/// </summary>
internal sealed class OrchestrationHarness
{
    public static readonly DateTime T0 = new(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc);

    public const string Policy = """
        policy: functions-tests
        defaults: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT1H } }
        rules:
          - { id: deletes, if: { field: action.type, like: "*.delete" }, then: { effect: deny, reason: "no deletes" } }
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - id: writes
            if: { field: action.type, equals: db.write.rows }
            then:
              effect: requireApproval
              approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT1H }
          - id: two-person
            if: { field: action.type, equals: iam.grant }
            then:
              effect: requireApproval
              approval: { approvers: ["group:dba"], minApprovals: 2, timeout: PT1H }
        """;

    private readonly Mock<TaskOrchestrationContext> _context = new() { CallBase = true };
    private readonly Queue<string> _events = new();
    private readonly ActivitySteps _steps;
    private DateTime _now = T0;

    public OrchestrationHarness(string actionJson, string agentId = "agent-etl")
    {
        Input = new ApprovalInput("act_test1", actionJson, agentId, "owner-olga", "mfa", "westeurope", new DateTimeOffset(T0));
        var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = new ReceiptIssuer(new ReceiptIssuerOptions
        {
            Issuer = "https://approvals.example",
            Audience = "approvals-executor",
            SigningKey = new ECDsaSecurityKey(ecdsa) { KeyId = "k1" },
        });
        var directory = new FixedDirectory(new Person("dba-dan", "Dan"), new Person("dba-dora", "Dora"));
        _steps = new ActivitySteps(PolicySet.Load([new PolicySource("p.yaml", Policy)]), directory, [], new Masker(new MaskingOptions()),
            issuer, Audit, Releases, new PublicLinks(new Uri("https://approvals.example")));

        _context.SetupGet(c => c.CurrentUtcDateTime).Returns(() => _now);
        _context.SetupGet(c => c.InstanceId).Returns(Input.ActionId);
        _context.SetupGet(c => c.IsReplaying).Returns(false);
        _context.Setup(c => c.GetInput<ApprovalInput>()).Returns(Input);
        _context.Setup(c => c.CreateReplaySafeLogger(It.IsAny<string>())).Returns(NullLogger.Instance);
        _context.Setup(c => c.SetCustomStatus(It.IsAny<object?>())).Callback((object? status) => CustomStatus.Add((StatusSnapshot)status!));
        _context.Setup(c => c.CallActivityAsync<string>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName name, object? input, TaskOptions? options) => RunActivityAsync(name, (StepInput)input!, options));
        _context.Setup(c => c.CallActivityAsync<IssuedReceiptResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns((TaskName name, object? input, TaskOptions? options) => Task.FromResult(_steps.IssueReceipt((StepInput)input!)));
        _context.Setup(c => c.CallActivityAsync<object>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns(async (TaskName name, object? input, TaskOptions? options) =>
            {
                Assert.Equal(nameof(ApprovalActivities.DispatchRelease), name.Name);
                Assert.NotNull(options?.Retry);
                await _steps.DispatchAsync((DispatchInput)input!, CancellationToken.None);
                return null!;
            });
        _context.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
            .Returns((DateTime fireAt, CancellationToken token) => Timer(fireAt, token));
        _context.Setup(c => c.WaitForExternalEvent<string>(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns((string name, CancellationToken token) => ExternalEvent(name, token));
    }

    public ApprovalInput Input { get; }

    public InMemoryAuditStore Audit { get; } = new();

    public RecordingReleaseSender Releases { get; } = new();

    public List<StatusSnapshot> CustomStatus { get; } = [];

    public List<string> Activities { get; } = [];

    /// <summary>Timers created, and whether the orchestrator cancelled each (a timer left running keeps the instance alive).</summary>
    public List<(DateTime FireAt, CancellationToken Token)> Timers { get; } = [];

    public int EventWaitsCancelled { get; private set; }

    public TaskOrchestrationContext Context => _context.Object;

    /// <summary>Queues an event for the next wait (as the HTTP functions raise it).</summary>
    public void Raise(ProcessEvent e) => _events.Enqueue(CoreJson.Serialize(e));

    /// <summary>Queues raw text as an event.</summary>
    public void RaiseRaw(string json) => _events.Enqueue(json);

    public Task<string> RunAsync() => ApprovalOrchestrator.RunAsync(Context);

    public ProcessState LastState => CoreJson.DeserializeState(CustomStatus[^1].State);

    public DecisionReceived Decision(string approverId, ApprovalChoice choice = ApprovalChoice.Approve, string decisionId = "d-1", string? comment = null) =>
        new(decisionId, new ApproverIdentity(approverId, approverId, null, "mfa"), choice, comment,
            Core.Actions.ActionParser.Parse(Input.ActionJson).Action!.Digest, "portal", new DateTimeOffset(_now));

    private async Task<string> RunActivityAsync(TaskName name, StepInput input, TaskOptions? options)
    {
        Assert.NotNull(options?.Retry);
        Activities.Add(name.Name);
        return name.Name switch
        {
            nameof(ApprovalActivities.WriteAudit) => await _steps.WriteAuditAsync(input, CancellationToken.None),
            nameof(ApprovalActivities.EvaluatePolicy) => _steps.EvaluatePolicy(input),
            nameof(ApprovalActivities.ResolveApprovers) => await _steps.ResolveApproversAsync(input, CancellationToken.None),
            nameof(ApprovalActivities.NotifyApprovers) => await _steps.NotifyApproversAsync(input, CancellationToken.None),
            _ => throw new InvalidOperationException("Unexpected activity " + name.Name),
        };
    }

    private Task Timer(DateTime fireAt, CancellationToken token)
    {
        Timers.Add((fireAt, token));
        if (_events.Count > 0)
        {
            // An event is waiting: the timer stays pending until the orchestrator cancels it.
            var pending = new TaskCompletionSource();
            token.Register(() => pending.TrySetCanceled(token));
            return pending.Task;
        }

        // Nothing will arrive: time moves to the timer and it fires.
        _now = fireAt;
        return Task.CompletedTask;
    }

    private Task<string> ExternalEvent(string name, CancellationToken token)
    {
        Assert.Equal(ApprovalOrchestrator.EventName, name);
        if (_events.Count > 0)
        {
            return Task.FromResult(_events.Dequeue());
        }

        // As the worker does: a wait cancelled by the timer completes as cancelled.
        var wait = new TaskCompletionSource<string>();
        token.Register(() =>
        {
            EventWaitsCancelled++;
            wait.TrySetCanceled(token);
        });
        return wait.Task;
    }
}
