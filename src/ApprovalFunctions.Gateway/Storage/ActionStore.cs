using System.Globalization;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.Gateway.Storage;

/// <summary>One stored action.</summary>
internal sealed record StoredAction(
    string Id, string AgentId, string? IdempotencyKey, string Digest, byte[] Body, string Region, ProcessState State,
    long Version, string? Review, DateTimeOffset CreatedAt, bool Finished);

/// <summary>Everything one transition changes, committed in one transaction.</summary>
internal sealed record ActionSave(string Id, long ExpectedVersion, ProcessState State)
{
    /// <summary>When the runner should look at the action again; null when it waits for an event or is finished.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The inbox entry consumed by this transition.</summary>
    public long? ConsumedInbox { get; init; }

    /// <summary>The masked reviewer view to store (once approvers are involved).</summary>
    public string? Review { get; init; }

    /// <summary>Who may decide now (lower-cased ids and e-mails); null leaves the index as it is.</summary>
    public IReadOnlyCollection<string>? Eligible { get; init; }

    /// <summary>A release to add to the feed.</summary>
    public NewRelease? Release { get; init; }
}

/// <summary>A release as the feed and the webhook outbox keep it.</summary>
internal sealed record NewRelease(string Receipt, string ReceiptId, DateTimeOffset ExpiresAt, bool Webhook);

/// <summary>A pending approval row for an approver's inbox.</summary>
internal sealed record PendingRow(string Id, string Review, DateTimeOffset? Deadline, ProcessState State);

/// <summary>A release in the feed.</summary>
internal sealed record ReleaseRow(long Seq, string ActionId, string Receipt, string ReceiptId, DateTimeOffset ExpiresAt, DateTimeOffset ReleasedAt, byte[] Body,
    string WebhookStatus, int WebhookAttempts, string? WebhookError);

/// <summary>The version check failed: someone else changed the action.</summary>
internal sealed class ConcurrencyException(string actionId) : Exception($"Action {actionId} was changed concurrently.");

/// <summary>Queries and transactions over the gateway database.</summary>
internal sealed class ActionStore(GatewayDatabase database)
{
    public const string SelectColumns = "id, agent_id, idempotency_key, digest, body, region, state, version, review, created_at, finished";

    public async Task<StoredAction?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT {SelectColumns} FROM actions WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<StoredAction?> FindByIdempotencyKeyAsync(string agentId, string key, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = $"SELECT {SelectColumns} FROM actions WHERE agent_id = $agent AND idempotency_key = $key";
        command.Parameters.AddWithValue("$agent", agentId);
        command.Parameters.AddWithValue("$key", key);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Inserts a new action; false when the agent already used the idempotency key.</summary>
    public async Task<bool> TryInsertAsync(string agentId, string? idempotencyKey, byte[] body, ProcessState state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO actions (id, agent_id, idempotency_key, digest, body, region, status, state, version, due_at, created_at, updated_at)
            VALUES ($id, $agent, $key, $digest, $body, $region, $status, $state, 1, $now, $now, $now)
            """;
        command.Parameters.AddWithValue("$id", state.ActionId);
        command.Parameters.AddWithValue("$agent", agentId);
        command.Parameters.AddWithValue("$key", (object?)idempotencyKey ?? DBNull.Value);
        command.Parameters.AddWithValue("$digest", state.ActionDigest);
        command.Parameters.AddWithValue("$body", body);
        command.Parameters.AddWithValue("$region", state.Region);
        command.Parameters.AddWithValue("$status", CoreJson.Name(state.Status));
        command.Parameters.AddWithValue("$state", CoreJson.Serialize(state));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 && ex.Message.Contains("idempotency_key", StringComparison.Ordinal))
        {
            return false;
        }
    }

    /// <summary>Commits one transition: the state (version-checked), the wake-up time, and everything that goes with it.</summary>
    public async Task<long> SaveAsync(ActionSave save, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteTransaction transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        ProcessState s = save.State;
        bool finished = s.Status is ProcessStatus.Completed or ProcessStatus.Failed && s.PendingAudit.Count == 0;

        if (save.ConsumedInbox is long seq)
        {
            command.CommandText = "DELETE FROM inbox WHERE seq = $seq";
            command.Parameters.AddWithValue("$seq", seq);
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.Parameters.Clear();
        }

        // An event that arrived while the runner worked wakes the action immediately (no lost wake-up).
        command.CommandText = """
            UPDATE actions SET
                state = $state, status = $status, version = version + 1, finished = $finished, updated_at = $now,
                deadline = $deadline, review = COALESCE($review, review),
                due_at = CASE
                    WHEN $finished = 1 THEN NULL
                    WHEN EXISTS (SELECT 1 FROM inbox WHERE inbox.action_id = $id) THEN $now
                    ELSE $due END
            WHERE id = $id AND version = $version
            """;
        command.Parameters.AddWithValue("$id", save.Id);
        command.Parameters.AddWithValue("$version", save.ExpectedVersion);
        command.Parameters.AddWithValue("$state", CoreJson.Serialize(s));
        command.Parameters.AddWithValue("$status", CoreJson.Name(s.Status));
        command.Parameters.AddWithValue("$finished", finished ? 1 : 0);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$deadline", (object?)s.Deadline?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$review", (object?)save.Review ?? DBNull.Value);
        command.Parameters.AddWithValue("$due", (object?)save.DueAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        if (await command.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new ConcurrencyException(save.Id);
        }

        command.Parameters.Clear();
        if (save.Eligible is not null || s.Status != ProcessStatus.PendingApproval)
        {
            command.CommandText = "DELETE FROM eligibility WHERE action_id = $id";
            command.Parameters.AddWithValue("$id", save.Id);
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.Parameters.Clear();
            if (s.Status == ProcessStatus.PendingApproval && save.Eligible is not null)
            {
                command.CommandText = "INSERT OR IGNORE INTO eligibility (action_id, person) VALUES ($id, $person)";
                SqliteParameter person = command.Parameters.Add("$person", SqliteType.Text);
                command.Parameters.AddWithValue("$id", save.Id);
                foreach (string key in save.Eligible)
                {
                    person.Value = key;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                command.Parameters.Clear();
            }
        }

        // Every accepted decision is indexed for the approver's history (votes and the rejecting decision).
        command.CommandText = "INSERT OR REPLACE INTO votes (action_id, person, choice, at) VALUES ($id, $person, $choice, $at)";
        foreach (Vote vote in s.Votes)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$id", save.Id);
            command.Parameters.AddWithValue("$person", vote.Approver.Id.ToLowerInvariant());
            command.Parameters.AddWithValue("$choice", "approve");
            command.Parameters.AddWithValue("$at", vote.At.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        command.Parameters.Clear();
        long releaseSeq = 0;
        if (save.Release is NewRelease release)
        {
            command.CommandText = """
                INSERT INTO releases (action_id, receipt, receipt_id, expires_at, released_at, webhook_status, webhook_next_at)
                VALUES ($id, $receipt, $receiptId, $expires, $now, $status, $next);
                SELECT last_insert_rowid();
                """;
            command.Parameters.AddWithValue("$id", save.Id);
            command.Parameters.AddWithValue("$receipt", release.Receipt);
            command.Parameters.AddWithValue("$receiptId", release.ReceiptId);
            command.Parameters.AddWithValue("$expires", release.ExpiresAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$status", release.Webhook ? "pending" : "none");
            command.Parameters.AddWithValue("$next", release.Webhook ? now.ToUnixTimeMilliseconds() : DBNull.Value);
            releaseSeq = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }

        await transaction.CommitAsync(cancellationToken);
        return releaseSeq;
    }

    /// <summary>Records that the approver <paramref name="person"/> rejected (for their history).</summary>
    public async Task RecordRejectionAsync(string actionId, string person, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO votes (action_id, person, choice, at) VALUES ($id, $person, 'reject', $at)";
        command.Parameters.AddWithValue("$id", actionId);
        command.Parameters.AddWithValue("$person", person.ToLowerInvariant());
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<List<string>> DueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM actions WHERE due_at IS NOT NULL AND due_at <= $now ORDER BY due_at LIMIT $limit";
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", limit);
        var ids = new List<string>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(due_at) FROM actions WHERE due_at IS NOT NULL";
        object? value = await command.ExecuteScalarAsync(cancellationToken);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    /// <summary>Queues an event for the runner and wakes the action.</summary>
    public async Task EnqueueAsync(string actionId, ProcessEvent e, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteTransaction transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO inbox (action_id, event, received_at) VALUES ($id, $event, $now);
            UPDATE actions SET due_at = $now WHERE id = $id AND finished = 0;
            """;
        command.Parameters.AddWithValue("$id", actionId);
        command.Parameters.AddWithValue("$event", CoreJson.Serialize(e));
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<(long Seq, ProcessEvent Event)?> NextInboxAsync(string actionId, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT seq, event FROM inbox WHERE action_id = $id ORDER BY seq LIMIT 1";
        command.Parameters.AddWithValue("$id", actionId);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), CoreJson.DeserializeEvent(reader.GetString(1))) : null;
    }

    /// <summary>Drops an inbox entry that could not be applied.</summary>
    public async Task DropInboxAsync(long seq, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "DELETE FROM inbox WHERE seq = $seq";
        command.Parameters.AddWithValue("$seq", seq);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<List<PendingRow>> PendingForAsync(IReadOnlyCollection<string> personKeys, int limit, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        string[] names = personKeys.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        command.CommandText = $"""
            SELECT DISTINCT a.id, a.review, a.deadline, a.state FROM eligibility e JOIN actions a ON a.id = e.action_id
            WHERE e.person IN ({string.Join(", ", names)}) AND a.status = 'pendingApproval' AND a.review IS NOT NULL
            ORDER BY a.deadline LIMIT $limit
            """;
        int k = 0;
        foreach (string key in personKeys)
        {
            command.Parameters.AddWithValue(names[k++], key);
        }

        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<PendingRow>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new PendingRow(reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                CoreJson.DeserializeState(reader.GetString(3))));
        }

        return rows;
    }

    public async Task<List<(StoredAction Action, string Choice, DateTimeOffset At)>> DecidedByAsync(IReadOnlyCollection<string> personKeys, int limit, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        string[] names = personKeys.Select((_, i) => "$p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        command.CommandText = $"""
            SELECT {string.Join(", ", SelectColumns.Split(", ").Select(c => "a." + c))}, v.choice, v.at
            FROM votes v JOIN actions a ON a.id = v.action_id
            WHERE v.person IN ({string.Join(", ", names)}) ORDER BY v.at DESC LIMIT $limit
            """;
        int k = 0;
        foreach (string key in personKeys)
        {
            command.Parameters.AddWithValue(names[k++], key);
        }

        command.Parameters.AddWithValue("$limit", limit);
        var rows = new List<(StoredAction, string, DateTimeOffset)>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((Read(reader), reader.GetString(11), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(12))));
        }

        return rows;
    }

    public async Task<List<ReleaseRow>> ReleasesAfterAsync(long after, int limit, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.seq, r.action_id, r.receipt, r.receipt_id, r.expires_at, r.released_at, a.body, r.webhook_status, r.webhook_attempts, r.webhook_error
            FROM releases r JOIN actions a ON a.id = r.action_id WHERE r.seq > $after ORDER BY r.seq LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$limit", limit);
        return await ReadReleasesAsync(command, cancellationToken);
    }

    public async Task<List<ReleaseRow>> ReleaseOfAsync(string actionId, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.seq, r.action_id, r.receipt, r.receipt_id, r.expires_at, r.released_at, a.body, r.webhook_status, r.webhook_attempts, r.webhook_error
            FROM releases r JOIN actions a ON a.id = r.action_id WHERE r.action_id = $id
            """;
        command.Parameters.AddWithValue("$id", actionId);
        return await ReadReleasesAsync(command, cancellationToken);
    }

    public async Task<List<ReleaseRow>> WebhooksDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = """
            SELECT r.seq, r.action_id, r.receipt, r.receipt_id, r.expires_at, r.released_at, a.body, r.webhook_status, r.webhook_attempts, r.webhook_error
            FROM releases r JOIN actions a ON a.id = r.action_id
            WHERE r.webhook_status = 'pending' AND r.webhook_next_at <= $now ORDER BY r.webhook_next_at LIMIT $limit
            """;
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$limit", limit);
        return await ReadReleasesAsync(command, cancellationToken);
    }

    public async Task<DateTimeOffset?> NextWebhookAsync(CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(webhook_next_at) FROM releases WHERE webhook_status = 'pending'";
        object? value = await command.ExecuteScalarAsync(cancellationToken);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public async Task UpdateWebhookAsync(long seq, string status, int attempts, DateTimeOffset? nextAt, string? error, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "UPDATE releases SET webhook_status = $status, webhook_attempts = $attempts, webhook_next_at = $next, webhook_error = $error WHERE seq = $seq";
        command.Parameters.AddWithValue("$seq", seq);
        command.Parameters.AddWithValue("$status", status);
        command.Parameters.AddWithValue("$attempts", attempts);
        command.Parameters.AddWithValue("$next", (object?)nextAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every action's audit chain head (last sequence written and its hash), for audit verification.</summary>
    public async Task<Dictionary<string, (long Sequence, string? Hash, int Pending)>> ChainHeadsAsync(CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, state FROM actions";
        var heads = new Dictionary<string, (long, string?, int)>(StringComparer.Ordinal);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ProcessState state = CoreJson.DeserializeState(reader.GetString(1));
            heads[reader.GetString(0)] = (state.NextSequence - 1, state.LastHash, state.PendingAudit.Count);
        }

        return heads;
    }

    public async Task<(long Pending, long Finished)> CountsAsync(CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(finished = 0), 0), COALESCE(SUM(finished = 1), 0) FROM actions";
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<List<ReleaseRow>> ReadReleasesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<ReleaseRow>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new ReleaseRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                (byte[])reader.GetValue(6), reader.GetString(7), reader.GetInt32(8), reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return rows;
    }

    private static StoredAction Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3),
        (byte[])reader.GetValue(4),
        reader.GetString(5),
        CoreJson.DeserializeState(reader.GetString(6)),
        reader.GetInt64(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
        reader.GetInt64(10) == 1);
}
