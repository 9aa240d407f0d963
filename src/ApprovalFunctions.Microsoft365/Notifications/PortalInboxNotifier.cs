using ApprovalFunctions.Core.Process;

namespace ApprovalFunctions.Microsoft365.Notifications;

/// <summary>
/// The portal inbox: every recipient finds the request in the portal as soon as approvers are resolved (both hosts list
/// pending approvals from the process state), so the delivery is recorded for each of them.
/// </summary>
public sealed class PortalInboxNotifier : IApprovalNotifier
{
    /// <inheritdoc />
    public string Channel => "portal";

    /// <inheritdoc />
    public Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult<IReadOnlyList<Delivery>>([.. request.Notification.Recipients.Select(r => new Delivery(r.Id, Channel, true, "inbox"))]);
    }
}
