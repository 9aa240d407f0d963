using System.Globalization;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Process;
using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.Gateway.Storage;

/// <summary>One stored action.</summary>
internal sealed record StoredAction(
    string Id, string AgentId, string? IdempotencyKey, string Digest, byte[] Body, string Region, ProcessState State,
    long Version, string? Review, DateTimeOffset CreatedAt, bool Finished);

/// <summary>Everything a run changes since its last commit, committed in one transaction.</summary>
internal sealed record ActionSave(string Id, long ExpectedVersion, ProcessState State)
{
    /// <summary>Set for a new action: the first commit inserts it (and fails if the agent already used the idempotency key).</summary>
    public NewAction? Insert { get; init; }

    /// <summary>When the runner should look at the action again; null means "now" unless it is finished.</summary>
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>The inbox entries consumed since the last commit.</summary>
    public IReadOnlyList<long> ConsumedInbox { get; init; } = [];

    /// <summary>Audit records the state now counts as written: the outbox writes them to the region's store.</summary>
    public IReadOnlyList<OutboxRecord> Audit { get; init; } = [];

    /// <summary>Rejections accepted since the last commit, for the approvers' history.</summary>
    public IReadOnlyList<(string Person, DateTimeOffset At)> Rejections { get; init; } = [];

    /// <summary>The masked reviewer view to store (once approvers are involved).</summary>
    public string? Review { get; init; }

    /// <summary>Who may decide now (lower-cased ids); null leaves the index as it is.</summary>
    public IReadOnlyCollection<string>? Eligible { get; init; }

    /// <summary>The index keys of everyone who may decide now: each person's lower-cased immutable id (never e-mail).</summary>
    public static IReadOnlyCollection<string> EligibleKeys(IEnumerable<Person> people) =>
        people.Select(p => p.Id.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    /// <summary>A release to add to the feed.</summary>
    public NewRelease? Release { get; init; }
}

/// <summary>What only the insert of a new action needs.</summary>
internal sealed record NewAction(string AgentId, string? IdempotencyKey, byte[] Body);

/// <summary>An audit record waiting in the outbox for its file.</summary>
internal sealed record OutboxRecord(string ActionId, string Region, string Key, byte[] Content);

/// <summary>An outbox row.</summary>
internal sealed record OutboxRow(long Seq, OutboxRecord Record);

/// <summary>The agent already used the idempotency key: the action exists.</summary>
internal sealed class IdempotencyKeyTakenException() : Exception("The idempotency key is already used by another action of this agent.");

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

    /// <summary>
    /// Commits a run's changes: the state (version-checked, or inserted for a new action), the wake-up time, and everything
    /// that goes with it. Returns the release's feed sequence (0 without a release).
    /// </summary>
    public Task<long> SaveAsync(ActionSave save, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(write => Save(write, save, now), cancellationToken);

    private static long Save(WriteContext write, ActionSave save, DateTimeOffset now)
    {
        using SqliteCommand command = write.CreateCommand();
        ProcessState s = save.State;
        bool finished = s.Status is ProcessStatus.Completed or ProcessStatus.Failed && s.PendingAudit.Count == 0;
        long nowMs = now.ToUnixTimeMilliseconds();

        foreach (long seq in save.ConsumedInbox)
        {
            command.CommandText = "DELETE FROM inbox WHERE seq = $seq";
            command.Parameters.AddWithValue("$seq", seq);
            command.ExecuteNonQuery();
            command.Parameters.Clear();
        }

        if (save.Insert is NewAction insert)
        {
            command.CommandText = """
                INSERT INTO actions (id, agent_id, idempotency_key, digest, body, region, status, state, version, due_at, finished, review, deadline, created_at, updated_at)
                VALUES ($id, $agent, $key, $digest, $body, $region, $status, $state, 1, CASE WHEN $finished = 1 THEN NULL ELSE COALESCE($due, $now) END,
                        $finished, $review, $deadline, $now, $now)
                """;
            command.Parameters.AddWithValue("$agent", insert.AgentId);
            command.Parameters.AddWithValue("$key", (object?)insert.IdempotencyKey ?? DBNull.Value);
            command.Parameters.AddWithValue("$digest", s.ActionDigest);
            command.Parameters.AddWithValue("$body", insert.Body);
            command.Parameters.AddWithValue("$region", s.Region);
        }
        else
        {
            // An unfinished action is always due at some time: when it waits, at its deadline; between steps, now, so that a
            // crash right after this commit leaves it for the runner to pick up on restart. An event that arrived while the
            // runner worked wakes it immediately (no lost wake-up).
            command.CommandText = """
                UPDATE actions SET
                    state = $state, status = $status, version = version + 1, finished = $finished, updated_at = $now,
                    deadline = $deadline, review = COALESCE($review, review),
                    due_at = CASE
                        WHEN $finished = 1 THEN NULL
                        WHEN EXISTS (SELECT 1 FROM inbox WHERE inbox.action_id = $id) THEN $now
                        ELSE COALESCE($due, $now) END
                WHERE id = $id AND version = $version
                """;
            command.Parameters.AddWithValue("$version", save.ExpectedVersion);
        }

        command.Parameters.AddWithValue("$id", save.Id);
        command.Parameters.AddWithValue("$state", CoreJson.Serialize(s));
        command.Parameters.AddWithValue("$status", CoreJson.Name(s.Status));
        command.Parameters.AddWithValue("$finished", finished ? 1 : 0);
        command.Parameters.AddWithValue("$now", nowMs);
        command.Parameters.AddWithValue("$deadline", (object?)s.Deadline?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$review", (object?)save.Review ?? DBNull.Value);
        command.Parameters.AddWithValue("$due", (object?)save.DueAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        try
        {
            if (command.ExecuteNonQuery() != 1)
            {
                throw new ConcurrencyException(save.Id);
            }
        }
        catch (SqliteException ex) when (save.Insert is not null && ex.SqliteErrorCode == 19 && ex.Message.Contains("idempotency_key", StringComparison.Ordinal))
        {
            throw new IdempotencyKeyTakenException();
        }

        command.Parameters.Clear();
        if (save.Eligible is not null || s.Status != ProcessStatus.PendingApproval)
        {
            if (save.Insert is null)
            {
                command.CommandText = "DELETE FROM eligibility WHERE action_id = $id";
                command.Parameters.AddWithValue("$id", save.Id);
                command.ExecuteNonQuery();
                command.Parameters.Clear();
            }

            if (s.Status == ProcessStatus.PendingApproval && save.Eligible is not null)
            {
                command.CommandText = "INSERT OR IGNORE INTO eligibility (action_id, person) VALUES ($id, $person)";
                SqliteParameter person = command.Parameters.Add("$person", SqliteType.Text);
                command.Parameters.AddWithValue("$id", save.Id);
                foreach (string key in save.Eligible)
                {
                    person.Value = key;
                    command.ExecuteNonQuery();
                }

                command.Parameters.Clear();
            }
        }

        // Every accepted decision is indexed for the approver's history (votes and the rejecting decision).
        command.CommandText = "INSERT OR REPLACE INTO votes (action_id, person, choice, at) VALUES ($id, $person, $choice, $at)";
        foreach ((string voter, string choice, DateTimeOffset at) in s.Votes.Select(v => (v.Approver.Id, "approve", v.At))
            .Concat(save.Rejections.Select(r => (r.Person, "reject", r.At))))
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$id", save.Id);
            command.Parameters.AddWithValue("$person", voter.ToLowerInvariant());
            command.Parameters.AddWithValue("$choice", choice);
            command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }

        command.Parameters.Clear();
        command.CommandText = "INSERT INTO audit_outbox (action_id, region, key, content) VALUES ($id, $region, $key, $content)";
        foreach (OutboxRecord record in save.Audit)
        {
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$id", record.ActionId);
            command.Parameters.AddWithValue("$region", record.Region);
            command.Parameters.AddWithValue("$key", record.Key);
            command.Parameters.AddWithValue("$content", record.Content);
            command.ExecuteNonQuery();
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
            command.Parameters.AddWithValue("$now", nowMs);
            command.Parameters.AddWithValue("$status", release.Webhook ? "pending" : "none");
            command.Parameters.AddWithValue("$next", release.Webhook ? nowMs : DBNull.Value);
            releaseSeq = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        return releaseSeq;
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
    public Task EnqueueAsync(string actionId, ProcessEvent e, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            command.CommandText = """
                INSERT INTO inbox (action_id, event, received_at) VALUES ($id, $event, $now);
                UPDATE actions SET due_at = $now WHERE id = $id AND finished = 0;
                """;
            command.Parameters.AddWithValue("$id", actionId);
            command.Parameters.AddWithValue("$event", CoreJson.Serialize(e));
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>The oldest queued event of the action after inbox sequence <paramref name="after"/>.</summary>
    public async Task<(long Seq, ProcessEvent Event)?> NextInboxAsync(string actionId, long after = 0, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT seq, event FROM inbox WHERE action_id = $id AND seq > $after ORDER BY seq LIMIT 1";
        command.Parameters.AddWithValue("$id", actionId);
        command.Parameters.AddWithValue("$after", after);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), CoreJson.DeserializeEvent(reader.GetString(1))) : null;
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

    public Task UpdateWebhookAsync(long seq, string status, int attempts, DateTimeOffset? nextAt, string? error, CancellationToken cancellationToken = default) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            command.CommandText = "UPDATE releases SET webhook_status = $status, webhook_attempts = $attempts, webhook_next_at = $next, webhook_error = $error WHERE seq = $seq";
            command.Parameters.AddWithValue("$seq", seq);
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$attempts", attempts);
            command.Parameters.AddWithValue("$next", (object?)nextAt?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    /// <summary>The oldest audit records waiting for their files.</summary>
    public async Task<List<OutboxRow>> OutboxAsync(int limit, string? actionId = null, CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = actionId is null
            ? "SELECT seq, action_id, region, key, content FROM audit_outbox ORDER BY seq LIMIT $limit"
            : "SELECT seq, action_id, region, key, content FROM audit_outbox WHERE action_id = $id ORDER BY seq LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        if (actionId is not null)
        {
            command.Parameters.AddWithValue("$id", actionId);
        }

        var rows = new List<OutboxRow>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutboxRow(reader.GetInt64(0), new OutboxRecord(reader.GetString(1), reader.GetString(2), reader.GetString(3), (byte[])reader.GetValue(4))));
        }

        return rows;
    }

    /// <summary>Removes outbox rows whose files are written.</summary>
    public Task RemoveFromOutboxAsync(IReadOnlyList<long> seqs, CancellationToken cancellationToken = default) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            command.CommandText = "DELETE FROM audit_outbox WHERE seq = $seq";
            SqliteParameter parameter = command.Parameters.Add("$seq", SqliteType.Integer);
            foreach (long seq in seqs)
            {
                parameter.Value = seq;
                command.ExecuteNonQuery();
            }

            return seqs.Count;
        }, cancellationToken);

    /// <summary>
    /// Every action's audit chain head: the last sequence the state counts, its hash, and how many of its records are not
    /// in the region's store yet (still in the state or in the outbox).
    /// </summary>
    public async Task<Dictionary<string, (long Sequence, string? Hash, int Pending)>> ChainHeadsAsync(CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        var outbox = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (SqliteCommand pending = connection.CreateCommand())
        {
            pending.CommandText = "SELECT action_id, COUNT(*) FROM audit_outbox GROUP BY action_id";
            await using SqliteDataReader rows = await pending.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                outbox[rows.GetString(0)] = rows.GetInt32(1);
            }
        }

        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT id, state FROM actions";
        var heads = new Dictionary<string, (long, string?, int)>(StringComparer.Ordinal);
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string id = reader.GetString(0);
            ProcessState state = CoreJson.DeserializeState(reader.GetString(1));
            heads[id] = (state.NextSequence - 1, state.LastHash, state.PendingAudit.Count + outbox.GetValueOrDefault(id));
        }

        return heads;
    }

    /// <summary>How many audit records wait in the outbox for their files.</summary>
    public async Task<long> OutboxCountAsync(CancellationToken cancellationToken = default)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM audit_outbox";
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>How many actions are unfinished and finished.</summary>
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
