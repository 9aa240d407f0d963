using System.CommandLine;
using ApprovalFunctions.LoadDriver;

// Starts the gateway as its own process for each scenario and drives it over HTTP. See bench/README.md.
var concurrency = new Option<int>("--concurrency") { Description = "Concurrent clients.", DefaultValueFactory = _ => 8 };
var duration = new Option<int>("--seconds") { Description = "Measured seconds (allow).", DefaultValueFactory = _ => 20 };
var warmup = new Option<int>("--warmup") { Description = "Warm-up seconds before measuring (allow): the JIT's tiering settles.", DefaultValueFactory = _ => 15 };
var count = new Option<int>("--count") { Description = "Actions (pending, timers).", DefaultValueFactory = _ => 0 };
var setting = new Option<string[]>("--setting") { Description = "Extra gateway setting, e.g. --setting --Gateway:RunnerConcurrency=8.", AllowMultipleArgumentsPerToken = false };

var root = new RootCommand("ApprovalFunctions load driver: measures the gateway over real HTTP.");
foreach (string scenario in (string[])["allow", "pending", "timers"])
{
    var command = new Command(scenario) { concurrency, duration, warmup, count, setting };
    command.SetAction(async (parse, cancellationToken) =>
    {
        string work = Path.Combine(Path.GetTempPath(), "approvals-load-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        string[] settings = ["--Logging:LogLevel:Default=Warning", .. parse.GetValue(setting) ?? []];
        try
        {
            await using LaunchedGateway gateway = await LaunchedGateway.StartAsync(work, settings);
            int clients = parse.GetValue(concurrency);
            int n = parse.GetValue(count);
            Console.WriteLine($"gateway pid {gateway.ProcessId} at {gateway.BaseAddress}, state {gateway.StateDirectory}; {Environment.ProcessorCount} cores");
            switch (scenario)
            {
                case "allow":
                    await Scenarios.AllowAsync(gateway, clients, TimeSpan.FromSeconds(parse.GetValue(warmup)), TimeSpan.FromSeconds(parse.GetValue(duration)), Console.Out);
                    break;
                case "pending":
                    await Scenarios.PendingAsync(gateway, n > 0 ? n : 100_000, clients, Console.Out);
                    break;
                default:
                    await Scenarios.TimersAsync(gateway, n > 0 ? n : 2_000, clients, Console.Out);
                    break;
            }

            return 0;
        }
        finally
        {
            foreach (string file in Directory.EnumerateFiles(work, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(work, recursive: true);
        }
    });
    root.Add(command);
}

return await root.Parse(args).InvokeAsync();
