using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace IrohActors.Store.Backends;

/// <summary>
/// Large writes of a partial blob's data that bypass the page cache (Linux <c>O_DIRECT</c>): the aligned middle of
/// each write is copied into one reused, aligned buffer and written straight to the device; the unaligned head and
/// tail go through the ordinary (buffered) handle. Freshly allocated page-cache pages cost 0.4–0.6 GB/s on this
/// kind of VM (the host takes freed pages back), a direct write from a warm buffer almost nothing
/// (docs/transport.md §6). Where <c>O_DIRECT</c> is unavailable (tmpfs, other systems) <see cref="TryOpen"/> returns
/// null and the caller writes buffered. Durability is unchanged: the caller still fsyncs before recording ranges.
/// </summary>
internal sealed unsafe class DirectWriter : IDisposable
{
    /// <summary>Writes shorter than this go through the buffered handle (not worth the copy and the device round trip).</summary>
    public const int MinimumBytes = 64 * 1024;

    private const int Alignment = 4096;
    private const int BufferBytes = 4 << 20;
    private const int ODirect = 0x4000;
    private const int OWriteOnly = 0x1;
    private const int OCloExec = 0x80000;
    private readonly SafeFileHandle _direct;
    private readonly SafeFileHandle _buffered;
    private byte* _buffer;

    private DirectWriter(SafeFileHandle direct, SafeFileHandle buffered)
    {
        _direct = direct;
        _buffered = buffered;
        _buffer = (byte*)NativeMemory.AlignedAlloc(BufferBytes, Alignment);
    }

    /// <summary>A direct writer for the file at <paramref name="path"/> (already open as <paramref name="buffered"/>), or null where the OS or file system refuses <c>O_DIRECT</c>.</summary>
    public static DirectWriter? TryOpen(string path, SafeFileHandle buffered)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return null;
        // O_DIRECT is 0x4000 on x86-64 but 0x10000 on arm64.
        var flags = OWriteOnly | OCloExec | (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? ODirect : 0x10000);
        var fd = Open(path, flags, 0);
        if (fd < 0)
            return null;
        return new DirectWriter(new SafeFileHandle(fd, ownsHandle: true), buffered);
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/>: the aligned middle directly, the rest buffered.</summary>
    public void Write(long offset, ReadOnlySpan<byte> bytes)
    {
        var end = offset + bytes.Length;
        var alignedStart = (offset + Alignment - 1) / Alignment * Alignment;
        var alignedEnd = end / Alignment * Alignment;
        if (alignedEnd - alignedStart < Alignment)
        {
            RandomAccess.Write(_buffered, bytes, offset);
            return;
        }
        if (alignedStart > offset)
            RandomAccess.Write(_buffered, bytes[..(int)(alignedStart - offset)], offset);
        for (var at = alignedStart; at < alignedEnd;)
        {
            var length = (int)Math.Min(BufferBytes, alignedEnd - at);
            var source = bytes.Slice((int)(at - offset), length);
            source.CopyTo(new Span<byte>(_buffer, length));
            RandomAccess.Write(_direct, new ReadOnlySpan<byte>(_buffer, length), at);
            at += length;
        }
        if (end > alignedEnd)
            RandomAccess.Write(_buffered, bytes[(int)(alignedEnd - offset)..], alignedEnd);
    }

    public void Dispose()
    {
        _direct.Dispose();
        if (_buffer is not null)
            NativeMemory.AlignedFree(_buffer);
        _buffer = null;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
}
