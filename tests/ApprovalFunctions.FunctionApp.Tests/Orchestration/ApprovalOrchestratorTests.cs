using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Microsoft.DurableTask.Client;
using Microsoft.IdentityModel.Tokens;
using static ApprovalFunctions.FunctionApp.Tests.Support.TestDirectory;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

/// <summary>
/// The approval orchestration on the real Durable Task engine: every decision is an external event, every wait a
/// durable timer, every step an activity whose result is replayed from history on the next episode.
/// </summary>
public sealed class ApprovalOrchestratorTests(DurableAppFixture fixture) : IClassFixture<DurableAppFixture>
{
    private DurableApp App => fixture.App;

    [Fact]
    public async Task Run_AllowedAction_ReleasedOnceWithAReceiptTheExecutorAccepts()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("crm.read"));

        OrchestrationMetadata done = await App.CompletionAsync(input.ActionId);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("released", done.ReadOutputAs<string>());
        DispatchInput sent = Assert.Single(App.Releases.Of(input.ActionId));
        Assert.Equal(input.Action().Digest, sent.ActionDigest);
        ReceiptVerification verification = await Verifier().VerifyAsync(sent.Receipt.Jws, input.Action(), DateTimeOffset.UtcNow, new InMemoryReceiptUseRegistry());
        Assert.True(verification.IsValid, verification.Message);
        Assert.Equal(["received", "evaluated", "released", "completed"], Audit.TypesOf(input.ActionId));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_DeniedAction_CompletesDeniedAndReleasesNothing()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("db.delete"));

        OrchestrationMetadata done = await App.CompletionAsync(input.ActionId);

        Assert.Equal("denied", done.ReadOutputAs<string>());
        Assert.Empty(App.Releases.Of(input.ActionId));
        Assert.Equal(["received", "evaluated", "completed"], Audit.TypesOf(input.ActionId));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_TwoOfTwoApprovals_ReleasedAfterTheSecond()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("iam.grant"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.DecideAsync(input, Dan, ApprovalChoice.Approve);
        await App.WaitForStateAsync(input.ActionId, s => s.Votes.Count == 1);
        Assert.Empty(App.Releases.Of(input.ActionId));
        await App.DecideAsync(input, Dora, ApprovalChoice.Approve);

        Assert.Equal("released", (await App.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Single(App.Releases.Of(input.ActionId));
        Assert.Equal(2, Audit.TypesOf(input.ActionId).Count(t => t == AuditRecordTypes.Decision));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_Reject_EndsRejectedWithoutRelease()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("db.write.rows"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.DecideAsync(input, Dan, ApprovalChoice.Reject, comment: "wrong table");

        OrchestrationMetadata done = await App.CompletionAsync(input.ActionId);
        Assert.Equal("rejected", done.ReadOutputAs<string>());
        Assert.Equal("wrong table", DurableApp.FinalState(done).Rejection!.Comment);
        Assert.Empty(App.Releases.Of(input.ActionId));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_SelfApprovalByRequesterAgentOrOwner_RefusedAndAudited()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("db.write.rows"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.DecideAsync(input, Dana, ApprovalChoice.Approve);                       // the requester (in the DBA group)
        await App.DecideAsync(input, new Person(input.AgentId, "The agent"), ApprovalChoice.Approve); // the agent itself
        await App.DecideAsync(input, Olga, ApprovalChoice.Approve);                       // the agent's owner (in the DBA group)
        ProcessState state = await App.WaitForStateAsync(input.ActionId, s => s.DecisionIds.Count == 3);

        Assert.Equal(ProcessStatus.PendingApproval, state.Status);
        Assert.Empty(state.Votes);
        Assert.Equal(3, Audit.TypesOf(input.ActionId).Count(t => t == AuditRecordTypes.DecisionRejected));
        await App.DecideAsync(input, Dan, ApprovalChoice.Approve);
        Assert.Equal("released", (await App.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_DecisionForAnotherDigest_RefusedAndTheActionStillWaits()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("db.write.rows"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.DecideAsync(input, Dan, ApprovalChoice.Approve, digest: ActionParser.Parse(TestPolicies.Action("db.write.other")).Action!.Digest);
        ProcessState state = await App.WaitForStateAsync(input.ActionId, s => s.DecisionIds.Count == 1);

        Assert.Equal(ProcessStatus.PendingApproval, state.Status);
        Assert.Empty(state.Votes);
        Assert.Contains(AuditRecordTypes.DecisionRejected, Audit.TypesOf(input.ActionId));
        Assert.Empty(App.Releases.Of(input.ActionId));
        await App.Client.TerminateInstanceAsync(input.ActionId);
    }

    [Fact]
    public async Task Run_CancelByTheAgent_EndsCancelled()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("db.write.rows"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.RaiseAsync(input.ActionId, new CancelRequested(input.AgentId, "no longer needed", DateTimeOffset.UtcNow));

        Assert.Equal("cancelled", (await App.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Empty(App.Releases.Of(input.ActionId));
        Assert.Contains(AuditRecordTypes.Cancelled, Audit.TypesOf(input.ActionId));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_DuplicateDecision_CountedOnce()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("iam.grant"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.DecideAsync(input, Dan, ApprovalChoice.Approve, decisionId: "d_same");
        await App.DecideAsync(input, Dan, ApprovalChoice.Approve, decisionId: "d_same");   // redelivered
        await App.DecideAsync(input, Dan, ApprovalChoice.Approve, decisionId: "d_again");  // Dan again, another request
        await App.DecideAsync(input, Eve, ApprovalChoice.Approve, decisionId: "d_marker"); // refused, so recorded: all before it were applied
        ProcessState state = await App.WaitForStateAsync(input.ActionId, s => s.DecisionIds.Contains("d_marker"));

        Assert.Equal(ProcessStatus.PendingApproval, state.Status);
        Assert.Single(state.Votes);
        await App.DecideAsync(input, Dora, ApprovalChoice.Approve);
        Assert.Equal("released", (await App.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Single(App.Releases.Of(input.ActionId));
        Assert.Equal(2, Audit.TypesOf(input.ActionId).Count(t => t == AuditRecordTypes.Decision));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_BurstOfRefusedDecisionsThenTwoApprovals_EveryEventAppliedAndFiveAudited()
    {
        const int Refused = 30;
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("iam.grant"));
        await App.WaitForPendingAsync(input.ActionId);

        for (int i = 0; i < Refused; i++)
        {
            await App.DecideAsync(input, Eve, ApprovalChoice.Approve, decisionId: $"d_eve_{i}"); // not an approver: refused, audited
        }

        await App.DecideAsync(input, Dan, ApprovalChoice.Approve);
        await App.DecideAsync(input, Dora, ApprovalChoice.Approve);
        OrchestrationMetadata done = await App.CompletionAsync(input.ActionId);

        Assert.Equal("released", done.ReadOutputAs<string>());
        ProcessState state = DurableApp.FinalState(done);
        Assert.Equal(Refused, state.RefusedAttempts);   // every refusal applied, in order, before the approvals
        Assert.Equal(ApprovalProcess.MaxAuditedRefusalsPerCaller + 2, state.DecisionIds.Count);
        Assert.Equal(ApprovalProcess.MaxAuditedRefusalsPerCaller, Audit.TypesOf(input.ActionId).Count(t => t == AuditRecordTypes.DecisionRejected));
        Assert.Single(App.Releases.Of(input.ActionId));
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_StateTooLargeForTheCustomStatus_KeptInTheStoreAndTheProcessGoesOn()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("ops.crowd")); // 201 approvers
        ProcessState pending = await App.WaitForPendingAsync(input.ActionId);

        OrchestrationMetadata waiting = (await App.Client.GetInstanceAsync(input.ActionId, getInputsAndOutputs: true))!;
        Assert.True(waiting.SerializedCustomStatus!.Length <= StatusSnapshot.MaxChars, $"{waiting.SerializedCustomStatus.Length} chars");
        Assert.True(waiting.ReadCustomStatusAs<StatusSnapshot>()! is { State: null, Stored: true });
        Assert.Equal(201, pending.Approvers!.Requirements[0].People.Count);

        await App.DecideAsync(input, Dan, ApprovalChoice.Approve);
        OrchestrationMetadata done = await App.CompletionAsync(input.ActionId);
        Assert.Equal("released", done.ReadOutputAs<string>());
        Assert.Equal(ProcessStatus.Completed, DurableApp.FinalState(done).Status);
        Assert.True(done.SerializedCustomStatus!.Length <= StatusSnapshot.MaxChars);
    }

    [Fact]
    public async Task Run_UnreadableEvent_IgnoredAndTheActionStillDecidable()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("db.write.rows"));
        await App.WaitForPendingAsync(input.ActionId);

        await App.Client.RaiseEventAsync(input.ActionId, ApprovalOrchestrator.EventName, "{not json");
        await App.RaiseAsync(input.ActionId, new TimerFired(DateTimeOffset.UtcNow)); // not an event anyone may raise
        await App.DecideAsync(input, Dan, ApprovalChoice.Approve);

        Assert.Equal("released", (await App.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        await AssertTrailVerifiesAsync();
    }

    [Fact]
    public async Task Run_ThirtyDayApproval_WaitsOnALongDurableTimerAndStillTakesTheDecision()
    {
        ApprovalInput input = await App.SubmitAsync(TestPolicies.Action("ops.month"));

        ProcessState pending = await App.WaitForPendingAsync(input.ActionId);
        Assert.InRange(pending.Deadline!.Value - pending.ReceivedAt, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
        await Task.Delay(300);
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await App.Client.GetInstanceAsync(input.ActionId))!.RuntimeStatus);

        await App.DecideAsync(input, Dora, ApprovalChoice.Approve);
        Assert.Equal("released", (await App.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
    }

    private InMemoryAuditStore Audit => (InMemoryAuditStore)App.Audit;

    private ReceiptVerifier Verifier() => new(new ReceiptVerifierOptions
    {
        Issuer = DurableApp.BaseUrl.ToString().TrimEnd('/'),
        Audience = "approvals-executor",
        SigningKeys = [new ECDsaSecurityKey(System.Security.Cryptography.ECDsa.Create(App.Key.ExportParameters(false))) { KeyId = "k1" }],
    });

    /// <summary>Every finished action's chain verifies with Core's verifier (instances still running are left out).</summary>
    private async Task AssertTrailVerifiesAsync()
    {
        IReadOnlyList<AuditFile> files = await App.Audit.FilesAsync();
        var finished = files.Select(f => AuditRecord.Parse(f.Content.ToArray())).Where(r => r.Type == AuditRecordTypes.Completed).Select(r => r.ActionId).ToHashSet();
        AuditVerificationReport report = AuditVerifier.Verify(files.Where(f => finished.Contains(AuditRecord.Parse(f.Content.ToArray()).ActionId)));
        Assert.True(report.Ok, string.Join("; ", report.Problems));
    }
}

/// <summary>One engine for a test class (instances are independent by id).</summary>
public sealed class DurableAppFixture : IAsyncLifetime
{
    internal DurableApp App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await DurableApp.StartAsync();

    public async Task DisposeAsync() => await App.DisposeAsync();
}
