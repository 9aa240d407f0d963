using System.IO.Pipelines;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalFunctions.Tests.Shared;

/// <summary>
/// MCP servers and the SDK's own clients connected over in-process stream pairs, as stdio would carry them; everything
/// connected is disposed together, last first.
/// </summary>
internal sealed class InProcessMcp : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _open = [];

    /// <summary>Runs the server <paramref name="create"/> makes over a new stream pair and connects a client to it.</summary>
    public async Task<McpClient> ConnectAsync(Func<ITransport, Task<McpServer>> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var toServer = new Pipe();
        var toClient = new Pipe();
        McpServer server = await create(new StreamServerTransport(toServer.Reader.AsStream(), toClient.Writer.AsStream()));
        _open.Add(server);
        _ = server.RunAsync();
        McpClient client = await McpClient.CreateAsync(new StreamClientTransport(toServer.Writer.AsStream(), toClient.Reader.AsStream()));
        _open.Add(client);
        return client;
    }

    /// <inheritdoc cref="ConnectAsync(Func{ITransport, Task{McpServer}})" />
    public Task<McpClient> ConnectAsync(Func<ITransport, McpServer> create) => ConnectAsync(transport => Task.FromResult(create(transport)));

    public async ValueTask DisposeAsync()
    {
        foreach (IAsyncDisposable open in Enumerable.Reverse(_open))
        {
            await open.DisposeAsync();
        }

        _open.Clear();
    }
}
