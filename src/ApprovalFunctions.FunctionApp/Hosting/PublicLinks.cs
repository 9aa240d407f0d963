namespace ApprovalFunctions.FunctionApp.Hosting;

/// <summary>Absolute links to the app as approvers reach it.</summary>
public sealed class PublicLinks(Uri baseUrl)
{
    /// <summary>The app's base URL, ending with a slash.</summary>
    public Uri Base { get; } = new(baseUrl.ToString().TrimEnd('/') + "/");

    /// <summary>The portal's review page of an action.</summary>
    public Uri Review(string actionId) => new(Base, "portal/review/" + Uri.EscapeDataString(actionId));
}
