using System.Net;
using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using ApprovalFunctions.Core.Receipts;
using Microsoft.Extensions.AI;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>
/// The .NET client and <see cref="ApprovalRequiredFunction"/> against every host: allowed, denied, approved after a
/// wait, rejected, expired, a changed argument needs a new approval, and a receipt is spent once.
/// </summary>
public abstract class ClientContract(ContractHostBase host)
{
    [Fact]
    public async Task Client_AllowedAction_IsReleasedAndItsReceiptVerifiesOnce()
    {
        ApprovalsClient client = host.ClientFor();
        string action = ContractWorld.Action("crm.contact.read");

        ApprovalStatus status = await client.SubmitAsync(action, TimeSpan.FromSeconds(30));
        ReceiptVerification first = await client.VerifyReceiptAsync(status, action);
        ReceiptVerification again = await client.VerifyReceiptAsync(status, action);
        ReceiptVerification otherAction = await host.ClientFor().VerifyReceiptAsync(status, ContractWorld.Action("crm.contact.write"));

        Assert.Equal("released", status.Outcome);
        Assert.True(first.IsValid, first.Message);
        Assert.Equal(ReceiptFailure.AlreadyUsed, again.Failure);
        Assert.Equal(ReceiptFailure.DigestMismatch, otherAction.Failure);
    }

    [Fact]
    public async Task Client_WithAnEntraCredential_SubmitsAsTheApp()
    {
        var credential = new AppCredential(() => host.Entra.Token(ContractHostBase.Audience, new Dictionary<string, object>
        {
            ["azp"] = "7f6e5d4c-agent-app",
            ["oid"] = "sp-object-id",
            ["roles"] = new[] { "Approvals.Agent" },
            ["idtyp"] = "app",
        }, host.Now.AddMinutes(-5), host.Now.AddHours(1)));
        var client = new ApprovalsClient(host.Client, new ApprovalsClientOptions
        {
            BaseUrl = host.Client.BaseAddress,
            Credential = credential,
            Scope = ContractHostBase.Audience + "/.default",
            ReceiptIssuer = host.ReceiptIssuer,
            Time = host.Clock,
        });

        ApprovalStatus status = await client.SubmitAsync(ContractWorld.Action("crm.contact.read"), TimeSpan.FromSeconds(30));
        await client.GetAsync(status.Id);

        Assert.Equal("released", status.Outcome);
        Assert.Equal("7f6e5d4c-agent-app", status.Document["agent"]!["id"]!.GetValue<string>());
        Assert.Equal(1, credential.Calls); // the token is cached until shortly before it expires
        Assert.Equal([ContractHostBase.Audience + "/.default"], credential.Scopes);
    }

    [Fact]
    public void Client_OptionsWithoutCredentials_AreRefusedNamingWhatIsMissing()
    {
        ArgumentException error = Assert.Throws<ArgumentException>(() => new ApprovalsClient(host.Client, new ApprovalsClientOptions { BaseUrl = host.Client.BaseAddress }));

        Assert.Contains("ApiKey or a Credential", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_Releases_AreTheFeedOrTheQueuesAnswer()
    {
        ApprovalStatus released = await host.ClientFor().SubmitAsync(Core.Actions.ActionParser.Parse(ContractWorld.Action("crm.contact.read")).Action!, TimeSpan.FromSeconds(30));
        ApprovalsClient executor = host.ClientFor(Who.Executor);

        if (host.HasReleaseFeed)
        {
            ReleasePage page = await executor.ReleasesAsync(limit: 500);
            Assert.Contains(page.Items, i => i["actionId"]!.GetValue<string>() == released.Id);
            Assert.True(page.Next >= page.Items.Count);
        }
        else
        {
            ApprovalsException queue = await Assert.ThrowsAsync<ApprovalsException>(() => executor.ReleasesAsync());
            Assert.Equal(HttpStatusCode.NotImplemented, queue.Status);
        }
    }

    [Fact]
    public async Task Client_DeniedAction_EndsDeniedWithoutAReceipt()
    {
        ApprovalStatus status = await host.ClientFor().SubmitAsync(ContractWorld.Action("db.table.delete"), TimeSpan.FromSeconds(30));

        Assert.Equal("denied", status.Outcome);
        Assert.Null(status.ReceiptJws);
        Assert.False((await host.ClientFor().VerifyReceiptAsync(status, ContractWorld.Action("db.table.delete"))).IsValid);
    }

    [Fact]
    public async Task Client_WaitAsync_ReturnsOnceApproved()
    {
        ApprovalsClient client = host.ClientFor();
        ApprovalStatus pending = await client.SubmitAsync(ContractWorld.Write());
        await host.StatusWhenAsync(pending.Id, s => s["status"]!.GetValue<string>() == "pendingApproval");

        Task<ApprovalStatus> waiting = client.WaitAsync(pending.Id, TimeSpan.FromSeconds(30));
        await host.DecideAsync(Who.Ann, pending.Id, pending.ActionDigest!);
        ApprovalStatus done = await waiting;

        Assert.Equal("released", done.Outcome);
        Assert.True((await client.VerifyReceiptAsync(done, ContractWorld.Write())).IsValid);
    }

    [Fact]
    public async Task Client_Refusal_IsAnApprovalsExceptionCarryingTheProblem()
    {
        ApprovalsException refused = await Assert.ThrowsAsync<ApprovalsException>(() =>
            host.ClientFor().SubmitAsync("""{"summary":"no type","data":{"sourceRegion":"westeurope"}}"""));
        ApprovalsException missing = await Assert.ThrowsAsync<ApprovalsException>(() => host.ClientFor().GetAsync("act_000000000000000000000000"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains(refused.Problem["errors"]!.AsArray(), e => e!["field"]!.GetValue<string>() == "type");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
    }

    [Fact]
    public async Task Client_Cancel_EndsCancelled()
    {
        ApprovalsClient client = host.ClientFor();
        ApprovalStatus pending = await client.SubmitAsync(ContractWorld.Write());
        await host.StatusWhenAsync(pending.Id, s => s["status"]!.GetValue<string>() == "pendingApproval");

        await client.CancelAsync(pending.Id, "not needed");

        Assert.Equal("cancelled", (await client.WaitAsync(pending.Id, TimeSpan.FromSeconds(30))).Outcome);
    }

    [Fact]
    public async Task Tool_RunsOnlyAfterApproval_WithTheApprovedArguments_OncePerApproval()
    {
        var runs = new List<string>();
        ApprovalRequiredFunction tool = Gated(runs, "db.write.rows");

        JsonObject first = Result(await tool.InvokeAsync(Args("orders", 12)));
        string id = first["actionId"]!.GetValue<string>();
        JsonObject pending = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        await host.DecideAsync(Who.Ann, id, pending["actionDigest"]!.GetValue<string>());
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());

        object? ran = await tool.InvokeAsync(Args("orders", 12));
        JsonObject again = Result(await tool.InvokeAsync(Args("orders", 12)));
        JsonObject changed = Result(await tool.InvokeAsync(Args("orders", 13)));

        Assert.Equal("awaitingApproval", first["status"]!.GetValue<string>());
        Assert.Contains("/portal/review/" + id, first["reviewUrl"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("wrote 12 rows to orders", ran?.ToString());
        Assert.Equal(["orders:12"], runs); // three calls with the approved arguments, one approval: it ran once
        Assert.Equal("awaitingApproval", again["status"]!.GetValue<string>()); // the same call again needs a new approval
        Assert.NotEqual(id, again["actionId"]!.GetValue<string>());
        Assert.Equal("awaitingApproval", changed["status"]!.GetValue<string>());
        Assert.NotEqual(id, changed["actionId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tool_DeniedByPolicy_DoesNotRunAndSaysWhy()
    {
        var runs = new List<string>();

        JsonObject result = Result(await Gated(runs, "db.table.delete").InvokeAsync(Args("orders", 1)));

        Assert.Equal("notApproved", result["status"]!.GetValue<string>());
        Assert.Equal("denied", result["outcome"]!.GetValue<string>());
        Assert.Empty(runs);
    }

    [Fact]
    public async Task Tool_Rejected_DoesNotRunAndSaysRejected()
    {
        var runs = new List<string>();
        ApprovalRequiredFunction tool = Gated(runs, "db.write.rows");
        string id = Result(await tool.InvokeAsync(Args("payments", 3)))["actionId"]!.GetValue<string>();
        JsonObject pending = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        await host.DecideAsync(Who.Bob, id, pending["actionDigest"]!.GetValue<string>(), "reject", "wrong table");
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());

        JsonObject result = Result(await tool.InvokeAsync(Args("payments", 3)));

        Assert.Equal("rejected", result["outcome"]!.GetValue<string>());
        Assert.Empty(runs);
    }

    [Fact]
    public async Task Tool_NobodyDecidesBeforeTheDeadline_DoesNotRunAndSaysExpired()
    {
        var runs = new List<string>();
        ApprovalRequiredFunction tool = Gated(runs, "ops.quick");
        string id = Result(await tool.InvokeAsync(Args("queue", 1)))["actionId"]!.GetValue<string>();
        await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");
        await host.LetTimePassAsync(TimeSpan.FromSeconds(3));
        await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>());

        JsonObject result = Result(await tool.InvokeAsync(Args("queue", 1)));

        Assert.Equal("expired", result["outcome"]!.GetValue<string>());
        Assert.Empty(runs);
    }

    /// <summary>The sample agent (samples/AgentWithApprovals) end to end: it asks, waits for Ann, and the write runs.</summary>
    [Fact]
    public async Task Sample_AgentAsksWaitsForTheApprovalAndThenTheWriteRuns()
    {
        var output = new StringWriter();
        Task<string> agent = AgentWithApprovals.SampleAgent.RunAsync(host.ClientFor(), ContractWorld.Region, TextWriter.Synchronized(output), TimeSpan.FromSeconds(30));
        string id = await ActionIdAsync(output);
        JsonObject pending = await host.StatusWhenAsync(id, s => s["status"]!.GetValue<string>() == "pendingApproval");

        await host.DecideAsync(Who.Ann, id, pending["actionDigest"]!.GetValue<string>());
        string answer = await agent;

        Assert.Contains("awaitingApproval", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("decision: released", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("wrote 12 rows to orders", answer, StringComparison.Ordinal);
    }

    private static async Task<string> ActionIdAsync(StringWriter output)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            System.Text.RegularExpressions.Match match = System.Text.RegularExpressions.Regex.Match(output.ToString(), "waiting for approval of (act_[0-9a-z]+)");
            if (match.Success)
            {
                return match.Groups[1].Value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the agent did not ask for an approval: " + output);
            await Task.Delay(50);
        }
    }

    private ApprovalRequiredFunction Gated(List<string> runs, string actionType) => new(
        AIFunctionFactory.Create((string table, int rows) =>
        {
            lock (runs)
            {
                runs.Add($"{table}:{rows}");
            }

            return $"wrote {rows} rows to {table}";
        }, "write_rows", "Writes rows to a table."),
        host.ClientFor(),
        new ApprovalRequiredFunctionOptions { ActionType = actionType, Region = ContractWorld.Region });

    private static AIFunctionArguments Args(string table, int rows) => new() { ["table"] = table, ["rows"] = rows };

    private static JsonObject Result(object? result) => Assert.IsType<JsonObject>(result);

    /// <summary>An Entra credential for an app (client credentials), issuing the local issuer's tokens.</summary>
    private sealed class AppCredential(Func<string> token) : Azure.Core.TokenCredential
    {
        public int Calls { get; private set; }

        public List<string> Scopes { get; } = [];

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            Scopes.AddRange(requestContext.Scopes);
            return new Azure.Core.AccessToken(token(), DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
