using ApprovalFunctions.Core.Policy;

namespace ApprovalFunctions.Gateway.Policies;

/// <summary>
/// Reads policy sets from disk. A directory is one set: its <c>*.yaml</c>, <c>*.yml</c> and <c>*.json</c> files
/// (not subdirectories, not <c>*.tests.*</c>); a single file is a set of one.
/// </summary>
internal static class PolicyFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static bool IsTestFile(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        return name.EndsWith(".tests", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The policy files of <paramref name="path"/>; throws <see cref="FileNotFoundException"/> when it does not exist.</summary>
    public static IReadOnlyList<PolicySource> ReadSet(string path)
    {
        if (File.Exists(path))
        {
            return [new PolicySource(path, File.ReadAllText(path))];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or directory", path);
        }

        return Files(path).Where(f => !IsTestFile(f)).Select(f => new PolicySource(f, File.ReadAllText(f))).ToList();
    }

    /// <summary>The <c>*.tests.yaml</c> (and .yml/.json) files of a directory, or the file itself.</summary>
    public static IReadOnlyList<PolicySource> ReadTests(string path)
    {
        if (File.Exists(path))
        {
            return [new PolicySource(path, File.ReadAllText(path))];
        }

        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or directory", path);
        }

        return Files(path).Where(IsTestFile).Select(f => new PolicySource(f, File.ReadAllText(f))).ToList();
    }

    private static IEnumerable<string> Files(string directory) =>
        Directory.EnumerateFiles(directory)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
}
