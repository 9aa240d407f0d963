using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Microsoft365.Portal;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>Validates every settings section at once, so an operator sees all problems in one start-up attempt.</summary>
internal static class GatewaySettings
{
    /// <summary>Throws one <see cref="OptionsValidationException"/> listing every failure, in section order.</summary>
    public static void ValidateAll(IServiceProvider services)
    {
        var failures = new List<string>();
        Collect<GatewayOptions>(services, failures);
        Collect<AuditOptions>(services, failures);
        Collect<ReceiptOptions>(services, failures);
        Collect<ReleaseOptions>(services, failures);
        Collect<IdentityOptions>(services, failures);
        Collect<MaskingOptions>(services, failures);
        Collect<ApprovalFunctions.Microsoft365.Notifications.Microsoft365Options>(services, failures);
        Collect<PortalOptions>(services, failures);
        failures.AddRange(DevModeListening(services));
        if (failures.Count > 0)
        {
            throw new OptionsValidationException("settings", typeof(GatewayOptions), failures);
        }
    }

    /// <summary>
    /// Development mode hands out tokens and API keys to whoever asks, so it listens on this machine only: every
    /// configured address (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>Kestrel:Endpoints</c>) must be a loopback one.
    /// </summary>
    internal static IEnumerable<string> DevModeListening(IServiceProvider services)
    {
        if (!services.GetRequiredService<Identity.DevMode>().Enabled)
        {
            yield break;
        }

        IConfiguration configuration = services.GetRequiredService<IConfiguration>();
        IEnumerable<string> urls = (configuration["urls"] ?? PublicUrls.DefaultUrl).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        foreach (string url in urls)
        {
            if (!IsLoopback(url))
            {
                yield return $"--urls {Core.LogText.Quote(url)}: development mode (--dev, Gateway:DevMode) listens on loopback addresses only, "
                    + "since it hands out tokens and API keys; use http://localhost:<port>, or start without --dev.";
            }
        }
    }

    private static bool IsLoopback(string url)
    {
        // Kestrel's wildcards (*, +, 0.0.0.0, [::]) are every interface; Uri cannot parse the first two.
        int start = url.IndexOf("://", StringComparison.Ordinal);
        string rest = start < 0 ? url : url[(start + 3)..];
        string host = rest.StartsWith('[') ? rest[..(rest.IndexOf(']', StringComparison.Ordinal) + 1)] : rest.Split(':', '/')[0];
        return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out System.Net.IPAddress? address) && System.Net.IPAddress.IsLoopback(address));
    }

    private static void Collect<T>(IServiceProvider services, List<string> failures)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
    }
}

/// <summary>Checks every setting at start-up; a failure names the setting and stops the gateway.</summary>
internal sealed class GatewayOptionsValidation(IOptions<AuditOptions> audit) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.StateDirectory))
        {
            failures.Add("Gateway:StateDirectory must not be empty.");
        }

        if (!File.Exists(options.PolicyPath) && !Directory.Exists(options.PolicyPath))
        {
            failures.Add($"Gateway:PolicyPath '{options.PolicyPath}' does not exist (run from the repository root, or set --policies).");
        }

        if (options.IdentitiesPath is not null && !File.Exists(options.IdentitiesPath))
        {
            failures.Add($"Gateway:IdentitiesPath '{options.IdentitiesPath}' does not exist.");
        }

        if (options.PublicBaseUrl is not null && !Uri.TryCreate(options.PublicBaseUrl, UriKind.Absolute, out _))
        {
            failures.Add("Gateway:PublicBaseUrl must be an absolute URL.");
        }

        if (options.DefaultRegion is not null && !Regions.IsRegionShaped(options.DefaultRegion))
        {
            failures.Add("Gateway:DefaultRegion must be a region name such as westeurope.");
        }
        else if (options.DefaultRegion is not null && !audit.Value.Regions.ContainsKey(options.DefaultRegion))
        {
            failures.Add($"Gateway:DefaultRegion '{options.DefaultRegion}' has no audit store in Audit:Regions.");
        }

        if (options.MaxBodyBytes is < 1024 or > 16 * 1024 * 1024)
        {
            failures.Add("Gateway:MaxBodyBytes must be between 1024 and 16777216.");
        }

        if (options.MaxDepth is < 3 or > 256)
        {
            failures.Add("Gateway:MaxDepth must be between 3 and 256.");
        }

        if (options.RunnerConcurrency is < 1 or > 256)
        {
            failures.Add("Gateway:RunnerConcurrency must be between 1 and 256.");
        }

        if (options.MaxWait < TimeSpan.Zero || options.MaxWait > TimeSpan.FromMinutes(5))
        {
            failures.Add("Gateway:MaxWait must be between 0 and 5 minutes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class AuditOptionsValidation : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var failures = new List<string>();
        if (options.Regions.Count == 0)
        {
            failures.Add("Audit:Regions must map at least one region to a directory.");
        }

        foreach ((string region, string directory) in options.Regions)
        {
            if (!Regions.IsRegionShaped(region))
            {
                failures.Add($"Audit:Regions: '{region}' is not a region name.");
            }

            if (string.IsNullOrWhiteSpace(directory))
            {
                failures.Add($"Audit:Regions:{region} must name a directory.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class ReceiptOptionsValidation : IValidateOptions<ReceiptOptions>
{
    public ValidateOptionsResult Validate(string? name, ReceiptOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Receipts:Audience must not be empty.");
        }

        if (options.Lifetime <= TimeSpan.Zero || options.Lifetime > TimeSpan.FromDays(7))
        {
            failures.Add("Receipts:Lifetime must be between 1 second and 7 days.");
        }

        if (options.Algorithm is not ("ES256" or "RS256"))
        {
            failures.Add("Receipts:Algorithm must be ES256 or RS256.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class ReleaseOptionsValidation : IValidateOptions<ReleaseOptions>
{
    public ValidateOptionsResult Validate(string? name, ReleaseOptions options)
    {
        var failures = new List<string>();
        // The webhook carries the unmasked action and its receipt: https, or plain http only on this machine.
        if (options.WebhookUrl is not null
            && (!Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out Uri? url)
                || !(url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback))))
        {
            failures.Add("Release:WebhookUrl must be an absolute https URL (plain http only on a loopback address): it carries the unmasked action and its receipt.");
        }

        if (options.MaxAttempts is < 1 or > 100)
        {
            failures.Add("Release:MaxAttempts must be between 1 and 100.");
        }

        if (options.InitialBackoff <= TimeSpan.Zero || options.MaxBackoff < options.InitialBackoff)
        {
            failures.Add("Release:InitialBackoff must be positive and at most Release:MaxBackoff.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class IdentityOptionsValidation : IValidateOptions<IdentityOptions>
{
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var failures = new List<string>();
        for (int i = 0; i < options.ApiKeys.Count; i++)
        {
            ApiKeyOptions key = options.ApiKeys[i];
            if (string.IsNullOrWhiteSpace(key.Id))
            {
                failures.Add($"Identity:ApiKeys:{i}:Id must not be empty.");
            }

            if (key.Role is not ("agent" or "executor"))
            {
                failures.Add($"Identity:ApiKeys:{i}:Role must be agent or executor.");
            }

            if (!key.KeyHash.StartsWith("sha256:", StringComparison.Ordinal) || key.KeyHash.Length != 71)
            {
                failures.Add($"Identity:ApiKeys:{i}:KeyHash must be sha256:<64 hex digits> (create one with 'approvals keys new').");
            }
        }

        for (int i = 0; i < options.Issuers.Count; i++)
        {
            try
            {
                options.Issuers[i].ToOptions().Validate($"Identity:Issuers:{i}");
            }
            catch (ArgumentException ex)
            {
                failures.Add(ex.Message);
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal sealed class MaskingOptionsValidation : IValidateOptions<MaskingOptions>
{
    public ValidateOptionsResult Validate(string? name, MaskingOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}

internal sealed class PortalOptionsValidation : IValidateOptions<PortalOptions>
{
    public ValidateOptionsResult Validate(string? name, PortalOptions options)
    {
        IReadOnlyList<string> failures = options.Validate();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
