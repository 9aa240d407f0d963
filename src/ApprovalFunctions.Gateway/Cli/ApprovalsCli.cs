using System.CommandLine;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary>The <c>approvals</c> command line: every command, and the gateway when none is given.</summary>
internal static class ApprovalsCli
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        RootCommand root = Build(console);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await console.Error.WriteLineAsync($"approvals: {error.Message}");
            }

            await console.Error.WriteLineAsync("Run 'approvals --help' for usage.");
            return ExitCodes.BadInput;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
    }

    public static RootCommand Build(CliConsole console)
    {
        var root = new RootCommand("ApprovalFunctions: action-level approvals for AI agents. Without a command, starts the gateway.");
        root.Add(PolicyCommands.Create(console));
        root.Add(MaskCommand.Create(console));
        root.Add(CardCommand.Create(console));
        root.Add(AuditCommands.Create(console));
        root.Add(ReceiptCommands.Create(console));
        root.Add(ReceiptCommands.Keys(console));
        root.Add(McpCommand.Create(console));
        GatewayCommand.Configure(root, console);
        return root;
    }

    /// <summary>Runs a command body, turning input problems into exit code 2 with a one-line message.</summary>
    public static async Task<int> Guard(CliConsole console, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (CliInputException ex)
        {
            await console.Error.WriteLineAsync($"approvals: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (FileNotFoundException ex)
        {
            await console.Error.WriteLineAsync($"approvals: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (DirectoryNotFoundException ex)
        {
            await console.Error.WriteLineAsync($"approvals: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (UnauthorizedAccessException ex)
        {
            await console.Error.WriteLineAsync($"approvals: {ex.Message}");
            return ExitCodes.BadInput;
        }
    }
}
