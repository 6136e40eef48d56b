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
/// Bytes that already lie in an <see cref="AlignedBlock"/> (the getter's verified units) are not copied at all:
/// <see cref="WriteFrom"/> gathers file-adjacent blocks and writes them with one <c>pwritev</c> from where they are.
/// </summary>
internal sealed unsafe class DirectWriter : IDisposable
{
    /// <summary>Writes shorter than this go through the buffered handle (not worth the copy and the device round trip).</summary>
    public const int MinimumBytes = 64 * 1024;

    private const int Alignment = 4096;
    private const int BufferBytes = 4 << 20;
    private const int Buffers = 3;

    /// <summary>Bytes gathered into one <c>pwritev</c> (the device takes requests of up to 4 MiB here).</summary>
    private const int GatherBytes = 4 << 20;

    /// <summary>Gathered writes running behind the caller at once (with the one being gathered: ≤ 12 MiB of blocks held).</summary>
    private const int MaxGathersInFlight = 2;

    private const int ODirect = 0x4000;
    private const int OWriteOnly = 0x1;
    private const int OCloExec = 0x80000;
    private readonly SafeFileHandle _direct;
    private readonly SafeFileHandle _buffered;
    private readonly nint[] _buffers = new nint[Buffers];
    private readonly Task[] _writes = new Task[Buffers];
    private readonly Queue<Task> _gathers = new();
    private readonly List<ReadOnlyMemory<byte>> _gathered = [];
    private readonly List<AlignedBlock> _gatheredBlocks = [];
    private long _gatherStart;
    private long _gatherEnd;
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

    /// <summary>
    /// Writes <paramref name="bytes"/>, which lie in <paramref name="block"/>, at <paramref name="offset"/>: the aligned
    /// middle straight from the block (gathered with the file-adjacent blocks before and after it into one background
    /// <c>pwritev</c>; the block is held until that write finished; call <see cref="Drain"/> before syncing), the
    /// unaligned head and tail buffered. Where the middle does not lie aligned in memory it is copied as in <see cref="Write"/>.
    /// </summary>
    public void WriteFrom(long offset, ReadOnlyMemory<byte> bytes, AlignedBlock block)
    {
        var end = offset + bytes.Length;
        var alignedStart = (offset + Alignment - 1) / Alignment * Alignment;
        var alignedEnd = end / Alignment * Alignment;
        if (alignedEnd - alignedStart < Alignment
            || !MemoryMarshal.TryGetMemoryManager(bytes, out AlignedBlock? owner, out var start, out _)
            || owner != block
            || (block.Address + start + (alignedStart - offset)) % Alignment != 0)
        {
            Write(offset, bytes.Span);
            return;
        }
        if (alignedStart > offset)
            RandomAccess.Write(_buffered, bytes.Span[..(int)(alignedStart - offset)], offset);
        Gather(alignedStart, bytes.Slice((int)(alignedStart - offset), (int)(alignedEnd - alignedStart)), block);
        if (end > alignedEnd)
            RandomAccess.Write(_buffered, bytes.Span[(int)(alignedEnd - offset)..], alignedEnd);
    }

    // Adds an aligned run to the gather (writing out the gather first when the run does not continue it in the file).
    private void Gather(long position, ReadOnlyMemory<byte> run, AlignedBlock block)
    {
        if (_gathered.Count > 0 && position != _gatherEnd)
            IssueGather();
        if (_gathered.Count == 0)
            _gatherStart = _gatherEnd = position;
        block.AddReference();
        _gathered.Add(run);
        _gatheredBlocks.Add(block);
        _gatherEnd += run.Length;
        if (_gatherEnd - _gatherStart >= GatherBytes)
            IssueGather();
    }

    // Starts the device write of the gathered runs; at most MaxGathersInFlight run at once (the oldest is waited for).
    private void IssueGather()
    {
        if (_gathered.Count == 0)
            return;
        var runs = _gathered.ToArray();
        var blocks = _gatheredBlocks.ToArray();
        var position = _gatherStart;
        _gathered.Clear();
        _gatheredBlocks.Clear();
        try
        {
            while (_gathers.Count >= MaxGathersInFlight)
                _gathers.Dequeue().GetAwaiter().GetResult();
        }
        catch
        {
            foreach (var block in blocks)
                block.Release();
            throw;
        }
        _gathers.Enqueue(Task.Run(() =>
        {
            try
            {
                RandomAccess.Write(_direct, runs, position);
            }
            finally
            {
                foreach (var block in blocks)
                    block.Release();
            }
        }));
    }

    /// <summary>Waits until every direct write issued so far reached the file (before an fsync); rethrows a failed write.</summary>
    public void Drain()
    {
        IssueGather();
        while (_gathers.TryDequeue(out var gather))
            gather.GetAwaiter().GetResult();
        foreach (var write in _writes)
            write.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        // Runs gathered but never written (the writer is abandoned after a failure): their blocks go back unwritten.
        foreach (var block in _gatheredBlocks)
            block.Release();
        _gathered.Clear();
        _gatheredBlocks.Clear();
        try
        {
            Task.WaitAll([.. _writes, .. _gathers]);
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
