using System.Buffers.Binary;
using IrohActors.Blake3;

namespace IrohActors.Node.Getter;

/// <summary>
/// Makes writing small received files straight to their final names crash safe without a rename per file: before a
/// child's file is created, a durable high-water mark in <c>.iroh-receive-&lt;root&gt;</c> (in the target directory)
/// says that children below it may have been created by this receive. A resumed receive may then replace such a
/// file when its content is wrong (a crash left it empty or short: its bytes were not yet synced), and still refuses
/// every other existing file. The mark moves ahead in steps of <see cref="Step"/> children, so it costs one
/// <c>fsync</c> per step, made in the background half a step early: the decoding thread waits for the disk only if
/// it catches up with the durable mark. The journal is deleted when the receive completes.
/// </summary>
internal sealed class PlacementJournal : IDisposable
{
    /// <summary>How far ahead of the child being written the mark is moved.</summary>
    public const ulong Step = 4096;

    private readonly FileStream _file;
    private readonly byte[] _record = new byte[8];

    private PlacementJournal(string path, FileStream file, ulong mark)
    {
        Path = path;
        _file = file;
        Mark = mark;
    }

    /// <summary>The journal file.</summary>
    public string Path { get; }

    /// <summary>Children with a smaller index may have been created by this receive (possibly incomplete after a crash); durable.</summary>
    public ulong Mark
    {
        get => Volatile.Read(ref _mark);
        private set => Volatile.Write(ref _mark, value);
    }

    private ulong _mark;

    // The next mark being made durable in the background (at most one at a time), or null.
    private Task? _ahead;

    /// <summary>The journal path of a receive of <paramref name="root"/> into <paramref name="targetDirectory"/>.</summary>
    public static string PathFor(string targetDirectory, Hash root) => System.IO.Path.Combine(targetDirectory, $".iroh-receive-{root.ToHex()}");

    /// <summary>The mark an interrupted earlier receive left (0 when there is no journal).</summary>
    public static ulong ReadMark(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Span<byte> record = stackalloc byte[8];
            return file.Read(record) == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(record) : 0;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Opens (or creates, durably) the journal at <paramref name="path"/>, keeping the mark it holds.</summary>
    public static PlacementJournal Open(string path)
    {
        var mark = ReadMark(path);
        var created = !File.Exists(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1);
        var journal = new PlacementJournal(path, file, mark);
        if (created)
        {
            journal.Persist(mark);
            // The new name must be durable before any file it covers is.
            SyncDirectory(System.IO.Path.GetDirectoryName(path)!);
        }
        return journal;
    }

    /// <summary>
    /// Ensures the mark is above <paramref name="index"/> (durable before the call returns); from half a step below the
    /// mark on, the next step is made durable in the background. Called by one thread at a time, with rising indexes.
    /// </summary>
    /// <exception cref="IOException">The journal cannot be written (also a failed background write, reported here).</exception>
    public void Cover(ulong index)
    {
        // A finished background step is collected, so the next one can start early too (a failure is reported here).
        if (_ahead is { IsCompleted: true } done)
        {
            _ahead = null;
            done.GetAwaiter().GetResult();
        }
        var mark = Mark;
        if (index < mark)
        {
            if (_ahead is null && index >= mark - Math.Min(mark, Step / 2))
            {
                var next = mark + Step;
                // A thread of its own: the fsync blocks, and the pool runs the decoder.
                _ahead = Task.Factory.StartNew(() => Persist(next), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            return;
        }
        if (_ahead is { } ahead)
        {
            _ahead = null;
            ahead.GetAwaiter().GetResult();
            if (index < Mark)
                return;
        }
        Persist(index + Step);
    }

    // The mark only grows: a larger one is durable before any file it is needed for is created.
    private void Persist(ulong mark)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_record, mark);
        RandomAccess.Write(_file.SafeFileHandle, _record, 0);
        _file.Flush(flushToDisk: true);
        Mark = mark;
    }

    /// <summary>Closes and deletes the journal (the receive is complete: every file in place is durable and recorded).</summary>
    public void Complete()
    {
        WaitAhead();
        _file.Dispose();
        File.Delete(Path);
    }

    /// <summary>Closes the journal, keeping it for the next run.</summary>
    public void Dispose()
    {
        WaitAhead();
        _file.Dispose();
    }

    // A background write still running must end before the file closes (its failure no longer matters: no file needs it).
    private void WaitAhead()
    {
        if (_ahead is { } ahead)
        {
            _ahead = null;
            try
            {
                ahead.GetAwaiter().GetResult();
            }
            catch (IOException)
            {
            }
        }
    }

    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        LibC.OnDescriptor(directory, LibC.Fsync, "fsync");
    }
}
