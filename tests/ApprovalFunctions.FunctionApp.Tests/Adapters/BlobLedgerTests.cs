using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.FunctionApp.Adapters;
using ApprovalFunctions.FunctionApp.Tests.Support;

namespace ApprovalFunctions.FunctionApp.Tests.Adapters;

/// <summary>The delivery and card-token ledgers against Azurite: markers created once, survive a new client, released on demand.</summary>
public sealed class BlobLedgerTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task DeliveryLedger_RecordedKey_SeenByAnotherInstance()
    {
        var state = await azurite.NewContainerAsync("state");
        var ledger = new BlobDeliveryLedger(state);
        const string Key = "act_1/1/outlook/user with spaces/and#hash";

        Assert.False(await ledger.WasDeliveredAsync(Key, CancellationToken.None));
        await ledger.RecordAsync(Key, CancellationToken.None);
        await ledger.RecordAsync(Key, CancellationToken.None); // a retried activity records again: no error

        Assert.True(await new BlobDeliveryLedger(new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, state.Name))
            .WasDeliveredAsync(Key, CancellationToken.None));
        Assert.False(await ledger.WasDeliveredAsync("act_1/2/outlook/user with spaces/and#hash", CancellationToken.None));
    }

    [Fact]
    public async Task CardTokenLedger_TokenUsedOnce_UntilReleased()
    {
        var ledger = new BlobCardTokenLedger(await azurite.NewContainerAsync("state"));
        DateTimeOffset expires = DateTimeOffset.UtcNow.AddHours(1);

        Assert.True(await ledger.TryUseAsync("ct_1", expires, CancellationToken.None));
        Assert.False(await ledger.TryUseAsync("ct_1", expires, CancellationToken.None));
        await ledger.ReleaseAsync("ct_1", CancellationToken.None);
        Assert.True(await ledger.TryUseAsync("ct_1", expires, CancellationToken.None));
    }

    [Fact]
    public async Task ProcessStateStore_SavedStateReplacedAtEachCheckpoint_NoneBeforeTheFirst()
    {
        var store = new BlobProcessStateStore(await azurite.NewContainerAsync("state"));

        Assert.Null(await store.LoadAsync("act_big", CancellationToken.None));
        await store.SaveAsync("act_big", """{"status":"pendingApproval"}""", CancellationToken.None);
        await store.SaveAsync("act_big", """{"status":"completed"}""", CancellationToken.None);

        Assert.Equal("""{"status":"completed"}""", await store.LoadAsync("act_big", CancellationToken.None));
        Assert.Null(await store.LoadAsync("act_other", CancellationToken.None));
    }

    [Fact]
    public async Task PostedMessages_ListedByActionOnly_AndMarkedUpdatedInPlace()
    {
        var store = new BlobPostedMessages(await azurite.NewContainerAsync("state"));
        var ann = new PostedMessage("act_1", "slack", "1/user with spaces#1", """{"channel":"DANN","ts":"1.1"}""");
        var bob = new PostedMessage("act_1", "slack", "1/bob", """{"channel":"DBOB","ts":"1.2"}""");
        await store.AddAsync(ann, CancellationToken.None);
        await store.AddAsync(bob, CancellationToken.None);
        await store.AddAsync(new PostedMessage("act_10", "slack", "1/ann", "{}"), CancellationToken.None);

        await store.MarkUpdatedAsync([ann], CancellationToken.None);

        IReadOnlyList<PostedMessage> listed = await store.ListAsync("act_1", CancellationToken.None);
        Assert.Equal(2, listed.Count);
        Assert.Contains(ann with { Updated = true }, listed);
        Assert.Contains(bob, listed);
    }
}
