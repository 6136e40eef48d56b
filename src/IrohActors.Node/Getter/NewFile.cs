using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Node.Getter;

/// <summary>
/// Creates a file that must not exist yet and fills it in one go, with as few system calls as the platform allows:
/// on Linux <c>open(O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC)</c>, <c>write</c>, <c>statx</c> (the modification time the
/// store records), <c>close</c> — no lock, no seek, no fsync (durability is the caller's, per batch). <c>O_EXCL</c>
/// fails on any existing entry, a dangling symbolic link included, so nothing is ever overwritten or followed.
/// </summary>
internal static class NewFile
{
    /// <summary>Creates <paramref name="path"/> holding <paramref name="data"/>; returns its modification time (UTC ticks).</summary>
    /// <exception cref="IOException">The path exists (never overwritten) or cannot be written; the message names it.</exception>
    public static long Write(string path, ReadOnlySpan<byte> data)
    {
        if (!LibC.Available)
            return WritePortable(path, data);
        int fd;
        do
            fd = LibC.Open(path, LibC.OWriteOnly | LibC.OCreate | LibC.OExclusive | LibC.OCloseOnExec, 0b110_110_110);
        while (fd < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr);
        if (fd < 0)
        {
            if (Marshal.GetLastPInvokeError() == LibC.EExist)
                throw new IOException($"{path} exists; refusing to overwrite it");
            throw LibC.Error($"cannot create {path}");
        }
        // The descriptor itself, no SafeFileHandle (an object with a finalizer per file): closed here on every path.
        var closed = false;
        try
        {
            unsafe
            {
                fixed (byte* start = data)
                {
                    var done = 0;
                    while (done < data.Length)
                    {
                        var n = LibC.Write(fd, start + done, (nuint)(data.Length - done));
                        if (n < 0)
                        {
                            if (Marshal.GetLastPInvokeError() == LibC.EIntr)
                                continue;
                            throw LibC.Error($"cannot write {path}");
                        }
                        done += (int)n;
                    }
                }
            }
            if (!LibC.TryGetModificationTime(fd, out var mtime))
                throw LibC.Error($"cannot read the modification time of {path}");
            closed = true;
            if (LibC.Close(fd) != 0 && Marshal.GetLastPInvokeError() != LibC.EIntr)
                throw LibC.Error($"cannot close {path}");
            return mtime;
        }
        finally
        {
            if (!closed)
                LibC.Close(fd);
        }
    }

    private static long WritePortable(string path, ReadOnlySpan<byte> data)
    {
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        if (!data.IsEmpty)
            RandomAccess.Write(handle, data, 0);
        return File.GetLastWriteTimeUtc(handle).Ticks;
    }
}
