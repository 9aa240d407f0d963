using System.Security.Cryptography;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.Gateway.Audit;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Policies;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Runner;

/// <summary>
/// Advances one action as far as it can go: runs each step the process asks for and commits every transition in one
/// transaction. Records created by a transition are committed (in the state) before their files are written, and
/// confirmations of written records ride along with the next commit, so a crash at any point replays safely.
/// </summary>
internal sealed class StepExecutor
{
    private readonly ActionStore _store;
    private readonly FileAuditStore _audit;
    private readonly PolicyProvider _policy;
    private readonly IApproverDirectory _directory;
    private readonly IEnumerable<IApprovalNotifier> _notifiers;
    private readonly Masker _masker;
    private readonly ReceiptIssuer _receipts;
    private readonly ActionCompletions _completions;
    private readonly WebhookSignal _webhookSignal;
    private readonly IOptions<ReleaseOptions> _release;
    private readonly PublicUrls _urls;
    private readonly TimeProvider _time;
    private readonly ILogger<StepExecutor> _logger;

    public StepExecutor(
        ActionStore store, FileAuditStore audit, PolicyProvider policy, IApproverDirectory directory, IEnumerable<IApprovalNotifier> notifiers,
        Masker masker, ReceiptIssuer receipts, ActionCompletions completions, WebhookSignal webhookSignal, IOptions<ReleaseOptions> release,
        PublicUrls urls, TimeProvider time, ILogger<StepExecutor> logger)
    {
        _store = store;
        _audit = audit;
        _policy = policy;
        _directory = directory;
        _notifiers = notifiers;
        _masker = masker;
        _receipts = receipts;
        _completions = completions;
        _webhookSignal = webhookSignal;
        _release = release;
        _urls = urls;
        _time = time;
        _logger = logger;
    }

    private static readonly ActionLimits StoredLimits = new() { MaxBytes = 64 * 1024 * 1024, MaxDepth = 256 };

    /// <summary>Runs the action with <paramref name="actionId"/> until it waits for something or finishes.</summary>
    public async Task RunAsync(string actionId, CancellationToken cancellationToken)
    {
        StoredAction? stored = await _store.GetAsync(actionId, cancellationToken);
        if (stored is null || stored.Finished)
        {
            return;
        }

        var run = new Run(this, stored);
        try
        {
            await run.AdvanceAsync(cancellationToken);
        }
        catch (AuditConflictException ex)
        {
            // Never overwrite evidence: stop this action and shout. An operator must look at the _store.
            Log.AuditConflict(_logger, actionId, ex.Message);
            await _store.SaveAsync(new ActionSave(actionId, run.Version, run.Process.State) { DueAt = _time.GetUtcNow().AddMinutes(5) }, _time.GetUtcNow(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not ConcurrencyException)
        {
            Log.StepFailed(_logger, ex, actionId, run.Process.Next().GetType().Name);
            await _store.SaveAsync(new ActionSave(actionId, run.Version, run.Process.State) { DueAt = _time.GetUtcNow().AddSeconds(5) }, _time.GetUtcNow(), cancellationToken);
        }
    }

    private sealed class Run(StepExecutor owner, StoredAction stored)
    {
        private readonly ActionRequest _action = ActionParser.Parse(stored.Body, StoredLimits).Action
            ?? throw new InvalidOperationException($"Stored action {stored.Id} no longer parses.");

        public ApprovalProcess Process { get; private set; } = ApprovalProcess.FromState(stored.State);

        public long Version { get; private set; } = stored.Version;

        private bool _dirty;

        public async Task AdvanceAsync(CancellationToken cancellationToken)
        {
            for (int guard = 0; guard < 10_000; guard++)
            {
                DateTimeOffset now = owner._time.GetUtcNow();
                switch (Process.Next())
                {
                    case WriteAuditStep write:
                        await owner._audit.WriteAsync(Process.State.Region, write.Key, write.Record.ToCanonicalJson(), cancellationToken);
                        Apply(new AuditWritten(write.Record.Sequence, now));
                        break;

                    case EvaluatePolicyStep when await ApplyQueuedAsync(now, cancellationToken):
                        // A cancel (or an early decision) that arrived before evaluation goes first.
                        break;

                    case EvaluatePolicyStep evaluate:
                        PolicyDecision decision = owner._policy.Current.Evaluate(new PolicyInput(_action, evaluate.Agent, now, evaluate.AuthStrength));
                        Apply(new PolicyEvaluated(decision, now));
                        await CommitAsync(now, cancellationToken);
                        break;

                    case ResolveApproversStep resolve:
                        ResolvedApprovers resolved = await owner._directory.ResolveAsync(resolve.Plan, resolve.RequesterId, cancellationToken);
                        Apply(new ApproversResolved(resolved, now));
                        string review = owner._masker.Mask(_action, Process.State.Decision, Process.State.Agent).ToJson();
                        await CommitAsync(now, cancellationToken, review: review);
                        break;

                    case NotifyApproversStep notify:
                        IReadOnlyList<Delivery> deliveries = await NotifyAsync(notify, cancellationToken);
                        Apply(new ApproversNotified(notify.Notification.Round, deliveries, owner._time.GetUtcNow()));
                        await CommitAsync(owner._time.GetUtcNow(), cancellationToken);
                        break;

                    case AwaitDecisionStep wait:
                        if (await ApplyQueuedAsync(now, cancellationToken))
                        {
                            break;
                        }

                        if (now >= wait.Until)
                        {
                            Apply(new TimerFired(now));
                            await CommitAsync(now, cancellationToken);
                            break;
                        }

                        await CommitAsync(now, cancellationToken, dueAt: wait.Until, force: false);
                        return;

                    case ReleaseStep releaseStep:
                        await ReleaseAsync(releaseStep, now, cancellationToken);
                        if (Process.State.Status is ProcessStatus.Allowed or ProcessStatus.Approved)
                        {
                            return; // a failed attempt: retried when due
                        }

                        break;

                    case FinishStep when await ApplyQueuedAsync(now, cancellationToken):
                        // Late decisions are audited as refused attempts before the action rests.
                        break;

                    case FinishStep finish:
                        await CommitAsync(now, cancellationToken, force: false);
                        owner._completions.Completed(stored.Id);
                        string outcome = Core.Json.CoreJson.Name(finish.Outcome);
                        Log.Finished(owner._logger, stored.Id, outcome);
                        return;
                }
            }

            throw new InvalidOperationException($"Action {stored.Id} did not settle.");
        }

        /// <summary>Applies the oldest queued event, if any, and commits it with the inbox entry consumed.</summary>
        private async Task<bool> ApplyQueuedAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (await owner._store.NextInboxAsync(stored.Id, cancellationToken) is not (long seq, ProcessEvent queued))
            {
                return false;
            }

            try
            {
                Apply(queued);
            }
            catch (ProcessTransitionException ex)
            {
                Log.EventRefused(owner._logger, stored.Id, queued.Name, ex.Detail);
                await owner._store.DropInboxAsync(seq, cancellationToken);
                return true;
            }

            await CommitAsync(now, cancellationToken, consumedInbox: seq);
            await RecordRejectionAsync(queued, cancellationToken);
            return true;
        }

        private void Apply(ProcessEvent e)
        {
            Process = Process.Apply(e);
            _dirty = true;
        }

        private async Task CommitAsync(DateTimeOffset now, CancellationToken cancellationToken, DateTimeOffset? dueAt = null, long? consumedInbox = null,
            string? review = null, NewRelease? release = null, bool force = true)
        {
            if (!_dirty && !force && dueAt is null)
            {
                return;
            }

            ProcessState s = Process.State;
            bool pending = s.Status == ProcessStatus.PendingApproval;
            await owner._store.SaveAsync(new ActionSave(stored.Id, Version, s)
            {
                DueAt = dueAt,
                ConsumedInbox = consumedInbox,
                Review = review,
                Eligible = pending ? Process.AwaitingDecisionFrom().SelectMany(Keys).ToHashSet(StringComparer.Ordinal) : null,
                Release = release,
            }, now, cancellationToken);
            Version++;
            _dirty = false;
        }

        private static IEnumerable<string> Keys(Person person) =>
            person.Email is null ? [person.Id.ToLowerInvariant()] : [person.Id.ToLowerInvariant(), person.Email.ToLowerInvariant()];

        private async Task<IReadOnlyList<Delivery>> NotifyAsync(NotifyApproversStep notify, CancellationToken cancellationToken)
        {
            ReviewerView view = owner._masker.Mask(_action, Process.State.Decision, Process.State.Agent);
            var request = new ApprovalRequest(stored.Id, view, notify.Notification, notify.Deadline, Process.Tally(), owner._urls.Review(stored.Id));
            var deliveries = new List<Delivery>();
            foreach (IApprovalNotifier notifier in owner._notifiers)
            {
                try
                {
                    deliveries.AddRange(await notifier.NotifyAsync(request, cancellationToken));
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A channel that throws instead of reporting still only fails its own deliveries.
                    Log.NotifyFailed(owner._logger, stored.Id, notify.Notification.Round, notifier.Channel, ex.Message);
                    deliveries.AddRange(notify.Notification.Recipients.Select(r => new Delivery(r.Id, notifier.Channel, false, LogText.Sanitize(ex.Message, 200))));
                }
            }

            return deliveries;
        }

        private async Task ReleaseAsync(ReleaseStep step, DateTimeOffset now, CancellationToken cancellationToken)
        {
            IssuedReceipt receipt;
            try
            {
                receipt = owner._receipts.Issue(step.Facts, "rcpt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), now);
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException)
            {
                bool permanent = step.Attempt >= owner._release.Value.MaxAttempts;
                Log.ReleaseFailed(owner._logger, stored.Id, step.Attempt, ex.Message);
                Apply(new ReleaseFailed(ex.Message, permanent, now));
                TimeSpan backoff = TimeSpan.FromTicks(Math.Min(owner._release.Value.MaxBackoff.Ticks, owner._release.Value.InitialBackoff.Ticks << Math.Min(step.Attempt, 20)));
                await CommitAsync(now, cancellationToken, dueAt: permanent ? null : now + backoff);
                return;
            }

            // The release row (poll feed and webhook outbox) commits with the transition: released exactly once.
            Apply(new Released(receipt.ReceiptId, receipt.ExpiresAt, receipt.Hash, now));
            bool webhook = owner._release.Value.WebhookUrl is not null;
            await CommitAsync(now, cancellationToken, release: new NewRelease(receipt.Jws, receipt.ReceiptId, receipt.ExpiresAt, webhook));
            if (webhook)
            {
                owner._webhookSignal.Wake();
            }
        }

        private async Task RecordRejectionAsync(ProcessEvent e, CancellationToken cancellationToken)
        {
            if (e is DecisionReceived { Choice: ApprovalChoice.Reject } decision && Process.State.Outcome == ProcessOutcome.Rejected
                && Process.State.DecisionIds.Contains(decision.DecisionId))
            {
                await owner._store.RecordRejectionAsync(stored.Id, decision.Approver.Id, decision.At, cancellationToken);
            }
        }
    }
}
