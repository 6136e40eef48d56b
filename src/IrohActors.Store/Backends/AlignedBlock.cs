using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace IrohActors.Store.Backends;

/// <summary>
/// Native memory aligned for <c>O_DIRECT</c>, lent to a decoder as the storage its leaves are read into and verified
/// in, then written to the device from where it is (<see cref="DirectWriter.WriteFrom"/>): no copy between
/// verification and the write. Reference counted: the borrower's reference (dropped by <see cref="IDisposable.Dispose"/>)
/// and one per device write in flight; the last release returns the block to a process-wide pool, because memory the
/// process has never touched is slow to fill on this kind of VM (measured-here.md) and reused blocks are not.
/// Blocks of the decoder's unit size are carved from 2 MiB slabs the kernel is asked to back with huge pages, so a
/// 4 MiB direct write pins two pages instead of 1,024 (and the hashing and copying touch fewer TLB entries).
/// </summary>
internal sealed unsafe class AlignedBlock : MemoryManager<byte>
{
    /// <summary>The alignment of every block (the page size; <c>O_DIRECT</c> needs the logical block size at most).</summary>
    public const int Alignment = 4096;

    /// <summary>Bytes of free blocks kept for reuse, all sizes together (beyond it released blocks are freed).</summary>
    private const long MaxPooledBytes = 24L << 20;

    /// <summary>The block size carved from huge-page slabs: the bao decoder's unit.</summary>
    public const int UnitBytes = 256 << 10;

    private const int SlabBytes = 2 << 20;

    /// <summary>Slabs ever carved (they are kept for reuse, never freed): 24 MiB.</summary>
    private const int MaxSlabs = 12;

    private const int MadvHugePage = 14;

    private static int _slabs;

    private static readonly ConcurrentDictionary<int, ConcurrentStack<AlignedBlock>> Pool = new();
    private static long _pooledBytes;

    private readonly int _length;
    private readonly bool _slabbed;
    private byte* _pointer;
    private int _references;

    private AlignedBlock(int length)
    {
        _length = length;
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, Alignment);
        _references = 1;
    }

    private AlignedBlock(byte* pointer, int length)
    {
        _length = length;
        _pointer = pointer;
        _slabbed = true;
        _references = 1;
    }

    /// <summary>The first byte (aligned to <see cref="Alignment"/>).</summary>
    public nint Address => (nint)_pointer;

    /// <summary>Bytes in the block.</summary>
    public int Length => _length;

    /// <summary>A block of at least <paramref name="minimumBytes"/> bytes (rounded up to whole pages), reused from the pool when one is free; its one reference is the caller's.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="minimumBytes"/> is not positive.</exception>
    public static AlignedBlock Rent(int minimumBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minimumBytes);
        var length = checked((minimumBytes + Alignment - 1) / Alignment * Alignment);
        if (Pool.TryGetValue(length, out var free) && free.TryPop(out var block))
        {
            Interlocked.Add(ref _pooledBytes, -length);
            block._references = 1;
            return block;
        }
        return length == UnitBytes && TryCarveSlab() is { } carved ? carved : new AlignedBlock(length);
    }

    // A new slab of unit-sized blocks: one is returned, the others go to the pool.
    private static AlignedBlock? TryCarveSlab()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Increment(ref _slabs) > MaxSlabs)
            return null;
        var slab = (byte*)NativeMemory.AlignedAlloc(SlabBytes, SlabBytes);
        NativeFile.Madvise(slab, SlabBytes, MadvHugePage);
        var free = Pool.GetOrAdd(UnitBytes, _ => new ConcurrentStack<AlignedBlock>());
        for (var at = UnitBytes; at < SlabBytes; at += UnitBytes)
        {
            free.Push(new AlignedBlock(slab + at, UnitBytes) { _references = 0 });
            Interlocked.Add(ref _pooledBytes, UnitBytes);
        }
        return new AlignedBlock(slab, UnitBytes);
    }

    /// <summary>One more holder (a write about to read the block).</summary>
    public void AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new ObjectDisposedException(nameof(AlignedBlock), "a released block cannot be referenced again");
    }

    /// <summary>Drops one holder; the last one returns the block to the pool (or frees it).</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left > 0)
            return;
        if (left < 0)
            throw new InvalidOperationException("aligned block released more often than it was referenced");
        if (Interlocked.Add(ref _pooledBytes, _length) <= MaxPooledBytes || _slabbed)
        {
            Pool.GetOrAdd(_length, _ => new ConcurrentStack<AlignedBlock>()).Push(this);
            return;
        }
        Interlocked.Add(ref _pooledBytes, -_length);
        NativeMemory.AlignedFree(_pointer);
        _pointer = null;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        if ((uint)elementIndex > (uint)_length)
            throw new ArgumentOutOfRangeException(nameof(elementIndex));
        return new MemoryHandle(_pointer + elementIndex);
    }

    public override void Unpin()
    {
    }

    /// <summary>The borrower is done with the block (<see cref="IDisposable.Dispose"/>): its reference is dropped.</summary>
    protected override void Dispose(bool disposing) => Release();
}
