using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using Xunit.Abstractions;

namespace ApprovalFunctions.Core.Tests.Masking;

public class MaskerTests(ITestOutputHelper output)
{
    private static readonly ActionLimits Large = new() { MaxBytes = 8 * 1024 * 1024 };

    private static ActionRequest Action(string json) => ActionParser.Parse(json, Large).Action ?? throw new InvalidOperationException(ActionParser.Parse(json, Large).Problem!.Detail);

    private static ActionRequest Action(JsonObject parameters, string summary = "s", string[]? classification = null)
    {
        var doc = new JsonObject { ["type"] = "x", ["summary"] = summary, ["parameters"] = parameters };
        if (classification is not null)
        {
            doc["data"] = new JsonObject { ["classification"] = new JsonArray(classification.Select(c => (JsonNode)c!).ToArray()) };
        }

        return Action(doc.ToJsonString());
    }

    private static PolicyDecision DecisionMasking(params string[] paths)
    {
        string rules = string.Join("\n", paths.Select((p, i) => $"  - {{ id: r{i}, if: {{ field: action.type, exists: true }}, then: {{ effect: allow, mask: [\"{p}\"] }} }}"));
        PolicySet set = PolicySet.Load([new PolicySource("p.yaml", "policy: p\ndefaults: { effect: allow }\nrules:\n" + rules + "\n")]);
        return set.Evaluate(new PolicyInput(Action("""{"type":"x","summary":"s"}"""), new AgentIdentity("a"), DateTimeOffset.UnixEpoch));
    }

    [Theory]
    [InlineData("mail dana.smith@contoso.com now", "mail d***@contoso.com now")]
    [InlineData("card 4242 4242 4242 4242", "card **** 4242")]
    [InlineData("IBAN DE89 3704 0044 0532 0130 00.", "IBAN DE** **** 3000.")]
    [InlineData("call +44 20 7946 0958", "call +44 ********58")]
    [InlineData("call (415) 555-2671", "call ********71")]
    [InlineData("host 10.20.30.40:5432", "host 10.20.x.x:5432")]
    [InlineData("ssn 078-05-1120", "ssn ***-**-****")]
    [InlineData("v6 2001:db8:85a3::8a2e:370:7334", "v6 2001:db8:85a3::/48")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE", "key [aws-access-key-id]")]
    [InlineData("Authorization: Bearer abcDEF123456ghiJKL", "Authorization: Bearer [bearer-token]")]
    [InlineData("postgres://admin:s3cr3t@db:5432/x", "postgres://admin:[password]@db:5432/x")]
    [InlineData("password=letmein; user=dana", "password=[secret]; user=dana")]
    public void Mask_DetectedValues_KeepWhatTheDecisionNeeds(string text, string expected)
    {
        ReviewerView view = new Masker().Mask(Action(new JsonObject { ["note"] = text }), null);

        Assert.Equal(expected, view.Action.GetProperty("parameters").GetProperty("note").GetString());
    }

    [Fact]
    public void Mask_Summary_IsScannedAndStaysReadable()
    {
        ReviewerView view = new Masker().Mask(Action(new JsonObject(), summary: "Refund dana@contoso.com for order 8812"), null);

        Assert.Equal("Refund d***@contoso.com for order 8812", view.Summary);
        Assert.Contains(view.Masked, m => m.Path == "summary" && m.Kind == MaskKinds.Email && m.Source == "detector:email");
    }

    [Fact]
    public void Mask_FieldNamesCountsRegionsAndClassifications_StayReadable()
    {
        ActionRequest action = Action("""
            {"type":"data.export","summary":"Export customers","requester":{"id":"u-1","displayName":"Dana"},
             "target":{"resource":"/subscriptions/s/storageAccounts/custdata","environment":"production"},
             "data":{"classification":["pii","phi"],"sourceRegion":"westeurope","destinationRegion":"eastus","recordCount":120000},
             "parameters":{"table":"customers"}}
            """);

        ReviewerView view = new Masker().Mask(action, null);

        Assert.Empty(view.Masked);
        Assert.Equal("data.export", view.Type);
        Assert.Equal("Dana", view.RequesterDisplayName);
        Assert.Equal(["pii", "phi"], view.Classification);
        Assert.Equal("westeurope", view.SourceRegion);
        Assert.Equal("eastus", view.DestinationRegion);
        Assert.Equal(120000, view.RecordCount);
        Assert.Equal("production", view.Environment);
        Assert.Equal(action.Digest, view.ActionDigest);
    }

    [Fact]
    public void Mask_PolicyPath_HidesTheWholeValueAndNamesTheRule()
    {
        ActionRequest action = Action(new JsonObject { ["connectionString"] = "Server=x;Password=y", ["table"] = "t" });

        ReviewerView view = new Masker().Mask(action, DecisionMasking("parameters.connectionString"));

        Assert.Equal("[masked]", view.Action.GetProperty("parameters").GetProperty("connectionString").GetString());
        Assert.Equal("t", view.Action.GetProperty("parameters").GetProperty("table").GetString());
        Assert.Equal(new MaskedItem("parameters.connectionString", MaskKinds.Path, "rule:r0"), Assert.Single(view.Masked));
    }

    [Fact]
    public void Mask_PropertyWildcard_HidesTheNamedFieldUnderEveryProperty()
    {
        ActionRequest action = Action(new JsonObject
        {
            ["owner"] = new JsonObject { ["email"] = "owner@contoso.com", ["name"] = "Owner" },
            ["billing"] = new JsonObject { ["email"] = "billing@contoso.com" },
            ["email"] = "top-level stays scanned only",
        });

        ReviewerView view = new Masker().Mask(action, DecisionMasking("parameters.*.email"));

        JsonElement parameters = view.Action.GetProperty("parameters");
        Assert.Equal("[masked]", parameters.GetProperty("owner").GetProperty("email").GetString());
        Assert.Equal("Owner", parameters.GetProperty("owner").GetProperty("name").GetString());
        Assert.Equal("[masked]", parameters.GetProperty("billing").GetProperty("email").GetString());
        Assert.Equal("top-level stays scanned only", parameters.GetProperty("email").GetString());
        Assert.Equal(["parameters.owner.email", "parameters.billing.email"], view.Masked.Select(m => m.Path));
    }

    [Fact]
    public void Mask_ElementWildcardAndIndex_HideFieldsInArrays()
    {
        ActionRequest action = Action(new JsonObject
        {
            ["rows"] = new JsonArray(
                new JsonObject { ["ssn"] = "nothing-detectable-1", ["amount"] = 10 },
                new JsonObject { ["ssn"] = "nothing-detectable-2", ["amount"] = 20 }),
            ["items"] = new JsonArray("first", "second"),
        });

        ReviewerView view = new Masker().Mask(action, DecisionMasking("parameters.rows[*].ssn", "parameters.items[1]"));

        JsonElement rows = view.Action.GetProperty("parameters").GetProperty("rows");
        Assert.All(rows.EnumerateArray(), row => Assert.Equal("[masked]", row.GetProperty("ssn").GetString()));
        Assert.Equal(20, rows[1].GetProperty("amount").GetInt32());
        Assert.Equal("first", view.Action.GetProperty("parameters").GetProperty("items")[0].GetString());
        Assert.Equal("[masked]", view.Action.GetProperty("parameters").GetProperty("items")[1].GetString());
        Assert.Equal(["parameters.rows[0].ssn", "parameters.rows[1].ssn", "parameters.items[1]"], view.Masked.Select(m => m.Path));
    }

    [Fact]
    public void Mask_PathNamesDifferingInCase_AreStillMasked()
    {
        ReviewerView view = new Masker().Mask(Action(new JsonObject { ["ConnectionString"] = "nope" }), DecisionMasking("parameters.connectionString"));

        Assert.Equal("[masked]", view.Action.GetProperty("parameters").GetProperty("ConnectionString").GetString());
    }

    [Fact]
    public void Mask_WholeObjectOrArray_KeepsItsSize()
    {
        ActionRequest action = Action(new JsonObject { ["rows"] = new JsonArray(1, 2, 3), ["config"] = new JsonObject { ["a"] = 1, ["b"] = 2 } });

        ReviewerView view = new Masker().Mask(action, DecisionMasking("parameters.rows", "parameters.config"));

        Assert.Equal("[masked: 3 item(s)]", view.Action.GetProperty("parameters").GetProperty("rows").GetString());
        Assert.Equal("[masked: object with 2 field(s)]", view.Action.GetProperty("parameters").GetProperty("config").GetString());
    }

    [Fact]
    public void Mask_ClassificationConfiguration_AddsPathsWhenTheLabelIsPresent()
    {
        var masker = new Masker(new MaskingOptions { Classifications = { ["PII"] = ["parameters.customer.name"] } });
        JsonObject parameters() => new() { ["customer"] = new JsonObject { ["name"] = "Dana Smith" } };

        ReviewerView pii = masker.Mask(Action(parameters(), classification: ["pii"]), null);
        ReviewerView internalOnly = masker.Mask(Action(parameters(), classification: ["internal"]), null);

        Assert.Equal("[masked]", pii.Action.GetProperty("parameters").GetProperty("customer").GetProperty("name").GetString());
        Assert.Equal("classification:pii", Assert.Single(pii.Masked).Source);
        Assert.Equal("Dana Smith", internalOnly.Action.GetProperty("parameters").GetProperty("customer").GetProperty("name").GetString());
    }

    [Fact]
    public void MaskingOptions_InvalidPath_IsRefusedAtStart()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Masker(new MaskingOptions { Classifications = { ["pii"] = ["secrets..x"] } }));

        Assert.Contains("Masking:Classifications:pii", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("clientSecret")]
    [InlineData("db_password")]
    [InlineData("apiKey")]
    [InlineData("X-Api-Key")]
    [InlineData("refresh_token")]
    [InlineData("storageAccountKey")]
    [InlineData("cvv")]
    public void Mask_SecretLikePropertyNames_HideTheirScalarValues(string name)
    {
        ReviewerView view = new Masker().Mask(Action(new JsonObject { [name] = "plain-looking-value", ["other"] = "plain-looking-value" }), null);

        Assert.Equal("[secret]", view.Action.GetProperty("parameters").GetProperty(name).GetString());
        Assert.Equal("plain-looking-value", view.Action.GetProperty("parameters").GetProperty("other").GetString());
        Assert.Equal(MaskKinds.SecretField, Assert.Single(view.Masked).Kind);
    }

    [Theory]
    [InlineData("idempotencyKey")]
    [InlineData("partitionKey")]
    [InlineData("tokenCount")]
    [InlineData("maxTokens")]
    public void Mask_OrdinaryPropertyNames_AreNotTreatedAsSecrets(string name)
    {
        ReviewerView view = new Masker().Mask(Action(new JsonObject { [name] = "visible" }), null);

        Assert.Equal("visible", view.Action.GetProperty("parameters").GetProperty(name).GetString());
    }

    [Fact]
    public void ToJson_NeverContainsAMaskedValue()
    {
        string[] secrets =
        [
            "dana.smith@contoso.com", "4111111111111111", "4111 1111 1111 1111", "DE89370400440532013000", "078-05-1120", "AKIAIOSFODNN7EXAMPLE",
            "s3cr3t-pass", "hunter2hunter2", "letmein", "Top$ecret", "10.20.30.40",
        ];
        ActionRequest action = Action(new JsonObject
        {
            ["contact"] = "dana.smith@contoso.com",
            ["cards"] = new JsonArray("4111111111111111", "4111 1111 1111 1111"),
            ["iban"] = "DE89370400440532013000",
            ["ssn"] = "SSN 078-05-1120",
            ["aws"] = "AKIAIOSFODNN7EXAMPLE",
            ["db"] = "postgres://u:s3cr3t-pass@db/x",
            ["password"] = "hunter2hunter2",
            ["note"] = "password=letmein",
            ["connectionString"] = "Top$ecret",
            ["host"] = "10.20.30.40",
        }, summary: "Refund dana.smith@contoso.com");

        string json = new Masker().Mask(action, DecisionMasking("parameters.connectionString"), new AgentIdentity("agent", "dana.smith@contoso.com")).ToJson();

        foreach (string secret in secrets)
        {
            Assert.DoesNotContain(secret, json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ReviewerView_CanOnlyBeMadeByTheMasker()
    {
        Type type = typeof(ReviewerView);

        Assert.True(type.IsSealed);
        Assert.Empty(type.GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        Assert.DoesNotContain(type.GetProperties(), p => p.SetMethod is { IsPublic: true });
        Assert.DoesNotContain(type.GetMethods(BindingFlags.Public | BindingFlags.Static), m => m.ReturnType == type);
        Assert.DoesNotContain(type.GetProperties(), p => p.PropertyType == typeof(ActionRequest));
    }

    [Theory]
    [InlineData("a@")]
    [InlineData("1-")]
    [InlineData("eyJ.")]
    [InlineData("-----BEGIN ")]
    [InlineData("password=")]
    [InlineData("://a:b")]
    [InlineData("+1 ")]
    [InlineData("1.")]
    [InlineData(":")]
    [InlineData("AKIA")]
    [InlineData("A")]
    [InlineData("4")]
    [InlineData("Bearer ")]
    [InlineData("sig=&")]
    [InlineData("DE89 ")]
    public async Task Mask_OneMegabyteAdversarialString_Terminates(string unit)
    {
        string text = string.Concat(Enumerable.Repeat(unit, 1_048_576 / unit.Length));
        ActionRequest action = Action(new JsonObject { ["blob"] = text });
        var masker = new Masker();

        var stopwatch = Stopwatch.StartNew();
        // A liveness guard, not a timing assertion: catastrophic backtracking would never finish.
        ReviewerView view = await Task.Run(() => masker.Mask(action, null)).WaitAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"{unit.Replace("\n", "\\n", StringComparison.Ordinal),-12} 1 MiB in {stopwatch.ElapsedMilliseconds} ms, {view.Masked.Count} finding(s)");

        Assert.Equal(JsonValueKind.String, view.Action.GetProperty("parameters").GetProperty("blob").ValueKind);
    }

    [Fact]
    public void Mask_RandomDocuments_NeverThrowAndKeepTheShape()
    {
        var random = new Random(42);
        string[] fragments = ["dana@contoso.com", "4111 1111 1111 1111", "+44 20 7946 0958", "plain", "10.0.0.1", "AKIAIOSFODNN7EXAMPLE", "", "ü∂ƒ", "\"quoted\"", "password=x"];
        for (int n = 0; n < 200; n++)
        {
            JsonObject parameters = RandomObject(random, fragments, depth: 0);
            ActionRequest action = Action(parameters);

            ReviewerView view = new Masker().Mask(action, null);

            Assert.Equal(Shape(action.Document), Shape(view.Action));
        }
    }

    private static JsonObject RandomObject(Random random, string[] fragments, int depth)
    {
        var obj = new JsonObject();
        for (int i = 0; i < random.Next(1, 6); i++)
        {
            obj["f" + i] = random.Next(depth < 3 ? 5 : 3) switch
            {
                0 => string.Join(" ", Enumerable.Range(0, random.Next(1, 4)).Select(_ => fragments[random.Next(fragments.Length)])),
                1 => random.Next(),
                2 => random.Next(2) == 0,
                3 => RandomObject(random, fragments, depth + 1),
                _ => new JsonArray(RandomObject(random, fragments, depth + 1), fragments[random.Next(fragments.Length)]),
            };
        }

        return obj;
    }

    private static string Shape(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().Select(p => p.Name + ":" + Shape(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Shape)) + "]",
        JsonValueKind.Number => "n",
        _ => element.ValueKind.ToString(),
    };
}
