using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Tests.Support;
using Xunit.Abstractions;

namespace ApprovalFunctions.Core.Tests.Process;

/// <summary>Random event sequences against the invariants that matter.</summary>
public class ProcessPropertyTests(ITestOutputHelper output)
{
    private const int Runs = 400;

    private static readonly string[] Actions =
    [
        """{"type":"crm.read","summary":"Read","data":{"sourceRegion":"westeurope"}}""",
        """{"type":"db.delete","summary":"Drop","data":{"sourceRegion":"westeurope"}}""",
        """{"type":"db.write.rows","summary":"Fix","requester":{"id":"requester-rita"},"target":{"environment":"production"},"data":{"sourceRegion":"westeurope"}}""",
        """{"type":"ticket.close","summary":"Close","requester":{"id":"owner-bob"},"data":{"sourceRegion":"westeurope"}}""",
    ];

    private static readonly string[] People = ["owner-ann", "owner-bob", "requester-rita", "owner-olga", "dba-dan", "dba-dora", "sec-sam", "sec-sue", "agent-etl", "stranger"];

    private const string Policy = """
        policy: random
        defaults: { effect: requireApproval, approval: { approvers: ["group:security-oncall", "group:dba"], minApprovals: 2, timeout: PT2H, remindAfter: PT20M, onTimeout: approve } }
        rules:
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - { id: deletes, if: { field: action.type, like: "*.delete" }, then: { effect: deny } }
          - id: prod
            if: { field: target.environment, equals: production }
            then:
              effect: requireApproval
              approval: { approvers: ["group:prod-owners"], minApprovals: 2, timeout: PT1H, remindAfter: PT15M, escalateAfter: PT30M, escalateTo: ["group:security-oncall"], extendBy: PT30M, onTimeout: reject }
          - id: dba
            if: { field: target.environment, equals: production }
            then: { effect: requireApproval, approval: { approvers: ["group:dba"], minApprovals: 1, timeout: PT3H } }
        """;

    [Fact]
    public void RandomSequences_HoldEveryInvariant()
    {
        var outcomes = new Dictionary<ProcessOutcome, int>();
        int events = 0;
        for (int run = 0; run < Runs; run++)
        {
            var random = new Random(run);
            var h = new ProcessHarness(Policy, actionJson: Actions[random.Next(Actions.Length)]);
            int releases = 0;
            for (int guard = 0; guard < 200 && !h.Process.IsFinished; guard++)
            {
                ProcessStep step = h.Process.Next();
                ProcessEvent? e = Choose(step, h, random);
                if (e is null)
                {
                    continue;
                }

                string before = CoreJson.Serialize(h.Process.State);
                try
                {
                    h.Apply(e);
                }
                catch (ProcessTransitionException)
                {
                    // Refused events must leave the process exactly as it was.
                    Assert.Equal(before, CoreJson.Serialize(h.Process.State));
                    continue;
                }

                if (e is Released)
                {
                    releases++;
                    // Invariant: never released without every requirement met (or policy allow / approve-on-timeout).
                    ReleaseBasis basis = h.Process.State.Basis!.Value;
                    Assert.True(
                        basis == ReleaseBasis.Allowed && h.Process.State.Decision!.Effect == PolicyEffect.Allow
                        || basis == ReleaseBasis.Approved && h.Process.Tally().Complete
                        || basis == ReleaseBasis.ApprovedOnTimeout && h.Process.State.Decision!.Approval!.OnTimeout == TimeoutOutcome.Approve,
                        $"run {run}: released on basis {basis} with tally {CoreJson.Serialize(h.Process.State)}");
                }

                if (step is WriteAuditStep write)
                {
                    h.Written.Add(write.Record);
                }

            }

            Assert.True(h.Process.IsFinished, $"run {run} did not finish");
            Assert.True(releases <= 1, $"run {run} released {releases} times");
            ProcessOutcome outcome = h.Process.State.Outcome!.Value;
            Assert.Equal(outcome == ProcessOutcome.Released, releases == 1);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            events += h.Events.Count;

            // Replay: the same events from the same start give the same states.
            var replay = new ProcessHarness(Policy, actionJson: h.Action.Document.GetRawText());
            foreach (ProcessEvent e in h.Events)
            {
                replay.Apply(e);
            }

            Assert.Equal(h.States, replay.States);

            // The written trail always verifies, with the process's own head.
            var heads = new Dictionary<string, AuditHead> { ["act-1"] = new(h.Process.State.NextSequence - 1, h.Process.State.LastHash!) };
            AuditVerificationReport report = AuditVerifier.Verify(Files(h.Written), heads);
            Assert.True(report.Ok, $"run {run}: {string.Join("; ", report.Problems)}");
        }

        output.WriteLine($"{Runs} runs, {events} events; outcomes: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
        Assert.True(outcomes.Count >= 5, "the generator should reach most outcomes");
    }

    [Fact]
    public void Tampering_AnySingleByteChangeDeletionOrSwap_IsDetected()
    {
        int checks = 0;
        for (int run = 0; run < 60; run++)
        {
            var random = new Random(1000 + run);
            var h = new ProcessHarness(Policy, actionJson: Actions[2]);
            while (!h.Process.IsFinished)
            {
                ProcessStep step = h.Process.Next();
                ProcessEvent? e = Choose(step, h, random);
                if (e is null)
                {
                    continue;
                }

                try
                {
                    h.Apply(e);
                }
                catch (ProcessTransitionException)
                {
                    continue;
                }

                if (step is WriteAuditStep write)
                {
                    h.Written.Add(write.Record);
                }
            }

            var heads = new Dictionary<string, AuditHead> { ["act-1"] = new(h.Process.State.NextSequence - 1, h.Process.State.LastHash!) };
            List<AuditFile> files = Files(h.Written);
            Assert.True(AuditVerifier.Verify(files, heads).Ok);

            // A single changed byte anywhere in any record.
            for (int k = 0; k < 25; k++)
            {
                int f = random.Next(files.Count);
                byte[] bytes = files[f].Content.ToArray();
                int at = random.Next(bytes.Length);
                bytes[at] = (byte)(bytes[at] ^ (1 << random.Next(8)));
                var tampered = files.ToList();
                tampered[f] = files[f] with { Content = bytes };
                Assert.False(AuditVerifier.Verify(tampered, heads).Ok, $"run {run}: flipping byte {at} of {files[f].Key} went unnoticed");
                checks++;
            }

            // Deleting any one record.
            for (int f = 0; f < files.Count; f++)
            {
                Assert.False(AuditVerifier.Verify(files.Where((_, i) => i != f), heads).Ok, $"run {run}: deleting {files[f].Key} went unnoticed");
                checks++;
            }

            // Swapping the contents of any two records (keys stay).
            for (int k = 0; k < 10; k++)
            {
                int a = random.Next(files.Count), b = random.Next(files.Count);
                if (a == b)
                {
                    continue;
                }

                var swapped = files.ToList();
                swapped[a] = files[a] with { Content = files[b].Content };
                swapped[b] = files[b] with { Content = files[a].Content };
                Assert.False(AuditVerifier.Verify(swapped, heads).Ok, $"run {run}: swapping {files[a].Key} and {files[b].Key} went unnoticed");
                checks++;
            }
        }

        output.WriteLine($"{checks} tamperings, all detected");
    }

    private static List<AuditFile> Files(List<AuditRecord> records) =>
        records.Select(r => new AuditFile(AuditKeys.For(ProcessHarness.T0, r.ActionId, r.Sequence, r.Type), r.ToCanonicalJson())).ToList();

    /// <summary>A host that mostly does the right thing and sometimes does something random or wrong.</summary>
    private static ProcessEvent? Choose(ProcessStep step, ProcessHarness h, Random random)
    {
        h.Now = h.Now.AddMinutes(random.Next(0, 4));
        if (random.Next(12) == 0)
        {
            return Junk(h, random);
        }

        switch (step)
        {
            case WriteAuditStep write:
                return new AuditWritten(write.Record.Sequence, h.Now);
            case EvaluatePolicyStep:
            case ResolveApproversStep:
            case NotifyApproversStep:
                h.Run(s => s is WriteAuditStep || s is AwaitDecisionStep || s is ReleaseStep || s is FinishStep);
                return null;
            case AwaitDecisionStep wait:
                switch (random.Next(10))
                {
                    case 0:
                        h.Now = wait.Until;
                        return new TimerFired(h.Now);
                    case 1:
                        return new CancelRequested(random.Next(3) == 0 ? "agent-other" : "agent-etl", "random", h.Now);
                    default:
                        string who = People[random.Next(People.Length)];
                        ApprovalChoice choice = random.Next(8) == 0 ? ApprovalChoice.Reject : ApprovalChoice.Approve;
                        string? digest = random.Next(15) == 0 ? "sha256:" + new string('f', 64) : null;
                        string? id = random.Next(10) == 0 && h.Process.State.DecisionIds.Count > 0 ? h.Process.State.DecisionIds[0] : null;
                        return h.Decision(who, choice, digest, id);
                }

            case ReleaseStep:
                return random.Next(6) switch
                {
                    0 => new ReleaseFailed("transient", false, h.Now),
                    1 when random.Next(3) == 0 => new ReleaseFailed("permanent", true, h.Now),
                    _ => new Released($"rcpt-{random.Next()}", h.Now.AddMinutes(15), "sha256:r", h.Now),
                };
            default:
                return null;
        }
    }

    private static ProcessEvent Junk(ProcessHarness h, Random random) => random.Next(6) switch
    {
        0 => new AuditWritten(random.Next(1, 30), h.Now),
        1 => new TimerFired(h.Now),
        2 => new Released("junk", h.Now, "sha256:j", h.Now),
        3 => new ApproversNotified(random.Next(1, 5), [], h.Now),
        4 => h.Decision(People[random.Next(People.Length)]),
        _ => new CancelRequested("agent-etl", null, h.Now),
    };
}
