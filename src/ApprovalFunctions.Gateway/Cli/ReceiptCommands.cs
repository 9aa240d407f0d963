using System.CommandLine;
using System.Text.Json;
using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Receipts;
using Microsoft.IdentityModel.Tokens;

namespace ApprovalFunctions.Gateway.Cli;

/// <summary><c>approvals receipt verify</c> and <c>approvals keys new</c>.</summary>
internal static class ReceiptCommands
{
    public static Command Create(CliConsole console)
    {
        var receipt = new Command("receipt", "Check approval receipts as an executor would.");
        var receiptPath = new Option<string>("--receipt") { Description = "The receipt (compact JWS) file, or - for standard input.", Required = true };
        var actionPath = new Option<string>("--action") { Description = "The action JSON the executor is about to run.", Required = true };
        var keys = new Option<string?>("--keys") { Description = "The issuer's public keys: a JWKS file (GET /api/receipts/keys) or a PEM file (default: the state directory's key)." };
        var issuer = new Option<string?>("--issuer") { Description = "The expected issuer (the gateway's URL; default http://localhost:7071)." };
        var audience = new Option<string>("--audience") { Description = "This executor's audience.", DefaultValueFactory = _ => "approvals-executor" };
        var now = new Option<string?>("--now") { Description = "Verify as of this time, ISO 8601 UTC (default: now)." };
        var ledger = new Option<string?>("--ledger") { Description = "A file of used receipt ids; the receipt is refused if listed and recorded if valid." };
        var verify = new Command("verify", "Verify signature, issuer, audience, expiry, that the receipt is for exactly this action, and single use. Exit 0 valid, 1 invalid, 2 bad input.")
            { receiptPath, actionPath, keys, issuer, audience, now, ledger };
        verify.SetAction((parse, ct) => ApprovalsCli.Guard(console, async () =>
        {
            string path = parse.GetRequiredValue(receiptPath);
            string jws = (path == "-" ? await new StreamReader(console.OpenInput()).ReadToEndAsync(ct) : await ReadFileAsync(path, ct)).Trim();
            ActionRequest action = await CliInput.ReadActionAsync(parse.GetRequiredValue(actionPath), console, ct);
            IReadOnlyList<SecurityKey> signingKeys = LoadKeys(parse.GetValue(keys) ?? Path.Combine(".approvals", "receipt-signing-key.pem"));
            var verifier = new ReceiptVerifier(new ReceiptVerifierOptions
            {
                Issuer = (parse.GetValue(issuer) ?? Hosting.PublicUrls.DefaultUrl).TrimEnd('/'),
                Audience = parse.GetRequiredValue(audience),
                SigningKeys = signingKeys,
            });
            var used = new LedgerRegistry(parse.GetValue(ledger));
            ReceiptVerification result = await verifier.VerifyAsync(jws, action, CliInput.ParseUtc(parse.GetValue(now), "--now"), used);
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(new
            {
                valid = result.IsValid,
                failure = result.Failure?.ToString(),
                message = result.Message,
                receipt = result.Receipt,
            }, Indented));
            return result.IsValid ? ExitCodes.Ok : ExitCodes.Problems;
        }));
        receipt.Add(verify);
        return receipt;
    }

    public static Command Keys(CliConsole console)
    {
        var keys = new Command("keys", "API keys for agents and executors.");
        var id = new Option<string>("--id") { Description = "The caller's id.", Required = true };
        var role = new Option<string>("--role") { Description = "agent or executor.", DefaultValueFactory = _ => "agent" };
        role.AcceptOnlyFromAmong("agent", "executor");
        var owner = new Option<string?>("--owner") { Description = "The agent's owner." };
        var create = new Command("new", "Create a random API key; print it once, and the hashed entry for Identity:ApiKeys.") { id, role, owner };
        create.SetAction(parse =>
        {
            string key = Identity.ApiKeys.NewKey();
            console.Out.WriteLine($"key (give it to the caller; it is not stored):  {key}");
            console.Out.WriteLine("configuration (Identity:ApiKeys):");
            console.Out.WriteLine(JsonSerializer.Serialize(new
            {
                Id = parse.GetRequiredValue(id),
                Role = parse.GetRequiredValue(role),
                Owner = parse.GetValue(owner),
                KeyHash = ApprovalFunctions.Api.Identity.ApiKeyRing.Hash(key),
            }, Indented));
            return ExitCodes.Ok;
        });
        keys.Add(create);
        return keys;
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static async Task<string> ReadFileAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : throw new CliInputException($"{path}: no such file");

    private static IReadOnlyList<SecurityKey> LoadKeys(string path)
    {
        if (!File.Exists(path))
        {
            throw new CliInputException($"{path}: no such key file (pass --keys with a JWKS from GET /api/receipts/keys, or a PEM key)");
        }

        string text = File.ReadAllText(path);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return [Core.Receipts.ReceiptSigningKeys.FromPem(text).Public];
        }

        try
        {
            return [.. new JsonWebKeySet(text).GetSigningKeys()];
        }
        catch (ArgumentException ex)
        {
            throw new CliInputException($"{path}: not a JWKS or PEM key: {LogText.Sanitize(ex.Message, 120)}");
        }
    }

    /// <summary>Used receipt ids kept in a file, one per line (or in memory when no file is given).</summary>
    private sealed class LedgerRegistry(string? path) : IReceiptUseRegistry
    {
        private readonly InMemoryReceiptUseRegistry _memory = new();

        public bool TryMarkUsed(string receiptId, DateTimeOffset expiresAt, DateTimeOffset now)
        {
            if (path is null)
            {
                return _memory.TryMarkUsed(receiptId, expiresAt, now);
            }

            if (File.Exists(path) && File.ReadLines(path).Any(line => line.Split('\t')[0] == receiptId))
            {
                return false;
            }

            File.AppendAllText(path, $"{receiptId}\t{expiresAt:O}\n");
            return true;
        }
    }
}
