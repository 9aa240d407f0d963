using System.Text.Json;

namespace ApprovalFunctions.Core.Actions;

/// <summary>
/// An action an agent asks to perform (request schema v1), validated and with its digest.
/// <see cref="Document"/> is the body exactly as submitted, unknown fields included; the typed properties are
/// the fields this product understands. Create one with <see cref="ActionParser"/>.
/// </summary>
public sealed class ActionRequest
{
    internal ActionRequest(
        JsonElement document,
        string digest,
        string type,
        string summary,
        string? intent,
        ActionRequester? requester,
        ActionTarget? target,
        ActionData? data,
        JsonElement? parameters,
        string? idempotencyKey,
        double? riskScore)
    {
        Document = document;
        Digest = digest;
        Type = type;
        Summary = summary;
        Intent = intent;
        Requester = requester;
        Target = target;
        Data = data;
        Parameters = parameters;
        IdempotencyKey = idempotencyKey;
        RiskScore = riskScore;
    }

    /// <summary>The submitted JSON object, unknown fields included. Never shown to approvers unmasked.</summary>
    public JsonElement Document { get; }

    /// <summary><c>sha256:&lt;hex&gt;</c> over the RFC 8785 canonical form of <see cref="Document"/>: exactly what is approved.</summary>
    public string Digest { get; }

    /// <summary>What kind of action this is, such as <c>data.export</c>.</summary>
    public string Type { get; }

    /// <summary>One line describing the action.</summary>
    public string Summary { get; }

    /// <summary>Why the agent wants to do it.</summary>
    public string? Intent { get; }

    /// <summary>The person on whose behalf the agent acts.</summary>
    public ActionRequester? Requester { get; }

    /// <summary>What the action touches.</summary>
    public ActionTarget? Target { get; }

    /// <summary>The data involved: classification and residency.</summary>
    public ActionData? Data { get; }

    /// <summary>The action's own parameters (a JSON object), if any.</summary>
    public JsonElement? Parameters { get; }

    /// <summary>The agent's idempotency key: the same key with the same body is the same action.</summary>
    public string? IdempotencyKey { get; }

    /// <summary>A risk score supplied with the action (<c>risk.score</c>), if any.</summary>
    public double? RiskScore { get; }

    /// <summary>The region the action's data belongs to (<c>data.sourceRegion</c>), where its audit trail is kept.</summary>
    public string? Region => Data?.SourceRegion;
}

/// <summary>The person an action is requested for.</summary>
/// <param name="Id">Directory object id or other stable id.</param>
/// <param name="DisplayName">Display name, if given.</param>
public sealed record ActionRequester(string Id, string? DisplayName);

/// <summary>What an action touches.</summary>
/// <param name="Resource">A resource id or URI.</param>
/// <param name="Environment">Environment name such as <c>production</c>.</param>
public sealed record ActionTarget(string? Resource, string? Environment);

/// <summary>The data an action involves.</summary>
/// <param name="Classification">Classification labels such as <c>pii</c>.</param>
/// <param name="SourceRegion">Region the data lives in (lower case).</param>
/// <param name="DestinationRegion">Region the data goes to (lower case).</param>
/// <param name="RecordCount">Number of records involved.</param>
public sealed record ActionData(IReadOnlyList<string> Classification, string? SourceRegion, string? DestinationRegion, long? RecordCount);
