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
    private const int Buffers = 3;
    private const int ODirect = 0x4000;
    private const int OWriteOnly = 0x1;
    private const int OCloExec = 0x80000;
    private readonly SafeFileHandle _direct;
    private readonly SafeFileHandle _buffered;
    private readonly nint[] _buffers = new nint[Buffers];
    private readonly Task[] _writes = new Task[Buffers];
    private int _next;

    private DirectWriter(SafeFileHandle direct, SafeFileHandle buffered)
    {
        _direct = direct;
        _buffered = buffered;
        for (var i = 0; i < Buffers; i++)
        {
            _buffers[i] = (nint)NativeMemory.AlignedAlloc(BufferBytes, Alignment);
            _writes[i] = Task.CompletedTask;
        }
    }

    /// <summary>A direct writer for the file at <paramref name="path"/> (already open as <paramref name="buffered"/>), or null where the OS or file system refuses <c>O_DIRECT</c>.</summary>
    public static DirectWriter? TryOpen(string path, SafeFileHandle buffered)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
            return null;
        // O_DIRECT is 0x4000 on x86-64 but 0x10000 on arm64.
        var flags = OWriteOnly | OCloExec | (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? ODirect : 0x10000);
        var fd = NativeFile.Open(path, flags, 0);
        if (fd < 0)
            return null;
        return new DirectWriter(new SafeFileHandle(fd, ownsHandle: true), buffered);
    }

    /// <summary>Writes <paramref name="bytes"/> at <paramref name="offset"/>: the aligned middle directly (in the background: call <see cref="Drain"/> before syncing), the rest buffered.</summary>
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
            // Write-behind: the device write of this buffer runs while the caller goes on (verifying, reading the
            // network); a buffer is reused only after its previous write finished.
            var slot = _next;
            _next = (_next + 1) % Buffers;
            _writes[slot].GetAwaiter().GetResult();
            var buffer = _buffers[slot];
            bytes.Slice((int)(at - offset), length).CopyTo(new Span<byte>((void*)buffer, length));
            var position = at;
            _writes[slot] = Task.Run(() => RandomAccess.Write(_direct, new ReadOnlySpan<byte>((void*)buffer, length), position));
            at += length;
        }
        if (end > alignedEnd)
            RandomAccess.Write(_buffered, bytes[(int)(alignedEnd - offset)..], alignedEnd);
    }

    /// <summary>Waits until every direct write issued so far reached the file (before an fsync); rethrows a failed write.</summary>
    public void Drain()
    {
        foreach (var write in _writes)
            write.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        try
        {
            Task.WaitAll(_writes);
        }
        catch (AggregateException)
        {
            // The writer is being abandoned; a failed write was or will be reported by Drain.
        }
        _direct.Dispose();
        for (var i = 0; i < Buffers; i++)
        {
            if (_buffers[i] != 0)
                NativeMemory.AlignedFree((void*)_buffers[i]);
            _buffers[i] = 0;
        }
    }
}
