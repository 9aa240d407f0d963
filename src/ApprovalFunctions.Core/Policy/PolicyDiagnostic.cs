using ApprovalFunctions.Core.Policy.Source;

namespace ApprovalFunctions.Core.Policy;

/// <summary>One problem found while loading a policy set, printed as <c>file:line:col: message</c>.</summary>
/// <param name="Position">Where the problem is.</param>
/// <param name="Message">What is wrong.</param>
public sealed record PolicyDiagnostic(SourcePosition Position, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Position}: {Message}";
}

/// <summary>A policy set that does not load. <see cref="Diagnostics"/> lists every problem found.</summary>
public sealed class PolicyLoadException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public PolicyLoadException(IReadOnlyList<PolicyDiagnostic> diagnostics)
        : base(FormatMessage(Check.NotNull(diagnostics))) => Diagnostics = diagnostics;

    /// <summary>Creates the exception.</summary>
    public PolicyLoadException() : this([])
    {
    }

    /// <summary>Creates the exception with a single message.</summary>
    public PolicyLoadException(string message) : base(message) => Diagnostics = [];

    /// <summary>Creates the exception with a single message and an inner exception.</summary>
    public PolicyLoadException(string message, Exception innerException) : base(message, innerException) => Diagnostics = [];

    /// <summary>Every problem found, in file and line order.</summary>
    public IReadOnlyList<PolicyDiagnostic> Diagnostics { get; }

    private static string FormatMessage(IReadOnlyList<PolicyDiagnostic> diagnostics) =>
        diagnostics.Count == 0
            ? "The policy set did not load."
            : $"The policy set did not load ({diagnostics.Count} problem(s)):" + "\n" + string.Join("\n", diagnostics);
}

/// <summary>A policy file's path (for messages) and its text. Core reads no files: hosts pass them in.</summary>
/// <param name="Path">The path to report in diagnostics.</param>
/// <param name="Text">The file's content.</param>
public sealed record PolicySource(string Path, string Text);
