namespace ApprovalFunctions.Core.Masking;

/// <summary>Masking configuration: which paths to hide for each data classification, beyond what policies ask.</summary>
public sealed class MaskingOptions
{
    /// <summary>
    /// Classification label (case-insensitive) → paths to mask whenever the action carries that label, for example
    /// <c>pii → [parameters.*.email, parameters.rows[*].name]</c>.
    /// </summary>
    public Dictionary<string, List<string>> Classifications { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first path that is not a valid mask path.</summary>
    public MaskingOptions Validate()
    {
        foreach ((string label, List<string> paths) in Classifications)
        {
            foreach (string path in paths)
            {
                if (!MaskPath.IsValid(path, out string? error))
                {
                    throw new ArgumentException($"Masking:Classifications:{label}: {error}", nameof(Classifications));
                }
            }
        }

        return this;
    }
}
