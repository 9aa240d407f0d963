using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ApprovalFunctions.Core.Policy.Source;

/// <summary>Reads YAML (<c>.yaml</c>, <c>.yml</c>) or JSON (<c>.json</c>) text into a <see cref="SourceNode"/> tree.</summary>
internal static class SourceReader
{
    public static bool IsJson(string path) => path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads one document; problems are added to <paramref name="diagnostics"/> and null is returned.</summary>
    public static SourceNode? Read(string path, string text, List<PolicyDiagnostic> diagnostics) =>
        IsJson(path) ? ReadJson(path, text, diagnostics) : ReadYaml(path, text, diagnostics);

    private static SourceNode? ReadYaml(string path, string text, List<PolicyDiagnostic> diagnostics)
    {
        try
        {
            var parser = new Parser(new StringReader(text));
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                diagnostics.Add(new(new SourcePosition(path, 1, 1), "the file is empty"));
                return null;
            }

            parser.Consume<DocumentStart>();
            SourceNode root = ReadYamlNode(path, parser);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out DocumentStart? second))
            {
                diagnostics.Add(new(Position(path, second.Start), "a policy file holds one YAML document; found a second"));
                return null;
            }

            return root;
        }
        catch (DuplicateKeyException ex)
        {
            diagnostics.Add(new(ex.Position, ex.Message));
            return null;
        }
        catch (YamlException ex)
        {
            diagnostics.Add(new(Position(path, ex.Start), "invalid YAML: " + LogText.Sanitize(FirstLine(ex.Message), 200)));
            return null;
        }
    }

    private static SourceNode ReadYamlNode(string path, IParser parser)
    {
        ParsingEvent current = parser.Current ?? throw new YamlException("unexpected end of document");
        switch (current)
        {
            case Scalar scalar:
                parser.MoveNext();
                SourcePosition at = Position(path, scalar.Start);
                return scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty
                    ? ScalarNode.FromYamlPlain(at, scalar.Value)
                    : new ScalarNode(at, ScalarKind.String, scalar.Value);
            case SequenceStart sequenceStart:
            {
                parser.MoveNext();
                var items = new List<SourceNode>();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    items.Add(ReadYamlNode(path, parser));
                }

                return new SeqNode(Position(path, sequenceStart.Start), items);
            }

            case MappingStart mappingStart:
            {
                parser.MoveNext();
                var entries = new List<KeyValuePair<ScalarNode, SourceNode>>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    SourceNode keyNode = ReadYamlNode(path, parser);
                    if (keyNode is not ScalarNode key)
                    {
                        throw new YamlException(parser.Current!.Start, parser.Current.End, "mapping keys must be plain strings");
                    }

                    var stringKey = new ScalarNode(key.Position, ScalarKind.String, key.Text);
                    if (!seen.Add(key.Text))
                    {
                        throw new DuplicateKeyException(key.Position, $"duplicate key {LogText.Quote(key.Text)}");
                    }

                    entries.Add(new(stringKey, ReadYamlNode(path, parser)));
                }

                return new MapNode(Position(path, mappingStart.Start), entries);
            }

            case AnchorAlias alias:
                throw new YamlException(alias.Start, alias.End, "anchors and aliases are not supported in policy files");
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private static SourcePosition Position(string path, Mark mark) => new(path, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    private static string FirstLine(string message)
    {
        // YamlDotNet prefixes messages with "(Line: n, Col: m, Idx: i) - (Line: …): "; the position is reported separately.
        int cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        string rest = cut >= 0 ? message[(cut + 3)..] : message;
        int newline = rest.IndexOf('\n', StringComparison.Ordinal);
        return newline >= 0 ? rest[..newline] : rest;
    }

    private static SourceNode? ReadJson(string path, string text, List<PolicyDiagnostic> diagnostics)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        var lines = new LineIndex(utf8);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 128 });
        try
        {
            if (!reader.Read())
            {
                diagnostics.Add(new(new SourcePosition(path, 1, 1), "the file is empty"));
                return null;
            }

            SourceNode root = ReadJsonNode(path, ref reader, lines);
            if (reader.Read())
            {
                diagnostics.Add(new(lines.Position(path, reader.TokenStartIndex), "unexpected content after the JSON document"));
                return null;
            }

            return root;
        }
        catch (DuplicateKeyException ex)
        {
            diagnostics.Add(new(ex.Position, ex.Message));
            return null;
        }
        catch (JsonException ex)
        {
            string message = ex.Message;
            int cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            message = cut >= 0 ? message[..cut] : message;
            var at = new SourcePosition(path, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1);
            diagnostics.Add(new(at, "invalid JSON: " + LogText.Sanitize(message, 200)));
            return null;
        }
    }

    private static SourceNode ReadJsonNode(string path, ref Utf8JsonReader reader, LineIndex lines)
    {
        SourcePosition at = lines.Position(path, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var entries = new List<KeyValuePair<ScalarNode, SourceNode>>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    SourcePosition keyAt = lines.Position(path, reader.TokenStartIndex);
                    string name = reader.GetString()!;
                    if (!seen.Add(name))
                    {
                        throw new DuplicateKeyException(keyAt, $"duplicate key {LogText.Quote(name)}");
                    }

                    reader.Read();
                    entries.Add(new(new ScalarNode(keyAt, ScalarKind.String, name), ReadJsonNode(path, ref reader, lines)));
                }

                return new MapNode(at, entries);
            }

            case JsonTokenType.StartArray:
            {
                var items = new List<SourceNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadJsonNode(path, ref reader, lines));
                }

                return new SeqNode(at, items);
            }

            case JsonTokenType.String:
                return new ScalarNode(at, ScalarKind.String, reader.GetString()!);
            case JsonTokenType.Number:
                double number = reader.GetDouble();
                if (!double.IsFinite(number))
                {
                    throw new JsonException("a number is out of range");
                }

                return new ScalarNode(at, ScalarKind.Number, Encoding.UTF8.GetString(reader.ValueSpan), number);
            case JsonTokenType.True:
                return new ScalarNode(at, ScalarKind.Boolean, "true", boolean: true);
            case JsonTokenType.False:
                return new ScalarNode(at, ScalarKind.Boolean, "false", boolean: false);
            default:
                return new ScalarNode(at, ScalarKind.Null, "null");
        }
    }

    private sealed class DuplicateKeyException(SourcePosition position, string message) : Exception(message)
    {
        public SourcePosition Position { get; } = position;
    }

    /// <summary>Maps byte offsets to 1-based line and column.</summary>
    private sealed class LineIndex
    {
        private readonly List<int> _starts = [0];

        public LineIndex(byte[] utf8)
        {
            for (int i = 0; i < utf8.Length; i++)
            {
                if (utf8[i] == (byte)'\n')
                {
                    _starts.Add(i + 1);
                }
            }
        }

        public SourcePosition Position(string path, long offset)
        {
            int line = _starts.BinarySearch((int)offset);
            if (line < 0)
            {
                line = ~line - 1;
            }

            return new SourcePosition(path, line + 1, (int)offset - _starts[line] + 1);
        }
    }
}
