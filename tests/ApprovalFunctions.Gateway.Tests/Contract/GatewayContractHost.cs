using System.Text;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Contract;

namespace ApprovalFunctions.Gateway.Tests.Contract;

/// <summary>The gateway under the contract: the real app (WebApplicationFactory) with the contract world's identities file and policy.</summary>
public sealed class GatewayContractHost : ContractHostBase, IAsyncLifetime
{
    private readonly TempDirectory _files = new();
    private GatewayFactory _gateway = null!;

    private HttpClient _client = null!;

    public override string Name => "gateway";

    public override bool HasReleaseFeed => true;

    public override HttpClient Client => _client;

    public async Task InitializeAsync()
    {
        string policy = Path.Combine(_files.Path, "contract.yaml");
        string identities = Path.Combine(_files.Path, "identities.yaml");
        await File.WriteAllTextAsync(policy, ContractWorld.Policy);
        await File.WriteAllTextAsync(identities, IdentitiesYaml());
        _gateway = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:IdentitiesPath"] = identities }, policies: policy);
        _client = _gateway.CreateClient();
    }

    /// <summary>The gateway runs on a manual clock: it moves.</summary>
    public override Task LetTimePassAsync(TimeSpan time)
    {
        _gateway.Advance(time);
        return Task.CompletedTask;
    }

    /// <summary>A development token from the gateway's own issuer, as the portal gets one in development mode.</summary>
    protected override string PersonToken(Who who)
    {
        PersonEntry person = _gateway.Service<IdentitiesFile>().People.Single(p => p.Id == ContractWorld.Person(who).Id);
        return _gateway.Service<DevIssuer>().TokenFor(person, who == Who.Auditor, _gateway.Clock.GetUtcNow());
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _gateway.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>The contract world as the gateway's identities file.</summary>
    private static string IdentitiesYaml()
    {
        var yaml = new StringBuilder("people:\n");
        foreach ((string id, string name, string email, string[] groups) in ContractWorld.People)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"  - {{ id: {id}, displayName: {name}, email: {email}, groups: [{string.Join(", ", groups)}] }}\n");
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
