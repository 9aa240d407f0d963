namespace ApprovalFunctions.Core.Process;

/// <summary>Why a transition was refused.</summary>
public enum TransitionRefusal
{
    /// <summary>The event is not allowed in the current status (or out of order).</summary>
    IllegalTransition,
    /// <summary>The caller may not do this (for example cancelling another agent's action).</summary>
    NotPermitted,
}

/// <summary>
/// An event that the process cannot apply in its current state. Carries the action, the status and the event;
/// nothing is silently ignored.
/// </summary>
public sealed class ProcessTransitionException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ProcessTransitionException(string actionId, ProcessStatus status, string eventName, TransitionRefusal refusal, string detail)
        : base($"Action {actionId}: {eventName} cannot be applied in status {status}: {detail}")
    {
        ActionId = actionId;
        Status = status;
        EventName = eventName;
        Refusal = refusal;
        Detail = detail;
    }

    /// <summary>Creates the exception.</summary>
    public ProcessTransitionException() : this("?", ProcessStatus.Received, "?", TransitionRefusal.IllegalTransition, "unknown")
    {
    }

    /// <summary>Creates the exception.</summary>
    public ProcessTransitionException(string message) : base(message)
    {
        ActionId = EventName = Detail = string.Empty;
    }

    /// <summary>Creates the exception.</summary>
    public ProcessTransitionException(string message, Exception innerException) : base(message, innerException)
    {
        ActionId = EventName = Detail = string.Empty;
    }

    /// <summary>The action.</summary>
    public string ActionId { get; }

    /// <summary>The status it was in.</summary>
    public ProcessStatus Status { get; }

    /// <summary>The event that was refused.</summary>
    public string EventName { get; }

    /// <summary>Why.</summary>
    public TransitionRefusal Refusal { get; }

    /// <summary>Details.</summary>
    public string Detail { get; }
}
