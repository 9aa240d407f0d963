using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Microsoft365.Notifications;

/// <summary>What a notifier gets: the masked reviewer view (never the raw action) and where approvers decide.</summary>
/// <param name="ActionId">The action.</param>
/// <param name="View">What approvers may see.</param>
/// <param name="Notification">The round and its recipients.</param>
/// <param name="Deadline">The current deadline.</param>
/// <param name="Tally">Who approved so far and who is still needed.</param>
/// <param name="ReviewUrl">The portal's review page for this action.</param>
public sealed record ApprovalRequest(string ActionId, ReviewerView View, NotificationRound Notification, DateTimeOffset Deadline, ApprovalTally Tally, Uri ReviewUrl);

/// <summary>
/// Delivers approval requests over one channel (portal inbox, Outlook, Teams…). Must be idempotent per action, round and
/// recipient, and report every failure as an undelivered <see cref="Delivery"/> rather than throw.
/// </summary>
public interface IApprovalNotifier
{
    /// <summary>The channel name recorded in deliveries.</summary>
    string Channel { get; }

    /// <summary>Delivers <paramref name="request"/> to each recipient.</summary>
    Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken);
}
