using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using ApprovalFunctions.FunctionApp.Hosting;
using Azure.Storage.Blobs;

namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>
/// Azurite's Blob service on a free loopback port, in memory, started for a test class and stopped after it. Installed
/// from tools/azurite's lock file by the test project's build (nothing is downloaded when tests run). The clients are the
/// real <c>Azure.Storage.Blobs</c> clients over HTTP: nothing is mocked between a store and Azurite.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private readonly System.Text.StringBuilder _output = new();
    private Process? _process;

    /// <summary>The connection string of the development account on this instance's port.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>The blob endpoint (<c>http://127.0.0.1:port/devstoreaccount1</c>).</summary>
    public Uri BlobEndpoint { get; private set; } = null!;

    /// <summary>A new, created container with a unique name.</summary>
    public async Task<BlobContainerClient> NewContainerAsync(string prefix = "c")
    {
        var container = new BlobContainerClient(ConnectionString, $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)]);
        await container.CreateAsync();
        return container;
    }

    public async Task InitializeAsync()
    {
        string directory = typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AzuriteDirectory").Value!;
        string executable = Path.Combine(directory, "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed at {executable}: build the test project (it runs npm ci in tools/azurite).");
        }

        int port = FreePort();
        _process = Process.Start(new ProcessStartInfo(executable,
            ["--blobHost", "127.0.0.1", "--blobPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--silent"])
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Azurite did not start.");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        BlobEndpoint = new Uri($"http://127.0.0.1:{port}/{DevelopmentContainers.AccountName}");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName={DevelopmentContainers.AccountName};AccountKey={DevelopmentContainers.AccountKey};BlobEndpoint={BlobEndpoint};";
        await WaitUntilListeningAsync(port);
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private async Task WaitUntilListeningAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before it listened on port {port}: {_output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }

    private void Remember(string? line)
    {
        lock (_output)
        {
            if (line is not null && _output.Length < 4000)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The real <see cref="FunctionApp.Adapters.BlobAuditStore"/> on Azurite, whose records a test can read back.</summary>
internal sealed class AzuriteAuditStore(BlobContainerClient westeurope) : IAuditStoreWithFiles
{
    private readonly FunctionApp.Adapters.BlobAuditStore _store = new(new Dictionary<string, BlobContainerClient>(StringComparer.OrdinalIgnoreCase)
    {
        ["westeurope"] = westeurope,
    });

    public Task WriteAsync(string region, string key, byte[] content, CancellationToken cancellationToken) =>
        _store.WriteAsync(region, key, content, cancellationToken);

    public Task<IReadOnlyList<Core.Audit.AuditRecord>> ReadActionAsync(string region, DateTimeOffset receivedAt, string actionId, CancellationToken cancellationToken) =>
        _store.ReadActionAsync(region, receivedAt, actionId, cancellationToken);

    public async Task<IReadOnlyList<Core.Audit.AuditFile>> FilesAsync()
    {
        var files = new List<Core.Audit.AuditFile>();
        await foreach (Azure.Storage.Blobs.Models.BlobItem item in westeurope.GetBlobsAsync(
            Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, CancellationToken.None))
        {
            files.Add(new Core.Audit.AuditFile(item.Name, (await westeurope.GetBlobClient(item.Name).DownloadContentAsync()).Value.Content.ToArray()));
        }

        return files;
    }
}
