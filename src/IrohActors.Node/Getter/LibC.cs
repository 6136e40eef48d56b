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

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

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
