using System.Security.Cryptography;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;
using ApprovalFunctions.Core.Process;
using ApprovalFunctions.Core.Receipts;
using ApprovalFunctions.Gateway.Hosting;
using ApprovalFunctions.Gateway.Logging;
using ApprovalFunctions.Gateway.Policies;
using ApprovalFunctions.Gateway.Storage;
using ApprovalFunctions.Microsoft365.Directory;
using ApprovalFunctions.Microsoft365.Notifications;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Runner;

/// <summary>
/// Advances one action as far as it can go, running each step the process asks for. A run commits only where it must:
/// before a side effect outside the gateway (notifying approvers) and when the action comes to rest (waiting, finished,
/// retrying). Everything in between (transitions, audit records, the release with its receipt) rides along with the next
/// commit, in one transaction; audit records go to the outbox, from which <see cref="Audit.AuditWriter"/> writes the
/// region's files. A crash before a commit loses only work nobody outside has seen, which the next run redoes.
/// </summary>
/// <summary>A new action that finished on its submit request, with its release, as committed.</summary>
internal sealed record FinishedAction(StoredAction Action, ReleaseRow? Release);

[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A singleton for the process lifetime; SemaphoreSlim needs disposing only when its wait handle is used, which it never is here.")]
internal sealed class StepExecutor
{
    private static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(5);

    private readonly ActionStore _store;
    private readonly PolicyProvider _policy;
    private readonly IApproverDirectory _directory;
    private readonly IEnumerable<IApprovalNotifier> _notifiers;
    private readonly Masker _masker;
    private readonly ReceiptIssuer _receipts;
    private readonly ActionCompletions _completions;
    private readonly WebhookSignal _webhookSignal;
    private readonly AuditSignal _auditSignal;
    private readonly RunnerSignal _runnerSignal;
    private readonly Channels.OutcomeSignal _outcomeSignal;
    private readonly IOptions<ReleaseOptions> _release;
    private readonly PublicUrls _urls;
    private readonly TimeProvider _time;
    private readonly ILogger<StepExecutor> _logger;
    private readonly SemaphoreSlim _inlineSlots;

    public StepExecutor(
        ActionStore store, PolicyProvider policy, IApproverDirectory directory, IEnumerable<IApprovalNotifier> notifiers, Masker masker,
        ReceiptIssuer receipts, ActionCompletions completions, WebhookSignal webhookSignal, AuditSignal auditSignal, RunnerSignal runnerSignal, IOptions<ReleaseOptions> release,
        PublicUrls urls, TimeProvider time, ILogger<StepExecutor> logger, Channels.OutcomeSignal outcomeSignal)
    {
        _store = store;
        _policy = policy;
        _directory = directory;
        _notifiers = notifiers;
        _masker = masker;
        _receipts = receipts;
        _completions = completions;
        _webhookSignal = webhookSignal;
        _auditSignal = auditSignal;
        _runnerSignal = runnerSignal;
        _outcomeSignal = outcomeSignal;
        _release = release;
        _urls = urls;
        _time = time;
        _logger = logger;
        _inlineSlots = new SemaphoreSlim(Math.Max(2, 2 * Environment.ProcessorCount));
    }

    /// <summary>Runs the stored action with <paramref name="actionId"/> until it waits for something or finishes.</summary>
    public async Task RunAsync(string actionId, CancellationToken cancellationToken)
    {
        StoredAction? stored = await _store.GetAsync(actionId, cancellationToken);
        if (stored is null || stored.Finished)
        {
            return;
        }

        ActionRequest action = ActionParser.Parse(stored.Body, ActionLimits.Stored).Action
            ?? throw new InvalidOperationException($"Stored action {stored.Id} no longer parses.");
        await RunAsync(new Run(this, action, ApprovalProcess.FromState(stored.State), stored.Version, insert: null), cancellationToken);
    }

    /// <summary>
    /// Stores a new action and, when one of the inline slots is free, runs it at once on the caller's thread (no hand-off
    /// to the runner: an allowed action is released within the submit request) up to its first notification, which the
    /// runner takes over. The caller holds the action's lock. Returns the action as committed when it finished here (so
    /// the caller can answer without reading it back). Throws <see cref="IdempotencyKeyTakenException"/>, with nothing
    /// stored, when the agent already used the idempotency key.
    /// </summary>
    public async Task<FinishedAction?> StartAsync(ActionRequest action, ApprovalProcess started, NewAction insert, CancellationToken cancellationToken)
    {
        var run = new Run(this, action, started, version: 0, insert) { HandOffBeforeNotify = true };
        if (!_inlineSlots.Wait(0, CancellationToken.None))
        {
            await run.StoreAsync(cancellationToken);
            _runnerSignal.Wake(run.Id);
            return null;
        }

        try
        {
            await RunAsync(run, cancellationToken);
            return run.Finished;
        }
        finally
        {
            _inlineSlots.Release();
        }
    }

    private async Task RunAsync(Run run, CancellationToken cancellationToken)
    {
        try
        {
            await run.AdvanceAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or ConcurrencyException or IdempotencyKeyTakenException))
        {
            // Keep what is consistent so far and try again later; a new action is stored as received, so it is not lost.
            Log.StepFailed(_logger, ex, run.Id, run.Process.Next().GetType().Name);
            await run.CommitAfterFailureAsync(_time.GetUtcNow() + FailureBackoff, cancellationToken);
        }
    }

    private sealed class Run(StepExecutor owner, ActionRequest action, ApprovalProcess process, long version, NewAction? insert)
    {
        private readonly ApprovalProcess _started = process;
        private readonly List<OutboxRecord> _audit = [];
        private readonly List<long> _consumed = [];
        private readonly List<(string, DateTimeOffset)> _rejections = [];
        private NewAction? _insert = insert;
        private string? _review;
        private NewRelease? _release;
        private long _inboxAfter;
        private bool _dirty = insert is not null;

        /// <summary>A new action that finished within this run, as committed.</summary>
        public FinishedAction? Finished { get; private set; }

        /// <summary>Stop at the first notification and leave it to the runner (inline runs on a submit request).</summary>
        public bool HandOffBeforeNotify { get; init; }

        public string Id => Process.State.ActionId;

        /// <summary>Commits the action as it is, due now, for the runner.</summary>
        public async Task StoreAsync(CancellationToken cancellationToken) => await CommitAsync(owner._time.GetUtcNow(), cancellationToken);

        public ApprovalProcess Process { get; private set; } = process;

        public async Task AdvanceAsync(CancellationToken cancellationToken)
        {
            for (int guard = 0; guard < 10_000; guard++)
            {
                DateTimeOffset now = owner._time.GetUtcNow();
                switch (Process.Next())
                {
                    case WriteAuditStep write:
                        // Committed with the state, written to the region's store by the audit writer.
                        _audit.Add(new OutboxRecord(Id, Process.State.Region, write.Key, write.Record.ToCanonicalJson()));
                        Apply(new AuditWritten(write.Record.Sequence, now));
                        break;

                    case EvaluatePolicyStep when await ApplyQueuedAsync(now, cancellationToken):
                        // A cancel (or an early decision) that arrived before evaluation goes first.
                        break;

                    case EvaluatePolicyStep evaluate:
                        PolicyDecision decision = owner._policy.Current.Evaluate(new PolicyInput(action, evaluate.Agent, now, evaluate.AuthStrength));
                        Apply(new PolicyEvaluated(decision, now));
                        break;

                    case ResolveApproversStep resolve:
                        ResolvedApprovers resolved = await owner._directory.ResolveAsync(resolve.Plan, resolve.RequesterId, cancellationToken);
                        Apply(new ApproversResolved(resolved, now));
                        _review = owner._masker.Mask(action, Process.State.Decision, Process.State.Agent).ToJson();
                        break;

                    case NotifyApproversStep when HandOffBeforeNotify:
                        await CommitAsync(now, cancellationToken);
                        owner._runnerSignal.Wake(Id);
                        return;

                    case NotifyApproversStep notify:
                        // Approvers hear of nothing the gateway could still forget.
                        await CommitAsync(now, cancellationToken);
                        IReadOnlyList<Delivery> deliveries = await NotifyAsync(notify, cancellationToken);
                        Apply(new ApproversNotified(notify.Notification.Round, deliveries, owner._time.GetUtcNow()));
                        break;

                    case AwaitDecisionStep wait:
                        if (await ApplyQueuedAsync(now, cancellationToken))
                        {
                            break;
                        }

                        if (now >= wait.Until)
                        {
                            Apply(new TimerFired(now));
                            break;
                        }

                        await CommitAsync(now, cancellationToken, dueAt: wait.Until, onlyIfChanged: true);
                        return;

                    case ReleaseStep releaseStep:
                        if (!Release(releaseStep, now, out DateTimeOffset? retryAt))
                        {
                            await CommitAsync(now, cancellationToken, dueAt: retryAt);
                            if (retryAt is not null)
                            {
                                return; // a failed attempt: retried when due
                            }
                        }

                        break;

                    case FinishStep when await ApplyQueuedAsync(now, cancellationToken):
                        // Late decisions are audited as refused attempts before the action rests.
                        break;

                    case FinishStep finish:
                        NewAction? inserting = _insert;
                        NewRelease? releasing = _release;
                        long releaseSeq = await CommitAsync(now, cancellationToken, onlyIfChanged: true);
                        if (inserting is not null)
                        {
                            Finished = new FinishedAction(
                                new StoredAction(Id, inserting.AgentId, inserting.IdempotencyKey, Process.State.ActionDigest, inserting.Body, Process.State.Region,
                                    Process.State, version, null, Process.State.ReceivedAt, true),
                                releasing is null ? null : new ReleaseRow(releaseSeq, Id, releasing.Receipt, releasing.ReceiptId, releasing.ExpiresAt, now, inserting.Body,
                                    releasing.Webhook ? "pending" : "none", 0, null));
                        }

                        owner._completions.Completed(Id);
                        owner._outcomeSignal.Wake(); // messages posted in Slack or Teams now show the outcome
                        string outcome = Core.Json.CoreJson.Name(finish.Outcome);
                        Log.Finished(owner._logger, Id, outcome);
                        return;
                }
            }

            throw new InvalidOperationException($"Action {Id} did not settle.");
        }

        /// <summary>After a failed step: commits what is consistent, due again at <paramref name="retryAt"/>.</summary>
        public async Task CommitAfterFailureAsync(DateTimeOffset retryAt, CancellationToken cancellationToken)
        {
            if (_insert is not null)
            {
                // Nothing was stored yet: store the action as received, for the runner to start again.
                Process = _started;
                _audit.Clear();
                _consumed.Clear();
                _rejections.Clear();
                _review = null;
                _release = null;
            }

            await CommitAsync(owner._time.GetUtcNow(), cancellationToken, dueAt: retryAt);
        }

        /// <summary>Applies the oldest queued event not yet taken, if any; its inbox entry goes with the next commit.</summary>
        private async Task<bool> ApplyQueuedAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (_insert is not null || await owner._store.NextInboxAsync(Id, _inboxAfter, cancellationToken) is not (long seq, ProcessEvent queued))
            {
                return false; // a new action has no inbox yet
            }

            _inboxAfter = seq;
            _consumed.Add(seq);
            _dirty = true;
            try
            {
                Apply(queued);
            }
            catch (ProcessTransitionException ex)
            {
                Log.EventRefused(owner._logger, Id, queued.Name, ex.Detail);
                return true;
            }

            if (queued is DecisionReceived { Choice: ApprovalChoice.Reject } decision && Process.State.Outcome == ProcessOutcome.Rejected
                && Process.State.DecisionIds.Contains(decision.DecisionId))
            {
                _rejections.Add((decision.Approver.Id, decision.At));
            }

            return true;
        }

        private void Apply(ProcessEvent e)
        {
            Process = Process.Apply(e);
            _dirty = true;
        }

        private async Task<long> CommitAsync(DateTimeOffset now, CancellationToken cancellationToken, DateTimeOffset? dueAt = null, bool onlyIfChanged = false)
        {
            if (!_dirty && onlyIfChanged && dueAt is null)
            {
                return 0;
            }

            ProcessState s = Process.State;
            long releaseSeq = await owner._store.SaveAsync(new ActionSave(Id, version, s)
            {
                Insert = _insert,
                DueAt = dueAt,
                ConsumedInbox = [.. _consumed],
                Audit = [.. _audit],
                Rejections = [.. _rejections],
                Review = _review,
                Eligible = s.Status == ProcessStatus.PendingApproval ? ActionSave.EligibleKeys(Process.AwaitingDecisionFrom()) : null,
                Release = _release,
            }, now, cancellationToken);
            version = _insert is null ? version + 1 : 1;
            if (_audit.Count > 0)
            {
                owner._auditSignal.Wake();
            }

            if (_release is { Webhook: true })
            {
                owner._webhookSignal.Wake();
            }

            _insert = null;
            _audit.Clear();
            _consumed.Clear();
            _rejections.Clear();
            _review = null;
            _release = null;
            _dirty = false;
            return releaseSeq;
        }

        private async Task<IReadOnlyList<Delivery>> NotifyAsync(NotifyApproversStep notify, CancellationToken cancellationToken)
        {
            ReviewerView view = owner._masker.Mask(action, Process.State.Decision, Process.State.Agent);
            var request = new ApprovalRequest(Id, view, notify.Notification, notify.Deadline, Process.Tally(), owner._urls.Review(Id));
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
                    Log.NotifyFailed(owner._logger, Id, notify.Notification.Round, notifier.Channel, ex.Message);
                    deliveries.AddRange(notify.Notification.Recipients.Select(r => new Delivery(r.Id, notifier.Channel, false, LogText.Sanitize(ex.Message, 200))));
                }
            }

            return deliveries;
        }

        /// <summary>
        /// Issues the receipt and stages the release row (feed and webhook outbox) to commit with the transition: released
        /// exactly once. False when signing failed; <paramref name="retryAt"/> is then when to try again (null: given up).
        /// </summary>
        private bool Release(ReleaseStep step, DateTimeOffset now, out DateTimeOffset? retryAt)
        {
            IssuedReceipt receipt;
            try
            {
                receipt = owner._receipts.Issue(step.Facts, "rcpt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), now);
            }
            catch (Exception ex) when (ex is CryptographicException or InvalidOperationException)
            {
                bool permanent = step.Attempt >= owner._release.Value.MaxAttempts;
                Log.ReleaseFailed(owner._logger, Id, step.Attempt, ex.Message);
                Apply(new ReleaseFailed(ex.Message, permanent, now));
                TimeSpan backoff = TimeSpan.FromTicks(Math.Min(owner._release.Value.MaxBackoff.Ticks, owner._release.Value.InitialBackoff.Ticks << Math.Min(step.Attempt, 20)));
                retryAt = permanent ? null : now + backoff;
                return false;
            }

            Apply(new Released(receipt.ReceiptId, receipt.ExpiresAt, receipt.Hash, now));
            _release = new NewRelease(receipt.Jws, receipt.ReceiptId, receipt.ExpiresAt, owner._release.Value.WebhookUrl is not null);
            retryAt = null;
            return true;
        }
    }
}
