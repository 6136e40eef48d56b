using System.Runtime.InteropServices;
using System.Text;

namespace IrohActors.Collections;

/// <summary>
/// Lists the files of a directory tree as a collection names them: every entry that is neither a directory nor a
/// symbolic link, with its path and its name relative to the root (<c>/</c> separators); symbolic links are
/// reported and not followed (<see cref="DirectoryLinks"/> and the node's directory import both walk with it). On Linux the entry types come from the directory listing itself (<c>readdir</c>'s <c>d_type</c>): no
/// <c>lstat</c> and no <c>readlink</c> per entry, which over the kernel tree's 84,000 entries saved ~0.4 s of CPU.
/// </summary>
public static unsafe partial class TreeWalker
{
    private const byte DtUnknown = 0;
    private const byte DtDir = 4;
    private const byte DtLnk = 10;

    /// <summary>The files under <paramref name="root"/>, depth first (order otherwise unspecified).</summary>
    /// <param name="root">The directory to walk.</param>
    /// <param name="onSkipped">Called with the relative name of every symbolic link skipped; may be null.</param>
    /// <param name="cancellationToken">Stops the walk.</param>
    /// <exception cref="UnauthorizedAccessException">A directory cannot be read (named in the message).</exception>
    /// <exception cref="DirectoryNotFoundException">A directory vanished during the walk.</exception>
    public static List<(string Path, string Name)> Walk(string root, Action<string>? onSkipped, CancellationToken cancellationToken)
    {
        var files = new List<(string Path, string Name)>();
        if (OperatingSystem.IsLinux())
            WalkNative(root, onSkipped, files, cancellationToken);
        else
            WalkManaged(root, onSkipped, files, cancellationToken);
        return files;
    }

    private static void WalkNative(string root, Action<string>? onSkipped, List<(string Path, string Name)> files, CancellationToken cancellationToken)
    {
        var pending = new Stack<(string Dir, string Prefix)>();
        pending.Push((Path.TrimEndingDirectorySeparator(root), ""));
        while (pending.TryPop(out var current))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var dir = OpenDir(current.Dir);
            if (dir == 0)
                throw DirectoryError(current.Dir, Marshal.GetLastPInvokeError());
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
                            throw DirectoryError(current.Dir, errno);
                        break;
                    }
                    var nameBytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(entry->Name);
                    if (nameBytes.SequenceEqual("."u8) || nameBytes.SequenceEqual(".."u8))
                        continue;
                    var fileName = Encoding.UTF8.GetString(nameBytes);
                    var path = current.Dir + "/" + fileName;
                    var name = current.Prefix + fileName;
                    var type = entry->Type;
                    if (type == DtUnknown)
                    {
                        // File systems that do not fill d_type: ask the inode (lstat, links not followed).
                        var attributes = File.GetAttributes(path);
                        type = (attributes & FileAttributes.ReparsePoint) != 0 ? DtLnk : (attributes & FileAttributes.Directory) != 0 ? DtDir : (byte)8;
                    }
                    if (type == DtLnk)
                        onSkipped?.Invoke(name);
                    else if (type == DtDir)
                        pending.Push((path, name + "/"));
                    else
                        files.Add((path, name));
                }
            }
            finally
            {
                _ = CloseDir(dir);
            }
        }
    }

    /// <summary>Any platform: the same walk through <see cref="DirectoryInfo"/> (an <c>lstat</c> and a link check per entry).</summary>
    private static void WalkManaged(string root, Action<string>? onSkipped, List<(string Path, string Name)> files, CancellationToken cancellationToken)
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
                    onSkipped?.Invoke(name);
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

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDir(nint dir);
}
