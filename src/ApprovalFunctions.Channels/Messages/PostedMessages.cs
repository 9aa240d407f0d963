using System.Collections.Concurrent;
using ApprovalFunctions.Core;

namespace ApprovalFunctions.Channels.Messages;

/// <summary>
/// A message a channel posted about an action (a Slack message, a Teams card), kept so that it can be updated in place
/// when the action is decided, on whichever channel.
/// </summary>
/// <param name="ActionId">The action.</param>
/// <param name="Channel">The channel that posted it (<c>slack</c>, <c>teams</c>).</param>
/// <param name="Key">Unique per action and channel: the round and the recipient (a person's id, or <c>channel</c>).</param>
/// <param name="Address">Where the message is, in the channel's own terms (JSON the channel reads back).</param>
/// <param name="Updated">True once it shows the outcome.</param>
public sealed record PostedMessage(string ActionId, string Channel, string Key, string Address, bool Updated = false);

/// <summary>Where the hosts keep <see cref="PostedMessage"/>s: the gateway's database, the Functions app's state container.</summary>
public interface IPostedMessages
{
    /// <summary>Records <paramref name="message"/>, replacing one with the same action, channel and key.</summary>
    Task AddAsync(PostedMessage message, CancellationToken cancellationToken);

    /// <summary>Every message posted about <paramref name="actionId"/>.</summary>
    Task<IReadOnlyList<PostedMessage>> ListAsync(string actionId, CancellationToken cancellationToken);

    /// <summary>Marks <paramref name="messages"/> as showing the outcome.</summary>
    Task MarkUpdatedAsync(IReadOnlyList<PostedMessage> messages, CancellationToken cancellationToken);
}

/// <summary>A process-local store (tests, and hosts that keep nothing between runs).</summary>
public sealed class InMemoryPostedMessages : IPostedMessages
{
    private readonly ConcurrentDictionary<(string, string, string), PostedMessage> _messages = new();

    /// <inheritdoc />
    public Task AddAsync(PostedMessage message, CancellationToken cancellationToken)
    {
        Check.NotNull(message);
        _messages[(message.ActionId, message.Channel, message.Key)] = message;
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PostedMessage>> ListAsync(string actionId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PostedMessage>>([.. _messages.Values.Where(m => m.ActionId == actionId).OrderBy(m => m.Channel, StringComparer.Ordinal).ThenBy(m => m.Key, StringComparer.Ordinal)]);

    /// <inheritdoc />
    public Task MarkUpdatedAsync(IReadOnlyList<PostedMessage> messages, CancellationToken cancellationToken)
    {
        foreach (PostedMessage message in Check.NotNull(messages))
        {
            _messages[(message.ActionId, message.Channel, message.Key)] = message with { Updated = true };
        }

        return Task.CompletedTask;
    }
}
