using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Microsoft365.Outlook;
using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.Gateway.Microsoft365;

/// <summary>Sent notifications, in the gateway database, so that a repeated notification step sends nothing twice.</summary>
internal sealed class SqliteDeliveryLedger(GatewayDatabase database, TimeProvider time) : IDeliveryLedger
{
    public async Task<bool> WasDeliveredAsync(string key, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM deliveries WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }

    public Task RecordAsync(string key, CancellationToken cancellationToken) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            command.CommandText = "INSERT OR IGNORE INTO deliveries (key, delivered_at) VALUES ($key, $at)";
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$at", time.GetUtcNow().ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken);
}

/// <summary>Used card token ids, in the gateway database: a token works once, across restarts.</summary>
internal sealed class SqliteCardTokenLedger(GatewayDatabase database, TimeProvider time) : ICardTokenLedger
{
    public Task<bool> TryUseAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            // Expired ids can go: their tokens are refused for their expiry before the ledger is asked.
            command.CommandText = """
                DELETE FROM used_card_tokens WHERE expires_at < $now;
                INSERT OR IGNORE INTO used_card_tokens (token_id, expires_at) VALUES ($id, $expires);
                """;
            command.Parameters.AddWithValue("$now", time.GetUtcNow().ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$id", tokenId);
            command.Parameters.AddWithValue("$expires", expiresAt.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
            using SqliteCommand changed = write.CreateCommand();
            changed.CommandText = "SELECT changes()";
            return (long)changed.ExecuteScalar()! == 1;
        }, cancellationToken);

    public Task ReleaseAsync(string tokenId, CancellationToken cancellationToken) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            command.CommandText = "DELETE FROM used_card_tokens WHERE token_id = $id";
            command.Parameters.AddWithValue("$id", tokenId);
            return command.ExecuteNonQuery();
        }, cancellationToken);
}

/// <summary>The card token signing key: <c>Microsoft365:CardTokenKey</c> (base64), or generated in the state directory.</summary>
internal static class CardTokenKey
{
    public static byte[] Load(string? configured, string stateDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Convert.FromBase64String(configured);
        }

        string path = Path.Combine(stateDirectory, "card-token.key");
        if (!File.Exists(path))
        {
            Hosting.SecretFiles.Create(path, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        }

        return Convert.FromBase64String(File.ReadAllText(path).Trim());
    }
}
