using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Microsoft365.Notifications;

namespace ApprovalFunctions.Gateway.Notifications;

/// <summary>The portal inbox: every recipient sees the request in the portal as soon as approvers are resolved.</summary>
internal sealed class PortalNotifier : IApprovalNotifier
{
    public string Channel => "portal";

    public Task<IReadOnlyList<Delivery>> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Delivery>>(request.Notification.Recipients.Select(r => new Delivery(r.Id, Channel, true, "inbox")).ToArray());
}
