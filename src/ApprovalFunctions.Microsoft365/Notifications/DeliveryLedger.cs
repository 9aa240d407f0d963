using System.Collections.Concurrent;

namespace ApprovalFunctions.Microsoft365.Notifications;

/// <summary>
/// Remembers which notifications went out, keyed by action, round, channel and recipient, so that a notification step
/// that runs again (after a crash, or a retry of another channel) does not send the same message twice.
/// </summary>
public interface IDeliveryLedger
{
    /// <summary>True when <paramref name="key"/> was recorded.</summary>
    Task<bool> WasDeliveredAsync(string key, CancellationToken cancellationToken);

    /// <summary>Records <paramref name="key"/> as delivered.</summary>
    Task RecordAsync(string key, CancellationToken cancellationToken);
}

/// <summary>A process-local ledger (tests, single hosts without a database).</summary>
public sealed class InMemoryDeliveryLedger : IDeliveryLedger
{
    private readonly ConcurrentDictionary<string, bool> _delivered = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<bool> WasDeliveredAsync(string key, CancellationToken cancellationToken) => Task.FromResult(_delivered.ContainsKey(key));

    /// <inheritdoc />
    public Task RecordAsync(string key, CancellationToken cancellationToken)
    {
        _delivered[key] = true;
        return Task.CompletedTask;
    }
}

/// <summary>The idempotency key of one notification.</summary>
public static class DeliveryKeys
{
    /// <summary><c>{actionId}/{round}/{channel}/{recipient}</c>.</summary>
    public static string For(string actionId, int round, string channel, string recipient) => $"{actionId}/{round}/{channel}/{recipient}";
}
