using System.Text.Json.Nodes;

namespace ApprovalFunctions.Client;

/// <summary>An action's status as the host answered it (<c>GET /api/actions/{id}</c>), with typed access to what agents use.</summary>
/// <param name="Document">The whole status document.</param>
public sealed record ApprovalStatus(JsonObject Document)
{
    /// <summary>The action id.</summary>
    public string Id => Text("id")!;

    /// <summary><c>received</c>, <c>pendingApproval</c>, <c>released</c>, <c>completed</c>, <c>failed</c>…</summary>
    public string Status => Text("status")!;

    /// <summary><c>released</c>, <c>denied</c>, <c>rejected</c>, <c>expired</c>, <c>cancelled</c>…; null while running.</summary>
    public string? Outcome => Text("outcome");

    /// <summary>True once the process finished.</summary>
    public bool Finished => Document["finished"]?.GetValue<bool>() == true;

    /// <summary>Why it ended as it did (the policy's or the process's words).</summary>
    public string? Reason => Text("reason");

    /// <summary>The digest of the action as the host holds it.</summary>
    public string? ActionDigest => Text("actionDigest");

    /// <summary>The portal's review page.</summary>
    public string? ReviewUrl => Document["links"]?["review"]?.GetValue<string>();

    /// <summary>The approval's deadline, while it waits.</summary>
    public string? Deadline => Document["approval"]?["deadline"]?.GetValue<string>();

    /// <summary>Who is awaited (display names, or ids).</summary>
    public IReadOnlyList<string> Awaiting =>
        [.. (Document["approval"]?["awaiting"]?.AsArray() ?? []).Select(p => p?["displayName"]?.GetValue<string>() ?? p?["id"]?.GetValue<string>() ?? "?")];

    /// <summary>The policy's reasons.</summary>
    public IReadOnlyList<string> Reasons =>
        [.. (Document["decision"]?["reasons"]?.AsArray() ?? []).Select(r => r is JsonValue v && v.TryGetValue(out string? s) ? s : r?.ToJsonString() ?? "")];

    /// <summary>The signed receipt, once released (for the agent).</summary>
    public string? ReceiptJws => Document["receipt"]?["jws"]?.GetValue<string>();

    /// <summary>The receipt's id.</summary>
    public string? ReceiptId => Document["receipt"]?["id"]?.GetValue<string>();

    private string? Text(string name) => Document[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;
}
