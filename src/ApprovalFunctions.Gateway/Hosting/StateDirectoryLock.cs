namespace ApprovalFunctions.Gateway.Hosting;

/// <summary>
/// One gateway per state directory: the runner assumes it is the only writer of its database and audit files. The lock is
/// an exclusively opened file, which the operating system releases when the process dies, however it dies.
/// </summary>
internal sealed class StateDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private StateDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or throws <see cref="IOException"/> naming the directory when another gateway holds it.</summary>
    public static StateDirectoryLock Acquire(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        string path = Path.Combine(stateDirectory, "gateway.lock");
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true))
            {
                writer.Write(Environment.ProcessId);
            }

            file.Flush();
            return new StateDirectoryLock(file);
        }
        catch (IOException ex)
        {
            throw new IOException($"Another gateway is already running with the state directory {stateDirectory} ({path} is locked).", ex);
        }
    }

    public void Dispose() => _file.Dispose();
}
