using Azure.Storage;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Hosting;

namespace ApprovalFunctions.FunctionApp.Hosting;

/// <summary>
/// Local runs against Azurite (<see cref="ApprovalsOptions.UseDevelopmentStorage"/>): containers are reached with
/// Azurite's development account at the endpoint their URL names, and created at start-up, since Azurite starts empty
/// and Bicep creates them in Azure.
/// </summary>
internal sealed class DevelopmentContainers(IReadOnlyList<BlobContainerClient> containers) : IHostedService
{
    /// <summary>Azurite's well-known development account (public, documented with the emulator).</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The development account's well-known key.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>A client for the container at <paramref name="url"/> (<c>http://127.0.0.1:10000/devstoreaccount1/name</c>).</summary>
    public static BlobContainerClient Client(string url) => new(new Uri(url), new StorageSharedKeyCredential(AccountName, AccountKey));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (BlobContainerClient container in containers)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
