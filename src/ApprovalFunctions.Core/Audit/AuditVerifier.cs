using System.Text.Json;

namespace ApprovalFunctions.Core.Audit;

/// <summary>A stored audit record: where it is and its exact bytes.</summary>
/// <param name="Key">The store key (path or blob name).</param>
/// <param name="Content">The bytes as stored.</param>
public sealed record AuditFile(string Key, ReadOnlyMemory<byte> Content);

/// <summary>What kind of problem the verifier found.</summary>
public enum AuditProblemKind
{
    /// <summary>The bytes are not a well-formed audit record.</summary>
    Unreadable,
    /// <summary>The bytes are not the canonical form of the record they parse to: they were edited.</summary>
    NotCanonical,
    /// <summary>The record's members do not hash to its stored hash: they were edited.</summary>
    HashMismatch,
    /// <summary>A record does not point at the record before it: records were reordered, replaced or edited.</summary>
    BrokenChain,
    /// <summary>A sequence number is missing: a record was deleted.</summary>
    Gap,
    /// <summary>Two records share a sequence number.</summary>
    Duplicate,
    /// <summary>The record's key does not match its action, sequence or type: it was renamed or moved.</summary>
    KeyMismatch,
    /// <summary>The chain does not start with a <c>received</c> record with no previous hash.</summary>
    BadStart,
    /// <summary>The action claims to be finished but has no <c>completed</c> record.</summary>
    MissingTerminal,
    /// <summary>A record is older than the one before it.</summary>
    TimeWentBackwards,
    /// <summary>The store ends before the chain head the host recorded: records at the end were deleted.</summary>
    Truncated,
}

/// <summary>The last record a host knows it wrote for an action (its process state's chain head).</summary>
/// <param name="LastSequence">The last sequence number.</param>
/// <param name="LastHash">That record's hash, when known.</param>
public sealed record AuditHead(long LastSequence, string? LastHash);

/// <summary>One problem, with where it is.</summary>
/// <param name="ActionId">The action, when known.</param>
/// <param name="Sequence">The record's sequence number, when known.</param>
/// <param name="Key">The store key, when the problem is about one file.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Message">A sentence for people.</param>
public sealed record AuditProblem(string? ActionId, long? Sequence, string? Key, AuditProblemKind Kind, string Message)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{ActionId ?? "?"}{(Sequence is long s ? $"#{s}" : string.Empty)}: {Kind}: {Message}{(Key is null ? string.Empty : $" ({Key})")}";
}

/// <summary>The verdict on one action's records.</summary>
/// <param name="ActionId">The action.</param>
/// <param name="Records">How many records it has.</param>
/// <param name="Finished">True when a <c>completed</c> record is present.</param>
/// <param name="Problems">Everything wrong with its chain.</param>
public sealed record AuditActionReport(string ActionId, int Records, bool Finished, IReadOnlyList<AuditProblem> Problems);

/// <summary>The verdict on a set of records.</summary>
/// <param name="Actions">One report per action, by action id.</param>
/// <param name="Unattributed">Problems with files that could not be tied to an action.</param>
public sealed record AuditVerificationReport(IReadOnlyList<AuditActionReport> Actions, IReadOnlyList<AuditProblem> Unattributed)
{
    /// <summary>Every problem found.</summary>
    public IEnumerable<AuditProblem> Problems => Unattributed.Concat(Actions.SelectMany(a => a.Problems));

    /// <summary>True when nothing is wrong.</summary>
    public bool Ok => !Problems.Any();
}

/// <summary>
/// Recomputes every action's hash chain from the stored bytes. Any single-byte change, deletion, duplication,
/// reordering or renaming of records is reported, and so is an action that claims to be finished without its
/// <c>completed</c> record.
/// </summary>
public static class AuditVerifier
{
    private static readonly HashSet<string> TerminalStatuses = new(StringComparer.Ordinal) { "denied", "rejected", "expired", "cancelled", "released", "failed", "completed" };

    /// <summary>Verifies records of any number of actions, in any order.</summary>
    /// <param name="files">The stored records.</param>
    /// <param name="heads">
    /// Optionally, the chain head each host recorded per action; without it, deleting an action's last records cannot be
    /// told from the action simply having fewer records.
    /// </param>
    public static AuditVerificationReport Verify(IEnumerable<AuditFile> files, IReadOnlyDictionary<string, AuditHead>? heads = null)
    {
        Check.NotNull(files);
        var unattributed = new List<AuditProblem>();
        var byAction = new Dictionary<string, (List<(AuditRecord Record, string Key)> Records, List<AuditProblem> Problems)>(StringComparer.Ordinal);

        foreach (AuditFile file in files)
        {
            bool keyParsed = AuditKeys.TryParse(file.Key, out string keyAction, out long keySequence, out string keyType);
            AuditRecord record;
            try
            {
                record = AuditRecord.Parse(file.Content.Span);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                var problem = new AuditProblem(keyParsed ? keyAction : null, keyParsed ? keySequence : null, file.Key, AuditProblemKind.Unreadable,
                    "not a readable audit record: " + LogText.Sanitize(ex.Message, 160));
                if (keyParsed)
                {
                    Entry(byAction, keyAction).Problems.Add(problem);
                }
                else
                {
                    unattributed.Add(problem);
                }

                continue;
            }

            var entry = Entry(byAction, record.ActionId);
            entry.Records.Add((record, file.Key));
            if (!file.Content.Span.SequenceEqual(record.ToCanonicalJson()))
            {
                entry.Problems.Add(new(record.ActionId, record.Sequence, file.Key, AuditProblemKind.NotCanonical,
                    "the stored bytes are not the canonical form of the record: the file was edited"));
            }

            if (!string.Equals(record.Hash, record.ComputeHash(), StringComparison.Ordinal))
            {
                entry.Problems.Add(new(record.ActionId, record.Sequence, file.Key, AuditProblemKind.HashMismatch,
                    "the record does not hash to its stored hash: its content was changed"));
            }

            if (!keyParsed || keyAction != record.ActionId || keySequence != record.Sequence || keyType != record.Type)
            {
                entry.Problems.Add(new(record.ActionId, record.Sequence, file.Key, AuditProblemKind.KeyMismatch,
                    $"stored under a key that does not match the record ({record.ActionId} #{record.Sequence} {record.Type})"));
            }
        }

        var reports = new List<AuditActionReport>();
        foreach ((string actionId, var entry) in byAction.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            CheckChain(actionId, entry.Records, entry.Problems);
            if (heads is not null && heads.TryGetValue(actionId, out AuditHead? head))
            {
                CheckHead(actionId, entry.Records, head, entry.Problems);
            }
            bool finished = entry.Records.Any(r => r.Record.Type == AuditRecordTypes.Completed);
            reports.Add(new AuditActionReport(actionId, entry.Records.Count, finished, entry.Problems));
        }

        return new AuditVerificationReport(reports, unattributed);
    }

    private static (List<(AuditRecord Record, string Key)> Records, List<AuditProblem> Problems) Entry(
        Dictionary<string, (List<(AuditRecord, string)>, List<AuditProblem>)> byAction, string actionId)
    {
        if (!byAction.TryGetValue(actionId, out var entry))
        {
            entry = ([], []);
            byAction[actionId] = entry;
        }

        return entry;
    }

    private static void CheckHead(string actionId, List<(AuditRecord Record, string Key)> records, AuditHead head, List<AuditProblem> problems)
    {
        AuditRecord? last = records.Select(r => r.Record).OrderBy(r => r.Sequence).LastOrDefault();
        if (last is null || last.Sequence < head.LastSequence)
        {
            problems.Add(new(actionId, head.LastSequence, null, AuditProblemKind.Truncated,
                $"the store ends at #{last?.Sequence ?? 0} but #{head.LastSequence} was written: records at the end were deleted"));
        }
        else if (last.Sequence == head.LastSequence && head.LastHash is not null && !string.Equals(last.Hash, head.LastHash, StringComparison.Ordinal))
        {
            problems.Add(new(actionId, last.Sequence, null, AuditProblemKind.BrokenChain, "the last record is not the one that was written"));
        }
    }

    private static void CheckChain(string actionId, List<(AuditRecord Record, string Key)> records, List<AuditProblem> problems)
    {
        if (records.Count == 0)
        {
            return;
        }

        var ordered = records.OrderBy(r => r.Record.Sequence).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
        AuditRecord first = ordered[0].Record;
        if (first.Sequence != 1 || first.Type != AuditRecordTypes.Received || first.PreviousHash is not null)
        {
            problems.Add(new(actionId, first.Sequence, ordered[0].Key, AuditProblemKind.BadStart,
                first.Sequence != 1 ? $"the chain starts at #{first.Sequence}, not #1: records were deleted" : "the first record is not a 'received' record with no previous hash"));
        }

        for (int i = 1; i < ordered.Count; i++)
        {
            AuditRecord previous = ordered[i - 1].Record, current = ordered[i].Record;
            string key = ordered[i].Key;
            if (current.Sequence == previous.Sequence)
            {
                problems.Add(new(actionId, current.Sequence, key, AuditProblemKind.Duplicate, $"two records are numbered #{current.Sequence}"));
                continue;
            }

            if (current.Sequence != previous.Sequence + 1)
            {
                problems.Add(new(actionId, previous.Sequence + 1, null, AuditProblemKind.Gap,
                    current.Sequence == previous.Sequence + 2 ? $"record #{previous.Sequence + 1} is missing" : $"records #{previous.Sequence + 1} to #{current.Sequence - 1} are missing"));
            }
            else if (!string.Equals(current.PreviousHash, previous.Hash, StringComparison.Ordinal))
            {
                problems.Add(new(actionId, current.Sequence, key, AuditProblemKind.BrokenChain,
                    $"does not follow record #{previous.Sequence}: records were reordered, replaced or edited"));
            }

            if (current.Time < previous.Time)
            {
                problems.Add(new(actionId, current.Sequence, key, AuditProblemKind.TimeWentBackwards, $"is older than record #{previous.Sequence}"));
            }
        }

        bool claimsFinished = ordered.Any(r => TerminalStatuses.Contains(r.Record.Status));
        if (claimsFinished && !ordered.Any(r => r.Record.Type == AuditRecordTypes.Completed))
        {
            AuditRecord last = ordered[^1].Record;
            problems.Add(new(actionId, last.Sequence, null, AuditProblemKind.MissingTerminal,
                "the action reached a final status but its 'completed' record is missing"));
        }
    }
}
