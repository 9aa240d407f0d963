using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Policies;

/// <summary>The policy set in force, loaded (and compiled once) at start-up; a set that does not load stops the gateway with file:line:col errors.</summary>
internal sealed class PolicyProvider
{
    public PolicyProvider(IOptions<GatewayOptions> options, PolicySetCache cache)
    {
        Path = System.IO.Path.GetFullPath(options.Value.PolicyPath);
        Current = cache.Load(PolicyFiles.ReadSet(options.Value.PolicyPath));
    }

    public string Path { get; }

    public PolicySet Current { get; }
}
