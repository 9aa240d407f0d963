using Azure.Storage.Blobs;
using Microsoft.Extensions.Hosting;

namespace ApprovalFunctions.FunctionApp.Hosting;

/// <summary>
/// Local runs against Azurite (<see cref="ApprovalsOptions.UseDevelopmentStorage"/>): creates the state and audit
/// containers at start-up, since Azurite starts empty and Bicep creates them in Azure.
/// </summary>
internal sealed class DevelopmentContainers(IReadOnlyList<BlobContainerClient> containers) : IHostedService
{
    /// <summary>Azurite's well-known development account.</summary>
    public const string ConnectionString = "UseDevelopmentStorage=true";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (BlobContainerClient container in containers)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
