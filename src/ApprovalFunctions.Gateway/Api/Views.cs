using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Api;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Storage;

namespace ApprovalFunctions.Gateway.Api;

/// <summary>The API's action documents (shared with the Functions app in Core), with what this caller may see.</summary>
internal static class Views
{
    /// <summary>The status; the receipt for its agent, executors and auditors; the reviewer view for everyone but the agent.</summary>
    public static JsonObject Status(StoredAction stored, Caller caller, PublicUrls urls, ReleaseRow? release) =>
        ActionDocuments.Status(
            stored.State,
            stored.Finished,
            urls.Review(stored.Id),
            release is not null && (caller.Id == stored.AgentId || caller.Is(Roles.Executor) || caller.Is(Roles.Auditor))
                ? new ReceiptReference(release.ReceiptId, release.ExpiresAt, release.Receipt)
                : null,
            caller.Id != stored.AgentId ? stored.Review : null);
}
