using System.Security.Cryptography;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

/// <summary>
/// The activities as the orchestrator calls them: every step and event crosses as JSON, exactly as it does through the
/// task hub, so a contract that does not round-trip fails here.
/// </summary>
public sealed class ActivityStepsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private const string Policy = """
        policy: activities
        defaults: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT1H } }
        rules:
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
        """;

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly InMemoryAuditStore _audit = new();
    private readonly RecordingReleaseSender _sender = new();
    private readonly List<ApprovalRequest> _notified = [];

    [Fact]
    public async Task Steps_AllowedAction_ReleaseCarriesAReceiptTheExecutorAccepts()
    {
        (ApprovalProcess process, ActivitySteps steps, StepInput input) = Start("""{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""");

        process = await RunAsync(steps, process, input.ActionJson!);

        Assert.Equal(ProcessStatus.Completed, process.State.Status);
        DispatchInput sent = Assert.Single(_sender.Sent);
        var verifier = new ReceiptVerifier(new ReceiptVerifierOptions
        {
            Issuer = "https://approvals.example",
            Audience = "approvals-executor",
            SigningKeys = [new ECDsaSecurityKey(ECDsa.Create(_key.ExportParameters(false))) { KeyId = "k1" }],
        });
        ReceiptVerification verification = await verifier.VerifyAsync(sent.Receipt.Jws, ActionParser.Parse(sent.ActionJson).Action!, T0, new InMemoryReceiptUseRegistry());
        Assert.True(verification.IsValid, verification.Message);
        Assert.True(AuditVerifier.Verify(_audit.Files).Ok);
        Assert.Equal(["received", "evaluated", "released", "completed"], _audit.Types);
    }

    [Fact]
    public async Task Steps_ApprovalRequired_NotifiesWithTheMaskedViewAndWaits()
    {
        (ApprovalProcess process, ActivitySteps steps, StepInput input) = Start(
            """{"type":"db.write.rows","summary":"Fix rows for jane@contoso.com","data":{"sourceRegion":"westeurope"}}""");

        process = await RunAsync(steps, process, input.ActionJson!);

        Assert.IsType<AwaitDecisionStep>(process.Next());
        ApprovalRequest request = Assert.Single(_notified);
        Assert.Equal(["dba-dan", "dba-dora"], request.Notification.Recipients.Select(p => p.Id));
        Assert.DoesNotContain("jane@contoso.com", request.View.ToJson(), StringComparison.Ordinal);
        Assert.Equal(new Uri("https://approvals.example/portal/review/act_1"), request.ReviewUrl);
    }

    [Fact]
    public async Task Steps_ChannelThatThrows_FailsOnlyItsDeliveriesAndTheProcessGoesOn()
    {
        (ApprovalProcess process, ActivitySteps steps, StepInput input) = Start(
            """{"type":"db.write.rows","summary":"Fix","data":{"sourceRegion":"westeurope"}}""", new ThrowingNotifier());

        process = await RunAsync(steps, process, input.ActionJson!);

        Assert.IsType<AwaitDecisionStep>(process.Next());
        AuditRecord notified = _audit.Records.Single(r => r.Type == AuditRecordTypes.Notified);
        string content = notified.Content.GetRawText();
        Assert.Contains("\"broken\"", content, StringComparison.Ordinal);
        Assert.Contains("mailbox unavailable", content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAuditAsync_SameStepTwice_IsOneRecord()
    {
        (ApprovalProcess process, ActivitySteps steps, StepInput input) = Start("""{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""");
        var write = Assert.IsType<WriteAuditStep>(process.Next());
        StepInput stepInput = input with { StepJson = CoreJson.Serialize(write) };

        // An activity retried after its result was lost writes the identical record again.
        await steps.WriteAuditAsync(stepInput, CancellationToken.None);
        string again = await steps.WriteAuditAsync(stepInput, CancellationToken.None);

        Assert.Single(_audit.Records);
        Assert.IsType<AuditWritten>(CoreJson.DeserializeEvent(again));
    }

    private (ApprovalProcess Process, ActivitySteps Steps, StepInput Input) Start(string actionJson, IApprovalNotifier? notifier = null)
    {
        ActionRequest action = ActionParser.Parse(actionJson).Action!;
        var steps = new ActivitySteps(
            PolicySet.Load([new PolicySource("p.yaml", Policy)]),
            new FixedDirectory(new Person("dba-dan", "Dan"), new Person("dba-dora", "Dora")),
            notifier is null ? [new Recording(_notified)] : [new Recording(_notified), notifier],
            new Masker(new MaskingOptions()),
            new ReceiptIssuer(new ReceiptIssuerOptions { Issuer = "https://approvals.example", Audience = "approvals-executor", SigningKey = new ECDsaSecurityKey(_key) { KeyId = "k1" } }),
            _audit,
            _sender,
            new InMemoryProcessStateStore(),
            new PublicLinks(new Uri("https://approvals.example")),
            new ApprovalFunctions.Channels.Messages.OutcomeUpdates(new ApprovalFunctions.Channels.Messages.InMemoryPostedMessages(), []));
        ApprovalProcess process = ApprovalProcess.Start(action, new ProcessStart("act_1", new AgentIdentity("agent-etl", "owner-olga"), "westeurope", "mfa", T0));
        return (process, steps, new StepInput("act_1", "westeurope", string.Empty, T0, actionJson));
    }

    /// <summary>The orchestrator's loop, minus Durable: run activities until the process waits or finishes.</summary>
    private static async Task<ApprovalProcess> RunAsync(ActivitySteps steps, ApprovalProcess process, string actionJson)
    {
        while (true)
        {
            ProcessStep step = process.Next();
            var input = new StepInput("act_1", "westeurope", CoreJson.Serialize(step), T0, actionJson,
                CoreJson.Serialize(process.State with { PendingAudit = [] }));
            string? result = step switch
            {
                WriteAuditStep => await steps.WriteAuditAsync(input, CancellationToken.None),
                EvaluatePolicyStep => steps.EvaluatePolicy(input),
                ResolveApproversStep => await steps.ResolveApproversAsync(input, CancellationToken.None),
                NotifyApproversStep => await steps.NotifyApproversAsync(input, CancellationToken.None),
                _ => null,
            };
            if (result is not null)
            {
                process = process.Apply(CoreJson.DeserializeEvent(result));
                continue;
            }

            if (step is ReleaseStep)
            {
                IssuedReceiptResult receipt = steps.IssueReceipt(input);
                await steps.DispatchAsync(new DispatchInput("act_1", actionJson, process.State.ActionDigest, receipt), CancellationToken.None);
                process = process.Apply(new Released(receipt.ReceiptId, receipt.ExpiresAt, receipt.Hash, T0));
                continue;
            }

            return process;
        }
    }

    private sealed class Recording(List<ApprovalRequest> requests) : IApprovalNotifier
    {
        public string Channel => "portal";

        public Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
        {
            requests.Add(request);
            return Task.FromResult<IReadOnlyList<Delivery>>([.. request.Notification.Recipients.Select(r => new Delivery(r.Id, Channel, true))]);
        }
    }

    private sealed class ThrowingNotifier : IApprovalNotifier
    {
        public string Channel => "broken";

        public Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("mailbox unavailable");
    }
}
