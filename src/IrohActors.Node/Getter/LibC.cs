using System.Runtime.InteropServices;

namespace IrohActors.Node.Getter;

/// <summary>The few Linux system calls the receive path makes directly (flags as on x86-64 and arm64 Linux).</summary>
internal static partial class LibC
{
    public const int OReadOnly = 0x0;
    public const int OWriteOnly = 0x1;
    public const int OCreate = 0x40;
    public const int OExclusive = 0x80;
    public const int OCloseOnExec = 0x80000;
    public const int EIntr = 4;
    public const int EExist = 17;

    /// <summary>True where these calls and flags apply.</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>
    /// The modification time of an open file (<see cref="DateTime.Ticks"/>, UTC, as <see cref="File.GetLastWriteTimeUtc(string)"/>
    /// gives it) with one <c>statx</c>; false when the call failed (errno set). <c>struct statx</c> has the same layout on
    /// every Linux architecture, where <c>struct stat</c> does not.
    /// </summary>
    public static unsafe bool TryGetModificationTime(int fd, out long ticks)
    {
        StatxBuffer buffer;
        byte empty = 0;
        if (Statx(fd, &empty, AtEmptyPath, StatxMtime, &buffer) != 0)
        {
            ticks = 0;
            return false;
        }
        ticks = DateTime.UnixEpoch.Ticks + buffer.MtimeSeconds * TimeSpan.TicksPerSecond + buffer.MtimeNanoseconds / 100;
        return true;
    }

    private const int AtEmptyPath = 0x1000;
    private const uint StatxMtime = 0x40;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static unsafe partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxBuffer* buffer);

    /// <summary><c>struct statx</c>, the fields read here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(112)]
        public long MtimeSeconds;

        [FieldOffset(120)]
        public uint MtimeNanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    /// <summary>Runs <paramref name="call"/> on a read-only descriptor of <paramref name="path"/> (a directory too).</summary>
    /// <exception cref="IOException">The path cannot be opened or the call fails; the message names both.</exception>
    public static void OnDescriptor(string path, Func<int, int> call, string what)
    {
        var fd = Open(path, OReadOnly | OCloseOnExec, 0);
        if (fd < 0)
            throw Error($"cannot open {path} to {what}");
        try
        {
            if (call(fd) != 0)
                throw Error($"{what} on {path} failed");
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>An <see cref="IOException"/> for the last error, prefixed by <paramref name="context"/>.</summary>
    public static IOException Error(string context)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{context}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }
}
