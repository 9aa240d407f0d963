using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>Absolute URLs of the gateway as approvers and executors reach it.</summary>
internal sealed class PublicUrls
{
    public const string DefaultUrl = "http://localhost:7071";

    public PublicUrls(IOptions<GatewayOptions> options, IConfiguration configuration)
    {
        string? listening = configuration["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        string text = options.Value.PublicBaseUrl ?? listening ?? DefaultUrl;
        // A wildcard listening address is not something people can open.
        text = text.Replace("://*", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal);
        Base = new Uri(text.EndsWith('/') ? text : text + "/");
    }

    public Uri Base { get; }

    public Uri Review(string actionId) => new(Base, "portal/review/" + Uri.EscapeDataString(actionId));
}
