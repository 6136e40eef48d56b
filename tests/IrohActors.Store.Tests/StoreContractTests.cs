using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Store.Tests;

/// <summary>The behaviour both stores share; each store runs every test here.</summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    private readonly string _scratch = TestData.TempDir("contract");

    protected IBlobStore Store { get; private set; } = null!;

    protected string Scratch => _scratch;

    protected abstract IBlobStore CreateStore(StoreOptions options);

    protected virtual StoreOptions Options => new();

    public Task InitializeAsync()
    {
        Store = CreateStore(Options);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_scratch, true);
    }

    public static TheoryData<int> Sizes => [0, 1, 1023, 1024, 1025, 16 * 1024, 16 * 1024 + 1, 100_000, 5 << 20];

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task ImportBytes_hashes_like_blake3_and_reads_back_verified(int size)
    {
        var data = TestData.Bytes(size, size);
        using var result = await Store.ImportBytesAsync(data);
        Assert.Equal(Hasher.Hash(data), result.Hash);
        Assert.Equal((ulong)size, result.Size);
        var status = await Store.StatusAsync(result.Hash);
        Assert.Equal(BlobState.Complete, status.State);
        Assert.Equal((ulong)size, status.Size);
        Assert.True(status.SizeProved);
        Assert.Equal(data, await TestData.ReadAllAsync(Store, result.Hash));
        Assert.True((await Store.MissingAsync(result.Hash)).IsEmpty);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3000, 5000)]
    [InlineData(16 * 1024 - 10, 40_000)]
    [InlineData(1 << 20, 1)]
    public async Task Reader_yields_the_verified_stream_of_byte_ranges(int start, int length)
    {
        var data = TestData.Bytes(2 << 20, 7);
        using var result = await Store.ImportBytesAsync(data);
        var ranges = ChunkRanges.Bytes((ulong)start, (ulong)(start + length));
        using var reader = await Store.OpenReaderAsync(result.Hash, ranges);
        var encoded = new MemoryStream();
        await reader.WriteToAsync(encoded);
        // The stream must be exactly what the bao layer encodes from its own outboard, and decode against the hash.
        Assert.Equal(TestData.Encode(data, ranges).Encoded, encoded.ToArray());
        var leaves = TestData.Decode(result.Hash, reader.Tree, ranges, encoded.ToArray());
        Assert.NotEmpty(leaves);
        foreach (var (offset, bytes) in leaves)
            Assert.Equal(data.AsSpan((int)offset, bytes.Length).ToArray(), bytes);
        Assert.True(leaves[0].Offset <= (ulong)start && leaves[^1].Offset + (ulong)leaves[^1].Bytes.Length >= (ulong)(start + length));
    }

    [Theory]
    [InlineData(ImportMode.Copy)]
    [InlineData(ImportMode.InPlace)]
    public async Task ImportFile_and_stream_agree_with_bytes(ImportMode mode)
    {
        var data = TestData.Bytes(300_000, 3);
        var path = Path.Combine(Scratch, "a.bin");
        await File.WriteAllBytesAsync(path, data);
        using var fromFile = await Store.ImportFileAsync(path, mode);
        using var fromStream = await Store.ImportStreamAsync(new MemoryStream(data));
        Assert.Equal(Hasher.Hash(data), fromFile.Hash);
        Assert.Equal(fromFile.Hash, fromStream.Hash);
        Assert.Equal(data, await TestData.ReadAllAsync(Store, fromFile.Hash));
    }

    [Theory]
    [InlineData(100, ExportMode.Copy)]
    [InlineData(3_000_000, ExportMode.Copy)]
    [InlineData(3_000_000, ExportMode.TryHardLink)]
    public async Task Export_writes_the_exact_bytes(int size, ExportMode mode)
    {
        var data = TestData.Bytes(size, 4);
        using var result = await Store.ImportBytesAsync(data);
        var target = Path.Combine(Scratch, "out", "x.bin");
        await Store.ExportAsync(result.Hash, target, mode);
        Assert.Equal(data, await File.ReadAllBytesAsync(target));
        await Assert.ThrowsAsync<IOException>(() => Store.ExportAsync(result.Hash, target, mode));
    }

    [Fact]
    public async Task Absent_blob_is_absent_everywhere()
    {
        var hash = Hasher.Hash("nothing here"u8);
        Assert.Equal(BlobState.Absent, (await Store.StatusAsync(hash)).State);
        Assert.True((await Store.MissingAsync(hash)).IsAll);
        var e = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReaderAsync(hash, ChunkRanges.All));
        Assert.Contains(hash.ToHex(), e.Message);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ExportAsync(hash, Path.Combine(Scratch, "none")));
        Assert.False(File.Exists(Path.Combine(Scratch, "none")));
        Assert.False(await Store.DeleteAsync(hash));
    }

    [Fact]
    public async Task List_and_delete()
    {
        using var a = await Store.ImportBytesAsync(TestData.Bytes(10, 1));
        using var b = await Store.ImportBytesAsync(TestData.Bytes(50_000, 2));
        var listed = new List<Hash>();
        await foreach (var s in Store.ListAsync())
            listed.Add(s.Hash);
        Assert.Equal(new HashSet<Hash> { a.Hash, b.Hash }, listed.ToHashSet());
        Assert.True(await Store.DeleteAsync(b.Hash));
        Assert.Equal(BlobState.Absent, (await Store.StatusAsync(b.Hash)).State);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReaderAsync(b.Hash, ChunkRanges.All));
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(1_000_000)]
    [InlineData(5_000_000)]
    public async Task Partial_write_records_ranges_reports_missing_and_completes(int size)
    {
        var data = TestData.Bytes(size, 11);
        var hash = Hasher.Hash(data);
        var chunks = ChunkNum.Chunks((ulong)size).Value;
        var first = ChunkRanges.Range(0, 32) | ChunkRanges.Range(64, 96);
        await TestData.WriteRangesAsync(Store, data, first);
        var status = await Store.StatusAsync(hash);
        Assert.Equal(BlobState.Partial, status.State);
        Assert.Equal(first, status.Ranges);
        Assert.Equal(ChunkRanges.All - first, await Store.MissingAsync(hash));
        // A partial blob serves what it has and refuses the rest.
        using (var reader = await Store.OpenReaderAsync(hash, ChunkRanges.Range(64, 80)))
        {
            var encoded = new MemoryStream();
            await reader.WriteToAsync(encoded);
            Assert.Equal(TestData.Encode(data, ChunkRanges.Range(64, 80)).Encoded, encoded.ToArray());
        }
        var missing = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReaderAsync(hash, ChunkRanges.Range(30, 40)));
        Assert.Equal(ChunkRanges.Range(32, 40), missing.Missing);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.ExportAsync(hash, Path.Combine(Scratch, "partial")));

        // The last chunk proves the size; then "missing" is exact.
        await TestData.WriteRangesAsync(Store, data, ChunkRanges.LastChunk);
        status = await Store.StatusAsync(hash);
        Assert.True(status.SizeProved);
        // A lone last chunk proves the size but not its group (proofs are per group), unless it is the whole group.
        var tail = (chunks - 1) % 16 == 0 ? ChunkRanges.Range(chunks - 1, chunks) : ChunkRanges.Empty;
        Assert.Equal(ChunkRanges.Range(0, chunks) - first - tail, await Store.MissingAsync(hash));

        await TestData.WriteRangesAsync(Store, data, await Store.MissingAsync(hash));
        status = await Store.StatusAsync(hash);
        Assert.Equal(BlobState.Complete, status.State);
        Assert.Equal(data, await TestData.ReadAllAsync(Store, hash));
    }

    [Fact]
    public async Task Partial_chunks_of_a_group_are_not_recorded_until_the_group_is_whole()
    {
        var data = TestData.Bytes(200_000, 12);
        var (root, tree, _) = TestData.Encode(data, ChunkRanges.All);
        await using var writer = await Store.OpenWriterAsync(root, tree);
        await Write(ChunkRanges.Range(3, 20));
        Assert.True((await Store.StatusAsync(root)).Ranges.IsEmpty);
        await Write(ChunkRanges.Range(0, 3) | ChunkRanges.Range(20, 32));
        Assert.Equal(ChunkRanges.Range(0, 32), (await Store.StatusAsync(root)).Ranges);

        async Task Write(ChunkRanges ranges)
        {
            using var decoder = new ResponseDecoder(root, tree, ranges, new MemoryStream(TestData.Encode(data, ranges).Encoded));
            await writer.WriteAllAsync(decoder);
        }
    }

    [Fact]
    public async Task Writer_rejects_a_decoder_of_another_blob_and_a_second_writer()
    {
        var data = TestData.Bytes(50_000, 13);
        var (root, tree, encoded) = TestData.Encode(data, ChunkRanges.All);
        await using var writer = await Store.OpenWriterAsync(root, tree);
        await Assert.ThrowsAsync<BlobBusyException>(() => Store.OpenWriterAsync(root, tree));
        var other = Hasher.Hash("other"u8);
        using var decoder = new ResponseDecoder(other, tree, ChunkRanges.All, new MemoryStream(encoded));
        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAllAsync(decoder));
        await Assert.ThrowsAsync<BlobBusyException>(() => Store.DeleteAsync(root));
    }

    [Fact]
    public async Task A_corrupt_stream_keeps_what_verified_before_it()
    {
        var data = TestData.Bytes(300_000, 14);
        var (root, tree, encoded) = TestData.Encode(data, ChunkRanges.All);
        encoded[^100] ^= 1; // inside the last group
        await using (var writer = await Store.OpenWriterAsync(root, tree))
        {
            using var decoder = new ResponseDecoder(root, tree, ChunkRanges.All, new MemoryStream(encoded), "bad peer");
            var e = await Assert.ThrowsAsync<BaoVerificationException>(() => writer.WriteAllAsync(decoder));
            Assert.Contains("bad peer", e.Message);
        }
        var status = await Store.StatusAsync(root);
        Assert.Equal(BlobState.Partial, status.State);
        var lastGroup = (ChunkNum.Chunks(300_000).Value - 1) / 16 * 16;
        Assert.Equal(ChunkRanges.Range(0, lastGroup), status.Ranges);
    }

    [Fact]
    public async Task Observe_reports_ranges_as_they_arrive_and_completion()
    {
        var data = TestData.Bytes(1_000_000, 15);
        var hash = Hasher.Hash(data);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var seen = new List<BlobStatus>();
        var started = new TaskCompletionSource();
        var observer = Task.Run(async () =>
        {
            await foreach (var s in Store.ObserveAsync(hash, cts.Token))
            {
                seen.Add(s);
                started.TrySetResult();
                if (s.State == BlobState.Complete)
                    break;
            }
        });
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await TestData.WriteRangesAsync(Store, data, ChunkRanges.Range(0, 64));
        await TestData.WriteRangesAsync(Store, data, ChunkRanges.From(64));
        await observer.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(BlobState.Absent, seen[0].State);
        Assert.Contains(seen, s => s.State == BlobState.Partial && s.Ranges == ChunkRanges.Range(0, 64));
        Assert.Equal(BlobState.Complete, seen[^1].State);
    }

    private async Task<PlacedFile> PlaceAsync(string name, byte[] data, byte[]? written = null)
    {
        var path = Path.Combine(Scratch, name);
        await File.WriteAllBytesAsync(path, written ?? data);
        return new PlacedFile(path, data.Length, File.GetLastWriteTimeUtc(path).Ticks, PreOrderOutboard.Create(data, Store.BlockSize));
    }

    [Fact]
    public async Task Placed_files_are_recorded_in_place_and_read_back_verified()
    {
        var datas = new[] { TestData.Bytes(0, 1), TestData.Bytes(5000, 2), TestData.Bytes(200_000, 3) };
        var placed = new List<PlacedFile>();
        for (var i = 0; i < datas.Length; i++)
            placed.Add(await PlaceAsync($"placed{i}.bin", datas[i]));

        await Store.RecordPlacedFilesAsync(placed);

        foreach (var data in datas)
        {
            Assert.Equal(BlobState.Complete, (await Store.StatusAsync(Hasher.Hash(data))).State);
            Assert.Equal(data, await TestData.ReadAllAsync(Store, Hasher.Hash(data)));
        }
    }

    [Fact]
    public async Task A_placed_file_whose_bytes_are_not_its_outboards_is_never_served()
    {
        // The store trusts the caller's verification (it does not read the file when recording), but reads verify.
        var data = TestData.Bytes(200_000, 4);
        var wrong = (byte[])data.Clone();
        wrong[150_000] ^= 1;
        var placed = await PlaceAsync("lying.bin", data, wrong);

        await Store.RecordPlacedFilesAsync([placed]);

        var e = await Assert.ThrowsAsync<BlobCorruptException>(() => TestData.ReadAllAsync(Store, placed.Hash));
        Assert.Equal(144UL, e.Chunk); // 150,000 lies in the group of chunks 144..159
    }

    [Fact]
    public async Task A_placed_file_with_an_outboard_of_another_size_is_refused()
    {
        var placed = await PlaceAsync("short.bin", TestData.Bytes(5000, 5));
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.RecordPlacedFilesAsync([placed with { Length = 4999 }]));
        Assert.Contains("short.bin", e.Message);
    }

    [Fact]
    public async Task InPlace_source_edited_after_import_is_detected_marked_and_not_exported()
    {
        var data = TestData.Bytes(200_000, 16);
        var path = Path.Combine(Scratch, "inplace.bin");
        await File.WriteAllBytesAsync(path, data);
        using var result = await Store.ImportFileAsync(path, ImportMode.InPlace);
        await using (var f = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            f.Position = 100_000;
            f.WriteByte((byte)(data[100_000] ^ 0xff));
        }
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        var target = Path.Combine(Scratch, "inplace-out.bin");
        var e = await Assert.ThrowsAsync<BlobCorruptException>(() => Store.ExportAsync(result.Hash, target));
        Assert.Equal(result.Hash, e.Hash);
        Assert.Equal(96UL, e.Chunk); // 100,000 lies in the group of chunks 96..111
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(Scratch, "*.export"));
        Assert.Equal(BlobState.Corrupt, (await Store.StatusAsync(result.Hash)).State);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReaderAsync(result.Hash, ChunkRanges.All));

        // Re-importing the (now different) file makes a new blob; restoring the bytes and re-importing heals the old one.
        await File.WriteAllBytesAsync(path, data);
        using var again = await Store.ImportFileAsync(path, ImportMode.InPlace);
        Assert.Equal(result.Hash, again.Hash);
        Assert.Equal(BlobState.Complete, (await Store.StatusAsync(result.Hash)).State);
        Assert.Equal(data, await TestData.ReadAllAsync(Store, result.Hash));
    }

    [Fact]
    public async Task InPlace_source_touched_but_unchanged_still_serves()
    {
        var data = TestData.Bytes(100_000, 17);
        var path = Path.Combine(Scratch, "touched.bin");
        await File.WriteAllBytesAsync(path, data);
        using var result = await Store.ImportFileAsync(path, ImportMode.InPlace);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(data, await TestData.ReadAllAsync(Store, result.Hash));
    }

    [Fact]
    public async Task InPlace_source_truncated_names_the_first_missing_chunk()
    {
        var data = TestData.Bytes(100_000, 18);
        var path = Path.Combine(Scratch, "trunc.bin");
        await File.WriteAllBytesAsync(path, data);
        using var result = await Store.ImportFileAsync(path, ImportMode.InPlace);
        await File.WriteAllBytesAsync(path, data.AsSpan(0, 40_000).ToArray());
        var e = await Assert.ThrowsAsync<BlobCorruptException>(() => Store.OpenReaderAsync(result.Hash, ChunkRanges.All));
        Assert.Equal(32UL, e.Chunk); // the group holding byte 40,000
        Assert.Equal(BlobState.Corrupt, (await Store.StatusAsync(result.Hash)).State);
    }

    [Theory]
    [InlineData(ImportMode.Copy)]
    [InlineData(ImportMode.InPlace)]
    public async Task ImportFiles_hashes_every_file_like_blake3_in_order_and_reads_back(ImportMode mode)
    {
        int[] sizes = [0, 1, 1023, 1024, 16 * 1024, 16 * 1024 + 1, 100_000, 1 << 20, (1 << 20) + 1, 5 << 20];
        var contents = new List<byte[]>();
        for (var i = 0; i < 60; i++)
            contents.Add(TestData.Bytes(sizes[i % sizes.Length] + i % 3, 1000 + i));
        contents.Add(contents[5]); // the same content twice in one batch
        var paths = contents.Select((c, i) => Path.Combine(Scratch, $"batch-{i}.bin")).ToArray();
        for (var i = 0; i < paths.Length; i++)
            await File.WriteAllBytesAsync(paths[i], contents[i]);

        var results = await Store.ImportFilesAsync(paths, mode);
        try
        {
            Assert.Equal(paths.Length, results.Count);
            for (var i = 0; i < paths.Length; i++)
            {
                Assert.Equal(Hasher.Hash(contents[i]), results[i].Hash);
                Assert.Equal((ulong)contents[i].Length, results[i].Size);
                Assert.Equal(BlobState.Complete, (await Store.StatusAsync(results[i].Hash)).State);
                Assert.Equal(contents[i], await TestData.ReadAllAsync(Store, results[i].Hash));
            }
        }
        finally
        {
            foreach (var r in results)
                r.Dispose();
        }
    }

    [Fact]
    public async Task ImportFiles_failure_names_the_file_and_releases_the_pins_of_the_others()
    {
        var paths = Enumerable.Range(0, 20).Select(i => Path.Combine(Scratch, $"ok-{i}.bin")).ToList();
        foreach (var (path, i) in paths.Select((p, i) => (p, i)))
            await File.WriteAllBytesAsync(path, TestData.Bytes(5000 + i, i));
        var missing = Path.Combine(Scratch, "no-such-file.bin");
        paths.Insert(7, missing);

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => Store.ImportFilesAsync(paths, ImportMode.Copy));
        Assert.Contains(missing, e.Message);
        // Whatever was committed is unpinned again: garbage collection keeps nothing.
        var gc = await Store.GcAsync();
        Assert.Equal(0, gc.Live);
    }

    [Fact]
    public async Task A_lone_import_does_not_wait_for_the_batch_delay()
    {
        await using var store = CreateStore(Options with { CommitBatchDelay = TimeSpan.FromHours(1), CommitBatchItems = 1000 });
        // Committed at once although the batch could wait an hour: nothing else is being hashed.
        var import = store.ImportBytesAsync(TestData.Bytes(3000, 3));
        using var result = await import.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(Hasher.Hash(TestData.Bytes(3000, 3)), result.Hash);
    }
}

/// <summary>The contract against the in-memory store.</summary>
public sealed class MemoryStoreContractTests : StoreContractTests
{
    /// <inheritdoc />
    protected override IBlobStore CreateStore(StoreOptions options) => BlobStores.InMemory(options);
}

/// <summary>The contract against the file-system store.</summary>
public sealed class FileSystemStoreContractTests : StoreContractTests
{
    /// <inheritdoc />
    protected override IBlobStore CreateStore(StoreOptions options) => BlobStores.OpenFileSystem(Path.Combine(Scratch, $"store-{Guid.NewGuid():N}"), options);
}
