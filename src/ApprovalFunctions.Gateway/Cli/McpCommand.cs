using System.CommandLine;
using ApprovalFunctions.Client;
using ApprovalFunctions.Mcp;
using Azure.Core;
using ModelContextProtocol.Client;
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
        command.Add(Proxy(console));
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

    /// <summary>
    /// <c>approvals mcp proxy --url … (--api-key … | --token …) --name &lt;server&gt; [--wait 20] [--state file]
    /// (--upstream-url &lt;url&gt; | -- &lt;command args…&gt;)</c>: another MCP server's tools, each call under policy and approval.
    /// </summary>
    private static Command Proxy(CliConsole console)
    {
        var url = new Option<string>("--url") { Description = "The gateway's or the Functions app's base URL.", Required = true };
        var apiKey = new Option<string?>("--api-key") { Description = "The agent's API key." };
        var token = new Option<string?>("--token") { Description = "An Entra app-only bearer token for the agent (instead of --api-key)." };
        var name = new Option<string>("--name") { Description = "The upstream server's name: actions are mcp.<name>.<tool>.", Required = true };
        var wait = new Option<int>("--wait") { Description = "Seconds a call waits for a decision before answering that it awaits approval.", DefaultValueFactory = _ => 20 };
        var state = new Option<string?>("--state") { Description = "Where spent receipts are kept across restarts (default ./.approvals/mcp-proxy-<name>.json)." };
        var upstreamUrl = new Option<string?>("--upstream-url") { Description = "An HTTP upstream (Streamable HTTP) instead of a command." };
        var upstream = new Argument<string[]>("upstream") { Description = "The upstream server's command and arguments, after --.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("proxy", "Put another MCP server's tool calls under policy and approval (stdio).") { url, apiKey, token, name, wait, state, upstreamUrl, upstream };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            string server = parse.GetRequiredValue(name);
            if (!System.Text.RegularExpressions.Regex.IsMatch(server, "^[a-z0-9][a-z0-9-]{0,62}$"))
            {
                throw new CliInputException("--name must be 1 to 63 lower-case letters, digits or '-'");
            }

            if (parse.GetValue(wait) is < 0 or > 300)
            {
                throw new CliInputException("--wait must be between 0 and 300 seconds");
            }

            string[] commandLine = parse.GetValue(upstream) ?? [];
            string? upstreamAddress = parse.GetValue(upstreamUrl);
            if ((commandLine.Length == 0) == (upstreamAddress is null))
            {
                throw new CliInputException("give the upstream server as -- <command args…> or --upstream-url, one of them");
            }

            ApprovalsClientOptions options = Options(parse.GetRequiredValue(url), parse.GetValue(apiKey), parse.GetValue(token));
            IClientTransport transport = upstreamAddress is not null
                ? new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(upstreamAddress) })
                : new StdioClientTransport(new StdioClientTransportOptions { Name = server, Command = commandLine[0], Arguments = commandLine[1..] });
            using var http = new HttpClient();
            var gate = new ApprovalGate(new ApprovalsClient(http, options),
                new FileGateState(parse.GetValue(state) ?? Path.Combine(".approvals", $"mcp-proxy-{server}.json")));
            await using McpClient client = await McpClient.CreateAsync(transport, cancellationToken: ct);
            await using McpServer proxy = await McpProxy.CreateAsync(new StdioServerTransport("approvals-proxy"), client, gate,
                new McpProxyOptions { ServerName = server, Wait = TimeSpan.FromSeconds(parse.GetValue(wait)) }, cancellationToken: ct);
            await proxy.RunAsync(ct);
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
