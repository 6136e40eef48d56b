using IrohActors.Bao;
using IrohActors.Blake3;

namespace IrohActors.Store.Tests;

/// <summary><see cref="IBlobStore.LookUpAsync"/>: many blobs looked up at once, each opened as <see cref="IBlobStore.OpenReaderAsync"/> opens it.</summary>
public sealed class LookUpTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("lookup");

    public void Dispose() => Directory.Delete(_dir, true);

    private static async Task<byte[]> DrainAsync(BlobReader reader)
    {
        using (reader)
        {
            var output = new MemoryStream();
            await reader.WriteToAsync(output);
            return output.ToArray();
        }
    }

    public static TheoryData<bool> Stores => new() { true, false };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Looked_up_readers_send_the_same_verified_streams(bool fileSystem)
    {
        // Inline data, inline outboards, owned data and outboard files, in-place files of one and of many groups.
        await using var store = fileSystem ? BlobStores.OpenFileSystem(Path.Combine(_dir, "store")) : BlobStores.InMemory();
        var datas = new List<byte[]> { Array.Empty<byte>(), TestData.Bytes(100, 1), TestData.Bytes(16 * 1024, 2), TestData.Bytes(200_000, 3), TestData.Bytes(5 << 20, 4) };
        var pins = new List<ImportResult>();
        foreach (var data in datas)
            pins.Add(await store.ImportBytesAsync(data));
        var files = new[] { 700, 16 * 1024 + 1, 300_000 }.Select((n, i) =>
        {
            var path = Path.Combine(_dir, $"in-place-{i}.bin");
            File.WriteAllBytes(path, TestData.Bytes(n, 10 + i));
            return path;
        }).ToArray();
        pins.AddRange(await store.ImportFilesAsync(files, ImportMode.InPlace));
        datas.AddRange(files.Select(File.ReadAllBytes));
        var absent = Hasher.Hash("not in the store"u8);
        var hashes = pins.Select(p => p.Hash).Append(absent).ToArray();

        var lookup = await store.LookUpAsync(hashes);
        var ranges = new[] { ChunkRanges.All, ChunkRanges.Range(1, 20) };
        foreach (var r in ranges)
        {
            for (var i = 0; i < datas.Count; i++)
            {
                // The reference: the verified stream encoded here from the data alone.
                var (root, _, encoded) = TestData.Encode(datas[i], r);
                Assert.Equal(root, hashes[i]);
                Assert.Equal(encoded, await DrainAsync(await lookup.OpenReaderAsync(hashes[i], r)));
                // The same stream written in place in one call.
                using (var reader = await lookup.OpenReaderAsync(hashes[i], r))
                {
                    Assert.Equal((ulong)encoded.Length, reader.EncodedLength);
                    var inPlace = new byte[encoded.Length];
                    Assert.Equal(encoded.Length, reader.EncodeTo(inPlace));
                    Assert.Equal(encoded, inPlace);
                }
                Assert.True(lookup.TryGetCompleteSize(hashes[i], out var size));
                Assert.Equal((ulong)datas[i].Length, size);
            }
        }
        Assert.False(lookup.TryGetCompleteSize(absent, out _));
        await Assert.ThrowsAsync<BlobNotFoundException>(async () => await lookup.OpenReaderAsync(absent, ChunkRanges.All));
        foreach (var pin in pins)
            pin.Dispose();
    }

    [Fact]
    public async Task A_changed_in_place_file_is_caught_through_a_lookup()
    {
        var path = Path.Combine(_dir, "edited.bin");
        var data = TestData.Bytes(40_000, 7);
        File.WriteAllBytes(path, data);
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var pins = await store.ImportFilesAsync([path], ImportMode.InPlace);
        var hash = pins[0].Hash;
        var lookup = await store.LookUpAsync([hash]);
        // Same size, other bytes, a later time: the reader must not hand out a byte of it.
        data[20_000] ^= 1;
        File.WriteAllBytes(path, data);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        var e = await Assert.ThrowsAsync<BlobCorruptException>(async () => await lookup.OpenReaderAsync(hash, ChunkRanges.All));
        Assert.Equal(hash, e.Hash);
        Assert.Contains(path, e.Message);
        Assert.Equal(BlobState.Corrupt, (await store.StatusAsync(hash)).State);
        pins[0].Dispose();
    }

    [Theory]
    [InlineData(3_900, 1_000)]
    [InlineData(40_000, 33_000)]
    public async Task An_in_place_file_changed_behind_its_stamp_fails_EncodeTo_and_is_marked_corrupt(int size, int badOffset)
    {
        var path = Path.Combine(_dir, $"flipped-{size}.bin");
        var data = TestData.Bytes(size, 11);
        File.WriteAllBytes(path, data);
        // Without the recent-import cache, which would serve the small file's imported bytes (RecentImportCacheTests).
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"), new StoreOptions { RecentImportCacheBytes = 0 });
        var pins = await store.ImportFilesAsync([path], ImportMode.InPlace);
        var hash = pins[0].Hash;
        // Same size and time, one byte flipped: only the hashing of the bytes read can catch it.
        var mtime = File.GetLastWriteTimeUtc(path);
        data[badOffset] ^= 0x40;
        File.WriteAllBytes(path, data);
        File.SetLastWriteTimeUtc(path, mtime);
        var lookup = await store.LookUpAsync([hash]);
        using (var reader = await lookup.OpenReaderAsync(hash, ChunkRanges.All))
        {
            var e = Assert.Throws<BlobCorruptException>(() => reader.EncodeTo(new byte[reader.EncodedLength]));
            Assert.Equal(hash, e.Hash);
        }
        Assert.Equal(BlobState.Corrupt, (await store.StatusAsync(hash)).State);
        pins[0].Dispose();
    }

    [Fact]
    public async Task A_touched_in_place_file_with_the_same_bytes_is_still_served()
    {
        var path = Path.Combine(_dir, "touched.bin");
        var data = TestData.Bytes(40_000, 8);
        File.WriteAllBytes(path, data);
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var pins = await store.ImportFilesAsync([path], ImportMode.InPlace);
        var hash = pins[0].Hash;
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        var lookup = await store.LookUpAsync([hash]);
        var (_, _, encoded) = TestData.Encode(data, ChunkRanges.All);
        Assert.Equal(encoded, await DrainAsync(await lookup.OpenReaderAsync(hash, ChunkRanges.All)));
        Assert.Equal(BlobState.Complete, (await store.StatusAsync(hash)).State);
        pins[0].Dispose();
    }

    [Fact]
    public async Task A_blob_deleted_after_the_lookup_is_not_found_rather_than_corrupt()
    {
        var data = TestData.Bytes(100_000, 9);
        await using var store = BlobStores.OpenFileSystem(Path.Combine(_dir, "store"));
        var hash = (await store.ImportBytesAsync(data)).Hash;
        var lookup = await store.LookUpAsync([hash]);
        Assert.True(await store.DeleteAsync(hash));
        await Assert.ThrowsAsync<BlobNotFoundException>(async () => await lookup.OpenReaderAsync(hash, ChunkRanges.All));
        Assert.Equal(BlobState.Absent, (await store.StatusAsync(hash)).State);
    }
}
