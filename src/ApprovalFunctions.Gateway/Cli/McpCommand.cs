using System.CommandLine;
using ApprovalFunctions.Client;
using ApprovalFunctions.Mcp;
using Azure.Core;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary>
/// <c>approvals mcp --url &lt;host&gt; (--api-key &lt;key&gt; | --token &lt;bearer&gt;)</c>: the approvals MCP server over
/// stdio, for agents that act through MCP; a client of the REST API of either host, as the given agent.
/// </summary>
internal static class McpCommand
{
    public static Command Create(CliConsole console)
    {
        var url = new Option<string>("--url") { Description = "The gateway's or the Functions app's base URL.", Required = true };
        var apiKey = new Option<string?>("--api-key") { Description = "The agent's API key." };
        var token = new Option<string?>("--token") { Description = "An Entra app-only bearer token for the agent (instead of --api-key)." };
        var command = new Command("mcp", "Serve request_approval, get_approval and cancel_approval as MCP tools over stdio.") { url, apiKey, token };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            ApprovalsClientOptions options = Options(parse.GetRequiredValue(url), parse.GetValue(apiKey), parse.GetValue(token));
            using var http = new HttpClient();
            var approvals = new ApprovalsClient(http, options);
            await using McpServer server = ApprovalsMcpServer.Create(new StdioServerTransport("approvals"), approvals);
            await server.RunAsync(ct);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static ApprovalsClientOptions Options(string url, string? apiKey, string? token)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            throw new CliInputException($"--url must be an absolute http(s) URL, not {Core.LogText.Quote(url)}");
        }

        if ((apiKey is null) == (token is null))
        {
            throw new CliInputException("give exactly one of --api-key and --token");
        }

        return new ApprovalsClientOptions
        {
            BaseUrl = baseUrl,
            ApiKey = apiKey,
            Credential = token is null ? null : new FixedToken(token),
            Scope = token is null ? null : "given",
        };
    }

    /// <summary>A bearer token given on the command line (its holder renews it).</summary>
    private sealed class FixedToken(string token) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) => new(token, DateTimeOffset.MaxValue);

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
