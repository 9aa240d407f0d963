using System.Text;
using System.Text.Json;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;

namespace ApprovalFunctions.Core.Tests.Audit;

public class AuditTests
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static List<AuditFile> FinishedTrail(out ProcessHarness h)
    {
        h = new ProcessHarness(ProcessHarness.Policies);
        h.Run();
        h.Decide("owner-ann");
        h.Decide("dba-dan");
        h.Release();
        return h.Written.Select(r => new AuditFile(AuditKeys.For(ProcessHarness.T0, r.ActionId, r.Sequence, r.Type), r.ToCanonicalJson())).ToList();
    }

    [Fact]
    public void Key_IsDatedByTheActionAndNumberedBySequence()
    {
        Assert.Equal("2026/11/21/act-1/000007-decision.json", AuditKeys.For(ProcessHarness.T0, "act-1", 7, "decision"));
        Assert.True(AuditKeys.TryParse("2026/11/21/act-1/000007-decision-rejected.json", out string id, out long seq, out string type));
        Assert.Equal(("act-1", 7L, "decision-rejected"), (id, seq, type));
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("x y")]
    public void Key_UnsafeActionIds_AreRefused(string actionId) =>
        Assert.Throws<ArgumentException>(() => AuditKeys.For(ProcessHarness.T0, actionId, 1, "received"));

    [Fact]
    public void Record_IsStoredCanonicallyAndHashesWithoutItsHash()
    {
        var h = new ProcessHarness(ProcessHarness.Policies);
        AuditRecord record = ((WriteAuditStep)h.Step).Record;

        byte[] json = record.ToCanonicalJson();
        AuditRecord parsed = AuditRecord.Parse(json);

        Assert.Equal(json, parsed.ToCanonicalJson());
        Assert.Equal(record.Hash, parsed.ComputeHash());
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal(["actionDigest", "actionId", "content", "hash", "policyHash", "prev", "region", "schema", "seq", "status", "time", "type"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2026-11-21T10:00:00.0000000Z", doc.RootElement.GetProperty("time").GetString());
        Assert.Equal("westeurope", doc.RootElement.GetProperty("region").GetString());
    }

    [Fact]
    public void Verify_IntactTrailOfManyActions_IsOk()
    {
        List<AuditFile> a = FinishedTrail(out _);
        var other = new ProcessHarness(ProcessHarness.Policies, actionJson: """{"type":"db.delete","summary":"x","data":{"sourceRegion":"westeurope"}}""");
        other.Run();
        IEnumerable<AuditFile> b = Chain(other.Written, "act-2");

        AuditVerificationReport report = AuditVerifier.Verify(a.Concat(b).Reverse());

        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal(["act-1", "act-2"], report.Actions.Select(x => x.ActionId));
        Assert.All(report.Actions, x => Assert.True(x.Finished));
    }

    [Fact]
    public void Verify_DeletedRecord_IsAGap()
    {
        List<AuditFile> files = FinishedTrail(out _);
        files.RemoveAt(4);

        AuditProblem problem = Assert.Single(AuditVerifier.Verify(files).Problems);

        Assert.Equal(AuditProblemKind.Gap, problem.Kind);
        Assert.Equal(5, problem.Sequence);
    }

    [Fact]
    public void Verify_EditedContentWithRecomputedFormatting_IsAHashMismatch()
    {
        List<AuditFile> files = FinishedTrail(out _);
        string json = Encoding.UTF8.GetString(files[1].Content.Span).Replace("\"evaluated\"", "\"evaluatex\"", StringComparison.Ordinal);
        files[1] = files[1] with { Content = Encoding.UTF8.GetBytes(json) };

        AuditVerificationReport report = AuditVerifier.Verify(files);

        Assert.Contains(report.Problems, p => p.Kind == AuditProblemKind.HashMismatch && p.Sequence == 2);
    }

    [Fact]
    public void Verify_ReformattedFile_IsNotCanonical()
    {
        List<AuditFile> files = FinishedTrail(out _);
        using JsonDocument doc = JsonDocument.Parse(files[0].Content);
        files[0] = files[0] with { Content = JsonSerializer.SerializeToUtf8Bytes(doc.RootElement, Indented) };

        AuditProblem problem = Assert.Single(AuditVerifier.Verify(files).Problems);

        Assert.Equal(AuditProblemKind.NotCanonical, problem.Kind);
    }

    [Fact]
    public void Verify_SwappedRecords_AreReportedAsMisplacedAndBroken()
    {
        List<AuditFile> files = FinishedTrail(out _);
        (files[2], files[3]) = (files[2] with { Content = files[3].Content }, files[3] with { Content = files[2].Content });

        AuditVerificationReport report = AuditVerifier.Verify(files);

        Assert.Contains(report.Problems, p => p.Kind == AuditProblemKind.KeyMismatch);
    }

    [Fact]
    public void Verify_RecordsReorderedByRenumbering_BreakTheChain()
    {
        List<AuditFile> files = FinishedTrail(out _);
        AuditRecord third = AuditRecord.Parse(files[2].Content.Span);
        AuditRecord fourth = AuditRecord.Parse(files[3].Content.Span);
        // Re-create both records with swapped sequence numbers but their original links, as an attacker with write access could.
        AuditRecord newThird = AuditRecord.Create(fourth.ActionId, 3, fourth.Type, fourth.Time, fourth.Status, fourth.Region, fourth.ActionDigest, fourth.PolicyHash, fourth.Content, fourth.PreviousHash);
        AuditRecord newFourth = AuditRecord.Create(third.ActionId, 4, third.Type, third.Time, third.Status, third.Region, third.ActionDigest, third.PolicyHash, third.Content, third.PreviousHash);
        files[2] = new AuditFile(AuditKeys.For(ProcessHarness.T0, "act-1", 3, newThird.Type), newThird.ToCanonicalJson());
        files[3] = new AuditFile(AuditKeys.For(ProcessHarness.T0, "act-1", 4, newFourth.Type), newFourth.ToCanonicalJson());

        AuditVerificationReport report = AuditVerifier.Verify(files);

        Assert.Contains(report.Problems, p => p.Kind == AuditProblemKind.BrokenChain);
    }

    [Fact]
    public void Verify_DuplicateSequence_IsReported()
    {
        List<AuditFile> files = FinishedTrail(out _);
        files.Add(files[3] with { Key = files[3].Key.Replace(".json", "-copy.json", StringComparison.Ordinal) });

        Assert.Contains(AuditVerifier.Verify(files).Problems, p => p.Kind == AuditProblemKind.Duplicate);
    }

    [Fact]
    public void Verify_FinishedActionWithoutItsCompletedRecord_IsMissingTheTerminal()
    {
        List<AuditFile> files = FinishedTrail(out _);
        files.RemoveAt(files.Count - 1);

        AuditProblem problem = Assert.Single(AuditVerifier.Verify(files).Problems);

        Assert.Equal(AuditProblemKind.MissingTerminal, problem.Kind);
    }

    [Fact]
    public void Verify_TruncatedAgainstTheHostsHead_IsReported()
    {
        List<AuditFile> files = FinishedTrail(out ProcessHarness h);
        var heads = new Dictionary<string, AuditHead> { ["act-1"] = new(h.Process.State.NextSequence - 1, h.Process.State.LastHash!) };
        files.RemoveRange(files.Count - 2, 2);

        Assert.Contains(AuditVerifier.Verify(files, heads).Problems, p => p.Kind == AuditProblemKind.Truncated);
    }

    [Fact]
    public void Verify_GarbageFile_IsUnreadableAndAttributedByItsKey()
    {
        List<AuditFile> files = FinishedTrail(out _);
        files[2] = files[2] with { Content = "not json"u8.ToArray() };

        AuditVerificationReport report = AuditVerifier.Verify(files);

        Assert.Contains(report.Problems, p => p.Kind == AuditProblemKind.Unreadable && p.ActionId == "act-1");
        Assert.Contains(report.Problems, p => p.Kind == AuditProblemKind.Gap);
    }

    /// <summary>The same records re-chained under another action id.</summary>
    private static IEnumerable<AuditFile> Chain(List<AuditRecord> records, string actionId)
    {
        string? previous = null;
        foreach (AuditRecord r in records)
        {
            AuditRecord copy = AuditRecord.Create(actionId, r.Sequence, r.Type, r.Time, r.Status, r.Region, r.ActionDigest, r.PolicyHash, r.Content, previous);
            previous = copy.Hash;
            yield return new AuditFile(AuditKeys.For(ProcessHarness.T0, actionId, r.Sequence, r.Type), copy.ToCanonicalJson());
        }
    }
}
