using ApprovalFunctions.Client;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Mcp;

/// <summary>The approvals MCP server over a transport (stdio for <c>approvals mcp</c>).</summary>
public static class ApprovalsMcpServer
{
    /// <summary>Creates the server with the approval tools over <paramref name="transport"/>.</summary>
    public static McpServer Create(ITransport transport, ApprovalsClient approvals, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "approvals", Version = typeof(ApprovalsMcpServer).Assembly.GetName().Version?.ToString() ?? "1.0" },
            ServerInstructions = "Call request_approval before any privileged action and act only when it is released, with exactly the parameters you sent.",
            ToolCollection = [.. new ApprovalTools(approvals).All()],
        };
        return McpServer.Create(transport, options, loggers);
    }
}
