using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.Gateway.Storage;

/// <summary>
/// The gateway's SQLite database: WAL journal (readers never block the writer), one writer with group commit, and a
/// schema created or upgraded at start-up.
/// </summary>
/// <remarks>
/// SQLite admits one writer, and a commit costs far more than the statements in it. Every write therefore goes through
/// <see cref="WriteAsync{T}"/>: a single writer connection takes all writes queued meanwhile, runs each inside its own
/// savepoint (one failing write rolls back only itself), commits them together, and only then completes their callers.
/// Nothing is acknowledged before it is durable, and racing connections never meet SQLITE_BUSY (on which
/// Microsoft.Data.Sqlite sleeps 150 ms). The state directory lock guarantees that no other process writes.
/// </remarks>
internal sealed class GatewayDatabase : IAsyncDisposable
{
    private const int SchemaVersion = 2;
    private const int MaxBatch = 512;

    private readonly string _connectionString;
    private readonly Channel<WriteItem> _writes = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lazy<Task> _writer;

    public GatewayDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = new Lazy<Task>(() => Task.Run(WriterLoopAsync));
    }

    public string Path { get; }

    /// <summary>A connection for reading (pooled).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using SqliteCommand pragma = connection.CreateCommand();
        // NORMAL in WAL mode survives process crashes (the guarantee the runner relies on); FULL also survives power loss.
        pragma.CommandText = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the next group commit and returns its result once that commit is durable. An
    /// exception from <paramref name="work"/> undoes only its own statements and is rethrown to this caller.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<WriteContext, T> work, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _ = _writer.Value;
        var item = new WriteItem<T>(work, cancellationToken);
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(item), this);

        return item.Completion.Task;
    }

    private async Task WriterLoopAsync()
    {
        SqliteConnection? connection = null;
        var batch = new List<WriteItem>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out WriteItem? item))
            {
                if (!item.Cancelled)
                {
                    batch.Add(item);
                }
            }

            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                connection ??= Open();
                using SqliteTransaction transaction = connection.BeginTransaction(deferred: false);
                var context = new WriteContext(connection, transaction);
                foreach (WriteItem item in batch)
                {
                    context.Execute("SAVEPOINT w");
                    try
                    {
                        item.Run(context);
                        context.Execute("RELEASE w");
                    }
                    catch (Exception ex)
                    {
                        context.Execute("ROLLBACK TO w");
                        context.Execute("RELEASE w");
                        item.Failed = ex;
                    }
                }

                transaction.Commit();
                foreach (WriteItem item in batch)
                {
                    item.Complete();
                }
            }
            catch (Exception ex)
            {
                // The commit (or the connection) failed: nothing of this batch is durable; every caller hears so.
                foreach (WriteItem item in batch)
                {
                    item.Fail(ex);
                }

                connection?.Dispose();
                connection = null;
            }
        }

        connection?.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        if (_writer.IsValueCreated)
        {
            await _writer.Value;
        }
    }

    private abstract class WriteItem
    {
        public Exception? Failed { get; set; }

        public abstract bool Cancelled { get; }

        public abstract void Run(WriteContext context);

        public abstract void Complete();

        public abstract void Fail(Exception ex);
    }

    private sealed class WriteItem<T>(Func<WriteContext, T> work, CancellationToken cancellationToken) : WriteItem
    {
        private T _result = default!;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override bool Cancelled => cancellationToken.IsCancellationRequested && Completion.TrySetCanceled(cancellationToken);

        public override void Run(WriteContext context) => _result = work(context);

        public override void Complete()
        {
            if (Failed is not null)
            {
                Completion.TrySetException(Failed);
            }
            else
            {
                Completion.TrySetResult(_result);
            }
        }

        public override void Fail(Exception ex) => Completion.TrySetException(ex);
    }

    public void Migrate()
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!);
        using SqliteConnection connection = Open();
        using (SqliteCommand wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        using SqliteTransaction transaction = connection.BeginTransaction();
        using SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS actions (
                id              TEXT PRIMARY KEY,
                agent_id        TEXT NOT NULL,
                idempotency_key TEXT,
                digest          TEXT NOT NULL,
                body            BLOB NOT NULL,
                region          TEXT NOT NULL,
                status          TEXT NOT NULL,
                state           TEXT NOT NULL,
                version         INTEGER NOT NULL,
                due_at          INTEGER,
                finished        INTEGER NOT NULL DEFAULT 0,
                review          TEXT,
                deadline        INTEGER,
                created_at      INTEGER NOT NULL,
                updated_at      INTEGER NOT NULL,
                UNIQUE (agent_id, idempotency_key)
            );
            CREATE INDEX IF NOT EXISTS actions_due ON actions (due_at) WHERE due_at IS NOT NULL;
            CREATE TABLE IF NOT EXISTS eligibility (
                action_id TEXT NOT NULL REFERENCES actions (id),
                person    TEXT NOT NULL,
                PRIMARY KEY (person, action_id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS eligibility_action ON eligibility (action_id);
            CREATE TABLE IF NOT EXISTS votes (
                action_id TEXT NOT NULL REFERENCES actions (id),
                person    TEXT NOT NULL,
                choice    TEXT NOT NULL,
                at        INTEGER NOT NULL,
                PRIMARY KEY (person, action_id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS inbox (
                seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id   TEXT NOT NULL REFERENCES actions (id),
                event       TEXT NOT NULL,
                received_at INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS inbox_action ON inbox (action_id, seq);
            CREATE TABLE IF NOT EXISTS releases (
                seq              INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id        TEXT NOT NULL UNIQUE REFERENCES actions (id),
                receipt          TEXT NOT NULL,
                receipt_id       TEXT NOT NULL,
                expires_at       INTEGER NOT NULL,
                released_at      INTEGER NOT NULL,
                webhook_status   TEXT NOT NULL,
                webhook_attempts INTEGER NOT NULL DEFAULT 0,
                webhook_next_at  INTEGER,
                webhook_error    TEXT
            );
            CREATE INDEX IF NOT EXISTS releases_webhook ON releases (webhook_next_at) WHERE webhook_status = 'pending';
            CREATE TABLE IF NOT EXISTS audit_outbox (
                seq       INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id TEXT NOT NULL,
                region    TEXT NOT NULL,
                key       TEXT NOT NULL,
                content   BLOB NOT NULL
            );
            CREATE INDEX IF NOT EXISTS audit_outbox_action ON audit_outbox (action_id);
            CREATE TABLE IF NOT EXISTS deliveries (
                key          TEXT PRIMARY KEY,
                delivered_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS channel_messages (
                action_id TEXT NOT NULL,
                channel   TEXT NOT NULL,
                key       TEXT NOT NULL,
                address   TEXT NOT NULL,
                updated   INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (action_id, channel, key)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS channel_messages_open ON channel_messages (action_id) WHERE updated = 0;
            CREATE TABLE IF NOT EXISTS used_card_tokens (
                token_id   TEXT PRIMARY KEY,
                expires_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """;
        command.ExecuteNonQuery();
        command.CommandText = "SELECT version FROM schema_version";
        object? version = command.ExecuteScalar();
        if (version is null)
        {
            command.CommandText = $"INSERT INTO schema_version (version) VALUES ({SchemaVersion})";
            command.ExecuteNonQuery();
        }
        else if (Convert.ToInt32(version, System.Globalization.CultureInfo.InvariantCulture) > SchemaVersion)
        {
            throw new InvalidOperationException($"The database at {Path} has schema version {version}; this gateway reads {SchemaVersion}. Upgrade the gateway.");
        }
        else
        {
            // Version 2 added the audit outbox and the Microsoft 365 ledgers, created above.
            command.CommandText = $"UPDATE schema_version SET version = {SchemaVersion}";
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}

/// <summary>The open write transaction a <see cref="GatewayDatabase.WriteAsync{T}"/> callback runs in.</summary>
internal sealed class WriteContext(SqliteConnection connection, SqliteTransaction transaction)
{
    /// <summary>A command enlisted in the transaction.</summary>
    public SqliteCommand CreateCommand()
    {
        SqliteCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        return command;
    }

    internal void Execute(string sql)
    {
        using SqliteCommand command = CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
