using System.Text;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Gateway.Tests.Support;

namespace ApprovalFunctions.Gateway.Tests.Storage;

/// <summary>The database layer against a real SQLite file: group commit, version checks, the outbox and due times.</summary>
public sealed class ActionStoreTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new();
    private GatewayDatabase _database = null!;
    private ActionStore _store = null!;

    public Task InitializeAsync()
    {
        _database = new GatewayDatabase(Path.Combine(_temp.Path, "gateway.db"));
        _database.Migrate();
        _store = new ActionStore(_database);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static (ActionSave Save, byte[] Body) NewAction(int i, string? key = null)
    {
        byte[] body = Encoding.UTF8.GetBytes($$$"""{"type":"crm.contact.read","summary":"Look up {{{i}}}","data":{"sourceRegion":"westeurope"}}""");
        ActionRequest action = ActionParser.Parse(body, ActionLimits.Default).Action!;
        string id = "act_" + i.ToString("D24", System.Globalization.CultureInfo.InvariantCulture);
        ApprovalProcess process = ApprovalProcess.Start(action, new ProcessStart(id, new ApprovalFunctions.Core.Policy.AgentIdentity("etl-agent", "olga"), "westeurope", null, Now));
        return (new ActionSave(id, 0, process.State) { Insert = new NewAction("etl-agent", key, body) }, body);
    }

    [Fact]
    public async Task SaveAsync_ConcurrentInsertsWithOneReusedKey_OnlyThatOneFailsAndTheRestCommit()
    {
        Task[] saves = [.. Enumerable.Range(1, 40).Select(i => (Task)_store.SaveAsync(NewAction(i, key: i == 40 ? "key-1" : $"key-{i}").Save, Now))];

        Exception? failure = await Record.ExceptionAsync(() => Task.WhenAll(saves));

        Assert.IsType<IdempotencyKeyTakenException>(failure);
        Assert.Equal(1, saves.Count(t => t.IsFaulted));
        Assert.Equal((39L, 0L), await _store.CountsAsync());
    }

    [Fact]
    public async Task SaveAsync_StaleVersion_ThrowsAndChangesNothing()
    {
        (ActionSave insert, _) = NewAction(1);
        await _store.SaveAsync(insert, Now);
        ProcessState changed = insert.State with { Status = ProcessStatus.Cancelled };

        await Assert.ThrowsAsync<ConcurrencyException>(() => _store.SaveAsync(new ActionSave(insert.Id, ExpectedVersion: 7, changed), Now));

        StoredAction stored = (await _store.GetAsync(insert.Id))!;
        Assert.Equal(ProcessStatus.Received, stored.State.Status);
        Assert.Equal(1, stored.Version);
    }

    [Fact]
    public async Task SaveAsync_UnfinishedWithoutDueTime_IsDueNowSoARestartPicksItUp()
    {
        (ActionSave insert, _) = NewAction(1);
        await _store.SaveAsync(insert, Now);
        await _store.SaveAsync(new ActionSave(insert.Id, 1, insert.State), Now.AddSeconds(1));

        Assert.Contains(insert.Id, await _store.DueAsync(Now.AddSeconds(1), 10));
    }

    [Fact]
    public async Task SaveAsync_AuditRecords_WaitInTheOutboxAndCountAsPendingInTheChainHead()
    {
        (ActionSave insert, _) = NewAction(1);
        OutboxRecord record = new(insert.Id, "westeurope", "2026/11/21/x/000001-received.json", [1, 2, 3]);

        await _store.SaveAsync(insert with { Audit = [record] }, Now);

        OutboxRow row = Assert.Single(await _store.OutboxAsync(10));
        Assert.Equal(record.Key, row.Record.Key);
        Assert.Equal(insert.State.PendingAudit.Count + 1, (await _store.ChainHeadsAsync())[insert.Id].Pending);
        await _store.RemoveFromOutboxAsync([row.Seq]);
        Assert.Equal(0, await _store.OutboxCountAsync());
    }

    [Fact]
    public async Task WriteAsync_AfterDispose_IsRefused()
    {
        await _database.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => _database.WriteAsync(_ => 0));
    }
}
