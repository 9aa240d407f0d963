using Azure.Core;
using Microsoft.Graph;
using Microsoft.Kiota.Authentication.Azure;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware;

namespace ApprovalFunctions.Microsoft365.Graph;

/// <summary>Creates Graph clients: tokens from an Azure.Identity credential, Graph's middleware, and our retry policy.</summary>
public static class GraphClients
{
    /// <summary>Microsoft Graph v1.0 in the global cloud.</summary>
    public static readonly Uri GlobalV1 = new("https://graph.microsoft.com/v1.0");

    /// <summary>
    /// A <see cref="GraphServiceClient"/> for <paramref name="baseUrl"/> that authenticates with <paramref name="credential"/>
    /// (scope <c>{scheme}://{host}/.default</c>, tokens only ever sent to that host) and retries 429 and 5xx responses
    /// as <see cref="RetryAfterHandler"/> does (instead of Graph's default retry, which skips most 5xx).
    /// </summary>
    public static GraphServiceClient Create(TokenCredential credential, Uri? baseUrl = null, TimeProvider? time = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(credential);
        Uri url = baseUrl ?? GlobalV1;
        var handlers = GraphClientFactory.CreateDefaultHandlers().Where(h => h is not RetryHandler).ToList();
        handlers.Insert(0, new RetryAfterHandler(time));
        HttpClient http = GraphClientFactory.Create(handlers, finalHandler: transport);
        var authentication = new AzureIdentityAuthenticationProvider(
            credential, [url.Host], observabilityOptions: null, isCaeEnabled: false, scopes: [$"{url.Scheme}://{url.Authority}/.default"]);
        return new GraphServiceClient(http, authentication, url.ToString().TrimEnd('/'));
    }
}
