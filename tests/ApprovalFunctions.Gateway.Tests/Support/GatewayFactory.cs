using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalFunctions.Gateway.Identity;
using ApprovalFunctions.Gateway.Runner;
using ApprovalFunctions.Gateway.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ApprovalFunctions.Gateway.Tests.Support;

/// <summary>A clock the test moves by hand; the runner polls often enough to notice.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// The real gateway in-process (WebApplicationFactory): its own state directory, test policies and identities, development
/// mode, and a manual clock. Clients authenticate like real callers: API keys for agents and executors, dev tokens for people.
/// </summary>
internal sealed class GatewayFactory : WebApplicationFactory<Program>
{
    private readonly TempDirectory _state = new();
    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    public GatewayFactory(Dictionary<string, string?>? settings = null, string? policies = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _settings = new Dictionary<string, string?>
        {
            ["Gateway:StateDirectory"] = _state.Path,
            ["Gateway:PolicyPath"] = policies ?? Path.Combine(AppContext.BaseDirectory, "TestData", "policies.yaml"),
            ["Gateway:IdentitiesPath"] = Path.Combine(AppContext.BaseDirectory, "TestData", "identities.yaml"),
            ["Gateway:DevMode"] = "true",
            ["Gateway:PublicBaseUrl"] = "http://gateway.test",
            ["Gateway:RunnerConcurrency"] = "2",
        };
        foreach ((string key, string? value) in settings ?? [])
        {
            _settings[key] = value;
        }
    }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));

    public string StateDirectory => _state.Path;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach ((string key, string? value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Clock);
            _services?.Invoke(services);
        });
    }

    public T Service<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Moves the clock and wakes the runner.</summary>
    public void Advance(TimeSpan by)
    {
        Clock.Advance(by);
        Service<RunnerSignal>().Wake();
    }

    /// <summary>Waits until the audit writer has written every committed record to the region directories.</summary>
    public async Task AuditFilesWrittenAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await Service<ActionStore>().OutboxCountAsync() > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the audit outbox did not drain within 10 s");
            Service<AuditSignal>().Wake();
            await Task.Delay(20);
        }
    }

    public HttpClient Agent(string key = "test-etl-key")
    {
        HttpClient client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public HttpClient Anonymous() => CreateClient();

    public async Task<HttpClient> PersonAsync(string id)
    {
        HttpClient client = CreateClient();
        HttpResponseMessage response = await client.PostAsJsonAsync("/dev/token", new { id });
        response.EnsureSuccessStatusCode();
        string token = (await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public string TokenFor(string personId, DateTimeOffset now)
    {
        IdentitiesFile identities = Service<IdentitiesFile>();
        return Service<DevIssuer>().TokenFor(identities.People.Single(p => p.Id == personId), auditor: false, now);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _state.Dispose();
        }
    }
}

/// <summary>Requests and assertions shared by the API tests.</summary>
internal static class Api
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonObject> Body(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    public static async Task<(HttpResponseMessage Response, JsonObject Body)> SubmitAsync(this HttpClient agent, string action, string wait = "PT5S")
    {
        HttpResponseMessage response = await agent.PostAsync($"/api/actions?wait={wait}", Json(action));
        return (response, await response.Body());
    }

    public static Task<HttpResponseMessage> DecideAsync(this HttpClient approver, string id, string digest, string decision = "approve", string? comment = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/actions/{id}/decisions")
        {
            Content = JsonContent.Create(new { decision, comment = comment ?? (decision == "reject" ? "not now" : null), actionDigest = digest }),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return approver.SendAsync(request);
    }

    /// <summary>Polls the status until <paramref name="done"/> holds (the runner is asynchronous), for at most 10 seconds.</summary>
    public static async Task<JsonObject> StatusWhenAsync(this HttpClient client, string id, Func<JsonObject, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            JsonObject status = await (await client.GetAsync($"/api/actions/{id}")).Body();
            if (done(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(25);
        }
    }

    public static string Str(this JsonNode? node, string path)
    {
        JsonNode? current = node;
        foreach (string part in path.Split('.'))
        {
            current = current?[part];
        }

        return current?.GetValue<string>() ?? string.Empty;
    }

    public const string ProdWrite = """
        {"type":"db.write.rows","summary":"Fix 12 rows for rita@test.dev","requester":{"id":"rita","displayName":"Rita"},
         "target":{"environment":"production"},"data":{"sourceRegion":"westeurope"},"parameters":{"connectionString":"Server=x;Password=hunter2","rows":12}}
        """;

    public const string Read = """{"type":"crm.contact.read","summary":"Look up a contact","data":{"sourceRegion":"westeurope"}}""";

    public const string Delete = """{"type":"db.table.delete","summary":"Drop the table","data":{"sourceRegion":"westeurope"}}""";
}
