using System.Runtime.InteropServices;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Node.Getter;

/// <summary>
/// Small children of a placed collection download (≤ <see cref="MaxBytes"/>): each is verified in memory, written
/// to a temporary name in its directory and renamed to its final path (never over an existing entry); the files are
/// then made durable together (one <c>syncfs</c>) and recorded by the store's group-committed in-place import
/// (<see cref="IBlobStore.ImportFilesAsync"/>), one batch at a time in the background while the download goes on.
/// A file whose import hash differs from the link (changed under us) fails the download naming the file.
/// </summary>
internal sealed class PlacedFileBatch
{
    /// <summary>Children up to this size take the batched path (their outboard fits the store's inline limit).</summary>
    public const long MaxBytes = 4 << 20;

    private const int MaxFiles = 1000;
    private const long MaxBatchBytes = 64 << 20;
    private readonly IBlobStore _store;
    private readonly DirectoryPlacement _placement;
    private readonly List<(string Path, Hash Hash)> _pending = [];
    private long _pendingBytes;
    private Task _previous = Task.CompletedTask;

    public PlacedFileBatch(IBlobStore store, DirectoryPlacement placement)
    {
        _store = store;
        _placement = placement;
    }

    /// <summary>Writes verified <paramref name="data"/> to <paramref name="path"/> (temporary name, then rename) and queues it.</summary>
    /// <exception cref="IOException">The path exists (it is never overwritten) or cannot be written.</exception>
    public async ValueTask AddAsync(string path, Hash hash, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var temp = BlobPlacement.TemporaryPath(path);
        // A new file, not a truncated one: ext4 flushes a truncated-and-rewritten file on close (auto_da_alloc).
        SafeFileHandleWithRetry(temp, data.Span);
        File.Move(temp, path, overwrite: false);
        _pending.Add((path, hash));
        _pendingBytes += data.Length;
        if (_pending.Count >= MaxFiles || _pendingBytes >= MaxBatchBytes)
            await FlushAsync(wait: false, cancellationToken).ConfigureAwait(false);
    }

    private static void SafeFileHandleWithRetry(string temp, ReadOnlySpan<byte> data)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (IOException) when (File.Exists(temp))
        {
            // Left by an interrupted run (the temporary name is ours): start it over.
            File.Delete(temp);
            handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
        }
        using (handle)
            if (!data.IsEmpty)
                RandomAccess.Write(handle, data, 0);
    }

    /// <summary>
    /// Hands the pending files to the store; batches are committed one after another in the background (a
    /// <c>syncfs</c> can take a while when much is dirty) and the download waits only when
    /// <see cref="MaxInFlight"/> batches are queued, or, with <paramref name="wait"/>, for all of them.
    /// </summary>
    public async Task FlushAsync(bool wait, CancellationToken cancellationToken)
    {
        if (_pending.Count > 0)
        {
            var batch = _pending.ToArray();
            _pending.Clear();
            _pendingBytes = 0;
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            var previous = _previous;
            _previous = Task.Run(async () =>
            {
                try
                {
                    await previous.ConfigureAwait(false);
                    await CommitAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _slots.Release();
                }
            }, CancellationToken.None);
        }
        if (wait)
            await _previous.ConfigureAwait(false);
        else if (_previous.IsFaulted)
            await _previous.ConfigureAwait(false);
    }

    /// <summary>Batches queued or committing at most, before the download waits.</summary>
    private const int MaxInFlight = 4;

    private readonly SemaphoreSlim _slots = new(MaxInFlight, MaxInFlight);

    private async Task CommitAsync((string Path, Hash Hash)[] batch, CancellationToken cancellationToken)
    {
        SyncFileSystem(Path.GetDirectoryName(batch[0].Path)!);
        var results = await _store.ImportFilesAsync(batch.Select(b => b.Path).ToArray(), ImportMode.InPlace, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Length; i++)
        {
            using var result = results[i];
            if (result.Hash != batch[i].Hash)
                throw new IOException($"{batch[i].Path} changed while it was received: it hashes to {result.Hash.ToHex()}, the collection says {batch[i].Hash.ToHex()}");
            _placement.MarkPlaced(batch[i].Path, known: true);
        }
    }

    /// <summary>Makes every file written so far on the file system of <paramref name="directory"/> durable (Linux <c>syncfs</c>; elsewhere nothing).</summary>
    private static void SyncFileSystem(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fd = Open(directory, 0);
        if (fd < 0)
            throw new IOException($"cannot open {directory} to sync its file system (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (SyncFs(fd) != 0)
                throw new IOException($"syncfs on {directory} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFs(int fd);
}
