using System.Security.Cryptography;
using ApprovalFunctions.Channels.Messages;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.FunctionApp.Hosting;
using ApprovalFunctions.FunctionApp.Orchestration;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.FunctionApp.Tests.Support;

/// <summary>
/// The Functions app's orchestration on the real Durable Task engine (<see cref="DurableTaskTestHost"/>: real history,
/// replay, durable timers and external events). The orchestrator and the activities are registered under the names the
/// Functions app gives them, bound to the real <see cref="ActivitySteps"/> (real policy set, directory resolution, masker
/// and receipt issuer); the audit store and the release sender are the ones a test passes in, recorded in memory by
/// default. <see cref="Faults"/> lets a test make any activity fail for a while.
/// </summary>
internal sealed class DurableApp : IAsyncDisposable
{
    public static readonly Uri BaseUrl = new("https://approvals.example");

    /// <summary>
    /// Retry and history budgets in milliseconds, so outages of a few seconds outlast several rounds of retries: two
    /// attempts 100 ms apart, then pauses from 300 ms to 600 ms; receipts are re-signed with less than 2 s left.
    /// </summary>
    public static readonly DurableTiming FastTiming = new(2, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100),
        TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(600), ReceiptMargin: TimeSpan.FromSeconds(2));

    private readonly DurableTaskTestHost _host;
    private readonly DurableTiming _timing;

    private DurableApp(DurableTaskTestHost host, ActivitySteps steps, ECDsa key, IAuditStoreWithFiles audit, RecordingReleaseSender releases, ActivityFaults faults,
        DurableTiming timing)
    {
        _host = host;
        _timing = timing;
        Steps = steps;
        Key = key;
        Audit = audit;
        Releases = releases;
        Faults = faults;
    }

    public DurableTaskClient Client => _host.Client;

    public ActivitySteps Steps { get; }

    public ECDsa Key { get; }

    public IAuditStoreWithFiles Audit { get; }

    public RecordingReleaseSender Releases { get; }

    public ActivityFaults Faults { get; }

    /// <summary>The chat messages "posted" (tests add them; the engine's update activity lists them).</summary>
    public InMemoryPostedMessages Posted { get; private init; } = null!;

    /// <summary>What the update activity asked the (recording) chat channel to show.</summary>
    public RecordingOutcomeUpdater ChannelUpdates { get; private init; } = null!;

    /// <summary>Where states too large for the custom status go (one store for every engine of the test run).</summary>
    public static InMemoryProcessStateStore States { get; } = new();

    /// <summary>Starts the engine with the orchestrator and activities of the app.</summary>
    public static async Task<DurableApp> StartAsync(string policyYaml = TestPolicies.Default, IAuditStoreWithFiles? audit = null,
        IEnumerable<IApprovalNotifier>? notifiers = null, TimeSpan? receiptLifetime = null, DurableTiming? timing = null,
        Func<TaskOrchestrationContext, Task<string>>? orchestrator = null, Action<DurableTaskRegistry>? register = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuer = new ReceiptIssuer(new ReceiptIssuerOptions
        {
            Issuer = BaseUrl.ToString().TrimEnd('/'),
            Audience = "approvals-executor",
            Lifetime = receiptLifetime ?? TimeSpan.FromMinutes(15),
            SigningKey = new ECDsaSecurityKey(key) { KeyId = "k1" },
        });
        audit ??= new InMemoryAuditStore();
        var releases = new RecordingReleaseSender();
        var faults = new ActivityFaults();
        var posted = new InMemoryPostedMessages();
        var updater = new RecordingOutcomeUpdater();
        var steps = new ActivitySteps(PolicySet.Load([new PolicySource("policy.yaml", policyYaml)]), new ApproverResolution(TestDirectory.Instance),
            notifiers ?? [], new Masker(new MaskingOptions()), issuer, audit, releases, States, new PublicLinks(BaseUrl), new OutcomeUpdates(posted, [updater]));
        // APPROVALS_DURABLE_LOG=1 shows the engine's and the orchestrator's logs (for debugging a test).
        DurableTaskTestHost host = await DurableTaskTestHost.StartAsync(registry =>
        {
            Register(registry, steps, faults, orchestrator);
            register?.Invoke(registry);
        }, new DurableTaskTestHostOptions
        {
            LoggerFactory = Environment.GetEnvironmentVariable("APPROVALS_DURABLE_LOG") == "1"
                ? Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug))
                : null,
        });
        return new DurableApp(host, steps, key, audit, releases, faults, timing ?? FastTiming) { Posted = posted, ChannelUpdates = updater };
    }

    /// <summary>The registrations the Functions app's attributes make: the same names, the same activity code.</summary>
    internal static void Register(DurableTaskRegistry registry, ActivitySteps steps, ActivityFaults faults, Func<TaskOrchestrationContext, Task<string>>? orchestrator = null)
    {
        registry.AddOrchestratorFunc<ApprovalInput, string>(nameof(ApprovalOrchestrator), (context, input) => (orchestrator ?? ApprovalOrchestrator.RunAsync)(context));
        registry.AddActivityFunc<StepInput, string>(nameof(ApprovalActivities.WriteAudit),
            (_, input) => faults.RunAsync(nameof(ApprovalActivities.WriteAudit), () => steps.WriteAuditAsync(input, CancellationToken.None)));
        registry.AddActivityFunc<StepInput, string>(nameof(ApprovalActivities.EvaluatePolicy),
            (_, input) => faults.RunAsync(nameof(ApprovalActivities.EvaluatePolicy), () => Task.FromResult(steps.EvaluatePolicy(input))));
        registry.AddActivityFunc<StepInput, string>(nameof(ApprovalActivities.ResolveApprovers),
            (_, input) => faults.RunAsync(nameof(ApprovalActivities.ResolveApprovers), () => steps.ResolveApproversAsync(input, CancellationToken.None)));
        registry.AddActivityFunc<StepInput, string>(nameof(ApprovalActivities.NotifyApprovers),
            (_, input) => faults.RunAsync(nameof(ApprovalActivities.NotifyApprovers), () => steps.NotifyApproversAsync(input, CancellationToken.None)));
        registry.AddActivityFunc<StepInput, int>(nameof(ApprovalActivities.UpdateChannels),
            (_, input) => faults.RunAsync(nameof(ApprovalActivities.UpdateChannels), () => steps.UpdateChannelsAsync(input, CancellationToken.None)));
        registry.AddActivityFunc<StepInput, IssuedReceiptResult>(nameof(ApprovalActivities.IssueReceipt),
            (_, input) => faults.RunAsync(nameof(ApprovalActivities.IssueReceipt), () => Task.FromResult(steps.IssueReceipt(input))));
        registry.AddActivityFunc<SaveStateInput, bool>(nameof(ApprovalActivities.SaveState),
            async (_, input) => await faults.RunAsync(nameof(ApprovalActivities.SaveState), async () =>
            {
                await steps.SaveStateAsync(input, CancellationToken.None);
                return true;
            }));
        registry.AddActivityFunc<DispatchInput, bool>(nameof(ApprovalActivities.DispatchRelease),
            async (_, input) => await faults.RunAsync(nameof(ApprovalActivities.DispatchRelease), async () =>
            {
                await steps.DispatchAsync(input, CancellationToken.None);
                return true;
            }));
    }

    /// <summary>Starts an approval as the submit function does (instance id = action id).</summary>
    /// <summary>Starts an instance as the HTTP API does, of <paramref name="version"/> (default: the current one; empty: none).</summary>
    public async Task<ApprovalInput> SubmitAsync(string actionJson, string? id = null, string agentId = "agent-etl", string? owner = "owner-olga", string? version = null)
    {
        id ??= "act_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        ActionRequest action = ActionParser.Parse(actionJson).Action ?? throw new ArgumentException("The test action does not parse.", nameof(actionJson));
        var input = new ApprovalInput(id, actionJson, agentId, owner, "mfa", action.Region ?? "westeurope", DateTimeOffset.UtcNow, _timing);
        await Client.ScheduleNewOrchestrationInstanceAsync(nameof(ApprovalOrchestrator), input, new StartOrchestrationOptions(id) { Version = version ?? OrchestrationVersions.Current });
        return input;
    }

    /// <summary>Raises a decision as the decision function does (the approver from their token, the digest they saw).</summary>
    public Task DecideAsync(ApprovalInput input, Person approver, ApprovalChoice choice, string? digest = null, string? decisionId = null, string? comment = null) =>
        RaiseAsync(input.ActionId, new DecisionReceived(
            decisionId ?? "d_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            new ApproverIdentity(approver.Id, approver.DisplayName, approver.Email, "mfa"),
            choice,
            comment ?? (choice == ApprovalChoice.Reject ? "not now" : null),
            digest ?? input.Action().Digest,
            "api",
            DateTimeOffset.UtcNow));

    /// <summary>Raises a Core event (as JSON, the one event name the orchestrator waits for).</summary>
    public Task RaiseAsync(string id, ProcessEvent e) => Client.RaiseEventAsync(id, ApprovalOrchestrator.EventName, CoreJson.Serialize(e));

    /// <summary>Waits until the instance's custom status shows <paramref name="until"/> (polls; fails after <paramref name="timeout"/>).</summary>
    public async Task<ProcessState> WaitForStateAsync(string id, Func<ProcessState, bool> until, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            OrchestrationMetadata? metadata = await Client.GetInstanceAsync(id, getInputsAndOutputs: true, cts.Token);
            if (metadata?.SerializedCustomStatus is not null)
            {
                ProcessState state = await StateAsync(metadata.ReadCustomStatusAs<StatusSnapshot>()!, id);
                if (until(state))
                {
                    return state;
                }
            }

            if (metadata is { IsCompleted: true })
            {
                throw new InvalidOperationException($"{id} completed ({metadata.RuntimeStatus}) without reaching the awaited state: {metadata.FailureDetails?.ErrorMessage}");
            }

            await Task.Delay(50, cts.Token);
        }
    }

    /// <summary>Waits until the instance waits for a decision.</summary>
    public Task<ProcessState> WaitForPendingAsync(string id) => WaitForStateAsync(id, s => s.Status == ProcessStatus.PendingApproval);

    /// <summary>Waits for the instance to complete; returns its metadata with the output.</summary>
    public async Task<OrchestrationMetadata> CompletionAsync(string id, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        return await Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
    }

    /// <summary>The instance's custom status as the HTTP functions read it (null before the first checkpoint).</summary>
    public async Task<StatusSnapshot?> SnapshotAsync(string id) =>
        (await Client.GetInstanceAsync(id, getInputsAndOutputs: true)) is { SerializedCustomStatus: not null } metadata ? metadata.ReadCustomStatusAs<StatusSnapshot>() : null;

    /// <summary>The final process state of a completed instance.</summary>
    public static ProcessState FinalState(OrchestrationMetadata metadata) =>
        StateAsync(metadata.ReadCustomStatusAs<StatusSnapshot>()!, metadata.InstanceId).GetAwaiter().GetResult();

    /// <summary>The state a snapshot carries, or the one it points to in the store.</summary>
    private static async Task<ProcessState> StateAsync(StatusSnapshot snapshot, string id) =>
        CoreJson.DeserializeState(snapshot.State ?? await States.LoadAsync(id, CancellationToken.None)
            ?? throw new InvalidOperationException($"{id}: the status points to a stored state that is not there."));

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        Key.Dispose();
    }
}
