using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Tests.Shared;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Tests.Contract;

/// <summary>Who calls, in the contract world (<see cref="ContractWorld"/>); each host maps them to its own credentials.</summary>
public enum Who
{
    /// <summary>No credentials.</summary>
    Anonymous,

    /// <summary>The agent that submits (API key).</summary>
    Agent,

    /// <summary>Another agent (API key).</summary>
    OtherAgent,

    /// <summary>An executor (API key).</summary>
    Executor,

    /// <summary>Rita, who requests actions (a person who may decide, but not her own).</summary>
    Rita,

    /// <summary>Ann, an approver.</summary>
    Ann,

    /// <summary>Bob, an approver.</summary>
    Bob,

    /// <summary>Sam, a signed-in person no action concerns.</summary>
    Sam,

    /// <summary>Audrey, an auditor.</summary>
    Auditor,

    /// <summary>Mallory, who signs in with Ann's e-mail address but is somebody else (another object id).</summary>
    Mallory,
}

/// <summary>
/// A host of the HTTP API under contract: the gateway (WebApplicationFactory) or the Functions app (its HTTP functions
/// on the in-process Durable engine), set up with <see cref="ContractWorld"/>'s people, policy and agents.
/// </summary>
public interface IContractHost
{
    /// <summary>"gateway" or "functions", for the few assertions that differ by design (README, "How the hosts differ").</summary>
    string Name { get; }

    /// <summary>True when executors read a release feed over HTTP (the gateway); false when it is a queue (the Functions app).</summary>
    bool HasReleaseFeed { get; }

    /// <summary>
    /// True when every refused decision reaches the process and is counted (the gateway); false when refusals past the
    /// audit limit are not delivered, since each would grow the instance's history (the Functions app).
    /// </summary>
    bool CountsEveryRefusal { get; }

    /// <summary>A client without credentials.</summary>
    HttpClient Client { get; }

    /// <summary>The id the host knows <paramref name="who"/> by.</summary>
    string IdOf(Who who);

    /// <summary>Adds <paramref name="who"/>'s credentials to <paramref name="request"/>.</summary>
    void SignIn(HttpRequestMessage request, Who who);

    /// <summary>Lets <paramref name="time"/> pass on the host's clock (a manual clock moves; a real one is waited for).</summary>
    Task LetTimePassAsync(TimeSpan time);
}

/// <summary>
/// A host whose machines (agents, the executor) authenticate with <see cref="ContractWorld.Machines"/>' API keys and
/// whose people with Entra-shaped bearer tokens from a local OpenID issuer the host trusts (<see cref="Entra"/>): the
/// same tokens, forged and honest, for both hosts.
/// </summary>
public abstract class ContractHostBase : IContractHost
{
    /// <summary>The audience the host accepts.</summary>
    public const string Audience = "api://approvals-contract";

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract bool HasReleaseFeed { get; }

    /// <inheritdoc />
    public abstract bool CountsEveryRefusal { get; }

    /// <inheritdoc />
    public abstract HttpClient Client { get; }

    /// <summary>The trusted issuer (Entra ID in production).</summary>
    internal abstract LocalOpenIdIssuer Entra { get; }

    /// <summary>The Slack workspace the host's Slack app lives in (<see cref="ContractWorld.SlackUsers"/>).</summary>
    internal abstract FakeSlack Slack { get; }

    /// <summary>Teams' Bot Connector service the host's bot talks to.</summary>
    internal abstract FakeBotConnector Teams { get; }

    /// <summary>The issuer standing in for the Bot Framework's, whose tokens the host's bot trusts.</summary>
    internal abstract LocalOpenIdIssuer BotFramework { get; }

    /// <summary>The host's clock (tokens are issued relative to it; receipts are valid by it).</summary>
    public abstract TimeProvider Clock { get; }

    /// <summary>The host's current time.</summary>
    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>The issuer the host signs receipts as (its public base URL).</summary>
    public abstract string ReceiptIssuer { get; }

    /// <summary>The .NET client as <paramref name="who"/> (an agent), over this host's HTTP client.</summary>
    public ApprovalFunctions.Client.ApprovalsClient ClientFor(Who who = Who.Agent) => new(Client, new ApprovalFunctions.Client.ApprovalsClientOptions
    {
        BaseUrl = Client.BaseAddress,
        ApiKey = ContractWorld.Machine(who).Key,
        ReceiptIssuer = ReceiptIssuer,
        Time = Clock,
    });

    /// <inheritdoc />
    public virtual Task LetTimePassAsync(TimeSpan time) => Task.Delay(time);

    /// <inheritdoc />
    public string IdOf(Who who) => IsMachine(who) ? ContractWorld.Machine(who).Id : ContractWorld.Person(who).Id;

    /// <summary>The Entra object id of a person (the <c>oid</c> of their tokens).</summary>
    public virtual string ObjectIdOf(Who who) => ContractWorld.Person(who).Id;

    /// <inheritdoc />
    public void SignIn(HttpRequestMessage request, Who who)
    {
        if (who == Who.Anonymous)
        {
            return;
        }

        if (IsMachine(who))
        {
            request.Headers.Add("X-Api-Key", ContractWorld.Machine(who).Key);
            return;
        }

        request.Headers.Authorization = ContractRequests.Bearer(PersonToken(who));
    }

    /// <summary>
    /// A delegated token for <paramref name="who"/> as Entra issues it to the portal: object id, name, UPN, the decide
    /// scope, the auditor app role for the auditor; <paramref name="change"/> edits the claims (abuse tests).
    /// </summary>
    public string PersonToken(Who who, Action<Dictionary<string, object>>? change = null, SecurityKey? key = null, string audience = Audience,
        DateTimeOffset? notBefore = null, DateTimeOffset? expires = null, string? issuer = null)
    {
        (_, string name, string email, _) = ContractWorld.Person(who);
        var claims = new Dictionary<string, object>
        {
            ["oid"] = ObjectIdOf(who),
            ["sub"] = ObjectIdOf(who),
            ["name"] = name,
            ["preferred_username"] = email,
            ["scp"] = "Approvals.Decide",
        };
        if (who == Who.Auditor)
        {
            claims["roles"] = new[] { "Approvals.Auditor" };
        }

        change?.Invoke(claims);
        return Entra.Token(audience, claims, notBefore ?? Now.AddMinutes(-5), expires ?? Now.AddHours(1), key, issuer);
    }

    private static bool IsMachine(Who who) => who is Who.Agent or Who.OtherAgent or Who.Executor;
}

/// <summary>The people, groups, agents and policy every host under contract is set up with.</summary>
public static class ContractWorld
{
    /// <summary>Actions needing approval go to this group: Ann and Bob.</summary>
    public const string Group = "approvers";

    /// <summary>The region every host has an audit store for.</summary>
    public const string Region = "westeurope";

    /// <summary>The people: id, display name, e-mail, groups.</summary>
    public static readonly (string Id, string Name, string Email, string[] Groups)[] People =
    [
        ("rita", "Rita Requester", "rita@contoso.test", [Group]),
        ("ann", "Ann Approver", "ann@contoso.test", [Group]),
        ("bob", "Bob Approver", "bob@contoso.test", [Group]),
        ("sam", "Sam Stranger", "sam@contoso.test", []),
        ("aud", "Audrey Auditor", "aud@contoso.test", []),
        ("mallory", "Mallory", "ann@contoso.test", []),
    ];

    /// <summary>The agents and the executor: id, role, key.</summary>
    public static readonly (string Id, string Role, string Key)[] Machines =
    [
        ("agent-a", "agent", "ak_contract_agent_a_0123456789"),
        ("agent-b", "agent", "ak_contract_agent_b_0123456789"),
        ("executor-1", "executor", "ak_contract_executor_0123456789"),
    ];

    /// <summary>Reads run, deletes are denied, row writes need one approver (the connection string masked), grants two.</summary>
    public const string Policy = """
        policy: contract
        defaults: { effect: requireApproval, approval: { approvers: ["group:approvers"], minApprovals: 1, timeout: PT1H } }
        rules:
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - { id: deletes, if: { field: action.type, like: "*.delete" }, then: { effect: deny, reason: "deletes are not allowed" } }
          - id: writes
            if: { field: action.type, equals: db.write.rows }
            then:
              effect: requireApproval
              reason: row writes need an approver
              approval: { approvers: ["group:approvers"], minApprovals: 1, timeout: PT1H }
              mask: [parameters.connectionString]
          - id: grants
            if: { field: action.type, equals: iam.grant }
            then: { effect: requireApproval, approval: { approvers: ["group:approvers"], minApprovals: 2, timeout: PT1H } }
          - id: quick
            if: { field: action.type, like: "*.quick" }
            then: { effect: requireApproval, approval: { approvers: ["group:approvers"], minApprovals: 1, timeout: PT2S, onTimeout: reject } }
        """;

    /// <summary>
    /// The Slack workspace: Rita, Ann and Sam are found by their e-mail; Bob by an explicit link in the settings
    /// (<c>Slack:Users</c>); Eve is a Slack member no directory knows.
    /// </summary>
    public static readonly (string UserId, string Email)[] SlackUsers =
    [
        ("URITA", "rita@contoso.test"),
        ("UANN", "ann@contoso.test"),
        ("UBOB", "robert.b@contoso-slack.test"),
        ("USAM", "sam@contoso.test"),
        ("UEVE", "eve@outside.test"),
    ];

    /// <summary>The Teams bot's app id.</summary>
    public const string BotAppId = "0b7f3c1e-2d4a-4e59-8a61-5c3d2e1f0a9b";

    /// <summary>The Teams bot settings of both hosts: the fake Bot Connector, the stand-in Bot Framework issuer, Entra's tenant.</summary>
    internal static Dictionary<string, string?> TeamsSettings(FakeBotConnector connector, LocalOpenIdIssuer botFramework, string tenantId) => new()
    {
        ["TeamsBot:AppId"] = BotAppId,
        ["TeamsBot:TenantId"] = tenantId,
        ["TeamsBot:ServiceUrl"] = connector.ServiceUrl,
        ["TeamsBot:OpenIdMetadata"] = botFramework.MetadataAddress,
        ["TeamsBot:Issuer"] = botFramework.Issuer,
    };

    /// <summary>The Slack settings of both hosts, pointing at <paramref name="slack"/>.</summary>
    internal static Dictionary<string, string?> SlackSettings(FakeSlack slack) => new()
    {
        ["Slack:BotToken"] = FakeSlack.BotToken,
        ["Slack:SigningSecret"] = FakeSlack.SigningSecret,
        ["Slack:ApiBaseUrl"] = slack.ApiBaseUrl,
        ["Slack:TeamId"] = "T0TEST",
        ["Slack:Users:UBOB"] = "bob",
    };

    /// <summary>The Slack user of <paramref name="who"/>.</summary>
    public static string SlackUser(Who who) => who switch
    {
        Who.Rita => "URITA",
        Who.Ann => "UANN",
        Who.Bob => "UBOB",
        Who.Sam => "USAM",
        _ => "UEVE",
    };

    /// <summary>The machine of <paramref name="who"/>, for hosts that authenticate machines by API key.</summary>
    public static (string Id, string Role, string Key) Machine(Who who) => who switch
    {
        Who.Agent => Machines[0],
        Who.OtherAgent => Machines[1],
        Who.Executor => Machines[2],
        _ => throw new ArgumentOutOfRangeException(nameof(who), who, "not a machine"),
    };

    /// <summary>The person of <paramref name="who"/>.</summary>
    public static (string Id, string Name, string Email, string[] Groups) Person(Who who) => who switch
    {
        Who.Rita => People[0],
        Who.Ann => People[1],
        Who.Bob => People[2],
        Who.Sam => People[3],
        Who.Auditor => People[4],
        Who.Mallory => People[5],
        _ => throw new ArgumentOutOfRangeException(nameof(who), who, "not a person"),
    };

    /// <summary>A row write requested by Rita, with a secret to mask.</summary>
    public static string Write(string? key = null, int rows = 12) => new JsonObject
    {
        ["type"] = "db.write.rows",
        ["summary"] = $"Fix {rows} rows",
        ["requester"] = new JsonObject { ["id"] = "rita", ["displayName"] = "Rita Requester" },
        ["target"] = new JsonObject { ["environment"] = "production" },
        ["data"] = new JsonObject { ["sourceRegion"] = Region },
        ["parameters"] = new JsonObject { ["connectionString"] = "Server=db;Password=hunter2", ["rows"] = rows },
        ["idempotencyKey"] = key,
    }.ToJsonString();

    /// <summary>An action of <paramref name="type"/> in the contract region.</summary>
    public static string Action(string type, string region = Region) =>
        new JsonObject { ["type"] = type, ["summary"] = "A " + type, ["data"] = new JsonObject { ["sourceRegion"] = region } }.ToJsonString();
}

/// <summary>One answer: status, headers, and the body as JSON when it is JSON.</summary>
/// <param name="Status">The status code.</param>
/// <param name="Body">The JSON body (an empty object when there is none).</param>
/// <param name="Response">The response, for headers.</param>
public sealed record Answer(HttpStatusCode Status, JsonObject Body, HttpResponseMessage Response)
{
    /// <summary>The media type.</summary>
    public string? ContentType => Response.Content.Headers.ContentType?.MediaType;

    /// <summary>A string member by dotted path, or null.</summary>
    public string? Text(string path)
    {
        JsonNode? node = Body;
        foreach (string part in path.Split('.'))
        {
            node = node?[part];
        }

        return node?.GetValue<object>()?.ToString();
    }
}

/// <summary>Requests against an <see cref="IContractHost"/>.</summary>
public static class ContractRequests
{
    /// <summary>Sends a request as <paramref name="who"/>.</summary>
    public static async Task<Answer> SendAsync(this IContractHost host, Who who, HttpMethod method, string path, string? json = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
        };
        foreach ((string name, string value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        host.SignIn(request, who);
        HttpResponseMessage response = await host.Client.SendAsync(request);
        OpenApiCheck.AssertDocumented(method, path, response.StatusCode);
        string text = await response.Content.ReadAsStringAsync();
        JsonObject body = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : [];
        return new Answer(response.StatusCode, body, response);
    }

    /// <summary>GET as <paramref name="who"/>.</summary>
    public static Task<Answer> GetAsync(this IContractHost host, Who who, string path) => host.SendAsync(who, HttpMethod.Get, path);

    /// <summary>Submits as the agent, waiting up to <paramref name="wait"/> for the outcome.</summary>
    public static Task<Answer> SubmitAsync(this IContractHost host, string action, string wait = "PT5S", Who who = Who.Agent, params (string Name, string Value)[] headers) =>
        host.SendAsync(who, HttpMethod.Post, $"/api/actions?wait={wait}", action, headers);

    /// <summary>Submits a row write and waits until it awaits approval; returns its status.</summary>
    public static async Task<JsonObject> PendingWriteAsync(this IContractHost host, string? key = null)
    {
        Answer submitted = await host.SubmitAsync(ContractWorld.Write(key), wait: "PT0S");
        Assert.True(submitted.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, $"submit answered {submitted.Status}: {submitted.Body}");
        return await host.StatusWhenAsync(submitted.Body["id"]!.GetValue<string>(), s => s["status"]!.GetValue<string>() == "pendingApproval");
    }

    /// <summary>Decides as <paramref name="who"/>.</summary>
    public static Task<Answer> DecideAsync(this IContractHost host, Who who, string id, string digest, string decision = "approve", string? comment = null, string? key = null) =>
        host.SendAsync(who, HttpMethod.Post, $"/api/actions/{id}/decisions",
            new JsonObject { ["decision"] = decision, ["comment"] = comment ?? (decision == "reject" ? "not now" : null), ["actionDigest"] = digest }.ToJsonString(),
            key is null ? [] : [("Idempotency-Key", key)]);

    /// <summary>Polls the status (as the agent) until <paramref name="done"/> holds; fails after 20 seconds.</summary>
    public static async Task<JsonObject> StatusWhenAsync(this IContractHost host, string id, Func<JsonObject, bool> done, Who who = Who.Agent)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            Answer status = await host.GetAsync(who, $"/api/actions/{id}");
            if (status.Status == HttpStatusCode.OK && done(status.Body))
            {
                return status.Body;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{host.Name}: action {id} did not get there in 20 s; last: {status.Status} {status.Body}");
            await Task.Delay(50);
        }
    }

    /// <summary>The auditor's records once the trail has its <c>completed</c> record (writers are asynchronous).</summary>
    public static async Task<JsonArray> CompletedTrailAsync(this IContractHost host, string id)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            Answer audit = await host.GetAsync(Who.Auditor, $"/api/actions/{id}/audit");
            JsonArray records = audit.Body["records"]!.AsArray();
            if (records.Any(r => r!["type"]!.GetValue<string>() == "completed"))
            {
                return records;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{host.Name}: no completed record in 20 s");
            await Task.Delay(50);
        }
    }

    /// <summary>Asserts a problem document with <paramref name="status"/>; returns it.</summary>
    public static JsonObject Problem(this Answer answer, HttpStatusCode status, string? reason = null, string? field = null)
    {
        Assert.True(answer.Status == status, $"expected {(int)status}, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.StartsWith("urn:approval-functions:problem:", answer.Body["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal((int)status, answer.Body["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(answer.Body["detail"]?.GetValue<string>()));
        if (reason is not null)
        {
            Assert.Equal(reason, answer.Body["reason"]?.GetValue<string>());
        }

        if (field is not null)
        {
            Assert.Contains(answer.Body["errors"]!.AsArray(), e => e!["field"]!.GetValue<string>() == field);
        }

        return answer.Body;
    }

    /// <summary>A bearer header value.</summary>
    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
