using ApprovalFunctions.FunctionApp.Hosting;

namespace ApprovalFunctions.FunctionApp.Tests.Hosting;

public sealed class ApprovalsOptionsTests
{
    private static readonly string Pem = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem();

    private static ApprovalsOptions Complete()
    {
        var options = new ApprovalsOptions
        {
            PublicBaseUrl = "https://func-approvals.azurewebsites.net",
            DefaultRegion = "westeurope",
            StateContainerUrl = "https://stapp.blob.core.windows.net/approvals-state",
            ServiceBusNamespace = "sb-approvals.servicebus.windows.net",
            ReceiptSigningKeyPem = Pem,
        };
        options.AuditContainers["westeurope"] = "https://staudweu.blob.core.windows.net/audit";
        options.Issuers.Add(new IssuerSetting { MetadataAddress = "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration", Audiences = { "api://approvals" } });
        return options;
    }

    [Fact]
    public void Validate_CompleteSettings_HasNoFailures() => Assert.Empty(Complete().Validate());

    [Fact]
    public void Validate_NothingSet_NamesEveryMissingSetting()
    {
        IReadOnlyList<string> failures = new ApprovalsOptions().Validate();

        foreach (string setting in new[] { "PublicBaseUrl", "AuditContainers", "StateContainerUrl", "ServiceBusNamespace", "ReceiptSigningKeyPem", "Issuers" })
        {
            Assert.Contains(failures, f => f.Contains("Approvals:" + setting, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_IssuerWithoutAudienceOrWithPlainHttpMetadata_NamedAtStartUp()
    {
        ApprovalsOptions options = Complete();
        options.Issuers.Add(new IssuerSetting { MetadataAddress = "https://login.microsoftonline.com/t/v2.0/.well-known/openid-configuration" });
        options.Issuers.Add(new IssuerSetting { MetadataAddress = "http://login.example.com/.well-known/openid-configuration", Audiences = { "api://approvals" } });

        IReadOnlyList<string> failures = options.Validate();

        Assert.Contains(failures, f => f.StartsWith("Approvals:Issuers:1:Audiences", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Approvals:Issuers:2:MetadataAddress must use https", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("secp384r1")]
    [InlineData("rsa1024")]
    [InlineData("not a key")]
    public void Validate_ReceiptKeyTheJwksCannotDescribe_IsRefusedAtStartUp(string kind)
    {
        ApprovalsOptions options = Complete();
        options.ReceiptSigningKeyPem = kind switch
        {
            "secp384r1" => System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384).ExportPkcs8PrivateKeyPem(),
            "rsa1024" => System.Security.Cryptography.RSA.Create(1024).ExportPkcs8PrivateKeyPem(),
            _ => "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----",
        };

        Assert.Contains(options.Validate(), f => f.StartsWith("Approvals:ReceiptSigningKeyPem: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DefaultRegionWithoutContainer_IsRefused()
    {
        ApprovalsOptions options = Complete();
        options.DefaultRegion = "eastus";

        Assert.Contains(options.Validate(), f => f.Contains("DefaultRegion 'eastus'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DevelopmentStorageOnAPublicUrl_IsRefused()
    {
        ApprovalsOptions options = Complete();
        options.UseDevelopmentStorage = true;

        Assert.Contains(options.Validate(), f => f.Contains("UseDevelopmentStorage", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DevelopmentStorageOnLoopback_IsAccepted()
    {
        ApprovalsOptions options = Complete();
        options.UseDevelopmentStorage = true;
        options.PublicBaseUrl = "http://localhost:7071";
        options.AuditContainers["westeurope"] = "http://127.0.0.1:10000/devstoreaccount1/audit-westeurope";
        options.StateContainerUrl = "http://127.0.0.1:10000/devstoreaccount1/approvals-state";

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_DevelopmentStorageWithARealAccountsContainer_IsRefused()
    {
        ApprovalsOptions options = Complete();
        options.UseDevelopmentStorage = true;
        options.PublicBaseUrl = "http://localhost:7071";
        options.StateContainerUrl = "http://127.0.0.1:10000/devstoreaccount1/approvals-state";

        Assert.Contains(options.Validate(), f => f.Contains("every container URL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("admin", "sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("agent", "plain-key")]
    public void Validate_BadApiKeyEntry_IsRefusedByIndex(string role, string hash)
    {
        ApprovalsOptions options = Complete();
        options.ApiKeys.Add(new ApiKeySetting { Id = "k", Role = role, KeyHash = hash });

        Assert.Contains(options.Validate(), f => f.StartsWith("Approvals:ApiKeys:0 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PlainHttpPublicUrl_IsRefused()
    {
        ApprovalsOptions options = Complete();
        options.PublicBaseUrl = "http://approvals.contoso.com";

        Assert.Contains(options.Validate(), f => f.Contains("PublicBaseUrl", StringComparison.Ordinal));
    }
}
