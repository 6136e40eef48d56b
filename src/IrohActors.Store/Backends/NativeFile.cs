using System.Runtime.InteropServices;

namespace IrohActors.Store.Backends;

/// <summary>
/// Read-only file access through the C library on Linux, for reading tens of thousands of small files: one
/// <c>open</c>, one <c>statx</c> (type, size and modification time in one call), <c>pread</c>, <c>close</c>.
/// <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/> adds an <c>flock</c>, an
/// <c>lseek</c>, an <c>fadvise</c> and an <c>fstat</c>, and every size or time query another <c>fstat</c>: measured
/// over the kernel tree, 15 system calls per file instead of 5. Elsewhere <see cref="IsSupported"/> is false.
/// </summary>
internal static unsafe partial class NativeFile
{
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxSize = 0x200;
    private const uint StatxMtime = 0x40;
    private const ushort TypeMask = 0xF000;
    private const ushort TypeRegular = 0x8000;
    private const ushort TypeDirectory = 0x4000;
    private const int EIntr = 4;
    private const int ENxio = 6;
    private const int PosixFadvSequential = 2;

    /// <summary>True on Linux with a C library that has <c>statx</c> (glibc 2.28 or later).</summary>
    public static bool IsSupported { get; } = Probe();

    /// <summary>
    /// Opens <paramref name="path"/> for reading; the caller closes the descriptor with <see cref="Close"/>. The open
    /// does not wait: a named pipe opens at once (instead of waiting for a writer, for ever if none comes), and
    /// <see cref="Stat"/> then refuses it. Reads of a regular file are the same either way.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file (or a folder on its path) does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    /// <exception cref="IOException">Any other failure, with the system's reason (a socket cannot be opened at all).</exception>
    public static int OpenRead(string path)
    {
        int fd;
        do
            fd = Open(path, ORdOnly | ONonBlock | OCloExec, 0);
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr);
        if (fd < 0)
            throw Error(path, "open", Marshal.GetLastPInvokeError());
        return fd;
    }

    /// <summary>The size and modification time (<see cref="DateTime.Ticks"/>, UTC, as <see cref="File.GetLastWriteTimeUtc(string)"/>) of an open regular file.</summary>
    /// <exception cref="UnauthorizedAccessException">It is a directory (as <see cref="File.OpenHandle(string, FileMode, FileAccess, FileShare, FileOptions, long)"/> reports one).</exception>
    /// <exception cref="IOException">It is not a regular file, or <c>statx</c> failed.</exception>
    public static FileStamp Stat(int fd, string path)
    {
        StatxBuffer buffer;
        byte empty = 0;
        if (Statx(fd, &empty, AtEmptyPath, StatxType | StatxSize | StatxMtime, &buffer) != 0)
            throw Error(path, "statx", Marshal.GetLastPInvokeError());
        var type = buffer.Mode & TypeMask;
        if (type == TypeDirectory)
            throw new UnauthorizedAccessException($"{path} is a directory, not a file");
        if (type != TypeRegular)
            throw new IOException($"{path} is not a regular file but {Describe(type)}: only regular files are imported");
        var ticks = DateTime.UnixEpoch.Ticks + buffer.MtimeSeconds * TimeSpan.TicksPerSecond + buffer.MtimeNanoseconds / 100;
        return new FileStamp((long)buffer.Size, ticks);
    }

    /// <summary>
    /// Opens a regular file for reading as a .NET handle (read front to back), refusing anything else without waiting
    /// on it: .NET's own open of a named pipe would wait for a writer, and a device may never end. Where
    /// <see cref="IsSupported"/> is false, .NET's open.
    /// </summary>
    /// <exception cref="IOException">It is a named pipe, a socket or a device (named in the message).</exception>
    /// <exception cref="UnauthorizedAccessException">It is a directory, or permission is denied.</exception>
    /// <exception cref="FileNotFoundException">It does not exist.</exception>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenRegularFile(string path)
    {
        if (!IsSupported)
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var fd = OpenRead(path);
        try
        {
            Stat(fd, path);
            AdviseSequential(fd);
            return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        }
        catch
        {
            Close(fd);
            throw;
        }
    }

    private static string Describe(int type) => type switch
    {
        0x1000 => "a named pipe",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        _ => $"of type 0x{type:x4}",
    };

    /// <summary>Fills <paramref name="destination"/> from offset <paramref name="offset"/>; false if the file ends first.</summary>
    /// <exception cref="IOException">The read failed (the message names the file and offset).</exception>
    public static bool TryReadExactly(int fd, string path, Span<byte> destination, long offset)
    {
        fixed (byte* start = destination)
        {
            var filled = 0;
            while (filled < destination.Length)
            {
                var n = Pread(fd, start + filled, destination.Length - filled, offset + filled);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == EIntr)
                        continue;
                    throw new IOException($"{path}: reading at offset {offset + filled} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
                }
                if (n == 0)
                    return false;
                filled += (int)n;
            }
            return true;
        }
    }

    /// <summary>Tells the kernel the file will be read from start to end (worth it for large files only).</summary>
    public static void AdviseSequential(int fd) => _ = PosixFadvise(fd, 0, 0, PosixFadvSequential);

    /// <summary>Closes a descriptor from <see cref="OpenRead"/> (a read-only descriptor has nothing to lose on close).</summary>
    public static void Close(int fd) => _ = CloseFd(fd);

    private static Exception Error(string path, string call, int errno) => errno switch
    {
        2 or 20 => new FileNotFoundException($"Could not find file '{path}'.", path),
        1 or 13 => new UnauthorizedAccessException($"Access to the path '{path}' is denied ({call}: {Marshal.GetPInvokeErrorMessage(errno)})."),
        ENxio => new IOException($"{path} is not a regular file but a socket (or a device with nothing behind it): only regular files are imported"),
        _ => new IOException($"{path}: {call} failed: {Marshal.GetPInvokeErrorMessage(errno)}"),
    };

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
            return false;
        try
        {
            var fd = OpenRead("/");
            try
            {
                StatxBuffer buffer;
                byte empty = 0;
                return Statx(fd, &empty, AtEmptyPath, StatxType, &buffer) == 0 && (buffer.Mode & TypeMask) == TypeDirectory;
            }
            finally
            {
                Close(fd);
            }
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary><c>struct statx</c> (the same layout on every Linux architecture), the fields read here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(40)]
        public ulong Size;

        [FieldOffset(112)]
        public long MtimeSeconds;

        [FieldOffset(120)]
        public uint MtimeNanoseconds;
    }

    // The raw calls, shared by the store's other direct users (FileSystemBackend, DirectWriter): one declaration each.

    /// <summary><c>open(2)</c>; <paramref name="mode"/> applies only when a file is created.</summary>
    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Open(string path, int flags, int mode);

    /// <summary><c>fsync(2)</c>.</summary>
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);

    /// <summary><c>syncfs(2)</c>: every file of the descriptor's file system durable.</summary>
    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    internal static partial int Syncfs(int fd);

    /// <summary><c>link(2)</c>: a hard link <paramref name="created"/> to <paramref name="existing"/>.</summary>
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Link(string existing, string created);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    [LibraryImport("libc", EntryPoint = "pread64", SetLastError = true)]
    private static partial nint Pread(int fd, byte* buffer, nint count, long offset);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int PosixFadvise(int fd, long offset, long length, int advice);

    /// <summary><c>madvise(2)</c>; failure only means the advice is not taken.</summary>
    [LibraryImport("libc", EntryPoint = "madvise")]
    internal static partial int Madvise(void* address, nuint length, int advice);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    internal static partial int CloseFd(int fd);
}

/// <summary>A file's size and modification time (UTC ticks), as recorded for an in-place blob.</summary>
internal readonly record struct FileStamp(long Length, long MtimeTicks);
