using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ApprovalFunctions.FunctionApp.Adapters;

/// <summary>Sent notifications as empty marker blobs (<c>deliveries/…</c>) in the app's state container.</summary>
public sealed class BlobDeliveryLedger(BlobContainerClient state) : IDeliveryLedger
{
    /// <inheritdoc />
    public async Task<bool> WasDeliveredAsync(string key, CancellationToken cancellationToken) =>
        (await state.GetBlobClient(Name(key)).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <inheritdoc />
    public Task RecordAsync(string key, CancellationToken cancellationToken) => BlobMarkers.TryCreateAsync(state, Name(key), cancellationToken);

    private static string Name(string key) => "deliveries/" + string.Join('/', key.Split('/').Select(Uri.EscapeDataString));
}

/// <summary>Used card token ids as marker blobs (<c>card-tokens/…</c>): creating one succeeds once.</summary>
public sealed class BlobCardTokenLedger(BlobContainerClient state) : ICardTokenLedger
{
    /// <inheritdoc />
    public Task<bool> TryUseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        BlobMarkers.TryCreateAsync(state, Name(tokenId), cancellationToken);

    /// <inheritdoc />
    public async Task ReleaseAsync(string tokenId, CancellationToken cancellationToken) =>
        await state.GetBlobClient(Name(tokenId)).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    private static string Name(string tokenId) => "card-tokens/" + Uri.EscapeDataString(tokenId);
}

/// <summary>Process states too large for the custom status, one blob per action (<c>process-state/{actionId}.json</c>) in the state container.</summary>
public sealed class BlobProcessStateStore(BlobContainerClient state) : IProcessStateStore
{
    /// <inheritdoc />
    public async Task SaveAsync(string actionId, string stateJson, CancellationToken cancellationToken) =>
        await state.GetBlobClient(Name(actionId)).UploadAsync(BinaryData.FromString(stateJson), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        }, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task<string?> LoadAsync(string actionId, CancellationToken cancellationToken)
    {
        try
        {
            return (await state.GetBlobClient(Name(actionId)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToString();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    private static string Name(string actionId) => "process-state/" + Uri.EscapeDataString(actionId) + ".json";
}

/// <summary>Creates empty blobs only if absent.</summary>
internal static class BlobMarkers
{
    /// <summary>True when this call created the blob; false when it existed.</summary>
    public static async Task<bool> TryCreateAsync(BlobContainerClient container, string name, CancellationToken cancellationToken)
    {
        try
        {
            await container.GetBlobClient(name).UploadAsync(BinaryData.FromString(string.Empty), new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }
}

/// <summary>
/// Messages posted in Slack and Teams, one JSON blob each (<c>channel-messages/{actionId}/{channel}/{key}.json</c>) in
/// the app's state container, listed by the action's prefix when the orchestration updates them to the outcome.
/// </summary>
public sealed class BlobPostedMessages(BlobContainerClient state) : IPostedMessages
{
    /// <inheritdoc />
    public async Task AddAsync(PostedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await state.GetBlobClient(Name(message)).UploadAsync(BinaryData.FromObjectAsJson(message), new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PostedMessage>> ListAsync(string actionId, CancellationToken cancellationToken)
    {
        var messages = new List<PostedMessage>();
        await foreach (BlobItem item in state.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix(actionId) }, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                BinaryData content = (await state.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
                if (content.ToObjectFromJson<PostedMessage>() is { } message)
                {
                    messages.Add(message);
                }
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Removed while listing: nothing to update.
            }
        }

        return messages;
    }

    /// <inheritdoc />
    public async Task MarkUpdatedAsync(IReadOnlyList<PostedMessage> messages, CancellationToken cancellationToken)
    {
        foreach (PostedMessage message in messages ?? throw new ArgumentNullException(nameof(messages)))
        {
            await AddAsync(message with { Updated = true }, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Prefix(string actionId) => "channel-messages/" + Uri.EscapeDataString(actionId) + "/";

    private static string Name(PostedMessage message) =>
        Prefix(message.ActionId) + Uri.EscapeDataString(message.Channel) + "/" + Uri.EscapeDataString(message.Key) + ".json";
}
