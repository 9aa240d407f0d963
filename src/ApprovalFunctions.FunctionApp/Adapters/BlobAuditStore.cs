using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.FunctionApp.Orchestration;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ApprovalFunctions.FunctionApp.Adapters;

/// <summary>
/// Audit records in Blob Storage, one container per region (an account in that region, with a time-based immutability
/// policy). A record is uploaded with <c>If-None-Match: *</c>; when it exists (an activity retry) the stored bytes must
/// be the same, and anything else is an integrity alarm that is never overwritten.
/// </summary>
public sealed class BlobAuditStore(IReadOnlyDictionary<string, BlobContainerClient> containers) : IAuditStore
{
    /// <inheritdoc />
    public async Task WriteAsync(string region, string key, byte[] content, CancellationToken cancellationToken)
    {
        BlobClient blob = Container(region).GetBlobClient(key);
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), new BlobUploadOptions
            {
                // The options overload adds no condition by itself: create only if absent.
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            BinaryData existing = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            if (!existing.ToMemory().Span.SequenceEqual(content))
            {
                throw new AuditConflictException(key);
            }
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditRecord>> ReadActionAsync(string region, DateTimeOffset receivedAt, string actionId, CancellationToken cancellationToken)
    {
        string first = AuditKeys.For(receivedAt, actionId, 1, AuditRecordTypes.Received);
        string prefix = first[..(first.LastIndexOf('/') + 1)];
        BlobContainerClient container = Container(region);
        var records = new List<AuditRecord>();
        await foreach (BlobItem item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            BinaryData content = (await container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            records.Add(AuditRecord.Parse(content.ToArray()));
        }

        return [.. records.OrderBy(r => r.Sequence)];
    }

    private BlobContainerClient Container(string region) =>
        containers.TryGetValue(region, out BlobContainerClient? container)
            ? container
            : throw new InvalidOperationException($"No audit container is configured for region {Core.LogText.Quote(region)} (Approvals:AuditContainers).");
}
