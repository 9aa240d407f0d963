using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace ApprovalFunctions.Gateway.Tests.Support;

/// <summary>
/// The gateway as a separate operating-system process (<c>dotnet approvals.dll</c>) on a random port: what an operator
/// runs, reached over real HTTP, and killable with SIGKILL for crash tests.
/// </summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private GatewayProcess(Process process, Uri baseAddress, StringBuilder output)
    {
        _process = process;
        BaseAddress = baseAddress;
        _output = output;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts the gateway with <paramref name="stateDirectory"/> and waits until it prints where it listens.</summary>
    public static async Task<GatewayProcess> StartAsync(string stateDirectory, string policies, params string[] settings)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "approvals.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = stateDirectory,
        };
        // A free port chosen here rather than port 0, so that the gateway's public URL (links, receipt issuer) is real.
        string url = $"http://127.0.0.1:{FreePort()}";
        foreach (string arg in (string[])[
            dll, "--dev", "--urls", url, "--state-dir", stateDirectory, "--policies", policies,
            "--identities", Path.Combine(AppContext.BaseDirectory, "TestData", "identities.yaml"),
            "--Logging:LogLevel:Default=Warning", .. settings])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new StringBuilder();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The gateway exited before listening:\n" + output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Uri address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return new GatewayProcess(process, address, output);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>An HTTP client authenticated with an API key (agents and executors).</summary>
    public HttpClient WithKey(string apiKey)
    {
        HttpClient client = Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    public HttpClient Anonymous() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>An HTTP client carrying a dev token for <paramref name="personId"/>, obtained from the gateway like a portal would.</summary>
    public async Task<HttpClient> PersonAsync(string personId)
    {
        HttpClient client = Anonymous();
        HttpResponseMessage response = await client.PostAsJsonAsync("dev/token", new { id = personId });
        response.EnsureSuccessStatusCode();
        string token = (await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a power cut of the process (the OS keeps what was written).</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the gateway shuts down as a service manager would stop it (finishing work, draining the audit outbox).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited && OperatingSystem.IsLinux())
        {
            using (Process? kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])))
            {
                await kill!.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        await KillAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^\s*listening\s+(http://\S+)")]
    private static partial Regex ListeningLine();
}
