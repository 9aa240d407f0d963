using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ApprovalFunctions.Tests.Shared;

/// <summary>A request a <see cref="LocalHttpServer"/> received.</summary>
internal sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A real HTTP server on 127.0.0.1 (Kestrel, random port) that records every request and answers with a handler: the
/// boundary a real client crosses, for webhooks, a fake Microsoft Graph and a local OpenID issuer.
/// </summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LocalHttpServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public static async Task<LocalHttpServer> StartAsync(Func<HttpContext, RecordedRequest, Task> handler)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        LocalHttpServer? server = null;
        app.Run(async context =>
        {
            // Clients may compress request bodies (the Graph SDK gzips them), as real services accept.
            Stream content = context.Request.Headers.ContentEncoding.ToString() switch
            {
                "gzip" => new System.IO.Compression.GZipStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress),
                "br" => new System.IO.Compression.BrotliStream(context.Request.Body, System.IO.Compression.CompressionMode.Decompress),
                _ => context.Request.Body,
            };
            using var reader = new StreamReader(content);
            string body = await reader.ReadToEndAsync();
            var request = new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? string.Empty,
                context.Request.QueryString.Value ?? string.Empty,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body);
            server!.Requests.Enqueue(request);
            await handler(context, request);
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new LocalHttpServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
