using System.Net;
using System.Text.Json.Nodes;

namespace ApprovalFunctions.Tests.Contract;

/// <summary><c>POST /api/actions/{id}/cancel</c>, the same on every host.</summary>
public abstract class CancelContract(IContractHost host)
{
    [Fact]
    public async Task Cancel_ByItsAgentWhilePending_EndsCancelled()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer answer = await host.SendAsync(Who.Agent, HttpMethod.Post, $"/api/actions/{id}/cancel", """{"reason":"changed my mind"}""");

        // The answer waits up to 2 s for the process: finished (200) or still going (202 with the status URL).
        Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{answer.Status}");
        Assert.Equal("cancelled", (await host.StatusWhenAsync(id, s => s["finished"]!.GetValue<bool>()))["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cancel_WithAnEmptyBody_IsAccepted()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer answer = await host.SendAsync(Who.Agent, HttpMethod.Post, $"/api/actions/{id}/cancel");

        Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.Accepted, $"{answer.Status}");
    }

    [Fact]
    public async Task Cancel_ByAnotherAgent_IsTheMissingActionAnswer()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer answer = await host.SendAsync(Who.OtherAgent, HttpMethod.Post, $"/api/actions/{id}/cancel");

        answer.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cancel_ByAnApprover_Is403()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer answer = await host.SendAsync(Who.Ann, HttpMethod.Post, $"/api/actions/{id}/cancel");

        answer.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Cancel_AFinishedAction_Is409NotPending()
    {
        Answer released = await host.SubmitAsync(ContractWorld.Action("crm.contact.read"), wait: "PT30S");

        Answer answer = await host.SendAsync(Who.Agent, HttpMethod.Post, $"/api/actions/{released.Text("id")}/cancel");

        answer.Problem(HttpStatusCode.Conflict, reason: "notPending");
    }

    [Fact]
    public async Task Cancel_BodyThatIsNotAnObject_Is400()
    {
        string id = (await host.PendingWriteAsync())["id"]!.GetValue<string>();

        Answer answer = await host.SendAsync(Who.Agent, HttpMethod.Post, $"/api/actions/{id}/cancel", "\"please\"");

        answer.Problem(HttpStatusCode.BadRequest, field: "$");
        Assert.Equal("pendingApproval", (await host.GetAsync(Who.Agent, $"/api/actions/{id}")).Text("status"));
    }
}
