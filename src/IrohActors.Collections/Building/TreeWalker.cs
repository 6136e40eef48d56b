using System.Runtime.InteropServices;
using System.Text;

namespace IrohActors.Collections;

/// <summary>
/// Lists the files of a directory tree as a collection names them: every regular file, with its path and its name
/// relative to the root (<c>/</c> separators). Everything else is reported as a <see cref="SkippedEntry"/> and left
/// out: symbolic links (never followed), named pipes, sockets and devices (reading a pipe waits for a writer, a device
/// may never end), names that are not UTF-8 (.NET cannot open them), and names with a backslash or a control character
/// (every receiver's export refuses them). <see cref="DirectoryLinks"/> and the node's
/// directory import both walk with it. On Linux the entry types come from the directory listing itself
/// (<c>readdir</c>'s <c>d_type</c>): no <c>lstat</c> and no <c>readlink</c> per entry, which over the kernel tree's
/// 84,000 entries saved ~0.4 s of CPU. Elsewhere only symbolic links are told apart.
/// </summary>
public static unsafe partial class TreeWalker
{
    // readdir's d_type, which is also statx's (mode >> 12).
    private const byte DtUnknown = 0;
    private const byte DtFifo = 1;
    private const byte DtChr = 2;
    private const byte DtDir = 4;
    private const byte DtBlk = 6;
    private const byte DtReg = 8;
    private const byte DtLnk = 10;
    private const byte DtSock = 12;

    /// <summary>The files under <paramref name="root"/>, each directory's files together (order otherwise unspecified).</summary>
    /// <param name="root">The directory to walk.</param>
    /// <param name="onSkipped">Called with every entry left out (see above), on the caller's thread; may be null.</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    /// <exception cref="UnauthorizedAccessException">A directory cannot be read (named in the message).</exception>
    /// <exception cref="DirectoryNotFoundException">A directory vanished during the walk.</exception>
    public static List<(string Path, string Name)> Walk(string root, Action<SkippedEntry>? onSkipped, CancellationToken cancellationToken)
    {
        var files = new List<(string Path, string Name)>();
        if (OperatingSystem.IsLinux())
            WalkNative(root, onSkipped, files, cancellationToken);
        else
            WalkManaged(root, onSkipped, files, cancellationToken);
        return files;
    }

    /// <summary>Directories listed at once at most (the caller's thread and helpers).</summary>
    private const int MaxListers = 8;

    /// <summary>
    /// Lists directories on several threads once more than one is waiting: a directory that is not in the cache is a
    /// synchronous read from the device, and one lister leaves the device idle between them (the kernel tree's 5,096
    /// directories took 0.6 s cold on one thread). Each directory's files stay together in the list.
    /// </summary>
    private static void WalkNative(string root, Action<SkippedEntry>? onSkipped, List<(string Path, string Name)> files, CancellationToken cancellationToken)
    {
        var walk = new NativeWalk(files, cancellationToken);
        walk.Run(Path.TrimEndingDirectorySeparator(root), Math.Min(MaxListers, 4 * Environment.ProcessorCount));
        // On the caller's thread, in no particular order, after the walk: callers need not be thread-safe.
        foreach (var entry in walk.Skipped)
            onSkipped?.Invoke(entry);
    }

    /// <summary>The shared state of one native walk: directories still to list, what was found, the first error.</summary>
    private sealed class NativeWalk(List<(string Path, string Name)> files, CancellationToken cancellationToken)
    {
        private readonly object _gate = new();
        private readonly Stack<(string Dir, string Prefix)> _pending = new();
        private readonly List<Thread> _helpers = [];
        private int _maxListers = 1;
        private int _listing;
        private Exception? _failure;

        public List<SkippedEntry> Skipped { get; } = [];

        public void Run(string root, int listers)
        {
            _maxListers = listers;
            _pending.Push((root, ""));
            Lister();
            // Once the caller's lister is done, every directory is listed (or the walk failed): no helper starts another.
            List<Thread> helpers;
            lock (_gate)
                helpers = [.. _helpers];
            foreach (var helper in helpers)
                helper.Join();
            if (_failure is not null)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure);
            cancellationToken.ThrowIfCancellationRequested();
        }

        private void Lister()
        {
            var found = new List<(string Path, string Name)>();
            var subdirectories = new List<(string Dir, string Prefix)>();
            var skipped = new List<SkippedEntry>();
            while (true)
            {
                (string Dir, string Prefix) current;
                lock (_gate)
                {
                    // Another lister may still push subdirectories: wait for them, or for the last lister to finish.
                    while (_pending.Count == 0 && _listing > 0 && _failure is null && !cancellationToken.IsCancellationRequested)
                        Monitor.Wait(_gate);
                    if (_failure is not null || cancellationToken.IsCancellationRequested || _pending.Count == 0)
                    {
                        Monitor.PulseAll(_gate);
                        return;
                    }
                    current = _pending.Pop();
                    _listing++;
                }
                Exception? error = null;
                try
                {
                    List(current.Dir, current.Prefix, found, subdirectories, skipped);
                }
                catch (Exception e)
                {
                    error = e;
                }
                lock (_gate)
                {
                    _listing--;
                    if (error is not null)
                        _failure ??= error;
                    files.AddRange(found);
                    foreach (var subdirectory in subdirectories)
                        _pending.Push(subdirectory);
                    Skipped.AddRange(skipped);
                    // Directories waiting for a lister: one more helper, up to the limit (a tree of one directory starts none).
                    if (_pending.Count > 1 && 1 + _helpers.Count < _maxListers)
                    {
                        var helper = new Thread(Lister) { IsBackground = true, Name = "tree walk" };
                        _helpers.Add(helper);
                        helper.Start();
                    }
                    Monitor.PulseAll(_gate);
                }
                found.Clear();
                subdirectories.Clear();
                skipped.Clear();
                if (error is not null)
                    return;
            }
        }

        private static void List(string directory, string prefix, List<(string Path, string Name)> found, List<(string Dir, string Prefix)> subdirectories, List<SkippedEntry> skipped)
        {
            var dir = OpenDir(directory);
            if (dir == 0)
                throw DirectoryError(directory, Marshal.GetLastPInvokeError());
            try
            {
                while (true)
                {
                    Marshal.SetLastPInvokeError(0);
                    var entry = ReadDir(dir);
                    if (entry == null)
                    {
                        var errno = Marshal.GetLastPInvokeError();
                        if (errno != 0)
                            throw DirectoryError(directory, errno);
                        return;
                    }
                    var nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry->Name);
                    if (nameBytes.SequenceEqual("."u8) || nameBytes.SequenceEqual(".."u8))
                        continue;
                    var type = entry->Type;
                    // A name that is not UTF-8 cannot even be opened (a .NET path is a string); one with a backslash or a
                    // control character every receiver's export refuses, and with it the whole collection.
                    SkippedKind? badName = !System.Text.Unicode.Utf8.IsValid(nameBytes) ? SkippedKind.NameNotUtf8
                        : LinkName.HasRefusedByte(nameBytes) ? SkippedKind.UnsafeName : null;
                    if (badName is { } kind)
                    {
                        skipped.Add(new SkippedEntry(prefix + LinkName.Escape(nameBytes) + (type == DtDir ? "/" : ""), kind));
                        continue;
                    }
                    var fileName = Encoding.UTF8.GetString(nameBytes);
                    var path = directory + "/" + fileName;
                    var name = prefix + fileName;
                    if (type == DtUnknown)
                        type = TypeOf(path);
                    switch (type)
                    {
                        case DtReg:
                            found.Add((path, name));
                            break;
                        case DtDir:
                            subdirectories.Add((path, name + "/"));
                            break;
                        case DtLnk:
                            skipped.Add(new SkippedEntry(name, SkippedKind.SymbolicLink));
                            break;
                        case DtFifo:
                            skipped.Add(new SkippedEntry(name, SkippedKind.NamedPipe));
                            break;
                        case DtSock:
                            skipped.Add(new SkippedEntry(name, SkippedKind.Socket));
                            break;
                        case DtChr or DtBlk:
                            skipped.Add(new SkippedEntry(name, SkippedKind.Device));
                            break;
                        default:
                            // A type this walk does not know (none on Linux today): not a regular file, so not content.
                            throw new IOException($"{path}: not a regular file, a directory or a link (type {type})");
                    }
                }
            }
            finally
            {
                _ = CloseDir(dir);
            }
        }
    }

    /// <summary>Any platform: the same walk through <see cref="DirectoryInfo"/> (an <c>lstat</c> and a link check per entry).</summary>
    private static void WalkManaged(string root, Action<SkippedEntry>? onSkipped, List<(string Path, string Name)> files, CancellationToken cancellationToken)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 };
        var pending = new Stack<(DirectoryInfo Dir, string Prefix)>();
        pending.Push((new DirectoryInfo(root), ""));
        while (pending.TryPop(out var current))
        {
            foreach (var entry in current.Dir.EnumerateFileSystemInfos("*", options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = current.Prefix + entry.Name;
                if (entry.LinkTarget is not null)
                    onSkipped?.Invoke(new SkippedEntry(name, SkippedKind.SymbolicLink));
                else if (entry is DirectoryInfo dir)
                    pending.Push((dir, name + "/"));
                else
                    files.Add((entry.FullName, name));
            }
        }
    }

    private static Exception DirectoryError(string dir, int errno) => errno switch
    {
        2 or 20 => new DirectoryNotFoundException($"Could not find a part of the path '{dir}'."),
        1 or 13 => new UnauthorizedAccessException($"Access to the path '{dir}' is denied."),
        _ => new IOException($"{dir}: reading the directory failed: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    /// <summary>
    /// The type of the entry at <paramref name="path"/>, links not followed (<c>statx</c>, whose layout is the same on
    /// every Linux architecture), for file systems whose listings leave <c>d_type</c> unknown.
    /// </summary>
    private static byte TypeOf(string path)
    {
        const int AtFdCwd = -100;
        const int AtSymlinkNoFollow = 0x100;
        const uint StatxType = 0x1;
        const int ModeOffset = 28;
        var buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
            throw DirectoryError(path, Marshal.GetLastPInvokeError());
        return (byte)((*(ushort*)(buffer + ModeOffset) >> 12) & 0xF);
    }

    /// <summary><c>struct dirent64</c> (the same on every 64-bit Linux), up to the start of the name.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct DirEnt
    {
        public ulong Inode;
        public long Offset;
        public ushort RecordLength;
        public byte Type;
        public fixed byte Name[1];
    }

    [LibraryImport("libc", EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial nint OpenDir(string path);

    [LibraryImport("libc", EntryPoint = "readdir64", SetLastError = true)]
    private static partial DirEnt* ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDir(nint dir);
}
