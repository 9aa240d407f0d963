using ApprovalFunctions.Api;
using ApprovalFunctions.Api.Http;
using ApprovalFunctions.Gateway.Api;
using ApprovalFunctions.Gateway.Channels;
using ApprovalFunctions.Gateway.Cli;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Microsoft365;
using ApprovalFunctions.Gateway.Policies;
using ApprovalFunctions.Gateway.Release;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>Builds and runs the gateway web application.</summary>
internal static class GatewayHost
{
    public static WebApplication Build(string[] args)
    {
        // No configuration file watching: the default watcher covers the working directory recursively, which holds the
        // state directory, so every audit record written would wake it (and each new action directory add an inotify watch).
        WebApplicationBuilder builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        builder.AddGatewayConfiguration();
        builder.Services.AddApprovalCore();
        builder.Services.AddGatewayStore();
        builder.Services.AddGatewayIdentity(builder.Configuration);
        builder.Services.AddProcessRunner();
        builder.Services.AddRelease();
        builder.Services.AddApproverDelivery();
        builder.Services.AddMicrosoft365(builder.Configuration);
        builder.Services.AddGatewayChannels(builder.Configuration);
        builder.Services.AddGatewayApi();

        WebApplication app = builder.Build();
        app.UseGateway();
        return app;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        WebApplication? app = null;
        StateDirectoryLock? instance = null;
        try
        {
            app = Build(args);
            GatewaySettings.ValidateAll(app.Services);
            instance = StateDirectoryLock.Acquire(app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.StateDirectoryFullPath);
            app.Services.GetRequiredService<Storage.GatewayDatabase>().Migrate();
            _ = app.Services.GetRequiredService<PolicyProvider>().Current;
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (StartFailure(ex) is { } reasons)
        {
            await console.Error.WriteLineAsync("approvals: the gateway cannot start:");
            foreach (string reason in reasons)
            {
                await console.Error.WriteLineAsync("  " + reason);
            }

            if (app is not null)
            {
                await app.DisposeAsync();
            }

            instance?.Dispose();
            return ExitCodes.BadInput;
        }

        using (instance)
        await using (app)
        {
            await console.Out.WriteLineAsync(StartupSummary.Describe(app));
            await app.WaitForShutdownAsync(cancellationToken);
        }

        return ExitCodes.Ok;
    }

    /// <summary>What stops start-up that an operator can fix (settings, policies, files, ports), as lines to print; null for a bug.</summary>
    private static List<string>? StartFailure(Exception ex) => ex switch
    {
        OptionsValidationException options => options.Failures.ToList(),
        AggregateException aggregate when aggregate.InnerExceptions.All(e => StartFailure(e) is not null) =>
            aggregate.InnerExceptions.SelectMany(e => StartFailure(e)!).ToList(),
        Core.Policy.PolicyLoadException or InvalidOperationException or IOException or UnauthorizedAccessException =>
            [.. ex.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
        _ => null,
    };

    /// <summary>Settings: the bundled appsettings.json (lowest precedence), then the usual sources, APPROVALS_ environment variables and flags.</summary>
    private static void AddGatewayConfiguration(this WebApplicationBuilder builder)
    {
        builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
        {
            Path = "appsettings.json",
            Optional = true,
            FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        });
        builder.Configuration.AddEnvironmentVariables("APPROVALS_");
        if (builder.Configuration["urls"] is null && builder.Configuration["Kestrel:Endpoints"] is null)
        {
            builder.WebHost.UseUrls(PublicUrls.DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            int limit = context.Configuration.GetValue<int?>("Gateway:MaxBodyBytes") ?? Core.Actions.ActionLimits.Default.MaxBytes;
            kestrel.Limits.MaxRequestBodySize = limit + 64 * 1024;
            kestrel.AddServerHeader = false;
        });
    }

    private static void UseGateway(this WebApplication app)
    {
        app.UseExceptionHandler(errors => errors.Run(context =>
            ApiProblems.Of(500, "internal", "Something went wrong.", "The gateway could not complete the request; it was logged.").WriteAsync(context)));
        app.UseStatusCodePages(context => context.HttpContext.Response.HasStarted || context.HttpContext.Response.ContentType is not null
            ? Task.CompletedTask
            : ApiProblems.Of(context.HttpContext.Response.StatusCode, "http", "The request failed.", $"HTTP {context.HttpContext.Response.StatusCode}")
                .WriteAsync(context.HttpContext));
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGatewayApi();
        if (app.Services.GetRequiredService<DevMode>().Enabled)
        {
            app.MapDevIdentities();
        }

        app.MapPortal();

        // Any other path does not exist, for every caller: 404 as a problem, never 401 (which would say "it is here, sign in").
        app.MapFallback("{**path}", (HttpContext http) =>
            ApprovalsApi.UnknownEndpoint(http.Request)).AllowAnonymous();
    }
}

/// <summary>The summary printed at start-up: where things are and how to call the gateway.</summary>
internal static class StartupSummary
{
    public static string Describe(WebApplication app)
    {
        IServiceProvider services = app.Services;
        GatewayOptions gateway = services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        PolicyProvider policy = services.GetRequiredService<PolicyProvider>();
        ReceiptKeyStore keys = services.GetRequiredService<ReceiptKeyStore>();
        IdentitiesFile identities = services.GetRequiredService<IdentitiesFile>();
        bool dev = services.GetRequiredService<DevMode>().Enabled;
        string listening = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? PublicUrls.DefaultUrl;
        PublicUrls urls = services.GetRequiredService<PublicUrls>();
        var audit = services.GetRequiredService<Audit.FileAuditStore>();
        string? webhook = services.GetRequiredService<IOptions<ReleaseOptions>>().Value.WebhookUrl;
        var lines = new List<string>
        {
            "ApprovalFunctions gateway",
            $"  listening   {listening}   portal: {urls.Base}portal/",
            $"  state       {gateway.StateDirectoryFullPath} (gateway.db, audit/, keys)",
            $"  policies    {policy.Path}: {policy.Current.RuleIds.Count} rule(s), {policy.Current.Hash}",
            $"  audit       {string.Join(", ", audit.Regions.Keys.Order(StringComparer.Ordinal))} (default region: {gateway.DefaultRegion ?? "none"})",
            $"  receipts    {keys.SigningKey.KeyId} ({keys.KeyPath}{(keys.Generated ? ", generated now" : string.Empty)}); public key at GET /api/receipts/keys",
            $"  identities  {identities.People.Count} people, {identities.Agents.Count} agent(s), {identities.Executors.Count} executor(s)",
            $"  release     {(webhook is null ? "executors poll GET /api/releases" : "webhook " + webhook + " and GET /api/releases")}",
            $"  approvers   notified by {string.Join(", ", services.GetServices<ApprovalFunctions.Microsoft365.Notifications.IApprovalNotifier>().Select(n => n.Channel))}; "
                + $"directory: {(services.GetRequiredService<ApprovalFunctions.Microsoft365.Directory.IDirectoryLookup>() is ApprovalFunctions.Microsoft365.Directory.GraphDirectory ? "Microsoft Graph" : "identities file")}",
            $"  api         {urls.Base}api/openapi.json",
        };
        if (dev)
        {
            lines.Add(string.Empty);
            lines.Add("  ************************************************************************");
            lines.Add("  *  DEVELOPMENT MODE: local identities and dev tokens are accepted.     *");
            lines.Add("  *  Never expose this gateway. Start without --dev in production.       *");
            lines.Add("  ************************************************************************");
            AgentEntry? agent = identities.Agents.FirstOrDefault(a => a.ApiKey is not null);
            if (agent is not null)
            {
                lines.Add($"  Submit as {agent.Id}:  curl -s {urls.Base}api/actions -H 'X-Api-Key: {agent.ApiKey}' -H 'Content-Type: application/json' -d @action.json");
            }
        }
        else if (identities.Agents.Count == 0 && services.GetRequiredService<IOptions<IdentityOptions>>().Value.ApiKeys.Count == 0)
        {
            lines.Add("  No agent can authenticate yet: configure Identity:ApiKeys or Identity:Issuers, or start with --dev.");
        }

        return string.Join(Environment.NewLine, lines);
    }
}
