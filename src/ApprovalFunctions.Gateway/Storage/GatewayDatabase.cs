using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.Gateway.Storage;

/// <summary>
/// The gateway's SQLite database: WAL journal (readers never block the writer), immediate write transactions, and a
/// schema created or upgraded at start-up.
/// </summary>
internal sealed class GatewayDatabase
{
    private const int SchemaVersion = 1;

    private readonly string _connectionString;

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
    }

    public string Path { get; }

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

        transaction.Commit();
    }
}
