namespace ApprovalFunctions.Microsoft365.Portal;

/// <summary>How the portal signs people in with Entra ID (section <c>Portal</c>); unused in development mode.</summary>
public sealed class PortalOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Portal";

    /// <summary>The portal's Entra app registration (a single-page application), client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>The sign-in authority, for example <c>https://login.microsoftonline.com/{tenant}</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>The scope the portal asks for: the API's <c>Approvals.Decide</c>, for example <c>api://approvals-gateway/Approvals.Decide</c>.</summary>
    public string? Scope { get; set; }

    /// <summary>True when Entra sign-in is configured.</summary>
    public bool EntraSignIn => !string.IsNullOrWhiteSpace(ClientId);

    /// <summary>Every problem, each naming its setting; none when Entra sign-in is not configured.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (!EntraSignIn)
        {
            return failures;
        }

        if (!Guid.TryParse(ClientId, out _))
        {
            failures.Add("Portal:ClientId must be the portal app registration's client id (a GUID).");
        }

        if (!Uri.TryCreate(Authority, UriKind.Absolute, out Uri? authority) || authority.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add("Portal:Authority must be an https URL such as https://login.microsoftonline.com/<tenant>.");
        }

        if (string.IsNullOrWhiteSpace(Scope))
        {
            failures.Add("Portal:Scope must name the API's Approvals.Decide scope (api://…/Approvals.Decide).");
        }

        return failures;
    }
}
