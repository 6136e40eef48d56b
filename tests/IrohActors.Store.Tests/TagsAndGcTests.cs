using System.Collections.Concurrent;
using IrohActors.Bao;
using IrohActors.Blake3;
using IrohActors.Store;

namespace IrohActors.Store.Tests;

/// <summary>Tags, temporary tags and garbage collection, for both stores.</summary>
public abstract class TagsAndGcTests : IAsyncLifetime
{
    private readonly string _scratch = TestData.TempDir("gc");

    protected IBlobStore Store { get; private set; } = null!;

    protected string Scratch => _scratch;

    protected abstract IBlobStore CreateStore();

    public Task InitializeAsync()
    {
        Store = CreateStore();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        Directory.Delete(_scratch, true);
    }

    [Fact]
    public async Task Tags_are_set_moved_listed_and_removed()
    {
        using var a = await Store.ImportBytesAsync(TestData.Bytes(10, 1));
        using var b = await Store.ImportBytesAsync(TestData.Bytes(10, 2));
        await Store.SetTagAsync("zeta", a.Hash);
        await Store.SetTagAsync("alpha", a.Hash, BlobFormat.HashSeq);
        await Store.SetTagAsync("zeta", b.Hash);
        Assert.Equal(
            [new TagInfo("alpha", a.Hash, BlobFormat.HashSeq), new TagInfo("zeta", b.Hash, BlobFormat.Raw)],
            await Store.ListTagsAsync());
        Assert.True(await Store.RemoveTagAsync("alpha"));
        Assert.False(await Store.RemoveTagAsync("alpha"));
        Assert.Single(await Store.ListTagsAsync());
    }

    [Fact]
    public async Task Gc_deletes_the_unpinned_and_keeps_tags_temp_tags_writers_and_hashseq_children()
    {
        var tagged = await Import(1);
        var temp = await Import(2);
        var loose = await Import(3);
        var child1 = await Import(4);
        var child2 = await Import(5);
        var seq = await Import(0, [.. child1.ToArray(), .. child2.ToArray()]);
        await Store.SetTagAsync("keep", tagged);
        await Store.SetTagAsync("collection", seq, BlobFormat.HashSeq);
        using var tempTag = Store.CreateTempTag(temp);
        var partialData = TestData.Bytes(100_000, 6);
        var (root, tree, _) = TestData.Encode(partialData, ChunkRanges.All);
        await using var writer = await Store.OpenWriterAsync(root, tree);

        var result = await Store.GcAsync();

        Assert.Equal([loose], result.Deleted);
        foreach (var h in (Hash[])[tagged, temp, child1, child2, seq])
            Assert.Equal(BlobState.Complete, (await Store.StatusAsync(h)).State);
        Assert.Equal(BlobState.Partial, (await Store.StatusAsync(root)).State);
        Assert.Equal(BlobState.Absent, (await Store.StatusAsync(loose)).State);

        tempTag.Dispose();
        await Store.RemoveTagAsync("collection");
        await writer.DisposeAsync();
        var second = await Store.GcAsync();
        Assert.Equal(new HashSet<Hash> { temp, seq, child1, child2, root }, second.Deleted.ToHashSet());
        Assert.Equal(BlobState.Complete, (await Store.StatusAsync(tagged)).State);
    }

    [Fact]
    public async Task Gc_uses_the_pluggable_child_enumerator()
    {
        await Store.DisposeAsync();
        var child = Hasher.Hash(TestData.Bytes(10, 9));
        Store = CreateStore(new StoreOptions { ChildEnumerator = _ => One(child) });
        var parent = await Import(8);
        await Import(9);
        await Store.SetTagAsync("p", parent, BlobFormat.HashSeq);
        var result = await Store.GcAsync();
        Assert.Empty(result.Deleted);

        static async IAsyncEnumerable<Hash> One(Hash h)
        {
            await Task.Yield();
            yield return h;
        }
    }

    /// <summary>
    /// Races GC against imports that tag their blob and then drop the temp tag (iroh-blobs#247), and against
    /// partial writers: nothing tagged, temp-tagged or being written may be lost.
    /// </summary>
    [Fact]
    public async Task Gc_racing_imports_and_writers_never_deletes_pinned_or_in_flight_blobs()
    {
        var lost = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var gcRuns = 0;
        var gc = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Store.GcAsync();
                Interlocked.Increment(ref gcRuns);
            }
        });
        var runsBefore = Volatile.Read(ref gcRuns);
        var gcDuringWork = false;
        var workers = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                if (i == 30)
                {
                    // Halfway, wait until a whole GC ran while the workers were busy, so the race really happens
                    // (a fast machine could otherwise finish all imports before the first GC completes).
                    var deadline = DateTime.UtcNow.AddMinutes(1);
                    while (Volatile.Read(ref gcRuns) <= runsBefore + 1 && DateTime.UtcNow < deadline)
                        await Task.Delay(1);
                    gcDuringWork = Volatile.Read(ref gcRuns) > runsBefore + 1;
                }
                var seed = w * 1000 + i;
                var data = TestData.Bytes(1 + seed % 40_000, seed);
                if (i % 3 == 2)
                {
                    // A download: the writer pins the blob while it writes.
                    var (root, tree, encoded) = TestData.Encode(data, ChunkRanges.All);
                    await using (var writer = await Store.OpenWriterAsync(root, tree))
                    {
                        using var decoder = new ResponseDecoder(root, tree, ChunkRanges.All, new MemoryStream(encoded));
                        await writer.WriteAllAsync(decoder);
                        if ((await Store.StatusAsync(root)).State != BlobState.Complete)
                            lost.Add($"written {root} not complete");
                        await Store.SetTagAsync($"w{seed}", root);
                    }
                    continue;
                }
                using (var result = await Store.ImportBytesAsync(data))
                {
                    if ((await Store.StatusAsync(result.Hash)).State != BlobState.Complete)
                        lost.Add($"temp-tagged {result.Hash} gone");
                    await Store.SetTagAsync($"t{seed}", result.Hash);
                }
                // Unpinned garbage alongside.
                (await Store.ImportBytesAsync(TestData.Bytes(100, -seed))).Dispose();
            }
        })).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(3));
        await stop.CancelAsync();
        await gc.WaitAsync(TimeSpan.FromMinutes(1));
        await Store.GcAsync();
        foreach (var tag in await Store.ListTagsAsync())
            if ((await Store.StatusAsync(tag.Hash)).State != BlobState.Complete)
                lost.Add($"tag {tag.Name} -> {tag.Hash} lost");
        Assert.Empty(lost);
        Assert.Equal(180, (await Store.ListTagsAsync()).Count);
        Assert.True(gcDuringWork, "no GC completed while the workers were importing and writing");
    }

    private async Task<Hash> Import(int seed, byte[]? bytes = null)
    {
        using var r = await Store.ImportBytesAsync(bytes ?? TestData.Bytes(10, seed));
        return r.Hash;
    }

    protected abstract IBlobStore CreateStore(StoreOptions options);
}

/// <summary>Tags and GC on the memory store.</summary>
public sealed class MemoryTagsAndGcTests : TagsAndGcTests
{
    /// <inheritdoc />
    protected override IBlobStore CreateStore() => BlobStores.InMemory();

    /// <inheritdoc />
    protected override IBlobStore CreateStore(StoreOptions options) => BlobStores.InMemory(options);
}

/// <summary>Tags and GC on the file-system store.</summary>
public sealed class FileSystemTagsAndGcTests : TagsAndGcTests
{
    /// <inheritdoc />
    protected override IBlobStore CreateStore() => BlobStores.OpenFileSystem(Path.Combine(Scratch, "store"));

    /// <inheritdoc />
    protected override IBlobStore CreateStore(StoreOptions options) => BlobStores.OpenFileSystem(Path.Combine(Scratch, "store"), options);
}
