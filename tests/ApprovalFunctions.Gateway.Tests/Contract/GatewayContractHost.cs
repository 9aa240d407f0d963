using System.Text;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Contract;
using ApprovalFunctions.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace ApprovalFunctions.Gateway.Tests.Contract;

/// <summary>
/// The gateway under the contract: the real app (WebApplicationFactory) with the contract world's identities file (each
/// person with an Entra object id) and policy, trusting a local OpenID issuer as Entra ID.
/// </summary>
public sealed class GatewayContractHost : ContractHostBase, IAsyncLifetime
{
    private readonly TempDirectory _files = new();
    private GatewayFactory _gateway = null!;
    private HttpClient _client = null!;
    private LocalOpenIdIssuer _entra = null!;
    private FakeSlack _slack = null!;
    private FakeBotConnector _teams = null!;
    private LocalOpenIdIssuer _botFramework = null!;

    public override string Name => "gateway";

    public override bool CountsEveryRefusal => true;

    public override bool HasReleaseFeed => true;

    public override HttpClient Client => _client;

    internal override LocalOpenIdIssuer Entra => _entra;

    internal override FakeSlack Slack => _slack;

    internal override FakeBotConnector Teams => _teams;

    internal override LocalOpenIdIssuer BotFramework => _botFramework;

    public override TimeProvider Clock => _gateway.Clock;

    public override string ReceiptIssuer => "http://gateway.test";

    /// <summary>The identities file names people by short ids and maps their Entra object ids to them.</summary>
    public override string ObjectIdOf(Who who) => "oid-" + ContractWorld.Person(who).Id;

    public async Task InitializeAsync()
    {
        string policy = Path.Combine(_files.Path, "contract.yaml");
        string identities = Path.Combine(_files.Path, "identities.yaml");
        await File.WriteAllTextAsync(policy, ContractWorld.Policy);
        await File.WriteAllTextAsync(identities, IdentitiesYaml());
        _entra = await LocalOpenIdIssuer.StartAsync();
        _slack = await FakeSlack.StartAsync(ContractWorld.SlackUsers);
        _teams = await FakeBotConnector.StartAsync();
        _botFramework = await LocalOpenIdIssuer.StartBotFrameworkAsync();
        _gateway = new GatewayFactory(
            new Dictionary<string, string?>([.. ContractWorld.SlackSettings(_slack), .. ContractWorld.TeamsSettings(_teams, _botFramework, _entra.TenantId)])
            {
                ["Gateway:IdentitiesPath"] = identities,
                ["Identity:Issuers:0:MetadataAddress"] = _entra.MetadataAddress,
                ["Identity:Issuers:0:TenantId"] = _entra.TenantId,
                ["Identity:Issuers:0:Audiences:0"] = Audience,
                ["Identity:Issuers:0:RequireHttpsMetadata"] = "false",
            },
            policies: policy,
            services: s => s.AddSingleton(new ApprovalFunctions.Channels.Teams.TeamsBotCredential(FakeBotConnector.Credential)));
        _client = _gateway.CreateClient();
    }

    /// <summary>The gateway runs on a manual clock: it moves.</summary>
    public override Task LetTimePassAsync(TimeSpan time)
    {
        _gateway.Advance(time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _entra.DisposeAsync();
        await _slack.DisposeAsync();
        await _teams.DisposeAsync();
        await _botFramework.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>The contract world as the gateway's identities file.</summary>
    private static string IdentitiesYaml()
    {
        var yaml = new StringBuilder("people:\n");
        foreach ((string id, string name, string email, string[] groups) in ContractWorld.People)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: {id}, objectId: oid-{id}, displayName: {name}, email: {email}, groups: [{string.Join(", ", groups)}] }}\n");
        }

        yaml.Append("auditors: [").Append(ContractWorld.Person(Who.Auditor).Id).Append("]\nagents:\n");
        foreach ((string id, _, string key) in ContractWorld.Machines.Where(m => m.Role == "agent"))
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: {id}, apiKey: {key} }}\n");
        }

        yaml.Append("executors:\n");
        foreach ((string id, _, string key) in ContractWorld.Machines.Where(m => m.Role == "executor"))
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: {id}, apiKey: {key} }}\n");
        }

        return yaml.ToString();
    }
}

public sealed class GatewaySubmitContract(GatewayContractHost host) : SubmitContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayVisibilityContract(GatewayContractHost host) : VisibilityContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayDecisionContract(GatewayContractHost host) : DecisionContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayCancelContract(GatewayContractHost host) : CancelContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayInboxContract(GatewayContractHost host) : InboxContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayPublicContract(GatewayContractHost host) : PublicContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayAbuseContract(GatewayContractHost host) : AbuseContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayClientContract(GatewayContractHost host) : ClientContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayMcpContract(GatewayContractHost host) : McpContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewaySlackContract(GatewayContractHost host) : SlackContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayTeamsContract(GatewayContractHost host) : TeamsContract(host), IClassFixture<GatewayContractHost>;

public sealed class GatewayProxyContract(GatewayContractHost host) : ProxyContract(host), IClassFixture<GatewayContractHost>;
