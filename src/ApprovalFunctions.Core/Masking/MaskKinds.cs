namespace ApprovalFunctions.Core.Masking;

/// <summary>The kinds of value the masker hides, as they appear in masked-item lists.</summary>
public static class MaskKinds
{
    /// <summary>A whole value hidden because a policy rule or configuration named its path.</summary>
    public const string Path = "path";
    /// <summary>An e-mail address (domain kept).</summary>
    public const string Email = "email";
    /// <summary>A phone number (country code and last two digits kept).</summary>
    public const string Phone = "phone";
    /// <summary>A Luhn-valid payment card number of a known brand (last four kept).</summary>
    public const string PaymentCard = "payment-card";
    /// <summary>An IBAN with a valid length and check digits (country and last four kept).</summary>
    public const string Iban = "iban";
    /// <summary>A US social security number.</summary>
    public const string UsSsn = "us-ssn";
    /// <summary>An IPv4 address (network part kept).</summary>
    public const string IPv4 = "ipv4";
    /// <summary>An IPv6 address (first 48 bits kept).</summary>
    public const string IPv6 = "ipv6";
    /// <summary>A JSON Web Token.</summary>
    public const string Jwt = "jwt";
    /// <summary>An HTTP bearer token.</summary>
    public const string BearerToken = "bearer-token";
    /// <summary>An Azure Storage account key.</summary>
    public const string AzureStorageKey = "azure-storage-key";
    /// <summary>A secret inside an Azure connection string (AccountKey, SharedAccessKey, SharedAccessSignature).</summary>
    public const string AzureConnectionSecret = "azure-connection-secret";
    /// <summary>The signature of a shared access signature URL (<c>sig=</c>).</summary>
    public const string AzureSasSignature = "azure-sas-signature";
    /// <summary>An AWS access key id.</summary>
    public const string AwsAccessKeyId = "aws-access-key-id";
    /// <summary>An AWS secret access key.</summary>
    public const string AwsSecretKey = "aws-secret-key";
    /// <summary>A PEM private key block.</summary>
    public const string PrivateKey = "private-key";
    /// <summary>The password in <c>scheme://user:password@host</c>.</summary>
    public const string UrlCredentials = "url-credentials";
    /// <summary>The value of <c>password=</c>, <c>secret=</c>, <c>token=</c> and similar assignments.</summary>
    public const string SecretAssignment = "secret-assignment";
    /// <summary>A string under a property named like a secret (<c>password</c>, <c>clientSecret</c>, <c>apiKey</c>…).</summary>
    public const string SecretField = "secret-field";
}
