using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Tests.Shared;

namespace ApprovalFunctions.Microsoft365.Tests.Directory;

/// <summary>The real GraphServiceClient against a local Graph: paths, paging, not-found, caching.</summary>
public sealed class GraphDirectoryTests : IAsyncLifetime
{
    private const string GroupId = "5a1e0c2b-1111-4222-8333-944455556666";
    private const string UserFields = "$select=id,displayName,mail,userPrincipalName";
    private FakeGraph _graph = null!;

    public async Task InitializeAsync() => _graph = await FakeGraph.StartAsync();

    public async Task DisposeAsync() => await _graph.DisposeAsync();

    private static JsonObject User(string id, string name, string? mail) =>
        new() { ["id"] = id, ["displayName"] = name, ["mail"] = mail, ["userPrincipalName"] = $"{id}@contoso.onmicrosoft.com" };

    private void GroupNamed(string name, params string[] ids) =>
        _graph.On("GET", $"/v1.0/groups?$filter=displayName eq '{name}'&$select=id,displayName&$top=2",
            new FakeGraph.Answer(200, new JsonObject { ["value"] = new JsonArray([.. ids.Select(id => (JsonNode)new JsonObject { ["id"] = id, ["displayName"] = name })]) }));

    [Fact]
    public async Task GroupMembers_ByName_FollowsTransitivePagesAndCaches()
    {
        GroupNamed("prod-owners", GroupId);
        string next = $"{_graph.BaseUrl}/groups/{GroupId}/transitiveMembers/graph.user?$skiptoken=page2";
        _graph.On("GET", $"/v1.0/groups/{GroupId}/transitiveMembers/graph.user?{UserFields}&$top=999", new FakeGraph.Answer(200, new JsonObject
        {
            ["value"] = new JsonArray(User("u1", "Ann", "Ann@Contoso.com"), User("u2", "Bob", null)),
            ["@odata.nextLink"] = next,
        }));
        _graph.On("GET", $"/v1.0/groups/{GroupId}/transitiveMembers/graph.user?$skiptoken=page2", new FakeGraph.Answer(200, new JsonObject
        {
            ["value"] = new JsonArray(User("u3", "Cy", "cy@contoso.com"), User("u1", "Ann", "ann@contoso.com")),
        }));
        var directory = new GraphDirectory(_graph.Client());

        IReadOnlyList<Person> first = await directory.GroupMembersAsync("prod-owners", default);
        IReadOnlyList<Person> second = await directory.GroupMembersAsync("prod-owners", default);

        Assert.Equal(["u1", "u2", "u3"], first.Select(p => p.Id));
        Assert.Equal("ann@contoso.com", first[0].Email);
        Assert.Equal("u2@contoso.onmicrosoft.com", first[1].Email);
        Assert.Same(first, second);
        Assert.Equal(3, _graph.Requests.Count);
        Assert.All(_graph.Requests, r => Assert.Equal("Bearer " + FakeGraph.AccessToken, r.Headers["Authorization"]));
    }

    [Fact]
    public async Task GroupMembers_AmbiguousOrUnknownName_ResolveToNobody()
    {
        GroupNamed("twins", "g1", "g2");
        GroupNamed("nobody");
        var directory = new GraphDirectory(_graph.Client());

        Assert.Empty(await directory.GroupMembersAsync("twins", default));
        Assert.Empty(await directory.GroupMembersAsync("nobody", default));
    }

    [Fact]
    public async Task UserAndManager_KnownAndUnknown_AreFoundOrNull()
    {
        _graph.On("GET", $"/v1.0/users/ann@contoso.com?{UserFields}", new FakeGraph.Answer(200, User("u1", "Ann", "ann@contoso.com")));
        _graph.On("GET", "/v1.0/users/u1/manager", new FakeGraph.Answer(200, new JsonObject { ["@odata.type"] = "#microsoft.graph.user", ["id"] = "m1", ["displayName"] = "Max", ["mail"] = "max@contoso.com" }));
        var directory = new GraphDirectory(_graph.Client());

        Person? ann = await directory.UserAsync("ann@contoso.com", default);
        Person? manager = await directory.ManagerAsync("u1", default);
        Person? ghost = await directory.UserAsync("ghost@contoso.com", default);
        Person? noManager = await directory.ManagerAsync("m1", default);

        Assert.Equal(new Person("u1", "Ann", "ann@contoso.com"), ann);
        Assert.Equal(new Person("m1", "Max", "max@contoso.com"), manager);
        Assert.Null(ghost);
        Assert.Null(noManager);
    }

    [Fact]
    public async Task Cache_AfterItsTtl_AsksGraphAgain()
    {
        _graph.On("GET", $"/v1.0/users/ann@contoso.com?{UserFields}", new FakeGraph.Answer(200, User("u1", "Ann", "ann@contoso.com")));
        var clock = new ManualTime(DateTimeOffset.UtcNow);
        var directory = new GraphDirectory(_graph.Client(), clock) { CacheTtl = TimeSpan.FromMinutes(10) };

        await directory.UserAsync("ann@contoso.com", default);
        clock.Advance(TimeSpan.FromMinutes(9));
        await directory.UserAsync("ann@contoso.com", default);
        clock.Advance(TimeSpan.FromMinutes(2));
        await directory.UserAsync("ann@contoso.com", default);

        Assert.Equal(2, _graph.Requests.Count);
    }

    [Fact]
    public async Task Resolution_ThroughGraph_ExpandsThePlanAndTheManagerChain()
    {
        GroupNamed("prod-owners", GroupId);
        _graph.On("GET", $"/v1.0/groups/{GroupId}/transitiveMembers/graph.user?{UserFields}&$top=999",
            new FakeGraph.Answer(200, new JsonObject { ["value"] = new JsonArray(User("u1", "Ann", "ann@contoso.com"), User("u2", "Bob", "bob@contoso.com")) }));
        _graph.On("GET", "/v1.0/users/dana/manager", new FakeGraph.Answer(200, new JsonObject { ["@odata.type"] = "#microsoft.graph.user", ["id"] = "u2", ["displayName"] = "Bob" }));
        _graph.On("GET", "/v1.0/users/u2/manager", new FakeGraph.Answer(200, new JsonObject { ["@odata.type"] = "#microsoft.graph.user", ["id"] = "m9", ["displayName"] = "Max" }));
        var resolution = new ApproverResolution(new GraphDirectory(_graph.Client()));
        var plan = new Core.Policy.ApprovalPlan([new Core.Policy.ApprovalRequirement(["group:prod-owners"], 2, ["r"])], TimeSpan.FromHours(1), null, null, [], TimeSpan.Zero,
            Core.Policy.TimeoutOutcome.Reject, ExcludeManagerChain: true);

        ResolvedApprovers resolved = await resolution.ResolveAsync(plan, "dana", default);

        Assert.Equal(["u1", "u2"], resolved.Requirements[0].People.Select(p => p.Id));
        Assert.Equal(["u2", "m9"], resolved.RequesterManagers);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
