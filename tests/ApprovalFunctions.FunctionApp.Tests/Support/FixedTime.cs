namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>A clock that says one time.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
