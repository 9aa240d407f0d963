using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Gateway.Audit;
using ApprovalFunctions.Gateway.Storage;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary><c>approvals audit verify | export</c>.</summary>
internal static class AuditCommands
{
    public static Command Create(CliConsole console)
    {
        var audit = new Command("audit", "Verify and export the audit trail.");
        audit.Add(Verify(console));
        audit.Add(Export(console));
        return audit;
    }

    private static Command Verify(CliConsole console)
    {
        var dir = new Argument<string>("dir") { Description = "An audit directory: a region's, or the state directory's audit/ with every region." };
        var db = new Option<string?>("--db") { Description = "The gateway database, to detect deleted trailing records (default: ../gateway.db next to an audit/ directory)." };
        var command = new Command("verify", "Recompute every action's hash chain. Exit 0 when intact; otherwise list every problem and exit 1.") { dir, db };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            string path = Path.GetFullPath(parse.GetRequiredValue(dir));
            if (!Directory.Exists(path))
            {
                throw new CliInputException($"{path}: no such directory");
            }

            List<AuditFile> files = FileAuditStore.ReadDirectory(path).ToList();
            string? database = parse.GetValue(db) ?? (Path.GetFileName(path) == "audit" && File.Exists(Path.Combine(path, "..", "gateway.db")) ? Path.Combine(path, "..", "gateway.db") : null);
            Dictionary<string, AuditHead>? heads = null;
            if (database is not null)
            {
                if (!File.Exists(database))
                {
                    throw new CliInputException($"{database}: no such database");
                }

                await using var gatewayDatabase = new GatewayDatabase(Path.GetFullPath(database));
                var store = new ActionStore(gatewayDatabase);
                heads = (await store.ChainHeadsAsync(ct)).ToDictionary(
                    h => h.Key,
                    h => new AuditHead(h.Value.Sequence - h.Value.Pending, h.Value.Pending == 0 ? h.Value.Hash : null));
            }

            AuditVerificationReport report = AuditVerifier.Verify(files, heads);
            int problems = 0;
            foreach (AuditProblem problem in report.Problems)
            {
                problems++;
                await console.Out.WriteLineAsync(problem.ToString());
            }

            // With every region in view, an action the database knows but with no record at all here is missing entirely.
            // (A single region's directory cannot tell: the action may belong to another region.)
            if (heads is not null && Path.GetFileName(path) == "audit")
            {
                var seen = report.Actions.Select(a => a.ActionId).ToHashSet(StringComparer.Ordinal);
                foreach ((string actionId, AuditHead head) in heads.Where(h => h.Value.LastSequence > 0 && !seen.Contains(h.Key)).OrderBy(h => h.Key, StringComparer.Ordinal))
                {
                    problems++;
                    await console.Out.WriteLineAsync($"{actionId}: Truncated: the database recorded {head.LastSequence} record(s) but none is in this directory");
                }
            }

            string summary = $"{report.Actions.Count} action(s), {files.Count} record(s), {report.Actions.Count(a => a.Finished)} finished{(heads is null ? string.Empty : ", checked against " + database)}";
            await console.Out.WriteLineAsync(problems == 0 ? "OK: " + summary : $"{problems} problem(s) in {summary}");
            return problems == 0 ? ExitCodes.Ok : ExitCodes.Problems;
        }));
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var dir = new Argument<string>("dir") { Description = "An audit directory." };
        var format = new Option<string>("--format") { Description = "csv or jsonl.", Required = true };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        var from = new Option<string?>("--from") { Description = "Only records at or after this time (ISO 8601 UTC or a date)." };
        var to = new Option<string?>("--to") { Description = "Only records before this time." };
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output." };
        var command = new Command("export", "Write audit records as evidence (CSV or JSON lines), with their hashes, for SOC 2 / FedRAMP reviews.") { dir, format, from, to, output };
        command.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            string path = Path.GetFullPath(parse.GetRequiredValue(dir));
            if (!Directory.Exists(path))
            {
                throw new CliInputException($"{path}: no such directory");
            }

            DateTimeOffset? start = parse.GetValue(from) is string f ? CliInput.ParseUtc(f, "--from") : null;
            DateTimeOffset? end = parse.GetValue(to) is string t ? CliInput.ParseUtc(t, "--to") : null;
            bool csv = parse.GetRequiredValue(format) == "csv";
            TextWriter writer = parse.GetValue(output) is string file ? new StreamWriter(file, append: false, new UTF8Encoding(false)) : console.Out;
            int count = 0, unreadable = 0;
            try
            {
                if (csv)
                {
                    await writer.WriteLineAsync("action_id,seq,type,time,status,region,action_digest,policy_hash,prev,hash,content");
                }

                foreach (AuditFile auditFile in FileAuditStore.ReadDirectory(path))
                {
                    AuditRecord record;
                    try
                    {
                        record = AuditRecord.Parse(auditFile.Content.Span);
                    }
                    catch (JsonException)
                    {
                        unreadable++;
                        await console.Error.WriteLineAsync($"approvals: skipped unreadable record {LogText.Sanitize(auditFile.Key, 200)} (run 'approvals audit verify')");
                        continue;
                    }

                    if ((start is not null && record.Time < start) || (end is not null && record.Time >= end))
                    {
                        continue;
                    }

                    count++;
                    await writer.WriteLineAsync(csv ? CsvLine(record) : Encoding.UTF8.GetString(record.ToCanonicalJson()));
                }
            }
            finally
            {
                if (!ReferenceEquals(writer, console.Out))
                {
                    await writer.DisposeAsync();
                }
            }

            await console.Error.WriteLineAsync($"exported {count} record(s){(unreadable > 0 ? $", skipped {unreadable} unreadable" : string.Empty)}");
            return unreadable == 0 ? ExitCodes.Ok : ExitCodes.Problems;
        }));
        return command;
    }

    private static string CsvLine(AuditRecord r) => string.Join(',',
        Cell(r.ActionId), r.Sequence.ToString(CultureInfo.InvariantCulture), Cell(r.Type), Cell(AuditRecord.FormatTime(r.Time)), Cell(r.Status),
        Cell(r.Region), Cell(r.ActionDigest), Cell(r.PolicyHash ?? string.Empty), Cell(r.PreviousHash ?? string.Empty), Cell(r.Hash),
        Cell(Encoding.UTF8.GetString(Core.Json.JsonCanonicalizer.Canonicalize(r.Content))));

    /// <summary>RFC 4180 quoting, and a leading apostrophe for cells a spreadsheet would run as a formula.</summary>
    private static string Cell(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
