using System.Collections.Immutable;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ApprovalFunctions.Channels;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Identity;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Notifications;
using ApprovalFunctions.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>
/// The Functions app's HTTP functions end to end, as far as this machine allows (Functions Core Tools cannot be
/// installed here): the services come from the app's own <see cref="ServiceRegistration.AddApprovalFunctions"/> with
/// test settings; every method carrying <c>[Function]</c> and <c>[HttpTrigger]</c> is bound to its trigger's route and
/// verbs, runs behind the app's real <see cref="AuthenticationMiddleware"/>, and gets the in-process Durable test host's
/// real <see cref="DurableTaskClient"/>, on which the app's orchestrator and activities run. Only the edges are test
/// doubles: the directory, the audit store, the release sender and the channels. The Functions worker exposes no test
/// <see cref="FunctionContext"/>, so that one type is mocked, carrying the HTTP context the way the worker does.
/// </summary>
internal sealed class FunctionsHttpHost : IAsyncDisposable
{
    public const string AgentKey = "ak_test_agent_0123456789";
    public const string OtherAgentKey = "ak_test_other_0123456789";
    public const string ExecutorKey = "ak_test_executor_01234567";
    public const string Audience = "api://approvals-tests";

    private readonly WebApplication _web;
    private readonly DurableTaskTestHost _durable;
    private readonly ServiceProvider _services;

    private FunctionsHttpHost(WebApplication web, DurableTaskTestHost durable, ServiceProvider services, LocalOpenIdIssuer issuer, InMemoryAuditStore audit, RecordingReleaseSender releases)
    {
        _web = web;
        _durable = durable;
        _services = services;
        Issuer = issuer;
        Audit = audit;
        Releases = releases;
        Client = web.GetTestClient();
    }

    public HttpClient Client { get; }

    public LocalOpenIdIssuer Issuer { get; }

    public InMemoryAuditStore Audit { get; }

    public RecordingReleaseSender Releases { get; }

    public DurableTaskClient Durable => _durable.Client;

    /// <summary>The settings a deployment gives the app (see local.settings.sample.json), for this test run.</summary>
    public static Dictionary<string, string?> Settings(LocalOpenIdIssuer issuer, string receiptKeyPem, string policyPath) => new()
    {
        ["Approvals:PolicyPath"] = policyPath,
        ["Approvals:PublicBaseUrl"] = "http://localhost:7071",
        ["Approvals:DefaultRegion"] = "westeurope",
        ["Approvals:AuditContainers:westeurope"] = "http://127.0.0.1:10000/devstoreaccount1/audit-westeurope",
        ["Approvals:StateContainerUrl"] = "http://127.0.0.1:10000/devstoreaccount1/approvals-state",
        ["Approvals:UseDevelopmentStorage"] = "true",
        ["Approvals:ServiceBusNamespace"] = "approvals-tests.servicebus.windows.net",
        ["Approvals:ReceiptSigningKeyPem"] = receiptKeyPem,
        ["Approvals:MaxBodyBytes"] = "16384",
        ["Approvals:ApiKeys:0:Id"] = "agent-etl",
        ["Approvals:ApiKeys:0:Role"] = "agent",
        ["Approvals:ApiKeys:0:Owner"] = "owner-olga",
        ["Approvals:ApiKeys:0:KeyHash"] = Hash(AgentKey),
        ["Approvals:ApiKeys:1:Id"] = "agent-other",
        ["Approvals:ApiKeys:1:Role"] = "agent",
        ["Approvals:ApiKeys:1:KeyHash"] = Hash(OtherAgentKey),
        ["Approvals:ApiKeys:2:Id"] = "executor-1",
        ["Approvals:ApiKeys:2:Role"] = "executor",
        ["Approvals:ApiKeys:2:KeyHash"] = Hash(ExecutorKey),
        ["Approvals:Issuers:0:MetadataAddress"] = issuer.MetadataAddress,
        ["Approvals:Issuers:0:TenantId"] = issuer.TenantId,
        ["Approvals:Issuers:0:Audiences:0"] = Audience,
        ["Microsoft365:TenantId"] = issuer.TenantId,
        ["Microsoft365:ClientId"] = "6a0e3b53-30f8-4b45-9e53-8f2b8a7c0d11",
        ["Microsoft365:Directory"] = "true",
    };

    /// <summary>
    /// Starts the app with <paramref name="policies"/> (default <see cref="TestPolicies.Default"/>), <paramref name="directory"/>
    /// (default <see cref="TestDirectory"/>), besides the test keys the API keys in <paramref name="apiKeys"/>, and
    /// <paramref name="audience"/> accepted besides <see cref="Audience"/>.
    /// </summary>
    public static async Task<FunctionsHttpHost> StartAsync(
        string? policies = null, IDirectoryLookup? directory = null, IEnumerable<(string Id, string Role, string Key)>? apiKeys = null, string? audience = null,
        Func<LocalOpenIdIssuer, IReadOnlyDictionary<string, string?>>? extraSettings = null, Action<IServiceCollection>? configure = null)
    {
        LocalOpenIdIssuer issuer = await LocalOpenIdIssuer.StartAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string policy = Path.Combine(Path.GetTempPath(), $"approvals-functions-tests-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(policy, policies ?? TestPolicies.Default);
        Dictionary<string, string?> settings = Settings(issuer, key.ExportPkcs8PrivateKeyPem(), policy);
        if (audience is not null)
        {
            settings["Approvals:Issuers:0:Audiences:1"] = audience;
        }
        foreach ((int index, (string id, string role, string apiKey)) in (apiKeys ?? []).Index())
        {
            settings[$"Approvals:ApiKeys:{index + 3}:Id"] = id;
            settings[$"Approvals:ApiKeys:{index + 3}:Role"] = role;
            settings[$"Approvals:ApiKeys:{index + 3}:KeyHash"] = Hash(apiKey);
        }

        foreach ((string name, string? value) in extraSettings?.Invoke(issuer) ?? new Dictionary<string, string?>())
        {
            settings[name] = value;
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        var audit = new InMemoryAuditStore();
        var releases = new RecordingReleaseSender();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddApprovalFunctions(configuration);
        services.AddSingleton<IAuditStore>(audit);
        services.AddSingleton<IReleaseSender>(releases);
        services.AddSingleton<IProcessStateStore>(DurableApp.States);
        services.AddSingleton(directory ?? TestDirectory.Instance);
        services.AddSingleton<IApproverDirectory>(new ApproverResolution(directory ?? TestDirectory.Instance));
        services.AddSingleton<IDeliveryLedger>(new InMemoryDeliveryLedger());
        services.AddSingleton<IPostedMessages>(new InMemoryPostedMessages());
        services.AddSingleton<IEnumerable<IApprovalNotifier>>(sp => [new PortalInboxNotifier(), .. ChannelRegistration.Notifiers(sp)]);
        configure?.Invoke(services);
        ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        File.Delete(policy); // loaded once, at start-up

        ActivitySteps steps = provider.GetRequiredService<ActivitySteps>();
        DurableTaskTestHost durable = await DurableTaskTestHost.StartAsync(registry => DurableApp.Register(registry, steps, new ActivityFaults()));

        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        WebApplication web = builder.Build();
        var middleware = ActivatorUtilities.CreateInstance<AuthenticationMiddleware>(provider);
        foreach (HttpFunction function in HttpFunction.All())
        {
            object instance = ActivatorUtilities.GetServiceOrCreateInstance(provider, function.Method.DeclaringType!);
            web.MapMethods("/" + function.Route, function.Verbs, http => function.InvokeAsync(http, instance, middleware, durable.Client));
        }

        await web.StartAsync();
        return new FunctionsHttpHost(web, durable, provider, issuer, audit, releases);
    }

    /// <summary>An approver's bearer token, as Entra issues it for the portal (delegated scope): object id, name, UPN.</summary>
    public string PersonToken(Person person) => Issuer.Token(Audience, new Dictionary<string, object>
    {
        ["oid"] = person.Id,
        ["sub"] = person.Id,
        ["name"] = person.DisplayName ?? person.Id,
        ["preferred_username"] = person.Email ?? person.Id,
        ["scp"] = "Approvals.Decide",
    });

    /// <summary>A request with the agent's API key.</summary>
    public static HttpRequestMessage AsAgent(HttpMethod method, string path, string? json = null, string key = AgentKey)
    {
        HttpRequestMessage request = Request(method, path, json);
        request.Headers.Add("X-Api-Key", key);
        return request;
    }

    /// <summary>A request with a person's bearer token.</summary>
    public HttpRequestMessage AsPerson(Person person, HttpMethod method, string path, string? json = null)
    {
        HttpRequestMessage request = Request(method, path, json);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", PersonToken(person));
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _web.DisposeAsync();
        await _durable.DisposeAsync();
        await _services.DisposeAsync();
        await Issuer.DisposeAsync();
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? json) => new(method, path)
    {
        Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"),
    };

    private static string Hash(string key) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>One HTTP-triggered function of the app, found by its attributes.</summary>
    private sealed record HttpFunction(string Name, string Route, string[] Verbs, MethodInfo Method)
    {
        /// <summary>The worker's key for the HTTP context in <see cref="FunctionContext.Items"/> (read by <c>GetHttpContext()</c>).</summary>
        private const string HttpContextKey = "HttpRequestContext";

        public static IEnumerable<HttpFunction> All() =>
            from type in typeof(ServiceRegistration).Assembly.GetTypes()
            from method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
            let function = method.GetCustomAttribute<FunctionAttribute>()
            let trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null)
            where function is not null && trigger is not null
            select new HttpFunction(function.Name, trigger.Route!, [.. trigger.Methods!.Select(m => m.ToUpperInvariant())], method);

        public async Task InvokeAsync(HttpContext http, object instance, AuthenticationMiddleware middleware, DurableTaskClient client)
        {
            FunctionContext context = Context(http);
            await middleware.Invoke(context, async _ =>
            {
                object?[] arguments = [.. Method.GetParameters().Select(p => Argument(p, http, context, client))];
                object? returned = Method.Invoke(Method.IsStatic ? null : instance, arguments);
                IActionResult result = returned switch
                {
                    Task<IActionResult> task => await task,
                    IActionResult done => done,
                    _ => throw new InvalidOperationException($"{Name} returned {returned?.GetType().Name ?? "null"}, not an IActionResult."),
                };
                await result.ExecuteResultAsync(new ActionContext(http, http.GetRouteData(), new ActionDescriptor()));
            });
        }

        private FunctionContext Context(HttpContext http)
        {
            var definition = new Mock<FunctionDefinition>();
            definition.SetupGet(d => d.Name).Returns(Name);
            definition.SetupGet(d => d.InputBindings).Returns(ImmutableDictionary<string, BindingMetadata>.Empty);
            var context = new Mock<FunctionContext>();
            context.SetupGet(c => c.FunctionDefinition).Returns(definition.Object);
            context.SetupGet(c => c.Items).Returns(new Dictionary<object, object> { [HttpContextKey] = http });
            context.SetupGet(c => c.CancellationToken).Returns(http.RequestAborted);
            return context.Object;
        }

        private static object? Argument(ParameterInfo parameter, HttpContext http, FunctionContext context, DurableTaskClient client) =>
            parameter.ParameterType == typeof(HttpRequest) ? http.Request
            : parameter.ParameterType == typeof(DurableTaskClient) ? client
            : parameter.ParameterType == typeof(FunctionContext) ? context
            : parameter.ParameterType == typeof(string) ? http.GetRouteValue(parameter.Name!)?.ToString()
            : throw new InvalidOperationException($"No binding for parameter {parameter.Name} of {parameter.Member.Name}.");
    }
}
