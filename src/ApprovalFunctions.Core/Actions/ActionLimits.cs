namespace ApprovalFunctions.Core.Actions;

/// <summary>Limits enforced on an action body before it is parsed into a document.</summary>
public sealed record ActionLimits
{
    /// <summary>The defaults: 256 KiB and 32 levels of nesting.</summary>
    public static ActionLimits Default { get; } = new();

    /// <summary>
    /// For re-reading an action a host already accepted under its configured limits (from its store or an orchestration
    /// input): generous bounds that only stop a corrupted store from exhausting memory.
    /// </summary>
    public static ActionLimits Stored { get; } = new() { MaxBytes = 64 * 1024 * 1024, MaxDepth = 256 };

    /// <summary>Largest accepted body in bytes.</summary>
    public int MaxBytes { get; init; } = 256 * 1024;

    /// <summary>Deepest accepted nesting of objects and arrays; the body object itself is level 1.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>Throws when a limit is not positive or the depth cannot hold the schema.</summary>
    public ActionLimits Validate()
    {
        Check.Positive(MaxBytes);
        if (MaxDepth < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDepth), MaxDepth, "The schema itself nests 3 levels; MaxDepth must be at least 3.");
        }

        return this;
    }
}
