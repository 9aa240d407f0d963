using System.Text;

namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>Key files the gateway generates: created exclusively, readable by the owner only from the first byte.</summary>
internal static class SecretFiles
{
    /// <summary>Creates <paramref name="path"/> with <paramref name="contents"/>; fails if it exists (another process won the race).</summary>
    public static void Create(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(contents));
    }
}
