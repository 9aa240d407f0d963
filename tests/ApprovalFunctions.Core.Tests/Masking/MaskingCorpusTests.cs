using System.Globalization;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Masking.Detectors;
using Xunit.Abstractions;

namespace ApprovalFunctions.Core.Tests.Masking;

/// <summary>Recall and false-positive rate of the detectors over a labelled corpus (Corpus/masking-corpus.tsv).</summary>
public class MaskingCorpusTests(ITestOutputHelper output)
{
    private sealed record Labelled(int Line, string[] Kinds, string Text);

    private static List<Labelled> Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Corpus", "masking-corpus.tsv");
        var items = new List<Labelled>();
        string[] lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i][0] == '#')
            {
                continue;
            }

            string[] parts = lines[i].Split('\t', 2);
            string[] kinds = parts[0] == "-" ? [] : parts[0].Split(',');
            items.Add(new Labelled(i + 1, kinds, parts[1].Replace("\\n", "\n", StringComparison.Ordinal)));
        }

        return items;
    }

    [Fact]
    public void Detectors_LabelledCorpus_RecallAtLeast99PercentAndFalsePositivesAtMost2Percent()
    {
        List<Labelled> corpus = Load();
        List<Labelled> positives = corpus.Where(c => c.Kinds.Length > 0).ToList();
        List<Labelled> negatives = corpus.Where(c => c.Kinds.Length == 0).ToList();

        int found = 0;
        foreach (Labelled positive in positives)
        {
            HashSet<string> kinds = (TextScanner.Default.Find(positive.Text) ?? []).Select(f => f.Kind).ToHashSet();
            if (positive.Kinds.All(kinds.Contains))
            {
                found++;
            }
            else
            {
                output.WriteLine($"missed  line {positive.Line}: expected {string.Join(",", positive.Kinds)}, found {string.Join(",", kinds)}: {positive.Text}");
            }
        }

        int falsePositives = 0;
        foreach (Labelled negative in negatives)
        {
            List<Finding>? findings = TextScanner.Default.Find(negative.Text);
            if (findings is not null)
            {
                falsePositives++;
                output.WriteLine($"false + line {negative.Line}: {string.Join(",", findings.Select(f => f.Kind))}: {negative.Text}");
            }
        }

        double recall = (double)found / positives.Count;
        double falsePositiveRate = (double)falsePositives / negatives.Count;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{corpus.Count} strings: recall {recall:P2} ({found}/{positives.Count}), false positives {falsePositiveRate:P2} ({falsePositives}/{negatives.Count})"));

        Assert.True(corpus.Count >= 300, $"the corpus has {corpus.Count} strings");
        Assert.True(recall >= 0.99, $"recall {recall:P2}");
        Assert.True(falsePositiveRate <= 0.02, $"false-positive rate {falsePositiveRate:P2}");
    }

    [Fact]
    public void Detectors_Corpus_CoversEveryDetectorKind()
    {
        HashSet<string> labelled = Load().SelectMany(c => c.Kinds).ToHashSet();
        string[] expected =
        [
            MaskKinds.Email, MaskKinds.Phone, MaskKinds.PaymentCard, MaskKinds.Iban, MaskKinds.UsSsn, MaskKinds.IPv4, MaskKinds.IPv6,
            MaskKinds.Jwt, MaskKinds.BearerToken, MaskKinds.AzureStorageKey, MaskKinds.AzureConnectionSecret, MaskKinds.AzureSasSignature,
            MaskKinds.AwsAccessKeyId, MaskKinds.AwsSecretKey, MaskKinds.PrivateKey, MaskKinds.UrlCredentials, MaskKinds.SecretAssignment,
        ];

        Assert.Empty(expected.Except(labelled));
    }
}
