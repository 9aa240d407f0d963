using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Policy.Source;
using ApprovalFunctions.Core.Policy.Testing;
using Xunit.Abstractions;

namespace ApprovalFunctions.Core.Tests.Policy;

/// <summary>Runs Corpus/policy-cases.yaml: the language's semantics as data, one test per group.</summary>
public class PolicyCorpusTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<CorpusGroup>> Groups = new(LoadCorpus);

    public static TheoryData<string> GroupNames()
    {
        var data = new TheoryData<string>();
        foreach (CorpusGroup group in Groups.Value)
        {
            data.Add(group.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GroupNames))]
    public void Corpus_Group_EveryCaseHoldsItsExpectation(string name)
    {
        CorpusGroup group = Groups.Value.Single(g => g.Name == name);
        PolicySet set = PolicySet.Load(group.Files);

        PolicyTestRun run = PolicyTestRunner.Run(set, [group.Tests]);

        foreach (PolicyTestResult failure in run.Results.Where(r => !r.Passed))
        {
            output.WriteLine($"{failure.Name}: {string.Join(" / ", failure.Failures)}");
        }

        Assert.Equal(group.CaseCount, run.Results.Count);
        Assert.Equal(0, run.Failed);
    }

    [Fact]
    public void Corpus_Size_CoversAtLeast150Cases()
    {
        int total = Groups.Value.Sum(g => g.CaseCount);
        output.WriteLine($"{Groups.Value.Count} groups, {total} cases");

        Assert.True(total >= 150, $"the corpus has {total} cases");
    }

    internal sealed record CorpusGroup(string Name, IReadOnlyList<PolicySource> Files, PolicySource Tests, int CaseCount);

    private static IReadOnlyList<CorpusGroup> LoadCorpus()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Corpus", "policy-cases.yaml");
        var diagnostics = new List<PolicyDiagnostic>();
        var root = (MapNode)SourceReader.Read(path, File.ReadAllText(path), diagnostics)!;
        Assert.Empty(diagnostics);

        var groups = new List<CorpusGroup>();
        foreach (SourceNode node in ((SeqNode)root["groups"]!).Items)
        {
            var group = (MapNode)node;
            string name = ((ScalarNode)group["name"]!).Text;
            var files = new List<(string Name, JsonObject Content)>();
            if (group["files"] is MapNode many)
            {
                files.AddRange(many.Entries.Select(e => (e.Key.Text, (JsonObject)e.Value.ToJson()!)));
            }
            else
            {
                files.Add(($"{name}.yaml", (JsonObject)group["policy"]!.ToJson()!));
            }

            foreach ((_, JsonObject content) in files)
            {
                content["policy"] ??= name;
            }

            if (!files.Any(f => f.Content.ContainsKey("defaults")))
            {
                files[0].Content["defaults"] = new JsonObject
                {
                    ["effect"] = "requireApproval",
                    ["approval"] = new JsonObject { ["approvers"] = new JsonArray("group:default-approvers") },
                };
            }

            var cases = (SeqNode)group["cases"]!;
            var tests = new JsonObject { ["cases"] = cases.ToJson() };
            groups.Add(new CorpusGroup(
                name,
                files.Select(f => new PolicySource($"{name}/{Path.ChangeExtension(f.Name, ".json")}", f.Content.ToJsonString())).ToList(),
                new PolicySource($"{name}/cases.tests.json", tests.ToJsonString()),
                cases.Items.Count));
        }

        return groups;
    }
}
