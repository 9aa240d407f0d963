using System.Text;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Tests.Support;
using ApprovalFunctions.Tests.Contract;

namespace ApprovalFunctions.Gateway.Tests.Contract;

/// <summary>The gateway under the contract: the real app (WebApplicationFactory) with the contract world's identities file and policy.</summary>
public sealed class GatewayContractHost : IContractHost, IAsyncLifetime
{
    private readonly TempDirectory _files = new();
    private GatewayFactory _gateway = null!;

    public string Name => "gateway";

    public bool HasReleaseFeed => true;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string policy = Path.Combine(_files.Path, "contract.yaml");
        string identities = Path.Combine(_files.Path, "identities.yaml");
        await File.WriteAllTextAsync(policy, ContractWorld.Policy);
        await File.WriteAllTextAsync(identities, IdentitiesYaml());
        _gateway = new GatewayFactory(new Dictionary<string, string?> { ["Gateway:IdentitiesPath"] = identities }, policies: policy);
        Client = _gateway.CreateClient();
    }

    public string IdOf(Who who) => who is Who.Agent or Who.OtherAgent or Who.Executor ? ContractWorld.Machine(who).Id : ContractWorld.Person(who).Id;

    public void SignIn(HttpRequestMessage request, Who who)
    {
        if (who == Who.Anonymous)
        {
            return;
        }

        if (who is Who.Agent or Who.OtherAgent or Who.Executor)
        {
            request.Headers.Add("X-Api-Key", ContractWorld.Machine(who).Key);
            return;
        }

        // A development token from the gateway's own issuer, as the portal gets one in development mode.
        IdentitiesFile file = _gateway.Service<IdentitiesFile>();
        PersonEntry person = file.People.Single(p => p.Id == ContractWorld.Person(who).Id);
        request.Headers.Authorization = ContractRequests.Bearer(_gateway.Service<DevIssuer>().TokenFor(person, who == Who.Auditor, _gateway.Clock.GetUtcNow()));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
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
