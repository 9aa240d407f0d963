using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using static ApprovalFunctions.FunctionApp.Tests.Support.TestDirectory;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

/// <summary>The real engine writing the trail through the real Blob store into Azurite: what lands there verifies.</summary>
public sealed class BlobAuditOrchestrationTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task Run_ApprovedAndDeniedActions_TrailsInBlobStorageVerify()
    {
        var audit = new AzuriteAuditStore(await azurite.NewContainerAsync("audit"));
        await using DurableApp app = await DurableApp.StartAsync(audit: audit);

        ApprovalInput approved = await app.SubmitAsync(TestPolicies.Action("db.write.rows"));
        ApprovalInput denied = await app.SubmitAsync(TestPolicies.Action("db.delete"));
        await app.WaitForPendingAsync(approved.ActionId);
        await app.DecideAsync(approved, Dan, ApprovalChoice.Approve);
        await app.CompletionAsync(approved.ActionId);
        await app.CompletionAsync(denied.ActionId);

        IReadOnlyList<AuditFile> files = await audit.FilesAsync();
        AuditVerificationReport report = AuditVerifier.Verify(files);
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal(2, report.Actions.Count);
        IReadOnlyList<AuditRecord> trail = await audit.ReadActionAsync("westeurope", approved.ReceivedAt, approved.ActionId, CancellationToken.None);
        Assert.Equal(["received", "evaluated", "approvers-resolved", "notified", "decision", "released", "completed"], trail.Select(r => r.Type));
    }
}
