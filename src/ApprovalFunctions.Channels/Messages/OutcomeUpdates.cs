using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Cards;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Channels.Messages;

/// <summary>How an action ended, for the channels to show on the messages they posted: masked, like everything they show.</summary>
/// <param name="View">The reviewer view (never the raw action).</param>
/// <param name="State">The process state once it left pending approval.</param>
/// <param name="ReviewUrl">The portal's page for the action.</param>
public sealed record OutcomeNotice(ReviewerView View, ProcessState State, Uri ReviewUrl)
{
    /// <summary>The notice for <paramref name="action"/> in <paramref name="state"/>, masked by <paramref name="masker"/>.</summary>
    public static OutcomeNotice Of(Masker masker, Core.Actions.ActionRequest action, ProcessState state, Uri reviewUrl)
    {
        Check.NotNull(masker);
        Check.NotNull(state);
        return new OutcomeNotice(masker.Mask(action, state.Decision, state.Agent), state, reviewUrl);
    }

    /// <summary>The action.</summary>
    public string ActionId => State.ActionId;

    /// <summary>The outcome and who decided, in one line.</summary>
    public string Headline => ApprovalCards.OutcomeHeadline(State);

    /// <summary>The card context (deadline, tally) of the final state.</summary>
    public CardContext Context => CardContext.For(ReviewUrl, State);
}

/// <summary>A channel whose posted messages are updated to the outcome once an action is decided.</summary>
public interface IOutcomeUpdater
{
    /// <summary>The channel name, as in <see cref="PostedMessage.Channel"/>.</summary>
    string Channel { get; }

    /// <summary>Updates <paramref name="posted"/> (this channel's, not yet updated) to <paramref name="notice"/>; returns those updated.</summary>
    Task<IReadOnlyList<PostedMessage>> UpdateAsync(OutcomeNotice notice, IReadOnlyList<PostedMessage> posted, CancellationToken cancellationToken);
}

/// <summary>
/// Brings every message posted about an action up to date with its outcome: each channel updates its own messages, and
/// those updated are marked so a later run (the gateway sweeps until all are) does not touch them again. A channel that
/// throws fails only its own messages.
/// </summary>
public sealed class OutcomeUpdates(IPostedMessages messages, IEnumerable<IOutcomeUpdater> updaters)
{
    /// <summary>Updates the action's messages; returns how many were updated and how many are still to do.</summary>
    public async Task<(int Updated, int Remaining)> UpdateAsync(OutcomeNotice notice, CancellationToken cancellationToken)
    {
        Check.NotNull(notice);
        IReadOnlyList<PostedMessage> open = [.. (await messages.ListAsync(notice.ActionId, cancellationToken).ConfigureAwait(false)).Where(m => !m.Updated)];
        int updated = 0;
        foreach (IGrouping<string, PostedMessage> channel in open.GroupBy(m => m.Channel, StringComparer.Ordinal))
        {
            IOutcomeUpdater? updater = updaters.FirstOrDefault(u => u.Channel == channel.Key);
            if (updater is null)
            {
                continue; // the channel was switched off since: nothing can reach its messages
            }

            IReadOnlyList<PostedMessage> done;
            try
            {
                done = await updater.UpdateAsync(notice, [.. channel], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or ChannelException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                continue;
            }

            if (done.Count > 0)
            {
                await messages.MarkUpdatedAsync(done, cancellationToken).ConfigureAwait(false);
                updated += done.Count;
            }
        }

        return (updated, open.Count(m => updaters.Any(u => u.Channel == m.Channel)) - updated);
    }
}

/// <summary>A chat service answered with an error (the service's own code, never a token or a message body).</summary>
public sealed class ChannelException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChannelException(string channel, string error, int? status = null, string? operation = null)
        : base($"{channel}: {(operation is null ? string.Empty : operation + ": ")}{LogText.Sanitize(error, 200)}")
    {
        Channel = channel;
        Error = LogText.Sanitize(error, 200);
        Status = status;
    }

    /// <summary>For serializers.</summary>
    public ChannelException()
    {
        Channel = string.Empty;
        Error = string.Empty;
    }

    /// <summary>For serializers.</summary>
    public ChannelException(string message)
        : base(message)
    {
        Channel = string.Empty;
        Error = message;
    }

    /// <summary>For serializers.</summary>
    public ChannelException(string message, Exception innerException)
        : base(message, innerException)
    {
        Channel = string.Empty;
        Error = message;
    }

    /// <summary>The channel.</summary>
    public string Channel { get; }

    /// <summary>The service's error code.</summary>
    public string Error { get; }

    /// <summary>The HTTP status, when the call got one.</summary>
    public int? Status { get; }
}
