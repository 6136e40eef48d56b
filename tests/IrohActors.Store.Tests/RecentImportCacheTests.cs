using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Hocon;
using IrohActors.Store.Backends;

namespace IrohActors.Store.Tests;

/// <summary>
/// <see cref="RecentImportCache"/>: the bytes of small files an in-place import just hashed, served from memory until
/// the budget or the time to live pushes them out; and the store reading through it.
/// </summary>
public sealed class RecentImportCacheTests : IDisposable
{
    private const int MaxEntry = 16 * 1024; // what the unit tests let the cache keep
    private readonly string _dir = TestData.TempDir("recent");

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A clock that moves only when told to.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    private static byte[] LeaseBytes(RecentImportCache cache, Hash hash)
    {
        var lease = cache.TryLease(hash) ?? throw new Xunit.Sdk.XunitException($"{hash} is not held");
        using (lease)
            return lease.Memory.ToArray();
    }

    [Fact]
    public void Held_bytes_come_back_as_added_and_what_is_not_kept_is_ignored()
    {
        using var cache = new RecentImportCache(4L << 20, TimeSpan.FromMinutes(1), MaxEntry);
        var blobs = Enumerable.Range(0, 200).Select(i => TestData.Bytes(1 + i * 81 % MaxEntry, i)).ToList();
        foreach (var blob in blobs)
            cache.Add(Hasher.Hash(blob), blob);
        Assert.Equal(blobs.Count, cache.Count);
        foreach (var blob in blobs)
            Assert.Equal(blob, LeaseBytes(cache, Hasher.Hash(blob)));

        // Empty and larger-than-a-group blobs are not kept; a hash already held keeps its first bytes.
        cache.Add(Hash.Empty, []);
        var big = TestData.Bytes(MaxEntry + 1, 500);
        cache.Add(Hasher.Hash(big), big);
        cache.Add(Hasher.Hash(blobs[0]), TestData.Bytes(blobs[0].Length, 999));
        Assert.Equal(blobs.Count, cache.Count);
        Assert.Null(cache.TryLease(Hasher.Hash(big)));
        Assert.Equal(blobs[0], LeaseBytes(cache, Hasher.Hash(blobs[0])));
    }

    [Fact]
    public void The_oldest_slab_goes_first_when_the_budget_is_reached()
    {
        var budget = 2L * RecentImportCache.SlabBytes;
        using var cache = new RecentImportCache(budget, TimeSpan.FromMinutes(1), MaxEntry);
        // 64 full groups fill a slab; 200 spill into a fourth slab, so the first two must have gone.
        var blobs = Enumerable.Range(0, 200).Select(i => TestData.Bytes(MaxEntry, 1000 + i)).ToList();
        foreach (var blob in blobs)
        {
            cache.Add(Hasher.Hash(blob), blob);
            Assert.True(cache.SlabMemory <= budget, $"{cache.SlabMemory} bytes held over a budget of {budget}");
        }
        var perSlab = RecentImportCache.SlabBytes / MaxEntry;
        for (var i = 0; i < blobs.Count; i++)
        {
            var held = cache.TryLease(Hasher.Hash(blobs[i]));
            // Blobs 0..127 were in the first two slabs, evicted to make room for the third and the fourth.
            Assert.Equal(i >= 2 * perSlab, held is not null);
            ((IDisposable?)held)?.Dispose();
        }
        Assert.Equal(blobs.Count - 2 * perSlab, cache.Count);
    }

    [Fact]
    public void A_lease_keeps_its_bytes_after_eviction_and_frees_them_when_disposed()
    {
        using var cache = new RecentImportCache(RecentImportCache.SlabBytes, TimeSpan.FromMinutes(1), MaxEntry);
        var first = TestData.Bytes(MaxEntry, 1);
        cache.Add(Hasher.Hash(first), first);
        var lease = cache.TryLease(Hasher.Hash(first))!;
        // A budget of one slab: the next slab evicts the first while the lease still reads it.
        for (var i = 0; i < RecentImportCache.SlabBytes / MaxEntry + 1; i++)
        {
            var other = TestData.Bytes(MaxEntry, 100 + i);
            cache.Add(Hasher.Hash(other), other);
        }
        Assert.Null(cache.TryLease(Hasher.Hash(first)));
        Assert.Equal(2L * RecentImportCache.SlabBytes, cache.SlabMemory);
        Assert.Equal(first, lease.Memory.ToArray());
        Assert.Equal(Hasher.Hash(first), Hasher.Hash(lease.Memory.Span));
        ((IDisposable)lease).Dispose();
        Assert.Equal(RecentImportCache.SlabBytes, cache.SlabMemory);
        Assert.Throws<ObjectDisposedException>(() => lease.GetSpan());
    }

    [Fact]
    public void Bytes_older_than_the_time_to_live_are_dropped_and_their_memory_given_back()
    {
        var time = new ManualTime();
        using var cache = new RecentImportCache(8L << 20, TimeSpan.FromMinutes(10), MaxEntry, time);
        var old = TestData.Bytes(3000, 1);
        cache.Add(Hasher.Hash(old), old);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(old, LeaseBytes(cache, Hasher.Hash(old)));
        // A slab lives from its last addition: one added now keeps the slab (and the old bytes in it) another 10 minutes.
        var newer = TestData.Bytes(3000, 2);
        cache.Add(Hasher.Hash(newer), newer);
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(old, LeaseBytes(cache, Hasher.Hash(old)));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Null(cache.TryLease(Hasher.Hash(newer)));
        Assert.Null(cache.TryLease(Hasher.Hash(old)));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.SlabMemory);

        // Without anyone asking, the trim (the cache's timer calls it, and runs only while slabs are held) gives the memory back.
        Assert.False(cache.Trimming);
        cache.Add(Hasher.Hash(old), old);
        Assert.Equal(RecentImportCache.SlabBytes, cache.SlabMemory);
        Assert.True(cache.Trimming);
        time.Advance(TimeSpan.FromMinutes(11));
        cache.TrimExpired();
        Assert.Equal(0, cache.SlabMemory);
        Assert.False(cache.Trimming);
    }

    [Fact]
    public void Disposing_frees_every_slab_nobody_reads()
    {
        var cache = new RecentImportCache(8L << 20, TimeSpan.FromMinutes(1), MaxEntry);
        var blob = TestData.Bytes(5000, 3);
        cache.Add(Hasher.Hash(blob), blob);
        var lease = cache.TryLease(Hasher.Hash(blob))!;
        cache.Dispose();
        Assert.Equal(RecentImportCache.SlabBytes, cache.SlabMemory);
        Assert.Equal(blob, lease.Memory.ToArray());
        ((IDisposable)lease).Dispose();
        Assert.Equal(0, cache.SlabMemory);
        cache.Add(Hasher.Hash(blob), blob);
        Assert.Equal(0, cache.Count);
    }

    private static RecentImportCache Recent(IBlobStore store) => ((StoreEngine)store).Recent!;

    [Fact]
    public async Task An_in_place_import_keeps_small_files_and_no_other()
    {
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var sizes = new[] { 0, 1, 1024, 3900, RecentImportCache.MaxBlobBytes, RecentImportCache.MaxBlobBytes + 1, 16 * 1024, 16 * 1024 + 1, 100_000 };
        var paths = sizes.Select((n, i) =>
        {
            var path = Path.Combine(_dir, $"f{i}.bin");
            File.WriteAllBytes(path, TestData.Bytes(n, 20 + i));
            return path;
        }).ToArray();
        var pins = await store.ImportFilesAsync(paths, ImportMode.InPlace);
        for (var i = 0; i < sizes.Length; i++)
        {
            var kept = Recent(store).TryLease(pins[i].Hash);
            Assert.Equal(sizes[i] is > 0 and <= RecentImportCache.MaxBlobBytes, kept is not null);
            if (kept is not null)
            {
                Assert.Equal(File.ReadAllBytes(paths[i]), kept.Memory.ToArray());
                ((IDisposable)kept).Dispose();
            }
        }
        // A copying import does not keep them: its bytes are in the store's own storage.
        var copied = Path.Combine(_dir, "copied.bin");
        File.WriteAllBytes(copied, TestData.Bytes(2000, 77));
        using var copy = await store.ImportFileAsync(copied, ImportMode.Copy);
        Assert.Null(Recent(store).TryLease(copy.Hash));
        foreach (var pin in pins)
            pin.Dispose();
    }

    [Fact]
    public async Task A_small_file_edited_after_its_import_is_served_as_imported_until_the_bytes_expire()
    {
        var path = Path.Combine(_dir, "edited.bin");
        var data = TestData.Bytes(3900, 11);
        File.WriteAllBytes(path, data);
        // A manual clock: a slow machine must not let the bytes expire before the first reads.
        var time = new ManualTime();
        var timeToLive = TimeSpan.FromMinutes(1);
        var options = new StoreOptions { RecentImportCacheTimeToLive = timeToLive };
        await using var store = new StoreEngine(new FileSystemBackend(Path.Combine(_dir, "store"), options), options, time);
        var pins = await store.ImportFilesAsync([path], ImportMode.InPlace);
        var hash = pins[0].Hash;
        var mtime = File.GetLastWriteTimeUtc(path);
        var edited = (byte[])data.Clone();
        edited[1000] ^= 0x40;
        File.WriteAllBytes(path, edited);
        File.SetLastWriteTimeUtc(path, mtime);

        // The held bytes are the blob's content: served through a lookup and a single open alike, in every shape.
        var lookup = await store.LookUpAsync([hash]);
        foreach (var ranges in new[] { ChunkRanges.All, ChunkRanges.Range(1, 2), ChunkRanges.Empty })
        {
            var (_, _, encoded) = TestData.Encode(data, ranges);
            using (var reader = await lookup.OpenReaderAsync(hash, ranges))
            {
                var into = new byte[reader.EncodedLength];
                Assert.Equal(encoded.Length, reader.EncodeTo(into));
                Assert.Equal(encoded, into);
            }
            using (var reader = await store.OpenReaderAsync(hash, ranges))
            {
                var output = new MemoryStream();
                await reader.WriteToAsync(output);
                Assert.Equal(encoded, output.ToArray());
            }
        }
        Assert.Equal(BlobState.Complete, (await store.StatusAsync(hash)).State);

        // Once they expired, the file is read and hashed again, and the edit is caught.
        time.Advance(timeToLive * 2);
        using (var reader = await store.OpenReaderAsync(hash, ChunkRanges.All))
            Assert.Throws<BlobCorruptException>(() => reader.EncodeTo(new byte[reader.EncodedLength]));
        Assert.Equal(BlobState.Corrupt, (await store.StatusAsync(hash)).State);
        pins[0].Dispose();
    }

    [Fact]
    public async Task A_deleted_blob_is_not_served_from_the_held_bytes()
    {
        var path = Path.Combine(_dir, "deleted.bin");
        File.WriteAllBytes(path, TestData.Bytes(2048, 5));
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var pins = await store.ImportFilesAsync([path], ImportMode.InPlace);
        var hash = pins[0].Hash;
        pins[0].Dispose();
        Assert.True(await store.DeleteAsync(hash));
        Assert.NotNull(Recent(store).TryLease(hash));
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReaderAsync(hash, ChunkRanges.All));
        var lookup = await store.LookUpAsync([hash]);
        await Assert.ThrowsAsync<BlobNotFoundException>(async () => await lookup.OpenReaderAsync(hash, ChunkRanges.All));
    }

    [Fact]
    public async Task A_store_without_the_cache_keeps_nothing()
    {
        var path = Path.Combine(_dir, "plain.bin");
        File.WriteAllBytes(path, TestData.Bytes(2048, 6));
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"), new StoreOptions { RecentImportCacheBytes = 0 });
        Assert.Null(((StoreEngine)store).Recent);
        using var pin = (await store.ImportFilesAsync([path], ImportMode.InPlace))[0];
        Assert.Equal(File.ReadAllBytes(path), await TestData.ReadAllAsync(store, pin.Hash));
    }

    [Fact]
    public void The_config_keys_are_read_and_checked()
    {
        var options = StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store { recent-import-cache = 32 MiB, recent-import-cache-ttl = 90s }"));
        Assert.Equal(32L << 20, options.RecentImportCacheBytes);
        Assert.Equal(TimeSpan.FromSeconds(90), options.RecentImportCacheTimeToLive);
        Assert.Equal(0, StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store.recent-import-cache = 0")).RecentImportCacheBytes);
        var small = Assert.Throws<ArgumentException>(() => StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store.recent-import-cache = 64 KiB")));
        Assert.Contains("iroh.store.recent-import-cache", small.Message);
        var ttl = Assert.Throws<ArgumentException>(() => StoreOptions.FromConfig(HoconConfig.ParseString("iroh.store.recent-import-cache-ttl = 0s")));
        Assert.Contains("iroh.store.recent-import-cache-ttl", ttl.Message);
    }
}
