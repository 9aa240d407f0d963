using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Runtime.InteropServices;
using System.Text.Json;
using ApprovalFunctions.Core.Json;
using ApprovalFunctions.Core.Actions;
using ApprovalFunctions.Core.Masking.Detectors;
using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Core.Masking;

/// <summary>
/// Builds the <see cref="ReviewerView"/> of an action: paths named by policy rules and configuration are hidden whole,
/// strings under secret-like property names are hidden, and every remaining string is scanned for personal data and
/// secrets. The masker is the only way to make a reviewer view. Thread-safe.
/// </summary>
public sealed class Masker
{
    private static readonly string[] SecretNameSuffixes =
    [
        "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "accesskey", "secretkey", "privatekey",
        "accountkey", "sharedaccesskey", "signingkey", "connectionstring", "credential", "credentials", "sastoken", "pin", "cvv", "cvc",
    ];

    private readonly MaskingOptions _options;
    private readonly TextScanner _scanner;

    /// <summary>Creates a masker with the given configuration (validated here).</summary>
    public Masker(MaskingOptions? options = null)
    {
        _options = (options ?? new MaskingOptions()).Validate();
        _scanner = TextScanner.Default;
    }

    /// <summary>Masks <paramref name="action"/> as <paramref name="decision"/> and the configuration require.</summary>
    /// <param name="action">The validated action.</param>
    /// <param name="decision">The policy decision (its mask paths apply); null when there is none, as in <c>approvals mask</c> without a policy.</param>
    /// <param name="agent">The calling agent, shown to approvers (its strings are scanned too).</param>
    public ReviewerView Mask(ActionRequest action, PolicyDecision? decision, AgentIdentity? agent = null)
    {
        Check.NotNull(action);
        var run = new Run(_scanner, Paths(action, decision));
        // Masked output is about as long as the input: size the buffer once and hand the view a slice of it.
        var buffer = new PresizedBufferWriter(JsonMarshal.GetRawUtf8Value(action.Document).Length + 512);
        // Relaxed escaping keeps the view readable (+, &, non-ASCII); anything that embeds it in HTML escapes for HTML itself.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            run.WriteRoot(action.Document, writer);
        }

        ReadOnlyMemory<byte> masked = buffer.WrittenMemory;
        string? agentId = agent is null ? null : run.ScanDetached(agent.Id, "agent.id");
        string? agentOwner = agent?.Owner is null ? null : run.ScanDetached(agent.Owner, "agent.owner");
        return new ReviewerView(masked, action.Digest, run.Items, agentId, agentOwner, decision is null ? null : PolicyDecisionSummary.From(decision));
    }

    private List<MaskPath> Paths(ActionRequest action, PolicyDecision? decision)
    {
        var paths = new List<MaskPath>();
        if (decision is not null)
        {
            foreach (string path in decision.Mask)
            {
                IReadOnlyList<string> rules = decision.RulesMasking(path);
                string source = rules.Count == 0 ? "policy" : string.Join(", ", rules.Select(r => r == "defaults" ? "defaults" : "rule:" + r));
                paths.Add(MaskPath.Parse(path, source));
            }
        }

        foreach (string label in action.Data?.Classification ?? [])
        {
            if (_options.Classifications.TryGetValue(label, out List<string>? configured))
            {
                paths.AddRange(configured.Select(p => MaskPath.Parse(p, "classification:" + label.ToLowerInvariant())));
            }
        }

        return paths;
    }

    /// <summary>True when the name ends, ignoring case and <c>_ - .</c>, with a secret-like word (password, clientSecret, apiKey…).</summary>
    private static bool IsSecretName(ReadOnlySpan<byte> utf8Name)
    {
        Span<char> tail = stackalloc char[24];
        int n = 0;
        for (int i = utf8Name.Length - 1; i >= 0 && n < tail.Length; i--)
        {
            byte b = utf8Name[i];
            if (b is not ((byte)'_' or (byte)'-' or (byte)'.'))
            {
                tail[tail.Length - 1 - n++] = b < 0x80 ? char.ToLowerInvariant((char)b) : '\uFFFD';
            }
        }

        ReadOnlySpan<char> key = tail[(tail.Length - n)..];
        foreach (string suffix in SecretNameSuffixes)
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>One masking pass: the active mask-path states per level and the items found.</summary>
    private sealed class Run(TextScanner scanner, List<MaskPath> paths)
    {
        private static readonly List<int> None = [];
        private static readonly Dictionary<string, string> DetectorSources = new(StringComparer.Ordinal);

        private readonly List<(JsonProperty? Property, int Index)> _path = [];
        private readonly List<Finding> _findings = [];

        public List<MaskedItem> Items { get; } = [];

        public void WriteRoot(JsonElement document, Utf8JsonWriter writer)
        {
            var states = new List<int>(paths.Count);
            for (int p = 0; p < paths.Count; p++)
            {
                states.Add(p << 8);
            }

            WriteValue(document, writer, states, matched: null, secretName: false);
        }

        public string ScanDetached(string text, string path)
        {
            if (!scanner.Find(text, _findings))
            {
                return text;
            }

            foreach (Finding finding in _findings)
            {
                Items.Add(new MaskedItem(path, finding.Kind, Source(finding.Kind)));
            }

            return TextScanner.Apply(text, _findings);
        }

        private void WriteValue(JsonElement element, Utf8JsonWriter writer, List<int> states, MaskPath? matched, bool secretName)
        {
            if (matched is not null)
            {
                writer.WriteStringValue(Placeholder(element));
                Items.Add(new MaskedItem(CurrentPath(), MaskKinds.Path, matched.Source));
                return;
            }

            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    writer.WriteStartObject();
                    foreach (JsonProperty property in element.EnumerateObject())
                    {
                        // The raw UTF-8 name avoids allocating a string per property; names with escapes take the slow path.
                        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(property);
                        bool escaped = raw.Contains((byte)'\\');
                        if (escaped)
                        {
                            writer.WritePropertyName(property.Name);
                        }
                        else
                        {
                            writer.WritePropertyName(raw);
                        }

                        _path.Add((property, -1));
                        MaskPath? hit = null;
                        List<int> next = states.Count == 0 ? None : Advance(states, property.Name, -1, out hit);
                        bool secret = escaped ? IsSecretName(Encoding.UTF8.GetBytes(property.Name)) : IsSecretName(raw);
                        WriteValue(property.Value, writer, next, hit, secret);
                        _path.RemoveAt(_path.Count - 1);
                    }

                    writer.WriteEndObject();
                    break;
                case JsonValueKind.Array:
                    writer.WriteStartArray();
                    int index = 0;
                    foreach (JsonElement item in element.EnumerateArray())
                    {
                        _path.Add((null, index));
                        List<int> next = Advance(states, null, index, out MaskPath? hit);
                        WriteValue(item, writer, next, hit, secretName);
                        _path.RemoveAt(_path.Count - 1);
                        index++;
                    }

                    writer.WriteEndArray();
                    break;
                case JsonValueKind.String when secretName:
                case JsonValueKind.Number when secretName:
                    writer.WriteStringValue("[secret]");
                    Items.Add(new MaskedItem(CurrentPath(), MaskKinds.SecretField, Source(MaskKinds.SecretField)));
                    break;
                case JsonValueKind.String:
                    string text = element.GetString()!;
                    if (!scanner.Find(text, _findings))
                    {
                        element.WriteTo(writer); // copies the original UTF-8
                        break;
                    }

                    string path = CurrentPath();
                    foreach (Finding finding in _findings)
                    {
                        Items.Add(new MaskedItem(path, finding.Kind, Source(finding.Kind)));
                    }

                    writer.WriteStringValue(TextScanner.Apply(text, _findings));
                    break;
                default:
                    element.WriteTo(writer);
                    break;
            }
        }

        private static string Source(string kind)
        {
            lock (DetectorSources)
            {
                if (!DetectorSources.TryGetValue(kind, out string? source))
                {
                    DetectorSources[kind] = source = "detector:" + kind;
                }

                return source;
            }
        }

        /// <summary>Moves every active path one segment forward; reports a path that is now complete.</summary>
        private List<int> Advance(List<int> states, string? name, int index, out MaskPath? hit)
        {
            hit = null;
            if (states.Count == 0)
            {
                return None;
            }

            List<int>? next = null;
            foreach (int state in states)
            {
                int p = state >> 8, s = state & 0xFF;
                MaskPath path = paths[p];
                bool accepts = name is not null ? path.AcceptsProperty(s, name) : path.AcceptsElement(s, index);
                if (!accepts)
                {
                    continue;
                }

                if (s + 1 == path.Segments.Length)
                {
                    hit ??= path;
                }
                else
                {
                    (next ??= []).Add((p << 8) | (s + 1));
                }
            }

            return next ?? None;
        }

        private string CurrentPath()
        {
            var sb = new StringBuilder(64);
            foreach ((JsonProperty? property, int index) in _path)
            {
                if (property is null)
                {
                    sb.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                }
                else
                {
                    if (sb.Length > 0)
                    {
                        sb.Append('.');
                    }

                    // Property names are the agent's; escape anything unprintable before it reaches a log or card.
                    string name = property.Value.Name;
                    sb.Append(IsPrintable(name) && name.Length <= 64 ? name : LogText.Sanitize(name, 64));
                }
            }

            return sb.ToString();
        }

        private static bool IsPrintable(string text)
        {
            foreach (char c in text)
            {
                if (c is < (char)0x20 or >= (char)0x7F)
                {
                    return false;
                }
            }

            return true;
        }

        private static string Placeholder(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => string.Create(CultureInfo.InvariantCulture, $"[masked: object with {element.EnumerateObject().Count()} field(s)]"),
            JsonValueKind.Array => string.Create(CultureInfo.InvariantCulture, $"[masked: {element.GetArrayLength()} item(s)]"),
            _ => "[masked]",
        };
    }
}
