using System.Text.Json;
using System.Text.Json.Nodes;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Masking;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Process;

/// <summary>
/// The approval workflow of one action as a pure state machine (a decider). <see cref="Next"/> says what the host must
/// do; <see cref="Apply"/> returns the process after the host reports what happened. It reads no clock, GUID source,
/// environment, network or disk: times and ids come in with events. Every transition that matters creates audit
/// records, which the host writes (<see cref="WriteAuditStep"/>) before anything else happens. Immutable.
/// </summary>
public sealed class ApprovalProcess
{
    /// <summary>Refused decisions audited per caller and action; later ones are only counted.</summary>
    public const int MaxAuditedRefusalsPerCaller = 5;

    /// <summary>Distinct callers whose refused decisions are audited per action; refusals of further callers are only counted.</summary>
    public const int MaxTrackedCallers = 50;

    private delegate ProcessState Transition(ApprovalProcess process, ProcessEvent e);

    private static readonly Dictionary<(ProcessStatus Status, Type Event), Transition> Transitions = BuildTransitionTable();

    private ApprovalProcess(ProcessState state) => State = state;

    /// <summary>The state, for hosts to persist.</summary>
    public ProcessState State { get; }

    /// <summary>True once the process has ended and its trail is complete.</summary>
    public bool IsFinished => State.Status is ProcessStatus.Completed or ProcessStatus.Failed && State.PendingAudit.Count == 0;

    /// <summary>
    /// The transition table, one row per (status, event) that is allowed; anything else throws
    /// <see cref="ProcessTransitionException"/>.
    /// </summary>
    private static Dictionary<(ProcessStatus, Type), Transition> BuildTransitionTable()
    {
        var table = new Dictionary<(ProcessStatus, Type), Transition>();
        void Row(ProcessStatus status, Type @event, Transition transition) => table.Add((status, @event), transition);

        // status                          event                        → what happens
        Row(ProcessStatus.Received,        typeof(PolicyEvaluated),     (p, e) => p.OnPolicyEvaluated((PolicyEvaluated)e));     // → Denied | Allowed | PendingApproval
        Row(ProcessStatus.Received,        typeof(CancelRequested),     (p, e) => p.OnCancel((CancelRequested)e));             // → Cancelled
        Row(ProcessStatus.PendingApproval, typeof(ApproversResolved),   (p, e) => p.OnApproversResolved((ApproversResolved)e)); // snapshot; first round queued
        Row(ProcessStatus.PendingApproval, typeof(ApproversNotified),   (p, e) => p.OnNotified((ApproversNotified)e));         // round done
        Row(ProcessStatus.PendingApproval, typeof(DecisionReceived),    (p, e) => p.OnDecision((DecisionReceived)e));          // → Approved | Rejected | still pending
        Row(ProcessStatus.PendingApproval, typeof(TimerFired),          (p, e) => p.OnTimer((TimerFired)e));                   // reminder | escalation | → Expired | Approved
        Row(ProcessStatus.PendingApproval, typeof(CancelRequested),     (p, e) => p.OnCancel((CancelRequested)e));             // → Cancelled
        Row(ProcessStatus.Allowed,         typeof(Released),            (p, e) => p.OnReleased((Released)e));                  // → Released
        Row(ProcessStatus.Allowed,         typeof(ReleaseFailed),       (p, e) => p.OnReleaseFailed((ReleaseFailed)e));        // retry | → Failed
        Row(ProcessStatus.Approved,        typeof(Released),            (p, e) => p.OnReleased((Released)e));                  // → Released
        Row(ProcessStatus.Approved,        typeof(ReleaseFailed),       (p, e) => p.OnReleaseFailed((ReleaseFailed)e));        // retry | → Failed
        foreach (ProcessStatus status in Enum.GetValues<ProcessStatus>())
        {
            // In every status: confirming a written record (which seals Denied…Released into Completed),
            Row(status, typeof(AuditWritten), (p, e) => p.OnAuditWritten((AuditWritten)e));
            if (status != ProcessStatus.PendingApproval)
            {
                // and decisions that come when nobody is waiting for them: refused as NotPending, and audited.
                Row(status, typeof(DecisionReceived), (p, e) => p.OnDecision((DecisionReceived)e));
            }
        }

        return table;
    }

    /// <summary>Starts the process for a received action.</summary>
    public static ApprovalProcess Start(ActionRequest action, ProcessStart start)
    {
        Check.NotNull(action);
        Check.NotNull(start);
        Check.Utc(start.At);
        if (!ActionIds.IsValid(start.ActionId))
        {
            throw new ArgumentException("Action ids are 1-100 letters, digits, '-' and '_'.", nameof(start));
        }

        if (!Regions.IsRegionShaped(start.Region))
        {
            throw new ArgumentException("The region must be a region name such as westeurope.", nameof(start));
        }

        var state = new ProcessState
        {
            ActionId = start.ActionId,
            ActionDigest = action.Digest,
            Region = Regions.Normalize(start.Region),
            Agent = start.Agent,
            AgentAuthStrength = start.AuthStrength,
            RequesterId = action.Requester?.Id,
            ReceivedAt = start.At,
            Status = ProcessStatus.Received,
        };
        var content = new JsonObject
        {
            ["action"] = JsonNode.Parse(action.Document.GetRawText()),
            ["agent"] = new JsonObject { ["id"] = start.Agent.Id, ["owner"] = start.Agent.Owner },
            ["authStrength"] = start.AuthStrength,
        };
        return new ApprovalProcess(Record(state, AuditRecordTypes.Received, start.At, content));
    }

    /// <summary>Rebuilds a process from persisted state.</summary>
    public static ApprovalProcess FromState(ProcessState state)
    {
        Check.NotNull(state);
        if (state.Schema != ProcessState.CurrentSchema)
        {
            throw new NotSupportedException($"Process state schema {state.Schema} is not supported (this version reads {ProcessState.CurrentSchema}).");
        }

        return new ApprovalProcess(state);
    }

    /// <summary>What the host must do next. Audit records always come first (write-ahead).</summary>
    public ProcessStep Next()
    {
        ProcessState s = State;
        if (s.PendingAudit.Count > 0)
        {
            return new WriteAuditStep(s.PendingAudit[0], s.ReceivedAt);
        }

        return s.Status switch
        {
            ProcessStatus.Received => new EvaluatePolicyStep(s.Agent, s.AgentAuthStrength),
            ProcessStatus.PendingApproval when s.Approvers is null => new ResolveApproversStep(Plan, s.RequesterId),
            ProcessStatus.PendingApproval when s.PendingNotifications.Count > 0 => new NotifyApproversStep(s.PendingNotifications[0], s.Deadline!.Value),
            ProcessStatus.PendingApproval => new AwaitDecisionStep(Until()!.Value, s.Deadline!.Value),
            ProcessStatus.Allowed or ProcessStatus.Approved => new ReleaseStep(Facts(), s.ReleaseAttempts + 1),
            ProcessStatus.Completed or ProcessStatus.Failed => new FinishStep(s.Outcome!.Value),
            _ => throw new InvalidOperationException($"Action {s.ActionId}: status {s.Status} with no pending audit record cannot happen."),
        };
    }

    /// <summary>Applies what the host reports and returns the resulting process.</summary>
    /// <exception cref="ProcessTransitionException">The event is not allowed now; the exception names the action, status and event.</exception>
    public ApprovalProcess Apply(ProcessEvent e)
    {
        Check.NotNull(e);
        Check.Utc(e.At);
        if (!Transitions.TryGetValue((State.Status, e.GetType()), out Transition? transition))
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition, "no transition allows it");
        }

        if (e is not AuditWritten && State.PendingAudit.Count > 0)
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition, $"audit record #{State.PendingAudit[0].Sequence} must be written first");
        }

        return new ApprovalProcess(transition(this, e));
    }

    /// <summary>What <see cref="Apply"/> would do with a decision, without doing it (hosts answer approvers with it).</summary>
    public DecisionVerdict Judge(DecisionReceived decision)
    {
        Check.NotNull(decision);
        ProcessState s = State;
        if (s.DecisionIds.Contains(decision.DecisionId, StringComparer.Ordinal))
        {
            return DecisionVerdict.Duplicate();
        }

        if (s.Status != ProcessStatus.PendingApproval || s.Approvers is null)
        {
            return DecisionVerdict.Refuse(RefusalReason.NotPending, $"The action is not waiting for approval (it is {Name(s.Status)}).");
        }

        ApproverIdentity approver = decision.Approver;
        if (Matches(approver, s.RequesterId))
        {
            return DecisionVerdict.Refuse(RefusalReason.SelfApproval, "You requested this action, so you cannot approve or reject it.");
        }

        if (Matches(approver, s.Agent.Id))
        {
            return DecisionVerdict.Refuse(RefusalReason.AgentApproval, "The requesting agent cannot decide on its own action.");
        }

        if (Matches(approver, s.Agent.Owner))
        {
            return DecisionVerdict.Refuse(RefusalReason.OwnerApproval, "You own the requesting agent, so you cannot decide on its actions.");
        }

        if (Plan.ExcludeManagerChain && s.Approvers.RequesterManagers.Any(m => Matches(approver, m)))
        {
            return DecisionVerdict.Refuse(RefusalReason.ManagerChain, "The policy does not accept decisions from the requester's managers.");
        }

        if (!IsEligible(approver))
        {
            return DecisionVerdict.Refuse(RefusalReason.NotEligible, "You are not one of the approvers for this action.");
        }

        if (!string.Equals(decision.ActionDigest, s.ActionDigest, StringComparison.Ordinal))
        {
            return DecisionVerdict.Refuse(RefusalReason.DigestMismatch, "The action you saw is not the action awaiting approval (digest mismatch).");
        }

        if (decision.At >= s.Deadline)
        {
            return DecisionVerdict.Refuse(RefusalReason.PastDeadline, "The deadline for this approval has passed.");
        }

        if (s.Votes.Any(v => SamePerson(v.Approver, approver)) && decision.Choice == ApprovalChoice.Approve)
        {
            return DecisionVerdict.Duplicate();
        }

        return DecisionVerdict.Accept();
    }

    /// <summary>
    /// Whether the action concerns <paramref name="approver"/> at all: someone in the resolved approver snapshot (before
    /// exclusions, escalation included), the requester, the agent's owner or the requester's manager chain. Hosts answer
    /// everyone else's decisions as if the action did not exist (404) and do not hand them to the process, so strangers
    /// learn nothing and leave no trace; the people it concerns are judged, and their refusals audited.
    /// </summary>
    public bool Concerns(ApproverIdentity approver)
    {
        Check.NotNull(approver);
        ProcessState s = State;
        if (Matches(approver, s.RequesterId) || Matches(approver, s.Agent.Owner))
        {
            return true;
        }

        return s.Approvers is ResolvedApprovers approvers
            && (approvers.Requirements.SelectMany(r => r.People).Concat(approvers.Escalation).Any(p => Matches(approver, p))
                || approvers.RequesterManagers.Any(m => Matches(approver, m)));
    }

    /// <summary>Each requirement's progress; empty before the policy asked for approval.</summary>
    public ApprovalTally Tally()
    {
        ProcessState s = State;
        if (s.Approvers is null)
        {
            ApprovalPlan? plan = s.Decision?.Approval;
            return new ApprovalTally(
                plan?.Requirements.Select(r => new RequirementTally(r.Approvers, r.MinApprovals, [], r.MinApprovals)).ToArray() ?? [],
                Complete: false);
        }

        var requirements = new List<RequirementTally>();
        foreach (ResolvedRequirement requirement in s.Approvers.Requirements)
        {
            string[] approvedBy = s.Votes
                .Where(v => requirement.People.Any(p => Matches(v.Approver, p)) || (s.Escalated && s.Approvers.Escalation.Any(p => Matches(v.Approver, p))))
                .Select(v => v.Approver.Id)
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToArray();
            requirements.Add(new RequirementTally(requirement.Approvers, requirement.MinApprovals, approvedBy, Math.Max(0, requirement.MinApprovals - approvedBy.Length)));
        }

        return new ApprovalTally(requirements, requirements.All(r => r.StillNeeded == 0));
    }

    /// <summary>
    /// Everyone who may decide on this action, whether or not they have, and whatever the status now: the requirements'
    /// people and, once escalated, the escalation's people, without the requester, the agent, its owner and (when the plan
    /// says so) the requester's managers. Empty until approvers are resolved.
    /// </summary>
    public IReadOnlyList<Person> EligibleApprovers()
    {
        ProcessState s = State;
        if (s.Approvers is null)
        {
            return [];
        }

        IEnumerable<Person> everyone = s.Approvers.Requirements.SelectMany(r => r.People).Concat(s.Escalated ? s.Approvers.Escalation : []);
        return Eligible(s, everyone, null);
    }

    /// <summary>The people who may decide now and have not yet approved (empty unless pending).</summary>
    public IReadOnlyList<Person> AwaitingDecisionFrom() =>
        State.Status == ProcessStatus.PendingApproval ? EligibleApprovers().Where(p => !HasVoted(State, p)).ToArray() : [];

    private ApprovalPlan Plan => State.Decision?.Approval ?? throw new InvalidOperationException($"Action {State.ActionId} has no approval plan.");

    // ---- transitions -------------------------------------------------------------------------------------------

    private ProcessState OnPolicyEvaluated(PolicyEvaluated e)
    {
        PolicyDecision decision = e.Decision;
        ProcessState s = State with { Decision = decision };
        var content = new JsonObject { ["decision"] = JsonNode.Parse(CoreJson.Serialize(decision)) };
        switch (decision.Effect)
        {
            case PolicyEffect.Deny:
                s = s with { Status = ProcessStatus.Denied, Outcome = ProcessOutcome.Denied, OutcomeReason = string.Join("; ", decision.Reasons) };
                return Complete(Record(s, AuditRecordTypes.Evaluated, e.At, content), e.At);
            case PolicyEffect.Allow:
                return Record(s with { Status = ProcessStatus.Allowed, Basis = ReleaseBasis.Allowed }, AuditRecordTypes.Evaluated, e.At, content);
            default:
                ApprovalPlan plan = decision.Approval ?? throw Refuse(e, TransitionRefusal.IllegalTransition, "a requireApproval decision must carry an approval plan");
                s = s with
                {
                    Status = ProcessStatus.PendingApproval,
                    Deadline = e.At + plan.Timeout,
                    RemindAt = e.At + plan.RemindAfter,
                    EscalateAt = e.At + plan.EscalateAfter,
                };
                content["deadline"] = AuditRecord.FormatTime(s.Deadline!.Value);
                return Record(s, AuditRecordTypes.Evaluated, e.At, content);
        }
    }

    private ProcessState OnApproversResolved(ApproversResolved e)
    {
        ProcessState s = State;
        if (s.Approvers is not null)
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition, "approvers were already resolved");
        }

        ResolvedApprovers approvers = e.Approvers;
        IReadOnlyList<ApprovalRequirement> planned = Plan.Requirements;
        if (approvers.Requirements.Count != planned.Count
            || approvers.Requirements.Zip(planned).Any(pair => pair.First.MinApprovals != pair.Second.MinApprovals || !pair.First.Approvers.SequenceEqual(pair.Second.Approvers)))
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition, "the resolved requirements do not match the approval plan");
        }

        s = s with { Approvers = approvers };
        var excluded = new JsonArray();
        List<Person> recipients = Eligible(s, approvers.Requirements.SelectMany(r => r.People), excluded);
        var requirements = new JsonArray();
        var unsatisfiable = new JsonArray();
        for (int i = 0; i < approvers.Requirements.Count; i++)
        {
            ResolvedRequirement r = approvers.Requirements[i];
            int eligible = Eligible(s, r.People.Concat(approvers.Escalation), null).Count;
            requirements.Add(new JsonObject
            {
                ["approvers"] = Strings(r.Approvers),
                ["minApprovals"] = r.MinApprovals,
                ["people"] = People(r.People),
                ["eligible"] = eligible,
            });
            if (eligible < r.MinApprovals)
            {
                unsatisfiable.Add(i);
            }
        }

        if (recipients.Count > 0)
        {
            s = s with { Rounds = 1, PendingNotifications = [new NotificationRound(1, NotificationKind.Initial, recipients)] };
        }

        return Record(s, AuditRecordTypes.ApproversResolved, e.At, new JsonObject
        {
            ["requirements"] = requirements,
            ["escalation"] = People(approvers.Escalation),
            ["excluded"] = excluded,
            ["unsatisfiable"] = unsatisfiable,
        });
    }

    private ProcessState OnNotified(ApproversNotified e)
    {
        ProcessState s = State;
        if (s.PendingNotifications.Count == 0 || s.PendingNotifications[0].Round != e.Round)
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition, $"round {e.Round} is not the round being sent");
        }

        NotificationRound round = s.PendingNotifications[0];
        s = s with { PendingNotifications = s.PendingNotifications.Skip(1).ToArray() };
        var deliveries = new JsonArray();
        foreach (Delivery d in e.Deliveries)
        {
            deliveries.Add(new JsonObject { ["recipient"] = d.RecipientId, ["channel"] = d.Channel, ["delivered"] = d.Delivered, ["detail"] = Sanitize(d.Detail, 300) });
        }

        return Record(s, AuditRecordTypes.Notified, e.At, new JsonObject
        {
            ["round"] = round.Round,
            ["kind"] = Name(round.Kind),
            ["recipients"] = People(round.Recipients),
            ["deliveries"] = deliveries,
        });
    }

    private ProcessState OnDecision(DecisionReceived e)
    {
        DecisionVerdict verdict = Judge(e);
        ProcessState s = State;
        if (verdict.Kind == VerdictKind.Duplicate)
        {
            // Idempotent by design: a redelivered event or a repeated approval changes nothing.
            return s;
        }

        if (verdict.Kind == VerdictKind.Refused && !AuditsRefusalOf(s, e.Approver.Id))
        {
            // Past the per-caller (or per-action) audit limit: counted, neither recorded nor remembered, so a flood of
            // refused decisions cannot grow the state, the history or the audit trail without bound.
            return s with { RefusedAttempts = s.RefusedAttempts + 1 };
        }

        s = s with { DecisionIds = [.. s.DecisionIds, e.DecisionId] };
        if (verdict.Kind == VerdictKind.Refused)
        {
            s = CountRefusal(s, e.Approver.Id);
        }

        var content = new JsonObject
        {
            ["decisionId"] = e.DecisionId,
            ["approver"] = Identity(e.Approver),
            ["choice"] = Name(e.Choice),
            ["channel"] = Sanitize(e.Channel, 32),
            ["comment"] = MaskComment(e.Comment),
        };
        if (verdict.Kind == VerdictKind.Refused)
        {
            content["reason"] = Name(verdict.Reason!.Value);
            content["message"] = verdict.Message;
            return Record(s, AuditRecordTypes.DecisionRejected, e.At, content);
        }

        if (e.Choice == ApprovalChoice.Reject)
        {
            s = s with
            {
                Status = ProcessStatus.Rejected,
                Outcome = ProcessOutcome.Rejected,
                OutcomeReason = $"rejected by {e.Approver.DisplayName ?? e.Approver.Id}",
                Rejection = new Vote(e.DecisionId, e.Approver, MaskComment(e.Comment), e.Channel, e.At),
            };
            return Complete(Record(s, AuditRecordTypes.Decision, e.At, content), e.At);
        }

        s = s with { Votes = [.. s.Votes, new Vote(e.DecisionId, e.Approver, MaskComment(e.Comment), e.Channel, e.At)] };
        ApprovalTally tally = new ApprovalProcess(s).Tally();
        content["stillNeeded"] = tally.Requirements.Sum(r => r.StillNeeded);
        if (tally.Complete)
        {
            s = s with { Status = ProcessStatus.Approved, Basis = ReleaseBasis.Approved, PendingNotifications = [] };
        }

        return Record(s, AuditRecordTypes.Decision, e.At, content);
    }

    private ProcessState OnTimer(TimerFired e)
    {
        DateTimeOffset? until = Until();
        if (until is null || e.At < until)
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition, until is null ? "no timer is set" : $"the timer is due at {AuditRecord.FormatTime(until.Value)}");
        }

        ProcessState s = State;
        ApprovalPlan plan = Plan;
        if (e.At >= s.Deadline)
        {
            // The timeout is recorded as a decision of its own: the plan's onTimeout decides.
            var content = new JsonObject
            {
                ["deadline"] = AuditRecord.FormatTime(s.Deadline!.Value),
                ["outcome"] = plan.OnTimeout == TimeoutOutcome.Reject ? "reject" : "approve",
                ["decidedBy"] = "policy:onTimeout",
                ["stillNeeded"] = Tally().Requirements.Sum(r => r.StillNeeded),
            };
            if (plan.OnTimeout == TimeoutOutcome.Reject)
            {
                s = s with { Status = ProcessStatus.Expired, Outcome = ProcessOutcome.Expired, OutcomeReason = "no decision before the deadline", PendingNotifications = [] };
                return Complete(Record(s, AuditRecordTypes.TimedOut, e.At, content), e.At);
            }

            s = s with { Status = ProcessStatus.Approved, Basis = ReleaseBasis.ApprovedOnTimeout, PendingNotifications = [] };
            return Record(s, AuditRecordTypes.TimedOut, e.At, content);
        }

        if (!s.Escalated && s.EscalateAt <= e.At)
        {
            // Escalation adds people for every unmet requirement and extends the deadline as the plan says.
            s = s with { Escalated = true, Deadline = s.Deadline + plan.ExtendBy };
            List<Person> added = Eligible(s, s.Approvers!.Escalation, null).Where(p => !HasVoted(s, p)).ToList();
            if (added.Count > 0)
            {
                s = s with { Rounds = s.Rounds + 1, PendingNotifications = [.. s.PendingNotifications, new NotificationRound(s.Rounds + 1, NotificationKind.Escalation, added)] };
            }

            s = Record(s, AuditRecordTypes.Escalated, e.At, new JsonObject
            {
                ["escalateTo"] = Strings(plan.EscalateTo),
                ["people"] = People(added),
                ["deadline"] = AuditRecord.FormatTime(s.Deadline!.Value),
            });
        }

        if (!s.Reminded && s.RemindAt <= e.At)
        {
            IEnumerable<Person> everyone = s.Approvers!.Requirements.SelectMany(r => r.People).Concat(s.Escalated ? s.Approvers.Escalation : []);
            List<Person> waiting = Eligible(s, everyone, null).Where(p => !HasVoted(s, p)).ToList();
            s = s with { Reminded = true };
            if (waiting.Count > 0)
            {
                s = s with { Rounds = s.Rounds + 1, PendingNotifications = [.. s.PendingNotifications, new NotificationRound(s.Rounds + 1, NotificationKind.Reminder, waiting)] };
            }

            s = Record(s, AuditRecordTypes.Reminder, e.At, new JsonObject { ["people"] = People(waiting) });
        }

        return s;
    }

    private ProcessState OnCancel(CancelRequested e)
    {
        if (!string.Equals(e.AgentId, State.Agent.Id, StringComparison.Ordinal))
        {
            throw Refuse(e, TransitionRefusal.NotPermitted, "only the requesting agent can cancel its action");
        }

        ProcessState s = State with
        {
            Status = ProcessStatus.Cancelled,
            Outcome = ProcessOutcome.Cancelled,
            OutcomeReason = Sanitize(e.Reason, 500) ?? "cancelled by the requesting agent",
            PendingNotifications = [],
        };
        s = Record(s, AuditRecordTypes.Cancelled, e.At, new JsonObject { ["by"] = e.AgentId, ["reason"] = Sanitize(e.Reason, 500) });
        return Complete(s, e.At);
    }

    private ProcessState OnReleased(Released e)
    {
        ProcessState s = State with
        {
            Status = ProcessStatus.Released,
            Outcome = ProcessOutcome.Released,
            OutcomeReason = $"released ({Name(State.Basis!.Value)})",
            ReceiptId = e.ReceiptId,
            ReceiptExpiresAt = e.ExpiresAt,
        };
        s = Record(s, AuditRecordTypes.Released, e.At, new JsonObject
        {
            ["receiptId"] = e.ReceiptId,
            ["receiptHash"] = e.ReceiptHash,
            ["expiresAt"] = AuditRecord.FormatTime(e.ExpiresAt),
            ["basis"] = Name(State.Basis!.Value),
            ["attempt"] = State.ReleaseAttempts + 1,
        });
        return Complete(s, e.At);
    }

    private ProcessState OnReleaseFailed(ReleaseFailed e)
    {
        ProcessState s = State with { ReleaseAttempts = State.ReleaseAttempts + 1 };
        var content = new JsonObject { ["attempt"] = s.ReleaseAttempts, ["error"] = Sanitize(e.Error, 500), ["permanent"] = e.Permanent };
        if (!e.Permanent)
        {
            return Record(s, AuditRecordTypes.ReleaseFailed, e.At, content);
        }

        s = s with { Status = ProcessStatus.Failed, Outcome = ProcessOutcome.Failed, OutcomeReason = "the action could not be released; nothing was executed" };
        return Complete(Record(s, AuditRecordTypes.ReleaseFailed, e.At, content), e.At);
    }

    private ProcessState OnAuditWritten(AuditWritten e)
    {
        ProcessState s = State;
        if (s.PendingAudit.Count == 0 || s.PendingAudit[0].Sequence != e.Sequence)
        {
            throw Refuse(e, TransitionRefusal.IllegalTransition,
                s.PendingAudit.Count == 0 ? "no audit record is pending" : $"record #{s.PendingAudit[0].Sequence} is next, not #{e.Sequence}");
        }

        AuditRecord written = s.PendingAudit[0];
        s = s with { PendingAudit = s.PendingAudit.Skip(1).ToArray() };
        bool sealsTrail = written.Type == AuditRecordTypes.Completed
            && s.Status is ProcessStatus.Denied or ProcessStatus.Rejected or ProcessStatus.Expired or ProcessStatus.Cancelled or ProcessStatus.Released;
        return sealsTrail ? s with { Status = ProcessStatus.Completed } : s;
    }

    /// <summary>
    /// Whether a refused decision by <paramref name="callerId"/> would still be audited (the first
    /// <see cref="MaxAuditedRefusalsPerCaller"/> per caller, for <see cref="MaxTrackedCallers"/> callers). Past that a
    /// refusal only counts, so a host whose every delivered event costs history (Durable) need not deliver it.
    /// </summary>
    public bool AuditsRefusalOf(string callerId) => AuditsRefusalOf(State, Check.NotNull(callerId));

    // ---- helpers -----------------------------------------------------------------------------------------------

    /// <summary>Whether a refusal of <paramref name="callerId"/>'s decision is still audited (and remembered).</summary>
    private static bool AuditsRefusalOf(ProcessState s, string callerId)
    {
        CallerRefusals? known = s.RefusalsByCaller.FirstOrDefault(r => string.Equals(r.CallerId, callerId, StringComparison.OrdinalIgnoreCase));
        return known is null ? s.RefusalsByCaller.Count < MaxTrackedCallers : known.Count < MaxAuditedRefusalsPerCaller;
    }

    private static ProcessState CountRefusal(ProcessState s, string callerId)
    {
        bool known = s.RefusalsByCaller.Any(r => string.Equals(r.CallerId, callerId, StringComparison.OrdinalIgnoreCase));
        IReadOnlyList<CallerRefusals> counts = known
            ? [.. s.RefusalsByCaller.Select(r => string.Equals(r.CallerId, callerId, StringComparison.OrdinalIgnoreCase) ? r with { Count = r.Count + 1 } : r)]
            : [.. s.RefusalsByCaller, new CallerRefusals(callerId, 1)];
        return s with { RefusedAttempts = s.RefusedAttempts + 1, RefusalsByCaller = counts };
    }

    /// <summary>Appends the terminal record; the status becomes Completed once it is written.</summary>
    private static ProcessState Complete(ProcessState s, DateTimeOffset at)
    {
        var content = new JsonObject
        {
            ["outcome"] = Name(s.Outcome!.Value),
            ["reason"] = s.OutcomeReason,
        };
        if (s.RefusedAttempts > 0)
        {
            // Refusals past the audit limit left no record of their own: the trail still says how many there were.
            content["refusedAttempts"] = s.RefusedAttempts;
        }

        return Record(s, AuditRecordTypes.Completed, at, content);
    }

    private static ProcessState Record(ProcessState s, string type, DateTimeOffset at, JsonObject content)
    {
        DateTimeOffset time = s.LastRecordAt is DateTimeOffset last && last > at ? last : at;
        using JsonDocument document = JsonDocument.Parse(content.ToJsonString());
        AuditRecord record = AuditRecord.Create(s.ActionId, s.NextSequence, type, time, Name(s.Status), s.Region, s.ActionDigest,
            s.Decision?.PolicyHash, document.RootElement, s.LastHash);
        return s with
        {
            NextSequence = s.NextSequence + 1,
            LastHash = record.Hash,
            LastRecordAt = time,
            PendingAudit = [.. s.PendingAudit, record],
        };
    }

    private DateTimeOffset? Until()
    {
        ProcessState s = State;
        if (s.Status != ProcessStatus.PendingApproval || s.Approvers is null || s.PendingNotifications.Count > 0 || s.Deadline is null)
        {
            return null;
        }

        DateTimeOffset until = s.Deadline.Value;
        if (!s.Reminded && s.RemindAt < until)
        {
            until = s.RemindAt.Value;
        }

        if (!s.Escalated && s.EscalateAt < until)
        {
            until = s.EscalateAt.Value;
        }

        return until;
    }

    private ReleaseFacts Facts()
    {
        ProcessState s = State;
        ReceiptApprover[] approvers = s.Votes
            .Select(v => new ReceiptApprover(v.Approver.Id, v.Approver.DisplayName, v.Approver.AuthStrength, v.At))
            .ToArray();
        return new ReleaseFacts(s.ActionId, s.ActionDigest, s.Decision!.PolicyHash, s.Basis!.Value, approvers, s.Region);
    }

    private bool IsEligible(ApproverIdentity approver)
    {
        ResolvedApprovers approvers = State.Approvers!;
        return approvers.Requirements.Any(r => r.People.Any(p => Matches(approver, p)))
            || (State.Escalated && approvers.Escalation.Any(p => Matches(approver, p)));
    }

    /// <summary>The people who may decide, without the requester, the agent, its owner and (when excluded) the manager chain.</summary>
    private static List<Person> Eligible(ProcessState s, IEnumerable<Person> people, JsonArray? excluded)
    {
        bool excludeManagers = s.Decision?.Approval?.ExcludeManagerChain == true;
        var result = new List<Person>();
        foreach (Person person in people.DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase))
        {
            string? reason =
                Matches(person, s.RequesterId) ? "requester"
                : Matches(person, s.Agent.Id) ? "agent"
                : Matches(person, s.Agent.Owner) ? "agentOwner"
                : excludeManagers && s.Approvers!.RequesterManagers.Any(m => Matches(person, m)) ? "managerChain"
                : null;
            if (reason is null)
            {
                result.Add(person);
            }
            else
            {
                excluded?.Add(new JsonObject { ["id"] = person.Id, ["reason"] = reason });
            }
        }

        return result;
    }

    private static bool HasVoted(ProcessState s, Person person) => s.Votes.Any(v => Matches(v.Approver, person));

    private static bool Matches(ApproverIdentity identity, string? id) =>
        id is not null && (string.Equals(identity.Id, id, StringComparison.OrdinalIgnoreCase)
            || (identity.Email is not null && string.Equals(identity.Email, id, StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Whether the approver is this person, which grants eligibility and counts votes: by the immutable id alone (the
    /// directory's object id; the token's <c>oid</c>), never by e-mail, which people and admins can change. The refusal
    /// rules (requester, agent, owner, managers) also match e-mail: there a wider match only refuses more.
    /// </summary>
    private static bool Matches(ApproverIdentity identity, Person person) =>
        string.Equals(identity.Id, person.Id, StringComparison.OrdinalIgnoreCase);

    private static bool Matches(Person person, string? id) =>
        id is not null && (string.Equals(person.Id, id, StringComparison.OrdinalIgnoreCase)
            || (person.Email is not null && string.Equals(person.Email, id, StringComparison.OrdinalIgnoreCase)));

    private static bool SamePerson(ApproverIdentity a, ApproverIdentity b) =>
        string.Equals(a.Id, b.Id, StringComparison.OrdinalIgnoreCase);

    private ProcessTransitionException Refuse(ProcessEvent e, TransitionRefusal refusal, string detail) =>
        new(State.ActionId, State.Status, e.Name, refusal, detail);

    private static string? MaskComment(string? comment)
    {
        if (comment is null)
        {
            return null;
        }

        string text = comment.Length > 2000 ? comment[..2000] : comment;
        List<Masking.Detectors.Finding>? findings = TextScanner.Default.Find(text);
        return findings is null ? text : TextScanner.Apply(text, findings);
    }

    private static string? Sanitize(string? text, int max) => text is null ? null : LogText.Sanitize(text, max);

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v!)]);

    private static JsonArray People(IEnumerable<Person> people) =>
        new([.. people.Select(p => (JsonNode)new JsonObject { ["id"] = p.Id, ["displayName"] = p.DisplayName })]);

    private static JsonObject Identity(ApproverIdentity a) =>
        new() { ["id"] = a.Id, ["displayName"] = a.DisplayName, ["authStrength"] = a.AuthStrength };

    private static string Name<T>(T value)
        where T : struct, Enum => CoreJson.Name(value);
}
