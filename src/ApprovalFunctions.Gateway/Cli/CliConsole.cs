namespace ApprovalFunctions.Gateway.Cli;

/// <summary>Where a command reads and writes: the process's streams, or buffers in tests.</summary>
/// <param name="Out">Standard output: results only, so they can be piped.</param>
/// <param name="Error">Standard error: problems and progress.</param>
/// <param name="OpenInput">Opens standard input (for <c>-</c> arguments).</param>
internal sealed record CliConsole(TextWriter Out, TextWriter Error, Func<Stream> OpenInput)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error, Console.OpenStandardInput);
}

/// <summary>Exit codes shared by every command.</summary>
internal static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command ran and found problems (invalid policy, failed tests, broken audit chain, bad receipt).</summary>
    public const int Problems = 1;

    /// <summary>Bad invocation or bad input: missing file, malformed action, wrong option.</summary>
    public const int BadInput = 2;
}

/// <summary>A problem with the command's input, reported as exit code 2.</summary>
internal sealed class CliInputException(string message) : Exception(message);
