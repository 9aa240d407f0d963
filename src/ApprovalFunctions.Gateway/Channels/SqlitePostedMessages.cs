using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Gateway.Storage;
using Microsoft.Data.Sqlite;

namespace ApprovalFunctions.Gateway.Channels;

/// <summary>
/// The messages Slack and Teams posted, in the gateway database. The rows not yet updated, of actions no longer
/// pending, are the outbox of <see cref="OutcomeSweeper"/>: an update lost to a crash is made on the next sweep.
/// </summary>
internal sealed class SqlitePostedMessages(GatewayDatabase database) : IPostedMessages
{
    public Task AddAsync(PostedMessage message, CancellationToken cancellationToken) =>
        database.WriteAsync(write =>
        {
            using SqliteCommand command = write.CreateCommand();
            command.CommandText = """
                INSERT INTO channel_messages (action_id, channel, key, address, updated) VALUES ($action, $channel, $key, $address, $updated)
                ON CONFLICT (action_id, channel, key) DO UPDATE SET address = excluded.address, updated = excluded.updated
                """;
            Bind(command, message);
            command.Parameters.AddWithValue("$address", message.Address);
            command.Parameters.AddWithValue("$updated", message.Updated ? 1 : 0);
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public async Task<IReadOnlyList<PostedMessage>> ListAsync(string actionId, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT channel, key, address, updated FROM channel_messages WHERE action_id = $action ORDER BY channel, key";
        command.Parameters.AddWithValue("$action", actionId);
        var messages = new List<PostedMessage>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(new PostedMessage(actionId, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) == 1));
        }

        return messages;
    }

    public Task MarkUpdatedAsync(IReadOnlyList<PostedMessage> messages, CancellationToken cancellationToken) =>
        database.WriteAsync(write =>
        {
            foreach (PostedMessage message in messages)
            {
                using SqliteCommand command = write.CreateCommand();
                command.CommandText = "UPDATE channel_messages SET updated = 1 WHERE action_id = $action AND channel = $channel AND key = $key";
                Bind(command, message);
                command.ExecuteNonQuery();
            }

            return messages.Count;
        }, cancellationToken);

    /// <summary>Actions that are no longer pending and still have messages showing them as pending, oldest first.</summary>
    public async Task<IReadOnlyList<string>> SettledWithOpenMessagesAsync(int limit, CancellationToken cancellationToken)
    {
        await using SqliteConnection connection = database.Open();
        await using SqliteCommand command = connection.CreateCommand();
        command.CommandText = """
            SELECT DISTINCT m.action_id FROM channel_messages m JOIN actions a ON a.id = m.action_id
            WHERE m.updated = 0 AND a.status NOT IN ('received', 'pendingApproval')
            ORDER BY a.updated_at LIMIT $limit
            """;
        command.Parameters.AddWithValue("$limit", limit);
        var ids = new List<string>();
        await using SqliteDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private static void Bind(SqliteCommand command, PostedMessage message)
    {
        command.Parameters.AddWithValue("$action", message.ActionId);
        command.Parameters.AddWithValue("$channel", message.Channel);
        command.Parameters.AddWithValue("$key", message.Key);
    }
}
