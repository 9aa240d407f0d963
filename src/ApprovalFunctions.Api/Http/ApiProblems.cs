using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Api.Http;

/// <summary>Every problem the API answers with, in one place: its type, title and status.</summary>
public static class ApiProblems
{
    /// <summary>Missing, or not visible to the caller: the same answer, so nobody learns that an action exists.</summary>
    public static ApiResponse NotFound(string what) =>
        Of(404, "not-found", "Not found.", $"{what} does not exist or is not visible to you.");

    /// <summary>The action <paramref name="id"/> is missing or not the caller's to see.</summary>
    public static ApiResponse ActionNotFound(string id) => NotFound($"Action {LogText.Quote(id)}");

    /// <summary>A malformed field (400), named.</summary>
    public static ApiResponse BadRequest(string field, string message) =>
        Of(400, "invalid-request", "The request is invalid.", $"{field}: {message}", errors: [new FieldError(field, message)]);

    /// <summary>The request conflicts with the action's state (409).</summary>
    public static ApiResponse Conflict(string detail, string? reason = null) =>
        Of(409, "conflict", "The request conflicts with the action's state.", detail, reason);

    /// <summary>The caller lacks the role the endpoint needs (403).</summary>
    public static ApiResponse Forbidden(string detail) => Of(403, "forbidden", "You may not do this.", detail);

    /// <summary>No credentials, or credentials that are not valid (401), with the challenge.</summary>
    public static ApiResponse Unauthenticated(string detail) =>
        ApiResponse.ForProblem(Problem(401, "unauthenticated", "Authentication is required.", detail), null, new KeyValuePair<string, string>("WWW-Authenticate", "Bearer, ApiKey"));

    /// <summary>A well-formed action the host cannot take (422), naming the field.</summary>
    public static ApiResponse Unprocessable(string field, string message) =>
        Of(422, "unprocessable-action", "The action cannot be accepted.", $"{field}: {message}", errors: [new FieldError(field, message)]);

    /// <summary>The process refused a decision: 403 when the approver may not decide, 409 when the action's state is why.</summary>
    public static ApiResponse DecisionRefused(DecisionVerdict verdict)
    {
        RefusalReason reason = Check.NotNull(verdict).Reason ?? throw new ArgumentException("The verdict is not a refusal.", nameof(verdict));
        return Of(RefusalStatus(reason), "decision-refused", "The decision was refused.", verdict.Message, CoreJson.Name(reason));
    }

    /// <summary>403 for refusals about who decides, 409 for refusals about the action's state.</summary>
    public static int RefusalStatus(RefusalReason reason) => reason is RefusalReason.SelfApproval or RefusalReason.AgentApproval
        or RefusalReason.OwnerApproval or RefusalReason.ManagerChain or RefusalReason.NotEligible ? 403 : 409;

    /// <summary>A problem of this API's type family.</summary>
    public static ApiResponse Of(int status, string type, string title, string detail, string? reason = null, IReadOnlyList<FieldError>? errors = null) =>
        ApiResponse.ForProblem(Problem(status, type, title, detail, errors), reason);

    private static Problem Problem(int status, string type, string title, string detail, IReadOnlyList<FieldError>? errors = null) =>
        new(ProblemTypes.Prefix + type, title, status, detail, errors ?? []);
}
