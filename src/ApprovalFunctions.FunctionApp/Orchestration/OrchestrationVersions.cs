using Microsoft.DurableTask;

namespace ApprovalFunctions.FunctionApp.Orchestration;

/// <summary>
/// The orchestrator's versions. An instance replays its history with the code of the version it started with
/// (<see cref="TaskOrchestrationContext.Version"/>; host.json's <c>defaultVersion</c> stamps new instances with
/// <see cref="Current"/>). A change to the durable actions an instance takes (a new or reordered activity, timer or
/// Core step) ships as a new version: add its build to <see cref="Builds"/>, keep the older builds until no instance of
/// theirs runs, and set <see cref="Current"/> and host.json's <c>defaultVersion</c> to it (a test holds them equal).
/// With <c>versionMatchStrategy: CurrentOrOlder</c>, workers of the previous deployment leave newer instances alone.
/// </summary>
public static class OrchestrationVersions
{
    /// <summary>The first release: a new durable timer for every wait.</summary>
    public const string V1 = "1.0";

    /// <summary>One durable timer per deadline, kept across the events that arrive before it.</summary>
    public const string V2 = "2.0";

    /// <summary>As 2.0, and once the action leaves pending approval, its Slack and Teams messages are updated to the outcome.</summary>
    public const string V3 = "3.0";

    /// <summary>The version new instances start with.</summary>
    public const string Current = V3;

    /// <summary>Every version this build can run, with its orchestration.</summary>
    public static readonly IReadOnlyDictionary<string, Func<TaskOrchestrationContext, Task<string>>> Builds =
        new Dictionary<string, Func<TaskOrchestrationContext, Task<string>>>(StringComparer.Ordinal)
        {
            [V1] = ApprovalOrchestrator.RunV1Async,
            [V2] = ApprovalOrchestrator.RunV2Async,
            [V3] = ApprovalOrchestrator.RunV3Async,
        };

    /// <summary>
    /// Runs the build of the instance's version from <paramref name="builds"/>. An instance without a version started
    /// before versions were stamped: it is <see cref="V1"/>. A version this build does not know is a deployment error
    /// (a newer instance reached an older worker despite the match strategy): the instance fails, naming it, rather
    /// than replaying its history with the wrong code.
    /// </summary>
    public static Task<string> Run(TaskOrchestrationContext context, IReadOnlyDictionary<string, Func<TaskOrchestrationContext, Task<string>>> builds)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(builds);
        string version = string.IsNullOrEmpty(context.Version) ? V1 : context.Version;
        return builds.TryGetValue(version, out Func<TaskOrchestrationContext, Task<string>>? build)
            ? build(context)
            : throw new OrchestrationVersionException(version, [.. builds.Keys]);
    }
}

/// <summary>An instance of an orchestration version this build does not have.</summary>
public sealed class OrchestrationVersionException(string version, IReadOnlyList<string> known)
    : InvalidOperationException($"The instance is version {version}; this build runs {string.Join(", ", known)}. Deploy the build of {version}.")
{
    /// <summary>The instance's version.</summary>
    public string Version { get; } = version;

    /// <summary>The versions this build runs.</summary>
    public IReadOnlyList<string> Known { get; } = known;
}
