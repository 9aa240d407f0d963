using System.Text.Json.Nodes;

namespace ApprovalFunctions.Client;

/// <summary>
/// An <see cref="IGateState"/> in a small JSON file, so that a gate (the MCP proxy) restarted between an approval and
/// the call neither loses nor doubles it: each change is written to a temporary file and moved over the old one.
/// Spent receipts are forgotten once expired. One process per file.
/// </summary>
public sealed class FileGateState : IGateState
{
    private readonly string _path;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _spent = new(StringComparer.Ordinal);

    /// <summary>Opens (or starts) the state in <paramref name="path"/>.</summary>
    public FileGateState(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
        if (!File.Exists(_path))
        {
            return;
        }

        JsonObject saved = JsonNode.Parse(File.ReadAllText(_path))?.AsObject() ?? throw new InvalidDataException($"{_path} is not a gate state.");
        foreach ((string call, JsonNode? key) in saved["keys"]?.AsObject() ?? [])
        {
            _keys[call] = key!.GetValue<string>();
        }

        foreach ((string receipt, JsonNode? until) in saved["spent"]?.AsObject() ?? [])
        {
            _spent[receipt] = DateTimeOffset.Parse(until!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc />
    public string CurrentKey(string call)
    {
        lock (_gate)
        {
            return _keys.TryGetValue(call, out string? key) ? key : call;
        }
    }

    /// <inheritdoc />
    public void Advance(string call, string spent, string next)
    {
        lock (_gate)
        {
            if (CurrentKey(call) == spent)
            {
                _keys[call] = next;
                Save();
            }
        }
    }

    /// <inheritdoc />
    public bool TryMarkUsed(string receiptId, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        lock (_gate)
        {
            foreach (string expired in _spent.Where(s => s.Value < now).Select(s => s.Key).ToList())
            {
                _spent.Remove(expired);
            }

            if (!_spent.TryAdd(receiptId, expiresAt))
            {
                return false;
            }

            Save();
            return true;
        }
    }

    private void Save()
    {
        var state = new JsonObject
        {
            ["keys"] = new JsonObject([.. _keys.Select(k => new KeyValuePair<string, JsonNode?>(k.Key, k.Value))]),
            ["spent"] = new JsonObject([.. _spent.Select(s => new KeyValuePair<string, JsonNode?>(s.Key, s.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture)))]),
        };
        string temporary = _path + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        File.WriteAllText(temporary, state.ToJsonString());
        File.Move(temporary, _path, overwrite: true);
    }
}
