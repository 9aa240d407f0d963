using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Tests.Support;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Tests.Contract;
using ApprovalFunctions.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalFunctions.FunctionApp.Tests.Contract;

/// <summary>
/// The Functions app under the contract: its HTTP functions behind its authentication middleware, on the in-process
/// Durable engine, with the contract world's policy, its people as the directory, its agents' API keys, and people
/// signing in with Entra-shaped tokens from a local OpenID issuer.
/// </summary>
public sealed class FunctionsContractHost : ContractHostBase, IAsyncLifetime
{
    private FunctionsHttpHost _app = null!;
    private FakeSlack _slack = null!;
    private FakeBotConnector _teams = null!;
    private LocalOpenIdIssuer _botFramework = null!;

    public override string Name => "functions";

    public override bool CountsEveryRefusal => false;

    public override bool HasReleaseFeed => false;

    public override HttpClient Client => _app.Client;

    internal override LocalOpenIdIssuer Entra => _app.Issuer;

    internal override FakeSlack Slack => _slack;

    internal override FakeBotConnector Teams => _teams;

    internal override LocalOpenIdIssuer BotFramework => _botFramework;

    public override TimeProvider Clock => TimeProvider.System;

    public override string ReceiptIssuer => "http://localhost:7071";

    public async Task InitializeAsync()
    {
        _slack = await FakeSlack.StartAsync(ContractWorld.SlackUsers);
        _teams = await FakeBotConnector.StartAsync();
        _botFramework = await LocalOpenIdIssuer.StartBotFrameworkAsync();
        _app = await FunctionsHttpHost.StartAsync(ContractWorld.Policy, new WorldDirectory(), ContractWorld.Machines, Audience,
            issuer => new Dictionary<string, string?>([.. ContractWorld.SlackSettings(_slack), .. ContractWorld.TeamsSettings(_teams, _botFramework, issuer.TenantId)]),
            services => services.AddSingleton(new ApprovalFunctions.Channels.Teams.TeamsBotCredential(FakeBotConnector.Credential)));
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _slack.DisposeAsync();
        await _teams.DisposeAsync();
        await _botFramework.DisposeAsync();
    }

    /// <summary>The contract world's people and groups as the directory (Entra through Graph in production).</summary>
    private sealed class WorldDirectory : IDirectoryLookup
    {
        private static readonly Person[] Everyone = [.. ContractWorld.People.Select(p => new Person(p.Id, p.Name, p.Email))];

        public Task<IReadOnlyList<Person>> GroupMembersAsync(string group, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Person>>([.. ContractWorld.People.Where(p => p.Groups.Contains(group)).Select(p => Everyone.Single(e => e.Id == p.Id))]);

        /// <summary>By id, or by e-mail as Graph finds a user by UPN (the first of the people sharing one).</summary>
        public Task<Person?> UserAsync(string user, CancellationToken cancellationToken) =>
            Task.FromResult(Everyone.FirstOrDefault(p => p.Id == user) ?? Everyone.FirstOrDefault(p => string.Equals(p.Email, user, StringComparison.OrdinalIgnoreCase)));

        public Task<Person?> ManagerAsync(string userId, CancellationToken cancellationToken) => Task.FromResult<Person?>(null);
    }
}

public sealed class FunctionsSubmitContract(FunctionsContractHost host) : SubmitContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsVisibilityContract(FunctionsContractHost host) : VisibilityContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsDecisionContract(FunctionsContractHost host) : DecisionContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsCancelContract(FunctionsContractHost host) : CancelContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsInboxContract(FunctionsContractHost host) : InboxContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsPublicContract(FunctionsContractHost host) : PublicContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsAbuseContract(FunctionsContractHost host) : AbuseContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsClientContract(FunctionsContractHost host) : ClientContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsMcpContract(FunctionsContractHost host) : McpContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsSlackContract(FunctionsContractHost host) : SlackContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsTeamsContract(FunctionsContractHost host) : TeamsContract(host), IClassFixture<FunctionsContractHost>;

public sealed class FunctionsProxyContract(FunctionsContractHost host) : ProxyContract(host), IClassFixture<FunctionsContractHost>;
