using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace ApprovalFunctions.LoadDriver;

/// <summary>The policies, identities and action bodies of the load scenarios.</summary>
internal static class Workload
{
    public const string AgentKey = "load-agent-key";

    public const string Policies = """
        policy: load
        defaults:
          effect: requireApproval
          approval: { approvers: ["group:owners"], minApprovals: 1, timeout: PT24H }
        rules:
          - { id: reads, if: { field: action.type, like: "*.read" }, then: { effect: allow } }
          - id: prod-writes
            if: { allOf: [ { field: target.environment, equals: production }, { field: action.type, like: "db.write*" } ] }
            then:
              effect: requireApproval
              reason: production writes need two owners
              approval: { approvers: ["group:owners"], minApprovals: 2, timeout: PT24H, remindAfter: PT4H }
          - id: short-timeout
            if: { field: action.type, equals: ticket.close }
            then: { effect: requireApproval, approval: { approvers: ["group:owners"], timeout: PT5S, onTimeout: reject } }
        """;

    public const string Identities = """
        people:
          - { id: req, displayName: Requester, email: req@load.test }
          - { id: own1, displayName: Owner One, email: own1@load.test, groups: [owners] }
          - { id: own2, displayName: Owner Two, email: own2@load.test, groups: [owners] }
          - { id: own3, displayName: Owner Three, email: own3@load.test, groups: [owners] }
        agents:
          - { id: load-agent, owner: own3, apiKey: load-agent-key }
        """;

    public static HttpClient Client(Uri baseAddress, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
            DefaultRequestHeaders = { { "X-Api-Key", AgentKey } },
        };

    public static StringContent Read(long i) => Json(
        $$$"""{"type":"crm.contact.read","summary":"Look up contact {{{i}}}","requester":{"id":"req"},"data":{"sourceRegion":"westeurope","classification":["pii"]},"parameters":{"contactId":"c-{{{i}}}"}}""");

    public static StringContent Write(long i) => Json(
        $$$"""{"type":"db.write.rows","summary":"Fix {{{i % 50 + 1}}} rows in orders","requester":{"id":"req","displayName":"Requester"},"target":{"resource":"sql://orders","environment":"production"},"data":{"sourceRegion":"westeurope","classification":["pii"]},"parameters":{"table":"orders","rows":{{{i % 50 + 1}}},"contact":"customer{{{i}}}@example.com","ticket":"CHG-{{{i.ToString(CultureInfo.InvariantCulture)}}}"}}""");

    public static StringContent Close(long i) => Json(
        $$$"""{"type":"ticket.close","summary":"Close ticket {{{i}}}","requester":{"id":"req"},"data":{"sourceRegion":"westeurope"}}""");

    private static StringContent Json(string text) => new(text, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
