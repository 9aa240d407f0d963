using ApprovalFunctions.Core;
using ApprovalFunctions.Core.Audit;
using ApprovalFunctions.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace ApprovalFunctions.Gateway.Audit;

/// <summary>A record already exists at the key with different content: the store was tampered with or is shared.</summary>
internal sealed class AuditConflictException(string key) : IOException($"An audit record with different content already exists at {key}.");

/// <summary>
/// Audit records on disk, one directory per region (unknown regions are refused). A record is written to a temporary
/// file and moved into place only if nothing is there yet, then made read-only: a retry never overwrites, a crash never
/// leaves a partial record under its real name.
/// </summary>
internal sealed class FileAuditStore
{
    private readonly Dictionary<string, string> _regions;
    private readonly bool _readOnly;

    public FileAuditStore(IOptions<AuditOptions> audit, IOptions<GatewayOptions> gateway)
    {
        string state = gateway.Value.StateDirectoryFullPath;
        _regions = audit.Value.Regions.ToDictionary(
            r => r.Key.ToLowerInvariant(),
            r => Path.GetFullPath(Path.IsPathRooted(r.Value) ? r.Value : Path.Combine(state, r.Value)),
            StringComparer.OrdinalIgnoreCase);
        _readOnly = audit.Value.ReadOnlyFiles;
    }

    public IReadOnlyDictionary<string, string> Regions => _regions;

    public bool HasRegion(string region) => _regions.ContainsKey(region);

    /// <summary>Creates the record at <paramref name="key"/> in <paramref name="region"/>'s store unless an identical one is there.</summary>
    public void Write(string region, string key, byte[] content)
    {
        string path = PathFor(region, key);
        if (File.Exists(path))
        {
            EnsureSame(path, key, content);
            return;
        }

        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Environment.ProcessId + "." + Environment.CurrentManagedThreadId + ".tmp");
        File.WriteAllBytes(temporary, content);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            EnsureSame(path, key, content);
            return;
        }

        if (_readOnly)
        {
            File.SetAttributes(path, FileAttributes.ReadOnly);
        }
    }

    /// <summary>Every stored record of a region (or of all regions), with its key relative to the region directory.</summary>
    public IEnumerable<AuditFile> ReadAll(string? region = null)
    {
        foreach ((string name, string directory) in _regions)
        {
            if (region is not null && !string.Equals(name, region, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (AuditFile file in ReadDirectory(directory))
            {
                yield return file;
            }
        }
    }

    /// <summary>The records of one action, in sequence order.</summary>
    public IReadOnlyList<AuditRecord> ReadAction(string region, DateTimeOffset receivedAt, string actionId)
    {
        string folder = Path.GetDirectoryName(PathFor(region, AuditKeys.For(receivedAt, actionId, 1, AuditRecordTypes.Received)))!;
        if (!Directory.Exists(folder))
        {
            return [];
        }

        return Directory.EnumerateFiles(folder, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(f => AuditRecord.Parse(File.ReadAllBytes(f)))
            .OrderBy(r => r.Sequence)
            .ToList();
    }

    /// <summary>Reads every <c>*.json</c> under <paramref name="directory"/> as audit files keyed by their relative path.</summary>
    public static IEnumerable<AuditFile> ReadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (string file in Directory.EnumerateFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).StartsWith('.'))
            {
                continue;
            }

            yield return new AuditFile(Path.GetRelativePath(directory, file).Replace('\\', '/'), File.ReadAllBytes(file));
        }
    }

    private string PathFor(string region, string key)
    {
        if (!_regions.TryGetValue(region, out string? directory))
        {
            throw new InvalidOperationException($"No audit store is configured for region {LogText.Quote(region)} (Audit:Regions).");
        }

        // Keys come from AuditKeys (action ids are validated), but never trust a path to stay inside its directory.
        string path = Path.GetFullPath(Path.Combine(directory, key));
        if (!path.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("An audit key escaped its region directory.");
        }

        return path;
    }

    private static void EnsureSame(string path, string key, byte[] content)
    {
        if (!File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            throw new AuditConflictException(key);
        }
    }
}
