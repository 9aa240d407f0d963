using System.Text;
using ApprovalFunctions.Gateway.Cli;

namespace ApprovalFunctions.Gateway.Tests.Support;

/// <summary>Runs an <c>approvals</c> command in-process and captures what it printed.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Out, string Error);

    public static async Task<Result> RunWithInputAsync(string stdin, params string[] args)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var console = new CliConsole(output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)));
        // A command that unexpectedly starts the gateway would otherwise run until the test host is killed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        int exit = await ApprovalsCli.RunAsync(args, console, timeout.Token);
        return new Result(exit, output.ToString(), error.ToString());
    }

    public static Task<Result> RunAsync(params string[] args) => RunWithInputAsync(string.Empty, args);
}
