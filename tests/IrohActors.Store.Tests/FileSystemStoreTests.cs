using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Store.Tests;

/// <summary>What only the file-system store has: layout, persistence across reopen, recovery, damage to its own files.</summary>
public sealed class FileSystemStoreTests : IDisposable
{
    private readonly string _dir = TestData.TempDir("fs");

    private string StoreDir => Path.Combine(_dir, "store");

    public void Dispose() => Directory.Delete(_dir, true);

    private string DataFile(Hash h) => Path.Combine(StoreDir, "data", h.ToHex() + ".data");

    private string OutboardFile(Hash h) => Path.Combine(StoreDir, "data", h.ToHex() + ".obao4");

    [Fact]
    public async Task Small_items_are_inline_and_large_ones_are_files()
    {
        await using var store = BlobStores.OpenFileSystem(StoreDir);
        using var tiny = await store.ImportBytesAsync(TestData.Bytes(16 * 1024, 1));
        using var mid = await store.ImportBytesAsync(TestData.Bytes(1 << 20, 2));
        using var big = await store.ImportBytesAsync(TestData.Bytes(5 << 20, 3));
        Assert.False(File.Exists(DataFile(tiny.Hash)));
        Assert.True(File.Exists(DataFile(mid.Hash)));
        Assert.False(File.Exists(OutboardFile(mid.Hash))); // 63 pairs = 4 KiB, inline
        Assert.True(File.Exists(DataFile(big.Hash)));
        Assert.Equal(new BaoTree(5 << 20, BlockSize.Default).OutboardSize, (ulong)new FileInfo(OutboardFile(big.Hash)).Length);
        Assert.Empty(Directory.GetFiles(Path.Combine(StoreDir, "temp")));
    }

    [Fact]
    public async Task Everything_survives_a_reopen()
    {
        var small = TestData.Bytes(1000, 1);
        var large = TestData.Bytes(3 << 20, 2);
        var partial = TestData.Bytes(2 << 20, 3);
        Hash a, b;
        await using (var store = BlobStores.OpenFileSystem(StoreDir))
        {
            using var ra = await store.ImportBytesAsync(small);
            using var rb = await store.ImportBytesAsync(large);
            (a, b) = (ra.Hash, rb.Hash);
            await store.SetTagAsync("small", a);
            await TestData.WriteRangesAsync(store, partial, ChunkRanges.Range(0, 512));
        }
        await using (var store = BlobStores.OpenFileSystem(StoreDir))
        {
            Assert.Equal(small, await TestData.ReadAllAsync(store, a));
            Assert.Equal(large, await TestData.ReadAllAsync(store, b));
            Assert.Equal([new TagInfo("small", a, BlobFormat.Raw)], await store.ListTagsAsync());
            var p = Hasher.Hash(partial);
            Assert.Equal(ChunkRanges.Range(0, 512), (await store.StatusAsync(p)).Ranges);
            await TestData.WriteRangesAsync(store, partial, await store.MissingAsync(p));
            Assert.Equal(partial, await TestData.ReadAllAsync(store, p));
        }
    }

    [Fact]
    public async Task A_blob_received_in_pieces_has_the_reference_outboard_on_disk()
    {
        // The partial writer gathers consecutive pairs into one write and flushes before data, on a gap and at sync:
        // whatever the pieces, the file must hold exactly the outboard the bao layer computes from the data.
        var data = TestData.Bytes(9 << 20, 7);
        var reference = PreOrderOutboard.Create(data).Data!;
        var hash = Hasher.Hash(data);
        await using var store = BlobStores.OpenFileSystem(StoreDir);
        await TestData.WriteRangesAsync(store, data, ChunkRanges.Range(3000, 5000) | ChunkRanges.Range(96, 704));
        Assert.Equal(ChunkRanges.Range(3008, 4992) | ChunkRanges.Range(96, 704), (await store.StatusAsync(hash)).Ranges);
        await TestData.WriteRangesAsync(store, data, await store.MissingAsync(hash));
        Assert.Equal(BlobState.Complete, (await store.StatusAsync(hash)).State);
        Assert.Equal(reference, await File.ReadAllBytesAsync(OutboardFile(hash)));
        Assert.Equal(data, await TestData.ReadAllAsync(store, hash));
    }

    [Fact]
    public async Task Open_cleans_temp_and_orphaned_files()
    {
        await using (var store = BlobStores.OpenFileSystem(StoreDir))
        {
        }
        var orphan = Hasher.Hash("orphan"u8);
        File.WriteAllText(Path.Combine(StoreDir, "temp", "x.temp"), "left over");
        File.WriteAllText(DataFile(orphan), "no row");
        await using (var store = BlobStores.OpenFileSystem(StoreDir))
        {
            Assert.Empty(Directory.GetFiles(Path.Combine(StoreDir, "temp")));
            Assert.False(File.Exists(DataFile(orphan)));
        }
    }

    [Fact]
    public async Task A_second_store_on_the_same_directory_is_refused_and_the_first_keeps_its_files()
    {
        await using (var first = BlobStores.OpenFileSystem(StoreDir))
        {
            using var kept = await first.ImportBytesAsync(TestData.Bytes(100_000, 9));
            // What a second store would have reconciled away: the first one's temporary file of an import in progress.
            var inProgress = Path.Combine(StoreDir, "temp", "busy.temp");
            File.WriteAllText(inProgress, "being written");

            var error = Assert.Throws<IOException>(() => BlobStores.OpenFileSystem(StoreDir));

            Assert.Contains($"the store in {Path.GetFullPath(StoreDir)} is in use by another process", error.Message);
            Assert.True(File.Exists(inProgress));
            Assert.Equal(TestData.Bytes(100_000, 9), await TestData.ReadAllAsync(first, kept.Hash));
            File.Delete(inProgress);
        }
        // Once the first is closed the directory is free again.
        await using var again = BlobStores.OpenFileSystem(StoreDir);
        Assert.Single(await ListAsync(again));
    }

    private static async Task<List<BlobStatus>> ListAsync(IBlobStore store)
    {
        var all = new List<BlobStatus>();
        await foreach (var status in store.ListAsync())
            all.Add(status);
        return all;
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("outboard")]
    public async Task Damage_to_an_owned_file_is_detected_and_nothing_wrong_is_served_or_exported(string damage)
    {
        var data = TestData.Bytes(6 << 20, 4);
        await using var store = BlobStores.OpenFileSystem(StoreDir);
        using var result = await store.ImportBytesAsync(data);
        var h = result.Hash;
        ulong expectedChunk;
        switch (damage)
        {
            case "flip":
                await using (var f = new FileStream(DataFile(h), FileMode.Open, FileAccess.ReadWrite))
                {
                    f.Position = 3_000_000;
                    var b = f.ReadByte();
                    f.Position = 3_000_000;
                    f.WriteByte((byte)(b ^ 1));
                }
                expectedChunk = 3_000_000 / 16384 * 16;
                break;
            case "truncate":
                await using (var f = new FileStream(DataFile(h), FileMode.Open, FileAccess.ReadWrite))
                    f.SetLength(4_000_000);
                expectedChunk = 4_000_000 / 16384 * 16;
                break;
            default:
                // The last pair of the pre-order outboard belongs to the right-most parent: a node above the last groups.
                await using (var f = new FileStream(OutboardFile(h), FileMode.Open, FileAccess.ReadWrite))
                {
                    f.Position = f.Length - 1;
                    var b = f.ReadByte();
                    f.Position = f.Length - 1;
                    f.WriteByte((byte)(b ^ 1));
                }
                expectedChunk = ulong.MaxValue;
                break;
        }
        var target = Path.Combine(_dir, "out.bin");
        var e = await Assert.ThrowsAsync<BlobCorruptException>(() => store.ExportAsync(h, target));
        Assert.Equal(h, e.Hash);
        Assert.Contains(h.ToHex(), e.Message);
        if (expectedChunk != ulong.MaxValue)
            Assert.Equal(expectedChunk, e.Chunk);
        else
            Assert.True(e.Chunk > 0 && e.Chunk < (6UL << 20) / 1024);
        Assert.False(File.Exists(target));
        Assert.Empty(Directory.GetFiles(_dir, "*.export"));
        Assert.Equal(BlobState.Corrupt, (await store.StatusAsync(h)).State);
        await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReaderAsync(h, ChunkRanges.Range(0, 1)));

        // Re-import heals it.
        using var again = await store.ImportBytesAsync(data);
        Assert.Equal(data, await TestData.ReadAllAsync(store, h));
    }

    [Fact]
    public async Task A_reader_serving_damaged_data_stops_before_the_bad_chunk()
    {
        var data = TestData.Bytes(1 << 20, 5);
        await using var store = BlobStores.OpenFileSystem(StoreDir);
        using var result = await store.ImportBytesAsync(data);
        await using (var f = new FileStream(DataFile(result.Hash), FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = 500_000;
            f.WriteByte((byte)(data[500_000] ^ 0x80));
        }
        using var reader = await store.OpenReaderAsync(result.Hash, ChunkRanges.All);
        var sent = new List<EncodedItem>();
        var e = Assert.Throws<BlobCorruptException>(() =>
        {
            while (reader.TryNext(out var item))
                sent.Add(item);
        });
        Assert.Equal(500_000UL / 16384 * 16, e.Chunk);
        Assert.All(sent.Where(i => !i.IsParent), i => Assert.True(i.Offset + (ulong)i.Chunk.Size <= 500_000 / 16384 * 16384));
    }

    [Fact]
    public async Task Ranges_reported_present_during_a_write_are_readable_and_nothing_is_marked_corrupt()
    {
        // 64 KiB groups: every leaf takes the write-behind (O_DIRECT) path on file systems that allow it, so its
        // bytes reach the file after WriteAsync returned; a reader must not be told they are present before that.
        var options = new StoreOptions { BlockSize = BlockSize.FromChunkLog(6), WriterFlushBytes = int.MaxValue };
        await using var store = BlobStores.OpenFileSystem(StoreDir, options);
        var data = TestData.Bytes(4 << 20, 7);
        var (root, tree, encoded) = TestData.Encode(data, ChunkRanges.All, store.BlockSize);
        var reads = 0;
        await using (var writer = await store.OpenWriterAsync(root, tree))
        {
            using var decoder = new ResponseDecoder(root, tree, ChunkRanges.All, new MemoryStream(encoded), "test peer");
            var items = 0;
            while (await decoder.NextAsync() is { } item)
            {
                await writer.WriteAsync(item);
                // A checkpoint now and then (the getter makes one a second): what it covers is readable after it.
                if (++items % 16 == 0)
                    await writer.FlushAsync();
                var status = await store.StatusAsync(root);
                if (status.State != BlobState.Partial || status.Ranges.IsEmpty)
                    continue;
                // Served at once, as a provider would: every byte must verify against the outboard.
                using var reader = await store.OpenReaderAsync(root, status.Ranges);
                await reader.WriteToAsync(Stream.Null);
                reads++;
            }
            await writer.FlushAsync();
        }
        Assert.True(reads > 0, "the partial blob was never readable while it was written");
        Assert.Equal(BlobState.Complete, (await store.StatusAsync(root)).State);
        Assert.Equal(data, await TestData.ReadAllAsync(store, root));
    }

    [Fact]
    public async Task A_batched_write_from_lent_blocks_reports_only_readable_ranges_while_it_runs()
    {
        // The getter's path: the decoder's units verify in aligned blocks the writer lent and are written to the device
        // from there, behind the decode (O_DIRECT where allowed). A provider reading the partial blob meanwhile must
        // only ever be told of ranges whose bytes are in the file and verify.
        await using var store = BlobStores.OpenFileSystem(StoreDir);
        var data = TestData.Bytes(12 << 20, 8);
        var (root, tree, encoded) = TestData.Encode(data, ChunkRanges.All, store.BlockSize);
        var reads = 0;
        using var done = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var status = await store.StatusAsync(root);
                if (status.State == BlobState.Partial && !status.Ranges.IsEmpty)
                {
                    using var partial = await store.OpenReaderAsync(root, status.Ranges);
                    await partial.WriteToAsync(Stream.Null);
                    reads++;
                }
                await Task.Delay(15);
            }
        });
        await using (var writer = await store.OpenWriterAsync(root, tree))
        {
            // Slow enough that the writer makes a checkpoint (once a second) half way.
            using var decoder = new ResponseDecoder(root, tree, ChunkRanges.All, new SlowStream(encoded, 256 * 1024, TimeSpan.FromMilliseconds(40)), "test peer");
            await writer.WriteAllAsync(decoder);
        }
        done.Cancel();
        await reader;
        Assert.True(reads > 0, "the partial blob was never readable while it was written");
        Assert.Equal(BlobState.Complete, (await store.StatusAsync(root)).State);
        Assert.Equal(data, await TestData.ReadAllAsync(store, root));
    }

    // Pauses before each read that starts a new `every` bytes (a network stream at a few MB/s).
    private sealed class SlowStream(byte[] bytes, int every, TimeSpan pause) : Stream
    {
        private int _position;
        private int _nextPause;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position >= _nextPause)
            {
                _nextPause = _position + every;
                await Task.Delay(pause, cancellationToken);
            }
            return Read(buffer.Span);
        }

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(buffer.Length, bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public async Task Hard_link_export_shares_the_store_file()
    {
        var data = TestData.Bytes(2 << 20, 6);
        await using var store = BlobStores.OpenFileSystem(StoreDir);
        using var result = await store.ImportBytesAsync(data);
        var target = Path.Combine(_dir, "linked.bin");
        await store.ExportAsync(result.Hash, target, ExportMode.TryHardLink);
        Assert.Equal(data, await File.ReadAllBytesAsync(target));
        Assert.Equal(2L, LinkCount(target));
    }

    private static long LinkCount(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%h", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return long.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
