using System.Buffers;
using System.Runtime.InteropServices;
using IrohActors.Blake3;

namespace IrohActors.Store;

/// <summary>
/// The bytes of small blobs an in-place import just hashed, kept in memory for a while so that serving them right
/// after the import (what <c>send</c> is for) neither opens, reads nor hashes their files again. Each entry holds the
/// exact bytes its hash was computed from, so what it hands out is verified content; whether the store holds the blob
/// at all is still the store's record to say (a deleted blob is not served from here).
/// Bytes are packed into fixed slabs of native memory, evicted oldest first once the budget is reached and once a slab
/// is older than the time to live; a slab still being read (<see cref="Lease"/>) is freed only when its last lease ends.
/// </summary>
internal sealed unsafe class RecentImportCache : IDisposable
{
    /// <summary>Bytes per slab; entries never span slabs.</summary>
    public const int SlabBytes = 1 << 20;

    /// <summary>
    /// The store keeps blobs up to this size. Serving one from here saves its open, stat, read, close and hash (about
    /// 7 µs per file of the kernel tree); keeping it costs the copy and, on a VM, the first touch of fresh memory
    /// (about 0.5 µs per KiB). Up to 4 KiB the saving is nearly free; keeping every one-group file (16 KiB) saved
    /// the sender 0.55 s per kernel tree but cost its import 0.27 s of CPU, on the critical path (docs/store.md).
    /// </summary>
    public const int MaxBlobBytes = 4096;

    private readonly object _lock = new();
    private readonly Dictionary<Hash, (Slab Slab, int Offset, int Length)> _entries = [];
    private readonly Queue<Slab> _slabs = new();
    private readonly long _budget;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _time;
    private readonly TimeSpan _trimPeriod;
    // Runs only while slabs are held (a store that never imports in place has none).
    private ITimer? _trimmer;
    private Slab? _current;
    private bool _disposed;

    /// <param name="budget">Bytes of slabs held at most (at least one slab).</param>
    /// <param name="timeToLive">A slab is dropped this long after its last entry was added.</param>
    /// <param name="maxEntryBytes">Larger blobs are not kept.</param>
    /// <param name="time">The clock (tests pass their own).</param>
    public RecentImportCache(long budget, TimeSpan timeToLive, int maxEntryBytes, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, SlabBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxEntryBytes);
        _budget = budget;
        _timeToLive = timeToLive;
        MaxEntryBytes = Math.Min(maxEntryBytes, SlabBytes);
        _time = time ?? TimeProvider.System;
        _trimPeriod = TimeSpan.FromTicks(Math.Max(timeToLive.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks));
    }

    /// <summary>Blobs larger than this are not kept.</summary>
    public int MaxEntryBytes { get; }

    /// <summary>Blobs held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _entries.Count;
        }
    }

    /// <summary>Bytes of native memory held now (whole slabs, including ones only leases keep).</summary>
    public long SlabMemory => Interlocked.Read(ref _slabMemory);

    private long _slabMemory;

    /// <summary>
    /// Keeps a copy of <paramref name="bytes"/>, which hash to <paramref name="hash"/> (the caller computed it from
    /// exactly these bytes). Empty or too large blobs, and hashes already held, are ignored.
    /// </summary>
    public void Add(Hash hash, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || bytes.Length > MaxEntryBytes)
            return;
        lock (_lock)
        {
            if (_disposed || _entries.ContainsKey(hash))
                return;
            var now = _time.GetTimestamp();
            DropExpired(now);
            if (_current is null || SlabBytes - _current.Used < bytes.Length)
            {
                while ((_slabs.Count + 1) * (long)SlabBytes > _budget && _slabs.Count > 0)
                    Evict(_slabs.Dequeue());
                _current = new Slab(this);
                _slabs.Enqueue(_current);
                // Expired slabs go even when nothing is added or read any more (the memory is given back after an import).
                _trimmer ??= _time.CreateTimer(static state => ((RecentImportCache)state!).TrimExpired(), this, _trimPeriod, _trimPeriod);
            }
            var offset = _current.Used;
            bytes.CopyTo(new Span<byte>(_current.Pointer + offset, bytes.Length));
            _current.Used += bytes.Length;
            _current.LastAdded = now;
            _current.Hashes.Add(hash);
            _entries[hash] = (_current, offset, bytes.Length);
        }
    }

    /// <summary>The bytes of <paramref name="hash"/> when held, leased until the lease is disposed; else null.</summary>
    public Lease? TryLease(Hash hash)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(hash, out var entry))
                return null;
            if (_time.GetElapsedTime(entry.Slab.LastAdded) >= _timeToLive)
            {
                DropExpired(_time.GetTimestamp());
                return null;
            }
            entry.Slab.References++;
            return new Lease(entry.Slab, entry.Offset, entry.Length);
        }
    }

    /// <summary>Drops every slab whose last entry is older than the time to live.</summary>
    internal void TrimExpired()
    {
        lock (_lock)
            DropExpired(_time.GetTimestamp());
    }

    private void DropExpired(long now)
    {
        while (_slabs.TryPeek(out var oldest) && _time.GetElapsedTime(oldest.LastAdded, now) >= _timeToLive)
            Evict(_slabs.Dequeue());
        StopTrimmerWhenEmpty();
    }

    // Under the lock.
    private void StopTrimmerWhenEmpty()
    {
        if (_slabs.Count > 0 || _trimmer is null)
            return;
        _trimmer.Dispose();
        _trimmer = null;
    }

    /// <summary>True while the timer that drops expired slabs runs (only while slabs are held).</summary>
    internal bool Trimming
    {
        get
        {
            lock (_lock)
                return _trimmer is not null;
        }
    }

    // Under the lock: the slab's entries go; its memory goes now, or with its last lease.
    private void Evict(Slab slab)
    {
        foreach (var hash in slab.Hashes)
            _entries.Remove(hash);
        slab.Hashes.Clear();
        if (ReferenceEquals(slab, _current))
            _current = null;
        Release(slab);
    }

    // Under the lock.
    private void Release(Slab slab)
    {
        if (--slab.References == 0)
            slab.Free();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            while (_slabs.TryDequeue(out var slab))
                Evict(slab);
            StopTrimmerWhenEmpty();
        }
    }

    /// <summary>A slab of native memory; one reference for being in the cache, one per lease.</summary>
    internal sealed class Slab
    {
        private readonly RecentImportCache _owner;

        public Slab(RecentImportCache owner)
        {
            _owner = owner;
            Pointer = (byte*)NativeMemory.Alloc(SlabBytes);
            Interlocked.Add(ref owner._slabMemory, SlabBytes);
        }

        public byte* Pointer { get; private set; }

        public int Used;

        public long LastAdded;

        public int References = 1;

        public readonly List<Hash> Hashes = [];

        public void ReleaseLease()
        {
            lock (_owner._lock)
                _owner.Release(this);
        }

        public void Free()
        {
            NativeMemory.Free(Pointer);
            Pointer = null;
            Interlocked.Add(ref _owner._slabMemory, -SlabBytes);
        }
    }

    /// <summary>A held blob's bytes, valid until disposed (its slab is not freed while a lease is open).</summary>
    public sealed class Lease : MemoryManager<byte>
    {
        private Slab? _slab;
        private readonly int _offset;
        private readonly int _length;

        internal Lease(Slab slab, int offset, int length)
        {
            _slab = slab;
            _offset = offset;
            _length = length;
        }

        /// <summary>The blob's length.</summary>
        public int Length => _length;

        public override Span<byte> GetSpan()
        {
            ObjectDisposedException.ThrowIf(_slab is null, this);
            return new Span<byte>(_slab.Pointer + _offset, _length);
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ObjectDisposedException.ThrowIf(_slab is null, this);
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length);
            return new MemoryHandle(_slab.Pointer + _offset + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _slab, null) is { } slab)
                slab.ReleaseLease();
        }
    }
}
