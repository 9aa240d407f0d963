using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Client;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Mcp;

/// <summary>How the proxy names and waits for the calls it gates.</summary>
public sealed class McpProxyOptions
{
    /// <summary>The upstream server's name: actions are <c>mcp.{name}.{tool}</c> on <c>mcp://{name}/{tool}</c>.</summary>
    public required string ServerName { get; init; }

    /// <summary>How long a call waits for a decision before answering that it awaits approval.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>The region of the data the upstream touches (<c>data.sourceRegion</c>); default: the host's.</summary>
    public string? Region { get; init; }
}

/// <summary>
/// A policy gateway in front of another MCP server: it lists the upstream's tools unchanged and puts every
/// <c>tools/call</c> under policy and approval (<see cref="ApprovalGate"/>). Allowed calls go upstream once; denied,
/// rejected and expired ones never do (a tool error with the reasons); a pending one answers that it awaits approval,
/// and the same call after the release runs upstream exactly once, spending its receipt; calling it again asks anew.
/// </summary>
public static class McpProxy
{
    /// <summary>Creates the proxy server over <paramref name="downstream"/> for the tools of <paramref name="upstream"/>.</summary>
    public static async Task<McpServer> CreateAsync(ITransport downstream, McpClient upstream, ApprovalGate gate, McpProxyOptions options,
        ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(options);
        IList<McpClientTool> tools = await upstream.ListToolsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        Dictionary<string, Tool> byName = tools.ToDictionary(t => t.Name, t => t.ProtocolTool, StringComparer.Ordinal);
        var server = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "approvals-proxy-" + options.ServerName, Version = "1.0" },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [.. byName.Values] }),
                CallToolHandler = (request, ct) => CallAsync(upstream, byName, gate, options, request, ct),
            },
        };
        return McpServer.Create(downstream, server, loggers);
    }

    private static async ValueTask<CallToolResult> CallAsync(McpClient upstream, Dictionary<string, Tool> tools, ApprovalGate gate, McpProxyOptions options,
        RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        CallToolRequestParams call = request.Params!;
        if (!tools.TryGetValue(call.Name, out Tool? tool))
        {
            return Error($"The upstream server {options.ServerName} has no tool {call.Name}.");
        }

        JsonObject arguments = JsonNode.Parse(JsonSerializer.Serialize(call.Arguments ?? new Dictionary<string, JsonElement>()))!.AsObject();
        var gated = new GatedCall($"mcp.{options.ServerName}.{call.Name}", options.Region, Resource: $"mcp://{options.ServerName}/{call.Name}",
            Intent: tool.Title ?? tool.Description);
        GateOutcome<CallToolResult> outcome;
        using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // While the call waits for a decision, the caller hears so every few seconds (when it asked for progress).
            Task ticking = call.ProgressToken is ProgressToken token ? TickAsync(request.Server, token, options.Wait, waiting.Token) : Task.CompletedTask;
            try
            {
                outcome = await gate.RunAsync(tool.Title ?? call.Name, arguments, gated, options.Wait,
                    ct => upstream.CallToolAsync(new CallToolRequestParams { Name = call.Name, Arguments = call.Arguments }, ct).AsTask(), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await waiting.CancelAsync().ConfigureAwait(false);
                await ticking.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        if (outcome.Ran)
        {
            return outcome.Result!;
        }

        JsonObject described = ApprovalRequiredFunction.Describe(outcome);
        return new CallToolResult
        {
            // Not approved (or not runnable) is an error the model must not work around; awaiting approval is not.
            IsError = outcome.NotApproved || outcome.Refusal is not null,
            Content = [new TextContentBlock { Text = described.ToJsonString() }],
            StructuredContent = JsonSerializer.SerializeToElement(described),
        };
    }

    /// <summary>Progress notifications every 2 seconds of the wait, until <paramref name="stop"/>.</summary>
    private static async Task TickAsync(McpServer server, ProgressToken token, TimeSpan wait, CancellationToken stop)
    {
        for (int seconds = 2; ; seconds += 2)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), stop).ConfigureAwait(false);
            await server.NotifyProgressAsync(token, new ModelContextProtocol.ProgressNotificationValue
            {
                Progress = seconds,
                Total = (float)wait.TotalSeconds,
                Message = $"waiting for a decision ({seconds} s of {wait.TotalSeconds:0} s)",
            }, cancellationToken: stop).ConfigureAwait(false);
        }
    }

    private static CallToolResult Error(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
}
