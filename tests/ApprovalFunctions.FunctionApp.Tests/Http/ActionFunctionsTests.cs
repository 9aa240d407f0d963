using System.Text;
using System.Text.Json;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Http;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.TestSupport;
using ApprovalFunctions.FunctionApp.Tests.Support;
using ApprovalFunctions.Microsoft365.Identity;
using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Moq;

namespace ApprovalFunctions.FunctionApp.Tests.Http;

public sealed class ActionFunctionsTests
{
    private const string Write = """{"type":"db.write.rows","summary":"Fix 12 rows","idempotencyKey":"k-1","data":{"sourceRegion":"westeurope"}}""";
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static readonly TokenCaller Agent = new("agent-etl", "ETL agent", null, null, "owner-olga", new HashSet<string> { TokenCallers.Agent });
    private static readonly TokenCaller Dan = new("dba-dan", "Dan", "dan@contoso.com", "mfa", null, new HashSet<string> { TokenCallers.Approver });
    private static readonly TokenCaller Eve = new("eve", "Eve", "eve@contoso.com", "mfa", null, new HashSet<string> { TokenCallers.Approver });

    private readonly Mock<DurableTaskClient> _client = new("test");
    private readonly ActionFunctions _functions;

    public ActionFunctionsTests()
    {
        var options = new ApprovalsOptions { DefaultRegion = "westeurope" };
        options.AuditContainers["westeurope"] = "https://audit.blob.core.windows.net/audit";
        _functions = new ActionFunctions(options, new ActionResponses(new PublicLinks(new Uri("https://approvals.example")), new Masker(new MaskingOptions())),
            new InMemoryAuditStore(), new FixedTime(Now));
    }

    [Fact]
    public async Task SubmitAction_ByAnApprover_Is403AndStartsNothing()
    {
        (int status, _) = await RunAsync(h => _functions.SubmitAction(h.Request, _client.Object, Context(Eve)), Post(Write));

        Assert.Equal(403, status);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task SubmitAction_RegionWithoutAuditStore_Is422AndStartsNothing()
    {
        (int status, JsonDocument body) = await RunAsync(h => _functions.SubmitAction(h.Request, _client.Object, Context(Agent)),
            Post("""{"type":"db.write.rows","summary":"x","data":{"sourceRegion":"eastus"}}"""));

        Assert.Equal(422, status);
        Assert.Contains("eastus", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task SubmitAction_InvalidJson_Is400AndStartsNothing()
    {
        (int status, _) = await RunAsync(h => _functions.SubmitAction(h.Request, _client.Object, Context(Agent)), Post("{"));

        Assert.Equal(400, status);
        VerifyNothingScheduled();
    }

    [Fact]
    public async Task SubmitAction_NewAction_StartsTheInstanceUnderTheDerivedIdWithEveryDedupeStatus()
    {
        StartOrchestrationOptions? started = null;
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((TaskName _, object? _, StartOrchestrationOptions? o, CancellationToken _) => started = o)
            .ReturnsAsync((TaskName _, object? _, StartOrchestrationOptions? o, CancellationToken _) => o!.InstanceId!);

        (int status, JsonDocument body, HttpContext http) = await RunWithContextAsync(h => _functions.SubmitAction(h.Request, _client.Object, Context(Agent)), Post(Write));

        Assert.Equal(202, status);
        string id = Core.Api.DerivedIds.Action("agent-etl", "k-1");
        Assert.Equal(id, started!.InstanceId);
        Assert.True(id.Length <= 100);
        Assert.Equal("/api/actions/" + id, http.Response.Headers.Location.ToString());
        Assert.Equal(id, body.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task SubmitAction_SameKeyDifferentAction_Is409()
    {
        string id = Core.Api.DerivedIds.Action("agent-etl", "k-1");
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new OrchestrationAlreadyExistsException("exists"));
        Instance(id, """{"type":"db.write.rows","summary":"Something else","idempotencyKey":"k-1","data":{"sourceRegion":"westeurope"}}""", running: true);

        (int status, _) = await RunAsync(h => _functions.SubmitAction(h.Request, _client.Object, Context(Agent)), Post(Write));

        Assert.Equal(409, status);
    }

    [Fact]
    public async Task Decide_PendingActionByEligibleApprover_RaisesTheDecisionEvent()
    {
        string id = PendingInstance();
        string? raised = null;
        _client.Setup(c => c.RaiseEventAsync(id, ApprovalOrchestrator.EventName, It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string _, string _, object? payload, CancellationToken _) => raised = (string)payload!)
            .Returns(Task.CompletedTask);

        (int status, JsonDocument body) = await RunAsync(h => _functions.Decide(h.Request, id, _client.Object, Context(Dan)), Post(DecisionJson("approve")));

        Assert.Equal(200, status);
        Assert.Equal("accepted", body.RootElement.GetProperty("verdict").GetString());
        var decision = Assert.IsType<DecisionReceived>(CoreJson.DeserializeEvent(raised!));
        Assert.Equal("dba-dan", decision.Approver.Id);
        Assert.Equal(ApprovalChoice.Approve, decision.Choice);
    }

    [Fact]
    public async Task Decide_ByAnApproverWhoIsNotEligible_Is403AndTheAttemptReachesTheProcess()
    {
        string id = PendingInstance();

        (int status, _) = await RunAsync(h => _functions.Decide(h.Request, id, _client.Object, Context(Eve)), Post(DecisionJson("approve")));

        Assert.Equal(403, status);
        _client.Verify(c => c.RaiseEventAsync(id, ApprovalOrchestrator.EventName, It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Decide_FinishedAction_Is409AndRaisesNothing()
    {
        string id = Core.Api.DerivedIds.Action("agent-etl", "k-1");
        Instance(id, Write, running: false);

        (int status, _) = await RunAsync(h => _functions.Decide(h.Request, id, _client.Object, Context(Dan)), Post(DecisionJson("approve")));

        Assert.Equal(409, status);
        _client.Verify(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Decide_RejectWithoutComment_Is400()
    {
        string id = PendingInstance();

        (int status, _) = await RunAsync(h => _functions.Decide(h.Request, id, _client.Object, Context(Dan)), Post(DecisionJson("reject")));

        Assert.Equal(400, status);
    }

    [Fact]
    public async Task GetAction_UnknownOrInvisible_Is404()
    {
        string id = PendingInstance();
        var stranger = new TokenCaller("agent-other", null, null, null, null, new HashSet<string> { TokenCallers.Agent });

        (int invisible, _) = await RunAsync(h => _functions.GetAction(h.Request, id, _client.Object, Context(stranger)), Get());
        (int unknown, _) = await RunAsync(h => _functions.GetAction(h.Request, "act_missing", _client.Object, Context(Agent)), Get());

        Assert.Equal(404, invisible);
        Assert.Equal(404, unknown);
    }

    [Fact]
    public async Task GetAction_ItsAgent_GetsTheStatusWithoutTheReviewerView()
    {
        string id = PendingInstance();

        (int status, JsonDocument body) = await RunAsync(h => _functions.GetAction(h.Request, id, _client.Object, Context(Agent)), Get());

        Assert.Equal(200, status);
        Assert.Equal("pendingApproval", body.RootElement.GetProperty("status").GetString());
    }

    // The instance of Write, waiting for group:dba (Dan), as the orchestrator's custom status shows it.
    private string PendingInstance()
    {
        string id = Core.Api.DerivedIds.Action("agent-etl", "k-1");
        ApprovalProcess process = TestProcesses.AwaitingDan(id, Write, OrchestrationHarness.Policy, Now);
        Instance(id, Write, running: true, ApprovalOrchestrator.Snapshot(process, null));
        return id;
    }

    private void Instance(string id, string actionJson, bool running, StatusSnapshot? snapshot = null)
    {
        var input = new ApprovalInput(id, actionJson, "agent-etl", "owner-olga", null, "westeurope", Now);
        var metadata = new OrchestrationMetadata(nameof(ApprovalOrchestrator), id)
        {
            DataConverter = JsonDataConverter.Default,
            RuntimeStatus = running ? OrchestrationRuntimeStatus.Running : OrchestrationRuntimeStatus.Completed,
            SerializedInput = JsonDataConverter.Default.Serialize(input),
            SerializedCustomStatus = snapshot is null ? null : JsonDataConverter.Default.Serialize(snapshot),
        };
        _client.Setup(c => c.GetInstanceAsync(id, true, It.IsAny<CancellationToken>())).ReturnsAsync(metadata);
    }

    private string DecisionJson(string decision) => JsonSerializer.Serialize(new
    {
        decision,
        actionDigest = ActionParser.Parse(Write).Action!.Digest,
    });

    private void VerifyNothingScheduled() =>
        _client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);

    private static FunctionContext Context(TokenCaller caller)
    {
        var context = new Mock<FunctionContext>();
        var items = new Dictionary<object, object>();
        context.SetupGet(c => c.Items).Returns(items);
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        FunctionApp.Identity.AuthenticationMiddleware.SetCaller(items, caller);
        return context.Object;
    }

    private static DefaultHttpContext Post(string body)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.ContentType = "application/json";
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        return http;
    }

    private static DefaultHttpContext Get()
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "GET";
        return http;
    }

    private static async Task<(int Status, JsonDocument Body)> RunAsync(Func<DefaultHttpContext, Task<IActionResult>> function, DefaultHttpContext http)
    {
        (int status, JsonDocument body, _) = await RunWithContextAsync(function, http);
        return (status, body);
    }

    private static async Task<(int Status, JsonDocument Body, HttpContext Http)> RunWithContextAsync(Func<DefaultHttpContext, Task<IActionResult>> function, DefaultHttpContext http)
    {
        IActionResult result = await function(http);
        var output = new MemoryStream();
        http.Response.Body = output;
        await result.ExecuteResultAsync(new ActionContext { HttpContext = http });
        string text = Encoding.UTF8.GetString(output.ToArray());
        return (http.Response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "{}" : text), http);
    }
}
