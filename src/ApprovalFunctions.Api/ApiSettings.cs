using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.Api;

/// <summary>The limits and links a host gives the API, from its own validated options.</summary>
public sealed class ApiSettings
{
    /// <summary>The base URL approvers reach the host at (portal links).</summary>
    public required Uri PublicBaseUrl { get; init; }

    /// <summary>The largest action body accepted, in bytes.</summary>
    public required int MaxBodyBytes { get; init; }

    /// <summary>Limits on the action's JSON.</summary>
    public required ActionLimits Limits { get; init; }

    /// <summary>The longest <c>wait</c> a submission may ask for.</summary>
    public required TimeSpan MaxWait { get; init; }

    /// <summary>The region of actions that name none; null refuses such actions.</summary>
    public string? DefaultRegion { get; init; }

    /// <summary>The regions with an audit store; an action for any other region is refused (fail closed).</summary>
    public required IReadOnlySet<string> Regions { get; init; }

    /// <summary>The Outlook card's originator id, when Outlook actionable messages are set up.</summary>
    public string? OutlookOriginator { get; init; }

    /// <summary>The portal's review page of an action.</summary>
    public Uri Review(string actionId)
    {
        string text = PublicBaseUrl.ToString();
        return new Uri(new Uri(text.EndsWith('/') ? text : text + "/"), "portal/review/" + Uri.EscapeDataString(Check.NotNull(actionId)));
    }
}

/// <summary>What every <see cref="ApprovalsApi"/> of a host shares: settings, the masker, the clock, the log.</summary>
/// <param name="Settings">The host's limits and links.</param>
/// <param name="Masker">Masks actions for reviewers.</param>
/// <param name="Time">The clock.</param>
/// <param name="Logger">The API's log.</param>
public sealed record ApiServices(ApiSettings Settings, Masker Masker, TimeProvider Time, ILogger<ApprovalsApi> Logger);
