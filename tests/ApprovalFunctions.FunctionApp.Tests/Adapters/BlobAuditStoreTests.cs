using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.FunctionApp.Adapters;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.FunctionApp.Tests.Support;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace ApprovalFunctions.FunctionApp.Tests.Adapters;

/// <summary>The Blob audit store against Azurite with the real Blob client: create-only records, one container per region.</summary>
public sealed class BlobAuditStoreTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);
    private static readonly System.Text.Json.JsonElement Empty = System.Text.Json.JsonDocument.Parse("{}").RootElement;

    [Fact]
    public async Task WriteAsync_NewRecord_CreatedAsJsonInItsRegionsContainerOnly()
    {
        (BlobAuditStore store, BlobContainerClient westeurope, BlobContainerClient eastus) = await StoreAsync();
        string key = AuditKeys.For(T0, "act_one", 1, AuditRecordTypes.Received);

        await store.WriteAsync("WestEurope", key, """{"seq":1}"""u8.ToArray(), CancellationToken.None);

        BlobDownloadResult stored = (await westeurope.GetBlobClient(key).DownloadContentAsync()).Value;
        Assert.Equal("""{"seq":1}""", stored.Content.ToString());
        Assert.Equal("application/json", stored.Details.ContentType);
        Assert.False((await eastus.GetBlobClient(key).ExistsAsync()).Value);
    }

    [Fact]
    public async Task WriteAsync_RetryWithTheSameBytes_Succeeds()
    {
        (BlobAuditStore store, BlobContainerClient westeurope, _) = await StoreAsync();
        string key = AuditKeys.For(T0, "act_two", 1, AuditRecordTypes.Received);
        await store.WriteAsync("westeurope", key, """{"seq":1}"""u8.ToArray(), CancellationToken.None);
        var before = (await westeurope.GetBlobClient(key).GetPropertiesAsync()).Value.ETag;

        await store.WriteAsync("westeurope", key, """{"seq":1}"""u8.ToArray(), CancellationToken.None);

        Assert.Equal(before, (await westeurope.GetBlobClient(key).GetPropertiesAsync()).Value.ETag);
    }

    [Fact]
    public async Task WriteAsync_DifferentBytesUnderTheSameName_RaisesTheAlarmAndKeepsTheFirst()
    {
        (BlobAuditStore store, BlobContainerClient westeurope, _) = await StoreAsync();
        string key = AuditKeys.For(T0, "act_three", 1, AuditRecordTypes.Received);
        await store.WriteAsync("westeurope", key, """{"seq":1}"""u8.ToArray(), CancellationToken.None);

        var alarm = await Assert.ThrowsAsync<AuditConflictException>(() => store.WriteAsync("westeurope", key, """{"seq":1,"edited":true}"""u8.ToArray(), CancellationToken.None));

        Assert.Contains(key, alarm.Message, StringComparison.Ordinal);
        Assert.Equal("""{"seq":1}""", (await westeurope.GetBlobClient(key).DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task WriteAsync_UnknownRegion_FailsClosedAndWritesNothing()
    {
        (BlobAuditStore store, BlobContainerClient westeurope, BlobContainerClient eastus) = await StoreAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.WriteAsync("brazilsouth", AuditKeys.For(T0, "act_four", 1, AuditRecordTypes.Received), "{}"u8.ToArray(), CancellationToken.None));

        Assert.Contains("brazilsouth", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await ListAsync(westeurope));
        Assert.Empty(await ListAsync(eastus));
    }

    [Fact]
    public async Task ReadActionAsync_RecordsOfOneAction_InSequenceOrder()
    {
        (BlobAuditStore store, _, _) = await StoreAsync();
        AuditRecord first = AuditRecord.Create("act_five", 1, AuditRecordTypes.Received, T0, "received", "westeurope", "sha256:" + new string('a', 64), null, Empty, null);
        AuditRecord second = AuditRecord.Create("act_five", 2, AuditRecordTypes.Completed, T0, "completed", "westeurope", "sha256:" + new string('a', 64), null, Empty, first.Hash);
        AuditRecord other = AuditRecord.Create("act_six", 1, AuditRecordTypes.Received, T0, "received", "westeurope", "sha256:" + new string('b', 64), null, Empty, null);
        foreach (AuditRecord record in new[] { second, other, first })
        {
            await store.WriteAsync("westeurope", AuditKeys.For(T0, record.ActionId, record.Sequence, record.Type), record.ToCanonicalJson(), CancellationToken.None);
        }

        IReadOnlyList<AuditRecord> records = await store.ReadActionAsync("westeurope", T0, "act_five", CancellationToken.None);

        Assert.Equal([1L, 2L], records.Select(r => r.Sequence));
        Assert.All(records, r => Assert.Equal("act_five", r.ActionId));
    }

    private async Task<(BlobAuditStore Store, BlobContainerClient WestEurope, BlobContainerClient EastUs)> StoreAsync()
    {
        BlobContainerClient westeurope = await azurite.NewContainerAsync("audit-weu");
        BlobContainerClient eastus = await azurite.NewContainerAsync("audit-eus");
        var store = new BlobAuditStore(new Dictionary<string, BlobContainerClient>(StringComparer.OrdinalIgnoreCase)
        {
            ["westeurope"] = westeurope,
            ["eastus"] = eastus,
        });
        return (store, westeurope, eastus);
    }

    private static async Task<List<string>> ListAsync(BlobContainerClient container)
    {
        var names = new List<string>();
        await foreach (BlobItem item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, null, CancellationToken.None))
        {
            names.Add(item.Name);
        }

        return names;
    }
}
