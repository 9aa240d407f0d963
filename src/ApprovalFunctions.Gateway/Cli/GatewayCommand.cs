using System.CommandLine;
using ApprovalFunctions.Gateway.Hosting;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary>
/// <c>approvals</c> with no command: start the gateway. Flags map to settings; any other <c>--Section:Key=value</c> is
/// passed to the host as configuration.
/// </summary>
internal static class GatewayCommand
{
    public static void Configure(RootCommand root, CliConsole console)
    {
        var dev = new Option<bool>("--dev") { Description = "Development mode: local identities, dev API keys and dev tokens (announced loudly)." };
        var urls = new Option<string?>("--urls") { Description = "Where to listen (default http://localhost:7071, the same as func start)." };
        var state = new Option<string?>("--state-dir") { Description = "State directory (default ./.approvals)." };
        var policies = new Option<string?>("--policies") { Description = "Policy directory or file (default ./policies)." };
        var identities = new Option<string?>("--identities") { Description = "Identities YAML: people, groups, managers, agents, executors." };
        root.Add(dev);
        root.Add(urls);
        root.Add(state);
        root.Add(policies);
        root.Add(identities);
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parse, cancellationToken) =>
        {
            var args = new List<string>();
            foreach (string token in parse.UnmatchedTokens)
            {
                if (!token.StartsWith("--", StringComparison.Ordinal))
                {
                    console.Error.WriteLine($"approvals: unknown command or argument '{Core.LogText.Sanitize(token, 60)}'. Run 'approvals --help' for usage.");
                    return Task.FromResult(ExitCodes.BadInput);
                }

                args.Add(token);
            }

            if (parse.GetValue(dev))
            {
                args.Add("--Gateway:DevMode=true");
            }

            Add(args, "urls", parse.GetValue(urls));
            Add(args, "Gateway:StateDirectory", parse.GetValue(state));
            Add(args, "Gateway:PolicyPath", parse.GetValue(policies));
            Add(args, "Gateway:IdentitiesPath", parse.GetValue(identities));
            return GatewayHost.RunAsync([.. args], console, cancellationToken);
        });
    }

    private static void Add(List<string> args, string key, string? value)
    {
        if (value is not null)
        {
            args.Add($"--{key}={value}");
        }
    }
}
