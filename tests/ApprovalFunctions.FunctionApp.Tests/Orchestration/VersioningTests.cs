using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using static ApprovalFunctions.FunctionApp.Tests.Support.TestDirectory;

namespace ApprovalFunctions.FunctionApp.Tests.Orchestration;

/// <summary>
/// Deployments that change the orchestration, on the real engine: instances keep the build of the version they started
/// with (<see cref="OrchestrationVersions"/>), so an instance waiting for approvers when the next build ships finishes
/// on it, while new instances take the new steps.
/// </summary>
public sealed class VersioningTests : IAsyncLifetime
{
    private const string Next = "4.0";
    private const string Announce = "AnnounceToChannel";
    private readonly ConcurrentBag<string> _announced = [];
    private readonly ConcurrentDictionary<string, int> _timers = new();
    private readonly ConcurrentDictionary<string, int> _activities = new();
    private IReadOnlyDictionary<string, Func<TaskOrchestrationContext, Task<string>>> _deployed = OrchestrationVersions.Builds;
    private DurableApp _app = null!;

    public async Task InitializeAsync() => _app = await DurableApp.StartAsync(
        orchestrator: context => OrchestrationVersions.Run(new CountingContext(context, _timers, _activities), _deployed),
        register: registry => registry.AddActivityFunc<string, string>(Announce, (_, id) =>
        {
            _announced.Add(id);
            return Task.FromResult(id);
        }));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Upgrade_InstanceWaitingWhenTheNextBuildShips_FinishesOnItAndNewInstancesTakeTheNewStep()
    {
        ApprovalInput old = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"), version: OrchestrationVersions.Current);
        ApprovalInput older = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"), version: OrchestrationVersions.V1);
        await _app.WaitForPendingAsync(older.ActionId);
        await _app.WaitForPendingAsync(old.ActionId);

        // The next build: the current version unchanged, and a new version that announces each action before running it.
        _deployed = new Dictionary<string, Func<TaskOrchestrationContext, Task<string>>>(OrchestrationVersions.Builds)
        {
            [Next] = async context =>
            {
                await context.CallActivityAsync<string>(Announce, context.InstanceId);
                return await ApprovalOrchestrator.RunV3Async(context);
            },
        };
        ApprovalInput fresh = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"), version: Next);
        await _app.WaitForPendingAsync(fresh.ActionId);
        await _app.DecideAsync(old, Dan, ApprovalChoice.Approve);
        await _app.DecideAsync(older, Dan, ApprovalChoice.Approve);
        await _app.DecideAsync(fresh, Dan, ApprovalChoice.Approve);

        Assert.Equal("released", (await _app.CompletionAsync(old.ActionId)).ReadOutputAs<string>());
        Assert.Equal("released", (await _app.CompletionAsync(older.ActionId)).ReadOutputAs<string>());
        Assert.Equal("released", (await _app.CompletionAsync(fresh.ActionId)).ReadOutputAs<string>());
        Assert.Equal([fresh.ActionId], _announced);
        Assert.Single(_app.Releases.Of(old.ActionId));
        Assert.Single(_app.Releases.Of(fresh.ActionId));
    }

    /// <summary>
    /// Version 3.0 updates the chat messages once, when the action leaves pending approval (here on its deadline), with
    /// the state it left in; 2.0 does not.
    /// </summary>
    [Theory]
    [InlineData(OrchestrationVersions.V2, 0)]
    [InlineData(OrchestrationVersions.V3, 1)]
    public async Task Decided_ByVersion_UpdatesTheChatMessagesOnceFromThree(string version, int updates)
    {
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"), version: version);
        await _app.WaitForPendingAsync(input.ActionId);
        await _app.Posted.AddAsync(new PostedMessage(input.ActionId, "recorded", "1/dan", "{}"), CancellationToken.None);

        await _app.DecideAsync(input, Dan, ApprovalChoice.Reject, comment: "no");

        Assert.Equal("rejected", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        OutcomeNotice[] notices = [.. _app.ChannelUpdates.Notices.Where(n => n.ActionId == input.ActionId)];
        Assert.Equal(updates, notices.Length);
        Assert.All(notices, n => Assert.Equal("Rejected by " + Dan.DisplayName, n.Headline));
    }

    /// <summary>
    /// Version 2.0 keeps one durable timer per deadline however many decisions arrive before it; 1.0 made one per
    /// event. (The decisions here are the agent owner's, refused and audited; each wakes the wait.)
    /// </summary>
    [Theory]
    [InlineData(OrchestrationVersions.V1, 21, 17)]
    [InlineData(OrchestrationVersions.V2, 1, 17)]
    [InlineData(OrchestrationVersions.V3, 1, 18)]
    public async Task Wait_TwentyDecisionsBeforeTheDeadline_CreatesTimersPerVersion(string version, int timers, int activities)
    {
        ApprovalInput input = await _app.SubmitAsync(TestPolicies.Action("db.write.rows"), version: version);
        await _app.WaitForPendingAsync(input.ActionId);

        for (int i = 1; i <= 20; i++)
        {
            await _app.DecideAsync(input, Olga, ApprovalChoice.Approve); // the agent's owner: refused
            await _app.WaitForStateAsync(input.ActionId, s => s.RefusedAttempts == i);
        }

        await _app.DecideAsync(input, Dan, ApprovalChoice.Approve);

        Assert.Equal("released", (await _app.CompletionAsync(input.ActionId)).ReadOutputAs<string>());
        Assert.Equal(timers, _timers.GetValueOrDefault(input.ActionId));
        // Refusals past the audit limit add no activity; 3.0 adds one: updating the chat messages once decided.
        Assert.Equal(activities, _activities.GetValueOrDefault(input.ActionId));
    }

    [Fact]
    public async Task Run_InstanceWithoutAVersion_RunsAsTheFirstVersion()
    {
        ApprovalInput unversioned = await _app.SubmitAsync(TestPolicies.Action("crm.read"), version: "");

        Assert.Equal("released", (await _app.CompletionAsync(unversioned.ActionId)).ReadOutputAs<string>());
    }

    [Fact]
    public async Task Run_VersionThisBuildDoesNotHave_FailsNamingItInsteadOfReplayingWithOtherCode()
    {
        ApprovalInput future = await _app.SubmitAsync(TestPolicies.Action("crm.read"), version: "9.0");

        OrchestrationMetadata done = await _app.CompletionAsync(future.ActionId);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.Contains("version 9.0", done.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(_app.Releases.Of(future.ActionId));
    }

    [Fact]
    public void HostJson_StampsNewInstancesWithTheCurrentVersion()
    {
        string root = typeof(VersioningTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        JsonNode durable = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "host.json")))!["extensions"]!["durableTask"]!;

        Assert.Equal(OrchestrationVersions.Current, durable["defaultVersion"]!.GetValue<string>());
        Assert.Equal("CurrentOrOlder", durable["versionMatchStrategy"]!.GetValue<string>());
        Assert.Contains(OrchestrationVersions.Current, OrchestrationVersions.Builds.Keys);
    }
}
