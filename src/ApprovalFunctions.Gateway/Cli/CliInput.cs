using System.Globalization;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Gateway.Policies;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary>Reading command inputs: action files (or stdin), policy sets, times.</summary>
internal static class CliInput
{
    /// <summary>Reads and validates an action from a file, or from standard input when the path is <c>-</c>.</summary>
    public static async Task<ActionRequest> ReadActionAsync(string path, CliConsole console, CancellationToken cancellationToken)
    {
        byte[] body;
        if (path == "-")
        {
            await using Stream input = console.OpenInput();
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, cancellationToken);
            body = buffer.ToArray();
        }
        else
        {
            if (!File.Exists(path))
            {
                throw new CliInputException($"{path}: no such file");
            }

            body = await File.ReadAllBytesAsync(path, cancellationToken);
        }

        ActionParseResult parsed = ActionParser.Parse(body);
        if (!parsed.IsValid)
        {
            throw new CliInputException(Describe(parsed.Problem, path == "-" ? "standard input" : path));
        }

        return parsed.Action;
    }

    /// <summary>Loads a policy set; a set that does not load is bad input to the command.</summary>
    public static PolicySet LoadPolicy(string path)
    {
        IReadOnlyList<PolicySource> sources = PolicyFiles.ReadSet(path);
        if (!PolicySet.TryLoad(sources, out PolicySet? set, out IReadOnlyList<PolicyDiagnostic> diagnostics))
        {
            throw new CliInputException("the policy set does not load:\n" + string.Join('\n', diagnostics));
        }

        return set!;
    }

    public static DateTimeOffset ParseUtc(string? text, string option)
    {
        if (text is null)
        {
            return DateTimeOffset.UtcNow;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset value))
        {
            throw new CliInputException($"{option} must be an ISO 8601 time such as 2026-11-21T22:30:00Z");
        }

        return value.ToUniversalTime();
    }

    private static string Describe(Problem problem, string source)
    {
        var lines = new List<string> { $"{source}: {problem.Title}" };
        lines.AddRange(problem.Errors.Select(e => $"  {e.Field}: {e.Message}"));
        return string.Join('\n', lines);
    }
}
