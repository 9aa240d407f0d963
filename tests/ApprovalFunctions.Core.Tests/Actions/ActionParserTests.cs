using System.Text;
using System.Text.Json;
using ApprovalFunctions.Core.Actions;

namespace ApprovalFunctions.Core.Tests.Actions;

public class ActionParserTests
{
    internal const string DesignExample = """
        {
          "type": "data.export",
          "summary": "Export the customers table to the backup region",
          "intent": "nightly backup requested by the data platform team",
          "requester": { "id": "00000000-0000-0000-0000-0000000000d1", "displayName": "Dana" },
          "target": { "resource": "/subscriptions/x/storageAccounts/custdata", "environment": "production" },
          "data": { "classification": ["pii"], "sourceRegion": "westeurope", "destinationRegion": "eastus", "recordCount": 120000 },
          "parameters": { "table": "customers", "format": "parquet" },
          "idempotencyKey": "etl-run-2026-11-21-01"
        }
        """;

    private static Problem Invalid(string json, ActionLimits? limits = null)
    {
        ActionParseResult result = ActionParser.Parse(json, limits);
        Assert.False(result.IsValid);
        return result.Problem;
    }

    private static string Mutate(Action<System.Text.Json.Nodes.JsonObject> change)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(DesignExample)!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    [Fact]
    public void Parse_DesignExample_ReadsEveryField()
    {
        ActionParseResult result = ActionParser.Parse(DesignExample);

        Assert.True(result.IsValid);
        ActionRequest action = result.Action;
        Assert.Equal("data.export", action.Type);
        Assert.Equal("Export the customers table to the backup region", action.Summary);
        Assert.Equal("nightly backup requested by the data platform team", action.Intent);
        Assert.Equal(new ActionRequester("00000000-0000-0000-0000-0000000000d1", "Dana"), action.Requester);
        Assert.Equal("production", action.Target!.Environment);
        Assert.Equal(["pii"], action.Data!.Classification);
        Assert.Equal("westeurope", action.Region);
        Assert.Equal("eastus", action.Data.DestinationRegion);
        Assert.Equal(120000, action.Data.RecordCount);
        Assert.Equal("customers", action.Parameters!.Value.GetProperty("table").GetString());
        Assert.Equal("etl-run-2026-11-21-01", action.IdempotencyKey);
        Assert.Matches("^sha256:[0-9a-f]{64}$", action.Digest);
    }

    [Fact]
    public void Parse_SameActionFormattedDifferently_HasTheSameDigest()
    {
        string compact = JsonSerializer.Serialize(JsonDocument.Parse(DesignExample).RootElement);
        string reordered = Mutate(o =>
        {
            var summary = o["summary"]!.DeepClone();
            o.Remove("summary");
            o["summary"] = summary;
        });

        string digest = ActionParser.Parse(DesignExample).Action!.Digest;

        Assert.Equal(digest, ActionParser.Parse(compact).Action!.Digest);
        Assert.Equal(digest, ActionParser.Parse(reordered).Action!.Digest);
    }

    [Fact]
    public void Parse_AnyChangeToTheAction_ChangesTheDigest()
    {
        string digest = ActionParser.Parse(DesignExample).Action!.Digest;

        Assert.NotEqual(digest, ActionParser.Parse(Mutate(o => o["data"]!["recordCount"] = 120001)).Action!.Digest);
        Assert.NotEqual(digest, ActionParser.Parse(Mutate(o => o["parameters"]!["format"] = "csv")).Action!.Digest);
    }

    [Fact]
    public void Parse_UnknownFields_ArePreservedAndCovered()
    {
        string json = Mutate(o =>
        {
            o["x-agent-trace"] = "run-42";
            o["data"]!["lineage"] = new System.Text.Json.Nodes.JsonArray("crm", "billing");
        });

        ActionRequest action = ActionParser.Parse(json).Action!;

        Assert.Equal("run-42", action.Document.GetProperty("x-agent-trace").GetString());
        Assert.Equal(2, action.Document.GetProperty("data").GetProperty("lineage").GetArrayLength());
        Assert.NotEqual(ActionParser.Parse(DesignExample).Action!.Digest, action.Digest);
    }

    [Fact]
    public void Parse_RegionNames_AreNormalizedToLowerCase()
    {
        ActionRequest action = ActionParser.Parse(Mutate(o => o["data"]!["sourceRegion"] = "WestEurope")).Action!;

        Assert.Equal("westeurope", action.Region);
    }

    [Theory]
    [InlineData("type", "type", "is required")]
    [InlineData("summary", "summary", "is required")]
    public void Parse_MissingRequiredField_NamesTheField(string remove, string field, string message)
    {
        Problem problem = Invalid(Mutate(o => o.Remove(remove)));

        Assert.Equal(400, problem.Status);
        Assert.Equal(ProblemTypes.InvalidAction, problem.Type);
        Assert.Contains(problem.Errors, e => e.Field == field && e.Message == message);
    }

    [Theory]
    [InlineData("""{"type":"","summary":"s"}""", "type", "must not be empty")]
    [InlineData("""{"type":"a","summary":"   "}""", "summary", "must not be empty")]
    [InlineData("""{"type":5,"summary":"s"}""", "type", "must be a string, not a number")]
    [InlineData("""{"type":"a b","summary":"s"}""", "type", "must be a name such as data.export (letters, digits and . _ - : /)")]
    [InlineData("""{"type":"a","summary":["s"]}""", "summary", "must be a string, not an array")]
    [InlineData("""{"type":"a","summary":"s","requester":"dana"}""", "requester", "must be an object, not a string")]
    [InlineData("""{"type":"a","summary":"s","requester":{}}""", "requester.id", "is required")]
    [InlineData("""{"type":"a","summary":"s","target":{"environment":7}}""", "target.environment", "must be a string, not a number")]
    [InlineData("""{"type":"a","summary":"s","data":{"classification":"pii"}}""", "data.classification", "must be an array of strings, not a string")]
    [InlineData("""{"type":"a","summary":"s","data":{"classification":["pii",3]}}""", "data.classification[1]", "must be a string, not a number")]
    [InlineData("""{"type":"a","summary":"s","data":{"recordCount":-1}}""", "data.recordCount", "must be a non-negative integer")]
    [InlineData("""{"type":"a","summary":"s","data":{"recordCount":1.5}}""", "data.recordCount", "must be a non-negative integer")]
    [InlineData("""{"type":"a","summary":"s","data":{"sourceRegion":"West Europe"}}""", "data.sourceRegion", "must be a region name such as westeurope (letters, digits and inner hyphens, 2 to 40 characters)")]
    [InlineData("""{"type":"a","summary":"s","data":{"destinationRegion":"eu/../../etc"}}""", "data.destinationRegion", "must be a region name such as westeurope (letters, digits and inner hyphens, 2 to 40 characters)")]
    [InlineData("""{"type":"a","summary":"s","data":{"sourceRegion":"1west"}}""", "data.sourceRegion", "must be a region name such as westeurope (letters, digits and inner hyphens, 2 to 40 characters)")]
    [InlineData("""{"type":"a","summary":"s","parameters":[1]}""", "parameters", "must be an object, not an array")]
    [InlineData("""{"type":"a","summary":"s","idempotencyKey":"k\u0001"}""", "idempotencyKey", "must be printable ASCII")]
    [InlineData("""{"type":"a","summary":"s","risk":{"score":"high"}}""", "risk.score", "must be a number")]
    [InlineData("""[1,2]""", "$", "must be a JSON object, not an array")]
    public void Parse_InvalidField_NamesTheFieldAndTheProblem(string json, string field, string message)
    {
        Problem problem = Invalid(json);

        Assert.Contains(problem.Errors, e => e.Field == field && e.Message == message);
        Assert.Contains(field, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralInvalidFields_ReportsEachOne()
    {
        Problem problem = Invalid("""{"type":3,"data":{"sourceRegion":"x y","recordCount":"many"}}""");

        Assert.Equal(["type", "summary", "data.sourceRegion", "data.recordCount"], problem.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Parse_NullOptionalFields_CountAsAbsent()
    {
        ActionParseResult result = ActionParser.Parse("""{"type":"a","summary":"s","intent":null,"data":null,"parameters":null}""");

        Assert.True(result.IsValid);
        Assert.Null(result.Action.Intent);
        Assert.Null(result.Action.Data);
    }

    [Theory]
    [InlineData("{\"type\": \"a\", ", "line 1")]
    [InlineData("{\n  \"type\": \"a\",\n  \"summary\": s\n}", "line 3")]
    [InlineData("", "line 1")]
    [InlineData("{\"type\":\"a\"} trailing", "line 1")]
    public void Parse_MalformedJson_SaysWhere(string json, string where)
    {
        Problem problem = Invalid(json);

        Assert.Equal(ProblemTypes.MalformedJson, problem.Type);
        Assert.Equal(400, problem.Status);
        Assert.StartsWith(where, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BodyOverTheSizeLimit_Is413BeforeParsing()
    {
        string json = "{\"type\":\"a\",\"summary\":\"" + new string('x', 2000) + "\"}";

        Problem problem = Invalid(json, new ActionLimits { MaxBytes = 1024 });

        Assert.Equal(413, problem.Status);
        Assert.Equal(ProblemTypes.TooLarge, problem.Type);
        Assert.Contains("1024", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BodyNestedBeyondTheDepthLimit_IsRejectedWithThePosition()
    {
        string deep = "{\"type\":\"a\",\"summary\":\"s\",\"parameters\":" + string.Concat(Enumerable.Repeat("{\"a\":", 10)) + "1" + new string('}', 10) + "}";

        Problem problem = Invalid(deep, new ActionLimits { MaxDepth = 8 });

        Assert.Equal(ProblemTypes.TooDeep, problem.Type);
        Assert.Contains("deeper than 8", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("line 1", problem.Detail, StringComparison.Ordinal);
        Assert.True(ActionParser.Parse(deep, new ActionLimits { MaxDepth = 12 }).IsValid);
    }

    [Fact]
    public void Parse_DepthAttack_DoesNotOverflowTheStack()
    {
        string attack = new string('[', 100_000) + new string(']', 100_000);

        Problem problem = Invalid(attack);

        Assert.Equal(ProblemTypes.TooDeep, problem.Type);
    }

    [Fact]
    public void Parse_DuplicatePropertyName_IsRejectedBecauseTheDigestWouldBeAmbiguous()
    {
        Problem problem = Invalid("""{"type":"a","summary":"s","type":"b"}""");

        Assert.Contains("duplicate property name \"type\"", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnpairedSurrogate_IsRejected()
    {
        Problem problem = Invalid("""{"type":"a","summary":"\ud800"}""");

        Assert.Contains("unpaired surrogate", problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ProblemMessages_NeverEchoSubmittedValues()
    {
        const string secret = "hunter2-secret-value";
        Problem problem = Invalid($$$"""{"type":"{{{secret}}} x","summary":7,"data":{"sourceRegion":"{{{secret}}} y"}}""");

        string all = problem.Detail + string.Join("|", problem.Errors.Select(e => e.Field + e.Message));
        Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Utf8Bytes_EqualsStringInput()
    {
        Assert.Equal(
            ActionParser.Parse(DesignExample).Action!.Digest,
            ActionParser.Parse(Encoding.UTF8.GetBytes(DesignExample)).Action!.Digest);
    }
}
