using System.Globalization;
using System.Text;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using BenchmarkDotNet.Attributes;

namespace ApprovalFunctions.Benchmarks;

/// <summary>
/// Masking throughput over realistic action JSON: an export of customer rows (names, e-mails, phones, amounts,
/// regions, free-text notes with the odd card number or secret) plus policy mask paths. Throughput = input bytes / mean.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MaskingBenchmarks
{
    private Masker _masker = null!;
    private ActionRequest _action = null!;
    private PolicyDecision _decision = null!;

    [Params(4, 64, 256)]
    public int KiB { get; set; }

    public int Bytes { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        string json = RealisticAction.Json(KiB * 1024);
        Bytes = Encoding.UTF8.GetByteCount(json);
        _action = ActionParser.Parse(json, new ActionLimits { MaxBytes = 1024 * 1024 }).Action!;
        PolicySet set = PolicySet.Load([new PolicySource("p.yaml", """
            policy: p
            defaults: { effect: requireApproval, approval: { approvers: ["group:g"] }, mask: [parameters.connectionString] }
            rules:
              - { id: rows, if: { field: action.type, equals: data.export }, then: { effect: requireApproval, mask: ["parameters.rows[*].ssn", "parameters.*.apiKey"] } }
            """)]);
        _decision = set.Evaluate(new PolicyInput(_action, new AgentIdentity("etl-bot"), DateTimeOffset.UnixEpoch));
        _masker = new Masker(new MaskingOptions { Classifications = { ["pii"] = ["parameters.rows[*].dateOfBirth"] } });
        Console.WriteLine($"// action JSON: {Bytes} bytes");
    }

    [Benchmark]
    public ReviewerView Mask() => _masker.Mask(_action, _decision);
}

/// <summary>Generates realistic action bodies of about a given size.</summary>
public static class RealisticAction
{
    private static readonly string[] First = ["Dana", "Sam", "Priya", "Jonas", "Maria", "Kenji", "Amara", "Lucas", "Fatima", "Oliver"];
    private static readonly string[] Last = ["Smith", "Garcia", "Raman", "Berg", "Silva", "Tanaka", "Okafor", "Martin", "Haddad", "Brown"];
    private static readonly string[] Regions = ["westeurope", "northeurope", "eastus", "uksouth", "swedencentral"];
    private static readonly string[] Notes =
    [
        "Customer asked for a refund after the duplicate charge on 2026-11-02.",
        "Prefers contact by e-mail; do not call before 09:00.",
        "VIP account, renewal due in Q1 2027, see ticket CHG0031337.",
        "Paid with card 4242 4242 4242 4242, receipt sent.",
        "Moved from the legacy CRM (id 88123), addresses verified.",
        "Disputed invoice INV-00012345678, resolved by support.",
    ];

    public static string Json(int targetBytes)
    {
        var sb = new StringBuilder();
        sb.Append("""
            {"type":"data.export","summary":"Export the customers table to the backup region for the nightly ETL run",
             "intent":"nightly backup requested by the data platform team (owner dana.smith@contoso.com)",
             "requester":{"id":"00000000-0000-0000-0000-0000000000d1","displayName":"Dana Smith"},
             "target":{"resource":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/custdata","environment":"production"},
             "data":{"classification":["pii","internal"],"sourceRegion":"westeurope","destinationRegion":"northeurope","recordCount":120000},
             "parameters":{"table":"customers","format":"parquet","connectionString":"DefaultEndpointsProtocol=https;AccountName=custdata;EndpointSuffix=core.windows.net",
              "destination":{"container":"backups","apiKey":"not-shown"},"rows":[
            """);
        var random = new Random(7);
        int row = 0;
        while (sb.Length < targetBytes - 300)
        {
            string first = First[random.Next(First.Length)], last = Last[random.Next(Last.Length)];
            if (row > 0)
            {
                sb.Append(',');
            }

            sb.Append(CultureInfo.InvariantCulture, $$"""
                {"id":{{100000 + row}},"name":"{{first}} {{last}}","email":"{{first.ToLowerInvariant()}}.{{last.ToLowerInvariant()}}{{row}}@example.com",
                 "phone":"+44 20 7946 {{1000 + random.Next(8999)}}","region":"{{Regions[random.Next(Regions.Length)]}}","balance":{{random.Next(100000) / 100.0}},
                 "dateOfBirth":"19{{50 + random.Next(50)}}-0{{1 + random.Next(9)}}-1{{random.Next(10)}}","ssn":"not-for-approvers",
                 "notes":"{{Notes[random.Next(Notes.Length)]}}","tags":["customer","tier-{{1 + random.Next(3)}}"]}
                """);
            row++;
        }

        sb.Append("]}}");
        return sb.ToString();
    }
}
