using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ApprovalFunctions.LoadDriver;

/// <summary>
/// The gateway started as its own process (<c>dotnet approvals.dll</c>) in a fresh state directory, with the load
/// policies and identities, so that every figure is measured over real HTTP against what operators run.
/// </summary>
internal sealed class LaunchedGateway : IAsyncDisposable
{
    private readonly Process _process;

    private LaunchedGateway(Process process, Uri baseAddress, string stateDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        StateDirectory = stateDirectory;
    }

    public Uri BaseAddress { get; }

    public string StateDirectory { get; }

    public int ProcessId => _process.Id;

    public static async Task<LaunchedGateway> StartAsync(string workDirectory, IReadOnlyList<string> extraSettings)
    {
        string state = Path.Combine(workDirectory, "state");
        Directory.CreateDirectory(state);
        string policies = Path.Combine(workDirectory, "policies.yaml");
        string identities = Path.Combine(workDirectory, "identities.yaml");
        await File.WriteAllTextAsync(policies, Workload.Policies);
        await File.WriteAllTextAsync(identities, Workload.Identities);

        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workDirectory,
        };
        foreach (string arg in (string[])[
            Path.Combine(AppContext.BaseDirectory, "approvals.dll"), "--dev", "--urls", $"http://127.0.0.1:{port}",
            "--state-dir", state, "--policies", policies, "--identities", identities, .. extraSettings])
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the gateway");
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var gateway = new LaunchedGateway(process, new Uri($"http://127.0.0.1:{port}/"), state);
        using var probeClient = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("the gateway exited: " + errors);
            }

            try
            {
                if ((await probeClient.GetAsync("healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return gateway;
                }
            }
            catch (HttpRequestException)
            {
            }
        }

        await gateway.DisposeAsync();
        throw new TimeoutException("the gateway did not answer /healthz within 60 s");
    }

    /// <summary>Resident and peak resident memory of the gateway process, from /proc (Linux).</summary>
    public (long RssBytes, long PeakBytes) Memory()
    {
        long Field(string name)
        {
            string? line = File.ReadLines($"/proc/{_process.Id}/status").FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        return (Field("VmRSS"), Field("VmHWM"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
