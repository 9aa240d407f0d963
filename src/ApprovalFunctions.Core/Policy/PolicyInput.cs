using ApprovalFunctions.Core.Actions;

namespace ApprovalFunctions.Core.Policy;

/// <summary>The calling agent, from its credentials (never from the request body).</summary>
/// <param name="Id">The agent's id.</param>
/// <param name="Owner">The person or team accountable for the agent, from configuration or the directory.</param>
public sealed record AgentIdentity(string Id, string? Owner = null);

/// <summary>Everything a policy can look at: the action, who is asking, how strongly they signed in, and the time.</summary>
/// <param name="Action">The validated action.</param>
/// <param name="Agent">The calling agent.</param>
/// <param name="Now">The evaluation time (UTC), supplied by the host.</param>
/// <param name="AuthStrength">The caller's authentication strength from its token, such as <c>mfa</c>, if known.</param>
public sealed record PolicyInput(ActionRequest Action, AgentIdentity Agent, DateTimeOffset Now, string? AuthStrength = null);
